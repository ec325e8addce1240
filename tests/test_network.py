"""constructs_luneo.network.Network: tiers, NAT layout, closed default SG, flow logs, endpoints."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_luneo.network import Network
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, resources, statements, synth_scope

KEY = "arn:aws:kms:eu-west-1:111122223333:key/logs"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def network(scope, **overrides):
    args = dict(name="luneo-test", cidr_block="10.0.0.0/16", availability_zones=ZONES, flow_log_kms_key_arn=KEY)
    args.update(overrides)
    return Network(scope, "network", **args)


@pytest.fixture(scope="module")
def synthesized():
    return synth_scope(network)


def test_three_tiers_over_three_named_zones(synthesized):
    subnets = resources(synthesized, "aws_subnet")
    by_tier = {}
    for subnet in subnets.values():
        by_tier.setdefault(subnet["tags"]["Tier"], []).append(subnet)
    assert {tier: len(s) for tier, s in by_tier.items()} == {"public": 3, "private": 3, "database": 3}
    for tier_subnets in by_tier.values():
        assert sorted(s["availability_zone"] for s in tier_subnets) == ZONES
    cidrs = {s["tags"]["Name"]: s["cidr_block"] for s in subnets.values()}
    assert cidrs["luneo-test-public-0"] == "10.0.0.0/20"
    assert cidrs["luneo-test-private-0"] == "10.0.64.0/20"
    assert cidrs["luneo-test-database-2"] == "10.0.160.0/20"
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values()), "no public IPs at launch"


def test_zones_by_id_place_subnets_by_id():
    """A zone ID (the stacks' choice) goes to availability_zone_id: the same physical zone in every account."""
    subnets = resources(synth_scope(lambda s: network(s, availability_zones=["euw1-az2", "euw1-az1"])), "aws_subnet")
    placed = {s["tags"]["Name"]: s.get("availability_zone_id") for s in subnets.values()}
    assert placed["luneo-test-private-0"] == "euw1-az2" and placed["luneo-test-private-1"] == "euw1-az1"
    assert not any("availability_zone" in s for s in subnets.values())


def test_private_cidr_blocks_are_plain_strings():
    seen = {}
    synth_scope(lambda s: seen.setdefault("cidrs", network(s).private_cidr_blocks))
    assert seen["cidrs"] == ["10.0.64.0/20", "10.0.80.0/20", "10.0.96.0/20"]


def test_one_nat_gateway_per_zone_by_default(synthesized):
    assert len(resources(synthesized, "aws_nat_gateway")) == 3
    routes = [r for r in resources(synthesized, "aws_route").values() if "nat_gateway_id" in r]
    assert len({r["nat_gateway_id"] for r in routes}) == 3


def test_single_nat_gateway():
    synthesized = synth_scope(lambda s: network(s, single_nat_gateway=True))
    assert len(resources(synthesized, "aws_nat_gateway")) == 1
    routes = [r for r in resources(synthesized, "aws_route").values() if "nat_gateway_id" in r]
    assert len(routes) == 3 and len({r["nat_gateway_id"] for r in routes}) == 1


def test_database_subnets_have_no_internet_route(synthesized):
    tables = resources(synthesized, "aws_route_table")
    database_table = next(name for name, t in tables.items() if t["tags"]["Name"] == "luneo-test-database")
    routes = resources(synthesized, "aws_route").values()
    assert not [r for r in routes if database_table in r["route_table_id"]]


def test_default_security_group_is_closed(synthesized):
    group = only_resource(synthesized, "aws_default_security_group")
    assert "ingress" not in group and "egress" not in group


def test_flow_logs_to_an_encrypted_log_group(synthesized):
    assert Testing.to_have_resource_with_properties(
        synthesized, "aws_flow_log", {"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"}
    )
    group = only_resource(synthesized, "aws_cloudwatch_log_group")
    assert group["kms_key_id"] == KEY and group["retention_in_days"] == 365
    policy = statements(only_resource(synthesized, "aws_iam_role_policy")["policy"])["WriteFlowLogs"]
    assert policy["Resource"] != "*", "the flow-log role writes only to its own log group"


def test_gateway_endpoints_for_s3_and_dynamodb(synthesized):
    endpoints = resources(synthesized, "aws_vpc_endpoint").values()
    assert sorted(e["service_name"].rsplit(".", 1)[-1] for e in endpoints) == ["dynamodb", "s3"]
    assert all(e["vpc_endpoint_type"] == "Gateway" and len(e["route_table_ids"]) == 4 for e in endpoints)


def test_provider_is_passed_to_every_resource():
    def build(scope):
        from cdktf_cdktf_provider_aws.provider import AwsProvider

        secondary = AwsProvider(scope, "aws-secondary", alias="secondary", region="us-east-1")
        network(scope, availability_zones=["us-east-1a", "us-east-1b"], provider=secondary)

    synthesized = json.loads(synth_scope(build))
    for resource_type, items in synthesized["resource"].items():
        for name, resource in items.items():
            assert resource.get("provider") == "aws.secondary", f"{resource_type}.{name}"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"cidr_block": "10.0.0.0/8"}, "cidr_block: expected an IPv4 network from /16 to /20"),
        ({"cidr_block": "not-a-cidr"}, "cidr_block: expected an IPv4 network"),
        ({"availability_zones": ["eu-west-1a"]}, "availability_zones: expected two to four distinct zone IDs"),
        ({"availability_zones": ["euw1-az1", "euw1-zz"]}, "availability_zones: expected two to four distinct zone IDs"),
        ({"availability_zones": ["eu-west-1a", "eu-west-1a"]}, "availability_zones: expected two to four distinct"),
        ({"availability_zones": "eu-west-1a"}, "availability_zones: expected"),
        ({"flow_log_retention_in_days": 42}, "flow_log_retention_in_days: expected a CloudWatch Logs retention"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError, match="^Network 'test/network': ") as caught:
        synth_scope(lambda s: network(s, **overrides))
    assert message in str(caught.value)
