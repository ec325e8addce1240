"""`make diff BASE=<git revision>`: what a change does to each stack, offline, without credentials.

Synthesizes BASE (in a temporary git worktree) and the working tree, both at once (two processes
in parallel), and prints per stack: resources added, removed and changed (with the changed
attribute paths), `moved` blocks, and a loud WARNING for any stateful resource (database, bucket,
key, repository, cache, state table) that is removed or would be replaced.

Exit code 0; with --fail-on-destroy, 1 when a stateful resource is removed or replaced.
Usage: python -m scripts.diff_stacks BASE [--fail-on-destroy]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

from constructs_luneo.facts import FORCES_REPLACEMENT, STATEFUL_TYPES
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
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    dangerous = 0
    for stack in sorted(set(base) | set(head)):
        report = diff_stack(base.get(stack), head.get(stack))
        counts = (f"{len(report['added'])} added, {len(report['removed'])} removed, {len(report['changed'])} changed, "
                  f"{len(report['moved'])} moved")
        print(f"== {stack}: {counts}" + ("" if stack in base else " (new stack)") + ("" if stack in head else " (stack removed)"))
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
    if dangerous:
        print(f"\n{dangerous} stateful resource(s) would be destroyed or replaced: read the warnings above.")
    return 1 if dangerous and args.fail_on_destroy else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
