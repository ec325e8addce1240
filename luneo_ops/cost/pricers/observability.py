"""Pricers: CloudWatch Logs (flow logs at the vended rate, log groups), alarms, SNS, KMS keys."""

from __future__ import annotations

from ..model import Free, Line, PricedStack, pricer


def _flow_log_destinations(stack: PricedStack) -> set[str]:
    names = set()
    for body in stack.resources.get("aws_flow_log", {}).values():
        found = stack.target(body.get("log_destination"), "aws_cloudwatch_log_group")
        if found:
            names.add(found[0])
    return names


@pricer("aws_flow_log", "CloudWatch Logs")
def _flow_log(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    found = stack.target(body.get("log_destination"), "aws_cloudwatch_log_group")
    if body.get("log_destination_type", "cloud-watch-logs") != "cloud-watch-logs" or not found:
        return [Line("flow log delivery", 0, None, "only flow logs to a CloudWatch log group of this stack are priced")]
    gb = stack.use("log_ingestion_gb", found[1].get("name"))
    return [stack.line(f"flow log ingestion (vended logs): {gb:g} GB", gb, "logs:vended-ingestion", region, "GB")]


@pricer("aws_cloudwatch_log_group", "CloudWatch Logs")
def _log_group(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    gb = float(stack.use("log_ingestion_gb", body.get("name")))
    retention = body.get("retention_in_days") or 0
    months = min(retention / (365 / 12), 1200) if retention else stack.use("log_never_expire_months")
    stored = gb * months * stack.use("log_archive_ratio")
    lines = []
    if name not in _flow_log_destinations(stack):  # a flow log's ingestion is priced on the flow log (vended rate)
        lines.append(stack.line(f"ingestion: {gb:g} GB", gb, "logs:ingestion", region, "GB"))
    lines.append(
        stack.line(
            f"storage at steady state: {gb:g} GB x {months:.1f} months x {stack.use('log_archive_ratio')} compressed",
            stored,
            "logs:storage",
            region,
            "GB-month",
        )
    )
    return lines


@pricer("aws_cloudwatch_metric_alarm", "CloudWatch alarms")
def _alarm(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    queries = body.get("metric_query") or []
    metrics = sum(1 for q in queries if q.get("metric")) if queries else 1
    periods = [body.get("period")] + [(q.get("metric") or {}).get("period") for q in queries]
    high = any(isinstance(p, int) and p < 60 for p in periods)
    key = "cloudwatch:alarm-high-resolution" if high else "cloudwatch:alarm-standard"
    return [
        stack.line(
            f"{'high-resolution' if high else 'standard'} alarm: {metrics} metric(s)", metrics, key, region, "month"
        )
    ]


@pricer("aws_kms_key", "KMS keys")
def _kms_key(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    lines = [stack.line("customer managed key", 1, "kms:key", region, "month")]
    rotations = min(int(stack.use("kms_rotations_done")), 2)
    if rotations and body.get("enable_key_rotation") in (True, "true"):
        lines.append(stack.line(f"{rotations} rotation(s) so far", rotations, "kms:rotation", region, "month"))
    thousands = stack.use("kms_requests_thousands")
    lines.append(stack.line(f"requests: {thousands:g}K", thousands / 10, "kms:requests", region, "10K requests"))
    return lines


@pricer("aws_sns_topic", "SNS")
def _topic(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    millions = stack.use("sns_publishes_millions")
    return [stack.line(f"publishes: {millions:g} M", millions, "sns:publish", region, "1M requests")]


@pricer("aws_sns_topic_subscription", "SNS")
def _subscription(stack: PricedStack, name: str, body: dict, region: str) -> list[Line] | Free:
    protocol = body.get("protocol")
    if protocol in ("sqs", "lambda"):
        return Free("deliveries to SQS and Lambda have no charge", protocol)
    if protocol not in ("email", "email-json"):
        return [Line(f"{protocol} deliveries", 0, None, f"protocol {protocol!r} has no row")]
    thousands = stack.use("sns_email_deliveries_thousands")
    return [
        stack.line(f"e-mail deliveries: {thousands:g}K", thousands / 100, "sns:email", region, "100K notifications")
    ]
