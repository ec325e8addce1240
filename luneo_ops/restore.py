"""What a database restore will do (`make restore-plan`), read from the synthesized stack before
anything is applied: what is created (the restored primary and a replica of it, with their parts),
what follows it (alarms, workload grants, outputs), what keeps running (the previous pair, until
db_restore_retire_previous), what Terraform forgets, what it costs while both run, and the
operator's steps after the apply (docs/OPERATIONS.md, Restores)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from constructs_luneo.support.synthesized import SynthesizedStack

RESTORED = "postgres-restored"
PREVIOUS = ("postgres", "postgres-replica")
INSTANCE = "aws_db_instance"
RESTORED_NAME = "-db-restored"  # in the address of what is added beside the previous (a grant per database)


class NoRestore(Exception):
    """The stack restores nothing (no db_restore_from in its tfvars)."""


@dataclass
class RestorePlan:
    stack: str
    source: str
    restored: dict[str, str]  # address -> DB identifier (the instances)
    created: list[str]  # every address of the restored pair
    follows: list[str]  # resources outside it that refer to it
    outputs: list[str]  # outputs that now name it
    kept: dict[str, str] = field(default_factory=dict)  # address -> DB identifier of the previous pair
    forgotten: list[str] = field(default_factory=list)  # removed blocks (destroy = false) of the previous pair
    monthly: float | None = None  # what the restored pair costs a month (USD)


def plan(stack: SynthesizedStack) -> RestorePlan:
    instances = stack.resources.get(INSTANCE, {})
    primary = instances.get(f"{RESTORED}_instance")
    if primary is None:
        raise NoRestore(
            f"{stack.name} restores no database: set db_restore_from in environments/"
            f"{stack.name.removeprefix('luneo-')}.tfvars (docs/OPERATIONS.md, Restores), then make synth"
        )
    created = sorted(a for a in stack.addresses(data=False) if a.split(".", 1)[1].startswith(f"{RESTORED}"))
    identifiers = [b["identifier"] for n, b in instances.items() if n.startswith(RESTORED)]
    named = {a for a, body in stack.items(data=False) if any(f'"{i}"' in json.dumps(body) for i in identifiers)}
    follows = sorted((stack.with_dependents(created) | named) - set(created))  # by reference, or by name (alarms)
    outputs = sorted(
        name for name, body in stack.document.get("output", {}).items() if f".{RESTORED}" in str(body.get("value"))
    )
    forgotten = sorted(
        r["from"]
        for r in stack.document.get("removed", [])
        if r["from"].split(".", 1)[1].startswith(tuple(f"{p}_" for p in PREVIOUS))
    )
    return RestorePlan(
        stack=stack.name,
        source=_source(primary),
        restored={f"{INSTANCE}.{n}": b["identifier"] for n, b in instances.items() if n.startswith(RESTORED)},
        created=created,
        follows=follows,
        outputs=outputs,
        kept={
            f"{INSTANCE}.{n}_instance": instances[f"{n}_instance"]["identifier"]
            for n in PREVIOUS
            if f"{n}_instance" in instances
        },
        forgotten=forgotten,
    )


def _source(primary: dict) -> str:
    if primary.get("snapshot_identifier"):
        return f"snapshot {primary['snapshot_identifier']}"
    point = primary.get("restore_to_point_in_time", {})
    point = point[0] if isinstance(point, list) else point
    when = point.get("restore_time") or "the latest restorable time"
    return f"{point.get('source_db_instance_identifier')} as of {when}"


def render(restore: RestorePlan) -> str:
    primary = next(i for a, i in restore.restored.items() if a == f"{INSTANCE}.{RESTORED}_instance")
    lines = [f"{restore.stack}: the primary database restored from {restore.source}, as {primary}", ""]
    lines.append(f"created ({len(restore.created)}):")
    lines += [f"  + {a}" + (f"  ({restore.restored[a]})" if a in restore.restored else "") for a in restore.created]
    if restore.monthly is not None:
        lines.append(f"  costs ${restore.monthly:,.2f} a month (make cost), on top of the previous pair while it runs")
    lines += ["", f"follow the restored database ({len(restore.follows)} resources, {len(restore.outputs)} outputs):"]
    lines += [f"  {'+' if RESTORED_NAME in a else '~'} {a}" for a in restore.follows]
    lines += [f"  ~ output.{o}" for o in restore.outputs]
    if restore.kept:
        lines += ["", "keep running, unchanged (deletion protection on; the workloads keep their grants on them):"]
        lines += [f"  = {a}  ({i})" for a, i in restore.kept.items()]
    if restore.forgotten:
        lines += [
            "",
            f"forgotten by Terraform, left running in AWS ({len(restore.forgotten)}: removed, destroy = false):",
        ]
        lines += [f"  - {a}" for a in restore.forgotten]
    lines += ["", "after the apply (docs/OPERATIONS.md, Restores):"]
    lines += [f"  {n}. {step}" for n, step in enumerate(_after(restore, primary), start=1)]
    return "\n".join(lines) + "\n"


def _after(restore: RestorePlan, primary: str) -> list[str]:
    if restore.forgotten:
        previous = primary.removesuffix("-restored")  # constructs_luneo/support/naming.py
        return [
            f"delete the previous pair by hand, the replica first (us-east-1: {previous}-replica, then eu-west-1: "
            f"{previous}), each with deletion protection off and a final snapshot: aws rds modify-db-instance "
            "--db-instance-identifier <id> --no-deletion-protection --apply-immediately --region <region>; "
            "aws rds delete-db-instance --db-instance-identifier <id> --final-db-snapshot-identifier <id>-final "
            "--region <region>",
            "keep db_restore_from in the tfvars: it describes where the database came from (changing it replaces it)",
        ]
    return [
        f"check the data on {primary} (terraform output -raw db_endpoint; the master password is unchanged)",
        "point the workloads at it (db_endpoint) and restart them; the previous database keeps serving until then",
        "invalidate the assets' CDN cache if the data names assets: aws cloudfront create-invalidation "
        '--distribution-id $(terraform output -raw assets_distribution_id) --paths "/*"',
        "set db_restore_retire_previous = true, make restore-plan, apply: Terraform forgets the previous pair",
        "keep db_restore_from in the tfvars: it describes where the database came from (changing it replaces it)",
    ]
