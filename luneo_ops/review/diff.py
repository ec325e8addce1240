"""What a change does to each stack, offline: resources added, removed and changed (with the
changed attribute paths), `moved` blocks, and a loud warning for any stateful resource (database,
bucket, key, repository, cache, state table) that is removed or would be replaced; and the tfvars
values that differ between two source trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from constructs_luneo.support.facts import FORCES_REPLACEMENT, STATEFUL_TYPES
from constructs_luneo.support.synthesized import SynthesizedStack


def resources(stack: dict) -> dict[str, dict]:
    """Address -> arguments (without cdktf's metadata) of every resource and data source."""
    return {address: {k: v for k, v in body.items() if k != "//"} for address, body in SynthesizedStack(stack).items()}


def changed_paths(before: Any, after: Any, path: str = "") -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            yield from changed_paths(before.get(key), after.get(key), f"{path}.{key}" if path else key)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after)):
            yield from changed_paths(b, a, f"{path}[{i}]")
    elif before != after:
        yield path


def diff_stack(base: dict | None, head: dict | None) -> dict[str, Any]:
    before, after = resources(base or {}), resources(head or {})
    moved = {m["from"]: m["to"] for m in (head or {}).get("moved", [])}
    removed_blocks = {r["from"] for r in (head or {}).get("removed", [])}
    report: dict[str, Any] = {
        "added": [],
        "removed": [],
        "changed": {},
        "moved": moved,
        "forgotten": sorted(removed_blocks),
        "warnings": [],
    }
    for address in sorted(set(after) - set(before)):
        if address not in moved.values():
            report["added"].append(address)
    for address in sorted(set(before) - set(after)):
        if address in moved:
            continue
        report["removed"].append(address)
        resource_type = address.split(".")[0]
        if resource_type in STATEFUL_TYPES:
            report["warnings"].append(
                f"{address} is REMOVED: Terraform will DESTROY it (and its data) unless a `moved` block maps it"
            )
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
            replaced = sorted(
                {p.split(".")[0].split("[")[0] for p in paths} & FORCES_REPLACEMENT.get(resource_type, frozenset())
            )
            if replaced and resource_type in STATEFUL_TYPES:
                report["warnings"].append(f"{address} would be REPLACED (destroyed and recreated): {replaced} changed")
    return report


def _raw_tfvars(path: Path) -> dict[str, Any]:
    import hcl2

    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, preserve_heredocs=False)
    return hcl2.loads(path.read_text(), serialization_options=options)


def tfvars_values(root: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> the values of its tfvars file in a source tree (environments, with defaults; bootstrap)."""
    from constructs_luneo.config import load_environment
    from constructs_luneo.support.errors import LuneoError

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
    return [
        f"{name} {_show(before.get(name))} -> {_show(after.get(name))}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
