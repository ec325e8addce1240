"""Pricers: S3 (buckets, replication), ECR (repositories, registry replication), Secrets Manager (with
replicas)."""

from __future__ import annotations

from ..model import Line, PricedStack, pricer


@pricer("aws_secretsmanager_secret", "Secrets Manager")
def _secret(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    """Each replica is billed as a secret in its region."""
    lines = [stack.line("secret", 1, "secretsmanager:secret", region, "month")]
    for replica in body.get("replica") or []:
        lines.append(
            stack.line(f"replica in {replica['region']}", 1, "secretsmanager:secret", replica["region"], "month")
        )
    return lines


@pricer("aws_ecr_replication_configuration", "ECR")
def _ecr_replication(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    """Replicated image layers cross regions (storage is priced on the destination repositories)."""
    gb = stack.use("ecr_replication_gb")
    destinations = {
        d["region"]
        for rule in (body.get("replication_configuration") or {}).get("rule") or []
        for d in rule.get("destination") or []
        if d.get("region") != region
    }
    return [
        stack.line(f"replication {region} -> {destination}: {gb:g} GB", gb, "transfer:inter-region", region, "GB")
        for destination in sorted(destinations)
    ]


def _replication_sources(stack: PricedStack) -> dict[str, dict]:
    """Destination bucket name (its resource name) -> the source bucket's body, for replication in this stack."""
    found = {}
    for body in stack.resources.get("aws_s3_bucket_replication_configuration", {}).values():
        source = stack.target(body.get("bucket"), "aws_s3_bucket")
        for rule in body.get("rule") or []:
            destination = stack.target((rule.get("destination") or {}).get("bucket"), "aws_s3_bucket")
            if source and destination:
                found[destination[0]] = source[1]
    return found


@pricer("aws_s3_bucket", "S3")
def _bucket(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    bucket = body.get("bucket") or body.get("bucket_prefix") or name
    source = _replication_sources(stack).get(name)
    stored_as = (source.get("bucket") if source else None) or bucket
    gb = stack.use("s3_gb_stored", stored_as)
    puts, gets = stack.use("s3_put_requests_thousands", bucket), stack.use("s3_get_requests_thousands", bucket)
    return [
        stack.line(
            f"Standard storage: {gb:g} GB" + (f" (a replica of {stored_as})" if source else ""),
            gb,
            "s3:standard-storage",
            region,
            "GB-month",
        ),
        stack.line(f"PUT/LIST requests: {puts:g}K", puts, "s3:put-requests", region, "1K requests"),
        stack.line(f"GET requests: {gets:g}K", gets, "s3:get-requests", region, "1K requests"),
    ]


@pricer("aws_s3_bucket_replication_configuration", "S3")
def _replication(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    gb = stack.use("s3_replication_gb")
    lines = []
    for rule in body.get("rule") or []:
        destination = rule.get("destination") or {}
        if (destination.get("replication_time") or {}).get("status") == "Enabled":
            lines.append(
                stack.line(f"Replication Time Control: {gb:g} GB", gb, "s3:replication-time-control", region, "GB")
            )
        target = stack.target(destination.get("bucket"), "aws_s3_bucket")
        if target is None:
            lines.append(Line("replication transfer", 0, None, "destination bucket outside this stack: region unknown"))
        elif stack.region(target[1]) != region:
            lines.append(
                stack.line(
                    f"transfer {region} -> {stack.region(target[1])}: {gb:g} GB",
                    gb,
                    "transfer:inter-region",
                    region,
                    "GB",
                )
            )
    return lines


@pricer("aws_ecr_repository", "ECR")
def _ecr(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    gb = stack.use("ecr_gb_stored", body.get("name"))
    return [stack.line(f"image storage: {gb:g} GB", gb, "ecr:storage", region, "GB-month")]
