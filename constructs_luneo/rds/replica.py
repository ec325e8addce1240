"""PostgresReadReplica: an encrypted cross-region read replica of a PostgresDatabase."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from cdktf import TerraformProvider
from constructs import Construct

from ..config.variables import default
from ..monitoring import Metric
from ..support.common import check_sources, construct_label, is_token, require
from ._shared import (
    LOG_EXPORTS,
    Placement,
    check_backups,
    check_identifier,
    check_instance_class,
    check_subnets,
    db_instance,
    grant_db_connect,
    support,
)


class PostgresReadReplica(Construct):
    """An encrypted cross-region read replica of a PostgresDatabase, ready to be promoted.

    Arguments:
      name: replica identifier, e.g. "luneo-prod-db-replica" (required).
      source_db_arn: ARN of the source instance (cross-region replicas need the ARN; required).
      vpc_id, subnet_ids: where it lives in the replica's region (required).
      instance_class: e.g. "db.r6g.large" (required).
      kms_key_arn: a key of the replica's region; KMS keys are regional (required).
      engine_version: the source's PostgreSQL major, for the parameter group.
      backup_retention_period: kept so a promoted replica is backed up from its first hour.
      allowed_security_group_ids, allowed_cidr_blocks: who may connect on 5432.
      promoted: the replica has been promoted to a standalone primary; the configuration then
        matches what `aws rds promote-read-replica` left.
      multi_az, deletion_protection, monitoring_interval, logs_kms_key_arn, log_retention_in_days,
      prevent_destroy, tags, provider (the replica's region).

    Attributes: name, endpoint, address, arn, identifier, security_group_id, instance.
    Metrics: metric_replica_lag().
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        source_db_arn: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        instance_class: str,
        kms_key_arn: str,
        engine_version: str = "16",
        backup_retention_period: int = default("backup_retention_period"),
        allowed_security_group_ids: Sequence[str] = (),
        allowed_cidr_blocks: Sequence[str] = (),
        multi_az: bool = False,
        deletion_protection: bool = True,
        monitoring_interval: int = 60,
        logs_kms_key_arn: str | None = None,
        log_retention_in_days: int = 365,
        promoted: bool = False,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(PostgresReadReplica, scope, id)
        check_identifier(who, name)
        check_subnets(who, subnet_ids)
        _check_source(who, source_db_arn, kms_key_arn)
        check_instance_class(who, "instance_class", instance_class)
        check_backups(who, backup_retention_period)
        check_sources(who, allowed_security_group_ids, allowed_cidr_blocks)
        super().__init__(scope, id)
        self.name, self.provider = name, provider
        tags = dict(tags or {})
        placement = Placement(vpc_id, subnet_ids, allowed_security_group_ids, allowed_cidr_blocks, provider)
        parts = support(
            self,
            name,
            placement,
            engine_version=engine_version,
            logs=LOG_EXPORTS,
            logs_kms_key_arn=logs_kms_key_arn,
            log_retention_in_days=log_retention_in_days,
            monitoring=bool(monitoring_interval),
            tags=tags,
            prevent_destroy=prevent_destroy,
        )
        self.security_group = parts.security_group
        self.instance = db_instance(
            self,
            parts,
            name=name,
            instance_class=instance_class,
            kms_key_arn=kms_key_arn,
            multi_az=multi_az,
            deletion_protection=deletion_protection,
            backup_retention_period=backup_retention_period,
            monitoring_interval=monitoring_interval,
            performance_insights_retention_period=7,
            prevent_destroy=prevent_destroy,
            tags=tags,
            provider=provider,
            # After a failover the replica was promoted outside Terraform (docs/DISASTER_RECOVERY.md);
            # dropping the source keeps the next plan from trying to make it a replica again.
            replicate_source_db=None if promoted else source_db_arn,
            # RDS cannot take a final snapshot of a read replica; the source's backups cover it.
            skip_final_snapshot=True,
        )
        self._expose()

    def _expose(self) -> None:
        self.endpoint: str = self.instance.endpoint
        self.address: str = self.instance.address
        self.arn: str = self.instance.arn
        self.identifier: str = self.instance.identifier
        self.security_group_id: str = self.security_group.id

    def grant_connect(self, identity: Any, user: str) -> Any:
        """`rds-db:connect` as `user` on the replica (its own DbiResourceId): reads now, writes once
        promoted, with no IAM change at the failover."""
        return grant_db_connect(self, identity, self.instance.resource_id, user, self.provider, self.name)

    def metric_replica_lag(self) -> Metric:
        """Seconds behind the source (the worst of each period), in the replica's region."""
        return Metric(
            "AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": self.name}, statistic="Maximum", provider=self.provider
        )


def _check_source(who: str, source_db_arn: Any, kms_key_arn: Any) -> None:
    """What replicating across regions needs: the source by ARN, and a key of the replica's region."""
    require(
        isinstance(source_db_arn, str) and (is_token(source_db_arn) or source_db_arn.startswith("arn:")),
        who,
        "source_db_arn",
        "the source instance's ARN (cross-region replication needs it)",
        source_db_arn,
    )
    require(
        isinstance(kms_key_arn, str) and bool(kms_key_arn),
        who,
        "kms_key_arn",
        "a KMS key ARN of the replica's region",
        kms_key_arn,
    )
