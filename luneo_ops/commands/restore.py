"""`python -m luneo_ops restore-plan STACK [CDKTF_OUT]` (make restore-plan): what the database restore
configured in the stack's tfvars will do, read from its synthesized JSON before anything is applied.
Exit 0 with the plan, 2 when the stack restores nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import OUTDIR, load_stack


def restore_plan(argv: list[str]) -> int:
    from .. import cost
    from .. import restore as library

    parser = argparse.ArgumentParser(prog="python -m luneo_ops restore-plan", description=__doc__)
    parser.add_argument("stack")
    parser.add_argument("outdir", nargs="?", type=Path, default=OUTDIR)
    args = parser.parse_args(argv)
    stack = load_stack(args.stack, args.outdir)
    try:
        restore = library.plan(stack)
    except library.NoRestore as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    priced = cost.estimate(stack.name, stack.document, cost.PriceTable.load(), cost.Usage.load())
    restore.monthly = sum(r.monthly for r in priced.resources if r.address in set(restore.created))
    print(library.render(restore), end="")
    return 0
