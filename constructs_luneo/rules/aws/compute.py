"""AWS API rules: EC2 and EKS: fixed-name security groups, node group architectures, cluster access."""

from __future__ import annotations

import re
from typing import Iterable

from ...support.synthesized import blocks, truthy
from ..engine import Finding, View, rule


@rule(
    "LUNEO-AWS-4",
    "a security group replaced before it is destroyed has no fixed name",
    source="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
)
def _security_group_name_and_create_before_destroy(view: View) -> Iterable[Finding]:
    """Security group names are unique within a VPC ("You can't have two security groups for the
    same VPC with the same name"): with create_before_destroy, replacing a group with a fixed `name`
    creates its twin first and fails with InvalidGroup.Duplicate."""
    for address, path, body in view.each("aws_security_group"):
        if body.get("name") and truthy((body.get("lifecycle") or {}).get("create_before_destroy")):
            yield Finding(
                path,
                f"{address} has a fixed name and create_before_destroy: a replacement fails with "
                "InvalidGroup.Duplicate. Fix: name_prefix, or no create_before_destroy where the "
                "name must stay",
            )


def instance_architecture(instance_type: str) -> str | None:
    """arm64 for Graviton families (a letter g after the generation: m6g, c7gn, r6gd, t4g, is4gen),
    x86_64 for the others; None when the name is not an EC2 instance type."""
    match = re.match(r"^([a-z]+?)(\d+)([a-z-]*)\.", instance_type)
    if instance_type.startswith("a1."):
        return "arm64"
    if not match:
        return None
    return "arm64" if "g" in match.group(3) else "x86_64"


@rule(
    "LUNEO-AWS-10",
    "EKS node group instance types match the AMI type's architecture",
    source="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html",
)
def _node_group_architecture(view: View) -> Iterable[Finding]:
    """Every instance type of a managed node group must run the AMI type's architecture; without
    amiType, EKS 1.30+ picks AL2023_x86_64_STANDARD ("any newly created managed node groups will
    automatically default to using Amazon Linux 2023", EKS user guide), so Graviton types fail
    (InvalidParameterException: [t4g.medium] is not a valid instance type for requested amiType)."""
    custom_ami = {address for address, _, body in view.each("aws_launch_template") if body.get("image_id")}
    for address, path, body in view.each("aws_eks_node_group"):
        template = next(iter(blocks(body.get("launch_template"))), {})
        if view.referenced(template.get("id"), "aws_launch_template") in custom_ami:
            continue  # a custom AMI decides its own architecture
        ami_type = str(body.get("ami_type") or "AL2023_x86_64_STANDARD")
        if ami_type == "CUSTOM":
            continue
        wanted = "arm64" if "ARM_64" in ami_type else "x86_64"
        wrong = [t for t in body.get("instance_types") or [] if instance_architecture(str(t)) not in (None, wanted)]
        if wrong:
            yield Finding(
                path,
                f"{address} runs {ami_type} ({wanted}) on {', '.join(wrong)}: EKS refuses the node "
                "group. Fix: instance types of one architecture and the matching ami_type",
            )


@rule(
    "LUNEO-AWS-15",
    "an EKS cluster without creator bootstrap has a cluster admin access entry",
    source="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessConfigRequest.html",
)
def _eks_access(view: View) -> Iterable[Finding]:
    """With authentication_mode API there is no aws-auth ConfigMap, and with
    bootstrapClusterCreatorAdminPermissions false the creator gets no access entry: without an
    access entry holding AmazonEKSClusterAdminPolicy nobody can administer the cluster. Access
    entries take IAM principals, not STS assumed-role sessions (CreateAccessEntry)."""
    admins = {
        view.referenced(body.get("cluster_name"), "aws_eks_cluster")
        for _, _, body in view.each("aws_eks_access_policy_association")
        if "AmazonEKSClusterAdminPolicy" in str(body.get("policy_arn"))
    }
    for address, path, body in view.each("aws_eks_cluster"):
        access = next(iter(blocks(body.get("access_config"))), {})
        if (
            access.get("authentication_mode") == "API"
            and not truthy(access.get("bootstrap_cluster_creator_admin_permissions", True))
            and address not in admins
        ):
            yield Finding(
                path,
                f"{address} has no cluster admin: API authentication without creator bootstrap and "
                "no access entry with AmazonEKSClusterAdminPolicy. Fix: an access entry for an "
                "administrator's role (eks_admin_roles; EksCluster.grant_cluster_admin)",
            )
    for address, path, body in view.each("aws_eks_access_entry"):
        if ":assumed-role/" in str(body.get("principal_arn", "")):
            yield Finding(
                path,
                f"{address} names an STS session: access entries take IAM roles. Fix: the role ARN",
            )


@rule(
    "LUNEO-AWS-22",
    "subnets name their zone by zone ID, not by position in a live list of zone names",
    source="https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html",
)
def _subnet_zones(view: View) -> Iterable[Finding]:
    """Zone names map to different physical zones in each account, and a data aws_availability_zones
    list shifts when a zone's state changes or a new one sorts in: a subnet placed by index into it
    moves with the list, and availability_zone forces a new subnet (every subnet of the tier is
    replaced, and the replacement fails on the interfaces in them). A zone ID is the same zone in
    every account and does not move."""
    for address, path, body in view.each("aws_subnet"):
        zone = body.get("availability_zone")
        if isinstance(zone, str) and "data.aws_availability_zones." in zone:
            yield Finding(
                path,
                f"{address} takes its zone by position in a zone lookup ({zone}): a shift in the list replaces "
                "it. Fix: availability_zone_id from configuration (`<role>_zone_ids`)",
            )
