"""Day-2 operations rehearsed on the DR drill's local AWS, after its set-up applied the stack
(docs/OPERATIONS.md, Drift and Restores). Each starts right after the set-up, on a copy of the state
(a local backend), and runs beside the drill on the local AWS's own address, not through the region
cut: they are not part of the outage, and the drill starts from the stack as the set-up left it.

  drift    the state's lock item read with the plan role's keys, IAM enforced; then `make drift`'s
           refresh-only plan with those keys: clean but moto's known gaps; a bucket tag, an ingress
           rule on the VPC's closed default security group and an alarm threshold changed with boto3
           as a console click would, each named; reverted, clean. A node group's desired size cannot
           be changed here: moto applies no EKS cluster (tests/test_drift.py reads one from a plan).
  restore  the runbook's manual snapshot, db_restore_from in the tfvars, `make restore-plan`, the plan
           and the apply with the apply role's keys, IAM enforced (until RDS has the restored
           instance); then db_restore_retire_previous, whose apply forgets the previous pair and
           destroys nothing. moto cannot create the restored replica (a cross-region replica).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from constructs_luneo.support.synthesized import SynthesizedStack

from .. import drift
from .. import restore as restore_plan
from ..local_aws import emulation, iam, server
from ..local_aws.session import RehearsalFailed, Session, Step, global_services_and_dependents
from ..synth import SynthFailed, synthesize_with
from ..terraform import cli
from ..terraform import plan as saved_plan

SNAPSHOT = "{database}-before-restore-rehearsal"
TAG = ("changed-by", "console")
ALARM_THRESHOLD = 95.0


def _targets(session: Session, document: dict, only: set[str] | None = None) -> list[str]:
    """What moto applied, Route 53 and CloudFront apart (moto fails their signatures under enforcement);
    of `only` if given."""
    outside = global_services_and_dependents(SynthesizedStack(document))
    return [
        f"-target={t}" for t in emulation.emulated_targets(document) if t not in outside and (only is None or t in only)
    ]


# --- beside the drill ---


@contextmanager
def _step(session: Session, name: str) -> Iterator[Step]:
    """A step timed in a thread beside the drill: phase day-2 whatever the drill's phase is then."""
    session.log(f"[{time.strftime('%H:%M:%S')}] day-2 (beside the drill): {name}")
    step, started = Step("day-2", name, 0.0), time.monotonic()
    try:
        yield step
    finally:
        step.seconds = time.monotonic() - started
        session.steps.append(step)


class Beside:
    """Runs `work` in a thread; `join()` returns its result or raises what it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self.result = work()
        except BaseException as exc:  # noqa: BLE001 - handed to join()
            self.error = exc

    def join(self, timeout: float = 1800) -> Any:
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise RehearsalFailed("a day-2 rehearsal did not finish within 30 minutes")
        if self.error is not None:
            raise self.error
        return self.result


def _local_copy(session: Session, workdir: Path, directory: Path, document: dict, env: dict[str, str]) -> None:
    """The stack's state pulled into `directory`, on a local backend, initialized for `document`."""
    directory.mkdir(parents=True, exist_ok=True)
    pulled = session.must(session.tf(["state", "pull"], workdir), "terraform state pull")
    (directory / "terraform.tfstate").write_text(pulled.stdout)
    if (workdir / cli.LOCK_FILE).exists():
        shutil.copyfile(workdir / cli.LOCK_FILE, directory / cli.LOCK_FILE)
    _use(session, directory, document, env)


def _use(session: Session, directory: Path, document: dict, env: dict[str, str]) -> None:
    local = {**document, "terraform": {**document["terraform"], "backend": {"local": {"path": "terraform.tfstate"}}}}
    (directory / "cdk.tf.json").write_text(json.dumps(local))
    init = [*cli.init_args(cli.provider_version(document), backend=True, workdir=directory), "-reconfigure"]
    session.must(cli.run(init, directory, env=env), "terraform init (a copy of the state)")


def _client(session: Session, service: str) -> Any:
    """A boto3 client of the local AWS's own address (administrator keys), not through the region cut."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=str(session.moto_url),
        region_name=session.backend["region"],
        verify=session.url.ca_bundle,
        aws_access_key_id=session.admin_keys[0],
        aws_secret_access_key=session.admin_keys[1],
    )


def _direct_env(session: Session, keys: tuple[str, str]) -> dict[str, str]:
    """The local AWS's own address, not through the region cut: the day-2 rehearsals are not part of
    the outage the drill rehearses beside them."""
    return iam.with_keys(server.aws_env(session.moto_url, session.backend["region"]), keys)


# --- drift ---


class DriftRehearsal:
    """`make drift` on the stack as the set-up applied it. `start()` reads the state's lock item with
    the plan role's keys under IAM enforcement (the nightly job's first call), copies the state and
    starts the rest beside the drill: a refresh-only plan with the plan role's keys (clean but moto's
    known gaps), a tag, a default-security-group rule and an alarm threshold changed with boto3, the
    plan again (each named), everything reverted, the plan again (clean). Its reads are the plan's,
    which the set-up proved under enforcement ("the plan role plans"); beside the drill the local AWS
    cannot enforce IAM (Route 53 fails it). In eu-west-1 only: the drill changes us-east-1."""

    def __init__(self, session: Session, workdir: Path) -> None:
        self.session, self.workdir = session, workdir
        self.directory = session.work / "drift" / session.stack.name
        self.env = _direct_env(session, session.plan_keys)
        document = session.stack.document
        primary = {a for a, body in session.stack.items(data=False) if "provider" not in body}
        self.targets = _targets(session, document, primary)
        self.beside: Beside | None = None

    def start(self) -> None:
        session = self.session
        with session.step("drift: the state's lock item read with the plan role's keys, IAM enforced") as timer:
            iam.enforce_iam(session.url)
            try:
                holder = drift.held_lock(_lock_reader(session), f"{session.backend['bucket']}/{session.backend['key']}")
            finally:
                iam.enforce_iam(session.url, on=False)
            if holder:
                raise RehearsalFailed(f"a lock is held: {holder}")
            self.names = _drift_subjects(session, self.workdir)
            _local_copy(session, self.workdir, self.directory, session.stack.document, self.env)
            timer.note = "no lock held; the state copied for the refresh-only plans beside the drill"
        self.beside = Beside(self._run)

    def _details(self) -> dict[str, list[str]]:
        try:
            found = drift.refresh_only(self.directory, self.env, targets=self.targets)
        except drift.DriftError as exc:
            raise RehearsalFailed(f"make drift failed with the plan role's keys: {exc}") from None
        return {d.address: [p for p, _, _ in d.attributes] or [d.action] for d in found}

    def _run(self) -> list[tuple[str, str]]:
        session, names = self.session, self.names
        with _step(session, "drift: clean after the apply (refresh-only, the plan role's keys)") as step:
            details = self._details()
            unexplained = sorted(
                f"{a}: {p}"
                for a, paths in details.items()
                for p in paths
                if (a.split(".")[0], p) not in emulation.KNOWN_DRIFT
            )
            if unexplained:
                raise RehearsalFailed(f"drift right after the apply, which moto does not explain: {unexplained}")
            baseline = set(details)
            step.note = "no drift" + (f" but moto's known gaps ({len(baseline)} resources)" if baseline else "")
        with _step(session, "drift: a tag, a security group rule, an alarm threshold changed out of band") as step:
            undo = _change_out_of_band(session, names)
            try:
                found = {a: d for a, d in self._details().items() if a not in baseline}
            finally:
                _revert(undo)
            step.note = "; ".join(f"{a}: {', '.join(found[a])}" for a in sorted(found))
        with _step(session, "drift: reverted, clean again") as step:
            after = set(self._details()) - baseline
            step.note = "no drift" if not after else f"still drifted: {sorted(after)}"
        expected = {names["bucket_address"], names["sg_address"], names["alarm_address"]}
        if set(found) != expected:
            raise RehearsalFailed(f"make drift named {sorted(found)}, expected {sorted(expected)} ({sorted(baseline)})")
        if after:
            raise RehearsalFailed(f"still drifted after the revert: {sorted(after)}")
        return [
            ("drift detected", _evidence(found)),
            ("drift clean after the revert", "no resource drifted (the plan role's keys)"),
        ]

    def finish(self) -> list[tuple[str, str]]:
        assert self.beside is not None
        return list(self.beside.join())


def _revert(undo: list[Any]) -> None:
    for revert in undo:
        revert()


def _evidence(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{a} ({', '.join(paths)})" for a, paths in sorted(found.items()))


def _drift_subjects(session: Session, workdir: Path) -> dict[str, str]:
    stack = session.stack
    state = json.loads(session.must(session.tf(["state", "pull"], workdir), "terraform state pull").stdout)
    group = next(
        r["instances"][0]["attributes"]["id"]
        for r in state["resources"]
        if r["type"] == "aws_default_security_group" and r["name"] == "network-primary_default-sg"
    )
    alarm = stack.resources["aws_cloudwatch_metric_alarm"]["alarm-db-cpu"]["alarm_name"]
    return {
        "bucket": stack.resources["aws_s3_bucket"]["assets_bucket"]["bucket"],
        "bucket_address": "aws_s3_bucket.assets_bucket",
        "sg": group,
        "sg_address": "aws_default_security_group.network-primary_default-sg",
        "alarm": alarm,
        "alarm_address": "aws_cloudwatch_metric_alarm.alarm-db-cpu",
    }


def _lock_reader(session: Session) -> Any:
    import boto3

    from .. import drift as library

    client = boto3.client(
        "dynamodb",
        endpoint_url=str(session.url),
        region_name=session.backend["region"],
        verify=session.url.ca_bundle,
        aws_access_key_id=session.plan_keys[0],
        aws_secret_access_key=session.plan_keys[1],
    )

    def read(lock_id: str) -> Any:
        try:
            return client.get_item(TableName=session.backend["dynamodb_table"], Key={"LockID": {"S": lock_id}}).get(
                "Item"
            )
        except Exception as exc:  # noqa: BLE001 - what the command reports as one line
            raise library.DriftError(library.classify(f"{exc.__class__.__name__}: {exc}")) from None

    return read


def _change_out_of_band(session: Session, names: dict[str, str]) -> list[Any]:
    """The three changes, each with the call that undoes it."""
    s3, ec2, cloudwatch = _client(session, "s3"), _client(session, "ec2"), _client(session, "cloudwatch")
    tags = s3.get_bucket_tagging(Bucket=names["bucket"])["TagSet"]
    s3.put_bucket_tagging(Bucket=names["bucket"], Tagging={"TagSet": [*tags, {"Key": TAG[0], "Value": TAG[1]}]})
    group = names["sg"]
    permission = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
    alarm = cloudwatch.describe_alarms(AlarmNames=[names["alarm"]])["MetricAlarms"][0]
    cloudwatch.put_metric_alarm(**_alarm_arguments(alarm, ALARM_THRESHOLD))
    return [
        lambda: s3.put_bucket_tagging(Bucket=names["bucket"], Tagging={"TagSet": tags}),
        lambda: ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[permission]),
        lambda: cloudwatch.put_metric_alarm(**_alarm_arguments(alarm, alarm["Threshold"])),
    ]


def _alarm_arguments(alarm: dict[str, Any], threshold: float) -> dict[str, Any]:
    keys = (
        "AlarmName",
        "AlarmDescription",
        "ActionsEnabled",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "MetricName",
        "Namespace",
        "Statistic",
        "Dimensions",
        "Period",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "ComparisonOperator",
        "TreatMissingData",
    )
    return {**{k: alarm[k] for k in keys if k in alarm}, "Threshold": threshold}


# --- restore ---


class RestoreRehearsal:
    """The runbook of docs/OPERATIONS.md "Restores" on a copy of the stack's state. `start()` takes the
    manual snapshot, synthesizes with db_restore_from, reads `make restore-plan`, plans what it names
    with the apply role's keys under IAM enforcement and starts the apply; it returns once RDS has the
    restored instance (the IAM-checked call made). The rest runs beside the drill on the local AWS's
    own address: the apply's waits (about 3 minutes on moto: the restore, then a change of what a
    restore cannot set), then db_restore_retire_previous (synth, plan, apply: forgotten, not
    destroyed). `finish()` waits for it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.database = session.stack.resources["aws_db_instance"]["postgres_instance"]["identifier"]
        self.snapshot = SNAPSHOT.format(database=self.database)
        self.directory = session.work / "restore" / session.stack.name
        self.beside: Beside | None = None
        # The two tfvars edits of the runbook, synthesized while the set-up applies (main.py alone).
        restore = f'db_restore_from = "snapshot:{self.snapshot}"\n'
        retire = restore + "db_restore_retire_previous = true\n"
        self.synths = Beside(lambda: (_synth(session, restore, "restore"), _synth(session, retire, "retire")))

    def start(self, workdir: Path) -> None:
        session = self.session
        self.env = _direct_env(session, session.keys)
        with session.step(f"restore: the manual snapshot (aws rds create-db-snapshot ... {self.snapshot})") as timer:
            session.client("rds").create_db_snapshot(
                DBInstanceIdentifier=self.database, DBSnapshotIdentifier=self.snapshot
            )
            timer.note = f"{self.snapshot} of {self.database}"
        with session.step(
            "restore: db_restore_from in the tfvars (synthesized beside the applies), make restore-plan"
        ) as timer:
            self.document, self.retiring = self.synths.join()
            self.told = restore_plan.plan(SynthesizedStack(self.document, session.stack.name))
            timer.note = (
                f"{len(self.told.created)} to create, {len(self.told.follows)} following, "
                f"{len(self.told.kept)} kept running"
            )
        with session.step("restore: plan (the apply role's keys, IAM enforced), apply started") as timer:
            _local_copy(session, workdir, self.directory, self.document, self.env)
            # The alarms that follow the database are planned, not applied here: the drift rehearsal
            # beside it changes one of them out of band.
            only = {a for a in [*self.told.created, *self.told.follows] if not a.startswith("aws_cloudwatch_metric")}
            iam.enforce_iam(session.url)
            try:
                self.plan = _plan(self.directory, _targets(session, self.document, only), self.env)
                applied: list[cli.Result] = []
                self.beside = Beside(lambda: self._apply_and_retire(applied))
                self._wait_for_the_restored_instance(applied)
            finally:
                iam.enforce_iam(session.url, on=False)
            timer.note = f"{len(self.plan.get('create', []))} to create, {len(self.plan.get('update', []))} to update"

    def _wait_for_the_restored_instance(self, applied: list[cli.Result]) -> None:
        deadline = time.monotonic() + 300
        while f"{self.database}-restored" not in _instances(self.session):
            if applied or time.monotonic() > deadline:
                output = applied[0].output[-3000:] if applied else "(still running)"
                raise RehearsalFailed(f"the restore apply did not restore {self.database}:\n{output}")
            time.sleep(1)

    def _apply_and_retire(self, applied: list[cli.Result]) -> list[tuple[str, str]]:
        session = self.session
        with _step(session, "restore: the apply completes (the provider's waits)") as step:
            applied.append(
                cli.run(["apply", "-no-color", "restore.tfplan"], self.directory, env=self.env, timeout=1800)
            )
            if not applied[0].ok:
                raise RehearsalFailed("the restore apply failed:\n" + applied[0].output[-3000:])
            restored = _instances(session)
            if not {self.database, f"{self.database}-restored"} <= restored:
                raise RehearsalFailed(f"after the restore, the instances are {sorted(restored)}")
            step.note = f"{self.database}-restored and {self.database} both available"
        with _step(session, "restore: db_restore_retire_previous, plan and apply") as step:
            document = self.retiring
            retiring = restore_plan.plan(SynthesizedStack(document, session.stack.name))
            _use(session, self.directory, document, self.env)
            state = set(cli.run(["state", "list"], self.directory, env=self.env).stdout.split())
            retired = _plan(self.directory, [f"-target={a}" for a in retiring.forgotten if a in state], self.env)
            session.must(cli.run(["apply", "-no-color", "restore.tfplan"], self.directory, env=self.env), "apply")
            left = cli.run(["state", "list"], self.directory, env=self.env).stdout.split()
            if "aws_db_instance.postgres_instance" in left or self.database not in _instances(session):
                raise RehearsalFailed("the previous database was not forgotten, or was destroyed")
            step.note = f"{len(retired.get('forget', []))} forgotten, none destroyed; {self.database} still running"
        return self._evidence(retired)

    def finish(self) -> list[tuple[str, str]]:
        assert self.beside is not None
        return list(self.beside.join())

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
                f"{database}-restored from snapshot {self.snapshot} by the apply role (IAM enforced), {database} "
                "still serving; its replica planned only (moto: no cross-region replica)",
            ),
            (
                "previous retired",
                f"{len(retired.get('forget', []))} addresses forgotten (removed, destroy = false), {database} still "
                "in AWS for the operator to delete with a final snapshot",
            ),
        ]


def _instances(session: Session) -> set[str]:
    return {d["DBInstanceIdentifier"] for d in _client(session, "rds").describe_db_instances()["DBInstances"]}


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
