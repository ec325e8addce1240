"""Pricers: EKS (control planes, node groups with their volumes and monitoring), NAT gateways, public IPv4
addresses, VPC endpoints."""

from __future__ import annotations

from constructs_luneo.dated import in_extended_support

from ..model import Free, Line, PricedStack, pricer
from ..prices import HOURS_PER_MONTH, Price


def _launch_template(stack: PricedStack, body: dict) -> dict:
    template = body.get("launch_template") or {}
    if isinstance(template, list):
        template = template[0] if template else {}
    found = stack.target(template.get("id") or template.get("name") or "", "aws_launch_template")
    return found[1] if found else {}


@pricer("aws_eks_node_group", "EKS nodes (EC2, EBS, monitoring)")
def _node_group(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    desired = (body.get("scaling_config") or {}).get("desired_size")
    if not isinstance(desired, int):
        return [Line("nodes", 0, None, f"scaling_config.desired_size is not a number ({desired!r})")]
    types = body.get("instance_types") or ["t3.medium"]  # EKS's default
    spot = body.get("capacity_type") == "SPOT"
    label = f"{desired} x {types[0]}" + (
        f" SPOT (first of {len(types)} types)" if spot and len(types) > 1 else " SPOT" if spot else " on-demand"
    )
    lines = [stack.hours(label, desired, f"ec2:{types[0]}", region)]
    if spot and lines[0].price:
        discount = float(stack.use("spot_discount"))
        spot_price = Price(
            lines[0].price.key + " spot",
            region,
            round(lines[0].price.usd * (1 - discount), 6),
            "hour",
            lines[0].price.as_of,
            lines[0].price.source,
        )
        lines[0] = Line(
            f"{label} at on-demand x (1 - {discount:g}): {desired} x {HOURS_PER_MONTH} h",
            desired * HOURS_PER_MONTH,
            spot_price,
        )
    template = _launch_template(stack, body)
    volumes = [m.get("ebs") or {} for m in template.get("block_device_mappings") or []]
    if not volumes:
        volumes = [{"volume_size": body.get("disk_size", 20), "volume_type": "gp2"}]
    for volume in volumes:
        kind = volume.get("volume_type", "gp2")
        lines.append(
            stack.line(
                f"{desired} x {volume.get('volume_size', 8)} GiB {kind} root volume",
                desired * float(volume.get("volume_size", 8)),
                f"ebs:{kind}",
                region,
                "GB-month",
            )
        )
    if (template.get("monitoring") or {}).get("enabled") in (True, "true"):
        metrics = stack.use("ec2_detailed_monitoring_metrics")
        lines.append(
            stack.line(
                f"detailed monitoring: {desired} x {metrics} metrics",
                desired * metrics,
                "cloudwatch:metric",
                region,
                "month",
            )
        )
    return lines


@pricer("aws_eks_cluster", "EKS control planes")
def _eks_cluster(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    policy = body.get("upgrade_policy") or {}
    support = (policy[0] if isinstance(policy, list) and policy else policy or {}).get("support_type", "EXTENDED")
    version = str(body.get("version", ""))
    # The EKS calendar (constructs_luneo/dated/kubernetes.csv) on the day of the estimate: extended support is billed
    # from the first day after standard support ends, for a cluster whose policy keeps it there.
    if support == "EXTENDED" and in_extended_support(version):
        return [
            stack.hours(f"control plane, Kubernetes {version} on extended support", 1, "eks:cluster-extended", region)
        ]
    note = " (EXTENDED support costs $0.60/h once the version leaves standard support)" if support == "EXTENDED" else ""
    return [stack.hours(f"control plane, Kubernetes {version}" + note, 1, "eks:cluster", region)]


@pricer("aws_nat_gateway", "NAT gateways")
def _nat_gateway(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    # The traffic is the region's, whatever the number of gateways: each gets its share, less what the
    # region's interface endpoints carry instead (image pulls' API calls, STS, logs).
    gateways = sum(1 for b in stack.resources["aws_nat_gateway"].values() if stack.region(b) == region)
    moved = _endpoint_gb(stack, region)
    gb = max(stack.use("nat_gb_processed") - moved, 0) / gateways
    what = f"data processed: {gb:g} GB (1/{gateways} of the region's" + (
        f", less {moved:g} GB through its interface endpoints)" if moved else ")"
    )
    return [
        stack.hours("gateway", 1, "vpc:nat-gateway", region),
        stack.line(what, gb, "vpc:nat-gateway-data", region, "GB"),
    ]


def _endpoint_gb(stack: PricedStack, region: str) -> float:
    """GB a region's interface endpoints carry (usage vpce_gb_processed each), off the NAT gateways."""
    endpoints = [
        b
        for b in stack.resources.get("aws_vpc_endpoint", {}).values()
        if b.get("vpc_endpoint_type") == "Interface" and stack.region(b) == region
    ]
    return len(endpoints) * stack.use("vpce_gb_processed")


@pricer("aws_eip", "Public IPv4 addresses")
def _eip(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    return [stack.hours("public IPv4 address (billed in use or idle since 2024)", 1, "vpc:public-ipv4", region)]


@pricer("aws_vpc_endpoint", "VPC endpoints")
def _vpc_endpoint(stack: PricedStack, name: str, body: dict, region: str) -> list[Line] | Free:
    kind = body.get("vpc_endpoint_type", "Gateway")
    if kind == "Gateway":
        return Free("gateway endpoints (S3, DynamoDB) have no charge", "Gateway")
    if kind != "Interface":
        return [Line(f"{kind} endpoint", 0, None, f"vpc_endpoint_type {kind!r} has no row")]
    zones = len(body.get("subnet_ids") or []) or 1
    gb = stack.use("vpce_gb_processed")
    nat = stack.prices.rows.get(("vpc:nat-gateway-data", region))
    saved = f"; ${gb * nat.usd:,.2f} less NAT processing" if nat else ""
    return [
        stack.hours(f"interface endpoint in {zones} AZ(s)", zones, "vpc:interface-endpoint", region),
        stack.line(f"data processed: {gb:g} GB{saved}", gb, "vpc:interface-endpoint-data", region, "GB"),
    ]
