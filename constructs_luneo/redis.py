"""ElastiCache Redis (replaces `modules/redis`).

HCL it replaces::

    module "redis" {
      source                     = "../../modules/redis"
      name                       = "luneo-prod-redis"
      vpc_id                     = module.vpc.vpc_id
      subnet_ids                 = module.vpc.private_subnets
      node_type                  = "cache.r6g.large"
      num_cache_clusters         = 2
      automatic_failover_enabled = true
      multi_az_enabled           = true
      tags                       = { Environment = "prod" }
    }

Python::

    RedisCluster(stack, "redis", name="luneo-prod-redis", vpc_id=vpc.vpc_id, subnet_ids=vpc.database_subnets,
                 node_type="cache.r6g.large", num_cache_clusters=2, automatic_failover_enabled=True,
                 multi_az_enabled=True, kms_key_arn=redis_key.key_arn, tags={"Environment": "prod"})
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.elasticache_global_replication_group import ElasticacheGlobalReplicationGroup
from cdktf_cdktf_provider_aws.elasticache_replication_group import (
    ElasticacheReplicationGroup,
    ElasticacheReplicationGroupLogDeliveryConfiguration,
)
from cdktf_cdktf_provider_aws.elasticache_subnet_group import ElasticacheSubnetGroup
from cdktf_cdktf_provider_aws.elasticache_user import ElasticacheUser
from cdktf_cdktf_provider_aws.elasticache_user_group import ElasticacheUserGroup
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from .config.variables import default
from .monitoring import Metric
from .support.common import check_sources, construct_label, ingress_security_group, is_token, lifecycle, require
from .support.patterns import CACHE_TYPE

NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # room for the "-default" user id (40 max)
USER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # room for the "-default" user id (40 max)
PORT = 6379


class RedisCluster(Construct):
    """A Redis replication group (cluster mode off): encrypted at rest and in transit, IAM-authenticated.

    Arguments (the HCL module's names first):
      name: replication group id, e.g. "luneo-prod-redis" (required, at most 32 characters).
      vpc_id, subnet_ids: where it lives (required).
      node_type: e.g. "cache.r6g.large" (required).
      num_cache_clusters: 1-6 nodes, one primary plus replicas.
      automatic_failover_enabled: promote a replica when the primary fails (default True; needs 2+ nodes).
      multi_az_enabled: spread nodes over AZs (default True; needs automatic failover).
      tags: extra tags.
      engine_version: Redis OSS version (default "7.1").
      kms_key_arn: key for data at rest (default None: the AWS-managed key; the stacks pass the Redis key).
      app_user_name: the RBAC user applications connect as, authenticated with IAM
        (`elasticache:Connect`), so there is no password at all (default "<name>-app"). The built-in
        `default` user is switched off.
      allowed_security_group_ids, allowed_cidr_blocks: who may connect on 6379 (default: nobody).
      snapshot_retention_limit: days of daily snapshots (default 7). snapshot_window: default
        "03:00-04:00" UTC. maintenance_window: default "sun:06:30-sun:07:30".
      logs_kms_key_arn, log_retention_in_days: the slow-log log group's key and retention (365).
      global_replication_group_id: make this the read-only secondary of a Global Datastore (default
        None): engine, node type and encryption then come from the primary. AWS copies the primary's
        Multi-AZ and automatic failover to a secondary, so pass the primary's values for those two:
        the provider's default (false) would plan a change AWS refuses, on every plan after the
        first (hashicorp/terraform-provider-aws#38557).
      prevent_destroy: Terraform lifecycle guard. provider: the AWS provider (region).

    Attributes: name, endpoint (primary), reader_endpoint, port, security_group_id, arn, app_user_name,
    member_cluster_ids, replication_group (the resource).
    Metrics (per node): metric_engine_cpu_utilization(id), metric_memory_usage(id),
    metric_global_replication_lag(id) (a Global Datastore secondary).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        node_type: str,
        num_cache_clusters: int = default("redis_num_cache_clusters"),
        automatic_failover_enabled: bool = True,
        multi_az_enabled: bool = True,
        tags: Mapping[str, str] | None = None,
        engine_version: str = "7.1",
        kms_key_arn: str | None = None,
        app_user_name: str | None = None,
        allowed_security_group_ids: Sequence[str] = (),
        allowed_cidr_blocks: Sequence[str] = (),
        snapshot_retention_limit: int = 7,
        snapshot_window: str = "03:00-04:00",
        maintenance_window: str = "sun:06:30-sun:07:30",
        logs_kms_key_arn: str | None = None,
        log_retention_in_days: int = 365,
        global_replication_group_id: str | None = None,
        prevent_destroy: bool = False,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(RedisCluster, scope, id)
        app_user_name = app_user_name or f"{name}-app"
        _check(
            who,
            name,
            subnet_ids,
            node_type,
            num_cache_clusters,
            automatic_failover_enabled,
            multi_az_enabled,
            snapshot_retention_limit,
            app_user_name,
        )
        check_sources(who, allowed_security_group_ids, allowed_cidr_blocks)
        super().__init__(scope, id)
        self.name, self.provider, self.num_cache_clusters = name, provider, num_cache_clusters
        self.engine_version, self.node_type = engine_version, node_type
        tags = dict(tags or {})

        self.subnet_group = self._subnet_group(subnet_ids, tags)
        self.security_group = self._security_group(vpc_id, allowed_security_group_ids, allowed_cidr_blocks, tags)
        self.user_group = self._users(app_user_name, tags)
        slow_log = self._slow_log(logs_kms_key_arn, log_retention_in_days, tags, prevent_destroy)
        self.replication_group = ElasticacheReplicationGroup(
            self,
            "replication-group",
            replication_group_id=name,
            description=f"{name} (Redis {engine_version})",
            num_cache_clusters=num_cache_clusters,
            **_engine(
                engine_version, node_type, automatic_failover_enabled, multi_az_enabled, global_replication_group_id
            ),
            port=PORT,
            subnet_group_name=self.subnet_group.name,
            security_group_ids=[self.security_group.id],
            kms_key_id=kms_key_arn,
            user_group_ids=[self.user_group.user_group_id],
            snapshot_retention_limit=snapshot_retention_limit,
            snapshot_window=snapshot_window,
            maintenance_window=maintenance_window,
            final_snapshot_identifier=f"{name}-final",
            apply_immediately=False,
            log_delivery_configuration=[
                ElasticacheReplicationGroupLogDeliveryConfiguration(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            tags=tags or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        self._expose(app_user_name)

    def _expose(self, app_user_name: str) -> None:
        self.endpoint: str = self.replication_group.primary_endpoint_address
        self.reader_endpoint: str = self.replication_group.reader_endpoint_address
        self.port: int = PORT
        self.arn: str = self.replication_group.arn
        self.security_group_id: str = self.security_group.id
        self.app_user_name: str = app_user_name

    def _subnet_group(self, subnet_ids: Sequence[str], tags: dict[str, str]) -> ElasticacheSubnetGroup:
        return ElasticacheSubnetGroup(
            self,
            "subnet-group",
            name=self.name,
            description=f"{self.name} subnets",
            subnet_ids=subnet_ids,
            tags=tags or None,
            provider=self.provider,
        )

    def _security_group(
        self,
        vpc_id: str,
        allowed_security_group_ids: Sequence[str],
        allowed_cidr_blocks: Sequence[str],
        tags: dict[str, str],
    ) -> SecurityGroup:
        """Who may connect: the allowed security groups and CIDR blocks, on the Redis port only."""
        return ingress_security_group(
            self,
            "security-group",
            name=f"{self.name}-redis",
            description=f"Redis {self.name}: {PORT} from allowed sources",
            vpc_id=vpc_id,
            port=PORT,
            allowed_security_group_ids=allowed_security_group_ids,
            allowed_cidr_blocks=allowed_cidr_blocks,
            tags=tags,
            provider=self.provider,
        )

    def _slow_log(
        self, kms_key_arn: str | None, retention_in_days: int, tags: dict[str, str], prevent_destroy: bool
    ) -> CloudwatchLogGroup:
        """The log group ElastiCache delivers the slow log to."""
        return CloudwatchLogGroup(
            self,
            "slow-log",
            name=f"/aws/elasticache/{self.name}/slow-log",
            retention_in_days=retention_in_days,
            kms_key_id=kms_key_arn,
            tags=tags or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=self.provider,
        )

    def _users(self, app_user_name: str, tags: dict[str, str]) -> ElasticacheUserGroup:
        """RBAC: the mandatory `default` user is switched off; applications use an IAM-authenticated
        user, so no AUTH token or password exists anywhere (JSON, state or environment)."""
        default_user = ElasticacheUser(
            self,
            "default-user",
            user_id=f"{self.name}-default",
            user_name="default",
            engine="redis",
            access_string="off -@all",
            authentication_mode={"type": "no-password-required"},
            tags=tags or None,
            provider=self.provider,
        )
        app_user = ElasticacheUser(
            self,
            "app-user",
            user_id=app_user_name,
            user_name=app_user_name,
            engine="redis",
            access_string="on ~* +@all -@dangerous",
            authentication_mode={"type": "iam"},
            tags=tags or None,
            provider=self.provider,
        )
        return ElasticacheUserGroup(
            self,
            "user-group",
            user_group_id=self.name,
            engine="redis",
            user_ids=[default_user.user_id, app_user.user_id],
            tags=tags or None,
            provider=self.provider,
        )

    @property
    def member_cluster_ids(self) -> list[str]:
        """The node (cache cluster) ids ElastiCache gives the replication group's members: <name>-001..."""
        return [f"{self.name}-{i:03d}" for i in range(1, self.num_cache_clusters + 1)]

    def metric_engine_cpu_utilization(self, member_cluster_id: str) -> Metric:
        """The Redis engine thread's CPU on one node."""
        return Metric(
            "AWS/ElastiCache", "EngineCPUUtilization", {"CacheClusterId": member_cluster_id}, provider=self.provider
        )

    def metric_memory_usage(self, member_cluster_id: str) -> Metric:
        """Memory used, as a percentage of maxmemory, on one node."""
        return Metric(
            "AWS/ElastiCache",
            "DatabaseMemoryUsagePercentage",
            {"CacheClusterId": member_cluster_id},
            provider=self.provider,
        )

    def metric_global_replication_lag(self, member_cluster_id: str) -> Metric:
        """A Global Datastore secondary's lag behind the primary region, in seconds, the worst of each
        minute. ElastiCache publishes GlobalDatastoreReplicationLag ("the lag between the secondary
        Region's primary node and the primary Region's primary node") on the secondary's primary
        node only, so the other members have no data (ElastiCache host-level metrics,
        https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html)."""
        return Metric(
            "AWS/ElastiCache",
            "GlobalDatastoreReplicationLag",
            {"CacheClusterId": member_cluster_id},
            statistic="Maximum",
            period=60,
            provider=self.provider,
        )


def _engine(
    engine_version: str,
    node_type: str,
    automatic_failover_enabled: bool,
    multi_az_enabled: bool,
    global_replication_group_id: str | None,
) -> dict[str, Any]:
    """The replication group's engine, node type, encryption and failover arguments."""
    # A global datastore's secondary takes engine, node type and encryption from the primary and
    # refuses them (rule LUNEO-AWS-12). It inherits Multi-AZ and failover too ("the secondary cluster
    # inherits the Multi-AZ and automatic failover settings from the primary cluster",
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html),
    # which the provider reads back: stating them keeps the next plan empty.
    inherited = dict(automatic_failover_enabled=automatic_failover_enabled, multi_az_enabled=multi_az_enabled)
    if global_replication_group_id is not None:
        return dict(global_replication_group_id=global_replication_group_id, **inherited)
    return dict(
        engine="redis",
        # A member of a Global Datastore reports false whatever is set, so the member's own value would
        # show in every plan and be rejected: not on a secondary, and RedisGlobalDatastore resets it on
        # the primary (rule LUNEO-AWS-21).
        auto_minor_version_upgrade="true",  # a string in this provider version
        engine_version=engine_version,
        node_type=node_type,
        **inherited,
        at_rest_encryption_enabled="true",  # a string in this provider version
        transit_encryption_enabled=True,
        transit_encryption_mode="required",
    )


def _check(
    who: str,
    name: Any,
    subnet_ids: Any,
    node_type: Any,
    num_cache_clusters: Any,
    automatic_failover_enabled: bool,
    multi_az_enabled: bool,
    snapshot_retention_limit: Any,
    app_user_name: str,
) -> None:
    require(
        isinstance(name, str) and bool(NAME.match(name)) and "--" not in name and not name.endswith("-"),
        who,
        "name",
        "1-32 lowercase letters, digits or single hyphens, starting with a letter",
        name,
    )
    require(
        not isinstance(subnet_ids, str) and (is_token(subnet_ids) or len(list(subnet_ids)) >= 1),
        who,
        "subnet_ids",
        "a list of subnet ids",
        subnet_ids,
    )
    require(
        isinstance(node_type, str) and bool(CACHE_TYPE.match(node_type)),
        who,
        "node_type",
        'an ElastiCache node type such as "cache.r6g.large"',
        node_type,
    )
    require(
        isinstance(num_cache_clusters, int)
        and not isinstance(num_cache_clusters, bool)
        and 1 <= num_cache_clusters <= 6,
        who,
        "num_cache_clusters",
        "a whole number from 1 to 6",
        num_cache_clusters,
    )
    require(
        not automatic_failover_enabled or num_cache_clusters >= 2,
        who,
        "automatic_failover_enabled",
        f"false with num_cache_clusters = {num_cache_clusters} (failover needs a replica)",
        automatic_failover_enabled,
    )
    require(
        not multi_az_enabled or automatic_failover_enabled,
        who,
        "multi_az_enabled",
        "false unless automatic_failover_enabled is true (an ElastiCache rule)",
        multi_az_enabled,
    )
    require(
        isinstance(snapshot_retention_limit, int) and 1 <= snapshot_retention_limit <= 35,
        who,
        "snapshot_retention_limit",
        "1-35 days",
        snapshot_retention_limit,
    )
    require(
        bool(USER_NAME.match(app_user_name)) and app_user_name != "default",
        who,
        "app_user_name",
        "1-40 lowercase letters, digits or hyphens, not 'default'",
        app_user_name,
    )


class RedisGlobalDatastore(Construct):
    """An ElastiCache Global Datastore around a primary RedisCluster: a secondary RedisCluster in
    another region joins it (`RedisCluster(..., global_replication_group_id=datastore.id)`) and
    receives every write, read-only until it is promoted (docs/DISASTER_RECOVERY.md).

    Arguments: primary (the RedisCluster, required), suffix (the datastore's name; AWS prefixes it
    with a region code, default: the primary's name), provider (the primary's region).
    Attributes: id (the global replication group id, for the secondary), global_group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        primary: RedisCluster,
        suffix: str | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._membership(primary)
        self.global_group = ElasticacheGlobalReplicationGroup(
            self,
            "datastore",
            global_replication_group_id_suffix=suffix or primary.name,
            global_replication_group_description=f"{primary.name}: a copy in a second region",
            primary_replication_group_id=primary.replication_group.id,
            # Once a member, the primary changes version and node type only through the global group,
            # which changes every member (provider: "the Global Replication Group manages the version
            # of all member replication groups"; a member's own change is "Request rejected", #19929).
            engine_version=primary.engine_version,
            cache_node_type=primary.node_type,
            provider=provider,
            # A promotion (failover-global-replication-group, docs/DISASTER_RECOVERY.md) changes the primary
            # outside Terraform; provider 5.100 would then replace the datastore to change it back
            # (hashicorp/terraform-provider-aws#46121). The primary is chosen once, at creation.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["primary_replication_group_id"]),
        )
        self.id: str = self.global_group.global_replication_group_id

    @staticmethod
    def _membership(primary: RedisCluster) -> None:
        """The primary as a member: no auto_minor_version_upgrade of its own (AWS reports false on
        members: hashicorp/terraform-provider-aws#24919), its version and node type left to the global
        group."""
        group = primary.replication_group
        group.reset_auto_minor_version_upgrade()
        group.add_override("lifecycle.ignore_changes", ["engine_version", "node_type"])
