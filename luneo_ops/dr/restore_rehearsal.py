"""The restore rehearsal of the DR drill's day-2 phase (day2.py says how the phase runs): the runbook
of docs/OPERATIONS.md "Restores" on copies of the stack's state."""

from __future__ import annotations

import json
import re
from pathlib import Path

from constructs_luneo.support.synthesized import SynthesizedStack

from .. import restore as restore_plan
from ..local_aws.session import RehearsalFailed, Session
from ..synth import SynthFailed, synthesize_with
from ..terraform import cli
from ..terraform import plan as saved_plan
from .day2 import Beside, applied_targets, beside_step, direct_client, direct_env, pull_state, use_state

SNAPSHOT = "{database}-before-restore-rehearsal"


class RestoreRehearsal:
    """The runbook of docs/OPERATIONS.md "Restores", on copies of the stack's state. Built when the
    set-up starts, it synthesizes the runbook's two tfvars edits beside the applies. `start()` takes
    the manual snapshot and copies the state twice; beside the set-up and the drill, one copy is
    planned as `make restore-plan` names it and applied with the apply role's keys: nearly all of it
    the provider's waits (about 3 minutes on moto: the restore, then the change of what a restore
    cannot set). Beside the drill moto cannot enforce IAM (Route 53 fails it): `authorized()`, called
    while IAM is enforced, proves the role's restore call is allowed. The other copy rehearses
    db_restore_retire_previous (forgotten, not destroyed). `finish()` waits for both."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.database = session.stack.resources["aws_db_instance"]["postgres_instance"]["identifier"]
        self.snapshot = SNAPSHOT.format(database=self.database)
        self.directory = session.work / "restore" / session.stack.name
        self.retire_directory = session.work / "retire" / session.stack.name
        restore = f'db_restore_from = "snapshot:{self.snapshot}"\n'
        retire = restore + "db_restore_retire_previous = true\n"
        self.synths = Beside(lambda: (_synth(session, restore, "restore"), _synth(session, retire, "retire")))

    def start(self, workdir: Path) -> None:
        session = self.session
        self.env = direct_env(session, session.keys)
        with session.step(f"restore: the manual snapshot (aws rds create-db-snapshot ... {self.snapshot})") as timer:
            session.client("rds").create_db_snapshot(
                DBInstanceIdentifier=self.database, DBSnapshotIdentifier=self.snapshot
            )
            pull_state(session, workdir, self.directory)
            pull_state(session, workdir, self.retire_directory)
            timer.note = f"{self.snapshot} of {self.database}; the state copied twice"
        self.restoring = Beside(self._restore)
        self.retiring = Beside(self._retire)

    def authorized(self) -> str:
        """Under IAM enforcement (the caller's): the apply role's keys call RestoreDBInstanceFromDBSnapshot
        with the snapshot onto an identifier that exists, so that RDS refuses it after IAM allowed it
        (DBInstanceAlreadyExists, not AccessDenied): the apply beside the drill runs unenforced."""
        import boto3
        from botocore.exceptions import ClientError

        session = self.session
        rds = boto3.client(
            "rds",
            endpoint_url=str(session.moto_url),
            region_name=session.backend["region"],
            verify=session.url.ca_bundle,
            aws_access_key_id=session.keys[0],
            aws_secret_access_key=session.keys[1],
        )
        try:
            rds.restore_db_instance_from_db_snapshot(
                DBInstanceIdentifier=self.database, DBSnapshotIdentifier=self.snapshot
            )
        except ClientError as exc:
            code = str(exc.response["Error"]["Code"])
            if code in ("AccessDenied", "AccessDeniedException"):
                raise RehearsalFailed(f"the apply role may not restore a database: {exc}") from None
            return f"the apply role's RestoreDBInstanceFromDBSnapshot allowed by IAM (RDS answered {code})"
        raise RehearsalFailed(f"RDS restored onto {self.database}, which exists")

    def _restore(self) -> restore_plan.RestorePlan:
        """make restore-plan, then the apply of what it names (no separate plan: the apply's own plan
        must destroy nothing, and the apply's waits are the longest thing beside the drill)."""
        session = self.session
        document, _ = self.synths.join()
        told = restore_plan.plan(SynthesizedStack(document, session.stack.name))
        with beside_step(session, "restore: make restore-plan, plan and apply (the apply role's keys)") as step:
            use_state(session, self.directory, document, self.env)
            # The alarms that follow the database are planned, not applied here: the drift rehearsal
            # beside it changes one of them out of band.
            only = {a for a in [*told.created, *told.follows] if not a.startswith("aws_cloudwatch_metric")}
            targets = applied_targets(session, document, only)
            applied = cli.run(
                ["apply", "-no-color", "-auto-approve", *targets], self.directory, env=self.env, timeout=1800
            )
            counts = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", applied.output)
            if not applied.ok or not counts:
                raise RehearsalFailed("the restore apply failed:\n" + applied.output[-3000:])
            if counts.group(3) != "0":
                raise RehearsalFailed(f"the restore's plan destroyed or replaced something: {counts.group(0)}")
            restored = _instances(session)
            if not {self.database, f"{self.database}-restored"} <= restored:
                raise RehearsalFailed(f"after the restore, the instances are {sorted(restored)}")
            step.note = (
                f"restore-plan: {len(told.created)} to create, {len(told.follows)} following, {len(told.kept)} kept "
                f"running; {counts.group(0)}; {self.database}-restored and {self.database} both available"
            )
        return told

    def _retire(self) -> dict[str, list[str]]:
        session = self.session
        with beside_step(session, "restore: db_restore_retire_previous, plan and apply") as step:
            _, document = self.synths.join()
            retiring = restore_plan.plan(SynthesizedStack(document, session.stack.name))
            use_state(session, self.retire_directory, document, self.env)
            state = set(cli.run(["state", "list"], self.retire_directory, env=self.env).stdout.split())
            retired = _plan(self.retire_directory, [f"-target={a}" for a in retiring.forgotten if a in state], self.env)
            session.must(
                cli.run(["apply", "-no-color", "restore.tfplan"], self.retire_directory, env=self.env), "apply"
            )
            left = cli.run(["state", "list"], self.retire_directory, env=self.env).stdout.split()
            if "aws_db_instance.postgres_instance" in left or self.database not in _instances(session):
                raise RehearsalFailed("the previous database was not forgotten, or was destroyed")
            step.note = f"{len(retired.get('forget', []))} forgotten, none destroyed; {self.database} still running"
        return retired

    def finish(self) -> list[tuple[str, str]]:
        self.told = self.restoring.join()
        return self._evidence(self.retiring.join())

    def _evidence(self, retired: dict[str, list[str]]) -> list[tuple[str, str]]:
        told, database = self.told, self.database
        follows = ", ".join(a.split(".")[1] for a in told.follows[:3])
        return [
            (
                "restore planned",
                f"make restore-plan: {len(told.created)} created, {len(told.follows)} follow ({follows}...), "
                f"{', '.join(told.kept.values())} kept running",
            ),
            (
                "restore applied",
                f"{database}-restored from snapshot {self.snapshot} with the apply role's keys (its restore call "
                f"allowed under IAM enforcement), {database} still serving; its replica planned only (moto: no "
                "cross-region replica)",
            ),
            (
                "previous retired",
                f"{len(retired.get('forget', []))} addresses forgotten (removed, destroy = false), {database} still "
                "in AWS for the operator to delete with a final snapshot",
            ),
        ]


def _instances(session: Session) -> set[str]:
    return {d["DBInstanceIdentifier"] for d in direct_client(session, "rds").describe_db_instances()["DBInstances"]}


def _synth(session: Session, lines: str, label: str) -> dict:
    try:
        return json.loads(synthesize_with(session.work, session.stack.name, lines, label).read_text())
    except SynthFailed as exc:
        raise RehearsalFailed(str(exc)) from None


def _plan(directory: Path, targets: list[str], env: dict[str, str]) -> dict[str, list[str]]:
    """Plan `targets` (what make restore-plan names) on the state copy, nothing stateful destroyed or
    replaced. The plan is restore.tfplan."""
    planned = cli.run(["plan", "-no-color", "-input=false", "-out=restore.tfplan", *targets], directory, env=env)
    if not planned.ok:
        raise RehearsalFailed("the restore's plan failed:\n" + planned.output[-3000:])
    plan = saved_plan.summary(directory, env, "restore.tfplan")
    dropped = saved_plan.stateful_drops(plan)
    if dropped:
        raise RehearsalFailed(f"the restore plan destroys or replaces {dropped}")
    return plan
