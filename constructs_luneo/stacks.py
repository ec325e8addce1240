"""One Terraform stack per environment, on the existing S3 + DynamoDB state backend."""

from __future__ import annotations

from cdktf import (
    App,
    S3Backend,
    TerraformElement,
    TerraformOutput,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct, Node

from .errors import ConstructArgumentError
from .config import EnvironmentConfig
from .ecr import EcrRepository
from .kms import KmsKey
from .network import Network
from .rds import PostgresDatabase
from .redis import RedisCluster
from .storage import AssetStorage

#: Terraform 1.11 is the first release with write-only arguments (password_wo), which keep the
#: database password out of the state.
REQUIRED_TERRAFORM = ">= 1.11.0"


def kms_key_name(config: EnvironmentConfig, purpose: str) -> str:
    """Prod keeps the names its HCL state has (`luneo-secrets`); other environments are prefixed
    with their name so that several environments can share one account."""
    return f"luneo-{purpose}" if config.is_production else f"luneo-{config.environment}-{purpose}"


def ecr_repository_name(config: EnvironmentConfig, repository: str) -> str:
    """Prod keeps the names the docs and the HCL state use; other environments get a namespace."""
    return repository if config.is_production else f"{config.environment}/{repository}"


# purpose -> (description, services allowed to use the key), in the primary region.
KMS_PURPOSES = {
    "secrets": ("KMS key for application secrets", ["secretsmanager.amazonaws.com", "rds.amazonaws.com"]),
    "rds": ("KMS key for RDS storage and Performance Insights", ["rds.amazonaws.com"]),
    "redis": ("KMS key for ElastiCache Redis", ["elasticache.amazonaws.com"]),
    "s3": ("KMS key for the assets bucket", ["s3.amazonaws.com", "cloudfront.amazonaws.com"]),
    "ecr": ("KMS key for ECR images", ["ecr.amazonaws.com"]),
    "logs": ("KMS key for CloudWatch Logs", ["logs.amazonaws.com"]),
}
#: Keys the secondary region needs (a KMS key is regional).
SECONDARY_KMS_PURPOSES = ("logs",)

ECR_REPOSITORIES = ("luneo-worker-ia", "luneo-usdz-converter")


def zones(region: str) -> list[str]:
    """The three availability zones the platform uses in a region."""
    return [f"{region}{letter}" for letter in "abc"]


class LuneoStack(TerraformStack):
    """A stack whose Terraform addresses are the construct path, without cdktf's hash suffix.

    `KmsKey(stack, "kms-secrets")` creates `aws_kms_key.kms-secrets_key`, not
    `aws_kms_key.kms-secrets_key_F42838D9`: operators read these names in every plan, the state is
    keyed by them, and `moved` blocks and imports are written against them. Two paths that would
    give the same name are an error rather than a silent suffix.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._logical_ids: dict[str, str] = {}

    def _allocate_logical_id(self, tf_element: TerraformElement | Node) -> str:
        node = tf_element if isinstance(tf_element, Node) else tf_element.node
        scopes = node.scopes
        start = next(i for i, s in enumerate(scopes) if s is self or s.node.path == self.node.path) + 1
        logical_id = "_".join(s.node.id for s in scopes[start:])
        path = node.path
        if self._logical_ids.setdefault(logical_id, path) != path:
            raise ConstructArgumentError(
                f"{path!r} and {self._logical_ids[logical_id]!r} would both be Terraform name {logical_id!r}; "
                "rename one construct id")
        return logical_id


class LuneoEnvironmentStack(LuneoStack):
    """Everything one environment runs: providers for both regions, the backend, the platform."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.stack_name)
        self.config = config
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)

        S3Backend(
            self,
            bucket=config.state_bucket,
            key=config.state_key,
            region=config.state_region,
            dynamodb_table=config.state_lock_table,
            encrypt=True,
        )
        default_tags = [AwsProviderDefaultTags(tags={
            **config.tags, "Environment": config.environment, "Project": "luneo", "ManagedBy": "cdktf"})]
        self.primary = AwsProvider(self, "aws", region=config.primary_region, default_tags=default_tags)
        self.secondary = AwsProvider(self, "aws-secondary", alias="secondary", region=config.secondary_region,
                                     default_tags=default_tags)

        # The master password is never in a file: RDS manages it in Secrets Manager by default; with
        # db_manage_master_password = false it is this variable, given at plan and apply time
        # (TF_VAR_db_master_password) and sent only to write-only arguments. Ephemeral (Terraform
        # >= 1.10) keeps it out of the state and saved plans, and out of Terraform's own messages:
        # Terraform 1.11 prints a merely `sensitive` variable's value when its validation fails.
        self.db_master_password: TerraformVariable | None = None
        if not config.db_manage_master_password:
            self.db_master_password = TerraformVariable(
                self, "db_master_password",
                type="string",
                sensitive=True,
                nullable=False,
                description="RDS master password (at least 16 characters); pass it as TF_VAR_db_master_password",
                validation=[TerraformVariableValidationConfig(
                    condition="${length(var.db_master_password) >= 16}",
                    error_message="db_master_password must be at least 16 characters long.",
                )],
            )
            self.db_master_password.add_override("ephemeral", True)

        self._platform(config)

    def _platform(self, config: EnvironmentConfig) -> None:
        env, prod = config.environment, config.is_production
        self.kms = {
            purpose: KmsKey(self, f"kms-{purpose}", name=kms_key_name(config, purpose), description=description,
                            allowed_services=services, prevent_destroy=prod)
            for purpose, (description, services) in KMS_PURPOSES.items()
        }
        self.kms_secondary = {
            purpose: KmsKey(self, f"kms-{purpose}-secondary", name=kms_key_name(config, purpose),
                            description=f"{KMS_PURPOSES[purpose][0]} ({config.secondary_region})",
                            allowed_services=KMS_PURPOSES[purpose][1], prevent_destroy=prod, provider=self.secondary)
            for purpose in SECONDARY_KMS_PURPOSES
        }

        self.network = Network(self, "network-primary", name=f"luneo-{env}", cidr_block=config.vpc_primary_cidr,
                               availability_zones=zones(config.primary_region),
                               single_nat_gateway=config.single_nat_gateway,
                               flow_log_kms_key_arn=self.kms["logs"].key_arn)
        self.network_secondary = Network(self, "network-secondary", name=f"luneo-{env}",
                                         cidr_block=config.vpc_secondary_cidr,
                                         availability_zones=zones(config.secondary_region),
                                         single_nat_gateway=config.single_nat_gateway,
                                         flow_log_kms_key_arn=self.kms_secondary["logs"].key_arn,
                                         provider=self.secondary)

        self.assets = AssetStorage(self, "assets", bucket_name=f"luneo-{env}-assets",
                                   kms_key_id=self.kms["s3"].key_arn, logging_bucket=config.logging_bucket,
                                   prevent_destroy=prod)

        # Applications run in the private subnets (EKS nodes): they, and only they, reach the data stores.
        app_cidrs = self.network.private_cidr_blocks
        self.database = PostgresDatabase(
            self, "postgres", name=f"luneo-{env}-db", vpc_id=self.network.vpc_id,
            subnet_ids=self.network.database_subnets, database_name="luneo", master_username="luneo_admin",
            master_password=self.db_master_password.string_value if self.db_master_password else None,
            instance_class=config.db_primary_instance_class, allocated_storage=config.db_allocated_storage,
            backup_retention_period=config.backup_retention_period, backup_window=config.backup_window,
            kms_key_arn=self.kms["rds"].key_arn, master_user_secret_kms_key_id=self.kms["secrets"].key_arn,
            logs_kms_key_arn=self.kms["logs"].key_arn, allowed_cidr_blocks=app_cidrs,
            multi_az=config.db_multi_az, deletion_protection=True, prevent_destroy=prod)

        replicated = config.redis_num_cache_clusters >= 2
        self.redis = RedisCluster(
            self, "redis", name=f"luneo-{env}-redis", vpc_id=self.network.vpc_id,
            subnet_ids=self.network.database_subnets, node_type=config.redis_node_type,
            num_cache_clusters=config.redis_num_cache_clusters, automatic_failover_enabled=replicated,
            multi_az_enabled=replicated, kms_key_arn=self.kms["redis"].key_arn,
            logs_kms_key_arn=self.kms["logs"].key_arn, allowed_cidr_blocks=app_cidrs, prevent_destroy=prod)

        self.ecr = {
            repository: EcrRepository(self, f"ecr-{repository.removeprefix('luneo-')}",
                                      repository_name=ecr_repository_name(config, repository), scan_on_push=True,
                                      kms_key_arn=self.kms["ecr"].key_arn, prevent_destroy=prod)
            for repository in ECR_REPOSITORIES
        }
        self._outputs()

    def _outputs(self) -> None:
        """What operators and the runbooks need after an apply (`terraform output`)."""
        outputs = {
            "vpc_id": self.network.vpc_id,
            "vpc_secondary_id": self.network_secondary.vpc_id,
            "assets_bucket_name": self.assets.bucket_name,
            "assets_distribution_id": self.assets.distribution_id,
            "assets_distribution_domain_name": self.assets.distribution_domain_name,
            "db_endpoint": self.database.endpoint,
            "db_identifier": self.database.identifier,
            "redis_endpoint": self.redis.endpoint,
            "redis_reader_endpoint": self.redis.reader_endpoint,
            "redis_app_user_name": self.redis.app_user_name,
        }
        if self.database.master_user_secret_arn is not None:
            outputs["db_master_user_secret_arn"] = self.database.master_user_secret_arn
        for repository, ecr in self.ecr.items():
            outputs[f"ecr_{repository.removeprefix('luneo-').replace('-', '_')}_url"] = ecr.repository_url
        for purpose, key in self.kms.items():
            outputs[f"kms_{purpose}_key_arn"] = key.key_arn
        for name, value in outputs.items():
            TerraformOutput(self, name, value=value)


def build_app(configs: list[EnvironmentConfig], outdir: str) -> App:
    """One App holding every environment's stack (the provider import is paid once)."""
    app = App(outdir=outdir)
    for config in configs:
        LuneoEnvironmentStack(app, config)
    return app
