"""The PR comment of infra-plan.yml: plain text (no colour codes), with the monthly cost change.

The workflow test runs the diff job's comment steps for real: its `run:` steps with bash and its
actions/github-script step with node (a stand-in `github` records what would be posted), on a
`cdktf diff` output full of escape codes like the ones staging's plans carry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from luneo_ops.review.plan_comment import build_comment, fenced, stack_section, strip_ansi
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "infra-plan.yml"
ESC = "\x1b"

#: What `cdktf diff luneo-prod` prints in CI (shortened): Terraform's colours, bold, a hyperlink, a spinner.
COLOURED_PLAN = (
    "luneo-prod  \x1b[0m\x1b[1mInitializing the backend...\x1b[0m\r\n"
    "luneo-prod  \x1b]8;;https://developer.hashicorp.com\x07docs\x1b]8;;\x07\n"
    "\x1b[2K\x1b[1G\u280b Planning\r\u2819 Planning\rPlanned\n"
    "luneo-prod  Terraform will perform the following actions:\n"
    "luneo-prod  \x1b[1m  # aws_eks_node_group.eks-primary_spot-nodes\x1b[0m will be updated in-place\n"
    'luneo-prod  \x1b[33m~\x1b[0m\x1b[0m resource "aws_eks_node_group" "eks-primary_spot-nodes" {\n'
    "luneo-prod        \x1b[33m~\x1b[0m\x1b[0m desired_size = 3 \x1b[33m->\x1b[0m\x1b[0m 5\n"
    "luneo-prod  \x1b[1mPlan:\x1b[0m 0 to add, 1 to change, 0 to destroy.\x1b[0m\n"
)
OFFLINE = (
    "== luneo-bootstrap: 0 added, 0 removed, 0 changed, 0 moved\n"
    "  cost: luneo-bootstrap: +$0.00/month; $1.10 -> $1.10 a month\n"
    "== luneo-prod: 0 added, 0 removed, 1 changed, 0 moved\n"
    "  cost: luneo-prod: +$75.09/month (eks_primary_desired_size 3 -> 5); $1,950.18 -> $2,025.27 a month\n"
    "  ~ aws_eks_node_group.eks-primary_spot-nodes: scaling_config.desired_size\n"
    "== luneo-staging: 0 added, 0 removed, 0 changed, 0 moved\n"
    "  cost: luneo-staging: +$0.00/month; $812.25 -> $812.25 a month\n"
    "\n"
    "Monthly cost change (make cost; prices and usage from the working tree's pricing/):\n"
    "luneo-prod: +$75.09/month (eks_primary_desired_size 3 -> 5)\n"
)


def assert_plain(text: str) -> None:
    escapes = text.count(ESC)
    assert escapes == 0, f"{escapes} escape sequence(s) in the comment: {text[:300]!r}"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text), "control characters in the comment"


# --- the script -------------------------------------------------------------------------------


def test_strip_ansi_leaves_plain_text():
    text = strip_ansi(COLOURED_PLAN)
    assert_plain(text)
    assert "luneo-prod  Plan: 0 to add, 1 to change, 0 to destroy." in text
    assert "desired_size = 3 -> 5" in text and "Planned" in text and "docs" in text
    assert strip_ansi("plain\ttext\n") == "plain\ttext\n"


def test_the_check_fails_on_coloured_text():
    with pytest.raises(AssertionError, match="escape sequence"):
        assert_plain(COLOURED_PLAN)


def test_the_comment_carries_the_cost_change_and_the_plan_summary():
    body = build_comment("luneo-prod", COLOURED_PLAN, OFFLINE)
    assert_plain(body)
    assert body.startswith("<!-- luneo-plan:luneo-prod -->\n### luneo-prod\n")
    assert (
        "**monthly cost**: luneo-prod: +$75.09/month (eks_primary_desired_size 3 -> 5); $1,950.18 -> $2,025.27 a month"
    ) in body
    assert "**terraform plan**: luneo-prod  Plan: 0 to add, 1 to change, 0 to destroy." in body


def test_without_credentials_the_comment_is_the_stacks_offline_diff():
    body = build_comment("luneo-prod", None, OFFLINE)
    assert "**offline diff** (no AWS credentials)" in body
    assert "aws_eks_node_group.eks-primary_spot-nodes" in body
    assert "luneo-staging" not in body and "Monthly cost change" not in body


def test_stack_section_stops_at_the_next_stack_and_at_the_summary():
    assert stack_section(OFFLINE, "luneo-prod").splitlines()[-1].startswith("  ~ aws_eks_node_group")
    assert stack_section(OFFLINE, "luneo-staging").splitlines() == [
        "== luneo-staging: 0 added, 0 removed, 0 changed, 0 moved",
        "  cost: luneo-staging: +$0.00/month; $812.25 -> $812.25 a month",
    ]
    assert stack_section(OFFLINE, "luneo-dr") == ""


def test_a_plan_with_backticks_cannot_close_the_code_block():
    assert fenced("a ``` b").startswith("````\n") and fenced("plain").startswith("```\n")


def big_plan(creates: int = 400) -> tuple[str, dict]:
    """A plan's text and its `terraform show -json` for `creates` new resources, an update, a
    replacement and a destruction (a stateful one)."""
    changes = [("aws_security_group_rule", f"r{i}", ["create"]) for i in range(creates)]
    changes += [
        ("aws_eks_node_group", "eks-primary_spot-nodes", ["update"]),
        ("aws_launch_template", "eks-primary_node-template", ["delete", "create"]),
        ("aws_s3_bucket", "assets_bucket", ["delete"]),
    ]
    text = (
        "Terraform will perform the following actions:\n\n"
        + "\n".join(
            f'  # {t}.{n} will be changed\n  ~ resource "{t}" "{n}" {{\n' + "      x = 1\n" * 40 + "    }\n"
            for t, n, _ in changes
        )
        + f"\nPlan: {creates + 1} to add, 1 to change, 2 to destroy.\n"
    )
    plan_json = {
        "resource_changes": [{"address": f"{t}.{n}", "type": t, "change": {"actions": a}} for t, n, a in changes]
    }
    return text, plan_json


def test_a_large_plan_leads_with_every_address_grouped_by_action():
    """The defect seen as a new user: a large plan's comment showed the cut tail of the output,
    starting mid-resource (the old build_comment kept the last 60,000 characters). Now: every
    address, grouped create, update, replace, destroy, then the plan from its start, cut at a block
    boundary."""
    text, plan_json = big_plan()
    body = build_comment("luneo-prod", text, OFFLINE, plan_json)
    assert len(body) < 65536
    summary = body.index("luneo-prod: 400 to create, 1 to update, 1 to replace, 1 to destroy")
    groups = [body.index(f"\n{g} (") for g in ("create", "update", "replace", "destroy")]
    assert summary < groups[0] < groups[1] < groups[2] < groups[3] < body.index("<details>")
    assert "  - aws_s3_bucket.assets_bucket" in body and "  + aws_security_group_rule.r399" in body
    details = body[body.index("<details>") :]
    first = details.split("```\n", 1)[1]
    assert first.startswith("Terraform will perform the following actions:"), first[:80]
    assert "more lines: the whole plan is in the job log" in details
    cut_at = details.index("\n\n... (")
    assert details[:cut_at].rstrip().endswith("}"), "cut at the end of a resource's block"


def test_the_guard_stops_a_stateful_destroy_unless_a_reviewed_file_allows_it(tmp_path):
    from luneo_ops.review.plan_summary import summarize, unapproved

    _, plan_json = big_plan(3)
    allow = tmp_path / "allowed-destroys.json"
    assert unapproved(summarize(plan_json), "luneo-prod", allow) == ["aws_s3_bucket.assets_bucket"]
    allow.write_text(json.dumps({"luneo-prod": {"aws_s3_bucket.assets_bucket": "replaced by the new assets bucket"}}))
    assert unapproved(summarize(plan_json), "luneo-prod", allow) == []
    assert unapproved(summarize(plan_json), "luneo-staging", allow) == ["aws_s3_bucket.assets_bucket"]
    allow.write_text(json.dumps({"luneo-prod": {"aws_s3_bucket.assets_bucket": "ok"}}))
    with pytest.raises(ValueError, match="expected a written reason"):
        unapproved(summarize(plan_json), "luneo-prod", allow)


# --- the workflow, run -------------------------------------------------------------------------


def _expand(text: str, stack: str) -> str:
    text = text.replace("${{ matrix.stack }}", stack)
    assert "${{" not in text, f"an expression the test cannot evaluate: {text}"
    return text


def run_comment_steps(
    tmp_path, stack: str, plan: str | None, offline: str, existing: list[dict] = (), plan_json: dict | None = None
) -> list[dict]:
    """The plan job's steps after `terraform plan`, then the comment job's script, as the runner would
    run them (the artifact passed between them by hand); what github-script posts. `existing`: the
    pull request's comments (as the API lists them)."""
    node = shutil.which("node")
    if not node:
        pytest.fail("node is missing: `make setup` needs Node.js (npm ci)", pytrace=False)
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    steps = jobs["plan"]["steps"]
    start = next(i for i, step in enumerate(steps) if step.get("name", "").startswith("terraform plan"))
    (tmp_path / "offline-diff.txt").write_text(offline)
    if plan is not None:
        (tmp_path / "plan.txt").write_text(plan)
    if plan_json is not None:
        (tmp_path / "plan.json").write_text(json.dumps(plan_json))
    for step in steps[start + 1 :]:
        if "run" in step:
            env = dict(os.environ, PYTHONPATH=str(ROOT), STACK=stack, GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))
            proc = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", _expand(step["run"], stack)],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert proc.returncode == 0, f"{step.get('name')}: {proc.stderr}"
    script = next(s for s in jobs["comment"]["steps"] if s.get("uses", "").startswith("actions/github-script@"))
    harness = tmp_path / "harness.js"
    harness.write_text(
        "const fs = require('fs');\nconst posted = [];\n"
        f"const existing = {json.dumps(list(existing))};\n"
        "const github = { paginate: async () => existing, rest: { issues: { listComments: 'listComments',\n"
        "  createComment: async (a) => { posted.push({ ...a, created: true }); },\n"
        "  updateComment: async (a) => { posted.push({ ...a, created: false }); } } } };\n"
        "const context = { repo: { owner: 'luneo', repo: 'luneo-infra' }, issue: { number: 7 } };\n"
        "const core = { info: () => {}, warning: () => {} };\n"
        "(async () => {\n" + script["with"]["script"] + "\n})().then(\n"
        "  () => fs.writeFileSync('posted.json', JSON.stringify(posted)),\n"
        "  (e) => { console.error(e); process.exit(1); });\n"
    )
    proc = subprocess.run([node, str(harness)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp_path / "posted.json").read_text())


def test_the_workflow_posts_a_plain_text_comment_with_the_cost(tmp_path):
    posted = run_comment_steps(tmp_path, "luneo-prod", COLOURED_PLAN, OFFLINE)
    assert len(posted) == 1 and posted[0]["created"]
    body = posted[0]["body"]
    assert_plain(body)
    assert body.startswith("<!-- luneo-plan:luneo-prod -->")
    assert "**monthly cost**: luneo-prod: +$75.09/month (eks_primary_desired_size 3 -> 5)" in body
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in body


def test_the_workflow_comment_without_credentials_is_the_offline_diff(tmp_path):
    posted = run_comment_steps(tmp_path, "luneo-staging", None, OFFLINE)
    body = posted[0]["body"]
    assert_plain(body)
    assert "**monthly cost**: luneo-staging: +$0.00/month" in body and "**offline diff**" in body
    assert "luneo-prod" not in body


def test_only_a_comment_the_bot_wrote_is_edited(tmp_path):
    """A person's comment that starts with the marker is left alone; the bot's own is updated."""
    marker = "<!-- luneo-plan:luneo-prod -->"
    human = {"id": 1, "user": {"login": "mallory"}, "body": marker + "\nplease approve"}
    posted = run_comment_steps(tmp_path, "luneo-prod", COLOURED_PLAN, OFFLINE, existing=[human])
    assert [p["created"] for p in posted] == [True]
    bot = {"id": 2, "user": {"login": "github-actions[bot]"}, "body": marker + "\nold"}
    posted = run_comment_steps(tmp_path, "luneo-prod", COLOURED_PLAN, OFFLINE, existing=[human, bot])
    assert [(p["created"], p.get("comment_id")) for p in posted] == [(False, 2)]


def test_the_workflow_plans_without_colour_and_without_the_lock():
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["plan"]["steps"]
    step = next(s for s in steps if s.get("name", "").startswith("terraform plan"))
    assert "terraform plan -input=false -no-color -lock=false" in step["run"]


def test_the_script_is_stdlib_only():
    """The workflow runs it with the runner's python3, before or without `make setup`."""
    probe = (
        "import sys, luneo_ops.__main__, luneo_ops.commands.review, luneo_ops.review.plan_comment; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'cdktf', 'constructs_luneo', 'hcl2')))"
    )
    proc = subprocess.run([sys.executable, "-S", "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_the_guard_stops_a_subnet_replacement_too(tmp_path):
    """A subnet replaced (its zone changed: pinning zone IDs that differ from where it runs) fails on the
    interfaces in it halfway through an apply: the guard stops it before, as it does a stateful resource."""
    from luneo_ops.review.plan_summary import summarize, unapproved

    plan_json = {
        "resource_changes": [
            {"address": a, "type": a.split(".")[0], "change": {"actions": ["delete", "create"]}}
            for a in ("aws_subnet.network-primary_private-0", "aws_route_table_association.network-primary_private-0")
        ]
    }
    assert unapproved(summarize(plan_json), "luneo-prod", tmp_path / "none.json") == [
        "aws_subnet.network-primary_private-0"
    ]
