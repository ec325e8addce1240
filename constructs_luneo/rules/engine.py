"""The rule engine: a rule looks at one stack's synthesized Terraform (a JSON document, not the
Python objects) and yields findings. Cheap to import (no cdktf), so the same rules run at synth
(constructs_luneo/rules/policy.py) and on any cdk.tf.json (`python -m constructs_luneo.rules <file>`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Literal

from ..support.synthesized import SynthesizedStack

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """A construct path (or "" for the stack) and what is wrong, with the fix; `level` overrides the
    rule's (a rule that refuses after a date and warns before it)."""

    path: str
    message: str
    level: Level | None = None


@dataclass(frozen=True)
class Rule:
    """One rule: its id, the rule in one sentence, where it comes from, how loud it is."""

    id: str
    summary: str
    check: Callable[["View"], Iterable[Finding]]
    level: Level = "error"
    source: str = ""  # the documentation page the rule comes from (AWS rules)


class View(SynthesizedStack):
    """One stack's Terraform as the rules see it: the synthesized-stack reader
    (constructs_luneo/support/synthesized.py), with the stack's construct path."""

    def __init__(self, tf: dict[str, Any], stack_path: str = "") -> None:
        super().__init__(tf, stack_path.rsplit("/", 1)[-1])
        self.tf = tf
        self.stack_path = stack_path


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    summary: str,
    *,
    level: Level = "error",
    source: str = "",
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
