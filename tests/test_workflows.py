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


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]


def assumed_roles(job: dict) -> list[str]:
    return [s["with"]["role-to-assume"] for s in steps_using(job, "aws-actions/configure-aws-credentials")]


def test_pull_requests_plan_with_the_plan_role_only_and_post_from_a_job_that_runs_no_pr_code(stacks):
    """Finding 1 of the security review: the pull request's code ran with the apply role and a
    write token. Now: its jobs assume the plan role only and hold no write permission; the comment
    job checks nothing out, runs no command, and edits only a comment the bot wrote."""
    plan = load("infra-plan.yml")
    assert plan["permissions"] == {} and set(plan[True]) == {"pull_request"}  # yaml reads `on:` as True
    jobs = plan["jobs"]
    assert jobs["test"]["permissions"] == {"contents": "read"} and assumed_roles(jobs["test"]) == []
    assert jobs["plan"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert sorted(jobs["plan"]["strategy"]["matrix"]["stack"]) == sorted(stacks)
    assert assumed_roles(jobs["plan"]) == [
        "arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/luneo-ci/${{ steps.delivery.outputs.plan_role }}"
    ]
    text = (WORKFLOWS / "infra-plan.yml").read_text()
    assert "-lock=false" in text and "apply_role" not in text and "terraform apply" not in text
    comment = jobs["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not any("run" in s or s.get("uses", "").startswith("actions/checkout@") for s in comment["steps"])
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    script = steps_using(comment, "actions/github-script")[0]["with"]["script"]
    assert "c.user.login === 'github-actions[bot]'" in script


def test_a_merge_applies_exactly_the_reviewed_plan_through_its_environment():
    """Finding 5: the apply re-planned after the approval. Now the plan job (the plan role) saves the
    plan where only the apply role reads it and shows it grouped by action; the apply job (the apply
    role, only inside the environment's GitHub Environment) checks the commit is still the branch's
    head and the file's SHA-256, guards stateful deletes again, and applies that file. One run per
    environment at a time; no manual trigger from any branch."""
    apply = load("infra-apply.yml")
    assert apply["permissions"] == {} and set(apply[True]) == {"push"}
    assert sorted(apply[True]["push"]["branches"]) == ["main", "staging"]
    assert apply["concurrency"] == {"group": "infra-apply-${{ github.ref_name }}", "cancel-in-progress": False}
    plan_job, apply_job = apply["jobs"]["plan"], apply["jobs"]["apply"]
    assert "environment" not in plan_job and assumed_roles(plan_job) == [
        "arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/luneo-ci/${{ steps.delivery.outputs.plan_role }}"
    ]
    assert apply_job["environment"] == "${{ needs.plan.outputs.github_environment }}"
    assert assumed_roles(apply_job) == [
        "arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/luneo-ci/${{ steps.delivery.outputs.apply_role }}"
    ]
    plan_run = "\n".join(s.get("run", "") for s in plan_job["steps"])
    assert "terraform plan -input=false -no-color -lock=false -out=plan.tfplan" in plan_run
    assert "--sse aws:kms" in plan_run and "plan-summary" in plan_run and "plan-guard" in plan_run
    run = "\n".join(s.get("run", "") for s in apply_job["steps"])
    assert 'gh api "repos/$REPOSITORY/branches/$BRANCH" --jq .commit.sha' in run
    assert 'echo "$EXPECTED_SHA256  plan.tfplan" | sha256sum --check --strict' in run
    assert run.index("plan-guard") < run.index("terraform apply -input=false -no-color -lock-timeout=15m plan.tfplan")
    assert "cdktf deploy" not in run and "-auto-approve" not in run


def test_every_action_is_pinned_to_a_commit_and_no_checkout_keeps_the_token():
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        for line in workflow.read_text().splitlines():
            if "uses:" in line:
                assert re.search(r"uses: [\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), f"{workflow.name}: {line}"
        for job in load(workflow.name)["jobs"].values():
            for step in steps_using(job, "actions/checkout"):
                assert step["with"]["persist-credentials"] is False, workflow.name


def test_the_roles_the_workflows_assume_trust_exactly_these_events(all_stacks):
    """The workflows and the trust policies (luneo-bootstrap) agree: the plan role of each environment
    trusts pull requests and its branch's pushes, the apply role only its GitHub Environment, the
    environment the apply job runs in for that branch (`luneo_ops delivery`)."""
    import json

    from constructs_luneo.support.synthesized import decode_document

    roles = all_stacks["luneo-bootstrap"]["resource"]["aws_iam_role"]
    for stack, branch, github_environment in (
        ("luneo-prod", "main", "production"),
        ("luneo-staging", "staging", "staging"),
    ):
        env = stack.removeprefix("luneo-")
        delivery = subprocess.run(
            [sys.executable, "-m", "luneo_ops", "delivery", "--branch", branch],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"github_environment={github_environment}\n" in delivery and f"stack={stack}\n" in delivery
        subjects = {
            kind: decode_document(roles[f"ci-{env}_{kind}-role"]["assume_role_policy"])["Statement"][0]["Condition"][
                "StringEquals"
            ]["token.actions.githubusercontent.com:sub"]
            for kind in ("plan", "apply")
        }
        assert subjects["plan"] == [
            "repo:luneo/luneo-infra:environment:drift",  # the nightly drift job (drift.yml)
            "repo:luneo/luneo-infra:pull_request",
            f"repo:luneo/luneo-infra:ref:refs/heads/{branch}",
        ]
        assert subjects["apply"] == [f"repo:luneo/luneo-infra:environment:{github_environment}"]
        assert json.dumps(subjects).count("*") == 0


def test_the_nightly_drift_job_reads_with_the_plan_role_and_a_separate_job_keeps_the_issues():
    """Issue 22: drift.yml runs `luneo_ops drift` per stack with the plan role only (in the `drift` GitHub
    Environment, whose token the plan roles trust), and the job that writes issues holds no AWS
    credentials, checks out nothing and runs none of the repository's code."""
    workflow = load("drift.yml")
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"} and workflow["permissions"] == {}  # YAML: on
    drift, issues = workflow["jobs"]["drift"], workflow["jobs"]["issues"]
    assert drift["environment"] == "drift"
    assert drift["permissions"] == {"contents": "read", "id-token": "write"}
    assert drift["strategy"]["matrix"]["stack"] == ["luneo-prod", "luneo-staging"]
    [credentials] = steps_using(drift, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"].endswith("${{ steps.delivery.outputs.plan_role }}")
    run = "\n".join(step.get("run", "") for step in drift["steps"])
    assert "luneo_ops drift" in run and "apply" not in run
    assert issues["permissions"] == {"issues": "write"}
    assert not steps_using(issues, "actions/checkout") and not steps_using(
        issues, "aws-actions/configure-aws-credentials"
    )
    assert not any("run" in step for step in issues["steps"]), "it runs no code of the repository"
    script = steps_using(issues, "actions/github-script")[0]["with"]["script"]
    assert "Drift: ${stack}" in script and "state: 'closed'" in script and "github-actions[bot]" in script


def test_zizmor_finds_nothing():
    """zizmor (pinned), offline, with the pedantic persona: 0 findings; and it finds the old ones."""
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        pytest.fail(f"{zizmor} is missing: `make setup` installs it (Pipfile dev-packages)", pytrace=False)
    done = subprocess.run(
        [str(zizmor), "--offline", "--persona", "pedantic", "--format", "plain", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_catches_an_unpinned_action_and_a_persisted_token(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    permissions: {}\n"
        "    steps:\n      - uses: actions/checkout@v5\n"
    )
    zizmor = Path(sys.executable).parent / "zizmor"
    done = subprocess.run(
        [str(zizmor), "--offline", "--format", "plain", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0 and "unpinned-uses" in done.stdout and "artipacked" in done.stdout


def test_codeowners_cover_what_decides_who_can_do_what():
    owners = (ROOT / ".github" / "CODEOWNERS").read_text()
    for path in ("/.github/", "/iam/", "/bootstrap.tfvars", "/environments/prod.tfvars", "/constructs_luneo/ci.py"):
        assert re.search(rf"^{re.escape(path)}\s+@", owners, re.M), path


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
