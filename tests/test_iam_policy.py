"""The Terraform execution role's policies (iam/): generated from the stacks, complete, least privilege."""

from __future__ import annotations

import json

import pytest

from luneo_ops.iam import actions as iam_actions
from luneo_ops.iam import policy as iam_policy
from tests.conftest import ROOT


def test_committed_policies_match_the_synthesized_stacks(all_stacks):
    generated = iam_policy.outputs(all_stacks)
    committed = {p: p.read_text() for p in sorted((ROOT / "iam").glob("terraform-execution-policy-*.json"))}
    assert committed == generated, "iam/ is stale: run `make iam-policy` and commit the result"


def test_every_resource_type_of_every_stack_is_covered(all_stacks, dr_stack):
    assert iam_policy.uncovered({**all_stacks, "luneo-dr": dr_stack}) == []


def test_no_grant_for_a_type_no_stack_uses(all_stacks, dr_stack):
    """Trimming: TYPE_ACTIONS carries no entry that no stack (nor the DR fixture) needs."""
    used = iam_policy.resource_types({**all_stacks, "luneo-dr": dr_stack})
    assert sorted(set(iam_actions.TYPE_ACTIONS) - used) == []


def test_the_backend_statements_cover_the_copies_in_the_replica_region(all_stacks):
    statements = {s["Sid"]: s for s in iam_policy.policy(all_stacks)["Statement"]}
    assert "arn:aws:s3:::luneo-terraform-state-us-east-1" in statements["StateBucketList"]["Resource"]
    assert (
        "arn:aws:s3:::luneo-terraform-state-us-east-1/global/multi-region/terraform.tfstate"
        in statements["StateObjects"]["Resource"]
    )
    assert "arn:aws:dynamodb:us-east-1:*:table/luneo-terraform-locks" in statements["StateLocks"]["Resource"]
    assert "s3.us-east-1.amazonaws.com" in statements["StateEncryption"]["Condition"]["StringLike"]["kms:ViaService"]


def test_a_resource_type_the_policy_does_not_cover_fails():
    stack = {"resource": {"aws_lambda_function": {"f": {}}}}
    assert iam_policy.uncovered({"x": stack}) == ["aws_lambda_function"]
    with pytest.raises(KeyError, match="no IAM actions known for \\['aws_lambda_function'\\]"):
        iam_policy.policy({"x": stack})


def test_backend_access_is_limited_to_the_state_keys_and_the_lock_table(all_stacks):
    statements = {s["Sid"]: s for s in iam_policy.policy(all_stacks)["Statement"]}
    assert statements["StateObjects"]["Resource"] == sorted(
        f"arn:aws:s3:::{bucket}/{key}/terraform.tfstate"
        for bucket in ("luneo-terraform-state", "luneo-terraform-state-us-east-1")
        for key in ("global/multi-region", "staging/multi-region")
    )
    assert statements["StateObjects"]["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert statements["StateLocks"]["Resource"] == [
        "arn:aws:dynamodb:eu-west-1:*:table/luneo-terraform-locks",
        "arn:aws:dynamodb:us-east-1:*:table/luneo-terraform-locks",
    ]


def test_iam_is_limited_to_luneo_roles(all_stacks):
    statements = {s["Sid"]: s for s in iam_policy.policy(all_stacks)["Statement"]}
    assert statements["PassLuneoRoles"]["Resource"] == "arn:aws:iam::*:role/luneo-*"
    assert "iam:PassedToService" in statements["PassLuneoRoles"]["Condition"]["StringEquals"]
    assert all(
        not a.startswith("iam:")
        for s in statements.values()
        if s["Resource"] == "*"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    roles = [
        r["name_prefix"]
        for stack in all_stacks.values()
        for r in stack.get("resource", {}).get("aws_iam_role", {}).values()
    ]
    assert roles and all(prefix.startswith("luneo-") for prefix in roles), roles


def test_each_document_fits_iams_size_limit(all_stacks):
    for text in iam_policy.outputs(all_stacks).values():
        assert len("".join(text.split())) <= iam_policy.MAX_POLICY_CHARACTERS
        assert json.loads(text)["Version"] == "2012-10-17"
