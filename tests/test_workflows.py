"""The GitHub Actions workflows: actionlint-clean, and wired to the repo's pins and stacks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    if not ACTIONLINT.exists():
        pytest.fail(f"{ACTIONLINT} is missing: `make setup` installs it (Pipfile dev-packages)", pytrace=False)
    return subprocess.run([str(ACTIONLINT), "-no-color", *map(str, paths)], capture_output=True, text=True, timeout=120)


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_workflows_pass_actionlint():
    result = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = actionlint(bad)
    assert result.returncode != 0 and 'property "nope" is not defined' in result.stdout


def test_plan_runs_make_test_then_a_diff_per_stack(stacks):
    plan = load("infra-plan.yml")
    assert any(step.get("run") == "make test" for step in plan["jobs"]["test"]["steps"])
    diff = plan["jobs"]["diff"]
    assert diff["needs"] == "test"
    assert sorted(diff["strategy"]["matrix"]["stack"]) == sorted(stacks)
    assert "${{ matrix.stack }}" in diff["concurrency"]["group"]
    assert diff["permissions"]["id-token"] == "write" and diff["permissions"]["pull-requests"] == "write"
    text = (WORKFLOWS / "infra-plan.yml").read_text()
    assert "role-to-assume: ${{ vars.AWS_ROLE_ARN }}" in text
    assert "cdktf diff" in text and "make diff BASE=" in text, "credentials: cdktf diff; forks: the offline diff"
    assert "<!-- luneo-plan:" in text, "one comment per stack, updated"


def test_apply_goes_through_environments_with_a_lock_timeout():
    apply = load("infra-apply.yml")
    job = apply["jobs"]["apply"]
    assert "'production'" in job["environment"] and "'staging'" in job["environment"]
    assert job["concurrency"]["cancel-in-progress"] is False
    assert re.search(r"-lock-timeout=\d+m", job["env"]["TF_CLI_ARGS_apply"])
    assert any("cdktf deploy" in step.get("run", "") for step in job["steps"])
    assert sorted(apply[True]["push"]["branches"]) == ["main", "staging"]  # yaml reads `on:` as True


def test_workflows_use_the_repos_pins():
    pipfile_python = re.search(r'python_version = "([\d.]+)"', (ROOT / "Pipfile").read_text()).group(1)
    for workflow in WORKFLOWS.glob("*.yml"):
        text = workflow.read_text()
        assert f'python-version: "{pipfile_python}"' in text
        assert "node-version-file: .nvmrc" in text
        assert "cat .terraform-version" in text
    assert re.fullmatch(r"1\.1[1-9]\.\d+\n", (ROOT / ".terraform-version").read_text())
    terraform = shutil.which("terraform")
    if terraform:  # the machine's Terraform must satisfy the stacks' required_version (>= 1.11)
        version = subprocess.run([terraform, "version"], capture_output=True, text=True).stdout
        assert re.search(r"Terraform v1\.(1[1-9]|[2-9]\d)\.", version), version
