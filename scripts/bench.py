"""`make bench`: what synthesis costs, measured in fresh processes, printed side by side.

- import: `import cdktf_cdktf_provider_aws` alone (the ~2,100 submodules of the prebuilt bindings);
- config: parsing and validating every environment file;
- synth: `python main.py` end to end (config + import + build + synth of every stack);
- peak RSS of each process (jsii's Node.js child included in the synth row), and resources per stack.
Each row is the median of RUNS runs (env LUNEO_BENCH_RUNS, default 3).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("LUNEO_BENCH_RUNS", "3"))


# Runs a command and reports the peak RSS of its largest descendant (jsii's Node.js child included).
WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

# In one process: the import, building the constructs and writing the JSON, timed separately.
SPLIT = """
import json, sys, time
t0 = time.perf_counter()
import cdktf_cdktf_provider_aws
t1 = time.perf_counter()
from constructs_luneo.config import load_environments
from constructs_luneo.stacks import build_app
app = build_app(load_environments("environments"), outdir=sys.argv[1])
t2 = time.perf_counter()
app.synth()
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "synth": t3 - t2}))
"""


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the largest process of one fresh run of `args`."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - start, int(out.split()[-1]) / 1024


def main() -> int:
    from constructs_luneo.runtime import quiet_jsii

    quiet_jsii()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        outdir = Path(tmp) / "cdktf.out"
        env["CDKTF_OUTDIR"] = str(outdir)
        cases = {
            "import provider only": [sys.executable, "-c", "import cdktf_cdktf_provider_aws"],
            "load + check config": [sys.executable, "-m", "constructs_luneo.config"],
            "main.py (all stacks)": [sys.executable, "main.py"],
        }
        results = {}
        for name, args in cases.items():
            runs = [measure(args, env) for _ in range(RUNS)]
            results[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
        splits = [json.loads(subprocess.run([sys.executable, "-c", SPLIT, str(Path(tmp) / "split")], cwd=ROOT,
                                            env=env, check=True, capture_output=True, text=True).stdout)
                  for _ in range(RUNS)]
        manifest = json.loads((outdir / "manifest.json").read_text())
        counts = {}
        for stack, info in manifest["stacks"].items():
            data = json.loads((outdir / info["synthesizedStackPath"]).read_text())
            counts[stack] = (sum(len(v) for v in data.get("resource", {}).values()),
                             sum(len(v) for v in data.get("data", {}).values()))

    print(f"luneo-infra synth benchmark: median of {RUNS} fresh processes each (LUNEO_BENCH_RUNS)")
    print(f"{'fresh process':<26}{'seconds':>9}{'peak RSS MiB':>14}")
    for name, (wall, rss) in results.items():
        print(f"{name:<26}{wall:>9.2f}{rss:>14.0f}")
    print()
    print(f"{'inside one synth process':<26}{'seconds':>9}")
    for step in ("import", "build", "synth"):
        print(f"{step:<26}{statistics.median(s[step] for s in splits):>9.2f}")
    print()
    print(f"{'stack':<26}{'resources':>9}{'data sources':>14}")
    for stack, (resources, data) in counts.items():
        print(f"{stack:<26}{resources:>9}{data:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
