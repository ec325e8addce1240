"""LuneoEnvironmentStack: one environment's stack on the existing S3 + DynamoDB state backend."""

from __future__ import annotations

from cdktf import S3Backend, TerraformVariable, TerraformVariableValidationConfig
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from ..config import ROLES, EnvironmentConfig, state_key_alias
from ..dns import FailoverDns
from ..ecr import EcrRepository
from ..eks.cluster import admin_id
from ..rds import (
    AuroraGlobalDatabase,
    AuroraRegion,
    DatabaseCredentials,
    PostgresDatabase,
    PostgresReadReplica,
    RestoreSource,
)
from ..redis import RedisCluster, RedisGlobalDatastore
from ..storage import AssetStorage
from ..support.common import account_context
from ..support.naming import EnvironmentNames
from .alarms import add_alarms
from .base import REQUIRED_TERRAFORM, LuneoStack
from .outputs import add_outputs
from .regional import RegionalFoundation
from .workloads import add_workloads

ECR_REPOSITORIES = ("luneo-worker-ia", "luneo-usdz-converter")


class LuneoEnvironmentStack(LuneoStack):
    """Everything one environment runs: a regional foundation per region (keys, network, EKS, alarm
    topic), then the cross-region pieces on top: assets with replication, the database strategy
    (read replica or Aurora Global), Redis, the repositories, DNS failover, alarms and outputs."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.stack_name)
        self.config = config
        self.names = EnvironmentNames(config.environment, config.is_production)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        S3Backend(
            self,
            bucket=config.state.bucket,
            key=config.state.key,
            region=config.state.region,
            dynamodb_table=config.state.lock_table,
            encrypt=True,
            # The state bucket's key (luneo-bootstrap): SSE-KMS, not SSE-S3, so s3:GetObject alone reads
            # nothing. By alias, which names the key of whichever region the bucket is in (the copy in
            # the replica region has its own): the failover backend needs no other value.
            kms_key_id=state_key_alias(config.state.bucket),
        )
        default_tags = [
            AwsProviderDefaultTags(
                tags={**config.tags, "Environment": config.environment, "Project": "luneo", "ManagedBy": "cdktf"}
            )
        ]
        self.primary = AwsProvider(self, "aws", region=config.network.primary.name, default_tags=default_tags)
        self.secondary = AwsProvider(
            self, "aws-secondary", alias="secondary", region=config.network.secondary.name, default_tags=default_tags
        )
        self.db_master_password = self._password_variable()

        self.regions = {
            role: RegionalFoundation(
                self,
                region=region,
                names=self.names,
                eks=config.eks,
                single_nat_gateway=config.network.single_nat_gateway,
                interface_endpoints=config.network.interface_endpoints,
                alarm_emails=config.alarms.emails,
                alarm_https_endpoints=config.alarms.https_endpoints,
                provider=None if role == "primary" else self.secondary,
            )
            for role, region in zip(ROLES, config.network.regions)
        }
        self.assets = self._assets()
        self.credentials = self._credentials()
        self.database: PostgresDatabase | None = None
        self.database_replica: PostgresReadReplica | None = None
        self.previous_database: tuple[PostgresDatabase, PostgresReadReplica] | None = None  # during a restore
        self.aurora: AuroraGlobalDatabase | None = None
        if config.database.dr_mode == "replica":
            self._database_with_replica()
        else:
            self._aurora_global_database()
        self.redis = self._redis()
        self.redis_secondary = self._redis_secondary() if config.redis.global_datastore else None
        self.ecr = self._repositories()
        self.ecr_secondary = self._secondary_repositories()
        self.dns = self._dns()
        self.workloads = add_workloads(self)
        add_alarms(self)
        add_outputs(self)
        self._finish()

    def _finish(self) -> None:
        """What applies to the whole stack once it is built: the boundary on every role, the moves and
        the forgotten objects of this version (CHANGELOG.md)."""
        self._bound_roles()
        self._admin_moves()
        self._forget_the_unused_cache_users()

    def _admin_moves(self) -> None:
        """The cluster-admin entry once taken from whoever ran the plan (`deployer`) becomes the first
        of eks_admin_roles: kept when it is the same role, replaced (one entry per principal, and a
        principal cannot change) when it is not, never a second entry racing the first (CHANGELOG.md)."""
        if not self.config.eks.admin_roles:
            return
        first = admin_id(self.config.eks.admin_roles[0])
        self.moved(
            [
                (f"{kind}.eks-{role}_deployer{suffix}", f"{kind}.eks-{role}_{first}{suffix}")
                for role in ROLES
                for kind, suffix in (("aws_eks_access_entry", ""), ("aws_eks_access_policy_association", "-policy"))
            ]
        )

    def _forget_the_unused_cache_users(self) -> None:
        """The cache's `<name>-app` user (IAM authentication) was granted to nobody: each workload now
        connects as a user of its own. Terraform forgets the old one rather than destroying what an
        operator has (`removed`, destroy = false); it leaves the user group at the next apply, and can be
        deleted by hand (CHANGELOG.md)."""
        caches = [name for name, cache in (("redis", self.redis), ("redis-secondary", self.redis_secondary)) if cache]
        self.forget([f"aws_elasticache_user.{name}_app-user" for name in caches])

    def _bound_roles(self) -> None:
        """Every role of the stack carries the environment's workload boundary (luneo-bootstrap
        creates it; the apply role can create or change a role only with it: docs/SECURITY.md). The
        ARN is built from the role's own provider's account lookup, so that a role of the secondary
        region depends on nothing of the primary's (a failover plans it without eu-west-1)."""
        for construct in self.node.find_all():
            if isinstance(construct, IamRole):
                account = account_context(self, construct.provider)
                construct.permissions_boundary = (
                    f"arn:{account.partition}:iam::{account.account_id}:policy/{self.names.workload_boundary}"
                )

    def _password_variable(self) -> TerraformVariable | None:
        """The master password is never in a file: it is generated by default; with
        db_master_password_source = "variable" it is this variable, given at plan and apply time
        (TF_VAR_db_master_password) and sent only to write-only arguments. Ephemeral (Terraform
        >= 1.10) keeps it out of the state and saved plans, and out of Terraform's own messages:
        Terraform 1.11 prints a merely `sensitive` variable's value when its validation fails."""
        if self.config.database.master_password_source != "variable":
            return None
        variable = TerraformVariable(
            self,
            "db_master_password",
            type="string",
            sensitive=True,
            nullable=False,
            description="RDS master password (at least 16 characters); pass it as TF_VAR_db_master_password",
            validation=[
                TerraformVariableValidationConfig(
                    condition="${length(var.db_master_password) >= 16}",
                    error_message="db_master_password must be at least 16 characters long.",
                )
            ],
        )
        variable.add_override("ephemeral", True)
        return variable

    def _assets(self) -> AssetStorage:
        primary, secondary, assets = self.regions["primary"], self.regions["secondary"], self.config.assets
        return AssetStorage(
            self,
            "assets",
            bucket_name=self.names.assets_bucket,
            kms_key_id=primary.kms["s3"].key_arn,
            logging_bucket=assets.logging_bucket,
            aliases=list(assets.aliases),
            acm_certificate_arn=assets.certificate_arn,
            replica_kms_key_id=secondary.kms["s3"].key_arn,
            replica_provider=self.secondary,
            prevent_destroy=self.config.is_production,
        )

    def _credentials(self) -> DatabaseCredentials:
        """The master password (generated or given), in a secret replicated to the secondary region."""
        primary, secondary = self.regions["primary"], self.regions["secondary"]
        return DatabaseCredentials(
            self,
            "db-credentials",
            name=self.names.database_master_secret,
            username="luneo_admin",
            database_name="luneo",
            kms_key_arn=primary.kms["secrets"].key_arn,
            replica_region=secondary.region.name,
            replica_kms_key_arn=secondary.kms["secrets"].key_arn,
            password="${var.db_master_password}" if self.db_master_password else None,
            version=self.config.database.master_password_version,
            prevent_destroy=self.config.is_production,
        )

    def _database_with_replica(self) -> None:
        """RDS PostgreSQL in the primary region, an encrypted read replica in the secondary. With
        db_restore_from, the restored primary (a new instance: RDS restores into none other) and a
        replica of it become the database every dependent uses (secret, alarms, outputs, workload
        grants); the previous pair keeps running unchanged until db_restore_retire_previous."""
        restore = self.config.database.restore
        self.database, self.database_replica = self._database_pair(
            "postgres", self.names.database, self.names.database_replica
        )
        if restore is None:
            return
        self.previous_database = (self.database, self.database_replica)
        source = RestoreSource(
            snapshot_identifier=restore.snapshot,
            source_instance=self.names.database if restore.time else None,
            restore_time=None if restore.time in (None, "latest") else restore.time,
        )
        self.database, self.database_replica = self._database_pair(
            "postgres-restored", self.names.database_restored, self.names.database_restored_replica, source
        )
        if restore.retire_previous:
            self._retire(["postgres", "postgres-replica"])

    def _database_pair(
        self, id: str, name: str, replica_name: str, restore_from: RestoreSource | None = None
    ) -> tuple[PostgresDatabase, PostgresReadReplica]:
        config, db, prod = self.config, self.config.database, self.config.is_production
        primary, secondary = self.regions["primary"], self.regions["secondary"]
        current = restore_from is not None or db.restore is None  # the pair the failover switch applies to
        database = PostgresDatabase(
            self,
            id,
            name=name,
            vpc_id=primary.network.vpc_id,
            subnet_ids=primary.network.database_subnets,
            database_name="luneo",
            master_username="luneo_admin",
            master_password=self.credentials.password,
            master_password_version=self.credentials.version,
            instance_class=db.primary_instance_class,
            allocated_storage=db.allocated_storage,
            backup_retention_period=db.backup_retention_period,
            backup_window=db.backup_window,
            kms_key_arn=config.existing_encryption.key_for("db", primary.kms["rds"].key_arn),
            logs_kms_key_arn=primary.kms["logs"].key_arn,
            allowed_security_group_ids=[primary.eks.node_security_group_id],
            multi_az=db.multi_az,
            deletion_protection=True,
            prevent_destroy=prod,
            restore_from=restore_from,
        )
        replica = PostgresReadReplica(
            self,
            f"{id}-replica",
            name=replica_name,
            source_db_arn=database.arn,
            vpc_id=secondary.network.vpc_id,
            subnet_ids=secondary.network.database_subnets,
            instance_class=db.replica_instance_class,
            kms_key_arn=secondary.kms["rds"].key_arn,
            backup_retention_period=db.backup_retention_period,
            logs_kms_key_arn=secondary.kms["logs"].key_arn,
            allowed_security_group_ids=[secondary.eks.node_security_group_id],
            prevent_destroy=prod,
            promoted=current and db.replica_promoted,
            multi_az=current and db.replica_promoted and db.multi_az,
            provider=self.secondary,
        )
        return database, replica

    def _retire(self, ids: list[str]) -> None:
        """Terraform forgets every resource of these constructs (`removed`, destroy = false: the
        instances keep running, deletion protection on, until the operator deletes them by hand with a
        final snapshot, docs/OPERATIONS.md) and they leave the stack."""
        from cdktf import TerraformResource

        forgotten = []
        for id in ids:
            construct = self.node.find_child(id)
            for element in construct.node.find_all():
                if isinstance(element, TerraformResource):  # a data source is not one (TerraformDataSource)
                    forgotten.append(f"{element.terraform_resource_type}.{self.get_logical_id(element)}")
            self.node.try_remove_child(id)
        self.forget(sorted(forgotten))
        self.previous_database = None

    def _aurora_global_database(self) -> None:
        """Aurora PostgreSQL Global Database: writer cluster in the primary, reader in the secondary."""
        db = self.config.database
        sides = {
            role: AuroraRegion(
                vpc_id=foundation.network.vpc_id,
                subnet_ids=foundation.network.database_subnets,
                kms_key_arn=foundation.kms["rds"].key_arn,
                allowed_security_group_ids=[foundation.eks.node_security_group_id],
                logs_kms_key_arn=foundation.kms["logs"].key_arn,
                provider=foundation.provider,
            )
            for role, foundation in self.regions.items()
        }
        self.aurora = AuroraGlobalDatabase(
            self,
            "aurora",
            name=self.names.database,
            database_name="luneo",
            master_username="luneo_admin",
            master_password=self.credentials.password,
            master_password_version=self.credentials.version,
            instance_class=db.primary_instance_class,
            secondary_instance_class=db.replica_instance_class,
            instances=2 if db.multi_az else 1,
            backup_retention_period=db.backup_retention_period,
            backup_window=db.backup_window,
            primary=sides["primary"],
            secondary=sides["secondary"],
            prevent_destroy=self.config.is_production,
        )

    def _redis(self) -> RedisCluster:
        primary, redis = self.regions["primary"], self.config.redis
        return RedisCluster(
            self,
            "redis",
            name=self.names.cache,
            vpc_id=primary.network.vpc_id,
            subnet_ids=primary.network.database_subnets,
            node_type=redis.node_type,
            num_cache_clusters=redis.num_cache_clusters,
            automatic_failover_enabled=redis.replicated,
            multi_az_enabled=redis.replicated,
            kms_key_arn=self.config.existing_encryption.key_for("redis", primary.kms["redis"].key_arn),
            logs_kms_key_arn=primary.kms["logs"].key_arn,
            allowed_security_group_ids=[primary.eks.node_security_group_id],
            prevent_destroy=self.config.is_production,
        )

    def _redis_secondary(self) -> RedisCluster:
        """A Global Datastore: the cache's read-only copy in the secondary region, promoted in a failover."""
        secondary, redis = self.regions["secondary"], self.config.redis
        datastore = RedisGlobalDatastore(self, "redis-global", primary=self.redis)
        return RedisCluster(
            self,
            "redis-secondary",
            name=self.names.cache_secondary,
            vpc_id=secondary.network.vpc_id,
            subnet_ids=secondary.network.database_subnets,
            node_type=redis.node_type,
            num_cache_clusters=redis.num_cache_clusters,
            global_replication_group_id=datastore.id,
            automatic_failover_enabled=redis.replicated,
            multi_az_enabled=redis.replicated,
            kms_key_arn=secondary.kms["redis"].key_arn,
            logs_kms_key_arn=secondary.kms["logs"].key_arn,
            allowed_security_group_ids=[secondary.eks.node_security_group_id],
            prevent_destroy=self.config.is_production,
            provider=self.secondary,
        )

    def _secondary_repositories(self) -> dict[str, EcrRepository]:
        """The secondary region's copies of the repositories, which the registry's replication
        (luneo-bootstrap) fills: same names, that region's key, the same lifecycle and scanning (ECR
        replicates images, not repository settings), so the secondary cluster pulls locally."""
        key = self.regions["secondary"].kms["ecr"].key_arn
        return {
            repository: EcrRepository(
                self,
                f"ecr-{repository.removeprefix('luneo-')}-secondary",
                repository_name=self.names.ecr_repository(repository),
                scan_on_push=True,
                kms_key_arn=key,
                prevent_destroy=self.config.is_production,
                provider=self.secondary,
            )
            for repository in ECR_REPOSITORIES
        }

    def _repositories(self) -> dict[str, EcrRepository]:
        existing = self.config.existing_encryption
        aes256 = existing.ecr == "default"  # created with AES256: ECR cannot change it in place
        key = self.regions["primary"].kms["ecr"].key_arn
        return {
            repository: EcrRepository(
                self,
                f"ecr-{repository.removeprefix('luneo-')}",
                repository_name=self.names.ecr_repository(repository),
                scan_on_push=True,
                encryption_type="AES256" if aes256 else "KMS",
                kms_key_arn=None if aes256 else existing.key_for("ecr", key),
                prevent_destroy=self.config.is_production,
            )
            for repository in ECR_REPOSITORIES
        }

    def _dns(self) -> FailoverDns | None:
        dns = self.config.dns
        if not (dns.primary_ingress_hostname and dns.secondary_ingress_hostname):
            return None
        # Route53's API lives in us-east-1 and publishes health-check metrics there: DNS is managed through
        # the us-east-1 provider, so a failover can be planned while the other region is gone.
        in_us_east_1 = self.primary if self.config.network.primary.name == "us-east-1" else self.secondary
        zone_id = dns.zone_id
        if dns.zone_name:
            zone_id = DataAwsRoute53Zone(
                self, "dns-zone", name=dns.zone_name, private_zone=False, provider=in_us_east_1
            ).zone_id
        return FailoverDns(
            self,
            "dns",
            primary_hostname=dns.primary_ingress_hostname,
            secondary_hostname=dns.secondary_ingress_hostname,
            zone_id=zone_id,
            record_name=dns.record_name,
            health_check_path=dns.health_check_path,
            force_failover=dns.force_failover,
            provider=in_us_east_1,
            metrics_provider=in_us_east_1,
        )
