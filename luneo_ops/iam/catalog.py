"""The IAM action catalog: every action AWS has, its access level (List, Read, Write, Permissions
management, Tagging) and whether it can be scoped to a resource ARN, from the Service
Authorization Reference as parliament (a pinned dev dependency, the linter `make test` runs on
iam/) ships it. The policy generator uses it to expand wildcards, to keep the plan role to what
reads, and to put an action that has no resource type on "*" rather than on an ARN it would never
match."""

from __future__ import annotations

import fnmatch
import json
from functools import cache
from pathlib import Path


class UnknownAction(KeyError):
    pass


@cache
def _privileges() -> dict[str, dict]:
    """`service:Action` -> its privilege record (access_level, resource_types)."""
    import parliament

    data = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    return {f"{s['prefix']}:{p['privilege']}": p for s in data for p in s["privileges"]}


def expand(pattern: str) -> list[str]:
    """The actions a name or a wildcard pattern stands for (IAM matches action names case-insensitively)."""
    privileges = _privileges()
    if "*" not in pattern:
        found = [a for a in privileges if a.lower() == pattern.lower()]
    else:
        found = sorted(a for a in privileges if fnmatch.fnmatchcase(a.lower(), pattern.lower()))
    if not found:
        raise UnknownAction(f"{pattern}: no such IAM action (Service Authorization Reference)")
    return found


def access_level(action: str) -> str:
    return str(_privileges()[expand(action)[0]]["access_level"])


def resource_types(action: str) -> list[str]:
    """The resource types an action can be scoped to ([] when it only takes "*")."""
    return [
        r["resource_type"].rstrip("*") for r in _privileges()[expand(action)[0]]["resource_types"] if r["resource_type"]
    ]


def reads(action: str) -> bool:
    """List and Read access levels: what a refresh calls."""
    return access_level(action) in ("List", "Read")
