"""An AWS identity for a workload that runs in an EKS cluster, through EKS Pod Identity: a role that
only the cluster's Pod Identity agent can assume, for one namespace and service account, and the
association that hands it to that service account. Grants add to it the way aws-cdk's do: the
construct that owns a resource writes the statement (`assets.grant_read_write(identity)`,
`redis.grant_connect(identity, user)`, `database.grant_connect(identity, user)`).

Python::

    worker = WorkloadIdentity(stack, "workload-worker-ia-primary", name="luneo-prod-worker-ia-primary",
                              cluster=eks, namespace="luneo", service_account="luneo-worker-ia")
    assets.grant_read_write(worker)

Pod Identity rather than IRSA (the OIDC provider the cluster also has): the trust policy names the
service (pods.eks.amazonaws.com), not a cluster's OIDC issuer, so it does not change when a cluster
is replaced; the association is an EKS resource the stack manages beside the cluster; session tags
(namespace, service account, cluster ARN) scope the trust without an issuer URL per region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.eks_pod_identity_association import EksPodIdentityAssociation
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from ..support.common import account_context, construct_label, require

#: A Kubernetes namespace or service account name (DNS-1123 label).
KUBERNETES_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
POD_IDENTITY = "pods.eks.amazonaws.com"


def pod_identity_trust(account_id: str, cluster_arn: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Only EKS Pod Identity, for this account, for one cluster, namespace and service account: the
    agent sends them as session tags ("eks-cluster-arn", "kubernetes-namespace",
    "kubernetes-service-account", https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EksPodIdentity",
                "Effect": "Allow",
                "Principal": {"Service": POD_IDENTITY},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": account_id,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    },
                    "ArnEquals": {"aws:RequestTag/eks-cluster-arn": cluster_arn},
                },
            }
        ],
    }


class WorkloadIdentity(Construct):
    """A workload's role in one cluster, and its association with the service account.

    Arguments: name (the role's name, required), cluster_name and cluster_arn (the cluster's),
    namespace and service_account (required), associate (default True; False when an EKS add-on
    makes the association itself), tags, provider (the cluster's region).
    Attributes: role, role_arn, role_name, namespace, service_account.
    Methods: grant(id, *permissions): least-privilege statements in their own inline policy
    (`grant-<id>`); the constructs' grant_* methods call it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        cluster_name: str,
        cluster_arn: str,
        namespace: str,
        service_account: str,
        associate: bool = True,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(WorkloadIdentity, scope, id)
        require(isinstance(name, str) and bool(ROLE_NAME.match(name)), who, "name", "an IAM role name", name)
        for argument, value in (("namespace", namespace), ("service_account", service_account)):
            require(
                isinstance(value, str) and bool(KUBERNETES_NAME.match(value)),
                who,
                argument,
                "a Kubernetes name (lowercase letters, digits, '-')",
                value,
            )
        super().__init__(scope, id)
        self.provider, self.namespace, self.service_account = provider, namespace, service_account
        account = account_context(self, provider)
        self.role = IamRole(
            self,
            "role",
            name=name,
            description=f"{namespace}/{service_account} in {cluster_name}, through EKS Pod Identity",
            assume_role_policy=Fn.jsonencode(
                pod_identity_trust(account.account_id, cluster_arn, namespace, service_account)
            ),
            tags=dict(tags or {}) or None,
            provider=provider,
        )
        self.association = (
            EksPodIdentityAssociation(
                self,
                "association",
                cluster_name=cluster_name,
                namespace=namespace,
                service_account=service_account,
                role_arn=self.role.arn,
                tags=dict(tags or {}) or None,
                provider=provider,
            )
            if associate
            else None
        )
        self.role_arn: str = self.role.arn
        self.role_name: str = self.role.name

    def grant(self, id: str, *permissions: Permission) -> IamRolePolicy:
        """The permissions of one grant, in their own inline policy `grant-<id>` (an address per grant:
        adding a grant leaves the others' policies alone)."""
        statements = []
        for permission in permissions:
            statement: dict[str, Any] = {
                "Effect": "Allow",
                "Action": sorted(set(permission.actions)),
                "Resource": list(permission.resources),
            }
            if permission.condition:
                statement["Condition"] = dict(permission.condition)
            statements.append(statement)
        return IamRolePolicy(
            self,
            f"grant-{id}",
            name=id,
            role=self.role.id,
            policy=Fn.jsonencode({"Version": "2012-10-17", "Statement": statements}),
            provider=self.provider,
        )


@dataclass(frozen=True)
class Permission:
    """Actions on resources (ARNs: never "*" where the service has a resource type), with a condition."""

    actions: Sequence[str]
    resources: Sequence[str]
    condition: Mapping[str, Any] | None = None
