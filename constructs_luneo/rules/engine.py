"""The rule engine: a rule looks at one stack's synthesized Terraform (a JSON document, not the
Python objects) and yields findings. Cheap to import (no cdktf), so the same rules run at synth
(constructs_luneo/policy.py) and on any cdk.tf.json (`python -m constructs_luneo.rules <file>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Literal

Level = Literal["error", "warning"]
REFERENCE = re.compile(r"\$\{(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.")


@dataclass(frozen=True)
class Finding:
    """A construct path (or "" for the stack) and what is wrong, with the fix."""

    path: str
    message: str


@dataclass(frozen=True)
class Rule:
    """One rule: its id, the rule in one sentence, where it comes from, how loud it is."""

    id: str
    summary: str
    check: Callable[["View"], Iterable[Finding]]
    level: Level = "error"
    source: str = ""  # the documentation page the rule comes from (AWS rules)


class View:
    """One stack's Terraform: resources by type, references between them, provider regions."""

    def __init__(self, tf: dict[str, Any], stack_path: str = "") -> None:
        self.tf = tf
        self.stack_path = stack_path
        self.resources: dict[str, dict[str, dict[str, Any]]] = tf.get("resource", {})
        self.data: dict[str, dict[str, dict[str, Any]]] = tf.get("data", {})
        self._regions: dict[str, str] = {}
        for provider in tf.get("provider", {}).get("aws", []):
            self._regions[f"aws.{provider['alias']}" if provider.get("alias") else "aws"] = provider.get("region", "")

    def each(self, resource_type: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(address, construct path, body) of every resource of a type."""
        for name, body in self.resources.get(resource_type, {}).items():
            yield f"{resource_type}.{name}", body.get("//", {}).get("metadata", {}).get("path", ""), body

    def body(self, address: str) -> dict[str, Any] | None:
        resource_type, _, name = address.partition(".")
        return self.resources.get(resource_type, {}).get(name)

    def referenced(self, value: Any, resource_type: str | None = None) -> str | None:
        """The address a `${type.name.attribute}` value refers to (of `resource_type` if given)."""
        if not isinstance(value, str):
            return None
        for found_type, name in REFERENCE.findall(value):
            if resource_type in (None, found_type):
                return f"{found_type}.{name}"
        return None

    def refers(self, value: Any, address: str) -> bool:
        return isinstance(value, str) and f"${{{address}." in value

    def region(self, body: dict[str, Any]) -> str:
        """The region a resource is created in: its provider's."""
        return self._regions.get(body.get("provider", "aws"), "")

    def environment(self) -> str | None:
        for provider in self.tf.get("provider", {}).get("aws", []):
            for block in provider.get("default_tags", []):
                if "Environment" in block.get("tags", {}):
                    return str(block["tags"]["Environment"])
        return None


def truthy(value: Any) -> bool:
    return value is True or value == "true"


def blocks(value: Any) -> list[dict[str, Any]]:
    """A nested block as cdktf writes it: an object for a single block, a list for repeated ones."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


RULES: dict[str, Rule] = {}


def rule(rule_id: str, summary: str, *, level: Level = "error", source: str = "",
         ) -> Callable[[Callable[[View], Iterable[Finding]]], Callable[[View], Iterable[Finding]]]:
    """Register a check under `rule_id`; its docstring says the rule and why."""
    def register(check: Callable[[View], Iterable[Finding]]) -> Callable[[View], Iterable[Finding]]:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, summary, check, level, source)
        return check
    return register


def evaluate(view: View, rules: Iterable[Rule] | None = None) -> Iterator[tuple[Rule, Finding]]:
    for checked in rules if rules is not None else RULES.values():
        for finding in checked.check(view):
            yield checked, finding
