"""One Terraform stack per environment, on the existing S3 + DynamoDB state backend."""

from __future__ import annotations

from cdktf import App, S3Backend, TerraformElement, TerraformStack, TerraformVariable, TerraformVariableValidationConfig
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct, Node

from .errors import ConstructArgumentError
from .config import EnvironmentConfig
from .kms import KmsKey

#: Terraform 1.11 is the first release with write-only arguments (password_wo), which keep the
#: database password out of the state.
REQUIRED_TERRAFORM = ">= 1.11.0"


def kms_key_name(config: EnvironmentConfig, purpose: str) -> str:
    """Prod keeps the names its HCL state has (`luneo-secrets`); other environments are prefixed
    with their name so that several environments can share one account."""
    return f"luneo-{purpose}" if config.is_production else f"luneo-{config.environment}-{purpose}"


# purpose -> (description, services allowed to use the key)
KMS_PURPOSES = {
    "secrets": ("KMS key for application secrets", ["secretsmanager.amazonaws.com", "rds.amazonaws.com"]),
    "rds": ("KMS key for RDS storage and Performance Insights", ["rds.amazonaws.com"]),
    "redis": ("KMS key for ElastiCache Redis", ["elasticache.amazonaws.com"]),
    "s3": ("KMS key for the assets bucket", ["s3.amazonaws.com", "cloudfront.amazonaws.com"]),
}


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

        self.kms = {
            purpose: KmsKey(self, f"kms-{purpose}", name=kms_key_name(config, purpose), description=description,
                            allowed_services=services, prevent_destroy=config.is_production)
            for purpose, (description, services) in KMS_PURPOSES.items()
        }


def build_app(configs: list[EnvironmentConfig], outdir: str) -> App:
    """One App holding every environment's stack (the provider import is paid once)."""
    app = App(outdir=outdir)
    for config in configs:
        LuneoEnvironmentStack(app, config)
    return app
