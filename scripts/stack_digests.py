"""`make digests [BASE=<rev>]`: SHA-256 of every synthesized stack, to prove a refactor changes no byte.

Synthesizes the environments (environments/*.tfvars + bootstrap.tfvars, as `make synth` does) and
the disaster-recovery fixture (tests/fixtures/dr.tfvars: the Aurora Global path), through main.py in
fresh processes, and prints one line per file: `<sha256>  <stack>/cdk.tf.json` (manifest included).
With a BASE revision, the same is done for BASE in a temporary git worktree, both lists are printed
side by side, and the exit code is 1 when any file differs.

Usage: python -m scripts.stack_digests [BASE]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _synth(source: Path, outdir: Path, environments: Path) -> None:
    env = dict(os.environ, CDKTF_OUTDIR=str(outdir), LUNEO_ENVIRONMENTS_DIR=str(environments),
               LUNEO_BOOTSTRAP_FILE=str(source / "bootstrap.tfvars"), LUNEO_MIGRATIONS_DIR=str(source / "migrations"))
    done = subprocess.run([sys.executable, str(source / "main.py")], cwd=source, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: synthesizing {source} ({environments.name}) failed:\n{done.stderr.strip()}")


def digests(source: Path, work: Path) -> dict[str, str]:
    """`<set>/<file>` -> sha256 for the environments and the dr fixture of one source tree."""
    fixture_dir = work / "dr-environments"
    fixture_dir.mkdir(parents=True)
    shutil.copyfile(source / "tests" / "fixtures" / "dr.tfvars", fixture_dir / "dr.tfvars")
    sets = {"environments": source / "environments", "dr-fixture": fixture_dir}
    found: dict[str, str] = {}
    for name, environments in sets.items():  # one at a time: each synth already keeps two cores busy
        outdir = work / f"{name}.out"
        _synth(source, outdir, environments)
        for path in sorted(outdir.rglob("*.json")):
            found[f"{name}/{path.relative_to(outdir)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def main(argv: list[str]) -> int:
    base = argv[0] if argv else None
    with tempfile.TemporaryDirectory(prefix="luneo-digests-") as tmp:
        tmp_path = Path(tmp)
        trees = {"working tree": ROOT}
        if base:
            worktree = tmp_path / "base"
            added = subprocess.run(["git", "worktree", "add", "--detach", str(worktree), base], cwd=ROOT,
                                   capture_output=True, text=True)
            if added.returncode != 0:
                print(f"error: cannot check out {base}: {added.stderr.strip()}", file=sys.stderr)
                return 2
            trees = {base: worktree, **trees}
        try:
            with ThreadPoolExecutor(max_workers=len(trees)) as pool:
                results = dict(zip(trees, pool.map(lambda item: digests(item[1], tmp_path / item[0].replace("/", "_")),
                                                    trees.items())))
        finally:
            if base:
                subprocess.run(["git", "worktree", "remove", "--force", str(tmp_path / "base")], cwd=ROOT,
                               capture_output=True)
    head = results["working tree"]
    if not base:
        for name, digest in head.items():
            print(f"{digest}  {name}")
        return 0
    before = results[base]
    differ = 0
    for name in sorted(set(before) | set(head)):
        same = before.get(name) == head.get(name)
        differ += not same
        print(f"{'same' if same else 'DIFF'}  {name}  {before.get(name, '-')[:16]}  {head.get(name, '-')[:16]}")
    print(f"{len(head)} files, {differ} differ from {base}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
