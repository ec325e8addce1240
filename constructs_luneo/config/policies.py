"""The delivery roles' policy documents, as `make iam-policy` generated them from the synthesized
stacks (iam/<stack>/): luneo-bootstrap turns them into the CI roles. Read here, handed to the stack
(a construct never reads a file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..support.errors import ConfigError


@dataclass(frozen=True)
class DeliveryPolicies:
    """One environment's documents: its plan role's, its apply role's, its workload boundary."""

    plan: tuple[dict, ...]
    apply: tuple[dict, ...]
    boundary: dict


def load_delivery_policies(directory: Path, stack_names: list[str]) -> tuple[dict[str, DeliveryPolicies], list[str]]:
    """(stack -> its documents, the stacks whose documents are missing: run `make iam-policy`)."""
    found: dict[str, DeliveryPolicies] = {}
    missing = []
    for name in stack_names:
        folder = directory / name
        plan, apply = (tuple(_read(p) for p in sorted(folder.glob(f"{kind}-*.json"))) for kind in ("plan", "apply"))
        boundary = folder / "workload-boundary.json"
        if not (plan and apply and boundary.exists()):
            missing.append(name)
            continue
        found[name] = DeliveryPolicies(plan=plan, apply=apply, boundary=_read(boundary))
    return found, missing


def _read(path: Path) -> dict:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a policy document ({exc}); run `make iam-policy`") from None
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        raise ConfigError(f"{path}: expected an IAM policy document with a Statement list; run `make iam-policy`")
    return document
