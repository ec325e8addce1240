"""Synthesizing a source tree in a fresh process (main.py), as `make synth` does: the tools that
compare two revisions (`make diff`, `make digests`) or synthesize a variant (the DR drill's failover
switches) all go through here."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from constructs_luneo.support.errors import LuneoError

from .paths import ROOT


def environment(source: Path, outdir: Path, environments: Path | None = None) -> dict[str, str]:
    """main.py's environment: its output directory and the tree's inputs."""
    return dict(
        os.environ,
        CDKTF_OUTDIR=str(outdir),
        LUNEO_ENVIRONMENTS_DIR=str(environments or source / "environments"),
        LUNEO_BOOTSTRAP_FILE=str(source / "bootstrap.tfvars"),
        LUNEO_MIGRATIONS_DIR=str(source / "migrations"),
    )


def start(outdir: Path, *, source: Path = ROOT, environments: Path | None = None) -> subprocess.Popen[str]:
    """main.py of `source` into `outdir`, in the background (stdout and stderr piped)."""
    return subprocess.Popen(
        [sys.executable, str(source / "main.py")],
        cwd=source,
        env=environment(source, outdir, environments),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def synthesize(outdir: Path, *, source: Path = ROOT, environments: Path | None = None) -> tuple[bool, str]:
    """main.py of `source` into `outdir`: (succeeded, its stderr)."""
    job = start(outdir, source=source, environments=environments)
    _, stderr = job.communicate()
    return job.returncode == 0, stderr


def synthesize_with(work: Path, stack: str, lines: str, label: str) -> Path:
    """`stack` synthesized alone with `lines` added to its tfvars (a drill's switches, a restore), into
    `work/<label>.out`: the path of its cdk.tf.json. SynthFailed when main.py refuses them."""
    from .paths import ENVIRONMENTS

    environments = work / f"{label}-environments"
    environments.mkdir(parents=True, exist_ok=True)
    name = stack.removeprefix("luneo-")
    (environments / f"{name}.tfvars").write_text((ENVIRONMENTS / f"{name}.tfvars").read_text() + lines)
    outdir = work / f"{label}.out"
    ok, stderr = synthesize(outdir, environments=environments)
    if not ok:
        raise SynthFailed(f"synth with {' '.join(lines.split())} failed:\n{stderr}")
    return outdir / "stacks" / stack / "cdk.tf.json"


class SynthFailed(LuneoError):
    """main.py refused the tfvars it was given."""


class RevisionMissing(LuneoError):
    """A git revision that cannot be checked out."""


@contextmanager
def worktree(revision: str, where: Path) -> Iterator[Path]:
    """A detached git worktree of `revision` at `where`, removed afterwards."""
    added = subprocess.run(
        ["git", "worktree", "add", "--detach", str(where), revision], cwd=ROOT, capture_output=True, text=True
    )
    if added.returncode != 0:
        raise RevisionMissing(f"cannot check out {revision}: {added.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(where)], cwd=ROOT, capture_output=True)
