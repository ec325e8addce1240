"""One Terraform stack per environment, on the existing S3 + DynamoDB state backend, and the
luneo-bootstrap stack for that backend itself."""

from __future__ import annotations

from typing import Mapping, Sequence

from cdktf import (
    App,
    LocalBackend,
    S3Backend,
    TerraformElement,
    TerraformLocal,
    TerraformOutput,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
)
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from cdktf_cdktf_provider_aws.ecr_replication_configuration import (
    EcrReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfigurationRule,
    EcrReplicationConfigurationReplicationConfigurationRuleDestination,
    EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct, Node

from ._common import account_context
from .config import (
    ROLES,
    BackendLocation,
    BootstrapConfig,
    ConfigError,
    EnvironmentConfig,
    Migration,
    Role,
    replica_bucket_name,
)
from .dns import FailoverDns
from .ecr import EcrRepository
from .errors import ConstructArgumentError
from .kms import KmsKey
from .policy import add_policy
from .rds import AuroraGlobalDatabase, AuroraRegion, DatabaseCredentials, PostgresDatabase, PostgresReadReplica
from .redis import RedisCluster, RedisGlobalDatastore
from .regional import EnvironmentNames, RegionalFoundation
from .state_backend import StateBackend
from .storage import AssetStorage

#: Terraform 1.11 is the first release with write-only arguments (password_wo), which keep the
#: database password out of the state.
REQUIRED_TERRAFORM = ">= 1.11.0"

ECR_REPOSITORIES = ("luneo-worker-ia", "luneo-usdz-converter")


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
        self._path: str | None = None

    def _allocate_logical_id(self, tf_element: TerraformElement | Node) -> str:
        """The construct path below the stack, joined with "_" (ids cannot contain "/"): one jsii round
        trip for the path instead of one per scope (docs/PERFORMANCE.md). A construct's `toString()` is
        its `node.path` (constructs 10.x) except for locals and variables, whose string is a token."""
        if isinstance(tf_element, Node):
            path = tf_element.path
        elif isinstance(tf_element, (TerraformLocal, TerraformVariable)):
            path = tf_element.node.path
        else:
            path = tf_element.to_string()
        if self._path is None:
            self._path = self.node.path
        logical_id = path[len(self._path) + 1:].replace("/", "_")
        if self._logical_ids.setdefault(logical_id, path) != path:
            raise ConstructArgumentError(
                f"{path!r} and {self._logical_ids[logical_id]!r} would both be Terraform name {logical_id!r}; "
                "rename one construct id")
        return logical_id


class LuneoEnvironmentStack(LuneoStack):
    """Everything one environment runs: a regional foundation per region (keys, network, EKS, alarm
    topic), then the cross-region pieces on top: assets with replication, the database strategy
    (read replica or Aurora Global), Redis, the repositories, DNS failover, alarms and outputs."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.stack_name)
        self.config = config
        self.names = EnvironmentNames(config.environment, config.is_production)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        S3Backend(self, bucket=config.state.bucket, key=config.state.key, region=config.state.region,
                  dynamodb_table=config.state.lock_table, encrypt=True)
        default_tags = [AwsProviderDefaultTags(tags={
            **config.tags, "Environment": config.environment, "Project": "luneo", "ManagedBy": "cdktf"})]
        self.primary = AwsProvider(self, "aws", region=config.network.primary.name, default_tags=default_tags)
        self.secondary = AwsProvider(self, "aws-secondary", alias="secondary", region=config.network.secondary.name,
                                     default_tags=default_tags)
        self.db_master_password = self._password_variable()

        self.regions = {role: RegionalFoundation(
            self, region=region, names=self.names, eks=config.eks,
            single_nat_gateway=config.network.single_nat_gateway, alarm_emails=config.alarms.emails,
            alarm_https_endpoints=config.alarms.https_endpoints, provider=None if role == "primary" else self.secondary)
            for role, region in zip(ROLES, config.network.regions)}
        self.assets = self._assets()
        self.credentials = self._credentials()
        self.database: PostgresDatabase | None = None
        self.database_replica: PostgresReadReplica | None = None
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
        self._alarms()
        self._outputs()

    def _password_variable(self) -> TerraformVariable | None:
        """The master password is never in a file: it is generated by default; with
        db_master_password_source = "variable" it is this variable, given at plan and apply time
        (TF_VAR_db_master_password) and sent only to write-only arguments. Ephemeral (Terraform
        >= 1.10) keeps it out of the state and saved plans, and out of Terraform's own messages:
        Terraform 1.11 prints a merely `sensitive` variable's value when its validation fails."""
        if self.config.database.master_password_source != "variable":
            return None
        variable = TerraformVariable(
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
        variable.add_override("ephemeral", True)
        return variable

    def _assets(self) -> AssetStorage:
        primary, secondary, assets = self.regions["primary"], self.regions["secondary"], self.config.assets
        return AssetStorage(self, "assets", bucket_name=f"{self.names.prefix}-assets",
                            kms_key_id=primary.kms["s3"].key_arn, logging_bucket=assets.logging_bucket,
                            aliases=list(assets.aliases), acm_certificate_arn=assets.certificate_arn,
                            replica_kms_key_id=secondary.kms["s3"].key_arn, replica_provider=self.secondary,
                            prevent_destroy=self.config.is_production)

    def _credentials(self) -> DatabaseCredentials:
        """The master password (generated or given), in a secret replicated to the secondary region."""
        primary, secondary = self.regions["primary"], self.regions["secondary"]
        return DatabaseCredentials(
            self, "db-credentials", name=f"{self.names.prefix}-db-master", username="luneo_admin",
            database_name="luneo", kms_key_arn=primary.kms["secrets"].key_arn,
            replica_region=secondary.region.name, replica_kms_key_arn=secondary.kms["secrets"].key_arn,
            password="${var.db_master_password}" if self.db_master_password else None,
            version=self.config.database.master_password_version, prevent_destroy=self.config.is_production)

    def _database_with_replica(self) -> None:
        """RDS PostgreSQL in the primary region, an encrypted read replica in the secondary."""
        config, db, prod = self.config, self.config.database, self.config.is_production
        primary, secondary = self.regions["primary"], self.regions["secondary"]
        self.database = PostgresDatabase(
            self, "postgres", name=f"{self.names.prefix}-db", vpc_id=primary.network.vpc_id,
            subnet_ids=primary.network.database_subnets, database_name="luneo", master_username="luneo_admin",
            master_password=self.credentials.password, master_password_version=self.credentials.version,
            instance_class=db.primary_instance_class,
            allocated_storage=db.allocated_storage, backup_retention_period=db.backup_retention_period,
            backup_window=db.backup_window,
            kms_key_arn=config.existing_encryption.key_for("db", primary.kms["rds"].key_arn),
            logs_kms_key_arn=primary.kms["logs"].key_arn,
            allowed_security_group_ids=[primary.eks.node_security_group_id], multi_az=db.multi_az,
            deletion_protection=True, prevent_destroy=prod)
        self.database_replica = PostgresReadReplica(
            self, "postgres-replica", name=f"{self.names.prefix}-db-replica", source_db_arn=self.database.arn,
            vpc_id=secondary.network.vpc_id, subnet_ids=secondary.network.database_subnets,
            instance_class=db.replica_instance_class, kms_key_arn=secondary.kms["rds"].key_arn,
            backup_retention_period=db.backup_retention_period, logs_kms_key_arn=secondary.kms["logs"].key_arn,
            allowed_security_group_ids=[secondary.eks.node_security_group_id], prevent_destroy=prod,
            promoted=db.replica_promoted, multi_az=db.replica_promoted and db.multi_az, provider=self.secondary)

    def _aurora_global_database(self) -> None:
        """Aurora PostgreSQL Global Database: writer cluster in the primary, reader in the secondary."""
        db = self.config.database
        sides = {role: AuroraRegion(
            vpc_id=foundation.network.vpc_id, subnet_ids=foundation.network.database_subnets,
            kms_key_arn=foundation.kms["rds"].key_arn,
            allowed_security_group_ids=[foundation.eks.node_security_group_id],
            logs_kms_key_arn=foundation.kms["logs"].key_arn, provider=foundation.provider)
            for role, foundation in self.regions.items()}
        self.aurora = AuroraGlobalDatabase(
            self, "aurora", name=f"{self.names.prefix}-db", database_name="luneo", master_username="luneo_admin",
            master_password=self.credentials.password, master_password_version=self.credentials.version,
            instance_class=db.primary_instance_class,
            secondary_instance_class=db.replica_instance_class, instances=2 if db.multi_az else 1,
            backup_retention_period=db.backup_retention_period, backup_window=db.backup_window,
            primary=sides["primary"], secondary=sides["secondary"], prevent_destroy=self.config.is_production)

    def _redis(self) -> RedisCluster:
        primary, redis = self.regions["primary"], self.config.redis
        return RedisCluster(
            self, "redis", name=f"{self.names.prefix}-redis", vpc_id=primary.network.vpc_id,
            subnet_ids=primary.network.database_subnets, node_type=redis.node_type,
            num_cache_clusters=redis.num_cache_clusters, automatic_failover_enabled=redis.replicated,
            multi_az_enabled=redis.replicated,
            kms_key_arn=self.config.existing_encryption.key_for("redis", primary.kms["redis"].key_arn),
            logs_kms_key_arn=primary.kms["logs"].key_arn,
            allowed_security_group_ids=[primary.eks.node_security_group_id],
            prevent_destroy=self.config.is_production)

    def _redis_secondary(self) -> RedisCluster:
        """A Global Datastore: the cache's read-only copy in the secondary region, promoted in a failover."""
        secondary, redis = self.regions["secondary"], self.config.redis
        datastore = RedisGlobalDatastore(self, "redis-global", primary=self.redis)
        return RedisCluster(
            self, "redis-secondary", name=f"{self.names.prefix}-redis-secondary", vpc_id=secondary.network.vpc_id,
            subnet_ids=secondary.network.database_subnets, node_type=redis.node_type,
            num_cache_clusters=redis.num_cache_clusters, global_replication_group_id=datastore.id,
            automatic_failover_enabled=redis.replicated, multi_az_enabled=redis.replicated,
            kms_key_arn=secondary.kms["redis"].key_arn, logs_kms_key_arn=secondary.kms["logs"].key_arn,
            allowed_security_group_ids=[secondary.eks.node_security_group_id],
            prevent_destroy=self.config.is_production, provider=self.secondary)

    def _secondary_repositories(self) -> dict[str, EcrRepository]:
        """The secondary region's copies of the repositories, which the registry's replication
        (luneo-bootstrap) fills: same names, that region's key, the same lifecycle and scanning (ECR
        replicates images, not repository settings), so the secondary cluster pulls locally."""
        key = self.regions["secondary"].kms["ecr"].key_arn
        return {
            repository: EcrRepository(self, f"ecr-{repository.removeprefix('luneo-')}-secondary",
                                      repository_name=self.names.ecr_repository(repository), scan_on_push=True,
                                      kms_key_arn=key, prevent_destroy=self.config.is_production,
                                      provider=self.secondary)
            for repository in ECR_REPOSITORIES
        }

    def _repositories(self) -> dict[str, EcrRepository]:
        existing = self.config.existing_encryption
        aes256 = existing.ecr == "default"  # created with AES256: ECR cannot change it in place
        key = self.regions["primary"].kms["ecr"].key_arn
        return {
            repository: EcrRepository(self, f"ecr-{repository.removeprefix('luneo-')}",
                                      repository_name=self.names.ecr_repository(repository), scan_on_push=True,
                                      encryption_type="AES256" if aes256 else "KMS",
                                      kms_key_arn=None if aes256 else existing.key_for("ecr", key),
                                      prevent_destroy=self.config.is_production)
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
            zone_id = DataAwsRoute53Zone(self, "dns-zone", name=dns.zone_name, private_zone=False,
                                         provider=in_us_east_1).zone_id
        return FailoverDns(self, "dns", primary_hostname=dns.primary_ingress_hostname,
                           secondary_hostname=dns.secondary_ingress_hostname, zone_id=zone_id,
                           record_name=dns.record_name, health_check_path=dns.health_check_path,
                           force_failover=dns.force_failover, provider=in_us_east_1, metrics_provider=in_us_east_1)

    def _alarms(self) -> None:
        """The thresholds and topics; the metrics (and their names) come from the constructs."""
        topics = {role: foundation.alarm_topic.topic_arn for role, foundation in self.regions.items()}
        self._database_alarms(topics)
        if self.assets.replication is not None:
            self.assets.replication.metric_replication_latency().alarm(
                self, "alarm-s3-replication-latency", name=f"{self.assets.primary.name}-replication-latency",
                threshold=900, topic_arn=topics["primary"],
                description="assets replication slower than the 15-minute Replication Time Control target")
        caches = [(self.redis, "redis", topics["primary"])]
        if self.redis_secondary is not None:
            caches.append((self.redis_secondary, "redis-secondary", topics["secondary"]))
        for cache, prefix, topic in caches:
            for member in cache.member_cluster_ids:
                index = member.removeprefix(f"{cache.name}-")
                cache.metric_engine_cpu_utilization(member).alarm(
                    self, f"alarm-{prefix}-{index}-cpu", name=f"{member}-cpu", threshold=80, topic_arn=topic,
                    description="Redis engine CPU above 80% for 15 minutes")
                cache.metric_memory_usage(member).alarm(
                    self, f"alarm-{prefix}-{index}-memory", name=f"{member}-memory", threshold=80, topic_arn=topic,
                    description="Redis memory above 80% of maxmemory")
                if cache is self.redis_secondary:  # what a failover of the cache would lose (its RPO)
                    cache.metric_global_replication_lag(member).alarm(
                        self, f"alarm-{prefix}-{index}-replication-lag", name=f"{member}-replication-lag",
                        threshold=60, evaluation_periods=5, topic_arn=topic, treat_missing_data="notBreaching",
                        description="Global Datastore: us-east-1 more than a minute behind the primary region")
        if self.dns is not None:
            us_east_1: Role = "primary" if self.config.network.primary.name == "us-east-1" else "secondary"
            for role in ROLES:
                self.dns.metric_health_check_status(role).alarm(
                    self, f"alarm-health-{role}", name=f"{self.names.prefix}-health-{role}", comparison="<",
                    threshold=1, evaluation_periods=2, topic_arn=topics[us_east_1], treat_missing_data="breaching",
                    description=f"{role} ingress failing its Route53 HTTPS health check")

    def _database_alarms(self, topics: Mapping[Role, str]) -> None:
        """Database load and storage (primary region), and how far the secondary copy lags behind."""
        db_config = self.config.database
        if self.database is not None:
            db = self.database
            db.metric_cpu_utilization().alarm(self, "alarm-db-cpu", name=f"{db.name}-cpu", threshold=80,
                                              topic_arn=topics["primary"],
                                              description="RDS CPU above 80% for 15 minutes")
            db.metric_free_storage_space().alarm(
                self, "alarm-db-free-storage", name=f"{db.name}-free-storage", comparison="<",
                threshold=int(db_config.allocated_storage * 0.1 * 1024 ** 3), topic_arn=topics["primary"],
                description="RDS free storage below 10% of db_allocated_storage")
            if self.database_replica is not None and not db_config.replica_promoted:  # promoted: no lag to report
                self.database_replica.metric_replica_lag().alarm(
                    self, "alarm-db-replica-lag", name=f"{self.database_replica.name}-lag", threshold=300,
                    topic_arn=topics["secondary"], treat_missing_data="breaching",
                    description="us-east-1 read replica more than 5 minutes behind (or not reporting)")
        if self.aurora is not None:
            aurora = self.aurora
            aurora.metric_cpu_utilization().alarm(self, "alarm-db-cpu", name=f"{aurora.name}-cpu", threshold=80,
                                                  topic_arn=topics["primary"],
                                                  description="Aurora primary cluster CPU above 80% for 15 minutes")
            aurora.metric_free_local_storage().alarm(
                self, "alarm-db-free-storage", name=f"{aurora.name}-free-storage", comparison="<",
                threshold=5 * 1024 ** 3, topic_arn=topics["primary"], description="Aurora local storage below 5 GiB")
            aurora.metric_global_replication_lag().alarm(
                self, "alarm-db-replica-lag", name=f"{aurora.name}-replica-lag", threshold=60000,
                topic_arn=topics["secondary"], treat_missing_data="breaching",
                description="Aurora global replication lag above 60 s (or not reporting)")

    def _outputs(self) -> None:
        """What operators and the runbooks need after an apply (`terraform output`)."""
        primary, secondary = self.regions["primary"], self.regions["secondary"]
        outputs: dict[str, str | None] = {
            "vpc_id": primary.network.vpc_id,
            "vpc_secondary_id": secondary.network.vpc_id,
            "eks_primary_cluster_name": primary.eks.cluster_name,
            "eks_secondary_cluster_name": secondary.eks.cluster_name,
            "eks_primary_oidc_provider_arn": primary.eks.oidc_provider_arn,
            "eks_secondary_oidc_provider_arn": secondary.eks.oidc_provider_arn,
            "assets_bucket_name": self.assets.bucket_name,
            "assets_replica_bucket_name": self.assets.replica_bucket_name,
            "assets_distribution_id": self.assets.distribution_id,
            "assets_distribution_domain_name": self.assets.distribution_domain_name,
            "redis_endpoint": self.redis.endpoint,
            "redis_reader_endpoint": self.redis.reader_endpoint,
            "redis_app_user_name": self.redis.app_user_name,
            "alarm_topic_arn": primary.alarm_topic.topic_arn,
            "alarm_topic_secondary_arn": secondary.alarm_topic.topic_arn,
        }
        outputs.update(self._database_outputs())
        outputs.update(db_master_secret_arn=self.credentials.secret_arn,
                       db_master_secret_name=self.credentials.secret_name)
        if self.dns is not None:
            outputs.update(primary_health_check_id=self.dns.primary_health_check_id,
                           secondary_health_check_id=self.dns.secondary_health_check_id)
            if self.dns.record_fqdn is not None:
                outputs["failover_record_fqdn"] = self.dns.record_fqdn
        for repository, ecr in self.ecr.items():
            short = repository.removeprefix('luneo-').replace('-', '_')
            outputs[f"ecr_{short}_url"] = ecr.repository_url
            outputs[f"ecr_{short}_secondary_url"] = self.ecr_secondary[repository].repository_url
        if self.redis_secondary is not None:
            outputs.update(redis_secondary_reader_endpoint=self.redis_secondary.reader_endpoint,
                           redis_global_datastore_id=self.redis_secondary.replication_group.global_replication_group_id)
        for purpose, key in primary.kms.items():
            outputs[f"kms_{purpose}_key_arn"] = key.key_arn
        for name, value in outputs.items():
            TerraformOutput(self, name, value=value)

    def _database_outputs(self) -> dict[str, str | None]:
        if self.database is not None and self.database_replica is not None:
            outputs: dict[str, str | None] = dict(db_endpoint=self.database.endpoint, db_identifier=self.database.identifier,
                           db_replica_endpoint=self.database_replica.endpoint,
                           db_replica_identifier=self.database_replica.identifier,
                           db_replica_arn=self.database_replica.arn)
            return outputs
        assert self.aurora is not None
        return dict(db_endpoint=self.aurora.endpoint, db_reader_endpoint=self.aurora.reader_endpoint,
                    db_global_cluster_id=self.aurora.global_cluster_id,
                    db_primary_cluster_id=self.aurora.primary_cluster_id,
                    db_secondary_cluster_id=self.aurora.secondary_cluster_id,
                    db_secondary_reader_endpoint=self.aurora.secondary_reader_endpoint)


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

    def __init__(self, scope: Construct, config: BootstrapConfig,
                 environments: Sequence[EnvironmentConfig] = ()) -> None:
        super().__init__(scope, config.stack_name)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        LocalBackend(self, path="terraform.tfstate")
        regions = sorted({backend.region for backend in config.backends}
                         | {c.network.primary.name for c in environments})
        regions += [config.replica_region] if config.replica_region not in regions else []
        self.providers: dict[str, AwsProvider] = {}
        for i, region in enumerate(regions):
            self.providers[region] = AwsProvider(
                self, "aws" if i == 0 else f"aws-{region}", region=region, alias=None if i == 0 else region,
                default_tags=[AwsProviderDefaultTags(tags={"Project": "luneo", "ManagedBy": "cdktf",
                                                           "Environment": "global"})])
        self.backends = [self._backend(config, backend) for backend in config.backends]
        self._image_replication(environments)

    def _provider(self, region: str) -> AwsProvider:
        return self.providers[region]

    def _backend(self, config: BootstrapConfig, backend: BackendLocation) -> StateBackend:
        bucket, provider = backend.bucket, self._provider(backend.region)
        replica_provider = self._provider(config.replica_region)
        key = KmsKey(self, f"kms-{bucket}", name=f"{bucket}", description=f"Terraform state in {bucket}",
                     allowed_services=["s3.amazonaws.com", "dynamodb.amazonaws.com"], prevent_destroy=True,
                     provider=provider)
        replica_key = KmsKey(self, f"kms-{bucket}-replica", name=f"{bucket}",
                             description=f"Terraform state in {bucket} ({config.replica_region} copy)",
                             allowed_services=["s3.amazonaws.com", "dynamodb.amazonaws.com"], prevent_destroy=True,
                             provider=replica_provider)
        state = StateBackend(
            self, bucket, bucket_name=bucket, table_name=backend.lock_table, kms_key_arn=key.key_arn,
            adopt_existing=config.adopt_existing,
            noncurrent_version_expiration_days=config.noncurrent_version_expiration_days,
            replica_provider=replica_provider, replica_region=config.replica_region,
            replica_kms_key_arn=replica_key.key_arn,
            replica_bucket_name=replica_bucket_name(bucket, config.replica_region), provider=provider)
        TerraformOutput(self, f"{bucket}-bucket-arn", value=state.bucket_arn)
        TerraformOutput(self, f"{bucket}-lock-table-arn", value=state.table_arn)
        TerraformOutput(self, f"{bucket}-replica-bucket-arn", value=state.replica_bucket_arn)
        return state

    def _image_replication(self, environments: Sequence[EnvironmentConfig]) -> None:
        """One rule per source region: every environment's repositories (by name prefix) to its
        secondary region, in this account."""
        by_source: dict[str, tuple[set[str], set[str]]] = {}
        for environment in environments:
            names = EnvironmentNames(environment.environment, environment.is_production)
            prefixes, destinations = by_source.setdefault(environment.network.primary.name, (set(), set()))
            prefixes.add(names.ecr_repository("luneo-"))
            destinations.add(environment.network.secondary.name)
        for source, (prefixes, destinations) in sorted(by_source.items()):
            provider = self._provider(source)
            account = account_context(self, provider)
            EcrReplicationConfiguration(self, f"ecr-replication-{source}", provider=provider,
                                        replication_configuration=EcrReplicationConfigurationReplicationConfiguration(
                rule=[EcrReplicationConfigurationReplicationConfigurationRule(
                    destination=[EcrReplicationConfigurationReplicationConfigurationRuleDestination(
                        region=region, registry_id=account.account_id) for region in sorted(destinations)],
                    repository_filter=[EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter(
                        filter=prefix, filter_type="PREFIX_MATCH") for prefix in sorted(prefixes)])]))


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
        add_policy(BootstrapStack(app, bootstrap, configs))
    return app
