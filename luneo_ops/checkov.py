"""Checkov's AWS checks on every synthesized stack; exit 1 on any failed check.

Checkov runs from its own virtual environment (`.venv-checkov`, made by `make checkov-setup` from
`requirements-checkov.txt`): its dependency bc-python-hcl2 installs the same `hcl2` module as
python-hcl2 and would break ours. Each stack is scanned as Terraform JSON without its `terraform`,
`import`, `moved` and `removed` blocks (they hold nothing to check, and checkov's JSON parser
rejects them).
Skipped checks, each with a one-line justification, are in `.checkov.yaml`.

Usage: python -m luneo_ops checkov [CDKTF_OUT]
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from constructs_luneo.support.synthesized import SynthesizedStack

from .paths import BUILD, ROOT, manifest

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


#: What a Global Datastore secondary takes from its primary (ElastiCache: "the secondary cluster
#: inherits" them; the provider refuses them on a secondary, rule LUNEO-AWS-12).
INHERITED_BY_SECONDARY = ("at_rest_encryption_enabled", "transit_encryption_enabled", "transit_encryption_mode")


#: Checks waived for one resource, each with its reason (.checkov.yaml's skip-check waives a check
#: everywhere): (check id, resource address) -> why.
WAIVED = {
    ("CKV_AWS_144", "aws_s3_bucket.plans_bucket"): "a saved plan waits hours for its approval and expires in 30 "
    "days; during an outage of its region the merge is planned again (docs/SECURITY.md)",
}


def waive(report: dict) -> dict:
    """The report with WAIVED checks moved from failed to skipped (their reason in the check's record)."""
    results, summary = report["results"], report["summary"]
    kept = []
    for check in results["failed_checks"]:
        reason = WAIVED.get((check["check_id"], check["resource"]))
        if reason is None:
            kept.append(check)
        else:
            results.setdefault("skipped_checks", []).append({**check, "suppress_comment": reason})
    summary["skipped"] += len(results["failed_checks"]) - len(kept)
    summary["failed"] = len(kept)
    results["failed_checks"] = kept
    return report


def with_inherited_settings(data: dict) -> dict:
    """Each Global Datastore secondary as AWS runs it: with its primary's encryption settings, so that
    checkov checks what the secondary gets (and fails it when the primary would fail) rather than the
    arguments the provider forbids it to state."""
    stack = SynthesizedStack(data)
    for _, _, group in stack.each("aws_elasticache_replication_group"):
        datastore = stack.body(
            stack.referenced(group.get("global_replication_group_id"), "aws_elasticache_global_replication_group")
        )
        if datastore is None:
            continue
        primary = stack.body(
            stack.referenced(datastore.get("primary_replication_group_id"), "aws_elasticache_replication_group")
        )
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
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "terraform_json",
            "--config-file",
            str(ROOT / ".checkov.yaml"),
            "--skip-download",
            "--output",
            "json",
            "--compact",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "LOG_LEVEL": "ERROR", "BC_SKIP_MAPPING": "TRUE"},
    )
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
    return {name: waive(scan(prepare(path, BUILD / "checkov" / name))) for name, path in manifest(outdir).items()}
