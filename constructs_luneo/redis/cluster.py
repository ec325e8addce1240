"""RedisCluster: a replication group with its subnet group, security group, RBAC users and slow log."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.elasticache_replication_group import (
    ElasticacheReplicationGroup,
    ElasticacheReplicationGroupLogDeliveryConfiguration,
)
from cdktf_cdktf_provider_aws.elasticache_subnet_group import ElasticacheSubnetGroup
from cdktf_cdktf_provider_aws.elasticache_user import ElasticacheUser
from cdktf_cdktf_provider_aws.elasticache_user_group import ElasticacheUserGroup
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from ..config.variables import default
from ..eks.workload import Permission, WorkloadIdentity
from ..monitoring import Metric
from ..support.common import check_sources, construct_label, ingress_security_group, lifecycle, require
from .checks import check_arguments

#: An IAM-authenticated user's id (which is also its name): ElastiCache user ids are 1-40 characters.
USER_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
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
      (RBAC: the built-in `default` user is switched off; each workload connects as its own
        IAM-authenticated user, which grant_connect() creates, so there is no password at all.)
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

    Attributes: name, endpoint (primary), reader_endpoint, port, security_group_id, arn, users (user id
    -> its aws_elasticache_user), member_cluster_ids, replication_group (the resource).
    Methods: grant_connect(identity, user_id): the workload's own IAM-authenticated user, in the user
    group, and `elasticache:Connect` on the replication group and that user.
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
        check_arguments(
            who,
            name,
            subnet_ids,
            node_type,
            num_cache_clusters,
            automatic_failover_enabled,
            multi_az_enabled,
            snapshot_retention_limit,
        )
        check_sources(who, allowed_security_group_ids, allowed_cidr_blocks)
        super().__init__(scope, id)
        self.name, self.provider, self.num_cache_clusters = name, provider, num_cache_clusters
        self.engine_version, self.node_type = engine_version, node_type
        tags = dict(tags or {})
        self.tags = tags
        self.users: dict[str, ElasticacheUser] = {}

        self.subnet_group = self._subnet_group(subnet_ids, tags)
        self.security_group = self._security_group(vpc_id, allowed_security_group_ids, allowed_cidr_blocks, tags)
        self.user_group = self._users(tags)
        slow_log = self._slow_log(logs_kms_key_arn, log_retention_in_days, tags, prevent_destroy)
        self.replication_group = self._replication_group(
            _engine(
                engine_version, node_type, automatic_failover_enabled, multi_az_enabled, global_replication_group_id
            ),
            kms_key_arn=kms_key_arn,
            snapshots=(snapshot_retention_limit, snapshot_window),
            maintenance_window=maintenance_window,
            slow_log=slow_log.name,
            prevent_destroy=prevent_destroy,
        )
        self._expose()

    def _replication_group(
        self,
        engine: dict[str, Any],
        *,
        kms_key_arn: str | None,
        snapshots: tuple[int, str],
        maintenance_window: str,
        slow_log: str,
        prevent_destroy: bool,
    ) -> ElasticacheReplicationGroup:
        """The replication group: `engine` is its engine, node type, failover and Global Datastore
        membership (_engine); snapshots are (retention in days, window)."""
        name = self.name
        return ElasticacheReplicationGroup(
            self,
            "replication-group",
            replication_group_id=name,
            description=f"{name} (Redis {self.engine_version})",
            num_cache_clusters=self.num_cache_clusters,
            **engine,
            port=PORT,
            subnet_group_name=self.subnet_group.name,
            security_group_ids=[self.security_group.id],
            kms_key_id=kms_key_arn,
            user_group_ids=[self.user_group.user_group_id],
            snapshot_retention_limit=snapshots[0],
            snapshot_window=snapshots[1],
            maintenance_window=maintenance_window,
            final_snapshot_identifier=f"{name}-final",
            apply_immediately=False,
            log_delivery_configuration=[
                ElasticacheReplicationGroupLogDeliveryConfiguration(
                    destination=slow_log,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            tags=self.tags or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=self.provider,
        )

    def _expose(self) -> None:
        self.endpoint: str = self.replication_group.primary_endpoint_address
        self.reader_endpoint: str = self.replication_group.reader_endpoint_address
        self.port: int = PORT
        self.arn: str = self.replication_group.arn
        self.security_group_id: str = self.security_group.id

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

    def _users(self, tags: dict[str, str]) -> ElasticacheUserGroup:
        """RBAC: the mandatory `default` user is switched off; workloads connect as IAM-authenticated
        users of their own (grant_connect), so no AUTH token or password exists anywhere."""
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
        self._default_user_id = default_user.user_id
        return ElasticacheUserGroup(
            self,
            "user-group",
            user_group_id=self.name,
            engine="redis",
            user_ids=[default_user.user_id],
            tags=tags or None,
            provider=self.provider,
        )

    def grant_connect(self, identity: WorkloadIdentity, user_id: str) -> IamRolePolicy:
        """`user_id` (an IAM-authenticated user, its name the same, as IAM authentication requires) in the
        user group, and the identity's `elasticache:Connect` on this replication group and that user only
        ("grant the elasticache:Connect action to the ElastiCache cache and ElastiCache user",
        https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html)."""
        require(
            bool(USER_ID.match(user_id)),
            construct_label(RedisCluster, self, ""),
            "user_id",
            "1-40 lowercase letters, digits or '-'",
            user_id,
        )
        user = self.users.get(user_id) or ElasticacheUser(
            self,
            f"user-{user_id}",
            user_id=user_id,
            user_name=user_id,
            engine="redis",
            access_string="on ~* +@all -@dangerous",
            authentication_mode={"type": "iam"},
            tags=self.tags or None,
            provider=self.provider,
        )
        self.users[user_id] = user
        self.user_group.user_ids = [self._default_user_id, *(self.users[u].user_id for u in sorted(self.users))]
        return identity.grant(f"cache-{self.name}", Permission(["elasticache:Connect"], [self.arn, user.arn]))

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
