"""The DR drill's report: every step timed by phase, what the secondary region needed and where it
was found, what was emulated, and the failover plan's actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..local_aws.session import Step, lines

PHASES = ("set-up", "day-2", "drill", "back")


@dataclass
class Report:
    stack: str
    steps: list[Step] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (what the secondary needs, evidence)
    emulated: list[str] = field(default_factory=list)  # what moto cannot do, and what the drill did instead
    denied: list[str] = field(default_factory=list)
    plan: dict[str, list[str]] = field(default_factory=dict)
    second_plans: dict[str, list[str]] = field(default_factory=dict)  # stack -> moto's known gaps it showed
    trust: list[tuple[str, str]] = field(default_factory=list)  # (boundary, evidence) proven under enforcement
    day2: list[tuple[str, str]] = field(default_factory=list)  # (what, evidence): drift and restore rehearsed

    def recovery_seconds(self) -> float:
        return sum(s.seconds for s in self.steps if s.phase == "drill")

    def render(self) -> str:
        out = [f"DR drill on the local AWS: {self.stack}, eu-west-1 cut off", ""]
        for phase in PHASES:
            out.append(f"{phase}:")
            out += lines([s for s in self.steps if s.phase == phase])
        out += [
            "",
            f"recovery time of the steps we control (drill): {self.recovery_seconds():.0f} s",
            "",
            "what the secondary region needs, checked there with eu-west-1 cut off:",
        ]
        out += [f"  {what}: {evidence}" for what, evidence in self.checks]
        out += ["", "delivery's boundaries, proven with IAM enforced:"]
        out += [f"  {what}: {evidence}" for what, evidence in self.trust]
        out += ["", "day-2 operations, rehearsed (docs/OPERATIONS.md):"]
        out += [f"  {what}: {evidence}" for what, evidence in self.day2]
        out += ["", "emulated (moto cannot do it; the drill did what AWS would have done):"]
        out += [f"  - {line}" for line in self.emulated]
        return "\n".join(out)
