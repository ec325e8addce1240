"""PostgresDatabase: the RDS PostgreSQL instance (replaces `modules/rds`).

HCL it replaces::

    module "postgres" {
      source            = "../../modules/rds"
      name              = "luneo-prod-db"
      vpc_id            = module.vpc.vpc_id
      subnet_ids        = module.vpc.private_subnets
      database_name     = "luneo"
      master_username   = "luneo_admin"
      master_password   = var.db_password
      instance_class    = "db.r6g.large"
      allocated_storage = 100
      tags              = { Environment = "prod" }
    }

Python::

    PostgresDatabase(stack, "postgres", name="luneo-prod-db", vpc_id=vpc.vpc_id, subnet_ids=vpc.database_subnets,
                     database_name="luneo", master_username="luneo_admin", instance_class="db.r6g.large",
                     allocated_storage=100, kms_key_arn=rds_key.key_arn, tags={"Environment": "prod"})

Without `master_password` RDS manages the password in Secrets Manager (`master_user_secret_arn`).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from cdktf import Fn, TerraformProvider, Token
from constructs import Construct

from ..config.variables import default
from ..monitoring import Metric
from ..support.common import check_sources, construct_label, require
from ._shared import (
    LOG_EXPORTS,
    MAINTENANCE_WINDOW,
    PORT,
    Placement,
    check_backups,
    check_credentials,
    check_identifier,
    check_instance_class,
    check_password_reference,
    check_subnets,
    db_instance,
    grant_db_connect,
    support,
)
from .restore import RestoreSource


class PostgresDatabase(Construct):
    """A PostgreSQL RDS instance in private subnets, encrypted, backed up, monitored, TLS only.

    Arguments (the HCL module's names first):
      name: DB identifier, e.g. "luneo-prod-db" (required).
      vpc_id, subnet_ids: where it lives; at least two subnets in different AZs (required).
      database_name, master_username: initial database and admin user (required; the username is
        not one of PostgreSQL's reserved names).
      master_password: None (default) lets RDS generate and rotate the password in Secrets Manager;
        otherwise a reference to a sensitive (ephemeral) Terraform variable, never a literal. It goes
        to the write-only `password_wo` and never reaches the state. Bump `master_password_version`
        to push a new value.
      instance_class: e.g. "db.r6g.large" (required). allocated_storage: GiB of gp3 (required).
      tags: extra tags.
      backup_retention_period: 1-35 days. backup_window: "hh:mm-hh:mm" UTC. maintenance_window:
        after the default backups. engine_version: PostgreSQL major (minor versions upgrade automatically).
      max_allocated_storage: storage autoscaling ceiling (default 2 x allocated_storage).
      kms_key_arn: key for storage and Performance Insights (default None: the AWS-managed aws/rds
        key; the stacks pass the RDS key).
      master_user_secret_kms_key_id: key of the managed password secret (default: aws/secretsmanager).
      allowed_security_group_ids, allowed_cidr_blocks: who may connect on 5432 (default: nobody).
      multi_az, deletion_protection, skip_final_snapshot (False): production safety.
      monitoring_interval: enhanced monitoring seconds, 0 to turn off.
      performance_insights_retention_period: 7 (free) or a multiple of 31.
      logs_kms_key_arn: key of the CloudWatch log groups of the exported logs (default None: not
        encrypted with a customer key). log_retention_in_days: their retention.
      prevent_destroy: Terraform lifecycle guard (the stacks set it in prod).
      restore_from: a RestoreSource (a snapshot, or a point in time of another instance): the new
        instance starts as that restore; its database name and master user are the source's.
      provider: the AWS provider (region).

    Attributes: name, endpoint, address, port, arn, identifier, security_group_id,
    master_user_secret_arn (None when master_password is given), instance (the aws_db_instance).
    Metrics: metric_cpu_utilization(), metric_free_storage_space().
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        database_name: str,
        master_username: str,
        instance_class: str,
        allocated_storage: int,
        master_password: str | None = None,
        master_password_version: int = 1,
        tags: Mapping[str, str] | None = None,
        backup_retention_period: int = default("backup_retention_period"),
        backup_window: str = default("backup_window"),
        maintenance_window: str = MAINTENANCE_WINDOW,
        engine_version: str = "16",
        max_allocated_storage: int | None = None,
        kms_key_arn: str | None = None,
        master_user_secret_kms_key_id: str | None = None,
        allowed_security_group_ids: Sequence[str] = (),
        allowed_cidr_blocks: Sequence[str] = (),
        multi_az: bool = default("db_multi_az"),
        deletion_protection: bool = True,
        skip_final_snapshot: bool = False,
        monitoring_interval: int = 60,
        performance_insights_retention_period: int = 7,
        logs_kms_key_arn: str | None = None,
        log_retention_in_days: int = 365,
        prevent_destroy: bool = False,
        restore_from: RestoreSource | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(PostgresDatabase, scope, id)
        RestoreSource.check_optional(who, restore_from)
        check_identifier(who, name)
        check_subnets(who, subnet_ids)
        check_credentials(who, database_name, master_username)
        password = _password(who, master_password, master_password_version, master_user_secret_kms_key_id)
        check_instance_class(who, "instance_class", instance_class)
        max_allocated_storage = _check_storage(who, allocated_storage, max_allocated_storage)
        check_backups(who, backup_retention_period, backup_window, maintenance_window)
        _check_engine(who, engine_version, monitoring_interval, performance_insights_retention_period)
        check_sources(who, allowed_security_group_ids, allowed_cidr_blocks)
        super().__init__(scope, id)
        self.name, self.provider, self.master_username = name, provider, master_username
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
        self.subnet_group, self.security_group = parts.subnet_group, parts.security_group
        self.parameter_group = parts.parameter_group
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
            performance_insights_retention_period=performance_insights_retention_period,
            prevent_destroy=prevent_destroy,
            tags=tags,
            provider=provider,
            engine="postgres",
            engine_version=engine_version,
            allow_major_version_upgrade=False,
            allocated_storage=allocated_storage,
            max_allocated_storage=max_allocated_storage,
            db_name=database_name,
            username=master_username,
            **password,
            port=PORT,
            skip_final_snapshot=skip_final_snapshot,
            final_snapshot_identifier=None if skip_final_snapshot else f"{name}-final",
            backup_window=backup_window,
            maintenance_window=maintenance_window,
            **(restore_from.arguments() if restore_from else {}),
        )
        self._expose(managed_password=master_password is None)

    def _expose(self, *, managed_password: bool) -> None:
        self.endpoint: str = self.instance.endpoint
        self.address: str = self.instance.address
        self.port: float = self.instance.port
        self.arn: str = self.instance.arn
        self.identifier: str = self.instance.identifier
        self.security_group_id: str = self.security_group.id
        # try(): a database adopted from an existing state has no managed secret until the apply that
        # turns manage_master_user_password on: "" until then, rather than failing that plan.
        self.master_user_secret_arn: str | None = (
            Token.as_string(Fn.try_([self.instance.master_user_secret.get(0).secret_arn, ""]))
            if managed_password
            else None
        )

    def grant_connect(self, identity: Any, user: str) -> Any:
        """The workload's `rds-db:connect` as PostgreSQL user `user` (IAM database authentication)."""
        return grant_db_connect(
            self, identity, self.instance.resource_id, user, self.provider, self.name, self.master_username
        )

    def metric_cpu_utilization(self) -> Metric:
        return Metric("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": self.name}, provider=self.provider)

    def metric_free_storage_space(self) -> Metric:
        """Bytes left; the lowest value of each period."""
        return Metric(
            "AWS/RDS",
            "FreeStorageSpace",
            {"DBInstanceIdentifier": self.name},
            statistic="Minimum",
            provider=self.provider,
        )


def _password(who: str, master_password: str | None, version: Any, secret_kms_key_id: str | None) -> dict[str, Any]:
    """The write-only password and its version when one is given, else the RDS-managed password."""
    require(isinstance(version, int) and version >= 1, who, "master_password_version", "a whole number >= 1", version)
    if master_password is None:
        return {"manage_master_user_password": True, "master_user_secret_kms_key_id": secret_kms_key_id}
    check_password_reference(who, master_password, "or None for the RDS-managed password")
    return {"password_wo": master_password, "password_wo_version": version}


def _check_storage(who: str, allocated_storage: Any, max_allocated_storage: Any) -> int:
    require(
        isinstance(allocated_storage, int) and 20 <= allocated_storage <= 65536,
        who,
        "allocated_storage",
        "20-65536 GiB",
        allocated_storage,
    )
    ceiling = 2 * allocated_storage if max_allocated_storage is None else max_allocated_storage
    require(
        isinstance(ceiling, int) and allocated_storage <= ceiling <= 65536,
        who,
        "max_allocated_storage",
        f"allocated_storage ({allocated_storage}) to 65536 GiB",
        ceiling,
    )
    return ceiling


def _check_engine(who: str, engine_version: Any, monitoring_interval: Any, insights_retention: Any) -> None:
    require(
        isinstance(engine_version, str) and bool(re.match(r"^1[3-9](\.\d+)?$", engine_version)),
        who,
        "engine_version",
        'a supported PostgreSQL version such as "16" or "16.4"',
        engine_version,
    )
    require(
        monitoring_interval in (0, 1, 5, 10, 15, 30, 60),
        who,
        "monitoring_interval",
        "one of 0, 1, 5, 10, 15, 30, 60",
        monitoring_interval,
    )
    require(
        insights_retention == 7
        or (isinstance(insights_retention, int) and insights_retention % 31 == 0 and 31 <= insights_retention <= 731),
        who,
        "performance_insights_retention_period",
        "7 or a multiple of 31 up to 731",
        insights_retention,
    )
