"""What moto emulates and what it does not, said once: the types it cannot create (and so
everything that depends on them), the attributes it accepts but does not store, and a second
plan's changes sorted into those gaps and the rest."""

from __future__ import annotations

import json
from pathlib import Path

from constructs_luneo.support.synthesized import SynthesizedStack

from ..terraform import plan as saved_plan

#: What moto 5.2.5 cannot emulate, with the error it gives. Their resources (and everything that
#: refers to them) are still planned, but not applied, by `make local`.
UNSUPPORTED = {
    "aws_cloudfront_response_headers_policy": "CreateResponseHeadersPolicy: StatusCode 404, error while "
    "deserializing xml error response (not implemented)",
    "aws_elasticache_user_group": "CreateUserGroup never reports the group active: the apply waits until "
    "its 30-minute timeout",
    "aws_elasticache_replication_group": "DescribeCacheClusters: CacheClusterNotFound: moto creates no member "
    "clusters (luneo-<env>-redis-001), which the provider reads after creating",
    "aws_eks_cluster": "DescribeCluster returns no accessConfig: every plan replaces the cluster "
    "(bootstrap_cluster_creator_admin_permissions forces replacement)",
    "aws_eks_node_group": "DescribeNodegroup reports remoteAccess with an ec2SshKey 'eksKeypair' it made up: "
    "every plan replaces the node group",
    "aws_launch_template": "DescribeLaunchTemplateVersions adds a 'launch-template' tag specification: every "
    "plan updates the template",
    "aws_elasticache_global_replication_group": "CreateGlobalReplicationGroup: 500 NotImplementedError",
}
#: Resources moto cannot create for a reason other than their type.
UNSUPPORTED_WHEN = {
    "replica": "CreateDBInstanceReadReplica: DBSubnetGroupNotFoundFault: moto looks a cross-region replica's "
    "subnet group up in the source's region",
    "tls-only": "moto applies a bucket policy's Principal-* Deny without its condition: the TLS-only "
    "statement (aws:SecureTransport = false) would deny every request, Terraform's included "
    "(HeadObject: 403 Forbidden)",
    "global-table": "moto ignores UpdateTable's ReplicaUpdates: the provider waits for a replica that never "
    "becomes ACTIVE (a 30-minute floor) and fails",
}


#: Attributes moto accepts but does not store, so a plan after a successful apply still shows them
#: changing: (resource type, top-level attribute) -> the moto behaviour.
KNOWN_DRIFT = {
    ("aws_dynamodb_table", "server_side_encryption"): "UpdateTable ignores SSESpecification (CreateTable keeps it): "
    "an adopted table's encryption change is never stored",
    ("aws_vpc_security_group_ingress_rule", "description"): "security group rule descriptions are not stored",
    ("aws_vpc_security_group_egress_rule", "description"): "security group rule descriptions are not stored",
    ("aws_db_instance", "performance_insights_enabled"): "Performance Insights settings are not stored",
    ("aws_db_instance", "performance_insights_kms_key_id"): "Performance Insights settings are not stored",
    ("aws_db_instance", "performance_insights_retention_period"): "Performance Insights settings are not stored",
    ("aws_db_parameter_group", "parameter"): "parameters are not returned as set",
    ("aws_s3_bucket_replication_configuration", "rule"): "GetBucketReplication returns every rule with "
    "DeleteMarkerReplication Disabled and an empty filter",
    ("aws_secretsmanager_secret", "replica"): "DescribeSecret reports each replica's KmsKeyId as "
    "alias/aws/secretsmanager, whatever key it was created with",
}


def unsupported(stack: dict) -> dict[str, str]:
    """Address -> why moto cannot create it (its own limitation or a dependency's)."""
    reasons: dict[str, str] = {}
    for resource_type, items in stack.get("resource", {}).items():
        for name, body in items.items():
            address = f"{resource_type}.{name}"
            if resource_type in UNSUPPORTED:
                reasons[address] = UNSUPPORTED[resource_type]
            elif resource_type == "aws_db_instance" and "replicate_source_db" in body:
                reasons[address] = UNSUPPORTED_WHEN["replica"]
            elif resource_type == "aws_s3_bucket_policy" and "aws:SecureTransport" in json.dumps(body):
                reasons[address] = UNSUPPORTED_WHEN["tls-only"]
            elif resource_type == "aws_dynamodb_table" and body.get("replica"):
                reasons[address] = UNSUPPORTED_WHEN["global-table"]
    graph = SynthesizedStack(stack).dependencies()
    changed = True
    while changed:
        changed = False
        for address, refs in graph.items():
            if address not in reasons and not address.startswith("data.") and refs & set(reasons):
                reasons[address] = f"depends on {sorted(refs & set(reasons))[0]}"
                changed = True
    return reasons


def emulated_targets(stack: dict) -> list[str]:
    skip = unsupported(stack)
    return sorted(f"{t}.{n}" for t, items in stack.get("resource", {}).items() for n in items if f"{t}.{n}" not in skip)


def changed_attributes(change: dict) -> list[str]:
    """The top-level attributes a planned update changes: a different value, or one that becomes
    unknown (computed again at apply)."""
    before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
    unknown = change["change"].get("after_unknown") or {}
    return sorted(
        k
        for k in set(before) | set(after)
        if (before.get(k) != after.get(k) and not unknown.get(k)) or (unknown.get(k) and k in before)
    )


def unexplained_changes(workdir: Path, env: dict[str, str], plan_file: str) -> tuple[list[str], list[str]]:
    """(changes not explained by KNOWN_DRIFT, changes that are) of a saved plan, as text lines."""
    unexplained: list[str] = []
    explained: list[str] = []
    for change in saved_plan.show(workdir, env, plan_file).get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions == ["no-op"] or actions == ["read"]:
            continue
        attrs = changed_attributes(change)
        known = actions == ["update"] and attrs and all((change["type"], a) in KNOWN_DRIFT for a in attrs)
        line = f"{change['address']}: {'+'.join(actions)} {attrs}"
        (explained if known else unexplained).append(line)
    return unexplained, explained
