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
