"""`python -m luneo_ops cost [--stack NAME] [--detail] [--outdir cdktf.out]`: the monthly cost of the
synthesized stacks (make cost)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import cost as model
from ..paths import OUTDIR, stack_documents


def cost(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m luneo_ops cost", description="monthly cost of the synthesized stacks, from pricing/"
    )
    parser.add_argument("--stack", help="one stack, e.g. luneo-prod")
    parser.add_argument("--detail", action="store_true", help="every resource with its line items")
    parser.add_argument("--outdir", type=Path, default=OUTDIR)
    args = parser.parse_args(argv)
    stacks = stack_documents(args.outdir) if (args.outdir / "manifest.json").exists() else {}
    if not stacks:
        print(f"error: no synthesized stacks in {args.outdir}/stacks: run `make synth` first", file=sys.stderr)
        return 2
    if args.stack and args.stack not in stacks:
        print(f"error: no stack {args.stack!r}; synthesized: {', '.join(stacks)}", file=sys.stderr)
        return 2
    try:
        prices, usage = model.PriceTable.load(), model.Usage.load()
        stale = model.stale_inputs(args.outdir)
        if stale:
            print(
                f"warning: {', '.join(stale[:3])}{' ...' if len(stale) > 3 else ''} changed after the last synth: "
                "run `make synth` for an estimate of the current code",
                file=sys.stderr,
            )
        for name in [args.stack] if args.stack else sorted(stacks):
            print(model.render(model.estimate(name, stacks[name], prices, usage), prices, detail=args.detail))
            print()
    except model.CostError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
