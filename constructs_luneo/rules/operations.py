"""Operations rules: what makes an alarm reach someone."""

from __future__ import annotations

from typing import Iterable

from .engine import Finding, View, rule


@rule("LUNEO-OBS-1", "every SNS topic an alarm notifies has a subscription")
def _alarm_topics_subscribed(view: View) -> Iterable[Finding]:
    """An alarm whose topic has no subscription notifies nobody: the alarm fires and no one hears it."""
    subscribed = {
        view.referenced(body.get("topic_arn"), "aws_sns_topic")
        for _, _, body in view.each("aws_sns_topic_subscription")
    }
    notified: set[str] = set()
    for _, _, body in view.each("aws_cloudwatch_metric_alarm"):
        for action in (body.get("alarm_actions") or []) + (body.get("ok_actions") or []):
            topic = view.referenced(action, "aws_sns_topic")
            if topic:
                notified.add(topic)
    for address, path, _ in view.each("aws_sns_topic"):
        if address in notified and address not in subscribed:
            yield Finding(
                path,
                f"{address} receives alarms and has no subscription. Fix: alarm_emails or alarm_https_endpoints",
            )


def _policies(view: View) -> list[str]:
    """Every IAM policy document of the stack, as written (grants reference what they grant)."""
    return [
        str(body.get("policy", ""))
        for resource_type in ("aws_iam_role_policy", "aws_iam_policy")
        for _, _, body in view.each(resource_type)
    ]


@rule("LUNEO-IAM-1", "a cache user that authenticates with IAM is granted to someone")
def _cache_users_granted(view: View) -> Iterable[Finding]:
    """An IAM-authenticated ElastiCache user that no policy grants `elasticache:Connect` on is a door
    no workload can open: either a workload is missing its grant, or the user is dead weight."""
    policies = [p for p in _policies(view) if "elasticache:Connect" in p]
    for address, path, body in view.each("aws_elasticache_user"):
        mode = body.get("authentication_mode")
        modes = mode if isinstance(mode, list) else [mode]
        if not any(isinstance(m, dict) and m.get("type") == "iam" for m in modes):
            continue
        if not any(f"${{{address}.arn}}" in p or f"{address}.arn" in p for p in policies):
            yield Finding(
                path,
                f"{address} authenticates with IAM and no policy grants elasticache:Connect on it. "
                "Fix: RedisCluster.grant_connect(identity, user) for the workload that uses it",
            )


@rule("LUNEO-IAM-2", "a database with IAM authentication has a workload granted rds-db:connect")
def _databases_granted(view: View) -> Iterable[Finding]:
    """IAM database authentication without any `rds-db:connect` grant on the database's resource id
    means every workload still logs in with a password, or not at all."""
    policies = [p for p in _policies(view) if "rds-db:connect" in p]
    checked = (("aws_db_instance", "resource_id"), ("aws_rds_cluster", "cluster_resource_id"))
    for resource_type, attribute in checked:
        for address, path, body in view.each(resource_type):
            if body.get("iam_database_authentication_enabled") is not True:
                continue
            if not any(f"{address}.{attribute}" in p for p in policies):
                yield Finding(
                    path,
                    f"{address} has IAM database authentication and no policy grants rds-db:connect on it. "
                    "Fix: grant_connect(identity, user) for the workloads that use it",
                )
