"""AuroraGlobalDatabase: Aurora PostgreSQL Global Database across the two regions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cdktf import ITerraformDependable, TerraformProvider
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from ..config.variables import default
from ..monitoring import Metric
from ..support.common import check_sources, construct_label, lifecycle, require
from ._shared import (
    CA_CERTIFICATE,
    MAINTENANCE_WINDOW,
    Placement,
    Support,
    check_backups,
    check_credentials,
    check_identifier,
    check_instance_class,
    check_password_reference,
    grant_db_connect,
    support,
)


@dataclass(frozen=True)
class AuroraRegion:
    """Where one Aurora cluster of the global database lives."""

    vpc_id: str
    subnet_ids: Sequence[str]
    kms_key_arn: str
    allowed_security_group_ids: Sequence[str] = ()
    allowed_cidr_blocks: Sequence[str] = ()
    logs_kms_key_arn: str | None = None
    provider: TerraformProvider | None = None


@dataclass(frozen=True)
class _Cluster:
    cluster: RdsCluster
    members: list[RdsClusterInstance]
    security_group: SecurityGroup


class AuroraGlobalDatabase(Construct):
    """Aurora PostgreSQL Global Database: a global cluster, a writer cluster in the primary region and
    a read-only secondary cluster that can be promoted (managed failover or detach-and-promote).

    A global cluster cannot use the RDS-managed password: `master_password` is a reference to the
    sensitive ephemeral variable and goes to the write-only `master_password_wo`.

    Arguments:
      name: global cluster id, e.g. "luneo-prod-db" (clusters: "<name>-primary", "<name>-secondary").
      primary, secondary: AuroraRegion of each side (VPC, subnets, regional KMS key, sources, provider).
      database_name, master_username, master_password (required, see above), master_password_version.
      instance_class: Aurora instance class, e.g. "db.r6g.large"; secondary_instance_class (default same).
      instances: writer + readers in the primary cluster; secondary_instances: readers in the secondary.
      engine_version: an Aurora PostgreSQL version that global databases support.
      backup_retention_period, backup_window, maintenance_window, deletion_protection,
      log_retention_in_days, prevent_destroy, tags.

    Attributes: name, global_cluster_id, primary_cluster_id, secondary_cluster_id, endpoint (writer),
    reader_endpoint, secondary_reader_endpoint, primary_security_group_id, secondary_security_group_id.
    Metrics: metric_cpu_utilization(), metric_free_local_storage(), metric_global_replication_lag().
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        primary: AuroraRegion,
        secondary: AuroraRegion,
        database_name: str,
        master_username: str,
        master_password: str,
        instance_class: str,
        master_password_version: int = 1,
        secondary_instance_class: str | None = None,
        instances: int = 2,
        secondary_instances: int = 1,
        engine_version: str = "16.6",
        backup_retention_period: int = default("backup_retention_period"),
        backup_window: str = default("backup_window"),
        maintenance_window: str = MAINTENANCE_WINDOW,
        deletion_protection: bool = True,
        log_retention_in_days: int = 365,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        who = construct_label(AuroraGlobalDatabase, scope, id)
        check_identifier(who, name, max_length=50)
        check_password_reference(who, master_password, "global clusters cannot use the managed password")
        check_credentials(who, database_name, master_username)
        check_instance_class(who, "instance_class", instance_class)
        check_instance_class(who, "secondary_instance_class", secondary_instance_class or instance_class)
        _check_shape(who, instances, secondary_instances, engine_version)
        check_backups(who, backup_retention_period, backup_window, maintenance_window)
        for side in (primary, secondary):
            check_sources(who, side.allowed_security_group_ids, side.allowed_cidr_blocks)
        super().__init__(scope, id)
        self.name, self._master_username = name, master_username
        self._providers = (primary.provider, secondary.provider)
        self._engine_version, self._prevent_destroy = engine_version, prevent_destroy
        self._tags = dict(tags or {})
        self._settings: dict[str, Any] = dict(
            backup_retention_period=backup_retention_period,
            preferred_backup_window=backup_window,
            preferred_maintenance_window=maintenance_window,
            deletion_protection=deletion_protection,
        )
        self._log_retention = log_retention_in_days

        self.global_cluster = self._global_cluster(database_name, deletion_protection)
        writer = self._cluster(
            "primary",
            primary,
            instances,
            instance_class,
            credentials={
                "master_username": master_username,
                "master_password_wo": master_password,
                "master_password_wo_version": master_password_version,
            },
        )
        # The secondary joins once the writer's instances exist.
        reader = self._cluster(
            "secondary",
            secondary,
            secondary_instances,
            secondary_instance_class or instance_class,
            after=writer.members,
        )
        self._expose(writer, reader)

    def _global_cluster(self, database_name: str, deletion_protection: bool) -> RdsGlobalCluster:
        """The global cluster, in the primary region: the two regional clusters join it."""
        return RdsGlobalCluster(
            self,
            "global",
            global_cluster_identifier=self.name,
            engine="aurora-postgresql",
            engine_version=self._engine_version,
            database_name=database_name,
            storage_encrypted=True,
            deletion_protection=deletion_protection,
            lifecycle=lifecycle(self._prevent_destroy),
            provider=self._providers[0],
        )

    def _cluster(
        self,
        role: str,
        side: AuroraRegion,
        count: int,
        instance_class: str,
        *,
        credentials: Mapping[str, Any] | None = None,
        after: Sequence[ITerraformDependable] = (),
    ) -> _Cluster:
        scope, cluster_name, tags = Construct(self, role), f"{self.name}-{role}", self._tags
        parts = self._support(scope, cluster_name, side)
        assert parts.monitoring_role is not None
        cluster = RdsCluster(
            scope,
            "cluster",
            cluster_identifier=cluster_name,
            global_cluster_identifier=self.global_cluster.id,
            engine="aurora-postgresql",
            engine_version=self._engine_version,
            **(credentials or {}),
            db_subnet_group_name=parts.subnet_group.name,
            vpc_security_group_ids=[parts.security_group.id],
            db_cluster_parameter_group_name=parts.parameter_group.name,
            storage_encrypted=True,
            kms_key_id=side.kms_key_arn,
            **self._settings,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{cluster_name}-final",
            copy_tags_to_snapshot=True,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            tags=tags or None,
            depends_on=[*parts.log_groups, *after],
            lifecycle=lifecycle(
                self._prevent_destroy, ["replication_source_identifier"] if role == "secondary" else None
            ),
            provider=side.provider,
        )
        members = self._members(scope, cluster_name, cluster, side, count, instance_class, parts.monitoring_role.arn)
        return _Cluster(cluster, members, parts.security_group)

    def _support(self, scope: Construct, cluster_name: str, side: AuroraRegion) -> Support:
        """The support parts of one regional cluster (see `support`), with enhanced monitoring."""
        placement = Placement(
            side.vpc_id, side.subnet_ids, side.allowed_security_group_ids, side.allowed_cidr_blocks, side.provider
        )
        return support(
            scope,
            cluster_name,
            placement,
            engine_version=self._engine_version,
            logs=["postgresql"],
            logs_kms_key_arn=side.logs_kms_key_arn,
            log_retention_in_days=self._log_retention,
            monitoring=True,
            tags=self._tags,
            aurora=True,
            prevent_destroy=self._prevent_destroy,
        )

    def _members(
        self,
        scope: Construct,
        cluster_name: str,
        cluster: RdsCluster,
        side: AuroraRegion,
        count: int,
        instance_class: str,
        monitoring_role_arn: str,
    ) -> list[RdsClusterInstance]:
        """The `count` instances of one regional cluster: "<cluster_name>-0" onwards."""
        return [
            RdsClusterInstance(
                scope,
                f"instance-{i}",
                identifier=f"{cluster_name}-{i}",
                cluster_identifier=cluster.id,
                instance_class=instance_class,
                engine="aurora-postgresql",
                engine_version=self._engine_version,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=side.kms_key_arn,
                performance_insights_retention_period=7,
                monitoring_interval=60,
                monitoring_role_arn=monitoring_role_arn,
                ca_cert_identifier=CA_CERTIFICATE,
                copy_tags_to_snapshot=True,
                tags=self._tags or None,
                provider=side.provider,
            )
            for i in range(count)
        ]

    def grant_connect(self, identity: Any, user: str, *, region: str = "primary") -> Any:
        """`rds-db:connect` as `user` on the writer cluster, or the secondary's (its own cluster resource
        id: a failover needs no IAM change)."""
        cluster = self._writer if region == "primary" else self._reader
        provider = self._providers[0 if region == "primary" else 1]
        return grant_db_connect(
            cluster.cluster,
            identity,
            cluster.cluster.cluster_resource_id,
            user,
            provider,
            f"{self.name}-{region}",
            self._master_username,
        )

    def _expose(self, writer: _Cluster, reader: _Cluster) -> None:
        self._writer, self._reader = writer, reader
        self.global_cluster_id: str = self.global_cluster.id
        self.primary_cluster_id: str = writer.cluster.cluster_identifier
        self.secondary_cluster_id: str = reader.cluster.cluster_identifier
        self.endpoint: str = writer.cluster.endpoint
        self.reader_endpoint: str = writer.cluster.reader_endpoint
        self.secondary_reader_endpoint: str = reader.cluster.reader_endpoint
        self.primary_security_group_id: str = writer.security_group.id
        self.secondary_security_group_id: str = reader.security_group.id

    def metric_cpu_utilization(self) -> Metric:
        """CPU of the writer cluster (primary region)."""
        return Metric(
            "AWS/RDS", "CPUUtilization", {"DBClusterIdentifier": f"{self.name}-primary"}, provider=self._providers[0]
        )

    def metric_free_local_storage(self) -> Metric:
        """Bytes of local (temporary) storage left in the writer cluster; the lowest of each period."""
        return Metric(
            "AWS/RDS",
            "FreeLocalStorage",
            {"DBClusterIdentifier": f"{self.name}-primary"},
            statistic="Minimum",
            provider=self._providers[0],
        )

    def metric_global_replication_lag(self) -> Metric:
        """Milliseconds the secondary cluster is behind (the worst of each period), in its region."""
        return Metric(
            "AWS/RDS",
            "AuroraGlobalDBReplicationLag",
            {"DBClusterIdentifier": f"{self.name}-secondary"},
            statistic="Maximum",
            provider=self._providers[1],
        )


def _check_shape(who: str, instances: Any, secondary_instances: Any, engine_version: Any) -> None:
    require(isinstance(instances, int) and 1 <= instances <= 15, who, "instances", "1-15", instances)
    require(
        isinstance(secondary_instances, int) and 1 <= secondary_instances <= 15,
        who,
        "secondary_instances",
        "1-15 (a secondary with no instance cannot serve reads or take over)",
        secondary_instances,
    )
    require(
        isinstance(engine_version, str) and bool(re.match(r"^1[3-9]\.\d+$", engine_version)),
        who,
        "engine_version",
        'a full Aurora PostgreSQL version such as "16.6"',
        engine_version,
    )
