"""AWS API rules: what AWS offers and allows, from dated tables (constructs_luneo/dated/):
the Kubernetes versions EKS runs, the instance classes and node types per region, and tag limits."""

from __future__ import annotations

from typing import Any, Iterable

from ...dated import catalog, kubernetes_support
from ...support.patterns import MAX_TAGS, tag_problem
from ...support.synthesized import blocks
from ..engine import Finding, View, rule


@rule(
    "LUNEO-AWS-18",
    "an EKS cluster's Kubernetes version is on the EKS calendar, on standard support unless EXTENDED",
    source="https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
)
def _kubernetes_version(view: View) -> Iterable[Finding]:
    """EKS runs a minor version 14 months on standard support, then 12 on extended support ($0.60
    instead of $0.10 per cluster-hour). A cluster whose upgrade policy is STANDARD "will automatically
    upgrade to the next supported Kubernetes version" when standard support ends (view-upgrade-policy),
    outside Terraform; a version past extended support, or one EKS never had, is refused. Checked
    against constructs_luneo/dated/kubernetes.csv on the day of the synth: an error after the date, a warning in the
    60 days before it."""
    for address, path, body in view.each("aws_eks_cluster"):
        version = body.get("version")
        if not isinstance(version, str) or "${" in version:
            continue
        # Without an upgrade policy, EKS defaults to EXTENDED (UpgradePolicyRequest).
        support = str((next(iter(blocks(body.get("upgrade_policy"))), {}) or {}).get("support_type", "EXTENDED"))
        found = kubernetes_support(version, support)
        if found:
            yield Finding(path, f"{address}: {found[1]}", level="error" if found[0] == "error" else "warning")


#: resource type -> (catalog kind, the argument naming the class or type).
_CLASSES = {
    "aws_db_instance": ("db", "instance_class"),
    "aws_rds_cluster_instance": ("aurora", "instance_class"),
    "aws_elasticache_replication_group": ("cache", "node_type"),
    "aws_elasticache_global_replication_group": ("cache", "cache_node_type"),
    "aws_launch_template": ("ec2", "instance_type"),
    "aws_eks_node_group": ("ec2", "instance_types"),
}


@rule(
    "LUNEO-AWS-19",
    "instance classes and node types are offered in the resource's region (the catalog)",
    source="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.RegionSupport.html",
)
def _offered(view: View) -> Iterable[Finding]:
    """A class a region does not offer (or a typo: db.t3.mediun) is refused at create ("DB instance
    class ... is not supported in this Region", InvalidParameterCombination). Checked against the
    price table (constructs_luneo/dated/prices.csv), the classes `make cost` can price, per region; the message
    names the nearest ones."""
    offered = catalog()
    for resource_type, (kind, argument) in _CLASSES.items():
        for address, path, body in view.each(resource_type):
            value: Any = body.get(argument)
            names = value if isinstance(value, list) else [value] if value else []
            for name in names:
                if not isinstance(name, str) or "${" in name:
                    continue
                problem = offered.check(kind, view.region(body, view.default_region or ""), name)
                if problem:
                    yield Finding(path, f"{address}: {argument}: {problem}")


@rule(
    "LUNEO-AWS-20",
    "tags stay within AWS's limits, the provider's default_tags counted",
    source="https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
)
def _tags(view: View) -> Iterable[Finding]:
    """50 user tags per resource, keys of 1-128 and values of 0-256 characters of a narrow set, no
    aws: prefix. The provider's default_tags are sent as ordinary tags: they count ("Provider tags
    can be overridden with new values, but not excluded from specific resources")."""
    defaults = {
        (f"aws.{p['alias']}" if p.get("alias") else "aws"): dict(
            (next(iter(blocks(p.get("default_tags"))), {}) or {}).get("tags") or {}
        )
        for p in view.document.get("provider", {}).get("aws", [])
    }
    for address, body in view.items(data=False):
        tags = body.get("tags")
        if not isinstance(tags, dict):
            continue
        merged = {**defaults.get(str(body.get("provider") or "aws"), {}), **tags}
        path = str((body.get("//") or {}).get("metadata", {}).get("path", ""))
        if len(merged) > MAX_TAGS:
            yield Finding(
                path,
                f"{address}: {len(merged)} tags with the provider's default_tags; AWS takes {MAX_TAGS}. "
                "Fix: fewer tags (`tags` in the environment file join every resource's)",
            )
        for key, value in merged.items():
            problem = tag_problem(key, value)
            if problem:
                yield Finding(path, f"{address}: {problem}. Fix: a tag AWS accepts")


@rule(
    "LUNEO-AWS-24",
    "an EKS add-on's version follows the cluster's Kubernetes version",
    source="https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonVersions.html",
)
def _addon_versions(view: View) -> Iterable[Finding]:
    """An add-on without addon_version gets EKS's default version for the cluster's Kubernetes version
    when it is created, and keeps it: an upgrade of the cluster does not upgrade it, and no plan shows
    it. Pinned (the EKS calendar) or read for the cluster's version (data aws_eks_addon_version), a
    cluster upgrade shows each add-on's upgrade in the same plan."""
    for address, path, body in view.each("aws_eks_addon"):
        if not body.get("addon_version"):
            yield Finding(
                path,
                f"{address} has no addon_version: it would stay at its first version through every cluster "
                "upgrade. Fix: a version from the EKS calendar, or data aws_eks_addon_version for the cluster's",
            )
