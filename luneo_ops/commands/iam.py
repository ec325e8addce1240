"""`python -m luneo_ops iam-policy [CDKTF_OUT] [--check]` (make iam-policy): the delivery roles'
policies and the workload boundaries, generated from the synthesized stacks into iam/<stack>/
(docs/IAM_POLICIES.md, docs/SECURITY.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..iam.policy import outputs, stale, write
from ..paths import BOOTSTRAP_TFVARS, ENVIRONMENTS, OUTDIR, load_stacks


def delivery_files(outdir: Path) -> dict[Path, str]:
    from constructs_luneo.config import load_bootstrap, load_environments

    configs = load_environments(ENVIRONMENTS)
    bootstrap = load_bootstrap(BOOTSTRAP_TFVARS, configs)
    assert bootstrap.delivery is not None
    return outputs(load_stacks(outdir), bootstrap.delivery, bootstrap.replica_region)


def iam_policy(argv: list[str]) -> int:
    args = [a for a in argv if a != "--check"]
    try:
        files = delivery_files(Path(args[0]) if args else OUTDIR)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    if "--check" in argv:
        if stale(files):
            print("error: iam/ is stale: run `make iam-policy`", file=sys.stderr)
            return 1
        return 0
    for line in write(files):
        print(line)
    return 0
