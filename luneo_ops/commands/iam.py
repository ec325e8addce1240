"""`python -m luneo_ops iam-policy [CDKTF_OUT] [--check]` (make iam-policy): the Terraform role's
policies, generated from the synthesized stacks into iam/ (docs/IAM_POLICIES.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..iam.policy import outputs, stale, write
from ..paths import OUTDIR, stack_documents


def iam_policy(argv: list[str]) -> int:
    args = [a for a in argv if a != "--check"]
    try:
        files = outputs(stack_documents(Path(args[0]) if args else OUTDIR))
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    if "--check" in argv:
        if stale(files):
            print("error: iam/terraform-execution-policy-*.json is stale: run `make iam-policy`", file=sys.stderr)
            return 1
        return 0
    for line in write(files):
        print(line)
    return 0
