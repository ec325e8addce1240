"""luneo_ops diff (luneo_ops/review): the offline diff of synthesized stacks against a git revision."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from luneo_ops import cost
from luneo_ops.review.cost_change import cost_changes
from luneo_ops.review.diff import diff_stack, tfvars_changes
from tests.conftest import ROOT


def stack(resources: dict, **blocks) -> dict:
    grouped: dict = {}
    for address, body in resources.items():
        resource_type, name = address.split(".", 1)
        grouped.setdefault(resource_type, {})[name] = {"//": {"metadata": {}}, **body}
    return {"resource": grouped, **blocks}


BASE = stack(
    {
        "aws_s3_bucket.assets_bucket": {"bucket": "luneo-prod-assets"},
        "aws_db_instance.postgres_instance": {
            "identifier": "luneo-prod-db",
            "instance_class": "db.r6g.large",
            "kms_key_id": "${aws_kms_key.kms-rds_key.arn}",
        },
        "aws_sns_topic.alarms": {"name": "alarms"},
    }
)


def test_added_removed_changed_with_paths():
    head = stack(
        {
            "aws_s3_bucket.assets_bucket": {"bucket": "luneo-prod-assets"},
            "aws_db_instance.postgres_instance": {
                "identifier": "luneo-prod-db",
                "instance_class": "db.r6g.xlarge",
                "kms_key_id": "${aws_kms_key.kms-rds_key.arn}",
            },
            "aws_sns_topic.other": {"name": "other"},
        }
    )
    report = diff_stack(BASE, head)
    assert report["added"] == ["aws_sns_topic.other"]
    assert report["removed"] == ["aws_sns_topic.alarms"]
    assert report["changed"] == {"aws_db_instance.postgres_instance": ["instance_class"]}
    assert report["warnings"] == [], "scaling a database is not a destroy"


def test_removed_stateful_resource_is_a_loud_warning():
    head = stack(
        {
            "aws_sns_topic.alarms": {"name": "alarms"},
            "aws_db_instance.postgres_instance": BASE["resource"]["aws_db_instance"]["postgres_instance"],
        }
    )
    report = diff_stack(BASE, head)
    assert any("aws_s3_bucket.assets_bucket is REMOVED" in w for w in report["warnings"])


def test_replacement_of_a_stateful_resource_is_a_loud_warning():
    head = stack(
        {
            "aws_s3_bucket.assets_bucket": {"bucket": "luneo-prod-assets"},
            "aws_db_instance.postgres_instance": {
                "identifier": "luneo-prod-db",
                "instance_class": "db.r6g.large",
                "kms_key_id": "arn:aws:kms:eu-west-1:1:key/other",
            },
            "aws_sns_topic.alarms": {"name": "alarms"},
        }
    )
    report = diff_stack(BASE, head)
    assert report["warnings"] == [
        "aws_db_instance.postgres_instance would be REPLACED (destroyed and recreated): ['kms_key_id'] changed"
    ]


def test_a_moved_resource_is_not_a_removal():
    head = stack(
        {
            "aws_s3_bucket.assets": {"bucket": "luneo-prod-assets"},
            "aws_db_instance.postgres_instance": BASE["resource"]["aws_db_instance"]["postgres_instance"],
            "aws_sns_topic.alarms": {"name": "alarms"},
        },
        moved=[{"from": "aws_s3_bucket.assets_bucket", "to": "aws_s3_bucket.assets"}],
    )
    report = diff_stack(BASE, head)
    assert report["removed"] == [] and report["added"] == [] and report["warnings"] == []
    assert report["moved"] == {"aws_s3_bucket.assets_bucket": "aws_s3_bucket.assets"}


def test_against_head_end_to_end():
    """Both synths (HEAD in a worktree, and the working tree) in one run; the repo's own stacks."""
    proc = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "diff", "HEAD", "--fail-on-destroy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("luneo-prod", "luneo-staging", "luneo-bootstrap"):
        assert f"== {name}:" in proc.stdout
        assert re.search(rf"^  cost: {name}: \+\$0\.00/month; (\$[\d,.]+) -> \1 a month$", proc.stdout, re.M), (
            proc.stdout
        )
        assert re.search(rf"^{name}: \+\$0\.00/month$", proc.stdout, re.M), "the summary, one line per stack"
    assert "WARNING" not in proc.stdout


def test_unknown_revision_is_one_clear_error():
    proc = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "diff", "no-such-revision"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: cannot check out no-such-revision")


def test_tfvars_changes_name_each_value():
    before = {"eks_primary_desired_size": 3, "db_multi_az": True, "eks_spot_instance_types": ["m6i.large"]}
    after = {
        "eks_primary_desired_size": 5,
        "db_multi_az": True,
        "eks_spot_instance_types": ["m6i.xlarge"],
        "single_nat_gateway": True,
    }
    assert tfvars_changes(before, after) == [
        "eks_primary_desired_size 3 -> 5",
        'eks_spot_instance_types ["m6i.large"] -> ["m6i.xlarge"]',
        "single_nat_gateway unset -> true",
    ]
    assert tfvars_changes(before, before) == []


def test_cost_change_of_a_tfvars_change_computed_by_hand(stacks, tmp_path):
    """prod: 3 -> 5 SPOT nodes in eu-west-1 and db.r6g.large -> xlarge (the replica follows: its class
    defaults to the primary's). One extra synth (prod only, in this process)."""
    from constructs_luneo.config import load_environment
    from constructs_luneo.stacks import build_app

    head_root = tmp_path / "head"
    shutil.copytree(ROOT / "environments", head_root / "environments")
    shutil.copy(ROOT / "bootstrap.tfvars", head_root / "bootstrap.tfvars")
    prod = head_root / "environments" / "prod.tfvars"
    text = prod.read_text()
    assert "eks_primary_desired_size = 3" in text and '"db.r6g.large"' in text
    prod.write_text(
        text.replace("eks_primary_desired_size = 3", "eks_primary_desired_size = 5").replace(
            'db_primary_instance_class = "db.r6g.large"', 'db_primary_instance_class = "db.r6g.xlarge"'
        )
    )
    build_app([load_environment(prod)], outdir=str(tmp_path / "out")).synth()
    head = dict(stacks, **{"luneo-prod": json.loads((tmp_path / "out/stacks/luneo-prod/cdk.tf.json").read_text())})

    usage = cost.Usage.load()
    discount = usage.value("luneo-prod", "spot_discount")
    metrics = usage.value("luneo-prod", "ec2_detailed_monitoring_metrics")
    by_hand = (
        2 * 730 * 0.107 * (1 - discount)  # two more m6i.large SPOT nodes, eu-west-1
        + 2 * 50 * 0.088  # their 50 GiB gp3 root volumes
        + 2 * metrics * 0.30  # their detailed monitoring metrics
        + 2 * 730 * (0.500 - 0.250)  # Multi-AZ primary: db.r6g.large -> xlarge, eu-west-1
        + 730 * (0.449 - 0.225)
    )  # the us-east-1 replica follows the primary's class
    # = $604.01 with the committed usage (spot_discount 0.60, 7 metrics)
    changes = cost_changes(stacks, head, ROOT, head_root, cost.PriceTable.load(), usage)
    assert changes["luneo-prod"].summary == (
        f"luneo-prod: +${by_hand:,.2f}/month (db_primary_instance_class db.r6g.large -> db.r6g.xlarge, "
        "eks_primary_desired_size 3 -> 5)"
    )
    assert changes["luneo-staging"].summary == "luneo-staging: +$0.00/month"
    assert changes["luneo-prod"].not_priced == ()
