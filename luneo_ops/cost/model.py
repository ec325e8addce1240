"""What a cost estimate is made of: line items, free resources, the stack as the pricers see it,
and the registry of pricers (one per billable type) and of free types (each with its reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from constructs_luneo.support.synthesized import SynthesizedStack

from .prices import HOURS_PER_MONTH, Price, PriceTable
from .usage import Usage


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


class PricedStack(SynthesizedStack):
    """A synthesized stack with the price table and the usage assumptions it is priced with."""

    def __init__(self, name: str, document: dict, prices: PriceTable, usage: Usage):
        super().__init__(document, name)
        self.prices, self.usage = prices, usage
        self.aliases = {alias: region for alias, region in self.provider_regions.items() if alias != "aws"}

    def region(self, body: dict, unknown: str = "unknown") -> str:
        return super().region(body, unknown)

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

Pricer = Callable[[PricedStack, str, dict, str], "list[Line] | Free"]
PRICERS: dict[str, tuple[str, Pricer]] = {}


def pricer(resource_type: str, component: str) -> Callable[[Pricer], Pricer]:
    def register(function: Pricer) -> Pricer:
        PRICERS[resource_type] = (component, function)
        return function

    return register


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
    "aws_eks_addon": "EKS add-ons have no charge (their pods run on the priced nodes)",
    "aws_eks_pod_identity_association": "EKS Pod Identity has no charge",
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
