"""Policy rules checked at synth (the cdk-nag idea, for our stacks).

Each rule is a cdktf Aspect with an id. It looks at the synthesized Terraform of the stack it is
added to and puts an error annotation on each offending construct: `<id>: <what is wrong>. Fix:
<how>`. main.py refuses to publish a synth with error annotations (one line each, exit code 2,
cdktf.out untouched).

A rule is suppressed for a construct (and everything under it) with a written reason:

    suppress(construct, "LUNEO-SG-1", "the ALB of the public ingress must accept the internet")
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable, Iterator

import jsii
from cdktf import Annotations, IAspect, TerraformStack
from constructs import IConstruct

from .errors import ConstructArgumentError
from .facts import STATEFUL_TYPES

SUPPRESS_KEY = "luneo:suppress"
REQUIRED_TAGS = ("Environment", "Project", "ManagedBy")
WORLD = {"0.0.0.0/0", "::/0"}
#: A security group that belongs to a public load balancer carries this tag with value "true".
PUBLIC_LB_TAG = "luneo:public-load-balancer"


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Silence `rule_id` for `construct` and its children. The reason is mandatory and kept in the
    construct's metadata (and so in the synthesized JSON's annotations)."""
    if rule_id not in RULES:
        raise ConstructArgumentError(f"suppress: rule_id: expected one of {sorted(RULES)}, got {rule_id!r}")
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        raise ConstructArgumentError(f"suppress({rule_id}): reason: expected a written justification "
                                     "(10 characters or more)")
    construct.node.add_metadata(SUPPRESS_KEY, {"rule": rule_id, "reason": reason.strip()})


def _suppressed(construct: IConstruct, rule_id: str) -> bool:
    for scope in construct.node.scopes:
        for entry in scope.node.metadata:
            if entry.type == SUPPRESS_KEY and entry.data.get("rule") == rule_id:
                return True
    return False


class Finding:
    def __init__(self, path: str, message: str) -> None:
        self.path, self.message = path, message


class _View:
    """The stack's Terraform (resources by type) with each resource's construct path."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self.tf = stack.to_terraform()
        self.resources: dict[str, dict[str, dict]] = self.tf.get("resource", {})

    def each(self, resource_type: str) -> Iterator[tuple[str, str, dict]]:
        for name, body in self.resources.get(resource_type, {}).items():
            yield f"{resource_type}.{name}", body.get("//", {}).get("metadata", {}).get("path", ""), body

    def refers(self, value: Any, address: str) -> bool:
        return isinstance(value, str) and f"${{{address}." in value

    def environment(self) -> str | None:
        for provider in self.tf.get("provider", {}).get("aws", []):
            for block in provider.get("default_tags", []):
                if "Environment" in block.get("tags", {}):
                    return block["tags"]["Environment"]
        return None


def _truthy(value: Any) -> bool:
    return value is True or value == "true"


# --- the rules: each yields Finding(path, message) ---

def _s3_encryption(view: _View) -> Iterable[Finding]:
    encrypted = {body.get("bucket") for _, _, body in view.each("aws_s3_bucket_server_side_encryption_configuration")
                 if any(r.get("apply_server_side_encryption_by_default", {}).get("sse_algorithm") in ("aws:kms", "aws:kms:dsse")
                        for r in body.get("rule", []))}
    for address, path, _ in view.each("aws_s3_bucket"):
        if not any(view.refers(b, address) for b in encrypted):
            yield Finding(path, f"{address} has no SSE-KMS default encryption. Fix: add an "
                                "aws_s3_bucket_server_side_encryption_configuration with aws:kms (AssetStorage does)")


def _rds_encryption(view: _View) -> Iterable[Finding]:
    for resource_type in ("aws_db_instance", "aws_rds_cluster", "aws_rds_global_cluster"):
        for address, path, body in view.each(resource_type):
            if not _truthy(body.get("storage_encrypted")):
                yield Finding(path, f"{address} storage is not encrypted. Fix: storage_encrypted = true with a KMS key")


def _elasticache_encryption(view: _View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if not (_truthy(body.get("at_rest_encryption_enabled")) and _truthy(body.get("transit_encryption_enabled"))):
            yield Finding(path, f"{address} is not encrypted at rest and in transit. Fix: at_rest_encryption_enabled "
                                "and transit_encryption_enabled (RedisCluster does)")


def _sns_encryption(view: _View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_sns_topic"):
        if not body.get("kms_master_key_id"):
            yield Finding(path, f"{address} is not encrypted. Fix: kms_master_key_id (AlarmTopic does)")


def _logs_encryption(view: _View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_cloudwatch_log_group"):
        if not body.get("kms_key_id"):
            yield Finding(path, f"{address} is not encrypted with a customer key. Fix: kms_key_id = the logs key")


def _ebs_encryption(view: _View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_launch_template"):
        for mapping in body.get("block_device_mappings", []):
            if not _truthy((mapping.get("ebs") or {}).get("encrypted")):
                yield Finding(path, f"{address} has an unencrypted EBS volume. Fix: ebs.encrypted = true")
    for address, path, body in view.each("aws_ebs_volume"):
        if not _truthy(body.get("encrypted")):
            yield Finding(path, f"{address} is not encrypted. Fix: encrypted = true")


def _s3_public(view: _View) -> Iterable[Finding]:
    blocked = {body.get("bucket") for _, _, body in view.each("aws_s3_bucket_public_access_block")
               if all(_truthy(body.get(k)) for k in ("block_public_acls", "block_public_policy",
                                                     "ignore_public_acls", "restrict_public_buckets"))}
    for address, path, _ in view.each("aws_s3_bucket"):
        if not any(view.refers(b, address) for b in blocked):
            yield Finding(path, f"{address} does not block public access. Fix: an aws_s3_bucket_public_access_block "
                                "with all four settings true")


def _open_ingress(view: _View) -> Iterable[Finding]:
    public_groups = {address for address, _, body in view.each("aws_security_group")
                     if (body.get("tags") or {}).get(PUBLIC_LB_TAG) == "true"}
    for address, path, body in view.each("aws_vpc_security_group_ingress_rule"):
        if body.get("cidr_ipv4") in WORLD or body.get("cidr_ipv6") in WORLD:
            if not any(view.refers(body.get("security_group_id"), g) for g in public_groups):
                yield Finding(path, f"{address} admits the whole internet. Fix: admit security groups or private "
                                    f"CIDRs; only a public load balancer's group (tag {PUBLIC_LB_TAG}) may")
    for address, path, body in view.each("aws_security_group"):
        for rule in body.get("ingress", []) or []:
            if set(rule.get("cidr_blocks", []) or []) & WORLD and address not in public_groups:
                yield Finding(path, f"{address} has an inline ingress from 0.0.0.0/0. Fix: as above")


def _kms_rotation(view: _View) -> Iterable[Finding]:
    for address, path, body in view.each("aws_kms_key"):
        if not _truthy(body.get("enable_key_rotation")):
            yield Finding(path, f"{address} does not rotate. Fix: enable_key_rotation = true (KmsKey does)")


def _required_tags(view: _View) -> Iterable[Finding]:
    for provider in view.tf.get("provider", {}).get("aws", []):
        tags = {}
        for block in provider.get("default_tags", []):
            tags.update(block.get("tags", {}))
        missing = [t for t in REQUIRED_TAGS if t not in tags]
        if missing:
            alias = provider.get("alias", "default")
            yield Finding(view.stack.node.path, f"AWS provider {alias!r} lacks default tags {missing}. Fix: "
                                                "default_tags with Environment, Project, ManagedBy")


def _prod_protection(view: _View) -> Iterable[Finding]:
    if view.environment() != "prod":
        return
    for resource_type in STATEFUL_TYPES:
        for address, path, body in view.each(resource_type):
            if not (body.get("lifecycle") or {}).get("prevent_destroy"):
                yield Finding(path, f"{address} is stateful in prod without prevent_destroy. Fix: prevent_destroy=True")
    for resource_type, flag in (("aws_db_instance", "deletion_protection"), ("aws_rds_cluster", "deletion_protection"),
                                ("aws_dynamodb_table", "deletion_protection_enabled")):
        for address, path, body in view.each(resource_type):
            if not _truthy(body.get(flag)):
                yield Finding(path, f"{address} has no deletion protection in prod. Fix: {flag} = true")


#: id -> (what it checks, check)
RULES: dict[str, tuple[str, Callable[[_View], Iterable[Finding]]]] = {
    "LUNEO-ENC-1": ("S3 buckets are encrypted with KMS", _s3_encryption),
    "LUNEO-ENC-2": ("RDS storage is encrypted", _rds_encryption),
    "LUNEO-ENC-3": ("ElastiCache is encrypted at rest and in transit", _elasticache_encryption),
    "LUNEO-ENC-4": ("SNS topics are encrypted", _sns_encryption),
    "LUNEO-ENC-5": ("CloudWatch log groups use a customer key", _logs_encryption),
    "LUNEO-ENC-6": ("EBS volumes are encrypted", _ebs_encryption),
    "LUNEO-S3-1": ("S3 buckets block public access", _s3_public),
    "LUNEO-SG-1": ("no ingress from 0.0.0.0/0 except to a public load balancer", _open_ingress),
    "LUNEO-KMS-1": ("KMS keys rotate", _kms_rotation),
    "LUNEO-TAG-1": ("providers tag everything with Environment, Project, ManagedBy", _required_tags),
    "LUNEO-PROD-1": ("prod's stateful resources have prevent_destroy and deletion protection", _prod_protection),
}


@jsii.implements(IAspect)
class PolicyRule:
    """One rule as a cdktf Aspect: add it to a stack with `Aspects.of(stack).add(PolicyRule(id))`."""

    def __init__(self, rule_id: str) -> None:
        if rule_id not in RULES:
            raise ConstructArgumentError(f"PolicyRule: rule_id: expected one of {sorted(RULES)}, got {rule_id!r}")
        self.rule_id = rule_id

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformStack):
            return
        cache = getattr(node, "_luneo_policy_cache", None)
        if cache is None:  # one Terraform rendering and path index per stack, shared by every rule
            cache = (_View(node), {c.node.path: c for c in node.node.find_all()})
            setattr(node, "_luneo_policy_cache", cache)
        view, paths = cache
        for finding in RULES[self.rule_id][1](view):
            target = paths.get(finding.path, node)
            if _suppressed(target, self.rule_id):
                continue
            Annotations.of(target).add_error(f"{self.rule_id}: {finding.message}")


def add_policy(stack: TerraformStack) -> None:
    """Every rule, on one stack."""
    from cdktf import Aspects

    for rule_id in RULES:
        Aspects.of(stack).add(PolicyRule(rule_id))


def errors_in_manifest(outdir: str) -> list[str]:
    """`<rule id>: <path>: <message>` for each error annotation a synth left in its manifest."""
    from pathlib import Path

    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    found = []
    for stack in manifest["stacks"].values():
        for annotation in stack.get("annotations", []):
            if annotation.get("level") in ("ERROR", "@cdktf/error"):
                match = re.match(r"^(LUNEO-[A-Z0-9-]+): (.*)$", annotation["message"], re.S)
                rule, message = (match.group(1), match.group(2)) if match else ("error", annotation["message"])
                found.append(f"{rule}: {annotation['constructPath']}: {message.splitlines()[0]}")
    return found
