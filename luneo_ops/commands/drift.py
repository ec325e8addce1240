"""`python -m luneo_ops drift STACK [CDKTF_OUT] [--report FILE] [--backend-config K=V ...]` (make drift):
a refresh-only plan of one synthesized stack with the caller's credentials (the plan role's are
enough), and what drifted. Exit 0 clean, 2 drift, 1 error (one line)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from ..paths import OUTDIR, load_stack


def drift(argv: list[str]) -> int:
    from constructs_luneo.support.errors import LuneoError

    from .. import drift as library
    from ..terraform import cli

    parser = argparse.ArgumentParser(prog="python -m luneo_ops drift", description=__doc__)
    parser.add_argument("stack")
    parser.add_argument("outdir", nargs="?", type=Path, default=OUTDIR)
    parser.add_argument("--report", type=Path, help="also write the report to this file")
    parser.add_argument("--backend-config", action="append", default=[], help="extra -backend-config (repeatable)")
    args = parser.parse_args(argv)
    try:
        stack = load_stack(args.stack, args.outdir)
        backend = stack.backend.get("s3")
        if not backend:
            raise library.DriftError(f"{args.stack} has no S3 backend: drift reads a shared state")
        holder = library.held_lock(_lock_reader(backend), f"{backend['bucket']}/{backend['key']}")
        if holder:
            raise library.DriftError(f"the state's lock is held by {holder}: an apply is running; try again later")
        workdir = args.outdir / "stacks" / args.stack
        flags = [f"-backend-config={c}" for c in args.backend_config]
        init = cli.run(
            [*cli.init_args(cli.provider_version(stack.document), backend=True, workdir=workdir), *flags], workdir
        )
        if not init.ok:
            raise library.DriftError(library.classify(init.output))
        found = library.refresh_only(workdir, None)
    except (library.DriftError, LuneoError) as exc:  # exit 2 means drift: every error is 1
        print(f"error: drift of {args.stack}: {exc}", file=sys.stderr)
        return 1
    text = library.report(args.stack, found)
    print(text, end="")
    if args.report:
        args.report.write_text(text)
    return 2 if found else 0


def _lock_reader(backend: dict) -> Callable[[str], dict | None]:
    """GetItem on the lock table with the caller's credentials (the plan role may read its own lock
    items), at the endpoint the environment names if any."""
    import os

    import boto3

    from ..drift import lock_reader

    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    return lock_reader(
        lambda: boto3.client("dynamodb", region_name=backend.get("region"), endpoint_url=endpoint),
        backend["dynamodb_table"],
    )
