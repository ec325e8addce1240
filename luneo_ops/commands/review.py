"""`diff` (make diff) and `plan-comment` (the plan workflow; standard library only: it runs on the
runner's python3)."""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--plan", help="terraform plan's output (absent: the job had no credentials)")
    parser.add_argument("--plan-json", help="terraform show -json of the saved plan (absent: no plan)")
    parser.add_argument("--offline", help="make diff output")
    parser.add_argument("--summary", action="store_true", help="the job summary (offline diff only) instead")
    args = parser.parse_args(argv)
    offline = _read(args.offline)
    if args.summary:
        sys.stdout.write(job_summary(args.stack, offline or ""))
    else:
        plan_json = _read(args.plan_json)
        sys.stdout.write(
            build_comment(args.stack, _read(args.plan), offline, json.loads(plan_json) if plan_json else None)
        )
    return 0


def _read(path: str | None) -> str | None:
    if path and Path(path).is_file():
        return Path(path).read_text(encoding="utf-8", errors="replace")
    return None


def plan_summary(argv: list[str]) -> int:
    """`python3 -m luneo_ops plan-summary --stack NAME --plan-json FILE`: the addresses of a saved plan
    grouped by action, for the approver's job summary."""
    from ..review.plan_summary import load, render

    parser = argparse.ArgumentParser(prog="python -m luneo_ops plan-summary")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--plan-json", required=True, help="terraform show -json of the saved plan")
    args = parser.parse_args(argv)
    print(f"### {args.stack}: the plan awaiting approval\n")
    print(render(args.stack, load(args.plan_json)))
    return 0


def plan_guard(argv: list[str]) -> int:
    """`python3 -m luneo_ops plan-guard --stack NAME --plan-json FILE [--allow FILE]`: exit 1 when the
    plan destroys or replaces a stateful resource the reviewed allow file does not name."""
    from ..review.plan_summary import load, unapproved

    parser = argparse.ArgumentParser(prog="python -m luneo_ops plan-guard")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--plan-json", required=True, help="terraform show -json of the saved plan")
    parser.add_argument("--allow", type=Path, default=Path(".github/allowed-destroys.json"))
    args = parser.parse_args(argv)
    refused = unapproved(load(args.plan_json), args.stack, args.allow)
    for address in refused:
        print(
            f"error: {args.stack}: {address} would be destroyed or replaced (stateful): add it to {args.allow} "
            "with a reason, in a reviewed pull request, to allow it",
            file=sys.stderr,
        )
    return 1 if refused else 0
