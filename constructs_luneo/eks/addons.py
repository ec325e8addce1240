"""The EKS managed add-ons of a cluster: the network (vpc-cni, kube-proxy), DNS (coredns), the Pod
Identity agent (which hands workloads their roles) and the EBS CSI driver (persistent volumes, with
its own role through Pod Identity). Each add-on's version is tied to the cluster's Kubernetes
version: pinned in the EKS calendar (constructs_luneo/dated/kubernetes.csv) where a version is
written there, otherwise the one EKS gives that Kubernetes version by default (data
aws_eks_addon_version, read at plan). Either way an upgrade of the cluster shows each add-on's
upgrade in the same plan (rule LUNEO-AWS-24: no add-on without a version).

Conflicts, chosen deliberately: a cluster made by Terraform already runs self-managed vpc-cni,
coredns and kube-proxy; OVERWRITE on create adopts them with EKS's defaults (NONE fails on the
field conflict, and the provider then taints the add-on, whose next apply deletes it), OVERWRITE on
update keeps the code the source of truth (no setting of ours lives outside it). `preserve` keeps
the network and DNS running if an add-on resource is ever destroyed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.data_aws_eks_addon_version import DataAwsEksAddonVersion
from cdktf_cdktf_provider_aws.eks_addon import EksAddon, EksAddonPodIdentityAssociation
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment

from .workload import WorkloadIdentity

if TYPE_CHECKING:
    from .cluster import EksCluster

#: Add-ons whose pods need nodes to run (created after the node groups); the others come first.
NEED_NODES = ("coredns", "aws-ebs-csi-driver")
#: Add-ons that keep the cluster's network and DNS: kept running if the add-on resource goes.
PRESERVED = ("vpc-cni", "coredns", "kube-proxy")
EBS_CSI_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")


def add_managed_addons(
    cluster: EksCluster,
    kubernetes_version: str,
    versions: Mapping[str, str | None],
    node_groups: Sequence[ITerraformDependable],
) -> dict[str, EksAddon]:
    """One aws_eks_addon per add-on (`addon-<name>`); the EBS CSI driver's role (`ebs-csi-identity`)."""
    ebs = ebs_csi_identity(cluster)
    addons = {}
    for name, pinned in versions.items():
        # Not pinned in the calendar: the version EKS gives the cluster's Kubernetes version by default,
        # read at each plan, so that a cluster upgrade shows each add-on's upgrade in the same plan.
        version = (
            pinned
            or DataAwsEksAddonVersion(
                cluster,
                f"addon-{name}-version",
                addon_name=name,
                # The configured version, not the cluster's attribute: a lookup that depends on a resource
                # being changed is read at apply, and the plan would show "known after apply".
                kubernetes_version=kubernetes_version,
                most_recent=False,
                provider=cluster.provider,
            ).version
        )
        pod_identity = None
        if name == "aws-ebs-csi-driver":
            pod_identity = [EksAddonPodIdentityAssociation(role_arn=ebs.role_arn, service_account=ebs.service_account)]
        addons[name] = EksAddon(
            cluster,
            f"addon-{name}",
            cluster_name=cluster.cluster.name,
            addon_name=name,
            addon_version=version,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            preserve=True if name in PRESERVED else None,
            pod_identity_association=pod_identity,
            depends_on=list(node_groups) if name in NEED_NODES else None,
            tags=cluster.tags or None,
            provider=cluster.provider,
        )
    return addons


def ebs_csi_identity(cluster: EksCluster) -> WorkloadIdentity:
    """The EBS CSI controller's role: AmazonEBSCSIDriverPolicy, for kube-system/ebs-csi-controller-sa
    ("AWS suggests using EKS Pod Identities", https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html).
    The add-on itself makes the association (its pod_identity_association block)."""
    namespace, service_account = EBS_CSI_SERVICE_ACCOUNT
    identity = WorkloadIdentity(
        cluster,
        "ebs-csi-identity",
        name=f"{cluster.name}-ebs-csi"[:64],
        cluster_name=cluster.cluster.name,
        cluster_arn=cluster.account.arn("eks", f"cluster/{cluster.name}"),
        namespace=namespace,
        service_account=service_account,
        associate=False,
        tags=cluster.tags,
        provider=cluster.provider,
    )
    IamRolePolicyAttachment(
        cluster,
        "ebs-csi-policy",
        role=identity.role.name,
        policy_arn=f"arn:{cluster.account.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        provider=cluster.provider,
    )
    return identity
