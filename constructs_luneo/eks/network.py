"""The security groups of an EksCluster: the control plane's and the nodes', which talk only on the
ports they need. EksCluster creates them in its own scope (their Terraform addresses stay the cluster's)."""

from __future__ import annotations

from typing import Mapping, Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

CONTROL_PLANE_TO_NODE_PORTS = (443, 4443, 6443, 8443, 9443, 10250)


def cluster_security_groups(
    scope: Construct, name: str, vpc_id: str, tags: Mapping[str, str], provider: TerraformProvider | None
) -> tuple[SecurityGroup, SecurityGroup]:
    """The control plane's group and the nodes' group of cluster `name`, and the rules between them
    (plus the nodes' egress): (cluster group, node group)."""
    cluster_group = SecurityGroup(
        scope,
        "cluster-sg",
        name_prefix=f"{name}-cluster-",
        vpc_id=vpc_id,
        provider=provider,
        description=f"EKS {name} control plane",
        tags={**tags, "Name": f"{name}-cluster"},
        lifecycle={"create_before_destroy": True},
    )
    node_group = SecurityGroup(
        scope,
        "node-sg",
        name_prefix=f"{name}-node-",
        vpc_id=vpc_id,
        provider=provider,
        description=f"EKS {name} nodes",
        tags={**tags, "Name": f"{name}-node", f"kubernetes.io/cluster/{name}": "owned"},
        lifecycle={"create_before_destroy": True},
    )
    _ingress_rules(scope, cluster_group.id, node_group.id, provider)
    _egress_rules(scope, cluster_group.id, node_group.id, provider)
    return cluster_group, node_group


def _ingress_rules(scope: Construct, cluster_sg: str, node_sg: str, provider: TerraformProvider | None) -> None:
    """The API server from the nodes, the control plane to the nodes' ports, and node to node."""
    # Node ports the control plane needs: kubelet (10250) and the usual admission-webhook ports
    # (443, 4443 metrics-server, 6443, 8443, 9443 load balancer controller): the same narrow set
    # terraform-aws-eks opens, not a 1025-65535 range.
    rules = [("cluster-from-nodes", cluster_sg, node_sg, 443, "API server from nodes")]
    rules += [
        (f"nodes-from-cluster-{port}", node_sg, cluster_sg, port, f"port {port} from the control plane")
        for port in CONTROL_PLANE_TO_NODE_PORTS
    ]
    for rule_id, group, source, port, text in rules:
        VpcSecurityGroupIngressRule(
            scope,
            rule_id,
            security_group_id=group,
            referenced_security_group_id=source,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=text,
            provider=provider,
        )
    VpcSecurityGroupIngressRule(
        scope,
        "nodes-from-nodes",
        security_group_id=node_sg,
        referenced_security_group_id=node_sg,
        ip_protocol="-1",
        description="node to node (pods, DNS)",
        provider=provider,
    )


def _egress_rules(scope: Construct, cluster_sg: str, node_sg: str, provider: TerraformProvider | None) -> None:
    """The nodes to anywhere, and the control plane to the nodes' ports only."""
    # Nodes pull images, reach AWS APIs and the internet through the NAT gateways.
    VpcSecurityGroupEgressRule(
        scope,
        "nodes-egress",
        security_group_id=node_sg,
        ip_protocol="-1",
        cidr_ipv4="0.0.0.0/0",
        description="nodes to AWS APIs, registries, NAT",
        provider=provider,
    )
    for port in CONTROL_PLANE_TO_NODE_PORTS:
        VpcSecurityGroupEgressRule(
            scope,
            f"cluster-to-nodes-{port}",
            security_group_id=cluster_sg,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=node_sg,
            description=f"control plane to nodes on {port}",
            provider=provider,
        )


def allow_api_ingress(
    scope: Construct, cluster_group: SecurityGroup, cidrs: Sequence[str], provider: TerraformProvider | None
) -> None:
    """The private API endpoint (443 on the control plane's group) from an operators' network: a VPN,
    a bastion's subnet, a peered range (docs/OPERATIONS.md, "Reaching the Kubernetes API")."""
    for i, cidr in enumerate(cidrs):
        VpcSecurityGroupIngressRule(
            scope,
            f"cluster-from-operators-{i}",
            security_group_id=cluster_group.id,
            cidr_ipv4=cidr,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description=f"Kubernetes API from the operators' network {cidr}",
            provider=provider,
        )
