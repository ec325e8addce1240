"""`make diff BASE=<git revision>`: what a change does to each stack, offline, without credentials.

Synthesizes BASE (in a temporary git worktree) and the working tree, both at once (two processes
in parallel), and prints per stack: resources added, removed and changed (with the changed
attribute paths), `moved` blocks, and a loud WARNING for any stateful resource (database, bucket,
key, repository, cache, state table) that is removed or would be replaced. Each stack also gets its
monthly cost change (scripts/cost.py: both sides priced with the working tree's pricing/ files, so
the change is the infrastructure's), explained by the tfvars values that differ between the trees:
`luneo-prod: +$312.00/month (eks_primary_desired_size 3 -> 5)`.

Exit code 0; with --fail-on-destroy, 1 when a stateful resource is removed or replaced.
Usage: python -m scripts.diff_stacks BASE [--fail-on-destroy]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from constructs_luneo.support.facts import FORCES_REPLACEMENT, STATEFUL_TYPES
from scripts import cost
from scripts.terraform_cli import synthesized_stacks

ROOT = Path(__file__).resolve().parent.parent

def synth(source: Path, outdir: Path) -> subprocess.Popen:
    env = dict(os.environ, CDKTF_OUTDIR=str(outdir), LUNEO_ENVIRONMENTS_DIR=str(source / "environments"),
               LUNEO_BOOTSTRAP_FILE=str(source / "bootstrap.tfvars"), LUNEO_MIGRATIONS_DIR=str(source / "migrations"))
    return subprocess.Popen([sys.executable, str(source / "main.py")], cwd=source, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def resources(stack: dict) -> dict[str, dict]:
    found = {}
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for resource_type, items in stack.get(kind, {}).items():
            for name, body in items.items():
                found[f"{prefix}{resource_type}.{name}"] = {k: v for k, v in body.items() if k != "//"}
    return found


def changed_paths(before: Any, after: Any, path: str = "") -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            yield from changed_paths(before.get(key), after.get(key), f"{path}.{key}" if path else key)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after)):
            yield from changed_paths(b, a, f"{path}[{i}]")
    elif before != after:
        yield path


def diff_stack(base: dict | None, head: dict | None) -> dict:
    before, after = resources(base or {}), resources(head or {})
    moved = {m["from"]: m["to"] for m in (head or {}).get("moved", [])}
    removed_blocks = {r["from"] for r in (head or {}).get("removed", [])}
    report = {"added": [], "removed": [], "changed": {}, "moved": moved, "forgotten": sorted(removed_blocks),
              "warnings": []}
    for address in sorted(set(after) - set(before)):
        if address not in moved.values():
            report["added"].append(address)
    for address in sorted(set(before) - set(after)):
        if address in moved:
            continue
        report["removed"].append(address)
        resource_type = address.split(".")[0]
        if resource_type in STATEFUL_TYPES:
            report["warnings"].append(f"{address} is REMOVED: Terraform will DESTROY it (and its data) unless a "
                                      "`moved` block maps it")
    for source, target in moved.items():
        if source in before and target in after:
            paths = list(changed_paths(before[source], after[target]))
            if paths:
                report["changed"][f"{source} -> {target}"] = paths
    for address in sorted(set(before) & set(after)):
        paths = list(changed_paths(before[address], after[address]))
        if paths:
            report["changed"][address] = paths
            resource_type = address.split(".")[0]
            replaced = sorted({p.split(".")[0].split("[")[0] for p in paths} & FORCES_REPLACEMENT.get(resource_type, frozenset()))
            if replaced and resource_type in STATEFUL_TYPES:
                report["warnings"].append(f"{address} would be REPLACED (destroyed and recreated): {replaced} changed")
    return report


def _raw_tfvars(path: Path) -> dict[str, Any]:
    import hcl2

    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, preserve_heredocs=False)
    return hcl2.loads(path.read_text(), serialization_options=options)


def tfvars_values(root: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> the values of its tfvars file in a source tree (environments, with defaults; bootstrap)."""
    from constructs_luneo.support.errors import LuneoError
    from constructs_luneo.config import load_environment

    values: dict[str, dict[str, Any]] = {}
    for path in sorted((root / "environments").glob("*.tfvars")):
        stack = f"luneo-{path.stem}"
        try:
            values[stack] = dict(load_environment(path).values)
        except LuneoError:  # a revision the current loader does not accept: compare what the file says
            values[stack] = _raw_tfvars(path)
    if (root / "bootstrap.tfvars").exists():
        values["luneo-bootstrap"] = _raw_tfvars(root / "bootstrap.tfvars")
    return values


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def tfvars_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """`name old -> new` for every value that differs, sorted by name."""
    before, after = before or {}, after or {}
    return [f"{name} {_show(before.get(name))} -> {_show(after.get(name))}"
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]


@dataclass(frozen=True)
class CostChange:
    summary: str  # `luneo-prod: +$312.00/month (eks_primary_desired_size 3 -> 5)`
    totals: str   # `$1,950.98 -> $2,262.98 a month`
    not_priced: tuple[str, ...]  # addresses newly not priced in head

    def __str__(self) -> str:
        text = f"{self.summary}; {self.totals}"
        if self.not_priced:
            text += f"; NOT PRICED (not in the change): {', '.join(self.not_priced)}"
        return text


def cost_changes(base: dict[str, dict], head: dict[str, dict], base_root: Path, head_root: Path,
                 prices: cost.PriceTable, usage: cost.Usage) -> dict[str, CostChange]:
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="offline diff of the synthesized stacks against a git revision")
    parser.add_argument("base", help="git revision to compare with, e.g. origin/main")
    parser.add_argument("--fail-on-destroy", action="store_true",
                        help="exit 1 when a stateful resource is removed or replaced")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="luneo-diff-") as tmp:
        tmp_path = Path(tmp)
        worktree = tmp_path / "base"
        added = subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.base], cwd=ROOT,
                               capture_output=True, text=True)
        if added.returncode != 0:
            print(f"error: cannot check out {args.base}: {added.stderr.strip()}", file=sys.stderr)
            return 2
        try:
            jobs = {"base": synth(worktree, tmp_path / "base.out"), "head": synth(ROOT, tmp_path / "head.out")}
            results = {name: job.communicate() + (job.returncode,) for name, job in jobs.items()}
            for name, (_, stderr, code) in results.items():
                if code != 0:
                    label = args.base if name == "base" else "the working tree"
                    print(f"error: synthesizing {label} failed:\n{stderr.strip()}", file=sys.stderr)
                    return 2
            base, head = synthesized_stacks(tmp_path / "base.out"), synthesized_stacks(tmp_path / "head.out")
            try:
                costs = cost_changes(base, head, worktree, ROOT, cost.PriceTable.load(), cost.Usage.load())
            except cost.CostError as exc:
                print(f"warning: no cost change: {exc}", file=sys.stderr)
                costs = {}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    dangerous = 0
    for stack in sorted(set(base) | set(head)):
        report = diff_stack(base.get(stack), head.get(stack))
        counts = (f"{len(report['added'])} added, {len(report['removed'])} removed, {len(report['changed'])} changed, "
                  f"{len(report['moved'])} moved")
        print(f"== {stack}: {counts}" + ("" if stack in base else " (new stack)") + ("" if stack in head else " (stack removed)"))
        if stack in costs:
            print(f"  cost: {costs[stack]}")
        for address in report["added"]:
            print(f"  + {address}")
        for address in report["removed"]:
            print(f"  - {address}")
        for address, paths in report["changed"].items():
            print(f"  ~ {address}: {', '.join(paths[:12])}{' ...' if len(paths) > 12 else ''}")
        for source, target in report["moved"].items():
            print(f"  > moved {source} -> {target}")
        for address in report["forgotten"]:
            print(f"  ? removed from state, not destroyed: {address}")
        for warning in report["warnings"]:
            print(f"  WARNING: {warning}")
        dangerous += len(report["warnings"])
    if costs:
        print("\nMonthly cost change (make cost; prices and usage from the working tree's pricing/):")
        for stack in sorted(costs):
            print(costs[stack].summary)
    if dangerous:
        print(f"\n{dangerous} stateful resource(s) would be destroyed or replaced: read the warnings above.")
    return 1 if dangerous and args.fail_on_destroy else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
