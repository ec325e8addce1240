"""`make cost [STACK=...]`: the monthly cost of each synthesized stack, offline.

Reads `cdktf.out/stacks/*/cdk.tf.json` (plain JSON: no cdktf import, so it answers in well under
a second), prices every resource from its type and arguments with the pinned table
`pricing/prices.csv` and the usage assumptions `pricing/usage.toml`, and prints per stack a table
by component (resources, monthly cost per region, total), the types that cost nothing (each with
its reason) and whatever could not be priced. A resource is never silently zero: a type that is
neither priced (PRICERS) nor known to be free (FREE), or an argument the table has no row for
(e.g. an instance class), is listed as "not priced". docs/COST.md explains the model.

Usage: python -m scripts.cost [--stack NAME] [--detail] [--outdir cdktf.out]
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
PRICES_FILE = ROOT / "pricing" / "prices.csv"
USAGE_FILE = ROOT / "pricing" / "usage.toml"
HOURS_PER_MONTH = 730
GLOBAL = "global"  # CloudFront and Route53 are priced once, whatever the provider's region


class CostError(Exception):
    """A broken price table or usage file: one line naming the file and what is wrong."""


# --- the price table ------------------------------------------------------------------------

@dataclass(frozen=True)
class Price:
    key: str
    region: str
    usd: float
    unit: str
    as_of: str
    source: str


class PriceTable:
    def __init__(self, rows: Iterable[Price], *, label: str = "prices"):
        self.label = label
        self.rows: dict[tuple[str, str], Price] = {}
        for row in rows:
            if (row.key, row.region) in self.rows:
                raise CostError(f"{label}: {row.key} in {row.region} is listed twice")
            self.rows[(row.key, row.region)] = row

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> "PriceTable":
        lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
        rows = []
        for number, record in enumerate(csv.DictReader(lines), start=2):
            try:
                usd = float(record["usd"])
            except (TypeError, ValueError):
                raise CostError(f"{path}: row {number}: usd must be a number, got {record.get('usd')!r}") from None
            if not re.fullmatch(r"\d{4}-\d{2}", record.get("as_of") or "") or not (record.get("source") or "").startswith(
                    "https://aws.amazon.com/"):
                raise CostError(f"{path}: row {number} ({record['key']}): needs as_of YYYY-MM and an AWS pricing page URL")
            rows.append(Price(record["key"], record["region"], usd, record["unit"], record["as_of"], record["source"]))
        return cls(rows, label=str(path))

    @property
    def as_of(self) -> str:
        """The oldest row's month: the table is no fresher than that."""
        return min(price.as_of for price in self.rows.values())

    def get(self, key: str, region: str, unit: str) -> Price | None:
        price = self.rows.get((key, region))
        if price is not None and price.unit != unit:
            # A unit mix-up (a monthly price read as hourly) is off by 730x: refuse it.
            raise CostError(f"{self.label}: {key} in {region} is priced per {price.unit!r}; the code bills it per {unit!r}")
        return price


# --- usage assumptions ----------------------------------------------------------------------

#: Every usage key the pricers read, and whether it may be a table of name patterns.
USAGE_KEYS = {
    "spot_discount": False, "ec2_detailed_monitoring_metrics": False, "nat_gb_processed": False,
    "vpce_gb_processed": False, "cloudfront_gb_out": False, "cloudfront_requests_millions": False,
    "s3_replication_gb": False, "rds_replica_transfer_gb": False, "rds_enhanced_monitoring_gb": False,
    "aurora_storage_gb": False, "aurora_io_millions": False, "aurora_replicated_write_io_millions": False,
    "aurora_global_transfer_gb": False, "redis_snapshot_gb": False, "log_archive_ratio": False,
    "log_never_expire_months": False, "kms_rotations_done": False, "kms_requests_thousands": False,
    "route53_health_check_endpoint": False, "route53_queries_millions": False, "dynamodb_write_millions": False,
    "dynamodb_read_millions": False, "dynamodb_gb_stored": False, "sns_publishes_millions": False,
    "sns_email_deliveries_thousands": False, "redis_global_transfer_gb": False, "ecr_replication_gb": False,
    "s3_gb_stored": True, "s3_put_requests_thousands": True, "s3_get_requests_thousands": True,
    "ecr_gb_stored": True, "log_ingestion_gb": True,
}


class Usage:
    def __init__(self, data: dict, *, label: str = "usage"):
        self.label = label
        self.defaults = data.get("defaults", {})
        self.stacks = data.get("stack", {})
        unknown = sorted(set(data) - {"defaults", "stack"})
        if unknown:
            raise CostError(f"{label}: unknown section [{unknown[0]}] (expected [defaults] and [stack.<name>])")
        for where, values in [("defaults", self.defaults), *((f"stack.{s}", v) for s, v in self.stacks.items())]:
            for key, value in values.items():
                if key not in USAGE_KEYS:
                    raise CostError(f"{label}: [{where}] {key}: unknown usage key")
                if isinstance(value, dict):
                    if not USAGE_KEYS[key]:
                        raise CostError(f"{label}: [{where}] {key}: expected a single value, not a table")
                    if where == "defaults" and "*" not in value:
                        raise CostError(f'{label}: [{where}.{key}] needs a "*" pattern for everything else')
        missing = sorted(set(USAGE_KEYS) - set(self.defaults))
        if missing:
            raise CostError(f"{label}: [defaults] {missing[0]}: missing (every usage key needs a default)")

    @classmethod
    def load(cls, path: Path = USAGE_FILE) -> "Usage":
        try:
            return cls(tomllib.loads(path.read_text()), label=str(path))
        except tomllib.TOMLDecodeError as exc:
            raise CostError(f"{path}: {exc}") from None

    def value(self, stack: str, key: str, name: str | None = None) -> Any:
        if key not in USAGE_KEYS:
            raise KeyError(key)
        override = self.stacks.get(stack, {}).get(key)
        default = self.defaults[key]
        if not isinstance(default, dict):
            return default if override is None else override
        for table in (override or {}, default):
            for pattern, value in table.items():
                if fnmatch.fnmatchcase(name or "", pattern):
                    return value
        raise AssertionError("unreachable: defaults end with '*'")


# --- line items -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One billed quantity: `quantity` units of `price` a month (price None: not priced, `missing` says why)."""

    what: str
    quantity: float
    price: Price | None
    missing: str = ""

    @property
    def monthly(self) -> float:
        return self.quantity * self.price.usd if self.price else 0.0


@dataclass(frozen=True)
class Free:
    """This resource costs nothing: `kind` names the variant (e.g. a Gateway endpoint) in the free table."""

    reason: str
    kind: str = ""


@dataclass
class ResourceCost:
    address: str
    type: str
    region: str
    component: str
    lines: list[Line]

    @property
    def monthly(self) -> float:
        return sum(line.monthly for line in self.lines)


@dataclass
class StackCost:
    name: str
    regions: list[str]
    resources: list[ResourceCost] = field(default_factory=list)
    free: dict[str, list[str]] = field(default_factory=dict)  # "type" or "type (kind)" -> addresses
    free_reasons: dict[str, str] = field(default_factory=dict)  # the same labels -> why they cost nothing
    not_priced: list[tuple[str, str]] = field(default_factory=list)  # (address, why)

    @property
    def total(self) -> float:
        return sum(resource.monthly for resource in self.resources)

    def by_component(self) -> dict[str, dict[str, Any]]:
        table: dict[str, dict[str, Any]] = {}
        for resource in self.resources:
            row = table.setdefault(resource.component, {"resources": 0, "total": 0.0, "regions": {}})
            row["resources"] += 1
            row["total"] += resource.monthly
            row["regions"][resource.region] = row["regions"].get(resource.region, 0.0) + resource.monthly
        return dict(sorted(table.items(), key=lambda item: (-item[1]["total"], item[0])))


# --- the stack as the pricers see it ----------------------------------------------------------

REFERENCE = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}$")


class Stack:
    def __init__(self, name: str, document: dict, prices: PriceTable, usage: Usage):
        self.name, self.document, self.prices, self.usage = name, document, prices, usage
        providers = document.get("provider", {}).get("aws", [])
        self.default_region = next((p.get("region") for p in providers if "alias" not in p), None)
        self.aliases = {f"aws.{p['alias']}": p.get("region") for p in providers if "alias" in p}
        self.resources: dict[str, dict[str, dict]] = document.get("resource", {})

    def region(self, body: dict) -> str:
        provider = body.get("provider")
        if provider is None or provider == "aws":
            return self.default_region or "unknown"
        return self.aliases.get(str(provider)) or "unknown"

    def referenced(self, value: Any, resource_type: str | None = None) -> tuple[str, dict] | None:
        """The (name, body) of the resource a `${type.name.attr}` reference points at, if in this stack."""
        match = REFERENCE.match(value) if isinstance(value, str) else None
        if not match or (resource_type and match.group(1) != resource_type):
            return None
        body = self.resources.get(match.group(1), {}).get(match.group(2))
        return (match.group(2), body) if body is not None else None

    def use(self, key: str, name: str | None = None) -> Any:
        return self.usage.value(self.name, key, name)

    def line(self, what: str, quantity: float, key: str, region: str, unit: str) -> Line:
        price = self.prices.get(key, region, unit)
        if price is None:
            return Line(what, quantity, None, f"no price for {key} in {region} in {self.prices.label}")
        return Line(what, quantity, price)

    def hours(self, what: str, count: float, key: str, region: str) -> Line:
        return self.line(f"{what}: {count:g} x {HOURS_PER_MONTH} h", count * HOURS_PER_MONTH, key, region, "hour")


# --- pricers: one per billable type, (stack, name, body, region) -> lines or Free(reason) ----------

Pricer = Callable[[Stack, str, dict, str], "list[Line] | Free"]
PRICERS: dict[str, tuple[str, Pricer]] = {}


def pricer(resource_type: str, component: str) -> Callable[[Pricer], Pricer]:
    def register(function: Pricer) -> Pricer:
        PRICERS[resource_type] = (component, function)
        return function
    return register


def _launch_template(stack: Stack, body: dict) -> dict:
    template = body.get("launch_template") or {}
    if isinstance(template, list):
        template = template[0] if template else {}
    found = stack.referenced(template.get("id") or template.get("name") or "", "aws_launch_template")
    return found[1] if found else {}


@pricer("aws_eks_node_group", "EKS nodes (EC2, EBS, monitoring)")
def _node_group(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    desired = (body.get("scaling_config") or {}).get("desired_size")
    if not isinstance(desired, int):
        return [Line("nodes", 0, None, f"scaling_config.desired_size is not a number ({desired!r})")]
    types = body.get("instance_types") or ["t3.medium"]  # EKS's default
    spot = body.get("capacity_type") == "SPOT"
    label = f"{desired} x {types[0]}" + (f" SPOT (first of {len(types)} types)" if spot and len(types) > 1 else
                                         " SPOT" if spot else " on-demand")
    lines = [stack.hours(label, desired, f"ec2:{types[0]}", region)]
    if spot and lines[0].price:
        discount = float(stack.use("spot_discount"))
        spot_price = Price(lines[0].price.key + " spot", region, round(lines[0].price.usd * (1 - discount), 6), "hour",
                           lines[0].price.as_of, lines[0].price.source)
        lines[0] = Line(f"{label} at on-demand x (1 - {discount:g}): {desired} x {HOURS_PER_MONTH} h",
                        desired * HOURS_PER_MONTH, spot_price)
    template = _launch_template(stack, body)
    volumes = [m.get("ebs") or {} for m in template.get("block_device_mappings") or []]
    if not volumes:
        volumes = [{"volume_size": body.get("disk_size", 20), "volume_type": "gp2"}]
    for volume in volumes:
        kind = volume.get("volume_type", "gp2")
        lines.append(stack.line(f"{desired} x {volume.get('volume_size', 8)} GiB {kind} root volume",
                                desired * float(volume.get("volume_size", 8)), f"ebs:{kind}", region, "GB-month"))
    if (template.get("monitoring") or {}).get("enabled") in (True, "true"):
        metrics = stack.use("ec2_detailed_monitoring_metrics")
        lines.append(stack.line(f"detailed monitoring: {desired} x {metrics} metrics", desired * metrics,
                                "cloudwatch:metric", region, "month"))
    return lines


@pricer("aws_eks_cluster", "EKS control planes")
def _eks_cluster(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    support = (body.get("upgrade_policy") or {}).get("support_type", "STANDARD")
    note = "" if support == "STANDARD" else " (EXTENDED support costs $0.60/h once the version leaves standard support)"
    return [stack.hours("control plane" + note, 1, "eks:cluster", region)]


@pricer("aws_nat_gateway", "NAT gateways")
def _nat_gateway(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    # The traffic is the region's, whatever the number of gateways: each gets its share.
    gateways = sum(1 for b in stack.resources["aws_nat_gateway"].values() if stack.region(b) == region)
    gb = stack.use("nat_gb_processed") / gateways
    return [stack.hours("gateway", 1, "vpc:nat-gateway", region),
            stack.line(f"data processed: {gb:g} GB (1/{gateways} of the region's)", gb, "vpc:nat-gateway-data", region,
                       "GB")]


@pricer("aws_eip", "Public IPv4 addresses")
def _eip(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    return [stack.hours("public IPv4 address (billed in use or idle since 2024)", 1, "vpc:public-ipv4", region)]


@pricer("aws_vpc_endpoint", "VPC endpoints")
def _vpc_endpoint(stack: Stack, name: str, body: dict, region: str) -> list[Line] | Free:
    kind = body.get("vpc_endpoint_type", "Gateway")
    if kind == "Gateway":
        return Free("gateway endpoints (S3, DynamoDB) have no charge", "Gateway")
    if kind != "Interface":
        return [Line(f"{kind} endpoint", 0, None, f"vpc_endpoint_type {kind!r} has no row")]
    zones = len(body.get("subnet_ids") or []) or 1
    gb = stack.use("vpce_gb_processed")
    return [stack.hours(f"interface endpoint in {zones} AZ(s)", zones, "vpc:interface-endpoint", region),
            stack.line(f"data processed: {gb:g} GB", gb, "vpc:interface-endpoint-data", region, "GB")]


def _flow_log_destinations(stack: Stack) -> set[str]:
    names = set()
    for body in stack.resources.get("aws_flow_log", {}).values():
        found = stack.referenced(body.get("log_destination"), "aws_cloudwatch_log_group")
        if found:
            names.add(found[0])
    return names


@pricer("aws_flow_log", "CloudWatch Logs")
def _flow_log(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    found = stack.referenced(body.get("log_destination"), "aws_cloudwatch_log_group")
    if body.get("log_destination_type", "cloud-watch-logs") != "cloud-watch-logs" or not found:
        return [Line("flow log delivery", 0, None, "only flow logs to a CloudWatch log group of this stack are priced")]
    gb = stack.use("log_ingestion_gb", found[1].get("name"))
    return [stack.line(f"flow log ingestion (vended logs): {gb:g} GB", gb, "logs:vended-ingestion", region, "GB")]


@pricer("aws_cloudwatch_log_group", "CloudWatch Logs")
def _log_group(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    gb = float(stack.use("log_ingestion_gb", body.get("name")))
    retention = body.get("retention_in_days") or 0
    months = min(retention / (365 / 12), 1200) if retention else stack.use("log_never_expire_months")
    stored = gb * months * stack.use("log_archive_ratio")
    lines = []
    if name not in _flow_log_destinations(stack):  # a flow log's ingestion is priced on the flow log (vended rate)
        lines.append(stack.line(f"ingestion: {gb:g} GB", gb, "logs:ingestion", region, "GB"))
    lines.append(stack.line(f"storage at steady state: {gb:g} GB x {months:.1f} months x {stack.use('log_archive_ratio')} "
                            "compressed", stored, "logs:storage", region, "GB-month"))
    return lines


@pricer("aws_cloudwatch_metric_alarm", "CloudWatch alarms")
def _alarm(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    queries = body.get("metric_query") or []
    metrics = sum(1 for q in queries if q.get("metric")) if queries else 1
    periods = [body.get("period")] + [(q.get("metric") or {}).get("period") for q in queries]
    high = any(isinstance(p, int) and p < 60 for p in periods)
    key = "cloudwatch:alarm-high-resolution" if high else "cloudwatch:alarm-standard"
    return [stack.line(f"{'high-resolution' if high else 'standard'} alarm: {metrics} metric(s)", metrics, key, region,
                       "month")]


def _rds_engine(stack: Stack, body: dict) -> tuple[str, dict | None]:
    source = stack.referenced(body.get("replicate_source_db"), "aws_db_instance")
    engine = body.get("engine") or (source[1].get("engine") if source else None) or "postgres"
    return engine, (source[1] if source else None)


@pricer("aws_db_instance", "RDS PostgreSQL")
def _db_instance(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    engine, source = _rds_engine(stack, body)
    copies = 2 if body.get("multi_az") in (True, "true") else 1
    label = "Multi-AZ (primary + standby)" if copies == 2 else "single-AZ"
    klass = body.get("instance_class")
    lines = [stack.hours(f"{klass} {label}", copies, f"rds-{engine}:{klass}", region)]
    storage = body.get("allocated_storage") or (source or {}).get("allocated_storage")
    kind = body.get("storage_type") or (source or {}).get("storage_type") or "gp2"
    if storage is None:
        lines.append(Line("storage", 0, None, "allocated_storage unknown (replica of a database outside this stack)"))
    else:
        lines.append(stack.line(f"{kind} storage: {storage} GiB x {copies}" + (" (the source's size)" if source and not
                                body.get("allocated_storage") else ""), storage * copies, f"rds:{kind}-storage", region,
                                "GB-month"))
    if body.get("manage_master_user_password") in (True, "true"):
        lines.append(stack.line("master password secret (RDS-managed, Secrets Manager)", 1, "secretsmanager:secret",
                                region, "month"))
    if source is not None and stack.region(source) != region:
        gb = stack.use("rds_replica_transfer_gb")
        lines.append(stack.line(f"replication {stack.region(source)} -> {region}: {gb:g} GB", gb,
                                "transfer:inter-region", stack.region(source), "GB"))
    if (body.get("monitoring_interval") or 0) > 0:
        gb = stack.use("rds_enhanced_monitoring_gb")
        lines.append(stack.line(f"Enhanced Monitoring (RDSOSMetrics logs): {gb:g} GB", gb, "logs:ingestion", region, "GB"))
    if (body.get("performance_insights_retention_period") or 7) > 7:
        lines.append(Line("Performance Insights beyond 7 days", 0, None, "long-term Performance Insights retention"))
    return lines


@pricer("aws_rds_cluster", "RDS PostgreSQL")
def _rds_cluster(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    if body.get("storage_type") == "aurora-iopt1":
        return [Line("Aurora I/O-Optimized storage", 0, None, "storage_type aurora-iopt1 has no row")]
    gb, io = stack.use("aurora_storage_gb"), stack.use("aurora_io_millions")
    lines = [stack.line(f"storage: {gb:g} GB", gb, "aurora:storage", region, "GB-month"),
             stack.line(f"I/O: {io:g} M requests", io, "aurora:io", region, "1M requests")]
    if body.get("manage_master_user_password") in (True, "true"):
        lines.append(stack.line("master password secret", 1, "secretsmanager:secret", region, "month"))
    secondary = body.get("global_cluster_identifier") and not (body.get("master_username") or body.get("database_name"))
    if secondary:
        writes, gb_out = stack.use("aurora_replicated_write_io_millions"), stack.use("aurora_global_transfer_gb")
        primary = stack.default_region or region
        lines += [stack.line(f"replicated write I/O: {writes:g} M", writes, "aurora:replicated-write-io", region,
                             "1M requests"),
                  stack.line(f"replication {primary} -> {region}: {gb_out:g} GB", gb_out, "transfer:inter-region",
                             primary, "GB")]
    return lines


@pricer("aws_rds_cluster_instance", "RDS PostgreSQL")
def _rds_cluster_instance(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    engine = (body.get("engine") or "aurora-postgresql").replace("aurora-postgresql", "aurora-postgres")
    lines = [stack.hours(body.get("instance_class", "?"), 1, f"{engine}:{body.get('instance_class')}", region)]
    if (body.get("monitoring_interval") or 0) > 0:
        gb = stack.use("rds_enhanced_monitoring_gb")
        lines.append(stack.line(f"Enhanced Monitoring (RDSOSMetrics logs): {gb:g} GB", gb, "logs:ingestion", region, "GB"))
    return lines


def _global_datastore_primary(stack: Stack, body: dict) -> dict | None:
    """The primary replication group a Global Datastore secondary joins (it inherits the node type)."""
    datastore = stack.referenced(body.get("global_replication_group_id"), "aws_elasticache_global_replication_group")
    if datastore is None:
        return None
    primary = stack.referenced(datastore[1].get("primary_replication_group_id"), "aws_elasticache_replication_group")
    return primary[1] if primary else None


@pricer("aws_elasticache_replication_group", "ElastiCache Redis")
def _redis(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    primary = _global_datastore_primary(stack, body) if body.get("global_replication_group_id") else None
    if primary is not None:  # a Global Datastore secondary: the primary's node type, the replicated bytes
        body = {**primary, "num_cache_clusters": body.get("num_cache_clusters"),
                "snapshot_retention_limit": body.get("snapshot_retention_limit")}
    if body.get("num_node_groups"):
        nodes = int(body["num_node_groups"]) * (int(body.get("replicas_per_node_group") or 0) + 1)
    else:
        nodes = int(body.get("num_cache_clusters") or 1)
    engine = body.get("engine", "redis")
    lines = [stack.hours(f"{nodes} x {body.get('node_type')}", nodes, f"elasticache-{engine}:{body.get('node_type')}",
                         region)]
    if primary is not None:
        gb = stack.use("redis_global_transfer_gb")
        source = stack.region(primary)
        lines.append(stack.line(f"Global Datastore replication {source} -> {region}: {gb:g} GB", gb,
                                "transfer:inter-region", source, "GB"))
    kept = int(body.get("snapshot_retention_limit") or 0)
    if kept > 1:
        gb = stack.use("redis_snapshot_gb")
        lines.append(stack.line(f"snapshots beyond the free one: {kept - 1} x {gb:g} GB", (kept - 1) * gb,
                                "elasticache:backup-storage", region, "GB-month"))
    return lines


@pricer("aws_kms_key", "KMS keys")
def _kms_key(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    lines = [stack.line("customer managed key", 1, "kms:key", region, "month")]
    rotations = min(int(stack.use("kms_rotations_done")), 2)
    if rotations and body.get("enable_key_rotation") in (True, "true"):
        lines.append(stack.line(f"{rotations} rotation(s) so far", rotations, "kms:rotation", region, "month"))
    thousands = stack.use("kms_requests_thousands")
    lines.append(stack.line(f"requests: {thousands:g}K", thousands / 10, "kms:requests", region, "10K requests"))
    return lines


@pricer("aws_route53_health_check", "Route53")
def _health_check(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    endpoint = stack.use("route53_health_check_endpoint")
    kind = str(body.get("type", "HTTP"))
    features = [name for name, on in (("HTTPS", kind.startswith("HTTPS")), ("string matching", kind.endswith("STR_MATCH")),
                                      ("fast interval", body.get("request_interval") == 10),
                                      ("latency measurement", body.get("measure_latency") in (True, "true"))) if on]
    lines = [stack.line(f"{kind} health check ({endpoint} endpoint)", 1, f"route53:health-check-{endpoint}", GLOBAL,
                        "month")]
    if features:
        lines.append(stack.line(f"optional features: {', '.join(features)}", len(features),
                                f"route53:health-check-feature-{endpoint}", GLOBAL, "month"))
    return lines


@pricer("aws_route53_zone", "Route53")
def _zone(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    return [stack.line("hosted zone", 1, "route53:hosted-zone", GLOBAL, "month")]


@pricer("aws_route53_record", "Route53")
def _record(stack: Stack, name: str, body: dict, region: str) -> list[Line] | Free:
    if body.get("alias"):
        return Free("alias records to AWS resources: queries have no charge", "alias")
    if body.get("latency_routing_policy") or body.get("geolocation_routing_policy") or body.get("geoproximity_routing_policy"):
        return [Line("queries", 0, None, "latency/geo routing queries have no row")]
    millions = stack.use("route53_queries_millions")
    return [stack.line(f"standard queries: {millions:g} M", millions, "route53:standard-queries", GLOBAL, "1M requests")]


@pricer("aws_secretsmanager_secret", "Secrets Manager")
def _secret(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    """Each replica is billed as a secret in its region."""
    lines = [stack.line("secret", 1, "secretsmanager:secret", region, "month")]
    for replica in body.get("replica") or []:
        lines.append(stack.line(f"replica in {replica['region']}", 1, "secretsmanager:secret", replica["region"],
                                "month"))
    return lines


@pricer("aws_ecr_replication_configuration", "ECR")
def _ecr_replication(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    """Replicated image layers cross regions (storage is priced on the destination repositories)."""
    gb = stack.use("ecr_replication_gb")
    destinations = {d["region"] for rule in (body.get("replication_configuration") or {}).get("rule") or []
                    for d in rule.get("destination") or [] if d.get("region") != region}
    return [stack.line(f"replication {region} -> {destination}: {gb:g} GB", gb, "transfer:inter-region", region, "GB")
            for destination in sorted(destinations)]


def _replication_sources(stack: Stack) -> dict[str, dict]:
    """Destination bucket name (its resource name) -> the source bucket's body, for replication in this stack."""
    found = {}
    for body in stack.resources.get("aws_s3_bucket_replication_configuration", {}).values():
        source = stack.referenced(body.get("bucket"), "aws_s3_bucket")
        for rule in body.get("rule") or []:
            destination = stack.referenced((rule.get("destination") or {}).get("bucket"), "aws_s3_bucket")
            if source and destination:
                found[destination[0]] = source[1]
    return found


@pricer("aws_s3_bucket", "S3")
def _bucket(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    bucket = body.get("bucket") or body.get("bucket_prefix") or name
    source = _replication_sources(stack).get(name)
    stored_as = (source.get("bucket") if source else None) or bucket
    gb = stack.use("s3_gb_stored", stored_as)
    puts, gets = stack.use("s3_put_requests_thousands", bucket), stack.use("s3_get_requests_thousands", bucket)
    return [stack.line(f"Standard storage: {gb:g} GB" + (f" (a replica of {stored_as})" if source else ""), gb,
                       "s3:standard-storage", region, "GB-month"),
            stack.line(f"PUT/LIST requests: {puts:g}K", puts, "s3:put-requests", region, "1K requests"),
            stack.line(f"GET requests: {gets:g}K", gets, "s3:get-requests", region, "1K requests")]


@pricer("aws_s3_bucket_replication_configuration", "S3")
def _replication(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    gb = stack.use("s3_replication_gb")
    lines = []
    for rule in body.get("rule") or []:
        destination = rule.get("destination") or {}
        if (destination.get("replication_time") or {}).get("status") == "Enabled":
            lines.append(stack.line(f"Replication Time Control: {gb:g} GB", gb, "s3:replication-time-control", region, "GB"))
        target = stack.referenced(destination.get("bucket"), "aws_s3_bucket")
        if target is None:
            lines.append(Line("replication transfer", 0, None, "destination bucket outside this stack: region unknown"))
        elif stack.region(target[1]) != region:
            lines.append(stack.line(f"transfer {region} -> {stack.region(target[1])}: {gb:g} GB", gb,
                                    "transfer:inter-region", region, "GB"))
    return lines


@pricer("aws_cloudfront_distribution", "CloudFront")
def _distribution(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    gb, millions = stack.use("cloudfront_gb_out"), stack.use("cloudfront_requests_millions")
    note = "" if body.get("price_class", "PriceClass_All") == "PriceClass_100" else " (priced at US/Europe rates; " \
        "other edge locations cost more)"
    return [stack.line(f"transfer to viewers: {gb:g} GB{note}", gb, "cloudfront:transfer-out-us-europe", GLOBAL, "GB"),
            stack.line(f"HTTPS requests: {millions:g} M", millions * 100, "cloudfront:https-requests-europe", GLOBAL,
                       "10K requests")]


@pricer("aws_dynamodb_table", "DynamoDB")
def _dynamodb(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    if body.get("billing_mode", "PROVISIONED") != "PAY_PER_REQUEST":
        return [Line("provisioned capacity", 0, None, "provisioned-capacity tables have no row")]
    writes, reads, gb = (stack.use(k) for k in ("dynamodb_write_millions", "dynamodb_read_millions", "dynamodb_gb_stored"))
    lines = [stack.line(f"on-demand writes: {writes:g} M", writes, "dynamodb:on-demand-write", region, "1M requests"),
             stack.line(f"on-demand reads: {reads:g} M", reads, "dynamodb:on-demand-read", region, "1M requests"),
             stack.line(f"storage: {gb:g} GB", gb, "dynamodb:storage", region, "GB-month")]
    if (body.get("point_in_time_recovery") or {}).get("enabled") in (True, "true"):
        lines.append(stack.line(f"point-in-time recovery: {gb:g} GB", gb, "dynamodb:pitr", region, "GB-month"))
    for replica in body.get("replica") or []:  # a global table: writes replay in each replica, which stores a copy
        where = replica["region_name"]
        lines += [stack.line(f"replicated writes in {where}: {writes:g} M (priced as writes)", writes,
                             "dynamodb:on-demand-write", where, "1M requests"),
                  stack.line(f"replica storage in {where}: {gb:g} GB", gb, "dynamodb:storage", where, "GB-month"),
                  stack.line(f"replication {region} -> {where}: {gb:g} GB", gb, "transfer:inter-region", region, "GB")]
        if replica.get("point_in_time_recovery") in (True, "true"):
            lines.append(stack.line(f"replica point-in-time recovery: {gb:g} GB", gb, "dynamodb:pitr", where,
                                    "GB-month"))
    return lines


@pricer("aws_ecr_repository", "ECR")
def _ecr(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    gb = stack.use("ecr_gb_stored", body.get("name"))
    return [stack.line(f"image storage: {gb:g} GB", gb, "ecr:storage", region, "GB-month")]


@pricer("aws_sns_topic", "SNS")
def _topic(stack: Stack, name: str, body: dict, region: str) -> list[Line]:
    millions = stack.use("sns_publishes_millions")
    return [stack.line(f"publishes: {millions:g} M", millions, "sns:publish", region, "1M requests")]


@pricer("aws_sns_topic_subscription", "SNS")
def _subscription(stack: Stack, name: str, body: dict, region: str) -> list[Line] | Free:
    protocol = body.get("protocol")
    if protocol in ("sqs", "lambda"):
        return Free("deliveries to SQS and Lambda have no charge", protocol)
    if protocol not in ("email", "email-json"):
        return [Line(f"{protocol} deliveries", 0, None, f"protocol {protocol!r} has no row")]
    thousands = stack.use("sns_email_deliveries_thousands")
    return [stack.line(f"e-mail deliveries: {thousands:g}K", thousands / 100, "sns:email", region, "100K notifications")]


#: Types that cost nothing by themselves, each with the reason (a reviewer checks the reason).
FREE: dict[str, str] = {
    "aws_cloudfront_origin_access_control": "configuration of the distribution; no charge",
    "aws_cloudfront_response_headers_policy": "CloudFront policies have no charge",
    "aws_db_parameter_group": "configuration; no charge",
    "aws_secretsmanager_secret_version": "a version is part of its secret (priced on the secret); no charge",
    "aws_elasticache_global_replication_group": "the datastore itself has no charge; its nodes and replicated bytes "
                                                "are priced on the member replication groups",
    "aws_db_subnet_group": "configuration; no charge",
    "aws_rds_cluster_parameter_group": "configuration; no charge",
    "aws_rds_global_cluster": "the global cluster itself has no charge; its replicated write I/O is priced on the "
                              "secondary cluster",
    "aws_elasticache_subnet_group": "configuration; no charge",
    "aws_elasticache_user": "RBAC users have no charge",
    "aws_elasticache_user_group": "RBAC user groups have no charge",
    "aws_default_security_group": "security groups have no charge",
    "aws_security_group": "security groups have no charge",
    "aws_security_group_rule": "security group rules have no charge",
    "aws_vpc_security_group_egress_rule": "security group rules have no charge",
    "aws_vpc_security_group_ingress_rule": "security group rules have no charge",
    "aws_ecr_lifecycle_policy": "no charge (it keeps ECR storage down)",
    "aws_eks_access_entry": "no charge",
    "aws_eks_access_policy_association": "no charge",
    "aws_iam_openid_connect_provider": "IAM has no charge",
    "aws_iam_policy": "IAM has no charge",
    "aws_iam_role": "IAM has no charge",
    "aws_iam_role_policy": "IAM has no charge",
    "aws_iam_role_policy_attachment": "IAM has no charge",
    "aws_internet_gateway": "the gateway has no charge (internet data transfer is billed on traffic, not modelled)",
    "aws_kms_alias": "aliases have no charge",
    "aws_launch_template": "no charge itself; its volumes and detailed monitoring are priced on the node groups "
                           "that launch it",
    "aws_route": "routing has no charge",
    "aws_route_table": "routing has no charge",
    "aws_route_table_association": "routing has no charge",
    "aws_subnet": "subnets have no charge",
    "aws_vpc": "VPCs have no charge",
    "aws_s3_bucket_lifecycle_configuration": "rules have no charge (transition requests, $0.01 per 1,000 objects, "
                                             "not modelled)",
    "aws_s3_bucket_ownership_controls": "configuration; no charge",
    "aws_s3_bucket_policy": "configuration; no charge",
    "aws_s3_bucket_public_access_block": "configuration; no charge",
    "aws_s3_bucket_server_side_encryption_configuration": "configuration; its KMS requests are priced on the keys",
    "aws_s3_bucket_versioning": "configuration; noncurrent versions are storage, in s3_gb_stored",
    "aws_sns_topic_policy": "configuration; no charge",
}
DATA_SOURCE_REASON = "data sources only read; they create nothing"


def estimate(name: str, document: dict, prices: PriceTable, usage: Usage) -> StackCost:
    stack = Stack(name, document, prices, usage)
    regions = sorted({stack.default_region, *stack.aliases.values()} - {None})
    result = StackCost(name, regions)
    for resource_type, items in sorted(stack.resources.items()):
        for resource_name, body in sorted(items.items()):
            address = f"{resource_type}.{resource_name}"
            region = stack.region(body)
            if resource_type in FREE:
                result.free.setdefault(resource_type, []).append(address)
                result.free_reasons[resource_type] = FREE[resource_type]
                continue
            if resource_type not in PRICERS:
                result.not_priced.append((address, "type neither priced nor known to be free (scripts/cost.py)"))
                continue
            component, function = PRICERS[resource_type]
            lines = function(stack, resource_name, body, region)
            if isinstance(lines, Free):
                label = f"{resource_type} ({lines.kind})" if lines.kind else resource_type
                result.free.setdefault(label, []).append(address)
                result.free_reasons[label] = lines.reason
                continue
            cost_region = GLOBAL if all(line.price and line.price.region == GLOBAL for line in lines) else region
            result.resources.append(ResourceCost(address, resource_type, cost_region, component, lines))
            result.not_priced += [(address, f"{line.what}: {line.missing}") for line in lines if line.price is None]
    for kind, items in sorted(document.get("data", {}).items()):
        label = f"data.{kind}"
        result.free[label] = [f"data.{kind}.{n}" for n in items]
        result.free_reasons[label] = DATA_SOURCE_REASON
    if GLOBAL in {r.region for r in result.resources}:
        result.regions.append(GLOBAL)
    return result


# --- output ---------------------------------------------------------------------------------

def money(amount: float, *, sign: bool = False) -> str:
    text = f"${abs(amount):,.2f}"
    if sign:
        return ("-" if amount < -0.005 else "+") + text
    return ("-" if amount < -0.005 else "") + text


def component_rows(cost: StackCost) -> list[list[str]]:
    """The cells of the table `make cost` prints (docs/COST.md shows the same): per component its
    resource count, the monthly cost in each of `cost.regions` and in all, then the total row."""
    rows = []
    for component, row in cost.by_component().items():
        rows.append([component, str(row["resources"]),
                     *(money(row["regions"][r]) if r in row["regions"] else "-" for r in cost.regions), money(row["total"])])
    region_totals = [sum(r.monthly for r in cost.resources if r.region == region) for region in cost.regions]
    rows.append(["total", str(len(cost.resources)), *map(money, region_totals), money(cost.total)])
    return rows


def render(cost: StackCost, prices: PriceTable, *, detail: bool = False) -> str:
    out = [f"{cost.name}: {money(cost.total)}/month  (prices as of {prices.as_of}, {HOURS_PER_MONTH} h/month, "
           f"usage: {_relative(USAGE_FILE)})"]
    headers = ["component", "resources", *cost.regions, "monthly"]
    out += _table(headers, component_rows(cost), right=range(1, len(headers)))
    if detail:
        out.append("")
        for resource in sorted(cost.resources, key=lambda r: (r.component, r.address)):
            out.append(f"  {resource.address}  [{resource.region}]  {money(resource.monthly)}")
            for line in resource.lines:
                if line.price:
                    out.append(f"      {line.what}: {line.quantity:,.4g} x ${line.price.usd:g}/{line.price.unit} "
                               f"= {money(line.monthly)}")
                else:
                    out.append(f"      {line.what}: NOT PRICED ({line.missing})")
    out.append(f"free ({sum(len(a) for a in cost.free.values())} resources):")
    out += _table(["type", "count", "why"], [[kind, str(len(addresses)), cost.free_reasons[kind]]
                                             for kind, addresses in sorted(cost.free.items())], right=[1], indent="  ")
    if cost.not_priced:
        out.append(f"NOT PRICED ({len(cost.not_priced)}): these cost money that the total above does not include")
        out += [f"  {address}: {why}" for address, why in cost.not_priced]
    else:
        out.append("not priced: none")
    return "\n".join(out)


def _table(headers: list[str], rows: list[list[str]], *, right: Iterable[int] = (), indent: str = "") -> list[str]:
    right = set(right)
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    def fmt(row: list[str]) -> str:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return (indent + "  ".join(cells)).rstrip()
    return [fmt(headers), *map(fmt, rows)]


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def load_stacks(outdir: Path) -> dict[str, dict]:
    import json

    stacks = {}
    for path in sorted((outdir / "stacks").glob("*/cdk.tf.json")):
        stacks[path.parent.name] = json.loads(path.read_text())
    return stacks


def stale_inputs(outdir: Path) -> list[str]:
    """Inputs of the synth newer than the synthesized stacks: the estimate would describe old JSON."""
    outputs = list((outdir / "stacks").glob("*/cdk.tf.json"))
    if not outputs:
        return []
    oldest = min(p.stat().st_mtime for p in outputs)
    inputs = [*ROOT.glob("environments/*.tfvars"), ROOT / "bootstrap.tfvars", ROOT / "main.py",
              *ROOT.glob("constructs_luneo/**/*.py")]
    return sorted(_relative(p) for p in inputs if p.exists() and p.stat().st_mtime > oldest)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="monthly cost of the synthesized stacks, from pricing/")
    parser.add_argument("--stack", help="one stack, e.g. luneo-prod")
    parser.add_argument("--detail", action="store_true", help="every resource with its line items")
    parser.add_argument("--outdir", type=Path, default=ROOT / "cdktf.out")
    args = parser.parse_args(argv)
    stacks = load_stacks(args.outdir)
    if not stacks:
        print(f"error: no synthesized stacks in {args.outdir}/stacks: run `make synth` first", file=sys.stderr)
        return 2
    if args.stack and args.stack not in stacks:
        print(f"error: no stack {args.stack!r}; synthesized: {', '.join(stacks)}", file=sys.stderr)
        return 2
    try:
        prices, usage = PriceTable.load(), Usage.load()
        stale = stale_inputs(args.outdir)
        if stale:
            print(f"warning: {', '.join(stale[:3])}{' ...' if len(stale) > 3 else ''} changed after the last synth: "
                  "run `make synth` for an estimate of the current code", file=sys.stderr)
        for name in [args.stack] if args.stack else sorted(stacks):
            print(render(estimate(name, stacks[name], prices, usage), prices, detail=args.detail))
            print()
    except CostError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
