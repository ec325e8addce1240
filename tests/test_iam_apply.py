"""The Terraform role's generated policy, proven by an apply under IAM enforcement (moto's server
with IAM enforced: luneo_ops/local_aws/iam.enforce_iam). The whole of bootstrap + staging is applied this
way by the DR drill (tests/test_dr_drill.py); here, the instrument itself: a policy one needed
action short fails the apply, naming the action."""

from __future__ import annotations

import json

import pytest
from cdktf import LocalBackend, Testing
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.vpc import Vpc

from constructs_luneo.stacks import LuneoStack
from luneo_ops.iam import policy as iam_policy
from luneo_ops.local_aws import iam as local_iam
from luneo_ops.local_aws import server as local_aws
from luneo_ops.terraform import cli as terraform_cli

REGION = "eu-west-1"


def tagged_network() -> dict:
    """A VPC and its default security group, closed and tagged: the group is adopted, not created,
    so its tags are written with ec2:CreateTags alone (what the network construct does)."""
    app = Testing.app()
    stack = LuneoStack(app, "iam-apply")
    LocalBackend(stack, path="terraform.tfstate")
    AwsProvider(stack, "aws", region=REGION)
    vpc = Vpc(stack, "vpc", cidr_block="10.42.0.0/16", tags={"Name": "luneo-iam-apply"})
    DefaultSecurityGroup(stack, "default-sg", vpc_id=vpc.id, tags={"Name": "luneo-iam-apply-default-closed"})
    return json.loads(Testing.synth(stack))


def apply_policy_of(stack: dict) -> dict:
    """The apply role's policy as `make iam-policy` generates it, for this stack as environment "test"."""
    from constructs_luneo.config import Delivery, DeliveryTarget
    from constructs_luneo.support.synthesized import SynthesizedStack
    from luneo_ops.iam.scope import Scope

    target = DeliveryTarget(
        "test",
        "iam-apply",
        "main",
        "test",
        "luneo-terraform-state",
        "test/terraform.tfstate",
        REGION,
        "luneo-terraform-locks",
    )
    delivery = Delivery("luneo/luneo-infra", True, "luneo-break-glass", "luneo-terraform-plans", (target,))
    return iam_policy.apply_policy(Scope("test", SynthesizedStack(stack, "iam-apply")), delivery, target, "us-east-1")


def without(document: dict, action: str) -> dict:
    statements = []
    for statement in document["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        kept = [a for a in actions if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}


@pytest.fixture(scope="module")
def enforced(tmp_path_factory, terraform):
    """A local AWS enforcing IAM, with two users: the generated policy, and the same without ec2:CreateTags."""
    work = tmp_path_factory.mktemp("iam-apply")
    stack = tagged_network()
    generated = apply_policy_of(stack)
    assert "ec2:CreateTags" in json.dumps(generated)
    with local_aws.moto_server(work, log=work / "moto.log") as url:
        users = {
            name: local_iam.create_iam_user(url, name, [local_iam.moto_readable(d) for d in iam_policy.split(document)])
            for name, document in (
                ("generated", generated),
                ("short-of-createtags", without(generated, "ec2:CreateTags")),
            )
        }
        local_iam.enforce_iam(url)
        yield url, stack, users, work


def apply(enforced, user: str) -> terraform_cli.Result:
    url, stack, users, work = enforced
    directory = work / user
    directory.mkdir()
    (directory / "cdk.tf.json").write_text(json.dumps(stack))
    env = local_iam.with_keys(local_aws.aws_env(url, REGION), users[user])
    assert local_aws.init(directory, env, backend=False).ok
    return terraform_cli.run(["apply", "-auto-approve", "-no-color", "-input=false"], directory, env=env)


def test_the_generated_policy_is_enough(enforced):
    result = apply(enforced, "generated")
    assert result.ok, result.output


def test_one_missing_action_fails_the_apply_and_is_named(enforced):
    result = apply(enforced, "short-of-createtags")
    assert not result.ok
    assert "ec2:CreateTags" in result.output, result.output[-2000:]
    assert "aws_default_security_group.default-sg" in result.output
