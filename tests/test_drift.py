"""Issue 22, drift: `make drift STACK=...` reads a refresh-only plan and reports what changed in AWS
outside Terraform, attribute by attribute, sensitive values hidden; exit 0 clean, 2 drift, 1 error
in one line. What it finds on a real (local) AWS is proven in the DR drill's set-up
(tests/test_dr_drill.py: test_drift_names_each_out_of_band_change_and_is_clean_after_the_revert)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from luneo_ops import drift
from luneo_ops.paths import ROOT

#: The shape of `terraform show -json` of a refresh-only plan (Terraform 1.11's resource_drift).
PLAN = {
    "format_version": "1.2",
    "resource_drift": [
        {
            "address": "aws_s3_bucket.assets_bucket",
            "type": "aws_s3_bucket",
            "change": {
                "actions": ["update"],
                "before": {"bucket": "luneo-staging-assets", "tags": {"a": "1"}, "tags_all": {"a": "1"}},
                "after": {
                    "bucket": "luneo-staging-assets",
                    "tags": {"a": "1", "changed-by": "console"},
                    "tags_all": {"a": "1", "changed-by": "console"},
                },
                "before_sensitive": {},
                "after_sensitive": {},
            },
        },
        {
            "address": "aws_elasticache_user.redis_user",
            "type": "aws_elasticache_user",
            "change": {
                "actions": ["update"],
                "before": {"passwords": ["old-secret-value"], "access_string": "on ~* +@all"},
                "after": {"passwords": ["new-secret-value"], "access_string": "on ~* +@all"},
                "before_sensitive": {"passwords": True},
                "after_sensitive": {"passwords": True},
            },
        },
        {
            "address": "aws_eks_node_group.eks-primary_spot-nodes",
            "type": "aws_eks_node_group",
            "change": {
                "actions": ["update"],
                "before": {"scaling_config": [{"desired_size": 2, "max_size": 4, "min_size": 1}]},
                "after": {"scaling_config": [{"desired_size": 4, "max_size": 4, "min_size": 1}]},
            },
        },
        {
            "address": "aws_cloudwatch_metric_alarm.alarm-db-cpu",
            "type": "aws_cloudwatch_metric_alarm",
            "change": {"actions": ["delete"], "before": {"threshold": 80}, "after": None},
        },
    ],
}


def test_each_drifted_attribute_is_named_with_state_and_aws_values():
    found = drift.drifted(PLAN)
    assert [d.address for d in found] == [
        "aws_cloudwatch_metric_alarm.alarm-db-cpu",
        "aws_eks_node_group.eks-primary_spot-nodes",
        "aws_elasticache_user.redis_user",
        "aws_s3_bucket.assets_bucket",
    ]
    bucket = found[3]
    assert bucket.attributes == [
        ("tags.changed-by", "null", "console"),
        ("tags_all.changed-by", "null", "console"),
    ]
    assert found[0].action == "delete"
    # A node group's desired size (moto applies no EKS cluster: the local-AWS rehearsal cannot change one).
    assert found[1].attributes == [("scaling_config[0].desired_size", "2", "4")]


def test_a_sensitive_value_never_reaches_the_report():
    text = drift.report("luneo-staging", drift.drifted(PLAN))
    assert "secret-value" not in text
    assert "passwords: (sensitive) -> (sensitive)" in text
    assert "aws_cloudwatch_metric_alarm.alarm-db-cpu: deleted outside Terraform" in text
    assert text.startswith("luneo-staging: 4 resource(s) drifted from the state (in state -> in AWS):")


def test_no_drift_is_one_line():
    assert drift.report("luneo-prod", drift.drifted({"resource_drift": []})) == (
        "luneo-prod: no drift (AWS matches the state)\n"
    )


def test_long_values_are_cut():
    plan = {
        "resource_drift": [
            {
                "address": "aws_iam_role.r",
                "change": {"actions": ["update"], "before": {"p": "x" * 500}, "after": {"p": "y" * 500}},
            }
        ]
    }
    ((path, was, now),) = drift.drifted(plan)[0].attributes
    assert len(was) == drift.MAX_VALUE and was.endswith("...")


@pytest.mark.parametrize(
    ("output", "line"),
    [
        ("Error: No valid credential sources found", "no valid AWS credentials"),
        ("NoCredentialsError: Unable to locate credentials", "no valid AWS credentials"),
        ("User: x is not authorized to perform: s3:GetObject", "the credentials may not read this stack"),
        ("Error: Failed to get existing workspaces: dial tcp: no such host", "the state backend cannot be reached"),
        ("│ Error: Unsupported argument\n│ on cdk.tf.json", "terraform failed: Error: Unsupported argument"),
    ],
)
def test_an_error_is_one_line(output, line):
    assert drift.classify(output).startswith(line)
    assert "\n" not in drift.classify(output)


def test_a_held_lock_names_who_holds_it():
    info = {"ID": "1", "Operation": "OperationTypeApply", "Who": "runner@gha", "Created": "2026-12-05T03:00:00Z"}
    item = {"LockID": {"S": "luneo-terraform-state/x.tfstate"}, "Info": {"S": json.dumps(info)}}
    assert drift.held_lock(lambda _: item, "x") == "runner@gha (OperationTypeApply, since 2026-12-05T03:00:00Z)"
    assert drift.held_lock(lambda _: None, "x") is None


def test_make_drift_without_credentials_is_one_line_and_exit_1(synth_dir, tmp_path):
    """Nothing reaches AWS: with no credentials anywhere, the lock read fails first, in one line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("HTTPS_PROXY", "HTTP_PROXY")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    result = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "drift", "luneo-staging", str(synth_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: drift of luneo-staging: no valid AWS credentials: assume the stack's plan role (docs/SECURITY.md)"
    ]
    assert "Traceback" not in result.stderr


def test_make_drift_of_a_stack_that_was_not_synthesized_is_exit_1_not_2(synth_dir):
    result = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "drift", "luneo-qa", str(synth_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1 and "no synthesized stack 'luneo-qa'" in result.stderr


#: A slice of `terraform providers schema -json` (provider 5.100's own flags for these arguments).
SCHEMA = {
    "provider_schemas": {
        "registry.terraform.io/hashicorp/aws": {
            "resource_schemas": {
                "aws_db_instance": {
                    "block": {
                        "attributes": {
                            "latest_restorable_time": {"type": "string", "computed": True},
                            "backup_retention_period": {"type": "number", "optional": True, "computed": True},
                            "tags": {"type": ["map", "string"], "optional": True},
                            "tags_all": {"type": ["map", "string"], "computed": True},
                        },
                        "block_types": {"restore_to_point_in_time": {"nesting_mode": "list"}},
                    }
                },
                "aws_security_group": {
                    "block": {"attributes": {"ingress": {"type": "set", "optional": True, "computed": True}}}
                },
                "aws_default_security_group": {
                    "block": {"attributes": {"ingress": {"type": "set", "optional": True, "computed": True}}}
                },
            }
        }
    }
}


def _change(address: str, before: dict, after: dict) -> dict:
    return {
        "address": address,
        "type": address.split(".")[0],
        "change": {"actions": ["update"], "before": before, "after": after},
    }


def test_only_what_the_configuration_owns_is_drift():
    """Measured on the local AWS: without this, a refresh right after an apply reported 110 resources
    (tags null -> {}, computed timestamps, security groups' inline views of their rule resources)."""
    plan = {
        "configuration": {
            "root_module": {
                "resources": [
                    {"address": "aws_db_instance.db", "expressions": {"backup_retention_period": {}}},
                    {"address": "aws_security_group.sg", "expressions": {"name": {}}},
                    {"address": "aws_default_security_group.default", "expressions": {"vpc_id": {}}},
                ]
            }
        },
        "resource_drift": [
            _change(
                "aws_db_instance.db",
                {"latest_restorable_time": "t1", "backup_retention_period": 7, "tags": None, "tags_all": {}},
                {"latest_restorable_time": "t2", "backup_retention_period": 1, "tags": {}, "tags_all": {"a": "b"}},
            ),
            _change("aws_security_group.sg", {"ingress": []}, {"ingress": [{"from_port": 443}]}),
            _change("aws_default_security_group.default", {"ingress": []}, {"ingress": [{"from_port": 22}]}),
        ],
    }
    found = {
        d.address: [p for p, _, _ in d.attributes] for d in drift.drifted(plan, drift.Arguments.from_schema(SCHEMA))
    }
    assert found == {
        "aws_db_instance.db": ["backup_retention_period"],  # set by the code; the timestamp and tags_all are AWS's
        "aws_default_security_group.default": ["ingress"],  # kept closed by the stack: any rule is drift
    }
    # Without the schema (a type it does not know), everything that changed is reported.
    assert len(drift.drifted(plan)) == 3
