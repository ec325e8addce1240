"""`make migrate-plan STATE=<file or s3://bucket/key> [STACK=luneo-prod]`: map an existing HCL state
onto a synthesized stack, by resource type and identity, without touching anything.

It writes `migrations/<stack>.json` for review:
- `moved`: legacy address -> our address, for every resource whose identity (bucket name, DB
  identifier, replication group id, repository name, KMS alias, security group name, VPC/subnet
  CIDR, ...) is found in the stack. `make synth` turns them into Terraform `moved` blocks.
- `removed`: legacy resources with no counterpart. They become `removed` blocks with
  `destroy = false`: Terraform forgets them instead of destroying them; clean them up by hand.
- `settings`: tfvars values the plan needs to avoid a replacement (an existing database, cache or
  repository keeps the encryption it was created with; RDS, ElastiCache and ECR cannot change
  it in place; the subnets keep their zones: `<role>_zone_ids`). Copy them into
  environments/<env>.tfvars.
It prints the same as a report, including our resources nothing maps to (they will be created).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Callable

from constructs_luneo.support.synthesized import SynthesizedStack, references

#: Types whose differing content Terraform can only change by replacing the resource, although the
#: AWS call that creates one simply overwrites what is there (a repository has one lifecycle policy).
#: When the content differs, the legacy resource is forgotten (removed, destroy = false) and ours
#: overwrites it at apply: no replacement in the plan, no moment without a policy.
OVERWRITE_INSTEAD_OF_REPLACE = {"aws_ecr_lifecycle_policy": "policy"}


def load_state(source: str) -> dict:
    """A state from a file, or from S3 (s3://bucket/key) with the usual AWS credentials and endpoint."""
    if source.startswith("s3://"):
        import boto3

        bucket, _, key = source[5:].partition("/")
        client = boto3.client(
            "s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"), verify=os.environ.get("AWS_CA_BUNDLE") or None
        )
        return json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return json.loads(Path(source).read_text())


def _index(key: Any) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


def _alias(provider: str | None) -> str | None:
    """`provider["registry.terraform.io/hashicorp/aws"].secondary` -> "secondary"; "aws.secondary" too."""
    if not provider:
        return None
    match = re.search(r"(?:\]|^aws)\.([A-Za-z0-9_-]+)$", provider)
    return match.group(1) if match else None


class Ours(SynthesizedStack):
    """The synthesized stack's resources and how to read an identity out of their configuration."""

    def __init__(self, stack: dict) -> None:
        super().__init__(stack)
        self.by_address = {address: (address.split(".")[0], body) for address, body in self.items(data=False)}

    def resolve(self, value: Any) -> Any:
        """A literal, or the identity of the resource a whole `${type.name.attr}` expression points to."""
        found = list(references(value)) if isinstance(value, str) else []
        if len(found) == 1 and not found[0].data and value == f"${{{found[0].address}.{found[0].attribute}}}":
            target = self.by_address.get(found[0].address)
            if target is None:
                return None
            return identity(target[0], target[1], self.resolve, kms_alias=self.kms_alias)
        return value

    def kms_alias(self, key_address: str) -> str | None:
        for _, _, body in self.each("aws_kms_alias"):
            if self.refers(body.get("target_key_id", ""), key_address):
                return body.get("name")
        return None


def identity(
    resource_type: str,
    attrs: dict,
    resolve: Callable[[Any], Any],
    *,
    kms_alias=None,
    state_aliases: dict[str, str] | None = None,
) -> str | None:
    """What names a resource in AWS, comparable between a state's attributes and our configuration."""

    def first(value):
        return value[0] if isinstance(value, list) and value else value

    simple = {
        "aws_s3_bucket": "bucket",
        "aws_db_instance": "identifier",
        "aws_db_subnet_group": "name",
        "aws_db_parameter_group": "name",
        "aws_elasticache_replication_group": "replication_group_id",
        "aws_elasticache_subnet_group": "name",
        "aws_ecr_repository": "name",
        "aws_kms_alias": "name",
        "aws_security_group": "name",
        "aws_vpc": "cidr_block",
        "aws_subnet": "cidr_block",
        "aws_cloudfront_origin_access_control": "name",
        "aws_dynamodb_table": "name",
        "aws_sns_topic": "name",
        "aws_cloudwatch_log_group": "name",
        "aws_iam_role": "name",
    }
    if resource_type in simple:
        return resolve(attrs.get(simple[resource_type]))
    if resource_type.startswith("aws_s3_bucket_"):
        return resolve(attrs.get("bucket"))
    if resource_type == "aws_ecr_lifecycle_policy":
        return resolve(attrs.get("repository"))
    if resource_type == "aws_kms_key":
        if state_aliases is not None:  # a state: the alias that targets this key
            return state_aliases.get(str(attrs.get("key_id") or attrs.get("id")))
        return kms_alias(attrs["__address__"]) if kms_alias and "__address__" in attrs else None
    if resource_type == "aws_cloudfront_distribution":
        origin = first(attrs.get("origin")) or {}
        domain = resolve(origin.get("domain_name"))
        if isinstance(domain, str):
            return "origin:" + domain.split(".s3.")[0]
    return None


def _our_index(ours: Ours) -> dict[tuple, str]:
    """(type, provider alias, identity) -> the address of ours that has it (the first, if several)."""
    index: dict[tuple, str] = {}
    for address, (resource_type, body) in ours.by_address.items():
        ident = identity(resource_type, {**body, "__address__": address}, ours.resolve, kms_alias=ours.kms_alias)
        if ident is not None:
            index.setdefault((resource_type, _alias(body.get("provider")), ident), address)
    return index


def _state_aliases(state_resources: list[dict]) -> dict[str, str]:
    """A legacy state's KMS key id -> its alias's name."""
    return {
        inst["attributes"].get("target_key_id"): inst["attributes"].get("name")
        for r in state_resources
        if r["type"] == "aws_kms_alias"
        for inst in r["instances"]
    }


def plan(state: dict, stack: dict) -> dict:
    ours = Ours(stack)
    our_index = _our_index(ours)
    state_resources = [r for r in state.get("resources", []) if r.get("mode") == "managed"]
    state_aliases = _state_aliases(state_resources)
    moved: list[dict] = []
    removed: list[dict] = []
    settings: dict[str, Any] = {}
    zones: dict[str, str] = {}  # our subnet address -> the zone ID the legacy subnet is in
    notes: list[str] = []
    matched_ours: set[str] = set()
    for resource in state_resources:
        base = f"{resource['module']}." if resource.get("module") else ""
        resource_address = f"{base}{resource['type']}.{resource['name']}"
        instance_moves = []
        for instance in resource["instances"]:
            attrs = instance["attributes"]
            ident = identity(resource["type"], attrs, lambda v: v, state_aliases=state_aliases)
            target = our_index.get((resource["type"], _alias(resource.get("provider")), ident))
            address = f"{resource_address}{_index(instance.get('index_key'))}"
            content = OVERWRITE_INSTEAD_OF_REPLACE.get(resource["type"])
            if target and content and _json(attrs.get(content)) != _json(ours.by_address[target][1].get(content)):
                notes.append(
                    f"{address}: {content} differs from {target}'s: forgotten, and overwritten by "
                    f"{target} at apply (a replacement otherwise)"
                )
                target = None
            instance_moves.append((address, target, ident))
            if target:
                _check_immutable(resource["type"], attrs, ours.by_address[target][1], settings, notes, address)
                zones.update(_zone_of(resource["type"], target, attrs))
        found = [(address, target, ident) for address, target, ident in instance_moves if target]
        if found and len(found) < len(instance_moves):
            notes.append(f"{resource_address}: only some instances match ({[m[0] for m in found]}); review by hand")
        for address, target, _ in found:
            matched_ours.add(target)
            if address != target:
                moved.append({"from": address, "to": target})
        if not found:
            removed.append(
                {
                    "from": resource_address,
                    "identity": [m[2] for m in instance_moves],
                    "reason": "no resource of this type and identity in the stack: Terraform forgets it "
                    "(destroy = false); delete it by hand once unused",
                }
            )
    unmatched_ours = sorted(set(ours.by_address) - matched_ours)
    settings.update(zone_settings(zones))
    return {"moved": moved, "removed": removed, "settings": settings, "notes": notes, "created": unmatched_ours}


def _zone_of(resource_type: str, target: str, attrs: dict) -> dict[str, str]:
    """A subnet's zone ID, under the address of ours it maps to."""
    zone = attrs.get("availability_zone_id")
    return {target: zone} if resource_type == "aws_subnet" and zone else {}


def zone_settings(subnet_zones: dict[str, str]) -> dict[str, list[str]]:
    """`<role>_zone_ids` from the zone IDs of our private subnets' counterparts (address -> zone ID):
    the zones a running network is in, which the tfvars must pin, or every subnet is replaced."""
    by_role: dict[str, dict[int, str]] = {}
    for address, zone in subnet_zones.items():
        name = address.split(".", 1)[-1]
        if "_private-" in name:
            role = name.split("_")[0].removeprefix("network-")
            by_role.setdefault(role, {})[int(name.rsplit("-", 1)[1])] = zone
    return {f"{role}_zone_ids": [ids[i] for i in sorted(ids)] for role, ids in sorted(by_role.items())}


def _json(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _check_immutable(resource_type: str, attrs: dict, body: dict, settings: dict, notes: list, address: str) -> None:
    """Encryption that RDS, ElastiCache and ECR cannot change in place: keep what exists."""
    keep = settings.setdefault("existing_encryption", {})

    def key(value: str | None) -> str:
        return value if value and value.startswith("arn:") else "default"

    if resource_type == "aws_db_instance":
        keep["db"] = key(attrs.get("kms_key_id"))
    elif resource_type == "aws_elasticache_replication_group":
        keep["redis"] = key(attrs.get("kms_key_id"))
    elif resource_type == "aws_ecr_repository":
        encryption = (attrs.get("encryption_configuration") or [{}])[0]
        value = encryption.get("kms_key") if encryption.get("encryption_type") == "KMS" else "default"
        if keep.get("ecr", value) != value:
            notes.append(f"{address}: repositories use different encryption; existing_encryption.ecr covers one")
        keep["ecr"] = value or "default"
    if not keep:
        settings.pop("existing_encryption")
