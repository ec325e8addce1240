"""scripts.diff_stacks: the offline diff of synthesized stacks against a git revision."""

from __future__ import annotations

import subprocess
import sys

from scripts.diff_stacks import diff_stack
from tests.conftest import ROOT


def stack(resources: dict, **blocks) -> dict:
    grouped: dict = {}
    for address, body in resources.items():
        resource_type, name = address.split(".", 1)
        grouped.setdefault(resource_type, {})[name] = {"//": {"metadata": {}}, **body}
    return {"resource": grouped, **blocks}


BASE = stack({
    "aws_s3_bucket.assets_bucket": {"bucket": "luneo-prod-assets"},
    "aws_db_instance.postgres_instance": {"identifier": "luneo-prod-db", "instance_class": "db.r6g.large",
                                          "kms_key_id": "${aws_kms_key.kms-rds_key.arn}"},
    "aws_sns_topic.alarms": {"name": "alarms"},
})


def test_added_removed_changed_with_paths():
    head = stack({
        "aws_s3_bucket.assets_bucket": {"bucket": "luneo-prod-assets"},
        "aws_db_instance.postgres_instance": {"identifier": "luneo-prod-db", "instance_class": "db.r6g.xlarge",
                                              "kms_key_id": "${aws_kms_key.kms-rds_key.arn}"},
        "aws_sns_topic.other": {"name": "other"},
    })
    report = diff_stack(BASE, head)
    assert report["added"] == ["aws_sns_topic.other"]
    assert report["removed"] == ["aws_sns_topic.alarms"]
    assert report["changed"] == {"aws_db_instance.postgres_instance": ["instance_class"]}
    assert report["warnings"] == [], "scaling a database is not a destroy"


def test_removed_stateful_resource_is_a_loud_warning():
    head = stack({"aws_sns_topic.alarms": {"name": "alarms"},
                  "aws_db_instance.postgres_instance": BASE["resource"]["aws_db_instance"]["postgres_instance"]})
    report = diff_stack(BASE, head)
    assert any("aws_s3_bucket.assets_bucket is REMOVED" in w for w in report["warnings"])


def test_replacement_of_a_stateful_resource_is_a_loud_warning():
    head = stack({"aws_s3_bucket.assets_bucket": {"bucket": "luneo-prod-assets"},
                  "aws_db_instance.postgres_instance": {"identifier": "luneo-prod-db", "instance_class": "db.r6g.large",
                                                        "kms_key_id": "arn:aws:kms:eu-west-1:1:key/other"},
                  "aws_sns_topic.alarms": {"name": "alarms"}})
    report = diff_stack(BASE, head)
    assert report["warnings"] == ["aws_db_instance.postgres_instance would be REPLACED (destroyed and recreated): "
                                  "['kms_key_id'] changed"]


def test_a_moved_resource_is_not_a_removal():
    head = stack({"aws_s3_bucket.assets": {"bucket": "luneo-prod-assets"},
                  "aws_db_instance.postgres_instance": BASE["resource"]["aws_db_instance"]["postgres_instance"],
                  "aws_sns_topic.alarms": {"name": "alarms"}},
                 moved=[{"from": "aws_s3_bucket.assets_bucket", "to": "aws_s3_bucket.assets"}])
    report = diff_stack(BASE, head)
    assert report["removed"] == [] and report["added"] == [] and report["warnings"] == []
    assert report["moved"] == {"aws_s3_bucket.assets_bucket": "aws_s3_bucket.assets"}


def test_against_head_end_to_end():
    """Both synths (HEAD in a worktree, and the working tree) in one run; the repo's own stacks."""
    proc = subprocess.run([sys.executable, "-m", "scripts.diff_stacks", "HEAD", "--fail-on-destroy"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("luneo-prod", "luneo-staging", "luneo-bootstrap"):
        assert f"== {name}:" in proc.stdout
    assert "WARNING" not in proc.stdout


def test_unknown_revision_is_one_clear_error():
    proc = subprocess.run([sys.executable, "-m", "scripts.diff_stacks", "no-such-revision"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("error: cannot check out no-such-revision")
