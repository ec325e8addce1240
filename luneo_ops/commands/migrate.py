"""`python -m luneo_ops migrate-plan STATE [--stack luneo-prod] [--out FILE] [--stack-file FILE]`
(make migrate-plan): moved/removed blocks and settings from an existing HCL state, written to
migrations/<stack>.json for review (luneo_ops/migrate.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..migrate import load_state, plan, zone_settings
from ..paths import MIGRATIONS, OUTDIR


def migrate_plan(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m luneo_ops migrate-plan", description="map an existing HCL state onto a synthesized stack"
    )
    parser.add_argument("state", help="state file, or s3://bucket/key")
    parser.add_argument("--stack", default="luneo-prod")
    parser.add_argument("--out", default=None, help="default: migrations/<stack>.json")
    parser.add_argument("--stack-file", default=None, help="default: cdktf.out/stacks/<stack>/cdk.tf.json")
    args = parser.parse_args(argv)
    stack_file = Path(args.stack_file) if args.stack_file else OUTDIR / "stacks" / args.stack / "cdk.tf.json"
    if not stack_file.exists():
        print(f"error: {stack_file} is missing: run `make synth` first", file=sys.stderr)
        return 2
    try:
        state = load_state(args.state)
    except Exception as exc:  # one line for the operator, whatever the cause
        print(f"error: cannot read the state {args.state}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 2
    stack = json.loads(stack_file.read_text())
    # Moves already in the stack do not count: map from the state as it is.
    stack.pop("moved", None)
    stack.pop("removed", None)
    result = plan(state, stack)
    out = Path(args.out) if args.out else MIGRATIONS / f"{args.stack}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "stack": args.stack,
        "source": args.state,
        "moved": result["moved"],
        "removed": result["removed"],
        "settings": result["settings"],
    }
    out.write_text(json.dumps(document, indent=2) + "\n")
    _print_report(result, args.stack, out)
    return 0


def _print_report(result: dict, stack: str, out: Path) -> None:
    print(
        f"{len(result['moved'])} moved, {len(result['removed'])} removed (forgotten, not destroyed), "
        f"{len(result['created'])} of ours to create -> {out}"
    )
    for move in result["moved"]:
        print(f"  moved   {move['from']} -> {move['to']}")
    for item in result["removed"]:
        print(f"  removed {item['from']} {item['identity']}: not in {stack}")
    for note in result["notes"]:
        print(f"  note    {note}")
    if result["settings"]:
        print("Add to environments/<env>.tfvars (what cannot change in place: encryption, the subnets' zones):")
        for name, value in result["settings"].items():
            print(f"  {tfvars_line(name, value)}")


def tfvars_line(name: str, value: Any) -> str:
    """`name = value` as an environment file writes it (a list of strings, or a map of strings)."""
    if isinstance(value, dict):
        return f"{name} = {{ " + ", ".join(f'{k} = "{v}"' for k, v in sorted(value.items())) + " }"
    return f"{name} = {json.dumps(value)}"


def zone_ids(argv: list[str]) -> int:
    """`python -m luneo_ops zone-ids STATE [--stack luneo-prod]` (make zone-ids): the zone IDs a running
    network's subnets are in, from its state (a file, or s3://bucket/key), as the tfvars lines that
    keep them: `<role>_zone_ids`, in subnet order. Pinning other IDs would replace every subnet."""
    parser = argparse.ArgumentParser(prog="python -m luneo_ops zone-ids", description=zone_ids.__doc__)
    parser.add_argument("state", help="the stack's state: a file (terraform state pull > f), or s3://bucket/key")
    parser.add_argument("--stack", default="luneo-prod")
    args = parser.parse_args(argv)
    try:
        state = load_state(args.state)
    except Exception as exc:  # one line for the operator, whatever the cause
        print(f"error: cannot read the state {args.state}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 2
    found = zone_settings(
        {
            f"aws_subnet.{r['name']}": r["instances"][0]["attributes"]["availability_zone_id"]
            for r in state.get("resources", [])
            if r.get("type") == "aws_subnet" and r.get("mode") == "managed" and r.get("instances")
        }
    )
    if not found:
        print(f"error: {args.state}: no network-<role>_private-<n> subnets in this state", file=sys.stderr)
        return 2
    environment = args.stack.removeprefix("luneo-")
    print(f"# environments/{environment}.tfvars: the zones {args.stack}'s subnets are in (from {args.state})")
    for name, ids in found.items():
        print(tfvars_line(name, ids))
    return 0
