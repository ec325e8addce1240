"""One Terraform stack per environment, on the existing S3 + DynamoDB state backend."""

from __future__ import annotations

from cdktf import (
    App,
    LocalBackend,
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
from .config import BootstrapConfig, ConfigError, EnvironmentConfig, Migration
from .dns import FailoverDns
from .ecr import EcrRepository
from .eks import EksCluster
from .kms import KmsKey
from .monitoring import AlarmTopic, metric_alarm
from .network import Network
from .policy import add_policy
from .rds import AuroraGlobalDatabase, AuroraRegion, PostgresDatabase, PostgresReadReplica
from .redis import RedisCluster
from .state_backend import StateBackend
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
    "eks": ("KMS key for Kubernetes secrets", ["eks.amazonaws.com"]),
    "alarms": ("KMS key for the alarm topics", ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]),
}
#: Keys the secondary region needs (a KMS key is regional).
SECONDARY_KMS_PURPOSES = ("secrets", "logs", "s3", "rds", "eks", "alarms")  # secrets: a promoted replica's password

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

    def _existing_key(self, config: EnvironmentConfig, store: str, default: str | None) -> str | None:
        """The key a store keeps (existing_encryption, from `make migrate-plan`): None for the AWS
        default it was created with, an ARN, or our own key for a new store."""
        existing = config.existing_encryption.get(store)
        if existing is None:
            return default
        return None if existing == "default" else existing

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

        eks_common = dict(kubernetes_version=config.eks_kubernetes_version,
                          spot_instance_types=config.eks_spot_instance_types,
                          system_instance_type=config.eks_system_instance_type,
                          system_node_count=config.eks_system_node_count,
                          public_access_cidrs=config.eks_public_access_cidrs,
                          admin_role_arns=config.eks_admin_role_arns)
        self.eks = EksCluster(
            self, "eks-primary", name=f"luneo-{env}-eks-primary", vpc_id=self.network.vpc_id,
            subnet_ids=self.network.private_subnets, secrets_kms_key_arn=self.kms["eks"].key_arn,
            logs_kms_key_arn=self.kms["logs"].key_arn, desired_size=config.eks_primary_desired_size,
            min_size=config.eks_primary_min_size, max_size=config.eks_primary_max_size, **eks_common)
        self.eks_secondary = EksCluster(
            self, "eks-secondary", name=f"luneo-{env}-eks-secondary", vpc_id=self.network_secondary.vpc_id,
            subnet_ids=self.network_secondary.private_subnets, secrets_kms_key_arn=self.kms_secondary["eks"].key_arn,
            logs_kms_key_arn=self.kms_secondary["logs"].key_arn, desired_size=config.eks_secondary_desired_size,
            min_size=config.eks_secondary_min_size, max_size=config.eks_secondary_max_size, provider=self.secondary,
            **eks_common)

        self.assets = AssetStorage(self, "assets", bucket_name=f"luneo-{env}-assets",
                                   kms_key_id=self.kms["s3"].key_arn, logging_bucket=config.logging_bucket,
                                   replica_kms_key_id=self.kms_secondary["s3"].key_arn,
                                   replica_provider=self.secondary, prevent_destroy=prod)

        # Only the EKS nodes of the same region reach the data stores.
        app_sg = [self.eks.node_security_group_id]
        replica_class = config.db_replica_instance_class or config.db_primary_instance_class
        password = self.db_master_password.string_value if self.db_master_password else None
        self.database: PostgresDatabase | None = None
        self.database_replica: PostgresReadReplica | None = None
        self.aurora: AuroraGlobalDatabase | None = None
        if config.db_dr_mode == "replica":
            self.database = PostgresDatabase(
                self, "postgres", name=f"luneo-{env}-db", vpc_id=self.network.vpc_id,
                subnet_ids=self.network.database_subnets, database_name="luneo", master_username="luneo_admin",
                master_password=password,
                instance_class=config.db_primary_instance_class, allocated_storage=config.db_allocated_storage,
                backup_retention_period=config.backup_retention_period, backup_window=config.backup_window,
                kms_key_arn=self._existing_key(config, "db", self.kms["rds"].key_arn),
                master_user_secret_kms_key_id=self.kms["secrets"].key_arn,
                logs_kms_key_arn=self.kms["logs"].key_arn, allowed_security_group_ids=app_sg,
                multi_az=config.db_multi_az, deletion_protection=True, prevent_destroy=prod)
            self.database_replica = PostgresReadReplica(
                self, "postgres-replica", name=f"luneo-{env}-db-replica", source_db_arn=self.database.arn,
                vpc_id=self.network_secondary.vpc_id, subnet_ids=self.network_secondary.database_subnets,
                instance_class=replica_class, kms_key_arn=self.kms_secondary["rds"].key_arn,
                backup_retention_period=config.backup_retention_period,
                logs_kms_key_arn=self.kms_secondary["logs"].key_arn,
                allowed_security_group_ids=[self.eks_secondary.node_security_group_id], prevent_destroy=prod,
                promoted=config.db_replica_promoted, multi_az=config.db_replica_promoted and config.db_multi_az,
                provider=self.secondary)
        else:
            self.aurora = AuroraGlobalDatabase(
                self, "aurora", name=f"luneo-{env}-db", database_name="luneo", master_username="luneo_admin",
                master_password=password, instance_class=config.db_primary_instance_class,
                secondary_instance_class=replica_class, instances=2 if config.db_multi_az else 1,
                backup_retention_period=config.backup_retention_period, backup_window=config.backup_window,
                primary=AuroraRegion(vpc_id=self.network.vpc_id, subnet_ids=self.network.database_subnets,
                                     kms_key_arn=self.kms["rds"].key_arn, allowed_security_group_ids=app_sg,
                                     logs_kms_key_arn=self.kms["logs"].key_arn),
                secondary=AuroraRegion(vpc_id=self.network_secondary.vpc_id,
                                       subnet_ids=self.network_secondary.database_subnets,
                                       kms_key_arn=self.kms_secondary["rds"].key_arn,
                                       allowed_security_group_ids=[self.eks_secondary.node_security_group_id],
                                       logs_kms_key_arn=self.kms_secondary["logs"].key_arn, provider=self.secondary),
                prevent_destroy=prod)

        replicated = config.redis_num_cache_clusters >= 2
        self.redis = RedisCluster(
            self, "redis", name=f"luneo-{env}-redis", vpc_id=self.network.vpc_id,
            subnet_ids=self.network.database_subnets, node_type=config.redis_node_type,
            num_cache_clusters=config.redis_num_cache_clusters, automatic_failover_enabled=replicated,
            multi_az_enabled=replicated, kms_key_arn=self._existing_key(config, "redis", self.kms["redis"].key_arn),
            logs_kms_key_arn=self.kms["logs"].key_arn, allowed_security_group_ids=app_sg, prevent_destroy=prod)

        ecr_default = config.existing_encryption.get("ecr") == "default"  # created with AES256
        self.ecr = {
            repository: EcrRepository(self, f"ecr-{repository.removeprefix('luneo-')}",
                                      repository_name=ecr_repository_name(config, repository), scan_on_push=True,
                                      encryption_type="AES256" if ecr_default else "KMS",
                                      kms_key_arn=None if ecr_default else self._existing_key(
                                          config, "ecr", self.kms["ecr"].key_arn),
                                      prevent_destroy=prod)
            for repository in ECR_REPOSITORIES
        }

        self.dns: FailoverDns | None = None
        if config.primary_ingress_hostname and config.secondary_ingress_hostname:
            self.dns = FailoverDns(self, "dns", primary_hostname=config.primary_ingress_hostname,
                                   secondary_hostname=config.secondary_ingress_hostname,
                                   zone_id=config.route53_zone_id, record_name=config.dns_record_name,
                                   health_check_path=config.health_check_path,
                                   force_failover=config.dns_force_failover)
        self._alarms(config)
        self._outputs()

    def _alarms(self, config: EnvironmentConfig) -> None:
        env = config.environment
        topics = {
            "primary": AlarmTopic(self, "alarms-primary", name=f"luneo-{env}-alarms",
                                  kms_key_arn=self.kms["alarms"].key_arn, emails=config.alarm_emails),
            "secondary": AlarmTopic(self, "alarms-secondary", name=f"luneo-{env}-alarms",
                                    kms_key_arn=self.kms_secondary["alarms"].key_arn, emails=config.alarm_emails,
                                    provider=self.secondary),
        }
        self.alarm_topics = topics
        primary, secondary = topics["primary"].topic_arn, topics["secondary"].topic_arn
        alarm = metric_alarm

        # Database load and storage (primary region), and how far the us-east-1 copy lags behind.
        if self.database is not None:
            db = {"DBInstanceIdentifier": f"luneo-{env}-db"}
            alarm(self, "alarm-db-cpu", name=f"luneo-{env}-db-cpu", namespace="AWS/RDS", metric="CPUUtilization",
                  dimensions=db, threshold=80, topic_arn=primary, description="RDS CPU above 80% for 15 minutes")
            free_bytes = int(config.db_allocated_storage * 0.1 * 1024 ** 3)
            alarm(self, "alarm-db-free-storage", name=f"luneo-{env}-db-free-storage", namespace="AWS/RDS",
                  metric="FreeStorageSpace", dimensions=db, comparison="<", threshold=free_bytes, topic_arn=primary,
                  statistic="Minimum", description="RDS free storage below 10% of db_allocated_storage")
            if not config.db_replica_promoted:  # a promoted replica has no lag to report
                alarm(self, "alarm-db-replica-lag", name=f"luneo-{env}-db-replica-lag", namespace="AWS/RDS",
                      metric="ReplicaLag", dimensions={"DBInstanceIdentifier": f"luneo-{env}-db-replica"},
                      threshold=300, statistic="Maximum", topic_arn=secondary, provider=self.secondary,
                      treat_missing_data="breaching",
                      description="us-east-1 read replica more than 5 minutes behind (or not reporting)")
        else:
            cluster = {"DBClusterIdentifier": f"luneo-{env}-db-primary"}
            alarm(self, "alarm-db-cpu", name=f"luneo-{env}-db-cpu", namespace="AWS/RDS", metric="CPUUtilization",
                  dimensions=cluster, threshold=80, topic_arn=primary,
                  description="Aurora primary cluster CPU above 80% for 15 minutes")
            alarm(self, "alarm-db-free-storage", name=f"luneo-{env}-db-free-storage", namespace="AWS/RDS",
                  metric="FreeLocalStorage", dimensions=cluster, comparison="<", threshold=5 * 1024 ** 3,
                  statistic="Minimum", topic_arn=primary, description="Aurora local storage below 5 GiB")
            alarm(self, "alarm-db-replica-lag", name=f"luneo-{env}-db-replica-lag", namespace="AWS/RDS",
                  metric="AuroraGlobalDBReplicationLag",
                  dimensions={"DBClusterIdentifier": f"luneo-{env}-db-secondary"}, threshold=60000,
                  statistic="Maximum", topic_arn=secondary, provider=self.secondary, treat_missing_data="breaching",
                  description="Aurora global replication lag above 60 s (or not reporting)")

        alarm(self, "alarm-s3-replication-latency", name=f"luneo-{env}-assets-replication-latency",
              namespace="AWS/S3", metric="ReplicationLatency", statistic="Maximum", threshold=900, topic_arn=primary,
              dimensions={"SourceBucket": f"luneo-{env}-assets", "DestinationBucket": f"luneo-{env}-assets-replica",
                          "RuleId": self.assets.replication_rule_id},
              description="assets replication slower than the 15-minute Replication Time Control target")

        for i in range(1, config.redis_num_cache_clusters + 1):
            node = {"CacheClusterId": f"luneo-{env}-redis-{i:03d}"}
            alarm(self, f"alarm-redis-{i:03d}-cpu", name=f"luneo-{env}-redis-{i:03d}-cpu", namespace="AWS/ElastiCache",
                  metric="EngineCPUUtilization", dimensions=node, threshold=80, topic_arn=primary,
                  description="Redis engine CPU above 80% for 15 minutes")
            alarm(self, f"alarm-redis-{i:03d}-memory", name=f"luneo-{env}-redis-{i:03d}-memory",
                  namespace="AWS/ElastiCache", metric="DatabaseMemoryUsagePercentage", dimensions=node,
                  threshold=80, topic_arn=primary, description="Redis memory above 80% of maxmemory")

        if self.dns is not None:
            # Route53 publishes health-check metrics in us-east-1 only.
            in_us_east_1 = "primary" if config.primary_region == "us-east-1" else "secondary"
            provider = self.primary if in_us_east_1 == "primary" else self.secondary
            for role, check_id in (("primary", self.dns.primary_health_check_id),
                                   ("secondary", self.dns.secondary_health_check_id)):
                alarm(self, f"alarm-health-{role}", name=f"luneo-{env}-health-{role}", namespace="AWS/Route53",
                      metric="HealthCheckStatus", dimensions={"HealthCheckId": check_id}, comparison="<",
                      threshold=1, statistic="Minimum", period=60, evaluation_periods=2,
                      topic_arn=topics[in_us_east_1].topic_arn, provider=provider, treat_missing_data="breaching",
                      description=f"{role} ingress failing its Route53 HTTPS health check")

    def _outputs(self) -> None:
        """What operators and the runbooks need after an apply (`terraform output`)."""
        outputs = {
            "vpc_id": self.network.vpc_id,
            "vpc_secondary_id": self.network_secondary.vpc_id,
            "eks_primary_cluster_name": self.eks.cluster_name,
            "eks_secondary_cluster_name": self.eks_secondary.cluster_name,
            "eks_primary_oidc_provider_arn": self.eks.oidc_provider_arn,
            "eks_secondary_oidc_provider_arn": self.eks_secondary.oidc_provider_arn,
            "assets_bucket_name": self.assets.bucket_name,
            "assets_replica_bucket_name": self.assets.replica_bucket_name,
            "assets_distribution_id": self.assets.distribution_id,
            "assets_distribution_domain_name": self.assets.distribution_domain_name,
            "redis_endpoint": self.redis.endpoint,
            "redis_reader_endpoint": self.redis.reader_endpoint,
            "redis_app_user_name": self.redis.app_user_name,
            "alarm_topic_arn": self.alarm_topics["primary"].topic_arn,
            "alarm_topic_secondary_arn": self.alarm_topics["secondary"].topic_arn,
        }
        if self.database is not None:
            outputs.update(db_endpoint=self.database.endpoint, db_identifier=self.database.identifier,
                           db_replica_endpoint=self.database_replica.endpoint,
                           db_replica_identifier=self.database_replica.identifier,
                           db_replica_arn=self.database_replica.arn)
            if self.database.master_user_secret_arn is not None:
                outputs["db_master_user_secret_arn"] = self.database.master_user_secret_arn
        if self.aurora is not None:
            outputs.update(db_endpoint=self.aurora.endpoint, db_reader_endpoint=self.aurora.reader_endpoint,
                           db_global_cluster_id=self.aurora.global_cluster_id,
                           db_primary_cluster_id=self.aurora.primary_cluster_id,
                           db_secondary_cluster_id=self.aurora.secondary_cluster_id,
                           db_secondary_reader_endpoint=self.aurora.secondary_reader_endpoint)
        if self.dns is not None:
            outputs.update(primary_health_check_id=self.dns.primary_health_check_id,
                           secondary_health_check_id=self.dns.secondary_health_check_id)
            if self.dns.record_fqdn is not None:
                outputs["failover_record_fqdn"] = self.dns.record_fqdn
        for repository, ecr in self.ecr.items():
            outputs[f"ecr_{repository.removeprefix('luneo-').replace('-', '_')}_url"] = ecr.repository_url
        for purpose, key in self.kms.items():
            outputs[f"kms_{purpose}_key_arn"] = key.key_arn
        for name, value in outputs.items():
            TerraformOutput(self, name, value=value)


class BootstrapStack(LuneoStack):
    """luneo-bootstrap: the state bucket(s) and lock table(s) the environment stacks use.

    Its own state is local (`cdktf.out/stacks/luneo-bootstrap/terraform.tfstate`): it cannot live
    in the bucket it creates. Losing it is harmless: with adopt_existing = true the next apply
    adopts the bucket and table again."""

    def __init__(self, scope: Construct, config: BootstrapConfig) -> None:
        super().__init__(scope, config.stack_name)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        LocalBackend(self, path="terraform.tfstate")
        regions = sorted({region for _, _, region in config.backends})
        providers = {}
        for i, region in enumerate(regions):
            providers[region] = AwsProvider(
                self, "aws" if i == 0 else f"aws-{region}", region=region, alias=None if i == 0 else region,
                default_tags=[AwsProviderDefaultTags(tags={"Project": "luneo", "ManagedBy": "cdktf",
                                                           "Environment": "global"})])
        self.backends = []
        for bucket, table, region in config.backends:
            key = KmsKey(self, f"kms-{bucket}", name=f"{bucket}", description=f"Terraform state in {bucket}",
                         allowed_services=["s3.amazonaws.com", "dynamodb.amazonaws.com"], prevent_destroy=True,
                         provider=providers[region])
            self.backends.append(StateBackend(
                self, bucket, bucket_name=bucket, table_name=table, kms_key_arn=key.key_arn,
                adopt_existing=config.adopt_existing,
                noncurrent_version_expiration_days=config.noncurrent_version_expiration_days,
                provider=providers[region]))
            TerraformOutput(self, f"{bucket}-bucket-arn", value=self.backends[-1].bucket_arn)
            TerraformOutput(self, f"{bucket}-lock-table-arn", value=self.backends[-1].table_arn)


def apply_migration(stack: LuneoStack, migration: Migration) -> None:
    """Reviewed `moved` blocks (legacy address -> ours) and `removed` blocks with destroy = false
    (legacy resources Terraform forgets rather than destroys)."""
    ours = {f"{t}.{n}" for t, items in stack.to_terraform().get("resource", {}).items() for n in items}
    for source, target in migration.moved:
        if target not in ours:
            raise ConfigError(f"{migration.source}: moved to {target}: expected an address of {stack.node.id} "
                              "(re-run `make migrate-plan`)")
    if migration.moved:
        stack.add_override("moved", [{"from": s, "to": t} for s, t in migration.moved])
    if migration.removed:
        stack.add_override("removed", [{"from": s, "lifecycle": {"destroy": False}} for s in migration.removed])


def build_app(configs: list[EnvironmentConfig], outdir: str, bootstrap: BootstrapConfig | None = None,
              migrations: dict[str, Migration] | None = None) -> App:
    """One App holding every environment's stack, and luneo-bootstrap when given (the provider
    import is paid once). `migrations`: stack name -> reviewed moved/removed blocks."""
    app = App(outdir=outdir)
    for config in configs:
        stack = LuneoEnvironmentStack(app, config)
        if migrations and config.stack_name in migrations:
            apply_migration(stack, migrations[config.stack_name])
        add_policy(stack)
    if bootstrap is not None:
        add_policy(BootstrapStack(app, bootstrap))
    return app
