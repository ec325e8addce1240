"""Where things are: the repository's root (computed here, once), its folders, and the one loader
of synthesized stacks (`cdktf.out/manifest.json` -> each stack's `cdk.tf.json`). Standard library
only."""

from __future__ import annotations

import json
from pathlib import Path

from constructs_luneo.support.errors import LuneoError
from constructs_luneo.support.synthesized import SynthesizedStack

ROOT = Path(__file__).resolve().parent.parent
OUTDIR = ROOT / "cdktf.out"
BUILD = ROOT / ".build"
ENVIRONMENTS = ROOT / "environments"
BOOTSTRAP_TFVARS = ROOT / "bootstrap.tfvars"
MIGRATIONS = ROOT / "migrations"
PRICING = ROOT / "pricing"
IAM = ROOT / "iam"
DOCS = ROOT / "docs"
MAIN = ROOT / "main.py"
#: The provider lock file (hashes of hashicorp/aws), committed; main.py copies it into every stack.
PROVIDER_LOCK = ROOT / ".terraform.lock.hcl"
FIXTURES = ROOT / "tests" / "fixtures"


class MissingStack(LuneoError):
    """A stack that is not synthesized: one line saying which stacks there are and what to run."""


def relative(path: Path | str) -> str:
    """`path` relative to the repository when it is inside it (for messages)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def manifest(outdir: Path = OUTDIR) -> dict[str, Path]:
    """Stack name -> its cdk.tf.json, from the synth's manifest."""
    path = outdir / "manifest.json"
    if not path.exists():
        raise MissingStack(f"{relative(path)} is missing: run `make synth` first")
    stacks = json.loads(path.read_text()).get("stacks", {})
    return {name: outdir / info["synthesizedStackPath"] for name, info in stacks.items()}


def stack_documents(outdir: Path = OUTDIR) -> dict[str, dict]:
    """Stack name -> parsed cdk.tf.json, every stack of the manifest (luneo-bootstrap included)."""
    return {name: json.loads(path.read_text()) for name, path in manifest(outdir).items()}


def load_stacks(outdir: Path = OUTDIR) -> dict[str, SynthesizedStack]:
    return {name: SynthesizedStack(document, name) for name, document in stack_documents(outdir).items()}


def load_stack(name: str, outdir: Path = OUTDIR) -> SynthesizedStack:
    """One synthesized stack; an unknown name is one line naming the stacks there are."""
    stacks = manifest(outdir)
    if name not in stacks or not stacks[name].exists():
        raise MissingStack(
            f"no synthesized stack {name!r} in {relative(outdir)} (stacks: "
            f"{', '.join(sorted(stacks)) or 'none'}): run `make synth` first"
        )
    return SynthesizedStack(json.loads(stacks[name].read_text()), name)
