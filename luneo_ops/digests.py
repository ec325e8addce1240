"""`make digests [BASE=<rev>]`: SHA-256 of every synthesized stack, to prove a refactor changes no byte.

Synthesizes the environments (environments/*.tfvars + bootstrap.tfvars, as `make synth` does) and
the disaster-recovery fixture (tests/fixtures/dr.tfvars: the Aurora Global path), through main.py in
fresh processes: `<set>/<file>` -> digest (manifest included). With a BASE revision, the same for
BASE in a temporary git worktree, side by side.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from constructs_luneo.support.errors import LuneoError

from .paths import ROOT
from .synth import synthesize, worktree


class SynthFailed(LuneoError):
    pass


def digests(source: Path, work: Path) -> dict[str, str]:
    """`<set>/<file>` -> sha256 for the environments and the dr fixture of one source tree."""
    fixture_dir = work / "dr-environments"
    fixture_dir.mkdir(parents=True)
    shutil.copyfile(source / "tests" / "fixtures" / "dr.tfvars", fixture_dir / "dr.tfvars")
    sets = {"environments": source / "environments", "dr-fixture": fixture_dir}
    found: dict[str, str] = {}
    for name, environments in sets.items():  # one at a time: each synth already keeps two cores busy
        outdir = work / f"{name}.out"
        ok, stderr = synthesize(outdir, source=source, environments=environments)
        if not ok:
            raise SynthFailed(f"synthesizing {source} ({environments.name}) failed:\n{stderr.strip()}")
        for path in sorted(outdir.rglob("*.json")):
            found[f"{name}/{path.relative_to(outdir)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def compare(base: str | None) -> dict[str, dict[str, str]]:
    """Tree label ("working tree", and `base` when given) -> its digests."""
    with tempfile.TemporaryDirectory(prefix="luneo-digests-") as tmp:
        tmp_path = Path(tmp)
        if base is None:
            return {"working tree": digests(ROOT, tmp_path / "head")}
        with worktree(base, tmp_path / "base") as base_tree, ThreadPoolExecutor(max_workers=2) as pool:
            jobs = {
                base: pool.submit(digests, base_tree, tmp_path / "base-work"),
                "working tree": pool.submit(digests, ROOT, tmp_path / "head"),
            }
            return {label: job.result() for label, job in jobs.items()}
