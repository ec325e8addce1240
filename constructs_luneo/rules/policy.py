"""Policy rules checked at synth (the cdk-nag idea, for our stacks).

One check per stack, run by cdktf's validation step of the synth (after Aspects, before the
manifest is written), runs every rule of constructs_luneo/rules on the stack's synthesized
Terraform and annotates each offending construct: `<rule id>: <what is wrong>. Fix: <how>`, as an
error or a warning by the rule's level. main.py refuses to publish a synth with error annotations
(one line each, exit code 2, cdktf.out untouched) and prints the warnings.

A rule is suppressed for a construct (and everything under it) with a written reason:

    suppress(construct, "LUNEO-SG-1", "the ALB of the public ingress must accept the internet")
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsii
from cdktf import Annotations, TerraformStack
from constructs import IConstruct, IValidation

from ..support.errors import ConstructArgumentError
from . import PUBLIC_LB_TAG, RULES, View, evaluate

__all__ = [
    "PUBLIC_LB_TAG",
    "RULES",
    "PolicyCheck",
    "add_policy",
    "errors_in_manifest",
    "findings_in_manifest",
    "suppress",
]

SUPPRESS_KEY = "luneo:suppress"


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Silence `rule_id` for `construct` and its children. The reason is mandatory and kept in the
    construct's metadata (and so in the synthesized JSON's annotations)."""
    if rule_id not in RULES:
        raise ConstructArgumentError(f"suppress: rule_id: expected one of {sorted(RULES)}, got {rule_id!r}")
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        raise ConstructArgumentError(
            f"suppress({rule_id}): reason: expected a written justification (10 characters or more)"
        )
    construct.node.add_metadata(SUPPRESS_KEY, {"rule": rule_id, "reason": reason.strip()})


def _suppressed(construct: IConstruct, rule_id: str) -> bool:
    for scope in construct.node.scopes:
        for entry in scope.node.metadata:
            if entry.type == SUPPRESS_KEY and entry.data.get("rule") == rule_id:
                return True
    return False


@jsii.implements(IValidation)
class PolicyCheck:
    """Every rule, on one stack: one Terraform rendering per stack, and the findings annotated on
    their constructs. A validation of the stack rather than an Aspect: cdktf calls an Aspect back once
    per construct (722 jsii round trips per synth, to pass over every node but the stacks) and a
    validation once per stack. It returns no error strings: the findings are annotations, which the
    synth writes to the manifest with their levels (a returned string would abort the synth with
    cdktf's own message instead)."""

    def __init__(self, stack: TerraformStack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        stack = self._stack
        view = View(stack.to_terraform(), stack.node.path)
        paths = None
        for checked, finding in evaluate(view):
            if paths is None:  # the path index is built only when something is found
                paths = {c.node.path: c for c in stack.node.find_all()}
            target = paths.get(finding.path, stack)
            if _suppressed(target, checked.id):
                continue
            message = f"{checked.id}: {finding.message}"
            if (finding.level or checked.level) == "error":
                Annotations.of(target).add_error(message)
            else:
                Annotations.of(target).add_warning(message)
        return []


def add_policy(stack: TerraformStack) -> None:
    """Every rule, on one stack, when it is synthesized (`Testing.synth(stack, run_validations=True)`
    in a test: cdktf's testing synth skips validations by default)."""
    stack.node.add_validation(PolicyCheck(stack))


def findings_in_manifest(outdir: str | Path) -> list[tuple[str, str]]:
    """(level, `<rule id>: <path>: <message>`) for each rule annotation a synth left in its manifest."""
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    found = []
    for stack in manifest["stacks"].values():
        for annotation in stack.get("annotations", []):
            level = {"ERROR": "error", "@cdktf/error": "error", "WARN": "warning", "@cdktf/warn": "warning"}.get(
                annotation.get("level")
            )
            if level is None:
                continue
            match = re.match(r"^(LUNEO-[A-Z0-9-]+): (.*)$", annotation["message"], re.S)
            rule, message = (match.group(1), match.group(2)) if match else (level, annotation["message"])
            found.append((level, f"{rule}: {annotation['constructPath']}: {message.splitlines()[0]}"))
    return found


def errors_in_manifest(outdir: str | Path) -> list[str]:
    """`<rule id>: <path>: <message>` for each error annotation a synth left in its manifest."""
    return [line for level, line in findings_in_manifest(outdir) if level == "error"]
