"""Delivery's identities and state protection as documents (luneo-bootstrap's synthesized JSON):
what moto's IAM evaluator cannot judge (trust policies, conditions, bucket policies) is checked
here; docs/SECURITY.md says which control each test stands for."""

from __future__ import annotations

import pytest

from tests.helpers import decode_jsonencode

ENVIRONMENTS = {"prod": ("main", "production"), "staging": ("staging", "staging")}


@pytest.fixture(scope="module")
def bootstrap(all_stacks):
    return all_stacks["luneo-bootstrap"]


def trust(bootstrap, env: str, kind: str) -> dict:
    return decode_jsonencode(bootstrap["resource"]["aws_iam_role"][f"ci-{env}_{kind}-role"]["assume_role_policy"])


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_each_role_trusts_the_audience_and_exact_subjects_only(bootstrap, env):
    branch, github_environment = ENVIRONMENTS[env]
    for kind, subjects in (
        (
            "plan",
            [
                "repo:luneo/luneo-infra:environment:drift",
                "repo:luneo/luneo-infra:pull_request",
                f"repo:luneo/luneo-infra:ref:refs/heads/{branch}",
            ],
        ),
        ("apply", [f"repo:luneo/luneo-infra:environment:{github_environment}"]),
    ):
        statements = trust(bootstrap, env, kind)["Statement"]
        assert len(statements) == 1
        statement = statements[0]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {"Federated": "${aws_iam_openid_connect_provider.github-oidc_provider.arn}"}
        assert statement["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": subjects,
            }
        }, "StringEquals only: no wildcard, no StringLike"


def test_the_roles_live_under_their_own_path_with_the_generated_policies(bootstrap):
    roles = bootstrap["resource"]["aws_iam_role"]
    policies = bootstrap["resource"]["aws_iam_policy"]
    for env in ENVIRONMENTS:
        for kind in ("plan", "apply"):
            role = roles[f"ci-{env}_{kind}-role"]
            assert role["name"] == f"luneo-ci-{env}-{kind}" and role["path"] == "/luneo-ci/"
            assert role["max_session_duration"] == 3600
            attached = [p for name, p in policies.items() if name.startswith(f"ci-{env}_{kind}-policy-")]
            assert attached and all(p["path"] == "/luneo-ci/" for p in attached)
        assert policies[f"ci-{env}_boundary"]["name"] == f"luneo-{env}-workload-boundary"


def test_the_github_oidc_provider_is_adopted_not_created_twice(bootstrap):
    provider = bootstrap["resource"]["aws_iam_openid_connect_provider"]["github-oidc_provider"]
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["client_id_list"] == ["sts.amazonaws.com"] and "thumbprint_list" not in provider
    imports = {i["to"]: i["id"] for i in bootstrap["import"]}
    assert imports["aws_iam_openid_connect_provider.github-oidc_provider"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )


@pytest.mark.parametrize("bucket", ["luneo-terraform-state_policy", "luneo-terraform-state_replica-policy"])
def test_the_state_buckets_refuse_unencrypted_writes_and_let_only_break_glass_touch_their_protection(bootstrap, bucket):
    statements = {
        s["Sid"]: s
        for s in decode_jsonencode(bootstrap["resource"]["aws_s3_bucket_policy"][bucket]["policy"])["Statement"]
    }
    unencrypted = statements["DenyUnencryptedWrites"]
    assert unencrypted["Effect"] == "Deny" and unencrypted["Action"] == "s3:PutObject"
    assert unencrypted["Condition"] == {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    protection = statements["OnlyBreakGlassChangesProtection"]
    assert protection["Effect"] == "Deny" and protection["Principal"] == "*"
    assert {
        "s3:DeleteObjectVersion",
        "s3:PutBucketVersioning",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
    } <= set(protection["Action"])
    arn = protection["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert arn.endswith(":role/luneo-break-glass") and ":iam::${data.aws_caller_identity." in arn


def test_the_plans_bucket_is_private_encrypted_and_short_lived(bootstrap):
    resources = bootstrap["resource"]
    assert resources["aws_s3_bucket"]["plans_bucket"]["bucket"] == "luneo-terraform-plans"
    rule = resources["aws_s3_bucket_lifecycle_configuration"]["plans_lifecycle"]["rule"][0]
    assert rule["expiration"] == [{"days": 30}]
    statements = {
        s["Sid"] for s in decode_jsonencode(resources["aws_s3_bucket_policy"]["plans_policy"]["policy"])["Statement"]
    }
    assert statements == {"DenyInsecureTransport", "DenyUnencryptedWrites"}


def test_a_bootstrap_without_a_repository_is_one_clear_error(tmp_path):
    from constructs_luneo.config import ConfigError, load_bootstrap, load_environment
    from tests.conftest import ROOT

    path = tmp_path / "bootstrap.tfvars"
    path.write_text('github_repository = "not a repository"\n')
    with pytest.raises(ConfigError, match=r"bootstrap.tfvars:1: github_repository: expected a GitHub repository"):
        load_bootstrap(path, [load_environment(ROOT / "environments" / "prod.tfvars")])
    path.write_text('github_repository = "luneo/luneo-infra"\ndeploy_branches = { prod = "main", staging = "main" }\n')
    with pytest.raises(ConfigError, match="deploy_branches: expected a different value for each environment"):
        load_bootstrap(path, [load_environment(ROOT / "environments" / "prod.tfvars")])


def test_image_replication_waits_for_the_repositories_it_would_otherwise_create(bootstrap):
    """Round 3, defect 8: an image pushed before an environment's stack created its us-east-1 repositories
    made replication create them bare, and the stack's create then failed with RepositoryAlreadyExists. The
    replication now has a precondition per environment that its secondary repositories exist (the DR
    drill proves it stops a plan); image_replication (bootstrap.tfvars) leaves an environment out until then."""
    replication = bootstrap["resource"]["aws_ecr_replication_configuration"]["ecr-replication-eu-west-1"]
    lookup = bootstrap["data"]["aws_ecr_repositories"]["ecr-repositories-us-east-1"]
    assert lookup["provider"] == "aws.us-east-1"
    names = "data.aws_ecr_repositories.ecr-repositories-us-east-1.names"
    checks = {c["condition"]: c["error_message"] for c in replication["lifecycle"]["precondition"]}
    prod, staging = (
        '["luneo-usdz-converter", "luneo-worker-ia"]',
        '["staging/luneo-usdz-converter", "staging/luneo-worker-ia"]',
    )
    assert set(checks) == {f"${{length(setsubtract({wanted}, {names})) == 0}}" for wanted in (prod, staging)}
    assert all("Apply luneo-" in m and "RepositoryAlreadyExists" in m for m in checks.values())


def test_image_replication_can_leave_an_environment_out(tmp_path):
    from constructs_luneo.config import ConfigError, load_bootstrap, load_environments
    from tests.conftest import ROOT

    environments = load_environments(ROOT / "environments")
    path = tmp_path / "bootstrap.tfvars"
    path.write_text('github_repository = "luneo/luneo-infra"\nimage_replication = ["prod"]\n')
    assert load_bootstrap(path, environments).image_replication == ("prod",)
    path.write_text('github_repository = "luneo/luneo-infra"\nimage_replication = ["qa"]\n')
    with pytest.raises(ConfigError, match="image_replication: expected environments among \\['prod', 'staging'\\]"):
        load_bootstrap(path, environments)
