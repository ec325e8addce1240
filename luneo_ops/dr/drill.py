"""`make dr-drill [STACK=luneo-staging]`: the loss of eu-west-1, rehearsed on the local AWS.

The runbook of docs/DISASTER_RECOVERY.md, as code, through the project's own switches:

  set-up   the local AWS session `make local` runs (local_aws/session.py), behind the region-cut
           proxy and with the Terraform role's generated policies enforced: luneo-bootstrap and the
           stack applied with that role's keys (every AccessDenied would be a missing action), each
           planned again (no change but moto's gaps); then the copies AWS would have made by the
           time of an outage (emulate.py).
  day-2    drift made out of band and found by `make drift` with the plan role's keys; a database
           restore planned, applied and retired on a copy of the state (day2.py, restore_rehearsal.py).
  drill    eu-west-1 cut off (every request signed for it refused, its buckets too); the state's copy
           in us-east-1 (`make failover-backend`); the failover switches in the tfvars
           (db_replica_promoted, dns_force_failover); a plan of what is plannable without eu-west-1
           (`make failover-targets`); its apply; then what the secondary region needs checked there.
  back     eu-west-1 back; the state moved back to the primary backend (`terraform init -migrate-state`).

The report times each step: the drill's steps are the recovery time we control.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from constructs_luneo.config import replica_bucket_name
from constructs_luneo.support.synthesized import SynthesizedStack

from ..local_aws import emulation, iam, trust
from ..local_aws.session import RehearsalFailed, Session
from ..paths import BUILD, OUTDIR
from ..synth import SynthFailed, synthesize_with
from ..terraform import cli
from ..terraform import plan as saved_plan
from . import day2, emulate, failover, restore_rehearsal
from .report import Report

WORK = BUILD / "dr-drill"
PRIMARY, SECONDARY = emulate.PRIMARY, emulate.SECONDARY
DRILL_SWITCHES = {"db_replica_promoted": "true", "dns_force_failover": "true"}


class DrillFailed(RehearsalFailed):
    """A step of the drill did not do what the runbook says."""


class Drill:
    def __init__(self, session: Session) -> None:
        self.session, self.stack, self.backend = session, session.stack, session.backend
        self.report = Report(session.stack.name, steps=session.steps)
        self.workdir: Path = session.work / session.stack.name
        self.failover_dir: Path = session.work / "failover" / session.stack.name
        self.restore: restore_rehearsal.RestoreRehearsal | None = None
        self.drift: day2.DriftRehearsal | None = None

    def init(self, workdir: Path, flags: list[str]) -> cli.Result:
        """terraform init with the provider from the machine's mirror and the local AWS's path-style S3."""
        plugin_dir = cli.find_plugin_dir(cli.provider_version(self.stack.document))
        args = ["init", "-input=false", "-no-color", "-backend-config=use_path_style=true", *flags]
        if (workdir / cli.LOCK_FILE).exists():
            args.append("-lockfile=readonly")
        return self.session.tf(args + ([f"-plugin-dir={plugin_dir}"] if plugin_dir else []), workdir)

    def set_up(self) -> None:
        session = self.session
        self.restore = restore_rehearsal.RestoreRehearsal(session)  # its synths start now, beside the applies
        bootstrap = session.apply_bootstrap()
        self.workdir = session.apply_stack(applied=self._start_day2)
        session.check_backend()
        self._day2_enforced()
        with session.step("image replication waits for the repositories it would otherwise create") as timer:
            self.report.checks.append(session.prove_image_replication_waits(bootstrap))
            timer.note = self.report.checks[-1][1]
        # What the applies were refused, before the trust probes, whose refusals are the point.
        self.report.denied = sorted(set(session.proxy.traffic.denied)) if session.proxy else []
        with session.step("delivery: what the plan and apply roles may and may not do, IAM enforced") as timer:
            self.report.trust = trust.prove(session, self.workdir)
            timer.note = "; ".join(what for what, _ in self.report.trust)
        self.report.emulated.append(
            "RDS DbiResourceId: moto gives every instance the same one; each got its own beside it "
            "(luneo_ops/local_aws/moto_launch.py), as AWS gives them, so a restored database can run beside "
            "the previous one"
        )
        self.report.emulated.append(
            "a node group's desired size changed out of band: moto applies no EKS cluster, so the drift "
            "rehearsal changes a tag, a security group rule and an alarm threshold (tests/test_drift.py reads "
            "a node group's drift from a plan's JSON)"
        )
        self.report.second_plans = session.second_plans
        self.report.emulated.append(
            "what moto cannot create (EKS, ElastiCache, CloudFront response headers "
            "policies...: luneo_ops/local_aws/emulation.py UNSUPPORTED) is left out of the "
            "set-up's applies and of the failover apply"
        )
        self.report.emulated.append(
            "EKS DescribeAddonVersions (the add-ons' default versions, read at plan): not in moto 5.2.5, "
            "answered beside it with v0.0.0-eksbuild.0 (luneo_ops/local_aws/moto_launch.py)"
        )
        self.report.emulated.append(
            "IAM enforcement of Route 53 and CloudFront: moto fails the signature check of "
            "their requests under enforcement; they were applied, and the drill ran, with "
            "enforcement off"
        )
        with session.step("what AWS would have replicated by now (emulated)"):
            self.report.emulated += emulate.replication(session, self.workdir)

    # --- the drill: eu-west-1 is gone ---

    def drill(self) -> None:
        session = self.session
        assert session.proxy is not None
        session.phase = "drill"
        before = len(session.proxy.traffic.requests)
        self._cut()
        with session.step("DNS holds on eu-west-1 until the promotion (detect, promote, then switch)") as timer:
            timer.note = self._dns_holds()
        with session.step("`make failover-check`: the state's copy in us-east-1 is current") as timer:
            current, timer.note = failover.copy_status(
                self.stack, session.outdir, session.client("s3", SECONDARY), session.client("dynamodb", SECONDARY)
            )
            if not current:
                raise DrillFailed(timer.note)
        with session.step("`make failover-backend`: init on the state's copy in us-east-1") as timer:
            flags = failover.backend_config(self.stack, session.outdir, failover=True)
            shutil.copytree(self.workdir, self.failover_dir, ignore=shutil.ignore_patterns("*.tfplan"))
            session.must(self.init(self.failover_dir, ["-reconfigure", *flags]), "failover init")
            timer.note = " ".join(flags)
        with session.step("failover switches in the tfvars, make synth") as timer:
            switched = self._synth_with_switches()
            shutil.copyfile(switched, self.failover_dir / "cdk.tf.json")
            timer.note = ", ".join(f"{k} = {v}" for k, v in DRILL_SWITCHES.items())
        with session.step("`make failover-targets`: plan -refresh=false, without eu-west-1") as timer:
            timer.note = self._failover_plan(SynthesizedStack(json.loads(switched.read_text()), self.stack.name))
        with session.step("apply the failover plan"):
            session.must(session.tf(["apply", "failover.tfplan"], self.failover_dir, timeout=1800), "failover apply")
        with session.step("check what the secondary region needs"):
            self._check_secondary()
        touched = [r for r in session.proxy.traffic.requests[before:] if r.region == PRIMARY and r.status != "cut"]
        if touched:
            raise DrillFailed(f"{len(touched)} request(s) reached eu-west-1 during the drill: {touched[:3]}")
        refused = sum(1 for r in session.proxy.traffic.requests[before:] if r.status == "cut")
        self.report.checks.append(
            (
                "eu-west-1 not needed",
                f"no request reached it during the drill ({refused} refused: the cut's proof alone)",
            )
        )

    def _cut(self) -> None:
        session = self.session
        assert session.proxy is not None
        with session.step("eu-west-1 cut off (every request signed for it refused, its buckets too)") as timer:
            buckets = [self.backend["bucket"]] + [
                b["bucket"] for _, _, b in self.stack.each("aws_s3_bucket") if "provider" not in b
            ]
            session.proxy.cut(PRIMARY, buckets)
            timer.note = self._prove_cut()

    def _prove_cut(self) -> str:
        """What the primary backend answers now: its caller check (STS) and the state object, each asked
        once (no retries: an SDK's backoff on a 503 would only make the proof slower)."""
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError

        session, answers = self.session, []
        keys = {"aws_access_key_id": session.keys[0], "aws_secret_access_key": session.keys[1]}
        options = {"endpoint_url": str(session.url), "region_name": PRIMARY, "verify": session.url.ca_bundle}
        once = Config(retries={"max_attempts": 1, "mode": "standard"})
        calls = (
            ("sts", lambda c: c.get_caller_identity()),
            ("s3", lambda c: c.get_object(Bucket=self.backend["bucket"], Key=self.backend["key"])),
        )
        for service, call in calls:
            try:
                call(boto3.client(service, config=once, **options, **keys))
            except ClientError as exc:
                answers.append(
                    f"{service}: {exc.response['Error'].get('Code')} ({exc.response['Error'].get('Message')})"
                )
                continue
            raise DrillFailed(f"{service} still answers in {PRIMARY}: the region is not cut")
        return "the primary backend answers: " + "; ".join(answers)

    def _dns_answers(self) -> tuple[set[str], dict[str, Any]]:
        records = self.stack.resources["aws_route53_record"]
        zone = next((z["name"] for z in self.stack.data.get("aws_route53_zone", {}).values()), "")
        route53 = self.session.client("route53", SECONDARY)
        return served_record(route53, zone, records["dns_primary-record"]["name"]), records

    def _dns_holds(self) -> str:
        """Before the failover apply, with eu-west-1 gone: the record can only answer the primary
        ingress. Following a failing health check to us-east-1 would send writes to a read replica."""
        answers, records = self._dns_answers()
        primary = records["dns_primary-record"]["records"][0]
        if answers != {primary}:
            raise DrillFailed(
                f"DNS can answer {sorted(answers - {primary})} before the promotion: traffic would follow a health "
                "check to a region whose database and cache are read-only"
            )
        self.report.checks.append(("DNS before the promotion", f"answers only {primary} (no automatic failover)"))
        return f"answers only {primary}"

    def _failover_plan(self, switched: SynthesizedStack) -> str:
        planned, left_out = failover.failover_targets(switched, PRIMARY)
        # What moto could not create in the set-up (EKS, ElastiCache...) it cannot create now either.
        applicable = set(emulation.emulated_targets(switched.document))
        targets = [t for t in planned if t in applicable]
        self.session.must(
            self.session.tf(
                ["plan", "-refresh=false", "-out=failover.tfplan", *[f"-target={t}" for t in targets]],
                self.failover_dir,
                timeout=900,
            ),
            "failover plan",
        )
        self.report.plan = saved_plan.summary(self.failover_dir, self.session.env(), "failover.tfplan")
        self._check_plan()
        return (
            f"{len(planned)} plannable in us-east-1 ({len(planned) - len(targets)} of them not applicable on "
            f"moto), {len(left_out)} left for eu-west-1's return; "
            + ", ".join(f"{k}: {len(v)}" for k, v in sorted(self.report.plan.items()) if k != "no-op")
        )

    def _synth_with_switches(self) -> Path:
        lines = "".join(f"\n{k} = {v}" for k, v in DRILL_SWITCHES.items()) + "\n"
        try:
            return synthesize_with(self.session.work, self.stack.name, lines, "failover")
        except SynthFailed as exc:
            raise DrillFailed(str(exc)) from None

    def _check_plan(self) -> None:
        plan = self.report.plan
        dropped = saved_plan.stateful_drops(plan)
        if dropped:
            raise DrillFailed(f"the failover plan destroys or replaces stateful resources: {dropped}")
        if "aws_db_instance.postgres-replica_instance" not in plan.get("update", []) + plan.get("no-op", []):
            raise DrillFailed(f"the promoted replica is not updated in place: {plan}")

    def _check_secondary(self) -> None:
        checks, client = self.report.checks, self.session.client
        checks.append(("state", self._check_state_copy()))
        answers, records = self._dns_answers()
        secondary = records["dns_secondary-record"]["records"][0]
        if answers != {secondary}:
            raise DrillFailed(f"DNS can still answer {sorted(answers - {secondary})}, not only {secondary}")
        checks.append(
            (
                "DNS",
                f"the failover record answers {secondary} whether or not the primary's health "
                "check passes (dns_force_failover)",
            )
        )
        secret = self.stack.resources["aws_secretsmanager_secret"]["db-credentials_secret"]["name"]
        value = json.loads(client("secretsmanager", SECONDARY).get_secret_value(SecretId=secret)["SecretString"])
        if set(value) != {"engine", "username", "password", "port", "dbname"} or not value["password"]:
            raise DrillFailed(f"the secret's replica in {SECONDARY} is not readable")
        checks.append(("database credentials", f"secret {secret} read in {SECONDARY} (its replica)"))
        db = client("rds", SECONDARY).describe_db_instances()["DBInstances"]
        checks.append(
            (
                "database",
                f"{[d['DBInstanceIdentifier'] for d in db]} in {SECONDARY}, promoted by the "
                "plan (replicate_source_db removed)",
            )
        )
        ecr = client("ecr", SECONDARY)
        repositories = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
        images = {r: len(ecr.list_images(repositoryName=r)["imageIds"]) for r in repositories}
        if not repositories or not all(images.values()):
            raise DrillFailed(f"images missing in {SECONDARY}: {images}")
        checks.append(("images", f"{images} in {SECONDARY}"))
        checks.append(
            (
                "cache",
                "a Global Datastore secondary in us-east-1"
                if self.stack.resources.get("aws_elasticache_global_replication_group")
                else "none in this environment (redis_global_datastore = false): the cache starts empty in "
                "us-east-1; prod's datastore is asserted on its synthesized JSON",
            )
        )

    def _check_state_copy(self) -> str:
        replica_bucket = replica_bucket_name(self.backend["bucket"], SECONDARY)
        key, table = self.backend["key"], self.backend["dynamodb_table"]
        s3_us, ddb_us = self.session.client("s3", SECONDARY), self.session.client("dynamodb", SECONDARY)
        state = s3_us.get_object(Bucket=replica_bucket, Key=key)["Body"].read()
        items = {i["LockID"]["S"]: i for i in ddb_us.scan(TableName=table)["Items"]}
        digest = items.get(f"{replica_bucket}/{key}-md5", {}).get("Digest", {}).get("S")
        if digest != hashlib.md5(state).hexdigest() or f"{replica_bucket}/{key}" in items:
            raise DrillFailed(f"the us-east-1 lock table does not hold the state's digest, or holds a lock: {items}")
        return (
            f"s3://{replica_bucket}/{key}, serial {json.loads(state)['serial']}, locked and digested in {table} "
            f"({SECONDARY}); no lock left"
        )

    def _start_day2(self, workdir: Path) -> None:
        """The day-2 rehearsals, as soon as the stack is applied: on copies of its state, beside the rest
        of the set-up and the drill (on the local AWS's own address, not through the region cut: they
        are not part of the outage); finish_day2 collects them."""
        session = self.session
        session.phase = "day-2"
        assert self.restore is not None
        self.restore.start(workdir)
        self.drift = day2.DriftRehearsal(session)
        self.drift.start(workdir)
        session.phase = "set-up"

    def _day2_enforced(self) -> None:
        """The day-2 calls whose IAM check matters: the drift job's lock read with the plan role's keys,
        the restore call with the apply role's."""
        session = self.session
        assert self.restore is not None and self.drift is not None
        session.phase = "day-2"
        with session.step("the drift's lock read and the restore call, IAM enforced") as timer:
            iam.enforce_iam(session.url)
            try:
                timer.note = f"{self.drift.read_lock()}; {self.restore.authorized()}"
            finally:
                iam.enforce_iam(session.url, on=False)
        session.phase = "set-up"

    def finish_day2(self) -> None:
        """The day-2 rehearsals that ran beside the drill: their results, their steps already timed."""
        assert self.drift is not None and self.restore is not None
        self.session.phase = "day-2"
        self.report.day2 = self.drift.finish() + self.restore.finish()

    # --- back: eu-west-1 has returned ---

    def back(self) -> None:
        session, backend = self.session, self.backend
        assert session.proxy is not None
        session.phase = "back"
        with session.step("eu-west-1 back"):
            session.proxy.heal()
        with session.step("`make failback-backend`: init -migrate-state to the primary backend") as timer:
            flags = failover.backend_config(self.stack, session.outdir, failover=False)
            session.must(self.init(self.failover_dir, ["-migrate-state", "-force-copy", *flags]), "init -migrate-state")
            state = session.client("s3").get_object(Bucket=backend["bucket"], Key=backend["key"])["Body"].read()
            digest = session.client("dynamodb").get_item(
                TableName=backend["dynamodb_table"], Key={"LockID": {"S": f"{backend['bucket']}/{backend['key']}-md5"}}
            )["Item"]["Digest"]["S"]
            if digest != hashlib.md5(state).hexdigest():
                raise DrillFailed("the primary lock table's digest does not match the state moved back")
            timer.note = f"serial {json.loads(state)['serial']} in s3://{backend['bucket']}, digest matches"


def served_record(route53: Any, zone_name: str, record_name: str) -> set[str]:
    """What Route 53 can answer for a failover record, whatever the health checks say: the PRIMARY
    record's value, and the SECONDARY's too when the PRIMARY has a health check (a failing check
    answers the SECONDARY; a PRIMARY without one "is always healthy", Route 53 developer guide,
    "How Amazon Route 53 chooses records when health checking is configured"). moto has no resolver
    (and reports every check healthy): the drill reads the records and takes every possible answer,
    since a region cut off may still half-answer its health checkers."""
    zone = next(z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == zone_name)
    records = [
        r
        for r in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        if r["Name"].rstrip(".") == record_name and r.get("Failover")
    ]
    primary = [r for r in records if r["Failover"] == "PRIMARY"]
    served = primary + (
        [r for r in records if r["Failover"] == "SECONDARY"] if any(r.get("HealthCheckId") for r in primary) else []
    )
    return {value["Value"].rstrip(".") for r in served for value in r["ResourceRecords"]}


def run(
    stack_name: str = "luneo-staging", outdir: Path = OUTDIR, work: Path = WORK, log: Any = lambda line: None
) -> Report:
    """The whole drill in a fresh `work` directory; the report, or DrillFailed / RehearsalFailed."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    with Session(outdir, stack_name, work, iam_enforced=True, region_cut=True, log=log) as session:
        drill = Drill(session)
        drill.set_up()
        drill.drill()
        drill.back()
        drill.finish_day2()
    return drill.report
