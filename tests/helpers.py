"""Test helpers shared by the test modules (imported after conftest has silenced jsii)."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from cdktf import Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_luneo.stacks import LuneoStack
from constructs_luneo.support.synthesized import decode_document


def synth_scope(fn: Callable[[Construct], Any], *, stack_id: str = "test", region: str | None = "eu-west-1") -> str:
    """Testing.synth_scope's contract for a Python callable (upstream cdktf issue 2871):
    a fresh Testing.app(), a stack (with an AWS provider unless region is None), fn(stack), and the
    synthesized JSON string that cdktf's Testing matchers take."""
    app = Testing.app()
    stack = LuneoStack(app, stack_id)
    if region:
        AwsProvider(stack, "aws", region=region)
    fn(stack)
    return Testing.synth(stack)


def resources(synthesized: str | dict, resource_type: str) -> dict[str, dict]:
    data = json.loads(synthesized) if isinstance(synthesized, str) else synthesized
    return data.get("resource", {}).get(resource_type, {})


def only_resource(synthesized: str | dict, resource_type: str) -> dict:
    found = resources(synthesized, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def data_sources(synthesized: str | dict, data_type: str) -> dict[str, dict]:
    data = json.loads(synthesized) if isinstance(synthesized, str) else synthesized
    return data.get("data", {}).get(data_type, {})


def decode_jsonencode(expression: str) -> Any:
    """The document inside a synthesized `${jsonencode({...})}` expression (the support reader's)."""
    return decode_document(expression)


def statements(policy: str) -> dict[str, dict]:
    """Sid -> statement of a jsonencoded policy."""
    return {s["Sid"]: s for s in decode_jsonencode(policy)["Statement"]}


def addresses(stack_json: dict) -> list[str]:
    """Every Terraform address a stack defines (resources and data sources)."""
    found = [f"{t}.{name}" for t, items in stack_json.get("resource", {}).items() for name in items]
    found += [f"data.{t}.{name}" for t, items in stack_json.get("data", {}).items() for name in items]
    return sorted(found)


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(json-path, leaf) for every leaf of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value
