"""Saved plans read back: `terraform show -json <plan>` and its resource changes by action."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli import run


class PlanUnreadable(RuntimeError):
    """`terraform show -json` of a saved plan failed."""


def show(workdir: Path, env: dict[str, str], plan_file: str = "plan.tfplan") -> dict[str, Any]:
    """The JSON rendering of a saved plan (`terraform show -json`)."""
    shown = run(["show", "-json", plan_file], workdir, env=env)
    if not shown.ok:
        raise PlanUnreadable(shown.output)
    return json.loads(shown.stdout)


def actions(plan: dict[str, Any]) -> dict[str, list[str]]:
    """Action ("create", "update", "delete+create", "no-op", ...) -> addresses, and "moved" ->
    `from -> to` for each moved resource, of a plan's JSON rendering."""
    found: dict[str, list[str]] = {}
    for change in plan.get("resource_changes", []):
        kind = "+".join(change["change"]["actions"])
        if change.get("previous_address"):
            found.setdefault("moved", []).append(f"{change['previous_address']} -> {change['address']}")
        found.setdefault(kind, []).append(change["address"])
    return found


def summary(workdir: Path, env: dict[str, str], plan_file: str = "plan.tfplan") -> dict[str, list[str]]:
    """Action -> addresses of a saved plan."""
    return actions(show(workdir, env, plan_file))


def stateful_drops(found: dict[str, list[str]]) -> list[str]:
    """The stateful resources (STATEFUL_TYPES) an `actions()` result destroys or replaces."""
    from constructs_luneo.support.facts import STATEFUL_TYPES

    return [
        a
        for kind in ("delete", "delete+create", "create+delete")
        for a in found.get(kind, [])
        if a.split(".")[0] in STATEFUL_TYPES
    ]
