"""Route53 failover: HTTPS health checks on each region's ingress and PRIMARY/SECONDARY records.

Python::

    dns = FailoverDns(stack, "dns", primary_hostname="ingress-eu-west-1.luneo.app",
                      secondary_hostname="ingress-us-east-1.luneo.app", zone_id="Z0123456789ABC",
                      record_name="app.luneo.app")
    dns.primary_health_check_id, dns.secondary_health_check_id, dns.record_fqdn
"""

from __future__ import annotations

from typing import Mapping

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct

from .config.variables import default
from .monitoring import Metric
from .support.common import construct_label, require
from .support.patterns import HOSTNAME


class FailoverDns(Construct):
    """Health checks and a failover CNAME that answers the primary ingress until an operator switches
    it (`force_failover`), after the secondary region can take writes.

    Traffic does not follow the health checks by default: the secondary region's database is a read
    replica and its cache a read-only secondary until a failover promotes them (docs/
    DISASTER_RECOVERY.md: detect, promote, then switch DNS), so an ingress blip must not send writes
    there. The PRIMARY record carries no health check, which Route 53 treats as always healthy
    ("Records without a health check are always healthy",
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html);
    the checks feed the alarms.

    Arguments:
      primary_hostname, secondary_hostname: the regions' ingress (load balancer) hostnames (required).
      zone_id, record_name: hosted zone and record (default None: health checks only, no record).
      health_check_path: HTTPS path requested on port 443.
      request_interval: 10 or 30 seconds (default 30). failure_threshold: 1-10 (default 3).
      ttl: record TTL in seconds (default 60: clients follow a failover within a minute).
      force_failover: the PRIMARY record answers with the secondary hostname too, so traffic goes to
        the secondary region whatever the primary's health check says: a planned failover, or a
        regional outage where the primary half-answers its checks (default False). Route53's control
        plane is global (us-east-1), so this applies without the primary region. Health checks are
        left as they are (never inverted: an inverted check of a dead endpoint reads healthy).
      automatic_failover: let the records follow the health checks (default False: only for a
        secondary that takes writes without a promotion).
      tags, provider (Route53 is global; any region's provider works).
      metrics_provider: the us-east-1 provider: Route53 publishes health-check metrics only there.

    Attributes: primary_health_check_id, secondary_health_check_id, record_fqdn (None without a zone).
    Metrics: metric_health_check_status(role) (1 healthy, 0 failing; role "primary" or "secondary").
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        primary_hostname: str,
        secondary_hostname: str,
        zone_id: str | None = None,
        record_name: str | None = None,
        health_check_path: str = default("health_check_path"),
        request_interval: int = 30,
        failure_threshold: int = 3,
        ttl: int = 60,
        force_failover: bool = default("dns_force_failover"),
        automatic_failover: bool = False,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
        metrics_provider: TerraformProvider | None = None,
    ) -> None:
        _check(
            construct_label(FailoverDns, scope, id),
            primary_hostname,
            secondary_hostname,
            zone_id,
            record_name,
            health_check_path,
            request_interval,
            failure_threshold,
            ttl,
        )
        super().__init__(scope, id)
        tags = dict(tags or {})

        checks = self._health_checks(
            primary_hostname, secondary_hostname, health_check_path, request_interval, failure_threshold, tags, provider
        )
        self._checks, self._metrics_provider = checks, metrics_provider
        self._automatic = automatic_failover
        self.primary_health_check_id: str = checks["primary"].id
        self.secondary_health_check_id: str = checks["secondary"].id

        self.record_fqdn: str | None = None
        if zone_id is not None and record_name is not None:
            answers = {
                "primary": secondary_hostname if force_failover else primary_hostname,
                "secondary": secondary_hostname,
            }
            self.record_fqdn = self._failover_records(zone_id, record_name, ttl, answers, provider)

    def _health_checks(
        self,
        primary_hostname: str,
        secondary_hostname: str,
        health_check_path: str,
        request_interval: int,
        failure_threshold: int,
        tags: dict[str, str],
        provider: TerraformProvider | None,
    ) -> dict[str, Route53HealthCheck]:
        """An HTTPS health check of each region's ingress, by role ("primary", "secondary")."""
        checks = {}
        for role, hostname in (("primary", primary_hostname), ("secondary", secondary_hostname)):
            checks[role] = Route53HealthCheck(
                self,
                f"{role}-health-check",
                type="HTTPS",
                fqdn=hostname,
                port=443,
                resource_path=health_check_path,
                request_interval=request_interval,
                failure_threshold=failure_threshold,
                enable_sni=True,
                invert_healthcheck=False,
                measure_latency=True,
                tags={**tags, "Name": f"{role}: {hostname}"},
                provider=provider,
            )
        return checks

    def _failover_records(
        self,
        zone_id: str,
        record_name: str,
        ttl: int,
        answers: dict[str, str],
        provider: TerraformProvider | None,
    ) -> str:
        """The PRIMARY and SECONDARY CNAMEs, each answering `answers[role]` (behind its role's health
        check only with automatic_failover); the record's FQDN."""
        records = {}
        for role, hostname in answers.items():
            records[role] = Route53Record(
                self,
                f"{role}-record",
                zone_id=zone_id,
                name=record_name,
                type="CNAME",
                ttl=ttl,
                records=[hostname],
                set_identifier=role,
                health_check_id=self._checks[role].id if self._automatic else None,
                failover_routing_policy={"type": role.upper()},
                provider=provider,
            )
        return records["primary"].fqdn

    def metric_health_check_status(self, role: str) -> Metric:
        """Whether `role`'s ingress passes its health check: 1 or 0; the worst of each minute."""
        return Metric(
            "AWS/Route53",
            "HealthCheckStatus",
            {"HealthCheckId": self._checks[role].id},
            statistic="Minimum",
            period=60,
            provider=self._metrics_provider,
        )


def _check(
    who: str,
    primary_hostname: str,
    secondary_hostname: str,
    zone_id: str | None,
    record_name: str | None,
    health_check_path: str,
    request_interval: int,
    failure_threshold: int,
    ttl: int,
) -> None:
    for label, value in (("primary_hostname", primary_hostname), ("secondary_hostname", secondary_hostname)):
        require(isinstance(value, str) and bool(HOSTNAME.match(value)), who, label, "a DNS hostname", value)
    require(
        primary_hostname != secondary_hostname,
        who,
        "secondary_hostname",
        "a hostname other than primary_hostname",
        secondary_hostname,
    )
    require((zone_id is None) == (record_name is None), who, "record_name", "given together with zone_id", record_name)
    require(record_name is None or bool(HOSTNAME.match(record_name)), who, "record_name", "a DNS name", record_name)
    require(
        isinstance(health_check_path, str) and health_check_path.startswith("/"),
        who,
        "health_check_path",
        'a path starting with "/"',
        health_check_path,
    )
    require(request_interval in (10, 30), who, "request_interval", "10 or 30", request_interval)
    require(
        isinstance(failure_threshold, int) and 1 <= failure_threshold <= 10,
        who,
        "failure_threshold",
        "1-10",
        failure_threshold,
    )
    require(isinstance(ttl, int) and 1 <= ttl <= 300, who, "ttl", "1-300 seconds", ttl)
