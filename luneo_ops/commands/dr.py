"""`dr-drill` (make dr-drill) and `failover` (make failover-backend, failover-targets, failover-check,
failback-backend; docs/DISASTER_RECOVERY.md)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from ..paths import OUTDIR, load_stack


def dr_drill(argv: list[str]) -> int:
    """`python -m luneo_ops dr-drill [STACK] [CDKTF_OUT] [--work DIR] [--synth] [--json FILE]`
    (tests/test_dr_drill.py runs it with --synth --json)."""
    from ..dr import drill
    from ..local_aws.session import RehearsalFailed
    from ..synth import synthesize
    from ..terraform.cli import TerraformMissing

    parser = argparse.ArgumentParser(
        prog="python -m luneo_ops dr-drill", description="the loss of eu-west-1, rehearsed on the local AWS"
    )
    parser.add_argument("stack", nargs="?", default="luneo-staging")
    parser.add_argument("outdir", nargs="?", type=Path, default=OUTDIR, help="synthesized stacks")
    parser.add_argument("--work", type=Path, default=drill.WORK, help="scratch directory (emptied first)")
    parser.add_argument("--synth", action="store_true", help="synthesize into WORK.cdktf.out first")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    try:
        outdir = args.outdir
        if args.synth:  # the drill's own copy: a test must not depend on cdktf.out
            outdir = args.work.parent / f"{args.work.name}.cdktf.out"
            ok, stderr = synthesize(outdir)
            if not ok:
                raise drill.DrillFailed(f"synth failed:\n{stderr}")
        report = drill.run(args.stack, outdir, args.work, log=lambda line: print(line, flush=True))
    except (RehearsalFailed, TerraformMissing) as exc:
        print(f"error: the DR drill failed: {exc}", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps({"error": str(exc)}))
        return 1
    print()
    print(report.render())
    if args.json:
        args.json.write_text(json.dumps(dataclasses.asdict(report), indent=1))
    return 0


def failover(argv: list[str]) -> int:
    """`python -m luneo_ops failover backend|back|targets|check STACK [CDKTF_OUT]`."""
    from ..dr import failover as commands

    if len(argv) < 2 or argv[0] not in ("backend", "back", "targets", "check"):
        print("usage: python -m luneo_ops failover backend|back|targets|check STACK [CDKTF_OUT]", file=sys.stderr)
        return 2
    command, name = argv[0], argv[1]
    outdir = Path(argv[2]) if len(argv) > 2 else OUTDIR
    stack = load_stack(name, outdir)
    if command == "backend":
        print("terraform init -reconfigure " + " ".join(commands.backend_config(stack, outdir, failover=True)))
    elif command == "back":
        print(
            "terraform init -migrate-state -force-copy "
            + " ".join(commands.backend_config(stack, outdir, failover=False))
        )
    elif command == "check":
        import boto3

        region = commands.replica_region(outdir)
        current, explanation = commands.copy_status(
            stack, outdir, boto3.client("s3", region_name=region), boto3.client("dynamodb", region_name=region)
        )
        print(("current: " if current else "NOT current: ") + explanation)
        return 0 if current else 1
    else:
        lost = stack.default_region or ""  # the default provider's: the primary region
        targets, left_out = commands.failover_targets(stack, lost)
        print(" ".join(f"-target={t}" for t in targets))
        print(
            f"# {len(targets)} resources plannable without {lost}; {len(left_out)} left out (they or a "
            f"dependency live in {lost})",
            file=sys.stderr,
        )
    return 0
