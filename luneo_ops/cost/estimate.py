"""A stack's monthly cost: every resource priced by its type's pricer, or free with a reason, or
listed as not priced (never a silent zero)."""

from __future__ import annotations

from . import pricers  # noqa: F401  (registers the pricers)
from .model import DATA_SOURCE_REASON, FREE, PRICERS, Free, PricedStack, ResourceCost, StackCost
from .prices import GLOBAL, PriceTable
from .usage import Usage


def estimate(name: str, document: dict, prices: PriceTable, usage: Usage) -> StackCost:
    stack = PricedStack(name, document, prices, usage)
    regions = sorted(r for r in {stack.default_region, *stack.aliases.values()} if r)
    result = StackCost(name, regions)
    for resource_type, items in sorted(stack.resources.items()):
        for resource_name, body in sorted(items.items()):
            address = f"{resource_type}.{resource_name}"
            region = stack.region(body)
            if resource_type in FREE:
                result.free.setdefault(resource_type, []).append(address)
                result.free_reasons[resource_type] = FREE[resource_type]
                continue
            if resource_type not in PRICERS:
                result.not_priced.append((address, "type neither priced nor known to be free (luneo_ops/cost)"))
                continue
            component, function = PRICERS[resource_type]
            lines = function(stack, resource_name, body, region)
            if isinstance(lines, Free):
                label = f"{resource_type} ({lines.kind})" if lines.kind else resource_type
                result.free.setdefault(label, []).append(address)
                result.free_reasons[label] = lines.reason
                continue
            cost_region = GLOBAL if all(line.price and line.price.region == GLOBAL for line in lines) else region
            result.resources.append(ResourceCost(address, resource_type, cost_region, component, lines))
            result.not_priced += [(address, f"{line.what}: {line.missing}") for line in lines if line.price is None]
    for kind, items in sorted(document.get("data", {}).items()):
        label = f"data.{kind}"
        result.free[label] = [f"data.{kind}.{n}" for n in items]
        result.free_reasons[label] = DATA_SOURCE_REASON
    if GLOBAL in {r.region for r in result.resources}:
        result.regions.append(GLOBAL)
    return result
