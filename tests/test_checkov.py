"""Checkov's AWS checks on the synthesized stacks: zero failed, justified skips only, and proof that
the scan really catches a bad resource."""

from __future__ import annotations

import json
import re

import pytest
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

from luneo_ops import checkov as checkov_stacks
from tests.conftest import ROOT
from tests.helpers import synth_scope


@pytest.fixture(scope="module")
def reports(synth_dir):
    if not checkov_stacks.CHECKOV.exists():
        pytest.fail(
            "checkov is not installed in .venv-checkov: run `make checkov-setup` (make test does)", pytrace=False
        )
    return checkov_stacks.run(synth_dir)


@pytest.mark.parametrize("stack", ["luneo-prod", "luneo-staging", "luneo-bootstrap"])
def test_no_failed_checks(reports, stack):
    report = reports[stack]
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > (20 if stack == "luneo-bootstrap" else 150), "checkov saw the whole stack"


def test_no_failed_checks_in_the_aurora_global_variant(dr_synth_dir):
    report = checkov_stacks.run(dr_synth_dir)["luneo-dr"]
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)


def test_the_scan_catches_a_bad_resource(tmp_path):
    """A bare bucket (no versioning, no KMS, no public access block) must fail: the harness works."""

    def build(scope):
        S3Bucket(scope, "bad-bucket", bucket="luneo-bad")

    stack_dir = tmp_path / "stacks" / "bad"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(synth_scope(build))
    (tmp_path / "manifest.json").write_text(
        json.dumps({"stacks": {"bad": {"synthesizedStackPath": "stacks/bad/cdk.tf.json"}}})
    )
    failed = {c["check_id"] for c in checkov_stacks.run(tmp_path)["bad"]["results"]["failed_checks"]}
    assert {"CKV_AWS_21", "CKV_AWS_145", "CKV2_AWS_6"} <= failed, failed  # versioning, KMS, public access block


def test_every_skip_has_a_justification():
    lines = [line for line in (ROOT / ".checkov.yaml").read_text().splitlines() if re.match(r"\s*- CKV", line)]
    assert lines
    for line in lines:
        assert re.match(r"\s*- CKV2?_AWS_\d+\s+# \S.{15,}", line), f"skip without a one-line justification: {line}"


def test_a_global_datastore_secondary_is_checked_with_what_it_inherits():
    """The secondary may not state its encryption (the provider refuses it): checkov sees the
    primary's, so an unencrypted primary fails on both."""

    def stack(at_rest: str) -> dict:
        return {
            "resource": {
                "aws_elasticache_replication_group": {
                    "primary": {"at_rest_encryption_enabled": at_rest, "transit_encryption_enabled": True},
                    "secondary": {
                        "global_replication_group_id": (
                            "${aws_elasticache_global_replication_group.ds.global_replication_group_id}"
                        )
                    },
                    "alone": {},
                },
                "aws_elasticache_global_replication_group": {
                    "ds": {"primary_replication_group_id": "${aws_elasticache_replication_group.primary.id}"}
                },
            }
        }

    groups = checkov_stacks.with_inherited_settings(stack("true"))["resource"]["aws_elasticache_replication_group"]
    assert groups["secondary"]["at_rest_encryption_enabled"] == "true"
    assert groups["secondary"]["transit_encryption_enabled"] is True
    assert groups["alone"] == {}
    groups = checkov_stacks.with_inherited_settings(stack("false"))["resource"]["aws_elasticache_replication_group"]
    assert groups["secondary"]["at_rest_encryption_enabled"] == "false"
