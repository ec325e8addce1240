"""Drift: what changed in AWS outside Terraform (a failover switch, an incident fix, a console click),
found by a refresh-only plan with the read-only plan role (no lock taken: the plan role cannot
write the lock table, so a held lock is read first and reported instead).

The report names each drifted resource and attribute, with the value in the state and the value in
AWS; a value Terraform marks sensitive is never printed. `make drift STACK=<stack>` exits 0 when
clean, 2 on drift, 1 on error with one line (missing credentials, an unreachable backend, a held
lock); the nightly workflow keeps one GitHub issue per stack from it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .terraform import cli

#: How an error's text tells what went wrong: (pattern, the one line an operator reads).
ERRORS = (
    (
        r"No valid credential sources|NoCredentialProviders|NoCredentialsError|Unable to locate credentials|"
        r"failed to refresh cached credentials|"
        r"InvalidClientTokenId|ExpiredToken|get identity: get credentials",
        "no valid AWS credentials: assume the stack's plan role (docs/SECURITY.md)",
    ),
    (
        r"AccessDenied|not authorized to perform",
        "the credentials may not read this stack (the plan role of another environment?)",
    ),
    (
        r"Failed to get existing workspaces|Error loading state|error loading state|NoSuchBucket|"
        r"dial tcp|connection refused|no such host|RequestError: send request failed",
        "the state backend cannot be reached (bucket, region, network)",
    ),
)
MAX_VALUE = 80


class DriftError(Exception):
    """One line for the operator; `make drift` exits 1."""


@dataclass(frozen=True)
class Drifted:
    address: str
    action: str  # "update", or "delete" when the object is gone from AWS
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # (path, in state, in AWS)


def classify(output: str) -> str:
    """The one line an error's Terraform output stands for."""
    for pattern, line in ERRORS:
        if re.search(pattern, output):
            return line
    first = next((ln.strip("│ ").strip() for ln in output.splitlines() if "Error" in ln), "")
    return f"terraform failed: {first or output.strip().splitlines()[-1:] or 'no output'}"[:300]


#: Arguments AWS or Terraform fill in when the configuration leaves them out, reported all the same:
#: the stack adopts the VPC's default security group to keep it closed (no rule of its own), so any
#: rule on it was added outside Terraform.
ALWAYS_REPORTED = {"aws_default_security_group": {"ingress", "egress"}}


@dataclass(frozen=True)
class Arguments:
    """Per resource type, from `terraform providers schema -json`: `owned` are the arguments a
    configuration owns whether it sets them or not (optional or required, not computed: what it leaves
    out is null, and the next apply puts AWS back); `settable` the optional-and-computed arguments and
    the blocks, owned only where the configuration sets them. What AWS computes alone
    (`latest_restorable_time`, `tags_all`) or another resource maintains (a security group's inline
    `ingress` beside its rule resources, a role's `managed_policy_arns` beside its attachments, a
    route table's `route`) changes with every apply, so it is not drift."""

    owned: dict[str, set[str]]
    settable: dict[str, set[str]]

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> Arguments:
        owned: dict[str, set[str]] = {}
        settable: dict[str, set[str]] = {}
        for provider in schema.get("provider_schemas", {}).values():
            for resource_type, resource in provider.get("resource_schemas", {}).items():
                block = resource["block"]
                attributes = block.get("attributes", {}).items()
                owned[resource_type] = {
                    n for n, a in attributes if (a.get("optional") or a.get("required")) and not a.get("computed")
                } | ALWAYS_REPORTED.get(resource_type, set())
                settable[resource_type] = {n for n, a in attributes if a.get("optional") and a.get("computed")} | set(
                    block.get("block_types", {})
                )
        return cls(owned, settable)

    def reported(self, resource_type: str, configured: set[str]) -> set[str] | None:
        """The arguments whose drift is reported for a resource whose configuration sets `configured`
        (None: every attribute, for a type the schema does not know)."""
        if resource_type not in self.owned:
            return None
        return self.owned[resource_type] | (self.settable[resource_type] & configured)


def configured_arguments(plan: dict[str, Any]) -> dict[str, set[str]]:
    """Address (without index) -> the arguments its configuration sets, from a plan's `configuration`."""
    found: dict[str, set[str]] = {}
    for resource in plan.get("configuration", {}).get("root_module", {}).get("resources", []):
        found[resource["address"]] = set(resource.get("expressions", {}))
    return found


def drifted(plan: dict[str, Any], arguments: Arguments | None = None) -> list[Drifted]:
    """The resource_drift of a saved refresh-only plan (`terraform show -json`), attribute by
    attribute; with `arguments` (from the provider's schema), only the arguments the configuration
    owns (Arguments)."""
    configured = configured_arguments(plan)
    found = []
    for change in plan.get("resource_drift", []):
        actions = change["change"]["actions"]
        action = "delete" if actions == ["delete"] else "update"
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        keep = (
            arguments.reported(change.get("type", ""), configured.get(change["address"].split("[")[0], set()))
            if arguments
            else None
        )
        if keep is not None:
            before = {k: v for k, v in before.items() if k in keep}
            after = {k: v for k, v in after.items() if k in keep}
        hidden = _merge(change["change"].get("before_sensitive"), change["change"].get("after_sensitive"))
        attributes = [] if action == "delete" else _differences(before, after, hidden)
        if action == "delete" or attributes:  # nothing but null <-> empty is no drift
            found.append(Drifted(change["address"], action, attributes))
    return sorted(found, key=lambda d: d.address)


def _merge(a: Any, b: Any) -> Any:
    """The union of two `*_sensitive` shapes (True where either side is sensitive)."""
    if isinstance(a, dict) or isinstance(b, dict):
        a, b = a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}
        return {k: _merge(a.get(k), b.get(k)) for k in set(a) | set(b)}
    if isinstance(a, list) or isinstance(b, list):
        a, b = a if isinstance(a, list) else [], b if isinstance(b, list) else []
        return [_merge(a[i] if i < len(a) else None, b[i] if i < len(b) else None) for i in range(max(len(a), len(b)))]
    return bool(a) or bool(b)


def _any_hidden(hidden: Any) -> bool:
    if isinstance(hidden, dict):
        return any(_any_hidden(v) for v in hidden.values())
    if isinstance(hidden, list):
        return any(_any_hidden(v) for v in hidden)
    return hidden is True


def _empty(value: Any) -> bool:
    """null and an empty map, list or string are the same to the provider (SDKv2 reads one back as
    the other: `tags: null -> {}` is no drift)."""
    return value is None or value in ({}, [], "")


def _differences(before: Any, after: Any, hidden: Any, path: str = "") -> list[tuple[str, str, str]]:
    if _empty(before) and _empty(after):
        return []
    if hidden is True:
        return [(path, "(sensitive)", "(sensitive)")] if before != after else []
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after))
        sub = hidden if isinstance(hidden, dict) else {}
        return [
            d for k in keys for d in _differences(before.get(k), after.get(k), sub.get(k), f"{path}.{k}" if path else k)
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after) and before != after:
        items = hidden if isinstance(hidden, list) else []
        return [
            d
            for i, (b, a) in enumerate(zip(before, after))
            for d in _differences(b, a, items[i] if i < len(items) else None, f"{path}[{i}]")
        ]
    if before == after:
        return []
    if _any_hidden(hidden):  # a whole value shown would show a sensitive part of it
        return [(path, "(sensitive)", "(sensitive)")]
    return [(path, _shown(before), _shown(after))]


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def report(stack: str, found: list[Drifted]) -> str:
    """Plain text, the same in a terminal and in the nightly issue."""
    if not found:
        return f"{stack}: no drift (AWS matches the state)\n"
    lines = [f"{stack}: {len(found)} resource(s) drifted from the state (in state -> in AWS):"]
    for item in found:
        if item.action == "delete":
            lines.append(f"  - {item.address}: deleted outside Terraform")
            continue
        lines.append(f"  ~ {item.address}")
        lines += [f"      {path}: {was} -> {now}" for path, was, now in item.attributes]
    lines.append("Bring AWS back (terraform apply) or the code forward (a change that matches AWS), then run it again.")
    return "\n".join(lines) + "\n"


def lock_reader(client: Callable[[], Any], table: str) -> Callable[[str], dict[str, Any] | None]:
    """GetItem on the lock table through `client()` (a boto3 DynamoDB client, made at the first read):
    the item, or None when absent; any AWS error is a DriftError of one line."""
    from botocore.exceptions import BotoCoreError, ClientError

    def read(lock_id: str) -> dict[str, Any] | None:
        try:
            item = client().get_item(TableName=table, Key={"LockID": {"S": lock_id}}).get("Item")
        except (BotoCoreError, ClientError) as exc:
            raise DriftError(classify(f"{exc.__class__.__name__}: {exc}")) from None
        return dict(item) if item else None

    return read


def held_lock(read_item: Callable[[str], dict[str, Any] | None], lock_id: str) -> str | None:
    """Who holds the state's lock, from the lock table's item (None when nobody does)."""
    item = read_item(lock_id)
    if not item or "Info" not in item:
        return None
    try:
        info = json.loads(item["Info"]["S"])
    except (KeyError, ValueError):
        return "someone (the lock's Info is unreadable)"
    return f"{info.get('Who', '?')} ({info.get('Operation', '?')}, since {info.get('Created', '?')})"


def refresh_only(workdir: Path, env: dict[str, str] | None, targets: Sequence[str] = ()) -> list[Drifted]:
    """A refresh-only plan (no lock) of the initialized stack in `workdir` (of `targets` only, if
    given: `-target=<address>` flags), and what it found."""
    planned = cli.run(
        ["plan", "-refresh-only", "-lock=false", "-input=false", "-no-color", "-out=drift.tfplan", *targets],
        workdir,
        env=env,
    )
    if not planned.ok:
        raise DriftError(classify(planned.output))
    shown = cli.run(["show", "-json", "drift.tfplan"], workdir, env=env)
    (workdir / "drift.tfplan").unlink(missing_ok=True)
    if not shown.ok:
        raise DriftError(classify(shown.output))
    schema = cli.run(["providers", "schema", "-json"], workdir, env=env)
    if not schema.ok:
        raise DriftError(classify(schema.output))
    return drifted(json.loads(shown.stdout), Arguments.from_schema(json.loads(schema.stdout)))
