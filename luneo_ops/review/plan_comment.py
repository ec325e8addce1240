"""The pull-request comment of one stack (and its job summary), as plain text.

`.github/workflows/infra-plan.yml` posts what this prints. It takes the stack's section of the
offline diff (`make diff`: resource changes and the monthly cost change) and, where the job had AWS
credentials, the output of `cdktf diff`, which is full of terminal colour codes (thousands of
escape sequences in one staging plan) even when the CLI is asked for none: every escape sequence
and carriage return is removed here, so the comment is readable text.

Stdlib only (the workflow runs it with the runner's python3, whatever happened before).
Usage: python3 -m luneo_ops plan-comment --stack luneo-prod [--plan plan.txt] [--offline offline-diff.txt] [--summary]
"""

from __future__ import annotations

import re

#: ECMA-48 escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks), and the
#: two-character ones; then any other control character but tab and newline.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_DETAILS = 60000
MAX_COMMENT = 65000  # a GitHub comment holds 65,536 characters


def strip_ansi(text: str) -> str:
    text = ANSI.sub("", text)
    text = text.replace("\r\n", "\n")
    # A bare carriage return redraws the line (spinners): keep what was drawn last.
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    return CONTROL.sub("", text)


def stack_section(offline: str, stack: str) -> str:
    """The `== <stack>: ...` block of `make diff`'s output (up to the next stack or the summary)."""
    section: list[str] = []
    for line in offline.splitlines():
        if line.startswith(f"== {stack}:"):
            section = [line]
        elif section and (line.startswith("== ") or not line.strip()):
            break
        elif section:
            section.append(line)
    return "\n".join(section)


def cost_line(section: str) -> str | None:
    for line in section.splitlines():
        if line.startswith("  cost: "):
            return line.removeprefix("  cost: ")
    return None


def fenced(text: str) -> str:
    """A code block that the text cannot close (a longer fence than any backtick run in it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def build_comment(stack: str, plan: str | None, offline: str | None, plan_json: dict | None = None) -> str:
    """The comment of one stack: its monthly cost change, then (with a plan) every address grouped by
    action (create, update, replace, destroy; complete, whatever the plan's size), then the plan's
    text from its start, cut at a block boundary when it does not fit."""
    plan = strip_ansi(plan) if plan else ""
    section = stack_section(strip_ansi(offline), stack) if offline else ""
    cost = cost_line(section)
    lines = [
        f"<!-- luneo-plan:{stack} -->",
        f"### {stack}",
        f"**monthly cost**: {cost}"
        if cost
        else "**monthly cost**: unknown (the offline diff did not run; see the job log)",
    ]
    if plan_json is not None:
        from .plan_summary import render, summarize

        grouped = render(stack, summarize(plan_json))
        if len(grouped) > MAX_DETAILS // 2:  # thousands of addresses: the counts and the first of each group
            grouped = cut(grouped, MAX_DETAILS // 2) + "\n```"
        lines += ["**terraform plan** (read-only plan role, `-lock=false`):", grouped]
        details = plan
    elif plan:
        summary = "; ".join(line.strip() for line in plan.splitlines() if re.search(r"Plan:|No changes|Error", line))
        lines.append(f"**terraform plan**: {summary or 'see the job log'}")
        details = plan
    else:
        lines.append("**offline diff** (no AWS credentials)")
        details = section or "(no offline diff)"
    head = "\n".join(lines)
    budget = MAX_COMMENT - len(head) - 200  # the markers around the details
    lines += ["<details><summary>details</summary>", "", fenced(cut(details, max(budget, 0))), "", "</details>"]
    return "\n".join(lines) + "\n"


def cut(text: str, limit: int = MAX_DETAILS) -> str:
    """`text` from its start, up to the last blank line (the end of a resource's block) that fits,
    and a line saying what was left out."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = head.rfind("\n\n")
    head = head[: end if end > 0 else limit]
    left = text[len(head) :].count("\n")
    return f"{head}\n\n... ({left} more lines: the whole plan is in the job log)"


def job_summary(stack: str, offline: str) -> str:
    section = stack_section(strip_ansi(offline), stack)
    return f"### Offline diff: {stack}\n{fenced(section or '(no section for this stack)')}\n"
