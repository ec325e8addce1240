"""`make cost`: the monthly cost of each synthesized stack, offline (docs/COST.md explains the model).

Reads `cdktf.out/stacks/*/cdk.tf.json` (plain JSON: no cdktf import, so it answers in well under a
second), prices every resource from its type and arguments with the pinned table
`constructs_luneo/dated/prices.csv` and the usage assumptions `pricing/usage.toml`. A resource is never silently
zero: a type that is neither priced (model.PRICERS) nor known to be free (model.FREE), or an
argument the table has no row for (e.g. an instance class), is listed as "not priced".

- prices.py, usage.py: the two inputs; model.py: line items, the stack as priced, the registries;
- pricers/: one pricer per billable type, by kind of service; estimate.py: a stack's cost;
- report.py: the table `make cost` prints.
"""

from .estimate import estimate
from .model import FREE, PRICERS, Free, Line, PricedStack, StackCost
from .prices import GLOBAL, HOURS_PER_MONTH, PRICES_FILE, CostError, Price, PriceTable
from .report import component_rows, money, render, stale_inputs
from .usage import USAGE_FILE, USAGE_KEYS, Usage

__all__ = [
    "FREE",
    "GLOBAL",
    "HOURS_PER_MONTH",
    "PRICERS",
    "PRICES_FILE",
    "USAGE_FILE",
    "USAGE_KEYS",
    "CostError",
    "Free",
    "Line",
    "Price",
    "PriceTable",
    "PricedStack",
    "StackCost",
    "Usage",
    "component_rows",
    "estimate",
    "money",
    "render",
    "stale_inputs",
]
