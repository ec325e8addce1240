"""Helpers shared by the constructs: argument checks and per-stack account lookups."""

from __future__ import annotations

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


def describe(cls: type, scope: Construct, id_: str) -> str:
    """`KmsKey 'luneo-prod/kms-secrets'`: how errors name a construct."""
    path = f"{scope.node.path}/{id_}" if scope.node.path else id_
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
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account_id if account else ''}:{resource}")

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"


def account_context(scope: Construct, provider: TerraformProvider | None = None) -> AccountContext:
    stack = TerraformStack.of(scope)
    suffix = provider.node.id if provider is not None else "default"
    found = stack.node.try_find_child(f"caller-{suffix}")
    if found is None:
        caller = DataAwsCallerIdentity(stack, f"caller-{suffix}", provider=provider)
        partition = DataAwsPartition(stack, f"partition-{suffix}", provider=provider)
        region = DataAwsRegion(stack, f"region-{suffix}", provider=provider)
    else:
        caller = found
        partition = stack.node.find_child(f"partition-{suffix}")
        region = stack.node.find_child(f"region-{suffix}")
    return AccountContext(account_id=caller.account_id, partition=partition.partition,
                          region=region.name, dns_suffix=partition.dns_suffix)
