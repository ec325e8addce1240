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
MAX_DETAILS = 60000  # a GitHub comment holds 65,536 characters


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


def build_comment(stack: str, plan: str | None, offline: str | None) -> str:
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
    if plan:
        summary = "; ".join(line.strip() for line in plan.splitlines() if re.search(r"Plan:|No changes|Error", line))
        lines.append(f"**cdktf diff**: {summary or 'see the job log'}")
        details = plan
    else:
        lines.append("**offline diff** (no AWS credentials)")
        details = section or "(no offline diff)"
    if len(details) > MAX_DETAILS:
        details = "... (cut: the whole output is in the job log)\n" + details[-MAX_DETAILS:]
    lines += ["<details><summary>details</summary>", "", fenced(details), "", "</details>"]
    return "\n".join(lines) + "\n"


def job_summary(stack: str, offline: str) -> str:
    section = stack_section(strip_ansi(offline), stack)
    return f"### Offline diff: {stack}\n{fenced(section or '(no section for this stack)')}\n"
