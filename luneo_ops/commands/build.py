"""Commands around the synth: validate (the end of `make synth`), docs, digests, pin-addresses, bench."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..paths import OUTDIR, manifest, relative


def validate(argv: list[str]) -> int:
    """`python -m luneo_ops validate [CDKTF_OUT]`: init + validate every stack, print the summary (exit 1
    if any stack is invalid)."""
    from ..terraform.cli import TerraformMissing
    from ..terraform.validate import summary_rows, validate_all

    stacks = manifest(Path(argv[0]) if argv else OUTDIR)
    try:
        results = validate_all(stacks)
    except TerraformMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = summary_rows(stacks, results)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    failed = [n for n, r in results.items() if not r.ok]
    for name in failed:
        print(f"\n{name}: {results[name].output.strip()}", file=sys.stderr)
    return 1 if failed else 0


def docs(argv: list[str]) -> int:
    """`python -m luneo_ops docs [--check]`: rewrite the generated docs, or exit 1 when one is stale."""
    from .. import docs as generated

    files = generated.outputs()
    stale = generated.stale(files)
    if "--check" in argv:
        for path in stale:
            print(f"error: {relative(path)} is stale: run `make docs`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.write_text(text)
        print(f"{relative(path)}: {'rewritten' if path in stale else 'unchanged'}")
    return 0


def digests(argv: list[str]) -> int:
    """`python -m luneo_ops digests [BASE]`: one line per file; with BASE, both side by side (exit 1 if
    any file differs)."""
    from ..digests import compare

    base = argv[0] if argv else None
    results = compare(base)
    head = results["working tree"]
    if base is None:
        for name, digest in head.items():
            print(f"{digest}  {name}")
        return 0
    before, differ = results[base], 0
    for name in sorted(set(before) | set(head)):
        same = before.get(name) == head.get(name)
        differ += not same
        print(f"{'same' if same else 'DIFF'}  {name}  {before.get(name, '-')[:16]}  {head.get(name, '-')[:16]}")
    print(f"{len(head)} files, {differ} differ from {base}")
    return 1 if differ else 0


def pin_addresses(argv: list[str]) -> int:
    """`python -m luneo_ops pin-addresses`: rewrite tests/addresses/<stack>.txt from a fresh synth."""
    from ..addresses import pin

    for line in pin():
        print(line)
    return 0


def bench(argv: list[str]) -> int:
    """`python -m luneo_ops bench`: the synth benchmark (`--split DIR`: one child run, JSON)."""
    from .. import bench as benchmark

    if argv[:1] == ["--split"]:
        print(json.dumps(benchmark.split(argv[1])))
        return 0
    from constructs_luneo.support.runtime import quiet_jsii

    quiet_jsii()
    measured = benchmark.measure_all()
    for line in benchmark.report(measured):
        print(line)
    return 0 if measured.same else 1


def provider_lock(argv: list[str]) -> int:
    """`python -m luneo_ops provider-lock [PLATFORM ...]` (default linux_amd64): rewrite .terraform.lock.hcl."""
    from ..paths import load_stacks
    from ..terraform.cli import provider_version
    from ..terraform.lock import lock

    version = provider_version(next(iter(load_stacks().values())).document)
    result = lock(version, argv or ["linux_amd64"])
    print(result.output.strip())
    return 0 if result.ok else 1
