"""`make cost`'s report: per stack a table by component (resources, monthly cost per region, total),
the types that cost nothing (each with its reason) and whatever could not be priced."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..paths import ROOT, relative
from .model import StackCost
from .prices import HOURS_PER_MONTH, PriceTable
from .usage import USAGE_FILE


def money(amount: float, *, sign: bool = False) -> str:
    text = f"${abs(amount):,.2f}"
    if sign:
        return ("-" if amount < -0.005 else "+") + text
    return ("-" if amount < -0.005 else "") + text


def component_rows(cost: StackCost) -> list[list[str]]:
    """The cells of the table `make cost` prints (docs/COST.md shows the same): per component its
    resource count, the monthly cost in each of `cost.regions` and in all, then the total row."""
    rows = []
    for component, row in cost.by_component().items():
        rows.append(
            [
                component,
                str(row["resources"]),
                *(money(row["regions"][r]) if r in row["regions"] else "-" for r in cost.regions),
                money(row["total"]),
            ]
        )
    region_totals = [sum(r.monthly for r in cost.resources if r.region == region) for region in cost.regions]
    rows.append(["total", str(len(cost.resources)), *map(money, region_totals), money(cost.total)])
    return rows


def render(cost: StackCost, prices: PriceTable, *, detail: bool = False) -> str:
    out = [
        f"{cost.name}: {money(cost.total)}/month  (prices as of {prices.as_of}, {HOURS_PER_MONTH} h/month, "
        f"usage: {relative(USAGE_FILE)})"
    ]
    headers = ["component", "resources", *cost.regions, "monthly"]
    out += _table(headers, component_rows(cost), right=range(1, len(headers)))
    if detail:
        out.append("")
        for resource in sorted(cost.resources, key=lambda r: (r.component, r.address)):
            out.append(f"  {resource.address}  [{resource.region}]  {money(resource.monthly)}")
            for line in resource.lines:
                if line.price:
                    out.append(
                        f"      {line.what}: {line.quantity:,.4g} x ${line.price.usd:g}/{line.price.unit} "
                        f"= {money(line.monthly)}"
                    )
                else:
                    out.append(f"      {line.what}: NOT PRICED ({line.missing})")
    out.append(f"free ({sum(len(a) for a in cost.free.values())} resources):")
    out += _table(
        ["type", "count", "why"],
        [[kind, str(len(addresses)), cost.free_reasons[kind]] for kind, addresses in sorted(cost.free.items())],
        right=[1],
        indent="  ",
    )
    if cost.not_priced:
        out.append(f"NOT PRICED ({len(cost.not_priced)}): these cost money that the total above does not include")
        out += [f"  {address}: {why}" for address, why in cost.not_priced]
    else:
        out.append("not priced: none")
    return "\n".join(out)


def _table(headers: list[str], rows: list[list[str]], *, right: Iterable[int] = (), indent: str = "") -> list[str]:
    right = set(right)
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return (indent + "  ".join(cells)).rstrip()

    return [fmt(headers), *map(fmt, rows)]


def stale_inputs(outdir: Path) -> list[str]:
    """Inputs of the synth newer than the synthesized stacks: the estimate would describe old JSON."""
    outputs = list((outdir / "stacks").glob("*/cdk.tf.json"))
    if not outputs:
        return []
    oldest = min(p.stat().st_mtime for p in outputs)
    inputs = [
        *ROOT.glob("environments/*.tfvars"),
        ROOT / "bootstrap.tfvars",
        ROOT / "main.py",
        *ROOT.glob("constructs_luneo/**/*.py"),
    ]
    return sorted(relative(p) for p in inputs if p.exists() and p.stat().st_mtime > oldest)
