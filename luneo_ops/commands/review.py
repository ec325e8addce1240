"""`diff` (make diff) and `plan-comment` (the plan workflow; standard library only: it runs on the
runner's python3)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def diff(argv: list[str]) -> int:
    """`python -m luneo_ops diff BASE [--fail-on-destroy]`: exit 0; with --fail-on-destroy, 1 when a
    stateful resource is removed or replaced."""
    parser = argparse.ArgumentParser(
        prog="python -m luneo_ops diff", description="offline diff of the synthesized stacks against a git revision"
    )
    parser.add_argument("base", help="git revision to compare with, e.g. origin/main")
    parser.add_argument(
        "--fail-on-destroy", action="store_true", help="exit 1 when a stateful resource is removed or replaced"
    )
    args = parser.parse_args(argv)
    from ..review.compare import compare, report

    comparison = compare(args.base)
    if comparison.cost_error:
        print(f"warning: no cost change: {comparison.cost_error}", file=sys.stderr)
    lines, dangerous = report(comparison)
    for line in lines:
        print(line)
    return 1 if dangerous and args.fail_on_destroy else 0


def plan_comment(argv: list[str]) -> int:
    """`python3 -m luneo_ops plan-comment --stack NAME [--plan FILE] [--offline FILE] [--summary]`."""
    from ..review.plan_comment import build_comment, job_summary

    parser = argparse.ArgumentParser(
        prog="python -m luneo_ops plan-comment", description="the plain-text PR comment of one stack"
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument("--plan", help="cdktf diff output (absent: the job had no credentials)")
    parser.add_argument("--offline", help="make diff output")
    parser.add_argument("--summary", action="store_true", help="the job summary (offline diff only) instead")
    args = parser.parse_args(argv)
    offline = _read(args.offline)
    if args.summary:
        sys.stdout.write(job_summary(args.stack, offline or ""))
    else:
        sys.stdout.write(build_comment(args.stack, _read(args.plan), offline))
    return 0


def _read(path: str | None) -> str | None:
    if path and Path(path).is_file():
        return Path(path).read_text(encoding="utf-8", errors="replace")
    return None
