"""Delivery identities as code (luneo-bootstrap; docs/SECURITY.md): who may plan and apply which
environment, from which GitHub event.

- GithubOidcProvider: the account's GitHub Actions OIDC identity provider (adopted with an import
  block where it exists);
- DeliveryRoles: per environment a plan role and an apply role, each trusting one audience and the
  exact OIDC subjects of its jobs (StringEquals, no wildcard), with the policies `make iam-policy`
  generated (iam/<stack>/), and the environment's workload permissions boundary;
- PlanStore: the bucket where a merge's saved plan waits for its approval (one prefix per
  environment; the plan role writes it, only the apply role reads it).

The roles live under the `/luneo-ci/` path: no stack role (`luneo-<env>-...`) can be named like them,
and the apply roles' own policies deny every IAM action on them.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from constructs import Construct

from .s3 import PrivateBucket, deny_unencrypted_writes
from .support.common import account_context, construct_label, require

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
CI_PATH = "/luneo-ci/"


class GithubOidcProvider(Construct):
    """The account's OIDC identity provider for GitHub Actions (one per account and URL).

    Arguments: adopt (default True: it exists and an import block adopts it; False: create it),
    tags, provider. No thumbprint: AWS validates GitHub's certificate against its own trusted CAs
    (IAM API reference, UpdateOpenIDConnectProviderThumbprint), and provider 5.100 computes it.
    Attributes: arn, provider_resource.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        adopt: bool = True,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.provider_resource = IamOpenidConnectProvider(
            self,
            "provider",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_id_list=[AUDIENCE],
            tags=dict(tags or {}) or None,
            provider=provider,
        )
        if adopt:
            account = account_context(self, provider)
            self.provider_resource.import_from(
                f"arn:{account.partition}:iam::{account.account_id}:oidc-provider/{GITHUB_OIDC_HOST}", provider
            )
        self.arn: str = self.provider_resource.arn


def trust_policy(oidc_provider_arn: str, subjects: Sequence[str]) -> dict:
    """AssumeRoleWithWebIdentity for tokens of the GitHub OIDC provider whose audience is STS and
    whose subject is exactly one of `subjects` (StringEquals: no wildcard)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GithubActionsJobs",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": AUDIENCE, f"{GITHUB_OIDC_HOST}:sub": sorted(subjects)}
                },
            }
        ],
    }


def plan_subjects(repository: str, branch: str, drift_environment: str | None = None) -> list[str]:
    """A pull request's jobs (`pull_request` events carry no environment), the plan job of a push to
    the environment's branch, and the nightly drift job (it runs in the `drift_environment` GitHub
    Environment: a scheduled run is on the default branch, whatever the environment's branch)."""
    subjects = [f"repo:{repository}:pull_request", f"repo:{repository}:ref:refs/heads/{branch}"]
    return subjects + ([f"repo:{repository}:environment:{drift_environment}"] if drift_environment else [])


def apply_subjects(repository: str, github_environment: str) -> list[str]:
    """Only a job that runs in the environment's GitHub Environment (its protection rules: reviewers,
    branches) may apply."""
    return [f"repo:{repository}:environment:{github_environment}"]


class DeliveryRoles(Construct):
    """One environment's delivery roles: `luneo-ci-<env>-plan` and `luneo-ci-<env>-apply`.

    Arguments: environment, repository ("owner/name"), branch (whose pushes apply it),
    github_environment (its apply job's), drift_environment (the nightly drift job's GitHub
    Environment, whose token the plan role trusts too; None: no drift job), oidc_provider_arn,
    plan_policies, apply_policies (the generated documents: each a managed policy attached to its
    role), boundary_policy (the
    environment's workload boundary, `luneo-<env>-workload-boundary`), tags, provider.
    Attributes: plan_role_arn, apply_role_arn, boundary_arn.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: str,
        repository: str,
        branch: str,
        github_environment: str,
        oidc_provider_arn: str,
        drift_environment: str | None = None,
        plan_policies: Sequence[dict],
        apply_policies: Sequence[dict],
        boundary_policy: dict,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(DeliveryRoles, scope, id)
        require(
            bool(plan_policies) and bool(apply_policies),
            who,
            "plan_policies/apply_policies",
            "the documents `make iam-policy` generates",
        )
        require(
            len(plan_policies) <= 10 and len(apply_policies) <= 10,
            who,
            "plan_policies/apply_policies",
            "at most 10 managed policies per role (IAM's default quota)",
        )
        super().__init__(scope, id)
        self._tags, self._provider = dict(tags or {}), provider
        boundary = IamPolicy(
            self,
            "boundary",
            name=f"luneo-{environment}-workload-boundary",
            description=f"The most any role of luneo-{environment} may do (luneo-infra iam/)",
            policy=Fn.jsonencode(boundary_policy),
            tags=self._tags or None,
            provider=provider,
        )
        self.boundary_arn: str = boundary.arn
        self.plan_role_arn = self._role(
            f"luneo-ci-{environment}-plan",
            "plan",
            plan_policies,
            trust_policy(oidc_provider_arn, plan_subjects(repository, branch, drift_environment)),
        )
        self.apply_role_arn = self._role(
            f"luneo-ci-{environment}-apply",
            "apply",
            apply_policies,
            trust_policy(oidc_provider_arn, apply_subjects(repository, github_environment)),
        )

    def _role(self, name: str, kind: str, policies: Sequence[dict], trust: dict) -> str:
        role = IamRole(
            self,
            f"{kind}-role",
            name=name,
            path=CI_PATH,
            max_session_duration=3600,
            description=f"luneo-infra delivery: {kind} (GitHub Actions OIDC; docs/SECURITY.md)",
            assume_role_policy=Fn.jsonencode(trust),
            tags=self._tags or None,
            provider=self._provider,
        )
        for i, document in enumerate(policies, start=1):
            policy = IamPolicy(
                self,
                f"{kind}-policy-{i}",
                name=f"{name}-{i}",
                path=CI_PATH,
                policy=Fn.jsonencode(document),
                tags=self._tags or None,
                provider=self._provider,
            )
            IamRolePolicyAttachment(
                self, f"{kind}-policy-{i}-attachment", role=role.name, policy_arn=policy.arn, provider=self._provider
            )
        return role.arn


class PlanStore(Construct):
    """The bucket where a merge's saved plan (which holds the plan's sensitive values) waits for the
    approval of its apply: private, SSE-KMS with its own key, TLS only, unencrypted writes refused,
    every object gone after `expiration_days` (its versions a day later).

    Arguments: bucket_name, kms_key_arn, expiration_days (default 30), tags, provider.
    Attributes: bucket_arn, bucket.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        kms_key_arn: str,
        expiration_days: int = 30,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        require(
            isinstance(expiration_days, int) and 1 <= expiration_days <= 365,
            construct_label(PlanStore, scope, id),
            "expiration_days",
            "1-365 days",
            expiration_days,
        )
        super().__init__(scope, id)
        self.bucket = PrivateBucket(
            self, "", name=bucket_name, kms_key_id=kms_key_arn, tags=tags, prevent_destroy=False, provider=provider
        )
        self.bucket.add_lifecycle_rules(
            [
                S3BucketLifecycleConfigurationRule(
                    id="plans-expire",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=expiration_days)],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=1)
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=1)
                    ],
                )
            ]
        )
        self.bucket.attach_policy([deny_unencrypted_writes(self.bucket.bucket)])
        self.bucket_arn: str = self.bucket.arn
