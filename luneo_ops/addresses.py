"""Each stack's Terraform addresses, pinned in tests/addresses/<stack>.txt (`make pin-addresses`
rewrites them from a fresh synth; review the diff: a removed address is a resource Terraform will
destroy unless a `moved` block maps it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from constructs_luneo.support.synthesized import SynthesizedStack

from .paths import ROOT, load_stacks
from .synth import synthesize

PINS = ROOT / "tests" / "addresses"


def addresses(stack: SynthesizedStack) -> list[str]:
    """Every Terraform address a stack defines (resources and data sources), sorted."""
    return sorted(stack.addresses())


def pin() -> list[str]:
    """Rewrite every stack's pins from a fresh synth; one line per file written."""
    with tempfile.TemporaryDirectory() as outdir:
        ok, stderr = synthesize(Path(outdir))
        if not ok:
            raise RuntimeError(f"synth failed:\n{stderr}")
        said = []
        for name, stack in load_stacks(Path(outdir)).items():
            target = PINS / f"{name}.txt"
            found = addresses(stack)
            target.write_text("\n".join(found) + "\n")
            said.append(f"{target.relative_to(ROOT)}: {len(found)} addresses")
    return said
