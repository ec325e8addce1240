"""Helpers shared by the constructs: argument checks and per-stack account lookups."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from cdktf import TerraformProvider, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from constructs import Construct

from .errors import ConstructArgumentError  # re-exported


def require(condition: bool, scope_name: str, argument: str, expected: str, got: Any = ...) -> None:
    if not condition:
        suffix = "" if got is ... else f", got {got!r}"
        raise ConstructArgumentError(f"{scope_name}: {argument}: expected {expected}{suffix}")


def construct_label(cls: type, scope: Construct, id_: str) -> str:
    """`KmsKey 'luneo-prod/kms-secrets'`: how errors name a construct."""
    parent = scope.node.path
    path = f"{parent}/{id_}" if parent else id_
    return f"{cls.__name__} {path!r}"


def merge_tags(*tag_maps: Mapping[str, str] | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    for tags in tag_maps:
        merged.update(tags or {})
    return merged


def lifecycle(prevent_destroy: bool, ignore_changes: Iterable[str] | None = None) -> TerraformResourceLifecycle | None:
    """A lifecycle block for stateful resources (prevent_destroy in production)."""
    ignore = list(ignore_changes or [])
    if not prevent_destroy and not ignore:
        return None
    return TerraformResourceLifecycle(prevent_destroy=prevent_destroy or None, ignore_changes=ignore or None)


@dataclass(frozen=True)
class AccountContext:
    """Account id, partition and region of one provider, looked up once per stack and provider."""

    account_id: str
    partition: str
    region: str
    dns_suffix: str

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"


#: stack -> provider -> its AccountContext: the lookups are created, and their tokens read across jsii,
#: once per stack and provider, not once per construct that needs them (docs/PERFORMANCE.md).
_ACCOUNT_CONTEXTS: weakref.WeakKeyDictionary[TerraformStack, dict[TerraformProvider | None, AccountContext]] = (
    weakref.WeakKeyDictionary()
)


def account_context(scope: Construct, provider: TerraformProvider | None = None) -> AccountContext:
    stack = TerraformStack.of(scope)
    known = _ACCOUNT_CONTEXTS.setdefault(stack, {})
    if provider not in known:
        suffix = provider.node.id if provider is not None else "default"
        known[provider] = _look_up_account(stack, suffix, provider)
    return known[provider]


def _look_up_account(stack: TerraformStack, suffix: str, provider: TerraformProvider | None) -> AccountContext:
    caller = DataAwsCallerIdentity(stack, f"caller-{suffix}", provider=provider)
    partition = DataAwsPartition(stack, f"partition-{suffix}", provider=provider)
    region = DataAwsRegion(stack, f"region-{suffix}", provider=provider)
    return AccountContext(
        account_id=caller.account_id,
        partition=partition.partition,
        region=region.name,
        dns_suffix=partition.dns_suffix,
    )


def ingress_security_group(
    scope: Construct,
    id: str,
    *,
    name: str,
    description: str,
    vpc_id: str,
    port: int,
    allowed_security_group_ids: Iterable[str],
    allowed_cidr_blocks: Iterable[str],
    tags: Mapping[str, str] | None,
    provider: TerraformProvider | None,
):
    """A security group admitting TCP `port` only from the given security groups and CIDR blocks,
    with no egress rule (a database or cache never initiates connections).

    Its name is fixed (it is the group operators know) and so it has no create_before_destroy: two
    groups of one VPC cannot share a name, so a twin created first would fail with
    InvalidGroup.Duplicate (rule LUNEO-AWS-4). Nothing replaces it: name, description and VPC stay."""
    from cdktf_cdktf_provider_aws.security_group import SecurityGroup
    from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

    group = SecurityGroup(
        scope,
        id,
        name=name,
        description=description,
        vpc_id=vpc_id,
        tags={**(tags or {}), "Name": name},
        provider=provider,
    )
    for i, source in enumerate(allowed_security_group_ids):
        VpcSecurityGroupIngressRule(
            scope,
            f"{id}-from-sg-{i}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=source,
            description=f"TCP {port} from an allowed security group",
            provider=provider,
        )
    for i, cidr in enumerate(allowed_cidr_blocks):
        VpcSecurityGroupIngressRule(
            scope,
            f"{id}-from-cidr-{i}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4=cidr,
            description=f"TCP {port} from {cidr}",
            provider=provider,
        )
    return group


def check_sources(who: str, allowed_security_group_ids, allowed_cidr_blocks) -> None:
    """Sources admitted to a private data store: lists, and never the whole internet."""
    import ipaddress

    require(
        not isinstance(allowed_security_group_ids, str),
        who,
        "allowed_security_group_ids",
        "a list of security group ids",
        allowed_security_group_ids,
    )
    require(
        not isinstance(allowed_cidr_blocks, str),
        who,
        "allowed_cidr_blocks",
        "a list of CIDR blocks",
        allowed_cidr_blocks,
    )
    for cidr in allowed_cidr_blocks:
        if is_token(cidr):
            continue
        try:
            network = ipaddress.IPv4Network(cidr)
        except (ValueError, TypeError):
            network = None
        require(
            network is not None and network.is_private,
            who,
            "allowed_cidr_blocks",
            "private IPv4 CIDR blocks (never 0.0.0.0/0 or a public range)",
            cidr,
        )


def is_token(value: Any) -> bool:
    """True for an unresolved cdktf reference (e.g. another resource's attribute or a variable)."""
    from cdktf import Token

    return isinstance(value, str) and Token.is_unresolved(value)
