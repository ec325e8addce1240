"""Security rules: encryption, public access, open ingress, key rotation, tags, prod protection.
Each yields Finding(path, message): `<what is wrong>. Fix: <how>`."""

from __future__ import annotations

from typing import Iterable

from ..support.facts import STATEFUL_TYPES
from ..support.patterns import DEFAULT_TAG_KEYS
from ..support.synthesized import truthy
from .engine import Finding, View, rule

REQUIRED_TAGS = DEFAULT_TAG_KEYS
WORLD = {"0.0.0.0/0", "::/0"}
#: A security group that belongs to a public load balancer carries this tag with value "true".
PUBLIC_LB_TAG = "luneo:public-load-balancer"


@rule("LUNEO-ENC-1", "S3 buckets are encrypted with KMS")
def _s3_encryption(view: View) -> Iterable[Finding]:
    encrypted = {
        body.get("bucket")
        for _, _, body in view.each("aws_s3_bucket_server_side_encryption_configuration")
        if any(
            r.get("apply_server_side_encryption_by_default", {}).get("sse_algorithm") in ("aws:kms", "aws:kms:dsse")
            for r in body.get("rule", [])
        )
    }
    for address, path, _ in view.each("aws_s3_bucket"):
        if not any(view.refers(b, address) for b in encrypted):
            yield Finding(
                path,
                f"{address} has no SSE-KMS default encryption. Fix: add an "
                "aws_s3_bucket_server_side_encryption_configuration with aws:kms (AssetStorage does)",
            )


@rule("LUNEO-ENC-2", "RDS storage is encrypted")
def _rds_encryption(view: View) -> Iterable[Finding]:
    for resource_type in ("aws_db_instance", "aws_rds_cluster", "aws_rds_global_cluster"):
        for address, path, body in view.each(resource_type):
            if not truthy(body.get("storage_encrypted")):
                yield Finding(path, f"{address} storage is not encrypted. Fix: storage_encrypted = true with a KMS key")


@rule("LUNEO-ENC-3", "ElastiCache is encrypted at rest and in transit")
def _elasticache_encryption(view: View) -> Iterable[Finding]:
    """A Global Datastore's secondary takes its encryption from the primary (and refuses to set it):
    it is checked through the primary it joins."""
    primaries = {
        view.referenced(b.get("primary_replication_group_id"), "aws_elasticache_replication_group"): address
        for address, _, b in view.each("aws_elasticache_global_replication_group")
    }
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if body.get("global_replication_group_id"):
            datastore = view.referenced(body["global_replication_group_id"], "aws_elasticache_global_replication_group")
            primary = next((p for p, d in primaries.items() if d == datastore), None)
            body = view.body(primary or "") or body
        if not (truthy(body.get("at_rest_encryption_enabled")) and truthy(body.get("transit_encryption_enabled"))):
            yield Finding(
                path,
                f"{address} is not encrypted at rest and in transit. Fix: at_rest_encryption_enabled "
                "and transit_encryption_enabled (RedisCluster does)",
            )


@rule("LUNEO-ENC-4", "SNS topics are encrypted")
def _sns_encryption(view: View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_sns_topic"):
        if not body.get("kms_master_key_id"):
            yield Finding(path, f"{address} is not encrypted. Fix: kms_master_key_id (AlarmTopic does)")


@rule("LUNEO-ENC-5", "CloudWatch log groups use a customer key")
def _logs_encryption(view: View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_cloudwatch_log_group"):
        if not body.get("kms_key_id"):
            yield Finding(path, f"{address} is not encrypted with a customer key. Fix: kms_key_id = the logs key")


@rule("LUNEO-ENC-6", "EBS volumes are encrypted")
def _ebs_encryption(view: View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_launch_template"):
        for mapping in body.get("block_device_mappings", []):
            if not truthy((mapping.get("ebs") or {}).get("encrypted")):
                yield Finding(path, f"{address} has an unencrypted EBS volume. Fix: ebs.encrypted = true")
    for address, path, body in view.each("aws_ebs_volume"):
        if not truthy(body.get("encrypted")):
            yield Finding(path, f"{address} is not encrypted. Fix: encrypted = true")


@rule("LUNEO-S3-1", "S3 buckets block public access")
def _s3_public(view: View) -> Iterable[Finding]:
    blocked = {
        body.get("bucket")
        for _, _, body in view.each("aws_s3_bucket_public_access_block")
        if all(
            truthy(body.get(k))
            for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        )
    }
    for address, path, _ in view.each("aws_s3_bucket"):
        if not any(view.refers(b, address) for b in blocked):
            yield Finding(
                path,
                f"{address} does not block public access. Fix: an aws_s3_bucket_public_access_block "
                "with all four settings true",
            )


@rule("LUNEO-SG-1", "no ingress from 0.0.0.0/0 except to a public load balancer")
def _open_ingress(view: View) -> Iterable[Finding]:
    public_groups = {
        address
        for address, _, body in view.each("aws_security_group")
        if (body.get("tags") or {}).get(PUBLIC_LB_TAG) == "true"
    }
    for address, path, body in view.each("aws_vpc_security_group_ingress_rule"):
        if body.get("cidr_ipv4") in WORLD or body.get("cidr_ipv6") in WORLD:
            if not any(view.refers(body.get("security_group_id"), g) for g in public_groups):
                yield Finding(
                    path,
                    f"{address} admits the whole internet. Fix: admit security groups or private "
                    f"CIDRs; only a public load balancer's group (tag {PUBLIC_LB_TAG}) may",
                )
    for address, path, body in view.each("aws_security_group"):
        for ingress in body.get("ingress", []) or []:
            if set(ingress.get("cidr_blocks", []) or []) & WORLD and address not in public_groups:
                yield Finding(path, f"{address} has an inline ingress from 0.0.0.0/0. Fix: as above")


@rule("LUNEO-KMS-1", "KMS keys rotate")
def _kms_rotation(view: View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_kms_key"):
        if not truthy(body.get("enable_key_rotation")):
            yield Finding(path, f"{address} does not rotate. Fix: enable_key_rotation = true (KmsKey does)")


@rule("LUNEO-TAG-1", "providers tag everything with Environment, Project, ManagedBy")
def _required_tags(view: View) -> Iterable[Finding]:
    for provider in view.tf.get("provider", {}).get("aws", []):
        tags = {}
        for block in provider.get("default_tags", []):
            tags.update(block.get("tags", {}))
        missing = [t for t in REQUIRED_TAGS if t not in tags]
        if missing:
            alias = provider.get("alias", "default")
            yield Finding(
                view.stack_path,
                f"AWS provider {alias!r} lacks default tags {missing}. Fix: "
                "default_tags with Environment, Project, ManagedBy",
            )


@rule("LUNEO-PROD-1", "prod's stateful resources have prevent_destroy and deletion protection")
def _prod_protection(view: View) -> Iterable[Finding]:
    if view.environment() != "prod":
        return
    for resource_type in STATEFUL_TYPES:
        for address, path, body in view.each(resource_type):
            if not (body.get("lifecycle") or {}).get("prevent_destroy"):
                yield Finding(path, f"{address} is stateful in prod without prevent_destroy. Fix: prevent_destroy=True")
    for resource_type, flag in (
        ("aws_db_instance", "deletion_protection"),
        ("aws_rds_cluster", "deletion_protection"),
        ("aws_dynamodb_table", "deletion_protection_enabled"),
    ):
        for address, path, body in view.each(resource_type):
            if not truthy(body.get(flag)):
                yield Finding(path, f"{address} has no deletion protection in prod. Fix: {flag} = true")
