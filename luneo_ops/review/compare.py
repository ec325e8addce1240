"""`make diff BASE=<git revision>`: the working tree against a revision, offline, without credentials.

Synthesizes BASE (in a temporary git worktree) and the working tree, both at once (two processes
in parallel), and describes per stack: resources added, removed and changed, `moved` blocks, and a
loud WARNING for any stateful resource that is removed or would be replaced, with the stack's
monthly cost change and the tfvars changes that explain it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from constructs_luneo.support.errors import LuneoError

from .. import cost
from ..paths import ROOT, stack_documents
from ..synth import start, worktree
from .cost_change import CostChange, cost_changes
from .diff import diff_stack


class SynthFailed(LuneoError):
    pass


@dataclass
class Comparison:
    base: dict[str, dict]
    head: dict[str, dict]
    costs: dict[str, CostChange] = field(default_factory=dict)
    cost_error: str = ""  # why there is no cost change, if there is none


def compare(revision: str) -> Comparison:
    """Both trees synthesized side by side; their stacks and cost changes."""
    with tempfile.TemporaryDirectory(prefix="luneo-diff-") as tmp:
        tmp_path = Path(tmp)
        with worktree(revision, tmp_path / "base") as base_tree:
            jobs = {
                revision: start(tmp_path / "base.out", source=base_tree),
                "the working tree": start(tmp_path / "head.out"),
            }
            for label, job in jobs.items():
                _, stderr = job.communicate()
                if job.returncode != 0:
                    raise SynthFailed(f"synthesizing {label} failed:\n{stderr.strip()}")
            result = Comparison(stack_documents(tmp_path / "base.out"), stack_documents(tmp_path / "head.out"))
            try:
                result.costs = cost_changes(
                    result.base, result.head, base_tree, ROOT, cost.PriceTable.load(), cost.Usage.load()
                )
            except cost.CostError as exc:
                result.cost_error = str(exc)
    return result


def report(comparison: Comparison) -> tuple[list[str], int]:
    """The lines `make diff` prints, and how many stateful resources would be destroyed or replaced."""
    base, head, costs = comparison.base, comparison.head, comparison.costs
    out, dangerous = [], 0
    for stack in sorted(set(base) | set(head)):
        changes = diff_stack(base.get(stack), head.get(stack))
        counts = (
            f"{len(changes['added'])} added, {len(changes['removed'])} removed, "
            f"{len(changes['changed'])} changed, {len(changes['moved'])} moved"
        )
        out.append(
            f"== {stack}: {counts}"
            + ("" if stack in base else " (new stack)")
            + ("" if stack in head else " (stack removed)")
        )
        if stack in costs:
            out.append(f"  cost: {costs[stack]}")
        out += [f"  + {address}" for address in changes["added"]]
        out += [f"  - {address}" for address in changes["removed"]]
        out += [
            f"  ~ {address}: {', '.join(paths[:12])}{' ...' if len(paths) > 12 else ''}"
            for address, paths in changes["changed"].items()
        ]
        out += [f"  > moved {source} -> {target}" for source, target in changes["moved"].items()]
        out += [f"  ? removed from state, not destroyed: {address}" for address in changes["forgotten"]]
        out += [f"  WARNING: {warning}" for warning in changes["warnings"]]
        dangerous += len(changes["warnings"])
    if costs:
        out += ["", "Monthly cost change (make cost; prices and usage from the working tree's pricing/):"]
        out += [costs[stack].summary for stack in sorted(costs)]
    if dangerous:
        out += ["", f"{dangerous} stateful resource(s) would be destroyed or replaced: read the warnings above."]
    return out, dangerous
