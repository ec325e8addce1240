"""The monthly cost change between two synthesized trees, per stack, explained by the tfvars values
that differ: `luneo-prod: +$312.00/month (eks_primary_desired_size 3 -> 5)`. Both sides are priced
with the same price table and usage, so the change is the infrastructure's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import cost
from .diff import tfvars_changes, tfvars_values


@dataclass(frozen=True)
class CostChange:
    summary: str  # `luneo-prod: +$312.00/month (eks_primary_desired_size 3 -> 5)`
    totals: str  # `$1,950.98 -> $2,262.98 a month`
    not_priced: tuple[str, ...]  # addresses newly not priced in head

    def __str__(self) -> str:
        text = f"{self.summary}; {self.totals}"
        if self.not_priced:
            text += f"; NOT PRICED (not in the change): {', '.join(self.not_priced)}"
        return text


def cost_changes(
    base: dict[str, dict],
    head: dict[str, dict],
    base_root: Path,
    head_root: Path,
    prices: cost.PriceTable,
    usage: cost.Usage,
) -> dict[str, CostChange]:
    """Per stack, the monthly cost change between two synthesized trees and the tfvars changes behind it."""
    base_values, head_values = tfvars_values(base_root), tfvars_values(head_root)
    changes = {}
    for stack in sorted(set(base) | set(head)):
        before = cost.estimate(stack, base[stack], prices, usage) if stack in base else None
        after = cost.estimate(stack, head[stack], prices, usage) if stack in head else None
        old, new = (before.total if before else 0.0), (after.total if after else 0.0)
        why = tfvars_changes(base_values.get(stack), head_values.get(stack))
        if not why and abs(new - old) >= 0.005:
            why = ["no tfvars change: the code changed"]
        summary = f"{stack}: {cost.money(new - old, sign=True)}/month" + (f" ({', '.join(why)})" if why else "")
        known = {address for address, _ in (before.not_priced if before else [])}
        unpriced = tuple(sorted({address for address, _ in (after.not_priced if after else [])} - known))
        changes[stack] = CostChange(summary, f"{cost.money(old)} -> {cost.money(new)} a month", unpriced)
    return changes
