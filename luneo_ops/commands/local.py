"""`python -m luneo_ops local [STACK]` (make local): the whole path, for real, on a local AWS (moto's
server on a free loopback port): luneo-bootstrap and an environment (default luneo-staging) applied
from their synthesized JSON, each planned again with no change but moto's documented gaps, and the
state and lock table checked (luneo_ops/local_aws/session.py: the DR drill's set-up is the same)."""

from __future__ import annotations

import shutil
import sys
import time

from ..local_aws.session import RehearsalFailed, Session, lines
from ..paths import BUILD, OUTDIR, relative

WORK = BUILD / "local"


def local(argv: list[str]) -> int:
    stack_name = argv[0] if argv else "luneo-staging"
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    started = time.monotonic()

    def log(line: str) -> None:
        print(line, flush=True)

    try:
        with Session(OUTDIR, stack_name, WORK, log=log) as session:
            log(f"   local AWS on {session.url}; its log: {relative(WORK / 'moto.log')}")
            try:
                session.apply_bootstrap()
                session.apply_stack()
                session.check_backend()
            finally:
                for line in lines(session.steps):
                    print(line)
            planned_only = session.planned_only()
    except RehearsalFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"done in {time.monotonic() - started:.0f} s; planned but not applied on moto "
        "(docs/OPERATIONS.md, 'Running it all on a local AWS'):"
    )
    for address, reason in sorted(planned_only.items()):
        print(f"   {address}: {reason}")
    return 0
