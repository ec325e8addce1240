"""The committed provider lock file (`.terraform.lock.hcl`): the hashes of the AWS provider every
`terraform init` of every stack verifies (main.py copies it next to each stack; init runs with
`-lockfile=readonly`). `make provider-lock` rewrites it: from the machine's filesystem mirror (the
platforms the mirror holds), or, with PLATFORMS and registry access, for those platforms."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from ..paths import PROVIDER_LOCK
from .cli import Result, find_plugin_dir, run


def lock(version: str, platforms: list[str]) -> Result:
    """Run `terraform providers lock` for hashicorp/aws `version` and copy the result over the committed file."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = {"terraform": {"required_providers": {"aws": {"source": "aws", "version": version}}}}
        (workdir / "main.tf.json").write_text(json.dumps(config))
        args = ["providers", "lock", "-no-color", *[f"-platform={p}" for p in platforms]]
        mirror = find_plugin_dir(version)
        if mirror is not None:
            args.append(f"-fs-mirror={mirror}")
        result = run(args, workdir)
        if result.ok:
            shutil.copyfile(workdir / ".terraform.lock.hcl", PROVIDER_LOCK)
        return result
