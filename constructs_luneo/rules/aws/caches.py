"""AWS API rules: ElastiCache: user groups and TLS, automatic failover, Global Datastore members."""

from __future__ import annotations

import re
from typing import Iterable

from ...support.synthesized import truthy
from ..engine import Finding, View, rule


@rule(
    "LUNEO-AWS-5",
    "ElastiCache user groups need in-transit encryption, mode required",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html",
)
def _user_groups_need_tls(view: View) -> Iterable[Finding]:
    """Role-based access control (user groups) needs encryption in transit on the replication
    group ("User group based access control requires encryption-in-transit to be enabled on the
    replication group"), and access control refuses the `preferred` transit mode
    (InvalidParameterCombination: Transit encryption preferred is not supported with redis access
    control)."""
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if not body.get("user_group_ids") or body.get("global_replication_group_id"):
            continue
        if not truthy(body.get("transit_encryption_enabled")) or body.get("transit_encryption_mode") == "preferred":
            yield Finding(
                path,
                f"{address} uses user groups without transit encryption in mode required: AWS "
                "refuses it. Fix: transit_encryption_enabled = true, transit_encryption_mode = "
                '"required"',
            )


@rule(
    "LUNEO-AWS-9",
    "Redis Multi-AZ needs automatic failover, which needs two or more nodes",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
)
def _redis_failover(view: View) -> Iterable[Finding]:
    """ "If AutomaticFailoverEnabled is true, the value of this parameter [NumCacheClusters] must be
    at least 2" (CreateReplicationGroup); Multi-AZ requires automatic failover (the provider refuses
    it at plan; this says so at synth)."""
    for address, path, body in view.each("aws_elasticache_replication_group"):
        failover = truthy(body.get("automatic_failover_enabled"))
        if truthy(body.get("multi_az_enabled")) and not failover:
            yield Finding(path, f"{address} is Multi-AZ without automatic failover. Fix: automatic_failover_enabled")
        nodes = body.get("num_cache_clusters")
        if failover and isinstance(nodes, int) and nodes < 2:
            yield Finding(path, f"{address} fails over automatically with {nodes} node. Fix: num_cache_clusters >= 2")


GLOBAL_DATASTORE_FAMILIES = ("m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g", "c7gn")
GLOBAL_DATASTORE_SECONDARY_REFUSES = (
    "engine",
    "engine_version",
    "node_type",
    "parameter_group_name",
    "transit_encryption_enabled",
    "transit_encryption_mode",
    "at_rest_encryption_enabled",
    "num_node_groups",
)


@rule(
    "LUNEO-AWS-12",
    "an ElastiCache Global Datastore runs on supported node types; secondaries inherit",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html",
)
def _global_datastore(view: View) -> Iterable[Finding]:
    """ "Global datastores are supported on the following instance families in size large and above:
    M5, M6g, M7g, R5, R6g, R6gd, R7g, and C7gn" with Redis OSS 5.0.6 or later; a secondary cluster
    takes engine, node type and encryption from the primary (the provider refuses them on it) and
    inherits Multi-AZ and automatic failover, which need two or more nodes."""
    for address, path, body in view.each("aws_elasticache_global_replication_group"):
        primary = view.body(
            view.referenced(body.get("primary_replication_group_id"), "aws_elasticache_replication_group") or ""
        )
        if not primary:
            continue
        node_type = str(primary.get("node_type", ""))
        parts = node_type.split(".")
        if len(parts) == 3 and (parts[1] not in GLOBAL_DATASTORE_FAMILIES or parts[2] in ("micro", "small", "medium")):
            yield Finding(
                path,
                f"{address}: the primary's node type {node_type} cannot join a global datastore. "
                "Fix: M5, M6g, M7g, R5, R6g, R6gd, R7g or C7gn, size large or above",
            )
        version = str(primary.get("engine_version", ""))
        if re.match(r"^\d+(\.\d+)*$", version) and tuple(int(p) for p in version.split(".")) < (5, 0, 6):
            yield Finding(path, f"{address}: Redis {version} is older than 5.0.6. Fix: a newer engine_version")
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if not body.get("global_replication_group_id"):
            continue
        refused = [k for k in GLOBAL_DATASTORE_SECONDARY_REFUSES if k in body]
        if refused:
            yield Finding(
                path,
                f"{address} is a global datastore secondary setting {', '.join(refused)}: they come "
                "from the primary. Fix: leave them out",
            )


@rule(
    "LUNEO-AWS-17",
    "an ElastiCache user group holds a user named default",
    source="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-usergroup.html",
)
def _user_group_default(view: View) -> Iterable[Finding]:
    """ "A user named default must be included" in a user group's UserIds (ElastiCache UserGroup,
    CloudFormation reference): the built-in default user, which RedisCluster switches off."""
    default_users = {
        address for address, _, body in view.each("aws_elasticache_user") if body.get("user_name") == "default"
    }
    for address, path, body in view.each("aws_elasticache_user_group"):
        members = {view.referenced(u, "aws_elasticache_user") for u in body.get("user_ids") or []}
        if not members & default_users:
            yield Finding(
                path,
                f"{address} has no user named default: AWS refuses it. Fix: add a default user "
                'switched off (access_string "off -@all")',
            )


@rule(
    "LUNEO-AWS-21",
    "members of an ElastiCache Global Datastore leave minor upgrades, version and node type to the global group",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html",
)
def _global_members(view: View) -> Iterable[Finding]:
    """A member of a Global Datastore reports auto_minor_version_upgrade false whatever is set, so a
    member that sets it shows a change in every plan, and applying it is rejected ("is part of a
    global cluster ... Request rejected": hashicorp/terraform-provider-aws#19929, #24919). Version and
    node type change through the global replication group, which changes every member; the primary
    keeps its node_type (required at create) under ignore_changes."""
    primaries = {
        view.referenced(body.get("primary_replication_group_id"), "aws_elasticache_replication_group")
        for _, _, body in view.each("aws_elasticache_global_replication_group")
    }
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if address not in primaries and not body.get("global_replication_group_id"):
            continue
        if "auto_minor_version_upgrade" in body:
            yield Finding(
                path,
                f"{address} is a Global Datastore member and sets auto_minor_version_upgrade: every plan shows "
                "a change and the apply is rejected. Fix: leave it unset on members",
            )
        ignored = set((body.get("lifecycle") or {}).get("ignore_changes") or [])
        if address in primaries and not {"engine_version", "node_type"} <= ignored:
            yield Finding(
                path,
                f"{address} is a Global Datastore's primary: a change of its own engine_version or node_type is "
                "rejected. Fix: set them on the aws_elasticache_global_replication_group and ignore_changes here",
            )
