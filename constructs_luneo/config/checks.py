"""Value checks for tfvars variables: each returns what was expected, or None when the value is fine."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

from ..dated import catalog, kubernetes_support
from ..support.errors import ConfigError
from ..support.facts import AWS_REGIONS
from ..support.patterns import DEFAULT_TAG_KEYS, INSTANCE_TYPE, MAX_TAGS, TIME_WINDOW, tag_problem
from .tfvars import Check, Where, cross_check

REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$")


def region(expected: str) -> Check:
    """A region code of the AWS_REGIONS list (the pattern alone lets "eu-west-9" through)."""

    def check(value: str) -> str | None:
        if not REGION.match(value):
            return expected
        if value not in AWS_REGIONS:
            return (
                f"{expected} (no AWS region has that code; the list: AWS_REGIONS in constructs_luneo/support/facts.py)"
            )
        return None

    return check


def pattern(regex: re.Pattern[str], expected: str) -> Check:
    return lambda v: None if regex.match(v) else expected


def int_range(lo: int, hi: int | None = None) -> Check:
    def check(v: int) -> str | None:
        if v < lo or (hi is not None and v > hi):
            return f"a whole number from {lo} to {hi}" if hi is not None else f"a whole number >= {lo}"
        return None

    return check


def optional(check: Check) -> Check:
    return lambda v: None if v is None else check(v)


def one_of(*choices: str) -> Check:
    expected = " or ".join(f'"{c}"' for c in choices)
    return lambda v: None if v in choices else expected


def each(check: Check) -> Check:
    def check_each(values: list[Any]) -> str | None:
        for value in values:
            expected = check(value)
            if expected:
                return f"{expected} (got {value!r})"
        return None

    return check_each


#: A manual or automated (`rds:`) snapshot's identifier, or a snapshot's ARN (one shared from another
#: account or copied from another region), after "snapshot:"; a UTC time or "latest" after "time:".
RESTORE_SNAPSHOT = re.compile(
    r"^snapshot:((rds:)?[A-Za-z][A-Za-z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:(rds:)?[A-Za-z][A-Za-z0-9-]*)$"
)
RESTORE_TIME = re.compile(r"^time:(latest|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$")


def restore_source(v: str | None) -> str | None:
    """`snapshot:<id or ARN>` or `time:<UTC time>|latest`; a time not in the future (RDS restores up to
    its LatestRestorableTime, a few minutes ago: RestoreDBInstanceToPointInTime)."""
    from datetime import datetime, timezone

    expected = '"snapshot:<snapshot id or ARN>", "time:<UTC time like 2026-12-05T03:00:00Z>" or "time:latest"'
    if v is None:
        return None
    if RESTORE_SNAPSHOT.match(v):
        return None
    if not RESTORE_TIME.match(v):
        return expected
    if v != "time:latest":
        try:
            when = datetime.strptime(v.removeprefix("time:"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return expected + " (that time does not exist)"
        if when > datetime.now(timezone.utc):
            return "a time in the past (RDS restores up to its latest restorable time, a few minutes ago)"
    return None


def tags(v: Mapping[str, str]) -> str | None:
    reserved = set(DEFAULT_TAG_KEYS) & set(v)
    if reserved:
        return f"extra tags only; {', '.join(sorted(reserved))} come from the provider's default_tags"
    # Each resource adds a Name or two of its own: leave it room within AWS's 50 (rule LUNEO-AWS-20
    # counts them exactly on the synthesized resources).
    room = MAX_TAGS - len(DEFAULT_TAG_KEYS) - 5
    if len(v) > room:
        return f"at most {room} extra tags (AWS takes {MAX_TAGS} per resource, default_tags and Name included)"
    problems = [p for k, value in v.items() if (p := tag_problem(k, value))]
    return f"tags AWS accepts ({problems[0]})" if problems else None


def instance_types(v: list[str]) -> str | None:
    if len(v) < 2:
        return "two or more instance types (diversity lowers SPOT interruptions)"
    return each(pattern(INSTANCE_TYPE, "EC2 instance types such as m6i.large"))(v)


def workloads(v: Mapping[str, str]) -> str | None:
    """name -> "namespace/service-account": names that make role, cache user and database user names."""
    for name, where in v.items():
        parts = where.split("/")
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,29}", name):
            return f"workload names of 2-30 lowercase letters, digits or '-' (got {name!r})"
        if len(parts) != 2 or not all(re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", p) for p in parts):
            return f'"<namespace>/<service account>" for each workload (got {name} = {where!r})'
    return None


def public_cidrs(v: list[str]) -> str | None:
    for cidr in v:
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError:
            return f"CIDR blocks such as 203.0.113.0/24 (got {cidr!r})"
        if network.prefixlen == 0:
            return "specific CIDR blocks, never 0.0.0.0/0"
    return None


def existing_encryption(v: Mapping[str, str]) -> str | None:
    unknown = sorted(set(v) - {"db", "redis", "ecr"})
    if unknown:
        return f"keys db, redis or ecr (got {unknown[0]!r})"
    for key, value in v.items():
        if value != "default" and not KMS_KEY_ARN.match(value):
            return f'a KMS key ARN or "default" for {key} (got {value!r})'
    return None


def vpc_cidr(v: str) -> str | None:
    try:
        network = ipaddress.IPv4Network(v)
    except ValueError:
        return 'an IPv4 network such as "10.0.0.0/16"'
    if not network.is_private or not 16 <= network.prefixlen <= 20:
        return "a private IPv4 network from /16 to /20"
    return None


def window(v: str) -> str | None:
    if not TIME_WINDOW.match(v):
        return 'a UTC window "hh:mm-hh:mm", e.g. "04:00-05:00"'
    start, end = ([int(x) for x in part.split(":")] for part in v.split("-"))
    minutes = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) % (24 * 60)
    return None if minutes >= 30 else "a window of at least 30 minutes (an RDS requirement)"


# --- checks across variables against the dated tables (constructs_luneo/dated/): what an
# environment asks of AWS that AWS may not offer, refused naming the file and the variable instead
# of at the first apply. The same tables back rules LUNEO-AWS-18 and LUNEO-AWS-19 for constructs
# used directly.


@cross_check(
    "Instance classes and node types are offered in the region that runs them (the catalog: "
    "`constructs_luneo/dated/prices.csv`): `db_primary_instance_class` in `primary_region`, "
    "`db_replica_instance_class` "
    "in `secondary_region`, `redis_node_type` in both with `redis_global_datastore` (else the primary), "
    "`eks_spot_instance_types` and `eks_system_instance_type` in both."
)
def check_offered(values: Mapping[str, Any], where: Where) -> None:
    primary, secondary = values["primary_region"], values["secondary_region"]
    db_kind = "aurora" if values["db_dr_mode"] == "aurora-global" else "db"
    replica_class = values["db_replica_instance_class"] or values["db_primary_instance_class"]
    wanted: list[tuple[str, str, str, str]] = [
        ("db_primary_instance_class", db_kind, primary, values["db_primary_instance_class"]),
        (
            "db_replica_instance_class" if values["db_replica_instance_class"] else "db_primary_instance_class",
            db_kind,
            secondary,
            replica_class,
        ),
    ]
    for region in (primary, secondary) if values["redis_global_datastore"] else (primary,):
        wanted.append(("redis_node_type", "cache", region, values["redis_node_type"]))
    for region in (primary, secondary):
        wanted += [("eks_spot_instance_types", "ec2", region, t) for t in values["eks_spot_instance_types"]]
        wanted.append(("eks_system_instance_type", "ec2", region, values["eks_system_instance_type"]))
    offered = catalog()
    for variable, kind, region, name in wanted:
        problem = offered.check(kind, region, name)
        if problem:
            raise ConfigError(f"{where(variable)}: {variable}: {problem}")


@cross_check(
    "`eks_kubernetes_version` is on the EKS calendar (`constructs_luneo/dated/kubernetes.csv`) and, with "
    '`eks_support_type = "STANDARD"`, still on standard support (synth warns 60 days before).'
)
def check_kubernetes(values: Mapping[str, Any], where: Where) -> None:
    found = kubernetes_support(values["eks_kubernetes_version"], values["eks_support_type"])
    if found and found[0] == "error":
        raise ConfigError(f"{where('eks_kubernetes_version')}: eks_kubernetes_version: {found[1]}")
