"""`make bench`: what a synth costs with the AWS provider loaded eagerly and lazily, side by side.

Every number comes from fresh processes, the two modes interleaved in one run (docs/PERFORMANCE.md):
- in one synth process: import (cdktf, the provider and our construct modules), build (every
  stack), synth, peak RSS of Python and of jsii's Node.js kernel, and the jsii kernel requests;
- main.py end to end: wall time and the peak RSS of its largest process, and whether the two modes
  wrote the same bytes;
- the standard import (`import cdktf_cdktf_provider_aws`: its eager `__init__`, no hook, no
  NODE_OPTIONS), which issue 12 compares the lazy main.py with.
Each cell is the median of RUNS runs (env LUNEO_BENCH_RUNS, default 3). Timings on a loaded
machine are noisy: the load average is printed with them.
"""

from __future__ import annotations

import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import BOOTSTRAP_TFVARS, ENVIRONMENTS, ROOT

RUNS = int(os.environ.get("LUNEO_BENCH_RUNS", "3"))
MODES = {"eager": {"LUNEO_EAGER_PROVIDER": "1"}, "lazy": {"LUNEO_EAGER_PROVIDER": ""}}

# Runs a command; prints its wall seconds and the peak RSS (KiB) of its largest process.
WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def split(outdir: str) -> dict[str, Any]:
    """The child: main.py's steps, timed one by one, counting the kernel requests (`bench --split`
    prints it as JSON)."""
    import resource

    from jsii._kernel.providers.process import _NodeProcess

    from constructs_luneo.config import load_bootstrap, load_environments
    from constructs_luneo.support.runtime import lazy_provider, quiet_jsii

    requests: collections.Counter[str] = collections.Counter()
    send = _NodeProcess.send

    def counting_send(self, request, response_type):  # every request is one round trip to Node.js
        requests[type(request).__name__.strip("_").removesuffix("Request")] += 1
        return send(self, request, response_type)

    setattr(_NodeProcess, "send", counting_send)
    quiet_jsii()
    lazy_provider()  # eager with LUNEO_EAGER_PROVIDER=1
    t0 = time.perf_counter()
    configs = load_environments(ENVIRONMENTS)
    bootstrap = load_bootstrap(BOOTSTRAP_TFVARS, configs)
    t1 = time.perf_counter()
    import cdktf_cdktf_provider_aws  # noqa: F401

    from constructs_luneo.stacks import build_app

    t2 = time.perf_counter()
    app = build_app(configs, outdir=outdir, bootstrap=bootstrap)
    t3 = time.perf_counter()
    app.synth()
    t4 = time.perf_counter()
    import jsii

    getattr(jsii.kernel.provider, "_process").stop()  # so that the kernel's peak RSS is in RUSAGE_CHILDREN
    submodules = sum(
        1
        for m in sys.modules
        if m.startswith("cdktf_cdktf_provider_aws.") and m.count(".") == 1 and not m.split(".")[1].startswith("_")
    )
    return {
        "config": t1 - t0,
        "import": t2 - t1,
        "build": t3 - t2,
        "synth": t4 - t3,
        "requests": sum(requests.values()),
        "by kind": dict(requests),
        "python submodules": submodules,
        "python MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "node MiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the largest process of one fresh run of `args`."""
    wall, rss = run([sys.executable, "-c", WRAPPER, *args], env).split()
    return float(wall), int(rss) / 1024


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Measurements:
    splits: dict[str, list[dict]]  # mode -> the child's numbers, per run
    mains: dict[str, list[tuple[float, float]]]  # mode -> (wall s, peak RSS MiB) of main.py, per run
    nodes: dict[str, list[dict]]  # mode -> lazy_require.js's reports
    standard: list[tuple[float, float]]  # the standard provider import, per run
    same: bool  # the two modes wrote the same bytes
    files: int
    counts: dict[str, tuple[int, int]]  # stack -> (resources, data sources)
    load_before: float
    load_after: float


def measure_all() -> Measurements:
    """Every cell of the benchmark, RUNS fresh processes each, the two modes interleaved."""
    from constructs_luneo.support.runtime import PRELOAD, quiet_jsii

    quiet_jsii()
    base = {k: v for k, v in os.environ.items() if k not in ("LUNEO_EAGER_PROVIDER", "LUNEO_LAZY_REQUIRE_REPORT")}
    base["NODE_OPTIONS"] = base.get("NODE_OPTIONS", "").replace(f'--require "{PRELOAD}"', "").strip()
    if not base["NODE_OPTIONS"]:
        del base["NODE_OPTIONS"]
    load_before = os.getloadavg()
    splits: dict[str, list[dict]] = {mode: [] for mode in MODES}
    mains: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
    nodes: dict[str, list[dict]] = {mode: [] for mode in MODES}
    standard: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(RUNS):
            standard.append(measure([sys.executable, "-c", "import cdktf_cdktf_provider_aws"], base))
            for mode, mode_env in MODES.items():
                report = Path(tmp) / f"{mode}-{i}.jsonl"
                env = {**base, **mode_env, "LUNEO_LAZY_REQUIRE_REPORT": str(report)}
                splits[mode].append(
                    json.loads(
                        run(
                            [sys.executable, "-m", "luneo_ops", "bench", "--split", str(Path(tmp) / f"split-{mode}")],
                            env,
                        )
                    )
                )
                nodes[mode] += [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
                env["CDKTF_OUTDIR"] = str(Path(tmp) / f"main-{mode}")
                mains[mode].append(measure([sys.executable, "main.py"], env))
        outputs = {mode: tree(Path(tmp) / f"main-{mode}") for mode in MODES}
        manifest = json.loads(outputs["lazy"]["manifest.json"])
        counts = {}
        for stack, info in manifest["stacks"].items():
            data = json.loads(outputs["lazy"][info["synthesizedStackPath"]])
            counts[stack] = (
                sum(len(v) for v in data.get("resource", {}).values()),
                sum(len(v) for v in data.get("data", {}).values()),
            )
    load_after = os.getloadavg()
    return Measurements(
        splits,
        mains,
        nodes,
        standard,
        outputs["eager"] == outputs["lazy"],
        len(outputs["lazy"]),
        counts,
        load_before[0],
        load_after[0],
    )


def med(values: Any) -> float:
    return statistics.median(values)


def report(m: Measurements) -> list[str]:
    """The benchmark as `make bench` prints it."""
    splits, mains, nodes, standard = m.splits, m.mains, m.nodes, m.standard
    out: list[str] = []
    out.append(
        f"luneo-infra synth benchmark: median of {RUNS} fresh processes per cell (LUNEO_BENCH_RUNS); "
        f"{os.cpu_count()} CPUs, load average {m.load_before:.1f} before, {m.load_after:.1f} after"
    )
    out.append(f"\n{'':<44}{'eager':>10}{'lazy':>10}{'lazy/eager':>12}")
    rows = [
        ("import: cdktf, provider, constructs (s)", "import"),
        ("build: every stack (s)", "build"),
        ("synth (s)", "synth"),
        ("jsii kernel requests", "requests"),
        ("peak RSS, Python (MiB)", "python MiB"),
        ("peak RSS, Node.js kernel (MiB)", "node MiB"),
    ]
    out.append("in one synth process")
    for label, key in rows:
        eager, lazy = (med(s[key] for s in splits[mode]) for mode in MODES)
        fmt = ".0f" if key in ("requests", "python MiB", "node MiB") else ".2f"
        out.append(f"  {label:<42}{eager:>10{fmt}}{lazy:>10{fmt}}{lazy / eager:>11.2f}x")
    loaded = {mode: med(s["python submodules"] for s in splits[mode]) for mode in MODES}
    out.append(f"  {'provider submodules imported, Python':<42}{loaded['eager']:>10.0f}{loaded['lazy']:>10.0f}")
    node_loaded = {
        mode: [n["loaded"] if n["mode"] == "lazy" else n["submodules"] for n in nodes[mode]] for mode in MODES
    }
    lazy_required = f"{med(node_loaded['lazy']):.0f}" if node_loaded["lazy"] else "all"
    out.append(f"  {'provider submodules required, Node.js':<42}{'all':>10}{lazy_required:>10}")
    kinds: collections.Counter[str] = collections.Counter()
    for s in splits["lazy"]:
        kinds.update(s["by kind"])
    out.append("  requests by kind (lazy, per run): " + ", ".join(f"{k} {v // RUNS}" for k, v in kinds.most_common()))
    out.append("main.py end to end, fresh process")
    eager_wall, lazy_wall = (med(w for w, _ in mains[mode]) for mode in MODES)
    eager_rss, lazy_rss = (med(r for _, r in mains[mode]) for mode in MODES)
    out.append(f"  {'wall (s)':<42}{eager_wall:>10.2f}{lazy_wall:>10.2f}{lazy_wall / eager_wall:>11.2f}x")
    out.append(
        f"  {'peak RSS, largest process (MiB)':<42}{eager_rss:>10.0f}{lazy_rss:>10.0f}{lazy_rss / eager_rss:>11.2f}x"
    )
    same = m.same
    out.append(f"  output: {'byte-identical' if same else 'DIFFERENT'} ({m.files} files, manifest included)")
    standard_wall, standard_rss = med(w for w, _ in standard), med(r for _, r in standard)
    out.append(
        f"\nstandard `import cdktf_cdktf_provider_aws` (eager, no hook, no NODE_OPTIONS): "
        f"{standard_wall:.2f} s, {standard_rss:.0f} MiB"
    )
    out.append(
        f"lazy main.py / standard import: {lazy_wall:.2f} / {standard_wall:.2f} = "
        f"{lazy_wall / standard_wall:.2f}x (issue 12 asks for at most 0.40x)"
    )
    out.append(f"\n{'stack':<26}{'resources':>9}{'data sources':>14}")
    for stack, (resources, data) in m.counts.items():
        out.append(f"{stack:<26}{resources:>9}{data:>14}")
    return out
