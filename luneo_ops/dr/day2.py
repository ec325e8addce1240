"""Day-2 operations rehearsed on the DR drill's local AWS, after its set-up applied the stack
(docs/OPERATIONS.md, Drift and Restores). Each starts right after the set-up, on a copy of the state
(a local backend), and runs beside the drill on the local AWS's own address, not through the region
cut: they are not part of the outage, and the drill starts from the stack as the set-up left it.

  drift    the state's lock item read with the plan role's keys, IAM enforced; `make drift`'s
           refresh-only plan with those keys: clean but moto's known gaps; a bucket tag, an ingress
           rule on the VPC's closed default security group and an alarm threshold changed with boto3
           as a console click would, each named; reverted, clean. A node group's desired size cannot
           be changed here: moto applies no EKS cluster (tests/test_drift.py reads one from a plan).
  restore  (restore_rehearsal.py) the runbook's manual snapshot, db_restore_from in the tfvars,
           `make restore-plan`, the apply with the apply role's keys (its restore call proven allowed
           while IAM is enforced); on a second copy, db_restore_retire_previous, whose apply forgets
           the previous pair and destroys nothing. moto cannot create the restored replica.

This module holds the drift rehearsal and what both share (a thread beside the drill, its timed
steps, the state copies, the local AWS's own address).
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
from ..local_aws import emulation, iam, server
from ..local_aws.session import RehearsalFailed, Session, Step, global_services_and_dependents
from ..terraform import cli

TAG = ("changed-by", "console")
ALARM_THRESHOLD = 95.0


def applied_targets(session: Session, document: dict, only: set[str] | None = None) -> list[str]:
    """What moto applied, Route 53 and CloudFront apart (moto fails their signatures under enforcement);
    of `only` if given."""
    outside = global_services_and_dependents(SynthesizedStack(document))
    return [
        f"-target={t}" for t in emulation.emulated_targets(document) if t not in outside and (only is None or t in only)
    ]


# --- beside the drill ---


@contextmanager
def beside_step(session: Session, name: str) -> Iterator[Step]:
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
        if self.thread.is_alive() and timeout:
            raise RehearsalFailed("a day-2 rehearsal did not finish within 30 minutes")
        if self.error is not None:
            raise self.error
        return self.result


def pull_state(session: Session, workdir: Path, directory: Path) -> dict:
    """The stack's state, pulled into `directory` (for a local backend); the state, parsed."""
    directory.mkdir(parents=True, exist_ok=True)
    pulled = session.must(session.tf(["state", "pull"], workdir), "terraform state pull")
    (directory / "terraform.tfstate").write_text(pulled.stdout)
    if (workdir / cli.LOCK_FILE).exists():
        shutil.copyfile(workdir / cli.LOCK_FILE, directory / cli.LOCK_FILE)
    return dict(json.loads(pulled.stdout))


def use_state(session: Session, directory: Path, document: dict, env: dict[str, str]) -> None:
    local = {**document, "terraform": {**document["terraform"], "backend": {"local": {"path": "terraform.tfstate"}}}}
    (directory / "cdk.tf.json").write_text(json.dumps(local))
    init = [*cli.init_args(cli.provider_version(document), backend=True, workdir=directory), "-reconfigure"]
    session.must(cli.run(init, directory, env=env), "terraform init (a copy of the state)")


def direct_client(session: Session, service: str) -> Any:
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


def direct_env(session: Session, keys: tuple[str, str]) -> dict[str, str]:
    """The local AWS's own address, not through the region cut: the day-2 rehearsals are not part of
    the outage the drill rehearses beside them."""
    return iam.with_keys(server.aws_env(session.moto_url, session.backend["region"]), keys)


# --- drift ---


class DriftRehearsal:
    """`make drift` on the stack as the set-up applied it, on a copy of its state. `start()` copies the
    state and starts, beside the set-up and the drill: a refresh-only plan with the plan role's keys
    (clean but moto's known gaps), a tag, a default-security-group rule and an alarm threshold changed
    with boto3, the plan again (each named), everything reverted, the plan again (clean).
    `read_lock()` is the nightly job's first call, the lock item read with the plan role's keys, made
    while IAM is enforced; the refreshes' reads are the plan's, proven under enforcement in the set-up
    ("the plan role plans"): beside the drill moto cannot enforce IAM (Route 53 fails it). In
    eu-west-1 only: the drill changes us-east-1."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.directory = session.work / "drift" / session.stack.name
        self.env = direct_env(session, session.plan_keys)
        primary = {a for a, body in session.stack.items(data=False) if "provider" not in body}
        self.targets = applied_targets(session, session.stack.document, primary)
        self.beside: Beside | None = None

    def start(self, workdir: Path) -> None:
        with self.session.step("drift: the state copied for the refresh-only plans beside the drill"):
            self.names = _drift_subjects(self.session, pull_state(self.session, workdir, self.directory))
        self.beside = Beside(self._run)

    def read_lock(self) -> str:
        """The state's lock item with the plan role's keys (IAM enforced by the caller)."""
        session = self.session
        holder = drift.held_lock(_lock_reader(session), f"{session.backend['bucket']}/{session.backend['key']}")
        if holder:
            raise RehearsalFailed(f"a lock is held: {holder}")
        return "the lock item read with the plan role's keys: no lock held"

    def _details(self) -> dict[str, list[str]]:
        try:
            found = drift.refresh_only(self.directory, self.env, targets=self.targets)
        except drift.DriftError as exc:
            raise RehearsalFailed(f"make drift failed with the plan role's keys: {exc}") from None
        return {d.address: [p for p, _, _ in d.attributes] or [d.action] for d in found}

    def _run(self) -> list[tuple[str, str]]:
        session, names = self.session, self.names
        use_state(session, self.directory, session.stack.document, self.env)
        with beside_step(session, "drift: clean after the apply (refresh-only, the plan role's keys)") as step:
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
        with beside_step(
            session, "drift: a tag, a security group rule, an alarm threshold changed out of band"
        ) as step:
            undo = _change_out_of_band(session, names)
            try:
                found = {a: d for a, d in self._details().items() if a not in baseline}
            finally:
                _revert(undo)
            step.note = "; ".join(f"{a}: {', '.join(found[a])}" for a in sorted(found))
        with beside_step(session, "drift: reverted, clean again") as step:
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


def _drift_subjects(session: Session, state: dict) -> dict[str, str]:
    stack = session.stack
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


def _lock_reader(session: Session) -> Callable[[str], dict[str, Any] | None]:
    """`make drift`'s lock read, with the plan role's keys, through the region-cut proxy."""
    import boto3

    return drift.lock_reader(
        lambda: boto3.client(
            "dynamodb",
            endpoint_url=str(session.url),
            region_name=session.backend["region"],
            verify=session.url.ca_bundle,
            aws_access_key_id=session.plan_keys[0],
            aws_secret_access_key=session.plan_keys[1],
        ),
        session.backend["dynamodb_table"],
    )


def _change_out_of_band(session: Session, names: dict[str, str]) -> list[Any]:
    """The three changes, each with the call that undoes it."""
    s3, ec2, cloudwatch = (
        direct_client(session, "s3"),
        direct_client(session, "ec2"),
        direct_client(session, "cloudwatch"),
    )
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
