"""luneo-bootstrap: the state bucket(s) and lock table(s) the environment stacks use, their copies
in the replica region, and the registry's image replication."""

from __future__ import annotations

import json
from typing import Mapping, Sequence

from cdktf import LocalBackend, TerraformOutput
from cdktf_cdktf_provider_aws.data_aws_ecr_repositories import DataAwsEcrRepositories
from cdktf_cdktf_provider_aws.ecr_replication_configuration import (
    EcrReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfigurationRule,
    EcrReplicationConfigurationReplicationConfigurationRuleDestination,
    EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from ..ci import DeliveryRoles, GithubOidcProvider, PlanStore
from ..config import BackendLocation, BootstrapConfig, Delivery, EnvironmentConfig, replica_bucket_name
from ..config.policies import DeliveryPolicies
from ..kms import KmsKey
from ..state_backend import StateBackend
from ..support.common import account_context
from ..support.naming import EnvironmentNames
from .base import REQUIRED_TERRAFORM, LuneoStack


class BootstrapStack(LuneoStack):
    """luneo-bootstrap: what every environment stands on, account-wide.

    - the state bucket(s) and lock table(s) the environment stacks use, with their copies in
      `replica_region` (bucket replication with RTC, a DynamoDB global table replica), so that
      Terraform keeps working when the state region is lost;
    - the registry's ECR replication: each environment's repositories to its secondary region (the
      registry has one replication configuration per region; the environments each create the
      destination repositories with their own keys, lifecycle and scanning).

    Its own state is local (`cdktf.out/stacks/luneo-bootstrap/terraform.tfstate`): it cannot live
    in the bucket it creates. Keep it (docs/OPERATIONS.md): adopt_existing = true adopts only the
    bucket and table that predate this stack; what it created is known through that state alone."""

    def __init__(
        self,
        scope: Construct,
        config: BootstrapConfig,
        environments: Sequence[EnvironmentConfig] = (),
        policies: Mapping[str, DeliveryPolicies] | None = None,
    ) -> None:
        super().__init__(scope, config.stack_name)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        LocalBackend(self, path="terraform.tfstate")
        regions = sorted(
            {backend.region for backend in config.backends}
            | {r.name for c in environments for r in c.network.regions}  # images replicate to the secondary
        )
        regions += [config.replica_region] if config.replica_region not in regions else []
        self.providers: dict[str, AwsProvider] = {}
        for i, region in enumerate(regions):
            self.providers[region] = AwsProvider(
                self,
                "aws" if i == 0 else f"aws-{region}",
                region=region,
                alias=None if i == 0 else region,
                default_tags=[
                    AwsProviderDefaultTags(tags={"Project": "luneo", "ManagedBy": "cdktf", "Environment": "global"})
                ],
            )
        self.backends = [self._backend(config, backend) for backend in config.backends]
        replicated = config.image_replication
        self._image_replication([e for e in environments if replicated is None or e.environment in replicated])
        if config.delivery is not None:
            self._delivery(config.delivery, policies or {})

    def _provider(self, region: str) -> AwsProvider:
        return self.providers[region]

    def _backend(self, config: BootstrapConfig, backend: BackendLocation) -> StateBackend:
        bucket, provider = backend.bucket, self._provider(backend.region)
        replica_provider = self._provider(config.replica_region)
        key = KmsKey(
            self,
            f"kms-{bucket}",
            name=f"{bucket}",
            description=f"Terraform state in {bucket}",
            allowed_services=["s3.amazonaws.com", "dynamodb.amazonaws.com"],
            prevent_destroy=True,
            provider=provider,
        )
        replica_key = KmsKey(
            self,
            f"kms-{bucket}-replica",
            name=f"{bucket}",
            description=f"Terraform state in {bucket} ({config.replica_region} copy)",
            allowed_services=["s3.amazonaws.com", "dynamodb.amazonaws.com"],
            prevent_destroy=True,
            provider=replica_provider,
        )
        state = StateBackend(
            self,
            bucket,
            bucket_name=bucket,
            table_name=backend.lock_table,
            kms_key_arn=key.key_arn,
            adopt_existing=config.adopt_existing,
            noncurrent_version_expiration_days=config.noncurrent_version_expiration_days,
            replica_provider=replica_provider,
            replica_region=config.replica_region,
            replica_kms_key_arn=replica_key.key_arn,
            replica_bucket_name=replica_bucket_name(bucket, config.replica_region),
            break_glass_role_arn=self._break_glass_role_arn(config, provider),
            provider=provider,
        )
        TerraformOutput(self, f"{bucket}-bucket-arn", value=state.bucket_arn)
        TerraformOutput(self, f"{bucket}-lock-table-arn", value=state.table_arn)
        TerraformOutput(self, f"{bucket}-replica-bucket-arn", value=state.replica_bucket_arn)
        return state

    def _break_glass_role_arn(self, config: BootstrapConfig, provider: AwsProvider) -> str | None:
        if config.delivery is None:
            return None
        account = account_context(self, provider)
        return f"arn:{account.partition}:iam::{account.account_id}:role/{config.delivery.break_glass_role_name}"

    def _delivery(self, delivery: Delivery, policies: Mapping[str, DeliveryPolicies]) -> None:
        """The GitHub OIDC provider, the store of merge plans, and each environment's plan and apply
        roles with the policies `make iam-policy` generated (an environment without them gets no
        roles: main.py says so)."""
        github = GithubOidcProvider(self, "github-oidc", adopt=delivery.adopt_oidc_provider)
        region = delivery.targets[0].state_region if delivery.targets else None
        store_provider = self._provider(region) if region else None
        key = KmsKey(
            self,
            "kms-plans",
            name=delivery.plans_bucket,
            description="Saved plans awaiting approval",
            allowed_services=["s3.amazonaws.com"],
            provider=store_provider,
        )
        store = PlanStore(
            self, "plans", bucket_name=delivery.plans_bucket, kms_key_arn=key.key_arn, provider=store_provider
        )
        TerraformOutput(self, "plans-bucket-arn", value=store.bucket_arn)
        for target in delivery.targets:
            if target.stack_name not in policies:
                continue
            documents = policies[target.stack_name]
            roles = DeliveryRoles(
                self,
                f"ci-{target.environment}",
                environment=target.environment,
                repository=delivery.repository,
                branch=target.branch,
                github_environment=target.github_environment,
                oidc_provider_arn=github.arn,
                drift_environment=delivery.drift_environment,
                plan_policies=documents.plan,
                apply_policies=documents.apply,
                boundary_policy=documents.boundary,
            )
            TerraformOutput(self, f"ci-{target.environment}-plan-role-arn", value=roles.plan_role_arn)
            TerraformOutput(self, f"ci-{target.environment}-apply-role-arn", value=roles.apply_role_arn)

    def _image_replication(self, environments: Sequence[EnvironmentConfig]) -> None:
        """One rule per source region: every environment's repositories (by name prefix) to its
        secondary region, in this account; and a precondition per environment that its secondary
        repositories exist (its stack creates them, with their key, scanning and lifecycle). Otherwise
        an image pushed first would make replication create them bare, and the stack's create would
        fail with RepositoryAlreadyExists ("The service-linked IAM role grants the Amazon ECR
        replication service the permission it needs to create repositories",
        https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html)."""
        by_source: dict[str, tuple[set[str], set[str], list[EnvironmentConfig]]] = {}
        for environment in environments:
            names = EnvironmentNames(environment.environment, environment.is_production)
            prefixes, destinations, members = by_source.setdefault(environment.network.primary.name, (set(), set(), []))
            prefixes.add(names.ecr_repository("luneo-"))
            destinations.add(environment.network.secondary.name)
            members.append(environment)
        for source, (prefixes, destinations, members) in sorted(by_source.items()):
            provider = self._provider(source)
            account = account_context(self, provider)
            replication = EcrReplicationConfiguration(
                self,
                f"ecr-replication-{source}",
                provider=provider,
                replication_configuration=EcrReplicationConfigurationReplicationConfiguration(
                    rule=[
                        EcrReplicationConfigurationReplicationConfigurationRule(
                            destination=[
                                EcrReplicationConfigurationReplicationConfigurationRuleDestination(
                                    region=region, registry_id=account.account_id
                                )
                                for region in sorted(destinations)
                            ],
                            repository_filter=[
                                EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter(
                                    filter=prefix, filter_type="PREFIX_MATCH"
                                )
                                for prefix in sorted(prefixes)
                            ],
                        )
                    ]
                ),
            )
            replication.add_override("lifecycle.precondition", [self._repositories_exist(e) for e in members])

    def _repositories_exist(self, environment: EnvironmentConfig) -> dict[str, str]:
        """The precondition that `environment`'s secondary repositories exist (data aws_ecr_repositories
        of its secondary region, one lookup per region)."""
        from .environment import ECR_REPOSITORIES

        region = environment.network.secondary.name
        if self.node.try_find_child(f"ecr-repositories-{region}") is None:
            DataAwsEcrRepositories(self, f"ecr-repositories-{region}", provider=self._provider(region))
        name = environment.environment
        names = EnvironmentNames(name, environment.is_production)
        wanted = json.dumps(sorted(names.ecr_repository(r) for r in ECR_REPOSITORIES))  # a JSON list is an HCL tuple
        existing = f"data.aws_ecr_repositories.ecr-repositories-{region}.names"
        return {
            "condition": f"${{length(setsubtract({wanted}, {existing})) == 0}}",
            "error_message": (
                f"image_replication: {wanted} do not exist in {region} yet. Apply luneo-{name} first (it creates "
                f"them with their key, scanning and lifecycle), or leave {name} out of image_replication "
                "(bootstrap.tfvars) until it has: replication would create them bare and the stack's create "
                "would fail with RepositoryAlreadyExists"
            ),
        }
