"""Rewrite tests/addresses/<stack>.txt from a fresh synth (`make pin-addresses`). Review the diff:
a removed address is a resource Terraform will destroy unless a `moved` block maps it."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import json

    from constructs_luneo.config import load_bootstrap, load_environments
    from constructs_luneo.support.runtime import lazy_provider, quiet_jsii

    quiet_jsii()
    lazy_provider()
    from constructs_luneo.stacks import build_app
    from tests.helpers import addresses

    with tempfile.TemporaryDirectory() as outdir:
        configs = load_environments(ROOT / "environments")
        build_app(configs, outdir=outdir, bootstrap=load_bootstrap(ROOT / "bootstrap.tfvars", configs)).synth()
        manifest = json.loads((Path(outdir) / "manifest.json").read_text())
        for name, info in manifest["stacks"].items():
            stack = json.loads((Path(outdir) / info["synthesizedStackPath"]).read_text())
            target = ROOT / "tests" / "addresses" / f"{name}.txt"
            target.write_text("\n".join(addresses(stack)) + "\n")
            print(f"{target.relative_to(ROOT)}: {len(addresses(stack))} addresses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
