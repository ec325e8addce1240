"""Checkov's AWS checks on every synthesized stack; exit 1 on any failed check.

Checkov runs from its own virtual environment (`.venv-checkov`, made by `make checkov-setup` from
`requirements-checkov.txt`): its dependency bc-python-hcl2 installs the same `hcl2` module as
python-hcl2 and would break ours. Each stack is scanned as Terraform JSON without its `terraform`,
`import`, `moved` and `removed` blocks (they hold nothing to check, and checkov's JSON parser
rejects them).
Skipped checks, each with a one-line justification, are in `.checkov.yaml`.

Usage: python -m scripts.checkov_stacks [CDKTF_OUT]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


#: What a Global Datastore secondary takes from its primary (ElastiCache: "the secondary cluster
#: inherits" them; the provider refuses them on a secondary, rule LUNEO-AWS-12).
INHERITED_BY_SECONDARY = ("at_rest_encryption_enabled", "transit_encryption_enabled", "transit_encryption_mode")


def with_inherited_settings(data: dict) -> dict:
    """Each Global Datastore secondary as AWS runs it: with its primary's encryption settings, so that
    checkov checks what the secondary gets (and fails it when the primary would fail) rather than the
    arguments the provider forbids it to state."""
    resources = data.get("resource", {})
    groups = resources.get("aws_elasticache_replication_group", {})
    datastores = resources.get("aws_elasticache_global_replication_group", {})
    for group in groups.values():
        reference = str(group.get("global_replication_group_id", ""))
        datastore = next((d for name, d in datastores.items() if f"aws_elasticache_global_replication_group.{name}."
                          in reference), None)
        if datastore is None:
            continue
        primary = next((g for name, g in groups.items() if f"aws_elasticache_replication_group.{name}."
                        in str(datastore.get("primary_replication_group_id", ""))), None)
        if primary is not None:
            group.update({k: primary[k] for k in INHERITED_BY_SECONDARY if k in primary})
    return data


def prepare(stack_file: Path, workdir: Path) -> Path:
    data = with_inherited_settings(json.loads(stack_file.read_text()))
    for block in ("terraform", "import", "moved", "removed"):  # nothing to check; checkov's parser rejects them
        data.pop(block, None)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / "main.tf.json").write_text(json.dumps(data, indent=1))
    return workdir


def scan(directory: Path) -> dict:
    proc = subprocess.run(
        [str(CHECKOV), "--directory", str(directory), "--framework", "terraform_json", "--config-file",
         str(ROOT / ".checkov.yaml"), "--skip-download", "--output", "json", "--compact", "--quiet"],
        capture_output=True, text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                                                          "LOG_LEVEL": "ERROR", "BC_SKIP_MAPPING": "TRUE"})
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"checkov produced no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    reports = report if isinstance(report, list) else [report]
    if not reports or "summary" not in reports[0]:
        raise RuntimeError(f"checkov scanned nothing in {directory}: {proc.stdout[:500]}")
    return reports[0]


def run(outdir: Path) -> dict[str, dict]:
    if not CHECKOV.exists():
        raise FileNotFoundError(f"{CHECKOV} is missing: run `make checkov-setup` (make test does)")
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {name: scan(prepare(outdir / info["synthesizedStackPath"], ROOT / ".build" / "checkov" / name))
            for name, info in manifest["stacks"].items()}


def main(argv: list[str]) -> int:
    outdir = Path(argv[0]) if argv else ROOT / "cdktf.out"
    failed = 0
    for name, report in run(outdir).items():
        summary = report["summary"]
        print(f"{name}: checkov {summary['checkov_version']}: {summary['passed']} passed, {summary['failed']} failed, "
              f"{summary['skipped']} skipped, {summary['parsing_errors']} parsing errors")
        for check in report["results"]["failed_checks"]:
            print(f"  FAILED {check['check_id']} {check['resource']}: {check['check_name']}")
        failed += summary["failed"] + summary["parsing_errors"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
