"""constructs_luneo.monitoring: encrypted alarm topics and metric alarms."""

from __future__ import annotations

import pytest

from constructs_luneo.monitoring import AlarmTopic, metric_alarm
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, resources, synth_scope

KEY = "arn:aws:kms:eu-west-1:111122223333:key/alarms"


def test_topic_is_encrypted_with_email_subscriptions():
    synthesized = synth_scope(
        lambda s: AlarmTopic(
            s, "alarms", name="luneo-prod-alarms", kms_key_arn=KEY, emails=["oncall@luneo.app", "sre@luneo.app"]
        )
    )
    topic = only_resource(synthesized, "aws_sns_topic")
    assert topic == {**topic, "name": "luneo-prod-alarms", "kms_master_key_id": KEY}
    subscriptions = resources(synthesized, "aws_sns_topic_subscription").values()
    assert sorted(s["endpoint"] for s in subscriptions) == ["oncall@luneo.app", "sre@luneo.app"]
    assert all(s["protocol"] == "email" for s in subscriptions)


def test_alarm_notifies_on_breach_and_recovery():
    synthesized = synth_scope(
        lambda s: metric_alarm(
            s,
            "db-cpu",
            name="luneo-prod-db-cpu",
            namespace="AWS/RDS",
            metric="CPUUtilization",
            dimensions={"DBInstanceIdentifier": "luneo-prod-db"},
            threshold=80,
            topic_arn="arn:aws:sns:x:1:t",
        )
    )
    alarm = only_resource(synthesized, "aws_cloudwatch_metric_alarm")
    assert alarm["comparison_operator"] == "GreaterThanThreshold" and alarm["threshold"] == 80
    assert alarm["alarm_actions"] == alarm["ok_actions"] == ["arn:aws:sns:x:1:t"]
    assert alarm["dimensions"] == {"DBInstanceIdentifier": "luneo-prod-db"}
    assert (alarm["period"], alarm["evaluation_periods"], alarm["statistic"]) == (300, 3, "Average")


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda s: AlarmTopic(s, "t", name="bad name", kms_key_arn=KEY), "name: expected 1-256 letters"),
        (lambda s: AlarmTopic(s, "t", name="t", kms_key_arn=KEY, emails=["nope"]), "emails: expected a list of e-mail"),
        (
            lambda s: metric_alarm(
                s, "a", name="a", namespace="n", metric="m", dimensions={}, threshold=1, topic_arn="t", comparison="=="
            ),
            "comparison: expected one of >, >=, <, <=",
        ),
        (
            lambda s: metric_alarm(
                s, "a", name="a", namespace="n", metric="m", dimensions={}, threshold=1, topic_arn="t", period=90
            ),
            "period: expected a multiple of 60 seconds",
        ),
    ],
)
def test_bad_arguments(build, message):
    with pytest.raises(ConstructArgumentError, match=message):
        synth_scope(build)
