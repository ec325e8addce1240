"""constructs_luneo.dns.FailoverDns: HTTPS health checks and PRIMARY/SECONDARY failover records."""

from __future__ import annotations

import pytest

from constructs_luneo.dns import FailoverDns
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import resources, synth_scope


def dns(scope, **overrides):
    args = dict(
        primary_hostname="ingress-eu-west-1.luneo.app",
        secondary_hostname="ingress-us-east-1.luneo.app",
        zone_id="Z0123456789ABC",
        record_name="app.luneo.app",
    )
    args.update(overrides)
    return FailoverDns(scope, "dns", **args)


def test_health_checks_on_both_ingresses():
    checks = {c["fqdn"]: c for c in resources(synth_scope(dns), "aws_route53_health_check").values()}
    assert sorted(checks) == ["ingress-eu-west-1.luneo.app", "ingress-us-east-1.luneo.app"]
    for check in checks.values():
        assert (check["type"], check["port"], check["resource_path"], check["enable_sni"]) == (
            "HTTPS",
            443,
            "/healthz",
            True,
        )


def test_failover_records():
    records = {r["set_identifier"]: r for r in resources(synth_scope(dns), "aws_route53_record").values()}
    assert records["primary"]["failover_routing_policy"] == {"type": "PRIMARY"}
    assert records["secondary"]["failover_routing_policy"] == {"type": "SECONDARY"}
    assert records["primary"]["records"] == ["ingress-eu-west-1.luneo.app"]
    # Defect: the PRIMARY record followed its health check, so an ingress blip sent traffic to a region whose
    # database is a read replica and cache a read-only secondary. A record without a health check is always
    # healthy: traffic moves only when the failover switches it (after the promotion).
    assert "health_check_id" not in records["primary"] and "health_check_id" not in records["secondary"]


def test_automatic_failover_is_a_choice():
    records = {
        r["set_identifier"]: r
        for r in resources(synth_scope(lambda s: dns(s, automatic_failover=True)), "aws_route53_record").values()
    }
    assert records["primary"]["health_check_id"] == "${aws_route53_health_check.dns_primary-health-check.id}"
    assert records["secondary"]["health_check_id"] == "${aws_route53_health_check.dns_secondary-health-check.id}"
    assert all(
        r["zone_id"] == "Z0123456789ABC" and r["name"] == "app.luneo.app" and r["type"] == "CNAME" and r["ttl"] == 60
        for r in records.values()
    )


def test_health_checks_only_without_a_zone():
    synthesized = synth_scope(lambda s: dns(s, zone_id=None, record_name=None))
    assert len(resources(synthesized, "aws_route53_health_check")) == 2
    assert not resources(synthesized, "aws_route53_record")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"primary_hostname": "not a host"}, "primary_hostname: expected a DNS hostname"),
        ({"secondary_hostname": "ingress-eu-west-1.luneo.app"}, "secondary_hostname: expected a hostname other than"),
        ({"record_name": None}, "record_name: expected given together with zone_id"),
        ({"health_check_path": "healthz"}, 'health_check_path: expected a path starting with "/"'),
        ({"request_interval": 20}, "request_interval: expected 10 or 30"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError, match="^FailoverDns 'test/dns': ") as caught:
        synth_scope(lambda s: dns(s, **overrides))
    assert message in str(caught.value)
