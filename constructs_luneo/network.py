"""Network: the VPC of one region (what the HCL code referenced as `module.vpc`).

Python::

    vpc = Network(stack, "network-primary", name="luneo-prod", cidr_block="10.0.0.0/16",
                  availability_zones=["euw1-az1", "euw1-az2", "euw1-az3"],
                  flow_log_kms_key_arn=logs_key.key_arn)
    vpc.vpc_id, vpc.public_subnets, vpc.private_subnets, vpc.database_subnets
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from .config.variables import default
from .support.common import AccountContext, account_context, construct_label, is_token, lifecycle, require
from .support.patterns import AZ_ID

ZONE_NAME = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")

#: The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class Network(Construct):
    """A VPC over two to four availability zones with public, private and database subnets.

    Arguments:
      name: name prefix of every resource, e.g. "luneo-prod" (required).
      cidr_block: the VPC's IPv4 range, /16 to /20 (required). Each tier gets one subnet per AZ,
        a sixteenth of the VPC each: public at 0..n-1, private at 4..4+n-1, database at 8..8+n-1.
      availability_zones: 2-4 zones of the provider's region, by zone ID such as ["euw1-az1", "euw1-az2"]
        (what the stacks pass, from `<role>_zone_ids`: an ID is the same physical zone in every
        account; subnets take `availability_zone_id`) or by name ("eu-west-1a": `availability_zone`).
        Subnet i lives in zone i, so the list's order must not change (rule LUNEO-AWS-22).
      flow_log_kms_key_arn: KMS key (ARN) that encrypts the flow-log log group (required; its policy
        must admit logs.amazonaws.com).
      single_nat_gateway: one NAT gateway for all AZs (cheaper, not zone-redundant; the default,
        one per AZ, is what production wants).
      interface_endpoints: services reached through interface endpoints in the private subnets, e.g.
        ("ecr.api", "ecr.dkr", "sts", "logs") (default none: through the NAT gateways).
      flow_log_retention_in_days: CloudWatch retention of VPC flow logs (default 365).
      prevent_destroy: Terraform lifecycle guard on the flow-log group (the stacks set it in prod).
      tags: extra tags on every resource.
      provider: the AWS provider (region) of this VPC (default: the stack's default).

    Attributes: vpc_id, vpc_cidr_block, public_subnets, private_subnets, database_subnets (lists of
    subnet ids), private_cidr_blocks (plain strings), private_route_table_ids, database_route_table_id, nat_public_ips.

    Secure defaults: the default security group is emptied (no rule at all), no subnet assigns public
    IPs at launch, database subnets have no route to the internet, all traffic is logged, and S3 and
    DynamoDB are reached through gateway endpoints rather than the NAT.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        cidr_block: str,
        availability_zones: Sequence[str],
        flow_log_kms_key_arn: str,
        single_nat_gateway: bool = default("single_nat_gateway"),
        interface_endpoints: Sequence[str] = (),
        flow_log_retention_in_days: int = 365,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(Network, scope, id)
        network = _check(who, name, cidr_block, availability_zones, flow_log_retention_in_days)
        super().__init__(scope, id)
        self.name, self.provider, self.tags = name, provider, dict(tags or {})
        self.zones = list(availability_zones)
        self.blocks = list(network.subnets(new_prefix=network.prefixlen + 4))

        igw = self._vpc(cidr_block)

        # The role tags let the AWS load balancer controller of EKS place load balancers.
        public = self._subnets("public", 0, {"kubernetes.io/role/elb": "1", "Tier": "public"})
        private = self._subnets("private", 4, {"kubernetes.io/role/internal-elb": "1", "Tier": "private"})
        database = self._subnets("database", 8, {"Tier": "database"})
        self._public_routes(public, igw)
        nats = self._nat_gateways(public, igw, 1 if single_nat_gateway else len(self.zones))
        private_rts = self._private_routes(private, nats)
        database_rt = self._database_routes(database)
        self.account = account_context(self, provider)
        self._gateway_endpoints([rt.id for rt in private_rts] + [database_rt.id])
        self._flow_logs(
            name, flow_log_kms_key_arn, flow_log_retention_in_days, self.tags, self.account, provider, prevent_destroy
        )

        self._interface_endpoints(interface_endpoints, [s.id for s in private], cidr_block)

        self.public_subnets: list[str] = [s.id for s in public]
        self.private_cidr_blocks: list[str] = [str(self.blocks[4 + i]) for i in range(len(self.zones))]
        self.private_subnets: list[str] = [s.id for s in private]
        self.database_subnets: list[str] = [s.id for s in database]
        self.private_route_table_ids: list[str] = [rt.id for rt in private_rts]
        self.database_route_table_id: str = database_rt.id

    def _vpc(self, cidr_block: str) -> InternetGateway:
        """The VPC, its default security group kept closed, and its internet gateway."""
        provider = self.provider
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=cidr_block,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=self._named("vpc"),
            provider=provider,
        )
        self.vpc_id: str = self.vpc.id
        self.vpc_cidr_block: str = self.vpc.cidr_block
        # A default security group with no rules: nothing can use it by accident.
        DefaultSecurityGroup(
            self, "default-sg", vpc_id=self.vpc.id, tags=self._named("default-closed"), provider=provider
        )
        return InternetGateway(self, "igw", vpc_id=self.vpc.id, tags=self._named("igw"), provider=provider)

    def _named(self, suffix: str) -> dict[str, str]:
        return {**self.tags, "Name": f"{self.name}-{suffix}"}

    def _subnets(self, tier: str, offset: int, extra_tags: dict[str, str]) -> list[Subnet]:
        """One subnet per zone: a sixteenth of the VPC each, from block `offset` on."""
        return [
            Subnet(
                self,
                f"{tier}-{i}",
                vpc_id=self.vpc.id,
                cidr_block=str(self.blocks[offset + i]),
                availability_zone_id=zone if AZ_ID.match(zone) else None,
                availability_zone=None if AZ_ID.match(zone) else zone,
                map_public_ip_on_launch=False,
                tags={**self._named(f"{tier}-{i}"), **extra_tags},
                provider=self.provider,
            )
            for i, zone in enumerate(self.zones)
        ]

    def _public_routes(self, public: list[Subnet], igw: InternetGateway) -> None:
        public_rt = RouteTable(
            self, "public-rt", vpc_id=self.vpc.id, tags=self._named("public"), provider=self.provider
        )
        Route(
            self,
            "public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            provider=self.provider,
        )
        for i, subnet in enumerate(public):
            RouteTableAssociation(
                self, f"public-{i}-rta", subnet_id=subnet.id, route_table_id=public_rt.id, provider=self.provider
            )

    def _nat_gateways(self, public: list[Subnet], igw: InternetGateway, count: int) -> list[NatGateway]:
        nats = []
        self.nat_public_ips: list[str] = []
        for i in range(count):
            eip = Eip(self, f"nat-{i}-eip", domain="vpc", tags=self._named(f"nat-{i}"), provider=self.provider)
            nats.append(
                NatGateway(
                    self,
                    f"nat-{i}",
                    allocation_id=eip.allocation_id,
                    subnet_id=public[i].id,
                    tags=self._named(f"nat-{i}"),
                    depends_on=[igw],
                    provider=self.provider,
                )
            )
            self.nat_public_ips.append(eip.public_ip)
        return nats

    def _private_routes(self, private: list[Subnet], nats: list[NatGateway]) -> list[RouteTable]:
        """A route table per private subnet, to its zone's NAT gateway (or the single one)."""
        tables = []
        for i, subnet in enumerate(private):
            rt = RouteTable(
                self, f"private-{i}-rt", vpc_id=self.vpc.id, tags=self._named(f"private-{i}"), provider=self.provider
            )
            Route(
                self,
                f"private-{i}-default",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[min(i, len(nats) - 1)].id,
                provider=self.provider,
            )
            RouteTableAssociation(
                self, f"private-{i}-rta", subnet_id=subnet.id, route_table_id=rt.id, provider=self.provider
            )
            tables.append(rt)
        return tables

    def _database_routes(self, database: list[Subnet]) -> RouteTable:
        """Databases and caches need no internet route at all."""
        database_rt = RouteTable(
            self, "database-rt", vpc_id=self.vpc.id, tags=self._named("database"), provider=self.provider
        )
        for i, subnet in enumerate(database):
            RouteTableAssociation(
                self, f"database-{i}-rta", subnet_id=subnet.id, route_table_id=database_rt.id, provider=self.provider
            )
        return database_rt

    def _gateway_endpoints(self, route_tables: list[str]) -> None:
        """S3 and DynamoDB through free gateway endpoints rather than the NAT."""
        for service in ("s3", "dynamodb"):
            VpcEndpoint(
                self,
                f"{service}-endpoint",
                vpc_id=self.vpc.id,
                vpc_endpoint_type="Gateway",
                service_name=f"com.amazonaws.{self.account.region}.{service}",
                route_table_ids=route_tables,
                tags=self._named(f"{service}-endpoint"),
                provider=self.provider,
            )

    def _interface_endpoints(self, services: Sequence[str], subnets: list[str], cidr_block: str) -> None:
        """Interface endpoints (`com.amazonaws.<region>.<service>`) in the private subnets, with private DNS,
        behind a security group that admits 443 from the VPC: calls to these services leave the NAT
        gateways (and their per-GB processing). ECR's image layers come from S3, through its gateway."""
        if not services:
            return
        group = SecurityGroup(
            self,
            "endpoints-sg",
            name_prefix=f"{self.name}-endpoints-",
            description=f"{self.name} interface endpoints: 443 from the VPC",
            vpc_id=self.vpc.id,
            tags=self._named("endpoints"),
            lifecycle={"create_before_destroy": True},
            provider=self.provider,
        )
        VpcSecurityGroupIngressRule(
            self,
            "endpoints-from-vpc",
            security_group_id=group.id,
            cidr_ipv4=cidr_block,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS from the VPC",
            provider=self.provider,
        )
        for service in services:
            VpcEndpoint(
                self,
                f"{service.replace('.', '-')}-endpoint",
                vpc_id=self.vpc.id,
                vpc_endpoint_type="Interface",
                service_name=f"com.amazonaws.{self.account.region}.{service}",
                subnet_ids=subnets,
                security_group_ids=[group.id],
                private_dns_enabled=True,
                tags=self._named(f"{service}-endpoint"),
                provider=self.provider,
            )

    def _flow_logs(
        self,
        name: str,
        kms_key_arn: str,
        retention: int,
        tags: dict[str, str],
        account: AccountContext,
        provider: TerraformProvider | None,
        prevent_destroy: bool,
    ) -> None:
        """All the VPC's traffic, logged to an encrypted log group through a role that can only write there."""
        group = CloudwatchLogGroup(
            self,
            "flow-log-group",
            name=f"/aws/vpc/{name}/flow-logs",
            retention_in_days=retention,
            kms_key_id=kms_key_arn,
            tags=tags or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        role = IamRole(
            self,
            "flow-log-role",
            name_prefix=f"{name}-flow-logs-"[:38],
            provider=provider,
            tags=tags or None,
            assume_role_policy=_flow_log_trust(account.account_id),
        )
        IamRolePolicy(self, "flow-log-policy", role=role.id, provider=provider, policy=_flow_log_writes(group.arn))
        FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={**(tags or {}), "Name": f"{name}-flow-logs"},
            provider=provider,
        )


def _flow_log_trust(account_id: str) -> str:
    """The flow-log service may take the role, only on behalf of this account (the confused-deputy guard)."""
    return Fn.jsonencode(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def _flow_log_writes(group_arn: str) -> str:
    """Writing to the one flow-log group and its streams, nothing else."""
    return Fn.jsonencode(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteFlowLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [group_arn, f"{group_arn}:*"],
                }
            ],
        }
    )


def _check(
    who: str,
    name: Any,
    cidr_block: Any,
    availability_zones: Any,
    flow_log_retention_in_days: Any,
) -> ipaddress.IPv4Network:
    require(isinstance(name, str) and 1 <= len(name) <= 40, who, "name", "a name of 1-40 characters", name)
    try:
        network: ipaddress.IPv4Network | None = ipaddress.IPv4Network(cidr_block)
    except (ValueError, TypeError):
        network = None
    require(
        network is not None and 16 <= network.prefixlen <= 20,
        who,
        "cidr_block",
        'an IPv4 network from /16 to /20 such as "10.0.0.0/16"',
        cidr_block,
    )
    require(
        not isinstance(availability_zones, str)
        and 2 <= len(list(availability_zones)) <= 4
        and all(
            isinstance(z, str) and (is_token(z) or bool(ZONE_NAME.match(z) or AZ_ID.match(z)))
            for z in availability_zones
        )
        and len(set(availability_zones)) == len(list(availability_zones)),
        who,
        "availability_zones",
        'two to four distinct zone IDs such as ["euw1-az1", "euw1-az2"] (or names such as "eu-west-1a")',
        availability_zones,
    )
    require(
        flow_log_retention_in_days in LOG_RETENTION_DAYS,
        who,
        "flow_log_retention_in_days",
        "a CloudWatch Logs retention such as 365",
        flow_log_retention_in_days,
    )
    assert network is not None
    return network
