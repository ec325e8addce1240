"""After `cdktf synth`: init + validate every synthesized stack and print a summary table.

Usage: python -m scripts.validate_stacks [CDKTF_OUT]   (exit 1 if any stack is invalid)
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scripts.terraform_cli import TerraformMissing, validate_stack

ROOT = Path(__file__).resolve().parent.parent


def resource_count(stack_json: dict) -> int:
    return sum(len(v) for v in stack_json.get("resource", {}).values())


def main(argv: list[str]) -> int:
    outdir = Path(argv[0]) if argv else ROOT / "cdktf.out"
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {name: outdir / s["synthesizedStackPath"] for name, s in manifest["stacks"].items()}
    try:
        with ThreadPoolExecutor(max_workers=len(stacks)) as pool:
            results = dict(zip(stacks, pool.map(
                lambda item: validate_stack(item[1], ROOT / ".build" / "validate" / item[0]), stacks.items())))
    except TerraformMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = [("stack", "resources", "backend key", "terraform validate")]
    for name, path in stacks.items():
        data = json.loads(path.read_text())
        backend = data["terraform"]["backend"]
        where = (f"s3://{backend['s3']['bucket']}/{backend['s3']['key']}" if "s3" in backend
                 else f"local: {backend['local']['path']}")
        rows.append((name, str(resource_count(data)), where,
                     "valid" if results[name].ok else "INVALID"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    failed = [n for n, r in results.items() if not r.ok]
    for name in failed:
        print(f"\n{name}: {results[name].output.strip()}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
