"""The checks across variables, registered where they are written: docs/CONFIGURATION.md lists
them from this registry (luneo_ops/docs.py), so the documented rules are the enforced ones.

    @cross_check("`vpc_secondary_cidr` does not overlap `vpc_primary_cidr`.")
    def _check_ranges(primary, secondary, where): ...

tests/test_config.py fails when a function raises a cross-field ConfigError without being
registered."""

from __future__ import annotations

from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable[..., object])

#: (the rule as documented, the function that enforces it), in the order they are defined.
CROSS_CHECKS: list[tuple[str, Callable[..., object]]] = []


def cross_check(rule: str) -> Callable[[F], F]:
    """Register the decorated function as the enforcement of `rule` (one sentence, Markdown)."""

    def register(function: F) -> F:
        CROSS_CHECKS.append((rule, function))
        return function

    return register
