"""RDS PostgreSQL (replaces `modules/rds`).

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
from dataclasses import dataclass
from typing import Mapping, Sequence

from cdktf import Fn, TerraformProvider, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from constructs import Construct

from ._common import account_context, check_sources, describe, ingress_security_group, is_token, lifecycle, require
from .patterns import DB_CLASS, TIME_WINDOW as WINDOW

IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
RESERVED_USERNAMES = {"admin", "postgres", "rdsadmin", "root", "user"}
MAINTENANCE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):"
                         r"([01]\d|2[0-3]):[0-5]\d$")
LOG_EXPORTS = ("postgresql", "upgrade")
PORT = 5432


#: Parameters every Luneo PostgreSQL gets: TLS only, connection, DDL and slow-query logging.
PARAMETERS = {
    "rds.force_ssl": "1",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_statement": "ddl",
    "log_min_duration_statement": "1000",  # statements slower than 1 s
    "log_lock_waits": "1",
}


def _parameter_group(scope: Construct, name: str, major: str, tags: dict, provider, *, aurora: bool = False):
    if aurora:
        return RdsClusterParameterGroup(
            scope, "cluster-parameter-group", name_prefix=f"{name}-apg{major}-", family=f"aurora-postgresql{major}",
            description=f"{name}: TLS only, connection and slow-query logging",
            parameter=[RdsClusterParameterGroupParameter(name=k, value=v, apply_method="immediate")
                       for k, v in PARAMETERS.items()],
            tags=tags or None, provider=provider, lifecycle={"create_before_destroy": True})
    return DbParameterGroup(
        scope, "parameter-group", name_prefix=f"{name}-pg{major}-", family=f"postgres{major}",
        description=f"{name}: TLS only, connection and slow-query logging",
        parameter=[DbParameterGroupParameter(name=k, value=v, apply_method="immediate") for k, v in PARAMETERS.items()],
        tags=tags or None, provider=provider, lifecycle={"create_before_destroy": True})


def _log_groups(scope: Construct, prefix: str, logs: Sequence[str], kms_key_arn: str | None, retention: int,
                tags: dict, provider) -> list[CloudwatchLogGroup]:
    """Created before the database so that they carry our retention and key, not RDS's defaults."""
    return [CloudwatchLogGroup(scope, f"log-{log}", name=f"{prefix}/{log}", retention_in_days=retention,
                               kms_key_id=kms_key_arn, tags=tags or None, provider=provider) for log in logs]


def _monitoring_role(scope: Construct, name: str, tags: dict, provider) -> IamRole:
    account = account_context(scope, provider)
    role = IamRole(
        scope, "monitoring-role", name_prefix=f"{name}-monitoring-"[:38], tags=tags or None, provider=provider,
        assume_role_policy=Fn.jsonencode({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
        }]}))
    IamRolePolicyAttachment(
        scope, "monitoring-policy", role=role.name, provider=provider,
        policy_arn=f"arn:{account.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
    return role


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
      backup_retention_period: 1-35 days (default 7). backup_window: "hh:mm-hh:mm" UTC (default
        "04:00-05:00"). maintenance_window: default "sun:05:30-sun:06:30", after the backups.
      engine_version: PostgreSQL major (default "16"; minor versions upgrade automatically).
      max_allocated_storage: storage autoscaling ceiling (default 2 x allocated_storage).
      kms_key_arn: key for storage and Performance Insights (default None: the AWS-managed aws/rds
        key; the stacks pass the RDS key).
      master_user_secret_kms_key_id: key of the managed password secret (default: aws/secretsmanager).
      allowed_security_group_ids, allowed_cidr_blocks: who may connect on 5432 (default: nobody).
      multi_az (True), deletion_protection (True), skip_final_snapshot (False): production safety.
      monitoring_interval: enhanced monitoring seconds, 0 to turn off (default 60).
      performance_insights_retention_period: 7 (free) or a multiple of 31 (default 7).
      logs_kms_key_arn: key of the CloudWatch log groups of the exported logs (default None: not
        encrypted with a customer key). log_retention_in_days: default 365.
      prevent_destroy: Terraform lifecycle guard (default False; the stacks set it in prod).
      provider: the AWS provider (region).

    Attributes: endpoint, address, port, arn, identifier, security_group_id, master_user_secret_arn
    (None when master_password is given), instance (the aws_db_instance).
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
        backup_retention_period: int = 7,
        backup_window: str = "04:00-05:00",
        maintenance_window: str = "sun:05:30-sun:06:30",
        engine_version: str = "16",
        max_allocated_storage: int | None = None,
        kms_key_arn: str | None = None,
        master_user_secret_kms_key_id: str | None = None,
        allowed_security_group_ids: Sequence[str] = (),
        allowed_cidr_blocks: Sequence[str] = (),
        multi_az: bool = True,
        deletion_protection: bool = True,
        skip_final_snapshot: bool = False,
        monitoring_interval: int = 60,
        performance_insights_retention_period: int = 7,
        logs_kms_key_arn: str | None = None,
        log_retention_in_days: int = 365,
        prevent_destroy: bool = False,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = describe(PostgresDatabase, scope, id)
        require(isinstance(name, str) and bool(IDENTIFIER.match(name)) and "--" not in name
                and not name.endswith("-"), who, "name",
                "a DB identifier: 1-63 lowercase letters, digits or single hyphens, starting with a letter", name)
        require(not isinstance(subnet_ids, str) and (is_token(subnet_ids) or len(list(subnet_ids)) >= 2), who,
                "subnet_ids", "a list of at least two subnet ids in different AZs", subnet_ids)
        require(isinstance(database_name, str) and bool(DATABASE_NAME.match(database_name)), who, "database_name",
                "1-63 letters, digits or underscores, starting with a letter", database_name)
        require(isinstance(master_username, str) and bool(USERNAME.match(master_username))
                and master_username.lower() not in RESERVED_USERNAMES, who, "master_username",
                f"1-16 letters, digits or underscores, starting with a letter, not one of "
                f"{sorted(RESERVED_USERNAMES)}", master_username)
        if master_password is not None:
            # Never echo the value: it may be a real password typed in by mistake.
            require(is_token(master_password), who, "master_password",
                    "a reference to a sensitive Terraform variable (e.g. stack.db_master_password.string_value), "
                    "never a literal string; or None for the RDS-managed password")
        require(isinstance(master_password_version, int) and master_password_version >= 1, who,
                "master_password_version", "a whole number >= 1", master_password_version)
        require(isinstance(instance_class, str) and bool(DB_CLASS.match(instance_class)),
                who, "instance_class", 'an RDS instance class such as "db.r6g.large"', instance_class)
        require(isinstance(allocated_storage, int) and 20 <= allocated_storage <= 65536, who, "allocated_storage",
                "20-65536 GiB", allocated_storage)
        max_allocated_storage = 2 * allocated_storage if max_allocated_storage is None else max_allocated_storage
        require(isinstance(max_allocated_storage, int) and allocated_storage <= max_allocated_storage <= 65536,
                who, "max_allocated_storage", f"allocated_storage ({allocated_storage}) to 65536 GiB",
                max_allocated_storage)
        require(isinstance(backup_retention_period, int) and 1 <= backup_retention_period <= 35, who,
                "backup_retention_period", "1-35 days (0 would turn backups off)", backup_retention_period)
        require(isinstance(backup_window, str) and bool(WINDOW.match(backup_window)), who, "backup_window",
                '"hh:mm-hh:mm" in UTC', backup_window)
        require(isinstance(maintenance_window, str) and bool(MAINTENANCE.match(maintenance_window)), who,
                "maintenance_window", '"ddd:hh:mm-ddd:hh:mm" in UTC', maintenance_window)
        require(isinstance(engine_version, str) and bool(re.match(r"^1[3-9](\.\d+)?$", engine_version)), who,
                "engine_version", 'a supported PostgreSQL version such as "16" or "16.4"', engine_version)
        require(monitoring_interval in (0, 1, 5, 10, 15, 30, 60), who, "monitoring_interval",
                "one of 0, 1, 5, 10, 15, 30, 60", monitoring_interval)
        require(performance_insights_retention_period == 7 or (
            isinstance(performance_insights_retention_period, int) and performance_insights_retention_period % 31 == 0
            and 31 <= performance_insights_retention_period <= 731), who, "performance_insights_retention_period",
            "7 or a multiple of 31 up to 731", performance_insights_retention_period)
        check_sources(who, allowed_security_group_ids, allowed_cidr_blocks)
        super().__init__(scope, id)
        tags = dict(tags or {})
        major = engine_version.split(".")[0]

        self.subnet_group = DbSubnetGroup(self, "subnet-group", name=name, description=f"{name} subnets",
                                          subnet_ids=subnet_ids, tags=tags or None, provider=provider)
        self.security_group = ingress_security_group(
            self, "security-group", name=f"{name}-postgres", description=f"PostgreSQL {name}: {PORT} from allowed sources",
            vpc_id=vpc_id, port=PORT, allowed_security_group_ids=allowed_security_group_ids,
            allowed_cidr_blocks=allowed_cidr_blocks, tags=tags, provider=provider)
        self.parameter_group = _parameter_group(self, name, major, tags, provider)
        log_groups = _log_groups(self, f"/aws/rds/instance/{name}", LOG_EXPORTS, logs_kms_key_arn,
                                 log_retention_in_days, tags, provider)
        monitoring_role = _monitoring_role(self, name, tags, provider) if monitoring_interval else None

        password = (
            {"password_wo": master_password, "password_wo_version": master_password_version}
            if master_password is not None
            else {"manage_master_user_password": True, "master_user_secret_kms_key_id": master_user_secret_kms_key_id}
        )
        self.instance = DbInstance(
            self, "instance",
            identifier=name,
            engine="postgres",
            engine_version=engine_version,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            instance_class=instance_class,
            allocated_storage=allocated_storage,
            max_allocated_storage=max_allocated_storage,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            db_name=database_name,
            username=master_username,
            **password,
            port=PORT,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            publicly_accessible=False,
            multi_az=multi_az,
            deletion_protection=deletion_protection,
            skip_final_snapshot=skip_final_snapshot,
            final_snapshot_identifier=None if skip_final_snapshot else f"{name}-final",
            copy_tags_to_snapshot=True,
            backup_retention_period=backup_retention_period,
            backup_window=backup_window,
            maintenance_window=maintenance_window,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=kms_key_arn,
            performance_insights_retention_period=performance_insights_retention_period,
            monitoring_interval=monitoring_interval,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            ca_cert_identifier="rds-ca-rsa2048-g1",
            apply_immediately=False,
            tags=tags or None,
            depends_on=log_groups,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        self.endpoint: str = self.instance.endpoint
        self.address: str = self.instance.address
        self.port: float = self.instance.port
        self.arn: str = self.instance.arn
        self.identifier: str = self.instance.identifier
        self.security_group_id: str = self.security_group.id
        self.master_user_secret_arn: str | None = (
            # try(): a database adopted from an existing state has no managed secret until the apply
            # that turns manage_master_user_password on: "" until then, rather than failing that plan.
            None if master_password is not None
            else Token.as_string(Fn.try_([self.instance.master_user_secret.get(0).secret_arn, ""])))


class PostgresReadReplica(Construct):
    """An encrypted cross-region read replica of a PostgresDatabase, ready to be promoted.

    Arguments:
      name: replica identifier, e.g. "luneo-prod-db-replica" (required).
      source_db_arn: ARN of the source instance (cross-region replicas need the ARN; required).
      vpc_id, subnet_ids: where it lives in the replica's region (required).
      instance_class: e.g. "db.r6g.large" (required).
      kms_key_arn: a key of the replica's region; KMS keys are regional (required).
      engine_version: the source's PostgreSQL major (default "16"), for the parameter group.
      backup_retention_period: kept so a promoted replica is backed up from its first hour (default 7).
      allowed_security_group_ids, allowed_cidr_blocks: who may connect on 5432.
      promoted: the replica has been promoted to a standalone primary (default False); the
        configuration then matches what `aws rds promote-read-replica` left.
      multi_az (False), deletion_protection (True), monitoring_interval (60), logs_kms_key_arn,
      log_retention_in_days (365), prevent_destroy (False), tags, provider (the replica's region).

    Attributes: endpoint, address, arn, identifier, security_group_id, instance.
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
        backup_retention_period: int = 7,
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
        who = describe(PostgresReadReplica, scope, id)
        require(isinstance(name, str) and bool(IDENTIFIER.match(name)), who, "name", "a DB identifier", name)
        require(isinstance(source_db_arn, str) and (is_token(source_db_arn) or source_db_arn.startswith("arn:")),
                who, "source_db_arn", "the source instance's ARN (cross-region replication needs it)", source_db_arn)
        require(isinstance(kms_key_arn, str) and bool(kms_key_arn), who, "kms_key_arn",
                "a KMS key ARN of the replica's region", kms_key_arn)
        require(isinstance(instance_class, str) and bool(DB_CLASS.match(instance_class)),
                who, "instance_class", 'an RDS instance class such as "db.r6g.large"', instance_class)
        require(isinstance(backup_retention_period, int) and 1 <= backup_retention_period <= 35, who,
                "backup_retention_period", "1-35 days", backup_retention_period)
        check_sources(who, allowed_security_group_ids, allowed_cidr_blocks)
        super().__init__(scope, id)
        tags = dict(tags or {})
        subnet_group = DbSubnetGroup(self, "subnet-group", name=name, description=f"{name} subnets",
                                     subnet_ids=subnet_ids, tags=tags or None, provider=provider)
        self.security_group = ingress_security_group(
            self, "security-group", name=f"{name}-postgres", description=f"PostgreSQL {name}: {PORT} from allowed sources",
            vpc_id=vpc_id, port=PORT, allowed_security_group_ids=allowed_security_group_ids,
            allowed_cidr_blocks=allowed_cidr_blocks, tags=tags, provider=provider)
        parameter_group = _parameter_group(self, name, engine_version.split(".")[0], tags, provider)
        log_groups = _log_groups(self, f"/aws/rds/instance/{name}", LOG_EXPORTS, logs_kms_key_arn,
                                 log_retention_in_days, tags, provider)
        monitoring_role = _monitoring_role(self, name, tags, provider) if monitoring_interval else None
        self.instance = DbInstance(
            self, "instance",
            identifier=name,
            # After a failover the replica was promoted outside Terraform (docs/DISASTER_RECOVERY.md);
            # dropping the source keeps the next plan from trying to make it a replica again.
            replicate_source_db=None if promoted else source_db_arn,
            instance_class=instance_class,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parameter_group.name,
            publicly_accessible=False,
            multi_az=multi_az,
            deletion_protection=deletion_protection,
            # RDS cannot take a final snapshot of a read replica; the source's backups cover it.
            skip_final_snapshot=True,
            backup_retention_period=backup_retention_period,
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=kms_key_arn,
            performance_insights_retention_period=7,
            monitoring_interval=monitoring_interval,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            ca_cert_identifier="rds-ca-rsa2048-g1",
            apply_immediately=False,
            tags=tags or None,
            depends_on=log_groups,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        self.endpoint: str = self.instance.endpoint
        self.address: str = self.instance.address
        self.arn: str = self.instance.arn
        self.identifier: str = self.instance.identifier
        self.security_group_id: str = self.security_group.id


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


class AuroraGlobalDatabase(Construct):
    """Aurora PostgreSQL Global Database: a global cluster, a writer cluster in the primary region and
    a read-only secondary cluster that can be promoted (managed failover or detach-and-promote).

    A global cluster cannot use the RDS-managed password: `master_password` is a reference to the
    sensitive ephemeral variable and goes to the write-only `master_password_wo`.

    Arguments:
      name: global cluster id, e.g. "luneo-prod-db" (clusters: "<name>-primary", "<name>-secondary").
      primary, secondary: AuroraRegion of each side (VPC, subnets, regional KMS key, sources, provider).
      database_name, master_username, master_password (required, see above), master_password_version (1).
      instance_class: Aurora instance class, e.g. "db.r6g.large"; secondary_instance_class (default same).
      instances: writer + readers in the primary cluster (default 2); secondary_instances (default 1).
      engine_version: Aurora PostgreSQL version supported by global databases (default "16.6").
      backup_retention_period (7), backup_window ("04:00-05:00"), maintenance_window,
      deletion_protection (True), log_retention_in_days (365), prevent_destroy (False), tags.

    Attributes: global_cluster_id, primary_cluster_id, secondary_cluster_id, endpoint (writer),
    reader_endpoint, secondary_reader_endpoint, primary_security_group_id, secondary_security_group_id.
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
        backup_retention_period: int = 7,
        backup_window: str = "04:00-05:00",
        maintenance_window: str = "sun:05:30-sun:06:30",
        deletion_protection: bool = True,
        log_retention_in_days: int = 365,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        who = describe(AuroraGlobalDatabase, scope, id)
        require(isinstance(name, str) and bool(IDENTIFIER.match(name)) and len(name) <= 50, who, "name",
                "a cluster identifier of at most 50 characters", name)
        require(is_token(master_password), who, "master_password",
                "a reference to the sensitive ephemeral variable (global clusters cannot use the managed password)")
        require(isinstance(database_name, str) and bool(DATABASE_NAME.match(database_name)), who, "database_name",
                "1-63 letters, digits or underscores, starting with a letter", database_name)
        require(isinstance(master_username, str) and bool(USERNAME.match(master_username))
                and master_username.lower() not in RESERVED_USERNAMES, who, "master_username",
                "1-16 letters, digits or underscores, not a reserved name", master_username)
        for label, value in (("instance_class", instance_class),
                             ("secondary_instance_class", secondary_instance_class or instance_class)):
            require(isinstance(value, str) and bool(DB_CLASS.match(value)), who, label,
                    'an Aurora instance class such as "db.r6g.large"', value)
        require(isinstance(instances, int) and 1 <= instances <= 15, who, "instances", "1-15", instances)
        require(isinstance(secondary_instances, int) and 1 <= secondary_instances <= 15, who,
                "secondary_instances", "1-15 (a secondary with no instance cannot serve reads or take over)",
                secondary_instances)
        require(isinstance(engine_version, str) and bool(re.match(r"^1[3-9]\.\d+$", engine_version)), who,
                "engine_version", 'a full Aurora PostgreSQL version such as "16.6"', engine_version)
        require(isinstance(backup_retention_period, int) and 1 <= backup_retention_period <= 35, who,
                "backup_retention_period", "1-35 days", backup_retention_period)
        require(isinstance(backup_window, str) and bool(WINDOW.match(backup_window)), who, "backup_window",
                '"hh:mm-hh:mm" in UTC', backup_window)
        for side in (primary, secondary):
            check_sources(who, side.allowed_security_group_ids, side.allowed_cidr_blocks)
        super().__init__(scope, id)
        tags = dict(tags or {})
        major = engine_version.split(".")[0]

        self.global_cluster = RdsGlobalCluster(
            self, "global", global_cluster_identifier=name, engine="aurora-postgresql", engine_version=engine_version,
            database_name=database_name, storage_encrypted=True, deletion_protection=deletion_protection,
            lifecycle=lifecycle(prevent_destroy), provider=primary.provider)

        clusters = {}
        for role, side, count, klass in (("primary", primary, instances, instance_class),
                                         ("secondary", secondary, secondary_instances,
                                          secondary_instance_class or instance_class)):
            scope_ = Construct(self, role)
            cluster_name = f"{name}-{role}"
            subnet_group = DbSubnetGroup(scope_, "subnet-group", name=cluster_name, description=f"{cluster_name} subnets",
                                         subnet_ids=side.subnet_ids, tags=tags or None, provider=side.provider)
            group = ingress_security_group(
                scope_, "security-group", name=f"{cluster_name}-postgres",
                description=f"Aurora PostgreSQL {cluster_name}: {PORT} from allowed sources", vpc_id=side.vpc_id,
                port=PORT, allowed_security_group_ids=side.allowed_security_group_ids,
                allowed_cidr_blocks=side.allowed_cidr_blocks, tags=tags, provider=side.provider)
            parameters = _parameter_group(scope_, cluster_name, major, tags, side.provider, aurora=True)
            log_groups = _log_groups(scope_, f"/aws/rds/cluster/{cluster_name}", ["postgresql"],
                                     side.logs_kms_key_arn, log_retention_in_days, tags, side.provider)
            monitoring = _monitoring_role(scope_, cluster_name, tags, side.provider)
            credentials = ({"master_username": master_username, "master_password_wo": master_password,
                            "master_password_wo_version": master_password_version} if role == "primary" else {})
            cluster = RdsCluster(
                scope_, "cluster",
                cluster_identifier=cluster_name,
                global_cluster_identifier=self.global_cluster.id,
                engine="aurora-postgresql",
                engine_version=engine_version,
                **credentials,
                db_subnet_group_name=subnet_group.name,
                vpc_security_group_ids=[group.id],
                db_cluster_parameter_group_name=parameters.name,
                storage_encrypted=True,
                kms_key_id=side.kms_key_arn,
                backup_retention_period=backup_retention_period,
                preferred_backup_window=backup_window,
                preferred_maintenance_window=maintenance_window,
                deletion_protection=deletion_protection,
                skip_final_snapshot=False,
                final_snapshot_identifier=f"{cluster_name}-final",
                copy_tags_to_snapshot=True,
                iam_database_authentication_enabled=True,
                enabled_cloudwatch_logs_exports=["postgresql"],
                tags=tags or None,
                depends_on=[*log_groups, *clusters.get("primary", (None, []))[1]],
                lifecycle=lifecycle(prevent_destroy, ["replication_source_identifier"] if role == "secondary" else None),
                provider=side.provider,
            )
            members = [
                RdsClusterInstance(
                    scope_, f"instance-{i}", identifier=f"{cluster_name}-{i}", cluster_identifier=cluster.id,
                    instance_class=klass, engine="aurora-postgresql", engine_version=engine_version,
                    publicly_accessible=False, auto_minor_version_upgrade=True,
                    performance_insights_enabled=True, performance_insights_kms_key_id=side.kms_key_arn,
                    performance_insights_retention_period=7, monitoring_interval=60,
                    monitoring_role_arn=monitoring.arn, ca_cert_identifier="rds-ca-rsa2048-g1",
                    copy_tags_to_snapshot=True, tags=tags or None, provider=side.provider)
                for i in range(count)
            ]
            clusters[role] = (cluster, members, group)

        primary_cluster, _, primary_group = clusters["primary"]
        secondary_cluster, _, secondary_group = clusters["secondary"]
        self.global_cluster_id: str = self.global_cluster.id
        self.primary_cluster_id: str = primary_cluster.cluster_identifier
        self.secondary_cluster_id: str = secondary_cluster.cluster_identifier
        self.endpoint: str = primary_cluster.endpoint
        self.reader_endpoint: str = primary_cluster.reader_endpoint
        self.secondary_reader_endpoint: str = secondary_cluster.reader_endpoint
        self.primary_security_group_id: str = primary_group.id
        self.secondary_security_group_id: str = secondary_group.id
