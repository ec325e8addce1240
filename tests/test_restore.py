"""Issue 22, restores: db_restore_from makes a database restore a planned change. The restored primary
is a new instance (RDS restores into no existing one) with a replica of its own in us-east-1; every
dependent follows it; the previous pair keeps running, unchanged, until db_restore_retire_previous
makes Terraform forget it (removed, destroy = false). `make restore-plan` says all of it before an
apply. On today's main none of this exists: db_restore_from is an unknown variable."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cdktf import Testing

from constructs_luneo.config import ConfigError, load_environment
from constructs_luneo.rules import View, evaluate
from constructs_luneo.stacks import LuneoEnvironmentStack
from constructs_luneo.support.synthesized import SynthesizedStack
from luneo_ops import restore
from luneo_ops.paths import ROOT

STAGING = (ROOT / "environments" / "staging.tfvars").read_text()
SNAPSHOT = "luneo-staging-db-before-migration"


def staging_with(tmp_path: Path, lines: str) -> Path:
    path = tmp_path / "staging.tfvars"
    path.write_text(STAGING + lines)
    return path


def synth(path: Path) -> dict:
    return json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))


@pytest.fixture(scope="module")
def restored(tmp_path_factory) -> dict:
    return synth(staging_with(tmp_path_factory.mktemp("restore"), f'db_restore_from = "snapshot:{SNAPSHOT}"\n'))


@pytest.fixture(scope="module")
def retired(tmp_path_factory) -> dict:
    lines = 'db_restore_from = "time:latest"\ndb_restore_retire_previous = true\n'
    return synth(staging_with(tmp_path_factory.mktemp("retire"), lines))


def bodies(document: dict) -> dict[str, dict]:
    """Address -> body, without cdktf's metadata ("//", which Testing.synth leaves out)."""
    return {
        f"{t}.{n}": {k: v for k, v in b.items() if k != "//"}
        for t, items in document["resource"].items()
        for n, b in items.items()
    }


def test_the_restored_primary_is_a_new_instance_from_the_snapshot_with_a_replica_of_its_own(restored):
    instances = restored["resource"]["aws_db_instance"]
    primary, replica = instances["postgres-restored_instance"], instances["postgres-restored-replica_instance"]
    assert primary["identifier"] == "luneo-staging-db-restored"
    assert primary["snapshot_identifier"] == SNAPSHOT
    assert "restore_to_point_in_time" not in primary
    assert primary["deletion_protection"] is True and primary["storage_encrypted"] is True
    assert replica["identifier"] == "luneo-staging-db-restored-replica"
    assert replica["replicate_source_db"] == "${aws_db_instance.postgres-restored_instance.arn}"
    # The master password stays the secret's: the restored instance gets the same write-only value.
    assert primary["password_wo"] == instances["postgres_instance"]["password_wo"]


def test_the_previous_pair_and_everything_else_is_unchanged_or_follows(restored, stacks):
    """Nothing an operator has is destroyed or replaced: every address of today's staging is still
    there; the only bodies that change are the ones that name the database (alarms follow it)."""
    before, after = bodies(stacks["luneo-staging"]), bodies(restored)
    assert set(before) <= set(after)
    changed = sorted(a for a in before if before[a] != after[a])
    assert changed == [
        "aws_cloudwatch_metric_alarm.alarm-db-cpu",
        "aws_cloudwatch_metric_alarm.alarm-db-free-storage",
        "aws_cloudwatch_metric_alarm.alarm-db-replica-lag",
    ]
    assert after["aws_cloudwatch_metric_alarm.alarm-db-cpu"]["dimensions"] == {
        "DBInstanceIdentifier": "luneo-staging-db-restored"
    }
    assert restored["output"]["db_endpoint"]["value"] == "${aws_db_instance.postgres-restored_instance.endpoint}"
    assert "removed" not in restored or all("postgres" not in r["from"] for r in restored["removed"])


def test_workloads_keep_their_grants_on_the_previous_database_and_gain_the_restored_ones(restored, stacks):
    grants = restored["resource"]["aws_iam_role_policy"]
    worker = [n for n in grants if n.startswith("workload-luneo-worker-ia-primary_grant-database")]
    assert sorted(worker) == [
        "workload-luneo-worker-ia-primary_grant-database-luneo-staging-db",
        "workload-luneo-worker-ia-primary_grant-database-luneo-staging-db-restored",
    ]
    assert "postgres-restored_instance.resource_id" in grants[worker[1]]["policy"]


def test_a_point_in_time_restore_reads_the_previous_primarys_backups(retired):
    primary = retired["resource"]["aws_db_instance"]["postgres-restored_instance"]
    assert primary["restore_to_point_in_time"] == {
        "source_db_instance_identifier": "luneo-staging-db",
        "use_latest_restorable_time": True,
    }
    assert "snapshot_identifier" not in primary


def test_retiring_the_previous_pair_forgets_it_without_destroying_it(retired, stacks):
    before = bodies(stacks["luneo-staging"])
    previous = sorted(a for a in before if a.split(".")[1].startswith(("postgres_", "postgres-replica_")))
    forgotten = [r for r in retired["removed"] if r["from"].split(".")[1].startswith("postgres")]
    assert sorted(r["from"] for r in forgotten) == previous
    assert all(r["lifecycle"] == {"destroy": False} for r in forgotten)
    assert "aws_db_instance.postgres_instance" in previous
    assert not any(a in bodies(retired) for a in previous)


def test_the_restored_stacks_pass_the_rules(restored, retired):
    for document in (restored, retired):
        errors = [
            (r.id, f.path) for r, f in evaluate(View(document, "luneo-staging")) if (f.level or r.level) == "error"
        ]
        assert errors == []


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('db_restore_from = "luneo-prod-db"\n', 'db_restore_from: expected "snapshot:<snapshot id or ARN>"'),
        ('db_restore_from = "time:2026-12-05 03:00"\n', "db_restore_from: expected"),
        ('db_restore_from = "snapshot:1-starts-with-a-digit"\n', "db_restore_from: expected"),
        ("db_restore_retire_previous = true\n", "db_restore_retire_previous: expected false without db_restore_from"),
        (
            'db_restore_from = "time:latest"\ndb_replica_promoted = true\n',
            "db_replica_promoted: expected false while the previous database still runs beside the restored one",
        ),
    ],
)
def test_a_wrong_restore_setting_is_one_error_naming_file_and_key(tmp_path, lines, message):
    with pytest.raises(ConfigError, match=rf"staging.tfvars:\d+: {message}"):
        load_environment(staging_with(tmp_path, lines))


def test_a_restore_time_in_the_future_is_refused(tmp_path):
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(ConfigError, match="db_restore_from: expected a time in the past"):
        load_environment(staging_with(tmp_path, f'db_restore_from = "time:{later}"\n'))


def test_an_aurora_restore_is_refused_with_where_to_look(tmp_path):
    text = (ROOT / "tests" / "fixtures" / "dr.tfvars").read_text() + f'db_restore_from = "snapshot:{SNAPSHOT}"\n'
    path = tmp_path / "dr.tfvars"
    path.write_text(text)
    with pytest.raises(ConfigError, match='db_restore_from: expected no value with db_dr_mode = "aurora-global"'):
        load_environment(path)


def test_the_automated_snapshots_and_shared_snapshots_are_accepted(tmp_path):
    for source in ("rds:luneo-staging-db-2026-12-05-04-10", "arn:aws:rds:eu-west-1:123456789012:snapshot:manual-1"):
        config = load_environment(staging_with(tmp_path, f'db_restore_from = "snapshot:{source}"\n'))
        assert config.database.restore is not None and config.database.restore.snapshot == source


def test_restore_plan_says_what_is_created_follows_keeps_running_and_what_comes_after(restored):
    text = restore.render(restore.plan(SynthesizedStack(restored, "luneo-staging")))
    assert text.startswith(
        f"luneo-staging: the primary database restored from snapshot {SNAPSHOT}, as luneo-staging-db-restored"
    )
    assert "  + aws_db_instance.postgres-restored_instance  (luneo-staging-db-restored)" in text
    assert "  ~ aws_cloudwatch_metric_alarm.alarm-db-cpu" in text
    assert "  ~ output.db_endpoint" in text
    assert "  = aws_db_instance.postgres_instance  (luneo-staging-db)" in text
    assert (
        "aws cloudfront create-invalidation --distribution-id $(terraform output -raw assets_distribution_id)" in text
    )
    assert "db_restore_retire_previous = true" in text


def test_restore_plan_after_retiring_names_what_is_forgotten_and_how_to_delete_it(retired):
    text = restore.render(restore.plan(SynthesizedStack(retired, "luneo-staging")))
    assert "  - aws_db_instance.postgres_instance" in text
    assert "--final-db-snapshot-identifier" in text and "luneo-staging-db-replica" in text
    assert "keep running" not in text


def test_make_restore_plan_without_a_restore_is_one_line_and_exit_2(synth_dir):
    result = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "restore-plan", "luneo-staging", str(synth_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: luneo-staging restores no database: set db_restore_from in environments/staging.tfvars "
        "(docs/OPERATIONS.md, Restores), then make synth"
    ]
