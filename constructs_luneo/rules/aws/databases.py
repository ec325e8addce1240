"""AWS API rules: RDS, Aurora and DynamoDB: credentials of replicas and global databases, backup and maintenance
windows, global tables, cross-region read replicas."""

from __future__ import annotations

from typing import Any, Iterable

from ...support.synthesized import blocks, truthy
from ..engine import Finding, View, rule

RDS_SECRETS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html"
AURORA_SECRETS = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html"


@rule(
    "LUNEO-AWS-1",
    "no read replica of an RDS instance whose master password Secrets Manager manages",
    source=RDS_SECRETS,
)
def _replica_of_managed_password(view: View) -> Iterable[Finding]:
    """RDS refuses to create a read replica (same or cross-region) when the source manages its
    master user password in Secrets Manager, for every engine but SQL Server ("Limitations for
    Secrets Manager integration"; InvalidParameterValue: Creating read replicas for source instance
    with engine postgres where ManageMasterUserPassword is enabled is not supported)."""
    for address, path, body in view.each("aws_db_instance"):
        source = view.referenced(body.get("replicate_source_db"), "aws_db_instance")
        source_body = view.body(source) if source else None
        if source_body and truthy(source_body.get("manage_master_user_password")):
            yield Finding(
                path,
                f"{address} replicates {source}, whose master password RDS manages in Secrets "
                "Manager: AWS refuses such a replica. Fix: a generated password (password_wo) on "
                "the source, kept in a secret of ours",
            )


@rule(
    "LUNEO-AWS-2",
    "an Aurora global database uses no managed master password, and only its writer holds credentials",
    source=AURORA_SECRETS,
)
def _aurora_global_credentials(view: View) -> Iterable[Finding]:
    """Clusters that are part of an Aurora global database cannot manage their master password with
    Secrets Manager (Aurora user guide, "Limitations for Secrets Manager integration"); a secondary
    cluster takes its credentials from the primary and refuses its own (InvalidParameterCombination:
    Cannot specify user name/password for cross region replication cluster)."""
    by_global: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for address, path, body in view.each("aws_rds_cluster"):
        global_id = body.get("global_cluster_identifier")
        if not global_id:
            continue
        by_global.setdefault(str(global_id), []).append((address, path, body))
        if truthy(body.get("manage_master_user_password")):
            yield Finding(
                path,
                f"{address} is in a global database with manage_master_user_password: AWS refuses "
                "it. Fix: master_password_wo from a generated password",
            )
    credentials = ("master_username", "master_password", "master_password_wo", "manage_master_user_password")
    for members in by_global.values():
        holders = [m for m in members if any(k in m[2] for k in credentials)]
        for address, path, _ in holders[1:]:
            yield Finding(
                path,
                f"{address} is a secondary of a global database and sets master credentials: AWS "
                "refuses them. Fix: credentials on the primary cluster only",
            )


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def _weekly(start: int, end: int) -> set[int]:
    return {m % _WEEK for m in range(start, end if end > start else end + _WEEK)}


def _windows_overlap(backup: str, maintenance: str) -> bool:
    """Does a daily hh:mm-hh:mm window meet a weekly ddd:hh:mm-ddd:hh:mm window (UTC)?"""
    b_start, b_end = (_minutes(part) for part in backup.split("-"))
    (d1, t1), (d2, t2) = (part.lower().split(":", 1) for part in maintenance.split("-"))
    m_start, m_end = _DAYS.index(d1) * 1440 + _minutes(t1), _DAYS.index(d2) * 1440 + _minutes(t2)
    daily: set[int] = set()
    for day in range(7):
        daily |= _weekly(day * 1440 + b_start, day * 1440 + (b_end if b_end > b_start else b_end + 1440))
    return bool(daily & _weekly(m_start, m_end))


@rule(
    "LUNEO-AWS-8",
    "RDS backup and maintenance windows do not overlap",
    source="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
)
def _rds_windows(view: View) -> Iterable[Finding]:
    """PreferredBackupWindow "Must not conflict with the preferred maintenance window" (CreateDBInstance,
    ModifyDBCluster); the API answers "The backup window and maintenance window must not overlap"."""
    for resource_type, backup_key, maintenance_key in (
        ("aws_db_instance", "backup_window", "maintenance_window"),
        ("aws_rds_cluster", "preferred_backup_window", "preferred_maintenance_window"),
    ):
        for address, path, body in view.each(resource_type):
            backup, maintenance = body.get(backup_key), body.get(maintenance_key)
            if isinstance(backup, str) and isinstance(maintenance, str) and _windows_overlap(backup, maintenance):
                yield Finding(
                    path,
                    f"{address}: {backup_key} {backup} overlaps {maintenance_key} {maintenance}: AWS "
                    "refuses it. Fix: windows apart (the stacks keep maintenance after the backups)",
                )


@rule(
    "LUNEO-AWS-11",
    "a DynamoDB global table is on-demand with its stream on",
    source="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_reqs_bestpractices.html",
)
def _dynamodb_global_table(view: View) -> Iterable[Finding]:
    """ "You must either use on-demand capacity or enable autoscaling on the table" for global tables;
    adding a replica turns the stream on, and a table that leaves stream_enabled unset makes every
    plan try to turn it off, which AWS refuses for replicated tables."""
    for address, path, body in view.each("aws_dynamodb_table"):
        if not blocks(body.get("replica")):
            continue
        if body.get("billing_mode") != "PAY_PER_REQUEST":
            yield Finding(
                path,
                f"{address} has replicas but is not on-demand. Fix: billing_mode = "
                '"PAY_PER_REQUEST" (or provisioned with auto scaling)',
            )
        if not truthy(body.get("stream_enabled")):
            yield Finding(
                path,
                f"{address} has replicas without stream_enabled. Fix: stream_enabled = true, "
                'stream_view_type = "NEW_AND_OLD_IMAGES"',
            )


@rule(
    "LUNEO-AWS-14",
    "a cross-region RDS read replica names its source by ARN and has a key of its region",
    source="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html",
)
def _cross_region_replica(view: View) -> Iterable[Finding]:
    """ "If you create an encrypted read replica in a different Amazon Web Services Region, then you
    must specify a KMS key identifier for the destination Amazon Web Services Region", and a
    cross-region source is given by its ARN (provider docs, replicate_source_db)."""
    for address, path, body in view.each("aws_db_instance"):
        reference = body.get("replicate_source_db")
        source = view.referenced(reference, "aws_db_instance")
        source_body = view.body(source) if source else None
        if not source_body or view.region(source_body) == view.region(body):
            continue
        if not str(reference).endswith(".arn}"):
            yield Finding(path, f"{address} replicates {source} across regions by identifier. Fix: its arn")
        if truthy(source_body.get("storage_encrypted")) and not body.get("kms_key_id"):
            yield Finding(
                path,
                f"{address} is an encrypted cross-region replica without kms_key_id. Fix: a key of {view.region(body)}",
            )
