"""Pricers: CloudFront and Route53 (priced once, globally)."""

from __future__ import annotations

from ..model import Free, Line, PricedStack, pricer
from ..prices import GLOBAL


@pricer("aws_route53_health_check", "Route53")
def _health_check(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    endpoint = stack.use("route53_health_check_endpoint")
    kind = str(body.get("type", "HTTP"))
    features = [
        name
        for name, on in (
            ("HTTPS", kind.startswith("HTTPS")),
            ("string matching", kind.endswith("STR_MATCH")),
            ("fast interval", body.get("request_interval") == 10),
            ("latency measurement", body.get("measure_latency") in (True, "true")),
        )
        if on
    ]
    lines = [
        stack.line(f"{kind} health check ({endpoint} endpoint)", 1, f"route53:health-check-{endpoint}", GLOBAL, "month")
    ]
    if features:
        lines.append(
            stack.line(
                f"optional features: {', '.join(features)}",
                len(features),
                f"route53:health-check-feature-{endpoint}",
                GLOBAL,
                "month",
            )
        )
    return lines


@pricer("aws_route53_zone", "Route53")
def _zone(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    return [stack.line("hosted zone", 1, "route53:hosted-zone", GLOBAL, "month")]


@pricer("aws_route53_record", "Route53")
def _record(stack: PricedStack, name: str, body: dict, region: str) -> list[Line] | Free:
    if body.get("alias"):
        return Free("alias records to AWS resources: queries have no charge", "alias")
    if (
        body.get("latency_routing_policy")
        or body.get("geolocation_routing_policy")
        or body.get("geoproximity_routing_policy")
    ):
        return [Line("queries", 0, None, "latency/geo routing queries have no row")]
    millions = stack.use("route53_queries_millions")
    return [
        stack.line(f"standard queries: {millions:g} M", millions, "route53:standard-queries", GLOBAL, "1M requests")
    ]


@pricer("aws_cloudfront_distribution", "CloudFront")
def _distribution(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    gb, millions = stack.use("cloudfront_gb_out"), stack.use("cloudfront_requests_millions")
    note = (
        ""
        if body.get("price_class", "PriceClass_All") == "PriceClass_100"
        else " (priced at US/Europe rates; other edge locations cost more)"
    )
    return [
        stack.line(f"transfer to viewers: {gb:g} GB{note}", gb, "cloudfront:transfer-out-us-europe", GLOBAL, "GB"),
        stack.line(
            f"HTTPS requests: {millions:g} M",
            millions * 100,
            "cloudfront:https-requests-europe",
            GLOBAL,
            "10K requests",
        ),
    ]
