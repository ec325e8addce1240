"""EKS: a cluster per region with a SPOT node group and a small on-demand system group.

Python::

    cluster = EksCluster(stack, "eks-primary", name="luneo-prod-eks-primary", vpc_id=network.vpc_id,
                         subnet_ids=network.private_subnets, secrets_kms_key_arn=eks_key.key_arn,
                         desired_size=3, min_size=2, max_size=10)
    cluster.cluster_name, cluster.endpoint, cluster.oidc_provider_arn, cluster.node_security_group_id
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import EksAccessPolicyAssociation
from cdktf_cdktf_provider_aws.eks_cluster import EksCluster as _EksCluster
from cdktf_cdktf_provider_aws.eks_cluster import EksClusterEncryptionConfig
from cdktf_cdktf_provider_aws.eks_node_group import EksNodeGroup, EksNodeGroupTaint
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateTagSpecifications,
)
from constructs import Construct

from ..config.environment import NodeGroupScaling
from ..config.variables import default
from ..dated import addon_versions
from ..support.common import account_context, construct_label, is_token, lifecycle
from .addons import add_managed_addons
from .checks import check_access, check_nodes, check_shape, check_support
from .network import allow_api_ingress, cluster_security_groups

#: All five control-plane log types.
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
)


class EksCluster(Construct):
    """An EKS cluster with private endpoint, KMS-encrypted secrets, all control-plane logs,
    an OIDC provider for service-account roles, access entries for admins, and two managed node
    groups (SPOT for workloads, ON_DEMAND for system pods) on IMDSv2-only launch templates.

    Arguments:
      name: cluster name, e.g. "luneo-prod-eks-primary" (required).
      vpc_id, subnet_ids: the VPC and the private subnets for the control plane ENIs and nodes (required).
      secrets_kms_key_arn: key encrypting Kubernetes secrets (required).
      desired_size, min_size, max_size: the SPOT group's scaling (required; min <= desired <= max).
      kubernetes_version: pinned minor version. spot_instance_types: several types of one size spread
        the SPOT risk. system_instance_type, system_node_count: the fixed ON_DEMAND system group.
        These four default to the environment defaults of eks_kubernetes_version,
        eks_spot_instance_types, eks_system_instance_type and eks_system_node_count.
      support_type: "STANDARD" (default eks_support_type) or "EXTENDED" (rule LUNEO-AWS-18 checks the
        version against the EKS calendar, constructs_luneo/dated/kubernetes.csv).
      public_access_cidrs: CIDRs that may reach the public API endpoint (default none: private
        endpoint only). 0.0.0.0/0 is refused.
      api_ingress_cidrs: CIDRs (a VPN, a bastion's subnet, a peered network) that may reach the private
        endpoint on 443 (default none). Without either, only the nodes reach the API.
      admin_roles: IAM roles of the cluster's account, by name or path/name, given cluster-admin
        through access entries (`admin-<name>`). admin_role_arns: the same by ARN (another account's
        too; `admin-<account>-<name>`). From configuration, never from whoever runs the plan: an
        entry's principal cannot change, a new one replaces it.
      addons: EKS managed add-on -> version (None: EKS's default); default: every add-on of the EKS
        calendar at its version for kubernetes_version (vpc-cni, coredns, kube-proxy,
        eks-pod-identity-agent, aws-ebs-csi-driver with its own role; eks/addons.py).
      log_retention_in_days, logs_kms_key_arn: the control-plane log group (365 days).
      prevent_destroy: Terraform lifecycle guard on the cluster and its (audit) log group.
      tags: extra tags. provider: the AWS provider (region).

    Attributes: name, cluster_name, endpoint, arn, certificate_authority_data, oidc_provider_arn,
    oidc_issuer_url, cluster_security_group_id, node_security_group_id, node_role_arn, cluster, addons.
    Methods: grant_cluster_admin(id, role_arn).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        secrets_kms_key_arn: str,
        desired_size: int,
        min_size: int,
        max_size: int,
        kubernetes_version: str = default("eks_kubernetes_version"),
        spot_instance_types: Sequence[str] = default("eks_spot_instance_types"),
        system_instance_type: str = default("eks_system_instance_type"),
        system_node_count: int = default("eks_system_node_count"),
        support_type: str = default("eks_support_type"),
        public_access_cidrs: Sequence[str] = (),
        api_ingress_cidrs: Sequence[str] = (),
        admin_roles: Sequence[str] = (),
        admin_role_arns: Sequence[str] = (),
        addons: Mapping[str, str | None] | None = None,
        log_retention_in_days: int = 365,
        logs_kms_key_arn: str | None = None,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(EksCluster, scope, id)
        check_shape(who, name, subnet_ids, desired_size, min_size, max_size, kubernetes_version)
        check_nodes(who, spot_instance_types, system_instance_type, system_node_count)
        check_access(who, public_access_cidrs, api_ingress_cidrs, admin_roles, admin_role_arns)
        check_support(who, support_type)
        super().__init__(scope, id)
        self.name, self.provider, self.tags = name, provider, dict(tags or {})
        self.prevent_destroy = prevent_destroy
        self.account = account_context(self, provider)

        cluster_role = self._cluster_role()
        self.cluster_security_group, self.node_security_group = cluster_security_groups(
            self, name, vpc_id, self.tags, provider
        )
        allow_api_ingress(self, self.cluster_security_group, api_ingress_cidrs, provider)
        log_group = self._log_group(log_retention_in_days, logs_kms_key_arn)
        self.cluster = self._cluster(
            (kubernetes_version, support_type),
            cluster_role,
            subnet_ids,
            public_access_cidrs,
            secrets_kms_key_arn,
            log_group,
        )
        issuer = self.cluster.identity.get(0).oidc.get(0).issuer
        self.oidc_provider = IamOpenidConnectProvider(
            self, "oidc", url=issuer, client_id_list=["sts.amazonaws.com"], tags=self.tags or None, provider=provider
        )
        for role in admin_roles:
            self.grant_cluster_admin(admin_id(role), self.account.arn("iam", f"role/{role}", region=False))
        for i, role_arn in enumerate(admin_role_arns):
            arn_id = role_arn.split(":", 4)[-1].replace(":role/", "-") if not is_token(role_arn) else str(i)
            self.grant_cluster_admin(admin_id(arn_id), role_arn)
        self._node_groups(
            subnet_ids,
            NodeGroupScaling(desired_size, min_size, max_size),
            spot_instance_types,
            system_instance_type,
            system_node_count,
        )
        self.addons = add_managed_addons(
            self,
            kubernetes_version,
            addon_versions(kubernetes_version) if addons is None else addons,
            [self.spot_node_group, self.system_node_group],
        )
        self._expose(issuer)

    def _cluster_role(self) -> IamRole:
        """The control plane's role, with AmazonEKSClusterPolicy."""
        role = self._role("cluster-role", "cluster", "eks.amazonaws.com")
        IamRolePolicyAttachment(
            self,
            "cluster-policy",
            role=role.name,
            provider=self.provider,
            policy_arn=f"arn:{self.account.partition}:iam::aws:policy/AmazonEKSClusterPolicy",
        )
        return role

    def _log_group(self, retention_in_days: int, kms_key_arn: str | None) -> CloudwatchLogGroup:
        """The control-plane log group, made first (the cluster depends on it) with our retention and key."""
        return CloudwatchLogGroup(
            self,
            "log-group",
            name=f"/aws/eks/{self.name}/cluster",
            retention_in_days=retention_in_days,
            kms_key_id=kms_key_arn,
            tags=self.tags or None,
            lifecycle=lifecycle(self.prevent_destroy),
            provider=self.provider,
        )

    def _expose(self, issuer: str) -> None:
        self.cluster_name: str = self.cluster.name
        self.endpoint: str = self.cluster.endpoint
        self.arn: str = self.cluster.arn
        self.certificate_authority_data: str = self.cluster.certificate_authority.get(0).data
        self.oidc_provider_arn: str = self.oidc_provider.arn
        self.oidc_issuer_url: str = issuer
        self.cluster_security_group_id: str = self.cluster_security_group.id
        self.node_security_group_id: str = self.node_security_group.id
        self.node_role_arn: str = self.node_role.arn

    def _role(self, id: str, purpose: str, service: str) -> IamRole:
        return IamRole(
            self,
            id,
            name_prefix=f"{self.name}-{purpose}-"[:38],
            tags=self.tags or None,
            provider=self.provider,
            assume_role_policy=_trust(service),
        )

    def _cluster(
        self,
        version: tuple[str, str],
        role: IamRole,
        subnet_ids: Sequence[str],
        public_access_cidrs: Sequence[str],
        secrets_kms_key_arn: str,
        log_group: CloudwatchLogGroup,
    ) -> _EksCluster:
        public = bool(list(public_access_cidrs))
        return _EksCluster(
            self,
            "cluster",
            name=self.name,
            version=version[0],
            role_arn=role.arn,
            vpc_config={
                "subnet_ids": subnet_ids,
                "security_group_ids": [self.cluster_security_group.id],
                "endpoint_private_access": True,
                "endpoint_public_access": public,
                "public_access_cidrs": list(public_access_cidrs) if public else None,
            },
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
            encryption_config=EksClusterEncryptionConfig(
                resources=["secrets"], provider={"key_arn": secrets_kms_key_arn}
            ),
            enabled_cluster_log_types=LOG_TYPES,
            upgrade_policy={"support_type": version[1]},
            tags=self.tags or None,
            depends_on=[log_group],
            lifecycle=lifecycle(self.prevent_destroy),
            provider=self.provider,
        )

    def grant_cluster_admin(self, id: str, role_arn: str) -> EksAccessEntry:
        """An access entry giving `role_arn` cluster-admin (AmazonEKSClusterAdminPolicy, cluster scope)."""
        entry = EksAccessEntry(
            self,
            id,
            cluster_name=self.cluster.name,
            principal_arn=role_arn,
            type="STANDARD",
            tags=self.tags or None,
            provider=self.provider,
        )
        EksAccessPolicyAssociation(
            self,
            f"{id}-policy",
            cluster_name=self.cluster.name,
            principal_arn=entry.principal_arn,
            policy_arn=f"arn:{self.account.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            access_scope={"type": "cluster"},
            provider=self.provider,
        )
        return entry

    def _node_policies(self) -> list[IamRolePolicyAttachment]:
        """The node role's managed policies (NODE_POLICIES): the node groups depend on them."""
        return [
            IamRolePolicyAttachment(
                self,
                f"node-{policy}",
                role=self.node_role.name,
                provider=self.provider,
                policy_arn=f"arn:{self.account.partition}:iam::aws:policy/{policy}",
            )
            for policy in NODE_POLICIES
        ]

    def _launch_template(self) -> LaunchTemplate:
        """IMDSv2 only, and one hop: pods cannot borrow the node's credentials. Encrypted gp3 volumes."""
        return LaunchTemplate(
            self,
            "node-template",
            name_prefix=f"{self.name}-node-",
            update_default_version=True,
            provider=self.provider,
            vpc_security_group_ids=[self.node_security_group.id],
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
                "instance_metadata_tags": "disabled",
            },
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name="/dev/xvda",
                    ebs={"volume_size": 50, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"},
                )
            ],
            monitoring={"enabled": True},
            tag_specifications=[
                LaunchTemplateTagSpecifications(resource_type=kind, tags={**self.tags, "Name": f"{self.name}-node"})
                for kind in ("instance", "volume")
            ],
            tags=self.tags or None,
        )

    def _node_groups(
        self,
        subnet_ids: Sequence[str],
        spot: NodeGroupScaling,
        spot_instance_types: Sequence[str],
        system_instance_type: str,
        system_node_count: int,
    ) -> None:
        """A SPOT group over several instance types for workloads, and a small ON_DEMAND group tainted
        CriticalAddonsOnly for system pods, on one launch template and one node role."""
        name, tags, provider = self.name, self.tags, self.provider
        self.node_role = self._role("node-role", "node", "ec2.amazonaws.com")
        attachments = self._node_policies()
        template = self._launch_template()
        launch_template = {"id": template.id, "version": Fn.tostring(template.latest_version)}
        common: dict[str, Any] = dict(
            cluster_name=self.cluster.name,
            node_role_arn=self.node_role.arn,
            subnet_ids=subnet_ids,
            launch_template=launch_template,
            tags=tags or None,
            depends_on=attachments,
            provider=provider,
            lifecycle={"create_before_destroy": True},
        )
        self.spot_node_group = EksNodeGroup(
            self,
            "spot-nodes",
            node_group_name_prefix=f"{name}-spot-"[:37],
            capacity_type="SPOT",
            instance_types=list(spot_instance_types),
            scaling_config={"desired_size": spot.desired_size, "min_size": spot.min_size, "max_size": spot.max_size},
            update_config={"max_unavailable_percentage": 33},
            labels={"luneo.app/capacity": "spot"},
            **common,
        )
        self.system_node_group = EksNodeGroup(
            self,
            "system-nodes",
            node_group_name_prefix=f"{name}-system-"[:37],
            capacity_type="ON_DEMAND",
            instance_types=[system_instance_type],
            scaling_config={
                "desired_size": system_node_count,
                "min_size": system_node_count,
                "max_size": system_node_count,
            },
            update_config={"max_unavailable": 1},
            labels={"luneo.app/capacity": "on-demand"},
            taint=[EksNodeGroupTaint(key="CriticalAddonsOnly", value="true", effect="PREFER_NO_SCHEDULE")],
            **common,
        )


def _trust(service: str) -> str:
    return Fn.jsonencode(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def admin_id(role: str) -> str:
    """The access entry's construct id for a role's name (or ARN's account-role): `admin-<role>`, what
    is not a letter, digit or '-' made '-'. Keyed by the role, not its position in a list: removing
    one role leaves the others' entries alone."""
    return "admin-" + re.sub(r"[^A-Za-z0-9-]", "-", role)
