"""What the PostgreSQL shapes (instance, read replica, Aurora Global) share: the argument checks,
the TLS-only parameter group, pre-created log groups and the enhanced-monitoring role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from ..support.common import account_context, construct_label, ingress_security_group, is_token, lifecycle, require
from ..support.patterns import DB_CLASS, TIME_WINDOW

IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
RESERVED_USERNAMES = {"admin", "postgres", "rdsadmin", "root", "user"}
MAINTENANCE = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):"
    r"([01]\d|2[0-3]):[0-5]\d$"
)
LOG_EXPORTS = ("postgresql", "upgrade")
PORT = 5432
#: After the backups (default backup_window 04:00-05:00) so that the two never overlap.
MAINTENANCE_WINDOW = "sun:05:30-sun:06:30"
CA_CERTIFICATE = "rds-ca-rsa2048-g1"

#: Parameters every Luneo PostgreSQL gets: TLS only, connection, DDL and slow-query logging.
PARAMETERS = {
    "rds.force_ssl": "1",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_statement": "ddl",
    "log_min_duration_statement": "1000",  # statements slower than 1 s
    "log_lock_waits": "1",
}


def check_identifier(who: str, name: Any, *, max_length: int = 63) -> None:
    require(
        isinstance(name, str)
        and bool(IDENTIFIER.match(name))
        and "--" not in name
        and not name.endswith("-")
        and len(name) <= max_length,
        who,
        "name",
        f"a DB identifier: 1-{max_length} lowercase letters, digits or single hyphens, starting with a letter",
        name,
    )


def check_credentials(who: str, database_name: Any, master_username: Any) -> None:
    require(
        isinstance(database_name, str) and bool(DATABASE_NAME.match(database_name)),
        who,
        "database_name",
        "1-63 letters, digits or underscores, starting with a letter",
        database_name,
    )
    require(
        isinstance(master_username, str)
        and bool(USERNAME.match(master_username))
        and master_username.lower() not in RESERVED_USERNAMES,
        who,
        "master_username",
        f"1-16 letters, digits or underscores, starting with a letter, not one of {sorted(RESERVED_USERNAMES)}",
        master_username,
    )


def check_password_reference(who: str, master_password: Any, alternative: str) -> None:
    # Never echo the value: it may be a real password typed in by mistake.
    require(
        is_token(master_password) or is_expression(master_password),
        who,
        "master_password",
        "a reference to a sensitive Terraform variable (e.g. stack.db_master_password.string_value), "
        f"never a literal string; {alternative}",
    )


def is_expression(value: Any) -> bool:
    """A whole `${...}` Terraform expression, such as an ephemeral reference (DatabaseCredentials.password)."""
    return isinstance(value, str) and value.startswith("${") and value.endswith("}") and value.count("${") == 1


def check_instance_class(who: str, label: str, value: Any) -> None:
    require(
        isinstance(value, str) and bool(DB_CLASS.match(value)),
        who,
        label,
        'an RDS instance class such as "db.r6g.large"',
        value,
    )


def check_backups(who: str, retention: Any, window: Any = None, maintenance: Any = None) -> None:
    """Backups kept 1-35 days (0 would turn them off); windows in UTC."""
    require(
        isinstance(retention, int) and not isinstance(retention, bool) and 1 <= retention <= 35,
        who,
        "backup_retention_period",
        "1-35 days (0 would turn backups off)",
        retention,
    )
    if window is not None:
        require(
            isinstance(window, str) and bool(TIME_WINDOW.match(window)),
            who,
            "backup_window",
            '"hh:mm-hh:mm" in UTC',
            window,
        )
    if maintenance is not None:
        require(
            isinstance(maintenance, str) and bool(MAINTENANCE.match(maintenance)),
            who,
            "maintenance_window",
            '"ddd:hh:mm-ddd:hh:mm" in UTC',
            maintenance,
        )


def check_subnets(who: str, subnet_ids: Any) -> None:
    require(
        not isinstance(subnet_ids, str) and (is_token(subnet_ids) or len(list(subnet_ids)) >= 2),
        who,
        "subnet_ids",
        "a list of at least two subnet ids in different AZs",
        subnet_ids,
    )


def parameter_group(
    scope: Construct,
    name: str,
    major: str,
    tags: Mapping[str, str],
    provider: TerraformProvider | None,
    *,
    aurora: bool = False,
) -> DbParameterGroup | RdsClusterParameterGroup:
    description = f"{name}: TLS only, connection and slow-query logging"
    if aurora:
        return RdsClusterParameterGroup(
            scope,
            "cluster-parameter-group",
            name_prefix=f"{name}-apg{major}-",
            family=f"aurora-postgresql{major}",
            description=description,
            parameter=[
                RdsClusterParameterGroupParameter(name=k, value=v, apply_method="immediate")
                for k, v in PARAMETERS.items()
            ],
            tags=dict(tags) or None,
            provider=provider,
            lifecycle={"create_before_destroy": True},
        )
    return DbParameterGroup(
        scope,
        "parameter-group",
        name_prefix=f"{name}-pg{major}-",
        family=f"postgres{major}",
        description=description,
        parameter=[DbParameterGroupParameter(name=k, value=v, apply_method="immediate") for k, v in PARAMETERS.items()],
        tags=dict(tags) or None,
        provider=provider,
        lifecycle={"create_before_destroy": True},
    )


def log_groups(
    scope: Construct,
    prefix: str,
    logs: Sequence[str],
    kms_key_arn: str | None,
    retention: int,
    tags: Mapping[str, str],
    provider: TerraformProvider | None,
    prevent_destroy: bool = False,
) -> list[CloudwatchLogGroup]:
    """Created before the database so that they carry our retention and key, not RDS's defaults."""
    return [
        CloudwatchLogGroup(
            scope,
            f"log-{log}",
            name=f"{prefix}/{log}",
            retention_in_days=retention,
            kms_key_id=kms_key_arn,
            tags=dict(tags) or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        for log in logs
    ]


def monitoring_role(
    scope: Construct, name: str, tags: Mapping[str, str], provider: TerraformProvider | None
) -> IamRole:
    account = account_context(scope, provider)
    role = IamRole(
        scope,
        "monitoring-role",
        name_prefix=f"{name}-monitoring-"[:38],
        tags=dict(tags) or None,
        provider=provider,
        assume_role_policy=Fn.jsonencode(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
                    }
                ],
            }
        ),
    )
    IamRolePolicyAttachment(
        scope,
        "monitoring-policy",
        role=role.name,
        provider=provider,
        policy_arn=f"arn:{account.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    )
    return role


@dataclass(frozen=True)
class Placement:
    """Where a database lives and who may reach it: the same for an instance, a replica and each
    Aurora cluster (in its region)."""

    vpc_id: str
    subnet_ids: Sequence[str]
    allowed_security_group_ids: Sequence[str]
    allowed_cidr_blocks: Sequence[str]
    provider: TerraformProvider | None


@dataclass(frozen=True)
class Support:
    """What a database needs besides itself."""

    subnet_group: DbSubnetGroup
    security_group: SecurityGroup
    parameter_group: DbParameterGroup | RdsClusterParameterGroup
    log_groups: list[CloudwatchLogGroup]
    monitoring_role: IamRole | None


def support(
    scope: Construct,
    name: str,
    placement: Placement,
    *,
    engine_version: str,
    logs: Sequence[str],
    logs_kms_key_arn: str | None,
    log_retention_in_days: int,
    monitoring: bool,
    tags: Mapping[str, str],
    aurora: bool = False,
    prevent_destroy: bool = False,
) -> Support:
    """Subnet group, security group (5432 from the allowed sources only), TLS-only parameter group,
    the exported logs' groups and the enhanced-monitoring role of one database."""
    provider = placement.provider
    subnet_group = DbSubnetGroup(
        scope,
        "subnet-group",
        name=name,
        description=f"{name} subnets",
        subnet_ids=placement.subnet_ids,
        tags=dict(tags) or None,
        provider=provider,
    )
    group = ingress_security_group(
        scope,
        "security-group",
        name=f"{name}-postgres",
        description=f"{'Aurora PostgreSQL' if aurora else 'PostgreSQL'} {name}: {PORT} from allowed sources",
        vpc_id=placement.vpc_id,
        port=PORT,
        allowed_security_group_ids=placement.allowed_security_group_ids,
        allowed_cidr_blocks=placement.allowed_cidr_blocks,
        tags=tags,
        provider=provider,
    )
    parameters = parameter_group(scope, name, engine_version.split(".")[0], tags, provider, aurora=aurora)
    groups = log_groups(
        scope,
        f"/aws/rds/{'cluster' if aurora else 'instance'}/{name}",
        logs,
        logs_kms_key_arn,
        log_retention_in_days,
        tags,
        provider,
        prevent_destroy,
    )
    role = monitoring_role(scope, name, tags, provider) if monitoring else None
    return Support(subnet_group, group, parameters, groups, role)


def db_instance(
    scope: Construct,
    parts: Support,
    *,
    name: str,
    instance_class: str,
    kms_key_arn: str | None,
    multi_az: bool,
    deletion_protection: bool,
    backup_retention_period: int,
    monitoring_interval: int,
    performance_insights_retention_period: int,
    prevent_destroy: bool,
    tags: Mapping[str, str],
    provider: TerraformProvider | None,
    **shape: Any,
) -> DbInstance:
    """The `aws_db_instance` of a PostgresDatabase or a PostgresReadReplica: what the two share is
    written here once (aws-cdk's DatabaseInstanceNew); `shape` holds what only one of them sets (the
    engine, credentials and storage size of an instance; the source of a replica; snapshots).

    Shared: encrypted gp3 storage with the given key, IAM database authentication, the support
    parts (subnet group, security group, TLS-only parameter group), never public, minor versions
    upgraded automatically in the maintenance window (never immediately), the exported logs into the
    pre-created log groups, Performance Insights with the storage key, enhanced monitoring."""
    return DbInstance(
        scope,
        "instance",
        identifier=name,
        auto_minor_version_upgrade=True,
        ca_cert_identifier=CA_CERTIFICATE,
        instance_class=instance_class,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=kms_key_arn,
        iam_database_authentication_enabled=True,
        db_subnet_group_name=parts.subnet_group.name,
        vpc_security_group_ids=[parts.security_group.id],
        parameter_group_name=parts.parameter_group.name,
        publicly_accessible=False,
        multi_az=multi_az,
        deletion_protection=deletion_protection,
        lifecycle=lifecycle(prevent_destroy),
        backup_retention_period=backup_retention_period,
        copy_tags_to_snapshot=True,
        apply_immediately=False,
        enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
        depends_on=parts.log_groups,
        performance_insights_enabled=True,
        performance_insights_kms_key_id=kms_key_arn,
        performance_insights_retention_period=performance_insights_retention_period,
        monitoring_interval=monitoring_interval,
        monitoring_role_arn=parts.monitoring_role.arn if parts.monitoring_role else None,
        tags=dict(tags) or None,
        provider=provider,
        **shape,
    )


#: A PostgreSQL role name a workload logs in as (IAM authentication: `GRANT rds_iam`), never the master.
DB_USER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def grant_db_connect(
    scope: Construct,
    identity: Any,
    resource_id: str,
    user: str,
    provider: TerraformProvider | None,
    name: str,
    master_username: str | None = None,
) -> Any:
    """`rds-db:connect` as `user` on one instance or cluster (its DbiResourceId or cluster resource id:
    a cross-region replica has its own, so a failover needs no IAM change), and nothing else. The user
    is created inside PostgreSQL: `CREATE USER <user>; GRANT rds_iam TO <user>;` (docs/WORKLOADS.md;
    never the master user, whose password login rds_iam would replace).
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html"""
    from ..eks.workload import Permission

    require(
        bool(DB_USER.match(user)) and user != master_username,
        construct_label(type(scope), scope, ""),
        "user",
        "a PostgreSQL role name of lowercase letters, digits and '_', not the master user",
        user,
    )
    account = account_context(scope, provider)
    arn = account.arn("rds-db", f"dbuser:{resource_id}/{user}")
    return identity.grant(f"database-{name}", Permission(["rds-db:connect"], [arn]))
