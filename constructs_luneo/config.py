"""Environment configuration: one tfvars file per environment, parsed and validated.

`environments/<env>.tfvars` holds plain literal values (numbers, strings, booleans, lists,
maps) under the variable names operators already use with the HCL code. Everything is checked
before a single construct is built, so a typo or a wrong value fails fast with one line naming
the file, the variable and what was expected (:class:`ConfigError`).

This module must stay cheap to import: it does not import cdktf or the AWS provider, so that
`python -m constructs_luneo.config` and a failing `main.py` answer in well under a second.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import ConfigError  # re-exported
from .patterns import BUCKET, CACHE_TYPE, DB_CLASS, HOSTNAME, INSTANCE_TYPE, ROLE_ARN, TIME_WINDOW

# Names that look like credentials. They never belong in a file that is committed.
SECRET_NAME = re.compile(r"(password|passwd|secret|token|private_key|access_key|credential)", re.I)

ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
STATE_KEY = re.compile(r"^[A-Za-z0-9!_.*'()/-]+\.tfstate$")
TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$")

#: The Terraform state that exists today belongs to prod; other environments get their own key.
LEGACY_PROD_STATE_KEY = "global/multi-region/terraform.tfstate"



@dataclass(frozen=True)
class Variable:
    """One tfvars variable: its type, default (None = optional, REQUIRED = must be set) and checks."""

    name: str
    kind: str  # "int", "string", "bool", "list(string)", "map(string)"
    default: Any
    description: str
    check: Callable[[Any], str | None] | None = None  # returns what was expected, or None if fine


REQUIRED = object()


def _pattern(regex: re.Pattern[str], expected: str) -> Callable[[Any], str | None]:
    return lambda v: None if regex.match(v) else expected


def _int_range(lo: int, hi: int | None = None) -> Callable[[Any], str | None]:
    def check(v: int) -> str | None:
        if v < lo or (hi is not None and v > hi):
            return f"a whole number from {lo} to {hi}" if hi is not None else f"a whole number >= {lo}"
        return None

    return check


def _optional(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    return lambda v: None if v is None else check(v)


def _tags(v: Mapping[str, str]) -> str | None:
    reserved = {"Environment", "Project", "ManagedBy"} & set(v)
    if reserved:
        return f"extra tags only; {', '.join(sorted(reserved))} come from the provider's default_tags"
    bad = [k for k in v if not TAG_KEY.match(k) or k.lower().startswith("aws:")]
    return f"tag keys of 1-128 characters not starting with 'aws:' (got {bad[0]!r})" if bad else None


def _each(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def each(values: list) -> str | None:
        for value in values:
            expected = check(value)
            if expected:
                return f"{expected} (got {value!r})"
        return None

    return each


def _instance_types(v: list[str]) -> str | None:
    if len(v) < 2:
        return "two or more instance types (diversity lowers SPOT interruptions)"
    return _each(_pattern(INSTANCE_TYPE, "EC2 instance types such as m6i.large"))(v)


def _public_cidrs(v: list[str]) -> str | None:
    for cidr in v:
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError:
            return f"CIDR blocks such as 203.0.113.0/24 (got {cidr!r})"
        if network.prefixlen == 0:
            return "specific CIDR blocks, never 0.0.0.0/0"
    return None


def _existing_encryption(v: Mapping[str, str]) -> str | None:
    unknown = sorted(set(v) - {"db", "redis", "ecr"})
    if unknown:
        return f"keys db, redis or ecr (got {unknown[0]!r})"
    for key, value in v.items():
        if value != "default" and not re.match(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$", value):
            return f'a KMS key ARN or "default" for {key} (got {value!r})'
    return None


def _cidr(v: str) -> str | None:
    try:
        network = ipaddress.IPv4Network(v)
    except ValueError:
        return 'an IPv4 network such as "10.0.0.0/16"'
    if not network.is_private or not 16 <= network.prefixlen <= 20:
        return "a private IPv4 network from /16 to /20"
    return None


def _window(v: str) -> str | None:
    if not TIME_WINDOW.match(v):
        return 'a UTC window "hh:mm-hh:mm", e.g. "04:00-05:00"'
    start, end = ([int(x) for x in part.split(":")] for part in v.split("-"))
    minutes = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) % (24 * 60)
    return None if minutes >= 30 else "a window of at least 30 minutes (an RDS requirement)"


# The single source of truth for what an environment file may contain. terraform.tfvars.example
# and the README's reference are checked against this table by the tests.
VARIABLES: tuple[Variable, ...] = (
    # State backend: the existing S3 bucket and DynamoDB lock table.
    Variable("state_bucket", "string", "luneo-terraform-state", "S3 bucket holding Terraform state",
             _pattern(BUCKET, "an S3 bucket name")),
    Variable("state_key", "string", None,
             f'state object key; default "{LEGACY_PROD_STATE_KEY}" for prod, "<env>/multi-region/terraform.tfstate" otherwise',
             _pattern(STATE_KEY, 'an S3 key ending in ".tfstate"')),
    Variable("state_region", "string", "eu-west-1", "region of the state bucket and lock table",
             _pattern(REGION, 'an AWS region such as "eu-west-1"')),
    Variable("state_lock_table", "string", "luneo-terraform-locks", "DynamoDB table used for state locking",
             _pattern(TABLE, "a DynamoDB table name")),
    # Regions.
    Variable("primary_region", "string", "eu-west-1", "primary region (writes)",
             _pattern(REGION, 'an AWS region such as "eu-west-1"')),
    Variable("secondary_region", "string", "us-east-1", "secondary region (replicas, failover)",
             _pattern(REGION, 'an AWS region such as "us-east-1"')),
    # Network.
    Variable("vpc_primary_cidr", "string", "10.0.0.0/16", "VPC range in the primary region, /16 to /20", _cidr),
    Variable("vpc_secondary_cidr", "string", "10.1.0.0/16", "VPC range in the secondary region, /16 to /20", _cidr),
    Variable("single_nat_gateway", "bool", False,
             "one NAT gateway per VPC instead of one per AZ (cheaper, not zone-redundant)"),
    # EKS node group sizes.
    Variable("eks_primary_desired_size", "int", 3, "EKS nodes wanted in the primary region", _int_range(0, 100)),
    Variable("eks_primary_min_size", "int", 2, "EKS node group minimum, primary region", _int_range(0, 100)),
    Variable("eks_primary_max_size", "int", 10, "EKS node group maximum, primary region", _int_range(1, 100)),
    Variable("eks_secondary_desired_size", "int", 2, "EKS nodes wanted in the secondary region", _int_range(0, 100)),
    Variable("eks_secondary_min_size", "int", 1, "EKS node group minimum, secondary region", _int_range(0, 100)),
    Variable("eks_secondary_max_size", "int", 5, "EKS node group maximum, secondary region", _int_range(1, 100)),
    Variable("eks_kubernetes_version", "string", "1.33", "Kubernetes minor version of both clusters",
             _pattern(re.compile(r"^1\.\d{2}$"), 'a Kubernetes minor version such as "1.33"')),
    Variable("eks_spot_instance_types", "list(string)", ["m6i.large", "m6a.large", "m5.large", "m5a.large"],
             "instance types of the SPOT node groups (two or more)", _instance_types),
    Variable("eks_system_instance_type", "string", "m6i.large", "instance type of the on-demand system node groups",
             _pattern(INSTANCE_TYPE, 'an EC2 instance type such as "m6i.large"')),
    Variable("eks_system_node_count", "int", 2, "on-demand system nodes per cluster", _int_range(1, 10)),
    Variable("eks_public_access_cidrs", "list(string)", [],
             "CIDRs allowed to reach the EKS API publicly; empty: private endpoint only", _public_cidrs),
    Variable("eks_admin_role_arns", "list(string)", [], "IAM roles given cluster-admin through EKS access entries",
             _each(_pattern(ROLE_ARN, "IAM role ARNs such as arn:aws:iam::123456789012:role/platform-admins"))),
    # Database.
    Variable("db_primary_instance_class", "string", REQUIRED, 'RDS instance class, e.g. "db.r6g.large"',
             _pattern(DB_CLASS, 'an RDS instance class such as "db.r6g.large"')),
    Variable("db_allocated_storage", "int", 100, "RDS storage in GiB (gp3)", _int_range(20, 65536)),
    Variable("db_multi_az", "bool", True, "RDS standby in a second AZ (automatic failover)"),
    Variable("db_manage_master_password", "bool", True,
             "true: RDS keeps the master password in Secrets Manager; false: pass TF_VAR_db_master_password at plan time"),
    Variable("db_dr_mode", "string", "replica",
             '"replica": RDS with a cross-region read replica; "aurora-global": Aurora PostgreSQL Global Database',
             lambda v: None if v in ("replica", "aurora-global") else '"replica" or "aurora-global"'),
    Variable("db_replica_instance_class", "string", None,
             "instance class of the us-east-1 replica or Aurora secondary (default: db_primary_instance_class)",
             _optional(_pattern(DB_CLASS, 'an RDS instance class such as "db.r6g.large"'))),
    Variable("db_replica_promoted", "bool", False,
             "the secondary-region replica was promoted after a failover (docs/DISASTER_RECOVERY.md)"),
    Variable("backup_retention_period", "int", 7, "days of automated RDS backups", _int_range(1, 35)),
    Variable("backup_window", "string", "04:00-05:00", "daily RDS backup window, UTC", _window),
    # Redis.
    Variable("redis_node_type", "string", REQUIRED, 'ElastiCache node type, e.g. "cache.r6g.large"',
             _pattern(CACHE_TYPE, 'an ElastiCache node type such as "cache.r6g.large"')),
    Variable("redis_num_cache_clusters", "int", 2, "Redis nodes (1 primary + replicas)", _int_range(1, 6)),
    # Ingress and logs.
    Variable("primary_ingress_hostname", "string", None, "EKS load balancer hostname in the primary region",
             _optional(_pattern(HOSTNAME, "a DNS hostname such as lb.eu-west-1.example.com"))),
    Variable("secondary_ingress_hostname", "string", None, "EKS load balancer hostname in the secondary region",
             _optional(_pattern(HOSTNAME, "a DNS hostname such as lb.us-east-1.example.com"))),
    Variable("route53_zone_id", "string", None, "hosted zone of the failover record (optional)",
             _optional(_pattern(re.compile(r"^Z[A-Z0-9]{1,31}$"), 'a Route53 hosted zone id such as "Z0123456789ABC"'))),
    Variable("dns_record_name", "string", None, "failover record name in that zone, e.g. app.luneo.app",
             _optional(_pattern(HOSTNAME, "a DNS name such as app.luneo.app"))),
    Variable("health_check_path", "string", "/healthz", "HTTPS path the Route53 health checks request",
             _pattern(re.compile(r"^/[\w./~%-]*$"), 'a path such as "/healthz"')),
    Variable("dns_force_failover", "bool", False,
             "planned failover: mark the healthy primary as failed so Route53 answers with the secondary"),
    Variable("alarm_emails", "list(string)", [], "e-mail addresses subscribed to the alarm topics",
             _each(_pattern(re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"), "e-mail addresses"))),
    Variable("logging_bucket", "string", None, "S3 bucket receiving CloudFront access logs (optional)",
             _optional(_pattern(BUCKET, "an S3 bucket name"))),
    Variable("existing_encryption", "map(string)", {},
             "keys db, redis, ecr: the KMS key ARN (or \"default\") an existing database, cache or repository was "
             "created with; from `make migrate-plan`", _existing_encryption),
    Variable("tags", "map(string)", {}, "extra tags on every resource (besides Environment, Project, ManagedBy)", _tags),
)

VARIABLES_BY_NAME = {v.name: v for v in VARIABLES}


@dataclass(frozen=True)
class EnvironmentConfig:
    """A validated environment: `environment` plus every variable in VARIABLES as an attribute."""

    environment: str
    source: str
    values: Mapping[str, Any] = field(repr=False)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def stack_name(self) -> str:
        return f"luneo-{self.environment}"

    @property
    def is_production(self) -> bool:
        return self.environment == "prod"


_KIND_EXPECTED = {
    "int": "a whole number",
    "string": "a quoted string",
    "bool": "true or false",
    "list(string)": "a list of strings",
    "map(string)": "a map of strings",
}


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list(string)":
        return isinstance(value, list) and all(isinstance(x, str) for x in value)
    if kind == "map(string)":
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in value.items())
    raise AssertionError(kind)


def _is_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value or "%{" in value
    if isinstance(value, list):
        return any(_is_expression(x) for x in value)
    if isinstance(value, dict):
        return any(_is_expression(x) for x in value.values())
    return False


def _key_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of top-level `name =` assignments (the parser keeps only the last duplicate)."""
    lines: dict[str, list[int]] = {}
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].split("//", 1)[0]
        match = re.match(r"\s*([A-Za-z_][\w-]*)\s*=(?!=)", stripped)
        if depth == 0 and match:
            lines.setdefault(match.group(1), []).append(number)
        depth += stripped.count("{") + stripped.count("[") - stripped.count("}") - stripped.count("]")
    return lines


def _parse(path: Path, label: str) -> tuple[dict[str, Any], dict[str, list[int]]]:
    import hcl2  # python-hcl2; imported here so that `--help`-style callers stay fast
    from lark.exceptions import LarkError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: cannot read the file ({exc.__class__.__name__}: {exc})") from None
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, preserve_heredocs=False)
    try:
        data = hcl2.loads(text, serialization_options=options)
    except LarkError as exc:
        where = ""
        if getattr(exc, "line", None) not in (None, -1):
            where = f" at line {exc.line}, column {exc.column}"
        raise ConfigError(f"{label}: syntax error{where}: expected `name = value` with a literal value") from None
    except Exception as exc:  # python-hcl2 raises plain exceptions for some malformed input
        raise ConfigError(f"{label}: syntax error: {str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}") from None
    return data, _key_lines(text)


def _load_values(path: Path, label: str, variables: tuple[Variable, ...]) -> tuple[dict[str, Any], Callable[[str], str]]:
    """Parse a tfvars file and check every value against `variables`; fill in defaults.
    Returns the values and `where(name)`, the `file:line` of a variable for error messages."""
    by_name = {v.name: v for v in variables}
    data, key_lines = _parse(path, label)

    for name, numbers in key_lines.items():
        if len(numbers) > 1:
            raise ConfigError(f"{label}: {name}: set more than once (lines {', '.join(map(str, numbers))}); keep one")

    def where(name: str) -> str:
        numbers = key_lines.get(name)
        return f"{label}:{numbers[0]}" if numbers else label

    values: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("__is_block__"):
            raise ConfigError(f"{where(name)}: {name}: blocks are not allowed; expected `{name} = <value>`")
        variable = by_name.get(name)
        if variable is None and SECRET_NAME.search(name):
            raise ConfigError(
                f"{where(name)}: {name}: secrets must not be stored in an environment file; remove it and pass "
                f"TF_VAR_{name} (or use the RDS-managed password) at plan time")
        if variable is None:
            close = difflib.get_close_matches(name, by_name, n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (see terraform.tfvars.example for the known variables)"
            raise ConfigError(f"{where(name)}: {name}: unknown variable{hint}")
        if _is_expression(value):
            raise ConfigError(f"{where(name)}: {name}: expected a literal value, not an expression or interpolation")
        if value is None:
            if variable.default is REQUIRED:
                raise ConfigError(f"{where(name)}: {name}: is required; expected {_KIND_EXPECTED[variable.kind]}, got null")
            continue
        if not _type_ok(variable.kind, value):
            raise ConfigError(
                f"{where(name)}: {name}: expected {_KIND_EXPECTED[variable.kind]}, got {_describe(value)}")
        expected = variable.check(value) if variable.check else None
        if expected:
            raise ConfigError(f"{where(name)}: {name}: expected {expected}, got {value!r}")
        values[name] = value

    for variable in variables:
        if variable.name in values:
            continue
        if variable.default is REQUIRED:
            raise ConfigError(f"{label}: {variable.name}: is required; expected {_KIND_EXPECTED[variable.kind]} "
                              f"({variable.description})")
        values[variable.name] = variable.default
    return values, where


def load_environment(path: str | Path, *, label: str | None = None) -> EnvironmentConfig:
    """Parse and validate one `<env>.tfvars` file; raise ConfigError naming file and variable."""
    path = Path(path)
    label = label or str(path)
    environment = path.name.removesuffix(".tfvars")
    if not ENV_NAME.match(environment):
        raise ConfigError(f"{label}: the file name must be <environment>.tfvars with a lowercase environment name "
                          f"(letters, digits, '-'), got {environment!r}")
    values, where = _load_values(path, label, VARIABLES)
    if values["state_key"] is None:
        values["state_key"] = (LEGACY_PROD_STATE_KEY if environment == "prod"
                               else f"{environment}/multi-region/terraform.tfstate")

    for prefix, region_key in (("eks_primary", "primary_region"), ("eks_secondary", "secondary_region")):
        low, want, high = (values[f"{prefix}_{s}_size"] for s in ("min", "desired", "max"))
        if not low <= want <= high:
            raise ConfigError(
                f"{where(f'{prefix}_desired_size')}: {prefix}_desired_size: expected a value between "
                f"{prefix}_min_size ({low}) and {prefix}_max_size ({high}), got {want}")
    if ipaddress.IPv4Network(values["vpc_primary_cidr"]).overlaps(ipaddress.IPv4Network(values["vpc_secondary_cidr"])):
        raise ConfigError(f"{where('vpc_secondary_cidr')}: vpc_secondary_cidr: expected a range that does not overlap "
                          f"vpc_primary_cidr ({values['vpc_primary_cidr']}), got {values['vpc_secondary_cidr']!r}")
    if values["db_dr_mode"] == "aurora-global" and values["db_manage_master_password"]:
        raise ConfigError(f"{where('db_dr_mode')}: db_dr_mode: \"aurora-global\" needs db_manage_master_password = false "
                          "(a global cluster cannot use the RDS-managed password; pass TF_VAR_db_master_password)")
    if values["db_replica_promoted"] and values["db_dr_mode"] != "replica":
        raise ConfigError(f"{where('db_replica_promoted')}: db_replica_promoted: expected false with "
                          f"db_dr_mode = \"{values['db_dr_mode']}\" (it describes a promoted read replica)")
    if values["route53_zone_id"] and not (values["dns_record_name"] and values["primary_ingress_hostname"]
                                          and values["secondary_ingress_hostname"]):
        raise ConfigError(f"{where('route53_zone_id')}: route53_zone_id: expected dns_record_name, "
                          "primary_ingress_hostname and secondary_ingress_hostname to be set with it")
    if values["dns_record_name"] and not values["route53_zone_id"]:
        raise ConfigError(f"{where('dns_record_name')}: dns_record_name: expected route53_zone_id to be set with it")
    if values["primary_region"] == values["secondary_region"]:
        raise ConfigError(f"{where('secondary_region')}: secondary_region: expected a region other than "
                          f"primary_region ({values['primary_region']!r})")
    if "us-east-1" not in (values["primary_region"], values["secondary_region"]):
        raise ConfigError(f"{where('secondary_region')}: secondary_region: expected one of the regions to be us-east-1 "
                          "(Route53 health-check metrics and CloudFront's certificates live there)")
    return EnvironmentConfig(environment=environment, source=label, values=values)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a bool)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__


def load_environments(directory: str | Path, *, base: str | Path | None = None) -> list[EnvironmentConfig]:
    """Load every `<env>.tfvars` in `directory`, sorted by name; labels are relative to `base`."""
    directory = Path(directory)
    files = sorted(directory.glob("*.tfvars"))
    if not files:
        raise ConfigError(f"{directory}: no <environment>.tfvars files found")
    configs = []
    for path in files:
        try:
            label = str(path.relative_to(base)) if base else str(path)
        except ValueError:
            label = str(path)
        configs.append(load_environment(path, label=label))
    stacks: dict[str, str] = {}
    for config in configs:
        if config.state_key in stacks:
            raise ConfigError(f"{config.source}: state_key: expected a key of its own, "
                              f"{config.state_key!r} is already used by {stacks[config.state_key]}")
        stacks[config.state_key] = config.source
    return configs


def main(argv: list[str] | None = None) -> int:
    """`python -m constructs_luneo.config [DIR]`: validate every environment file, print a line each."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("environments")
    try:
        configs = load_environments(directory, base=Path.cwd())
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for config in configs:
        print(f"ok: {config.source} -> stack {config.stack_name}, state key {config.state_key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# --- luneo-bootstrap: the state bucket and lock table themselves (bootstrap.tfvars) ---

BOOTSTRAP_VARIABLES: tuple[Variable, ...] = (
    Variable("adopt_existing", "bool", True,
             "true: the bucket and table exist (as today) and are adopted with import blocks; false: create them"),
    Variable("state_noncurrent_version_expiration_days", "int", 365,
             "old state versions are kept this long (restores need them)", _int_range(30, 3650)),
)


@dataclass(frozen=True)
class BootstrapConfig:
    """What luneo-bootstrap creates: every distinct (bucket, lock table, region) the environments use."""

    source: str
    adopt_existing: bool
    noncurrent_version_expiration_days: int
    backends: tuple[tuple[str, str, str], ...]  # (bucket, table, region)

    stack_name = "luneo-bootstrap"


def load_bootstrap(path: str | Path, environments: list[EnvironmentConfig], *, label: str | None = None) -> BootstrapConfig:
    path = Path(path)
    label = label or str(path)
    values, _ = _load_values(path, label, BOOTSTRAP_VARIABLES)
    backends: dict[str, tuple[str, str, str]] = {}
    for env in environments:
        backend = (env.state_bucket, env.state_lock_table, env.state_region)
        other = backends.setdefault(env.state_bucket, backend)
        if other != backend:
            raise ConfigError(f"{env.source}: state_lock_table/state_region: expected the same lock table and region as "
                              f"the other environments on bucket {env.state_bucket} ({other[1]}, {other[2]})")
    return BootstrapConfig(source=label, adopt_existing=values["adopt_existing"],
                           noncurrent_version_expiration_days=values["state_noncurrent_version_expiration_days"],
                           backends=tuple(sorted(backends.values())))


# --- migrations/<stack>.json: moved/removed blocks proposed by `make migrate-plan`, reviewed ---

ADDRESS = re.compile(r'^(module\.[A-Za-z0-9_-]+(\[[^\]]+\])?\.)*[a-z0-9_]+\.[A-Za-z0-9_-]+(\[[^\]]+\])?$')


@dataclass(frozen=True)
class Migration:
    source: str
    moved: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]


def load_migration(path: str | Path, *, label: str | None = None) -> Migration:
    path = Path(path)
    label = label or str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{label}: cannot read the migration ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected an object with `moved` and `removed` lists")
    moved, removed = [], []
    for i, item in enumerate(data.get("moved", [])):
        if not (isinstance(item, dict) and ADDRESS.match(str(item.get("from", ""))) and ADDRESS.match(str(item.get("to", "")))):
            raise ConfigError(f"{label}: moved[{i}]: expected {{\"from\": <address>, \"to\": <address>}}, got {item!r}")
        moved.append((item["from"], item["to"]))
    for i, item in enumerate(data.get("removed", [])):
        if not (isinstance(item, dict) and ADDRESS.match(str(item.get("from", ""))) and "[" not in item["from"].split(".")[-1]):
            raise ConfigError(f"{label}: removed[{i}]: expected {{\"from\": <resource address without index>}}, "
                              f"got {item!r}")
        removed.append(item["from"])
    sources = [m[0] for m in moved] + removed
    duplicates = sorted({s for s in sources if sources.count(s) > 1})
    if duplicates:
        raise ConfigError(f"{label}: {duplicates[0]}: appears more than once")
    return Migration(source=label, moved=tuple(moved), removed=tuple(removed))
