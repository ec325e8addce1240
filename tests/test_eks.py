"""constructs_luneo.eks.EksCluster: private endpoint, encryption, logs, OIDC, access entries, node groups."""

from __future__ import annotations

import pytest
from cdktf import Testing

from constructs_luneo.eks import CONTROL_PLANE_TO_NODE_PORTS, LOG_TYPES, EksCluster
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, resources, synth_scope

KEY = "arn:aws:kms:eu-west-1:111122223333:key/eks"


def cluster(scope, **overrides):
    args = dict(
        name="luneo-prod-eks-primary",
        vpc_id="vpc-1",
        subnet_ids=["subnet-a", "subnet-b", "subnet-c"],
        secrets_kms_key_arn=KEY,
        desired_size=3,
        min_size=2,
        max_size=10,
    )
    args.update(overrides)
    return EksCluster(scope, "eks", **args)


@pytest.fixture(scope="module")
def synthesized():
    return synth_scope(
        lambda s: cluster(
            s, admin_roles=["luneo-break-glass"], admin_role_arns=["arn:aws:iam::111122223333:role/platform-admins"]
        )
    )


def test_cluster_private_encrypted_and_logged(synthesized):
    eks = only_resource(synthesized, "aws_eks_cluster")
    assert eks["name"] == "luneo-prod-eks-primary" and eks["version"] == "1.35"
    assert eks["upgrade_policy"] == {"support_type": "STANDARD"}
    assert eks["vpc_config"]["endpoint_private_access"] is True
    assert eks["vpc_config"]["endpoint_public_access"] is False and "public_access_cidrs" not in eks["vpc_config"]
    assert eks["encryption_config"] == {"resources": ["secrets"], "provider": {"key_arn": KEY}}
    assert eks["enabled_cluster_log_types"] == LOG_TYPES and len(LOG_TYPES) == 5
    assert eks["access_config"] == {"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False}


def test_public_endpoint_only_from_configured_cidrs():
    eks = only_resource(synth_scope(lambda s: cluster(s, public_access_cidrs=["203.0.113.0/24"])), "aws_eks_cluster")
    assert eks["vpc_config"]["endpoint_public_access"] is True
    assert eks["vpc_config"]["public_access_cidrs"] == ["203.0.113.0/24"]


def test_oidc_provider_and_admin_access_entries(synthesized):
    oidc = only_resource(synthesized, "aws_iam_openid_connect_provider")
    assert oidc["client_id_list"] == ["sts.amazonaws.com"]
    assert oidc["url"] == "${aws_eks_cluster.eks_cluster.identity[0].oidc[0].issuer}"
    entries = resources(synthesized, "aws_eks_access_entry")
    assert entries["eks_admin-111122223333-platform-admins"]["principal_arn"] == (
        "arn:aws:iam::111122223333:role/platform-admins"
    )
    assert entries["eks_admin-luneo-break-glass"]["principal_arn"] == (
        "arn:${data.aws_partition.partition-default.partition}:iam::"
        "${data.aws_caller_identity.caller-default.account_id}:role/luneo-break-glass"
    ), "the role's ARN from the account: the same whoever plans"
    associations = resources(synthesized, "aws_eks_access_policy_association")
    assert sorted(associations) == [
        "eks_admin-111122223333-platform-admins-policy",
        "eks_admin-luneo-break-glass-policy",
    ]
    for association in associations.values():
        assert association["policy_arn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")
        assert association["access_scope"] == {"type": "cluster"}


def test_spot_and_on_demand_node_groups_sized_from_arguments(synthesized):
    groups = {g["capacity_type"]: g for g in resources(synthesized, "aws_eks_node_group").values()}
    spot, system = groups["SPOT"], groups["ON_DEMAND"]
    assert spot["scaling_config"] == {"desired_size": 3, "min_size": 2, "max_size": 10}
    assert len(spot["instance_types"]) >= 2
    assert system["scaling_config"] == {"desired_size": 2, "min_size": 2, "max_size": 2}
    assert system["taint"] == [{"key": "CriticalAddonsOnly", "value": "true", "effect": "PREFER_NO_SCHEDULE"}]
    for group in (spot, system):
        assert group["subnet_ids"] == ["subnet-a", "subnet-b", "subnet-c"], "nodes in the private subnets"
        assert "remote_access" not in group


def test_launch_template_requires_imdsv2_and_encrypts_volumes(synthesized):
    template = only_resource(synthesized, "aws_launch_template")
    assert template["metadata_options"]["http_tokens"] == "required"
    assert template["metadata_options"]["http_put_response_hop_limit"] == 1
    assert template["block_device_mappings"][0]["ebs"]["encrypted"] == "true"


def test_security_groups_open_only_the_needed_ports(synthesized):
    rules = resources(synthesized, "aws_vpc_security_group_ingress_rule").values()
    assert not [r for r in rules if r.get("cidr_ipv4")], "no CIDR ingress at all"
    from_cluster = sorted(
        r["from_port"]
        for r in rules
        if "node-sg" in r["security_group_id"] and "cluster-sg" in r.get("referenced_security_group_id", "")
    )
    assert from_cluster == sorted(CONTROL_PLANE_TO_NODE_PORTS)


def test_iam_roles_and_policies(synthesized):
    attachments = sorted(
        a["policy_arn"].rsplit("/", 1)[-1] for a in resources(synthesized, "aws_iam_role_policy_attachment").values()
    )
    assert attachments == [
        "AmazonEBSCSIDriverPolicy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEKSClusterPolicy",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonSSMManagedInstanceCore",
    ]


def test_control_plane_log_group_is_created_first():
    synthesized = synth_scope(lambda s: cluster(s, logs_kms_key_arn="arn:aws:kms:eu-west-1:1:key/logs"))
    group = only_resource(synthesized, "aws_cloudwatch_log_group")
    assert group["name"] == "/aws/eks/luneo-prod-eks-primary/cluster" and group["retention_in_days"] == 365
    assert Testing.to_have_resource_with_properties(
        synthesized, "aws_eks_cluster", {"depends_on": ["aws_cloudwatch_log_group.eks_log-group"]}
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"desired_size": 12}, "desired_size: expected min_size (2) <= desired_size <= max_size (10)"),
        ({"min_size": -1}, "min_size: expected a whole number from 0 to 100, got -1"),
        ({"kubernetes_version": "1.3"}, 'kubernetes_version: expected a Kubernetes minor version such as "1.35"'),
        ({"support_type": "standard"}, 'support_type: expected "STANDARD" or "EXTENDED"'),
        ({"api_ingress_cidrs": ["0.0.0.0/0"]}, "api_ingress_cidrs: expected specific CIDR blocks, never 0.0.0.0/0"),
        ({"admin_roles": ["role/../x y"]}, "admin_roles: expected IAM role names"),
        ({"spot_instance_types": ["m6i.large"]}, "spot_instance_types: expected two or more EC2 instance types"),
        ({"public_access_cidrs": ["0.0.0.0/0"]}, "public_access_cidrs: expected specific CIDR blocks, never 0.0.0.0/0"),
        ({"admin_role_arns": ["admins"]}, "admin_role_arns: expected IAM role ARNs"),
        ({"subnet_ids": ["subnet-a"]}, "subnet_ids: expected a list of at least two private subnet ids"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError, match="^EksCluster 'test/eks': ") as caught:
        synth_scope(lambda s: cluster(s, **overrides))
    assert message in str(caught.value)
