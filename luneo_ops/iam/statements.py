"""How the generator writes a statement."""

from __future__ import annotations

from typing import Any


def _sid(*parts: str) -> str:
    return "".join(p.title().replace("-", "") for p in parts)


def scoped(actions: set[str], arns: list[str] | str, sid: str, condition: dict | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions)}
    statement["Resource"] = sorted(arns) if isinstance(arns, list) else arns
    if condition:
        statement["Condition"] = condition
    return statement
