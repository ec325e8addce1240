"""`python -m luneo_ops checkov [CDKTF_OUT]` (make checkov): checkov's AWS checks on every synthesized
stack; exit 1 on any failed check."""

from __future__ import annotations

from pathlib import Path

from ..paths import OUTDIR


def checkov(argv: list[str]) -> int:
    from ..checkov import run

    failed = 0
    for name, report in run(Path(argv[0]) if argv else OUTDIR).items():
        summary = report["summary"]
        print(
            f"{name}: checkov {summary['checkov_version']}: {summary['passed']} passed, {summary['failed']} failed, "
            f"{summary['skipped']} skipped, {summary['parsing_errors']} parsing errors"
        )
        for check in report["results"]["failed_checks"]:
            print(f"  FAILED {check['check_id']} {check['resource']}: {check['check_name']}")
        failed += summary["failed"] + summary["parsing_errors"]
    return 1 if failed else 0
