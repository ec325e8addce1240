"""CloudWatch alarms to KMS-encrypted SNS topics.

Constructs own their metrics (as aws-cdk's `metricCPUUtilization()`): `database.metric_cpu_utilization()`
returns a :class:`Metric` whose dimensions the construct derived from its own names, in its own
region; the stack only picks the threshold and the topic::

    topic = AlarmTopic(stack, "alarms-primary", name="luneo-prod-alarms", kms_key_arn=alarms_key.key_arn,
                       emails=["oncall@luneo.app"])
    database.metric_cpu_utilization().alarm(stack, "alarm-db-cpu", name="luneo-prod-db-cpu", threshold=80,
                                            topic_arn=topic.topic_arn)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from .support.common import construct_label, require

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
COMPARISONS = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}


class AlarmTopic(Construct):
    """An SNS topic encrypted with a customer key (whose policy must admit cloudwatch.amazonaws.com),
    with e-mail and HTTPS (chat-ops webhook) subscriptions; each endpoint confirms once.

    Arguments: name (required), kms_key_arn (required), emails, https_endpoints (default none),
    tags, provider.
    Attributes: topic_arn, topic.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        kms_key_arn: str,
        emails: Sequence[str] = (),
        https_endpoints: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(AlarmTopic, scope, id)
        require(
            isinstance(name, str) and bool(re.match(r"^[A-Za-z0-9_-]{1,256}$", name)),
            who,
            "name",
            "1-256 letters, digits, '-' or '_'",
            name,
        )
        require(isinstance(kms_key_arn, str) and bool(kms_key_arn), who, "kms_key_arn", "a KMS key ARN", kms_key_arn)
        require(
            not isinstance(emails, str) and all(isinstance(e, str) and EMAIL.match(e) for e in emails),
            who,
            "emails",
            "a list of e-mail addresses",
            emails,
        )
        require(
            not isinstance(https_endpoints, str)
            and all(isinstance(u, str) and u.startswith("https://") for u in https_endpoints),
            who,
            "https_endpoints",
            "a list of https:// URLs",
            https_endpoints,
        )
        super().__init__(scope, id)
        self.topic = SnsTopic(
            self, "topic", name=name, kms_master_key_id=kms_key_arn, tags=dict(tags or {}) or None, provider=provider
        )
        for i, email in enumerate(emails):
            SnsTopicSubscription(
                self, f"email-{i}", topic_arn=self.topic.arn, protocol="email", endpoint=email, provider=provider
            )
        for i, url in enumerate(https_endpoints):
            SnsTopicSubscription(
                self,
                f"https-{i}",
                topic_arn=self.topic.arn,
                protocol="https",
                endpoint=url,
                endpoint_auto_confirms=False,
                provider=provider,
            )
        self.topic_arn: str = self.topic.arn


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric of one resource, in the region it is published in (`provider`)."""

    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str = "Average"
    period: int = 300
    provider: TerraformProvider | None = field(default=None, compare=False)

    def alarm(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        threshold: float,
        topic_arn: str,
        comparison: str = ">",
        evaluation_periods: int = 3,
        description: str = "",
        treat_missing_data: str = "missing",
    ) -> CloudwatchMetricAlarm:
        """An alarm on this metric in the metric's region (see metric_alarm)."""
        return metric_alarm(
            scope,
            id,
            name=name,
            namespace=self.namespace,
            metric=self.metric_name,
            dimensions=self.dimensions,
            threshold=threshold,
            topic_arn=topic_arn,
            comparison=comparison,
            statistic=self.statistic,
            period=self.period,
            evaluation_periods=evaluation_periods,
            description=description,
            treat_missing_data=treat_missing_data,
            provider=self.provider,
        )


def metric_alarm(
    scope: Construct,
    id: str,
    *,
    name: str,
    namespace: str,
    metric: str,
    dimensions: Mapping[str, str],
    threshold: float,
    topic_arn: str,
    comparison: str = ">",
    statistic: str = "Average",
    period: int = 300,
    evaluation_periods: int = 3,
    description: str = "",
    treat_missing_data: str = "missing",
    provider: TerraformProvider | None = None,
) -> CloudwatchMetricAlarm:
    """One alarm on one metric, notifying `topic_arn` when it fires and when it recovers.

    comparison: ">", ">=", "<" or "<=" (against threshold); period: seconds, a multiple of 60;
    the alarm fires after evaluation_periods periods in breach."""
    who = f"metric_alarm {id!r}"
    require(comparison in COMPARISONS, who, "comparison", "one of >, >=, <, <=", comparison)
    require(
        isinstance(period, int) and period >= 60 and period % 60 == 0, who, "period", "a multiple of 60 seconds", period
    )
    require(
        isinstance(evaluation_periods, int) and evaluation_periods >= 1,
        who,
        "evaluation_periods",
        ">= 1",
        evaluation_periods,
    )
    require(
        treat_missing_data in ("missing", "ignore", "breaching", "notBreaching"),
        who,
        "treat_missing_data",
        "missing, ignore, breaching or notBreaching",
        treat_missing_data,
    )
    return CloudwatchMetricAlarm(
        scope,
        id,
        alarm_name=name,
        alarm_description=description or None,
        namespace=namespace,
        metric_name=metric,
        dimensions=dict(dimensions),
        statistic=statistic,
        period=period,
        evaluation_periods=evaluation_periods,
        threshold=threshold,
        comparison_operator=COMPARISONS[comparison],
        treat_missing_data=treat_missing_data,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        provider=provider,
    )
