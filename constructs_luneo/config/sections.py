"""The typed sections an environment file loads into (network, EKS, database, Redis, DNS, alarms,
assets), each with its own checks across variables (registered with `cross_check`, so that
docs/CONFIGURATION.md states them)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from ..support.errors import ConfigError
from ..support.facts import DEFAULT_ZONE_IDS, EXCLUDED_ZONE_IDS, zone_id_prefix
from .database import DatabaseRestore, DatabaseSettings, PasswordSource  # noqa: F401 (re-exported)
from .tfvars import Where, cross_check

Role = Literal["primary", "secondary"]
ROLES: tuple[Role, Role] = ("primary", "secondary")


@dataclass(frozen=True)
class RegionSettings:
    """One region of the pair: its role, its name, its VPC range, its zones by zone ID."""

    role: Role
    name: str
    vpc_cidr: str
    zone_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkSettings:
    primary: RegionSettings
    secondary: RegionSettings
    single_nat_gateway: bool
    interface_endpoints: bool = False

    @property
    def regions(self) -> tuple[RegionSettings, RegionSettings]:
        return self.primary, self.secondary

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where) -> NetworkSettings:
        primary, secondary = (
            RegionSettings(role, values[f"{role}_region"], values[f"vpc_{role}_cidr"], _zone_ids(values, where, role))
            for role in ROLES
        )
        _check_regions(primary, secondary, where)
        _check_ranges(primary, secondary, where)
        return cls(
            primary=primary,
            secondary=secondary,
            single_nat_gateway=values["single_nat_gateway"],
            interface_endpoints=values["vpc_interface_endpoints"],
        )


@cross_check(
    "`<role>_zone_ids` (or the region's default, facts.DEFAULT_ZONE_IDS) are 2-4 distinct zone IDs of "
    "`<role>_region`, none the platform excludes (facts.EXCLUDED_ZONE_IDS)."
)
def _zone_ids(values: Mapping[str, Any], where: Where, role: Role) -> tuple[str, ...]:
    region, variable = values[f"{role}_region"], f"{role}_zone_ids"
    ids = values[variable] if values[variable] is not None else DEFAULT_ZONE_IDS.get(region)
    if ids is None:
        raise ConfigError(
            f"{where(variable)}: {variable}: expected 2-4 zone IDs of {region} (no default for that region; "
            f"`aws ec2 describe-availability-zones --region {region}` lists them)"
        )
    prefix = zone_id_prefix(region)
    wrong = [z for z in ids if not z.startswith(f"{prefix}-")]
    excluded = [z for z in ids if z in EXCLUDED_ZONE_IDS.get(region, ())]
    if wrong or excluded or not 2 <= len(ids) <= 4 or len(set(ids)) != len(ids):
        why = (
            f"{wrong[0]!r} is not a zone of {region}"
            if wrong
            else f"{excluded[0]} runs neither current instance types nor EKS"
            if excluded
            else f"got {list(ids)}"
        )
        raise ConfigError(
            f"{where(variable)}: {variable}: expected 2-4 distinct zone IDs of {region} ({prefix}-az<n>): {why}"
        )
    return tuple(ids)


@cross_check("`secondary_region` differs from `primary_region`, and one of the two is `us-east-1`.")
def _check_regions(primary: RegionSettings, secondary: RegionSettings, where: Where) -> None:
    if primary.name == secondary.name:
        raise ConfigError(
            f"{where('secondary_region')}: secondary_region: expected a region other than "
            f"primary_region ({primary.name!r})"
        )
    if "us-east-1" not in (primary.name, secondary.name):
        raise ConfigError(
            f"{where('secondary_region')}: secondary_region: expected one of the regions to be "
            "us-east-1 (Route53 health-check metrics and CloudFront's certificates live there)"
        )


@cross_check("`vpc_secondary_cidr` does not overlap `vpc_primary_cidr`.")
def _check_ranges(primary: RegionSettings, secondary: RegionSettings, where: Where) -> None:
    if ipaddress.IPv4Network(primary.vpc_cidr).overlaps(ipaddress.IPv4Network(secondary.vpc_cidr)):
        raise ConfigError(
            f"{where('vpc_secondary_cidr')}: vpc_secondary_cidr: expected a range that does not "
            f"overlap vpc_primary_cidr ({primary.vpc_cidr}), got {secondary.vpc_cidr!r}"
        )


@dataclass(frozen=True)
class NodeGroupScaling:
    desired_size: int
    min_size: int
    max_size: int


@dataclass(frozen=True)
class EksSettings:
    """Both clusters share a version and node shapes; each region scales its SPOT group itself."""

    primary: NodeGroupScaling
    secondary: NodeGroupScaling
    kubernetes_version: str
    support_type: str
    spot_instance_types: tuple[str, ...]
    system_instance_type: str
    system_node_count: int
    public_access_cidrs: tuple[str, ...]
    api_ingress_cidrs: tuple[str, ...]
    admin_roles: tuple[str, ...]
    admin_role_arns: tuple[str, ...]
    #: workload -> (namespace, service account): an AWS identity each, in both clusters.
    workloads: tuple[tuple[str, str, str], ...] = ()

    def scaling(self, role: Role) -> NodeGroupScaling:
        return self.primary if role == "primary" else self.secondary

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where) -> EksSettings:
        scaling = {role: _scaling(values, where, role) for role in ROLES}
        _check_admins(values, where)
        return cls(
            primary=scaling["primary"],
            secondary=scaling["secondary"],
            kubernetes_version=values["eks_kubernetes_version"],
            support_type=values["eks_support_type"],
            spot_instance_types=tuple(values["eks_spot_instance_types"]),
            system_instance_type=values["eks_system_instance_type"],
            system_node_count=values["eks_system_node_count"],
            public_access_cidrs=tuple(values["eks_public_access_cidrs"]),
            api_ingress_cidrs=tuple(values["eks_api_ingress_cidrs"]),
            admin_roles=tuple(values["eks_admin_roles"]),
            admin_role_arns=tuple(values["eks_admin_role_arns"]),
            workloads=tuple(
                (name, where.split("/")[0], where.split("/")[1]) for name, where in sorted(values["workloads"].items())
            ),
        )


@cross_check("The clusters have an administrator: `eks_admin_roles` or `eks_admin_role_arns` names at least one role.")
def _check_admins(values: Mapping[str, Any], where: Where) -> None:
    if not values["eks_admin_roles"] and not values["eks_admin_role_arns"]:
        raise ConfigError(
            f"{where('eks_admin_roles')}: eks_admin_roles: expected at least one IAM role (or eks_admin_role_arns): "
            "without an access entry nobody can administer the clusters"
        )


@cross_check("`eks_<region>_min_size <= eks_<region>_desired_size <= eks_<region>_max_size`, per region.")
def _scaling(values: Mapping[str, Any], where: Where, role: Role) -> NodeGroupScaling:
    prefix = f"eks_{role}"
    low, want, high = (values[f"{prefix}_{s}_size"] for s in ("min", "desired", "max"))
    if not low <= want <= high:
        raise ConfigError(
            f"{where(f'{prefix}_desired_size')}: {prefix}_desired_size: expected a value between "
            f"{prefix}_min_size ({low}) and {prefix}_max_size ({high}), got {want}"
        )
    return NodeGroupScaling(desired_size=want, min_size=low, max_size=high)


@dataclass(frozen=True)
class ExistingEncryption:
    """How stores adopted from the HCL state were encrypted (`make migrate-plan`): None when ours
    are new, "default" for the AWS-managed key, or a key ARN. ECR cannot change it in place."""

    db: str | None = None
    redis: str | None = None
    ecr: str | None = None

    def key_for(self, store: str, ours: str) -> str | None:
        """The key a store keeps: ours for a new store, None for the AWS default, or the old ARN."""
        existing = getattr(self, store)
        if existing is None:
            return ours
        return None if existing == "default" else existing


GLOBAL_DATASTORE_FAMILIES = ("m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g", "c7gn")


@dataclass(frozen=True)
class RedisSettings:
    node_type: str
    num_cache_clusters: int
    global_datastore: bool

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where) -> RedisSettings:
        settings = cls(
            node_type=values["redis_node_type"],
            num_cache_clusters=values["redis_num_cache_clusters"],
            global_datastore=values["redis_global_datastore"],
        )
        if settings.global_datastore:
            _check_datastore_node_type(settings.node_type, where)
            _check_datastore_replicas(settings.num_cache_clusters, where)
        return settings

    @property
    def replicated(self) -> bool:
        """Two nodes or more: automatic failover and Multi-AZ (an ElastiCache rule ties them)."""
        return self.num_cache_clusters >= 2


@cross_check(
    "`redis_global_datastore = true` needs a `redis_node_type` of the M5, M6g, M7g, R5, R6g, R6gd, R7g or "
    "C7gn family, size large or above."
)
def _check_datastore_node_type(node_type: str, where: Where) -> None:
    family, size = (node_type.split(".") + ["", ""])[1:3]
    # "Global datastores are supported on the following instance families in size large and above: M5, M6g,
    # M7g, R5, R6g, R6gd, R7g, and C7gn" (ElastiCache user guide); rule LUNEO-AWS-12 at synth.
    if family not in GLOBAL_DATASTORE_FAMILIES or size in ("micro", "small", "medium"):
        raise ConfigError(
            f"{where('redis_global_datastore')}: redis_global_datastore: expected redis_node_type of "
            "the M5, M6g, M7g, R5, R6g, R6gd, R7g or C7gn family, size large or above (what a "
            f"Global Datastore supports), got {node_type!r}"
        )


@cross_check("`redis_global_datastore = true` needs `redis_num_cache_clusters >= 2`.")
def _check_datastore_replicas(num_cache_clusters: int, where: Where) -> None:
    if num_cache_clusters < 2:
        raise ConfigError(
            f"{where('redis_global_datastore')}: redis_global_datastore: expected "
            "redis_num_cache_clusters >= 2 (the secondary inherits automatic failover, which needs "
            "a replica)"
        )


@dataclass(frozen=True)
class DnsSettings:
    """Route53 health checks on both ingresses, and the failover record when a zone is given."""

    primary_ingress_hostname: str | None
    secondary_ingress_hostname: str | None
    zone_name: str | None
    zone_id: str | None
    record_name: str | None
    health_check_path: str
    force_failover: bool

    @property
    def enabled(self) -> bool:
        return bool(self.primary_ingress_hostname and self.secondary_ingress_hostname)

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where) -> DnsSettings:
        settings = cls(
            primary_ingress_hostname=values["primary_ingress_hostname"],
            secondary_ingress_hostname=values["secondary_ingress_hostname"],
            zone_name=values["dns_zone_name"],
            zone_id=values["route53_zone_id"],
            record_name=values["dns_record_name"],
            health_check_path=values["health_check_path"],
            force_failover=values["dns_force_failover"],
        )
        _check_dns(settings, where)
        return settings


@cross_check(
    "`dns_zone_name` or `route53_zone_id` (not both) goes with `dns_record_name` and both ingress "
    "hostnames; `dns_record_name` is a name in `dns_zone_name`."
)
def _check_dns(settings: DnsSettings, where: Where) -> None:
    if settings.zone_name and settings.zone_id:
        raise ConfigError(
            f"{where('route53_zone_id')}: route53_zone_id: expected either dns_zone_name or route53_zone_id, not both"
        )
    zone = "dns_zone_name" if settings.zone_name else "route53_zone_id"
    if (settings.zone_name or settings.zone_id) and not (settings.record_name and settings.enabled):
        raise ConfigError(
            f"{where(zone)}: {zone}: expected dns_record_name, primary_ingress_hostname and "
            "secondary_ingress_hostname to be set with it"
        )
    if settings.record_name and not (settings.zone_name or settings.zone_id):
        raise ConfigError(
            f"{where('dns_record_name')}: dns_record_name: expected dns_zone_name (or "
            "route53_zone_id) to be set with it"
        )
    if (
        settings.record_name
        and settings.zone_name
        and not (settings.record_name == settings.zone_name or settings.record_name.endswith(f".{settings.zone_name}"))
    ):
        raise ConfigError(
            f"{where('dns_record_name')}: dns_record_name: expected a name in {settings.zone_name}, "
            f"got {settings.record_name!r}"
        )


@dataclass(frozen=True)
class AlarmSettings:
    emails: tuple[str, ...]
    https_endpoints: tuple[str, ...]

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where, environment: str) -> AlarmSettings:
        settings = cls(emails=tuple(values["alarm_emails"]), https_endpoints=tuple(values["alarm_https_endpoints"]))
        _check_subscribers(settings, environment, where)
        return settings


@cross_check("Every environment has at least one alarm subscriber (`alarm_emails` or `alarm_https_endpoints`).")
def _check_subscribers(settings: AlarmSettings, environment: str, where: Where) -> None:
    if not (settings.emails or settings.https_endpoints):
        raise ConfigError(
            f"{where('alarm_emails')}: alarm_emails: expected at least one e-mail address (or "
            f"alarm_https_endpoints) in {environment}: an alarm that notifies nobody is not an alarm"
        )


@dataclass(frozen=True)
class AssetSettings:
    """The assets CDN: its own domain names and certificate (TLS 1.2+), and where its logs go."""

    aliases: tuple[str, ...]
    certificate_arn: str | None
    logging_bucket: str | None

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where) -> AssetSettings:
        settings = cls(
            aliases=tuple(values["assets_aliases"]),
            certificate_arn=values["assets_certificate_arn"],
            logging_bucket=values["logging_bucket"],
        )
        _check_custom_domain(settings, where)
        return settings


@cross_check("`assets_aliases` and `assets_certificate_arn` go together; the certificate is in us-east-1.")
def _check_custom_domain(settings: AssetSettings, where: Where) -> None:
    if bool(settings.aliases) != bool(settings.certificate_arn):
        missing, present = (
            ("assets_certificate_arn", "assets_aliases")
            if settings.aliases
            else ("assets_aliases", "assets_certificate_arn")
        )
        raise ConfigError(
            f"{where(present)}: {missing}: expected assets_aliases and assets_certificate_arn "
            f"together, got only {present} (a custom domain needs its us-east-1 ACM certificate, "
            "and the reverse)"
        )
