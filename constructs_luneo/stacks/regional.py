"""The regional foundation: what each region of an environment runs on, built once per region.

KMS keys (one per purpose), the VPC, the EKS cluster and the alarm topic. The environment stack
builds one for eu-west-1 and one for us-east-1, then wires the cross-region pieces (database,
assets, DNS) on top.

It is a part of the stack, not a level of the construct tree: its resources keep the ids they have
always had (`kms-secrets`, `kms-secrets-secondary`, `network-primary`, `eks-secondary`,
`alarms-primary`). A tree level would add its id to every resource's construct path, which cdktf
writes into the synthesized JSON and from which the Terraform addresses derive.
"""

from __future__ import annotations

import json

from cdktf import TerraformProvider, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_availability_zones import (
    DataAwsAvailabilityZones,
    DataAwsAvailabilityZonesFilter,
)

from ..config.sections import EksSettings, RegionSettings
from ..eks import EksCluster
from ..kms import KmsKey
from ..monitoring import AlarmTopic
from ..network import Network
from ..support.naming import EnvironmentNames

#: purpose -> (description, services allowed to use the key), in the primary region.
KMS_PURPOSES = {
    "secrets": ("KMS key for application secrets", ["secretsmanager.amazonaws.com", "rds.amazonaws.com"]),
    "rds": ("KMS key for RDS storage and Performance Insights", ["rds.amazonaws.com"]),
    "redis": ("KMS key for ElastiCache Redis", ["elasticache.amazonaws.com"]),
    "s3": ("KMS key for the assets bucket", ["s3.amazonaws.com", "cloudfront.amazonaws.com"]),
    "ecr": ("KMS key for ECR images", ["ecr.amazonaws.com"]),
    "logs": ("KMS key for CloudWatch Logs", ["logs.amazonaws.com"]),
    "eks": ("KMS key for Kubernetes secrets", ["eks.amazonaws.com"]),
    "alarms": ("KMS key for the alarm topics", ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]),
}
#: What the interface endpoints carry (vpc_interface_endpoints): image pulls' API and registry calls,
#: the Pod Identity and web-identity credentials' STS calls, and the logs agents.
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "sts", "logs")
#: Keys the secondary region needs (a KMS key is regional): the replicas of the database, its secret,
#: the assets, the images and the cache are encrypted there with that region's keys.
SECONDARY_KMS_PURPOSES = ("secrets", "logs", "s3", "rds", "eks", "alarms", "ecr", "redis")


def zones(stack: TerraformStack, region: RegionSettings, provider: TerraformProvider | None) -> list[str]:
    """The region's zones by zone ID, pinned in configuration (subnet i lives in zone_ids[i]), and a
    lookup whose postcondition stops the plan, naming the IDs, when one is not available to the
    account: the same physical zone in every account, and no index into a live list of names that
    shifts when a zone's state changes or a new one sorts in (which would replace every subnet)."""
    lookup = DataAwsAvailabilityZones(
        stack,
        f"zones-{region.role}",
        state="available",
        filter=[DataAwsAvailabilityZonesFilter(name="zone-type", values=["availability-zone"])],
        provider=provider,
    )
    wanted = json.dumps(list(region.zone_ids))  # a JSON list is an HCL tuple
    lookup.add_override(
        "lifecycle.postcondition",
        [
            {
                "condition": f"${{length(setsubtract({wanted}, self.zone_ids)) == 0}}",
                "error_message": (
                    f"{region.role}_zone_ids: {', '.join(region.zone_ids)} must all be available zones of "
                    f"{region.name} in this account (`make zone-ids` prints the IDs a running network is in)"
                ),
            }
        ],
    )
    return list(region.zone_ids)


class RegionalFoundation:
    """KMS keys, network, EKS cluster and alarm topic of one region.

    Arguments: stack, region (role, name, VPC range), names, eks (sizes and shapes), single_nat_gateway,
    alarm_emails, alarm_https_endpoints, provider (None: the stack's default provider, i.e. the
    primary region). In prod the keys, the cluster and the log groups keep prevent_destroy.
    Attributes: role, region, provider, kms (purpose -> KmsKey), network, eks, alarm_topic.
    """

    def __init__(
        self,
        stack: TerraformStack,
        *,
        region: RegionSettings,
        names: EnvironmentNames,
        eks: EksSettings,
        single_nat_gateway: bool,
        interface_endpoints: bool,
        alarm_emails: tuple[str, ...],
        alarm_https_endpoints: tuple[str, ...],
        provider: TerraformProvider | None,
    ) -> None:
        self.role, self.region, self.provider = region.role, region, provider
        self.kms = self._keys(stack, names)
        self.network = Network(
            stack,
            f"network-{self.role}",
            name=names.network,
            cidr_block=region.vpc_cidr,
            availability_zones=zones(stack, region, provider),
            single_nat_gateway=single_nat_gateway,
            interface_endpoints=INTERFACE_ENDPOINTS if interface_endpoints else (),
            flow_log_kms_key_arn=self.kms["logs"].key_arn,
            prevent_destroy=names.is_production,
            provider=provider,
        )
        scaling = eks.scaling(self.role)
        self.eks = EksCluster(
            stack,
            f"eks-{self.role}",
            name=names.eks_cluster(self.role),
            vpc_id=self.network.vpc_id,
            subnet_ids=self.network.private_subnets,
            secrets_kms_key_arn=self.kms["eks"].key_arn,
            logs_kms_key_arn=self.kms["logs"].key_arn,
            desired_size=scaling.desired_size,
            min_size=scaling.min_size,
            max_size=scaling.max_size,
            kubernetes_version=eks.kubernetes_version,
            support_type=eks.support_type,
            spot_instance_types=list(eks.spot_instance_types),
            system_instance_type=eks.system_instance_type,
            system_node_count=eks.system_node_count,
            public_access_cidrs=list(eks.public_access_cidrs),
            api_ingress_cidrs=list(eks.api_ingress_cidrs),
            admin_roles=list(eks.admin_roles),
            admin_role_arns=list(eks.admin_role_arns),
            prevent_destroy=names.is_production,
            provider=provider,
        )
        self.alarm_topic = AlarmTopic(
            stack,
            f"alarms-{self.role}",
            name=names.alarm_topic,
            kms_key_arn=self.kms["alarms"].key_arn,
            emails=list(alarm_emails),
            https_endpoints=list(alarm_https_endpoints),
            provider=provider,
        )

    def _keys(self, stack: TerraformStack, names: EnvironmentNames) -> dict[str, KmsKey]:
        primary = self.role == "primary"
        purposes = KMS_PURPOSES if primary else SECONDARY_KMS_PURPOSES
        return {
            purpose: KmsKey(
                stack,
                f"kms-{purpose}" if primary else f"kms-{purpose}-secondary",
                name=names.kms_key(purpose),
                description=KMS_PURPOSES[purpose][0] if primary else f"{KMS_PURPOSES[purpose][0]} ({self.region.name})",
                allowed_services=KMS_PURPOSES[purpose][1],
                prevent_destroy=names.is_production,
                provider=self.provider,
            )
            for purpose in purposes
        }
