"""What a saved plan does, read from `terraform show -json` and grouped by action the way Atlantis
and HCP Terraform show it: the addresses to create, update, replace and destroy (then what moves,
what is forgotten, what is read), each group complete, before any detail. Standard library only
(the pull-request comment and the approver's job summary are built with the runner's python3).

And the guard of an apply: a stateful resource, a VPC or a subnet (constructs_luneo.support.facts.
GUARDED_TYPES) destroyed or replaced stops it, unless `.github/allowed-destroys.json` (a reviewed file: CODEOWNERS
covers .github/) allows that address of that stack, with a reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_luneo.support.facts import GUARDED_TYPES

#: The groups, in the order a reviewer reads them.
GROUPS = ("create", "update", "replace", "destroy")
SIGNS = {"create": "+", "update": "~", "replace": "-/+", "destroy": "-", "move": "->", "forget": "?", "read": "<="}


@dataclass
class PlanSummary:
    """Addresses by action; `moved`: `from -> to`; `forgotten`: removed from state, not destroyed."""

    groups: dict[str, list[str]] = field(default_factory=lambda: {g: [] for g in GROUPS})
    moved: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)

    @property
    def counts(self) -> str:
        return ", ".join(f"{len(self.groups[g])} to {g}" for g in GROUPS)

    @property
    def changes(self) -> bool:
        return any(self.groups.values()) or bool(self.moved or self.forgotten)

    def destroyed_or_replaced(self) -> list[str]:
        return sorted(self.groups["destroy"] + self.groups["replace"])


def summarize(plan: dict[str, Any]) -> PlanSummary:
    summary = PlanSummary()
    for change in plan.get("resource_changes", []):
        actions, address = change["change"]["actions"], change["address"]
        if change.get("previous_address"):
            summary.moved.append(f"{change['previous_address']} -> {address}")
        if actions == ["create"]:
            summary.groups["create"].append(address)
        elif actions == ["update"]:
            summary.groups["update"].append(address)
        elif sorted(actions) == ["create", "delete"]:
            summary.groups["replace"].append(address)
        elif actions == ["delete"]:
            summary.groups["destroy"].append(address)
        elif actions == ["read"]:
            summary.read.append(address)
        elif actions == ["forget"]:
            summary.forgotten.append(address)
    return summary


def render(stack: str, summary: PlanSummary, *, markdown: bool = True) -> str:
    """The grouped addresses: a line of counts, then each non-empty group in full."""
    lines = [f"{stack}: {summary.counts}" + ("" if summary.changes else " (no changes)")]
    for group in GROUPS:
        if summary.groups[group]:
            lines.append(f"{group} ({len(summary.groups[group])}):")
            lines += [f"  {SIGNS[group]} {a}" for a in sorted(summary.groups[group])]
    for title, items, sign in (
        ("moved", summary.moved, SIGNS["move"]),
        ("forgotten (not destroyed)", summary.forgotten, SIGNS["forget"]),
    ):
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines += [f"  {sign} {a}" for a in sorted(items)]
    text = "\n".join(lines)
    return f"```\n{text}\n```" if markdown else text


def load(path: str | Path) -> PlanSummary:
    return summarize(json.loads(Path(path).read_text()))


# --- the guard of an apply ---------------------------------------------------------------------


def allowed(path: Path, stack: str) -> dict[str, str]:
    """Address -> reason, for `stack`, from the reviewed allow file ({stack: {address: reason}})."""
    if not path.exists():
        return {}
    document = json.loads(path.read_text())
    entries = document.get(stack, {})
    bad = [a for a, reason in entries.items() if not isinstance(reason, str) or len(reason.strip()) < 10]
    if bad:
        raise ValueError(f"{path}: {stack}: {bad[0]}: expected a written reason (10 characters or more)")
    return dict(entries)


def unapproved(summary: PlanSummary, stack: str, allow_file: Path) -> list[str]:
    """The guarded resources the plan destroys or replaces without an entry in the allow file."""
    approved = allowed(allow_file, stack)
    return [
        a
        for a in summary.destroyed_or_replaced()
        if a.split("[")[0].split(".")[-2] in GUARDED_TYPES and a not in approved
    ]
