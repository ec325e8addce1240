"""`make dr-drill [STACK=luneo-staging]`: the loss of eu-west-1, rehearsed on the local AWS.

The runbook of docs/DISASTER_RECOVERY.md, as code, through the project's own switches:

  set-up   moto behind a region-cut proxy (scripts/region_cut.py); the backend as the docs' CLI made it;
           the Terraform role as an IAM user holding exactly the generated policies (iam/), with IAM
           enforced; luneo-bootstrap and the stack applied with that user's keys (every AccessDenied
           would be a missing action); the copies AWS would have made by the time of an outage.
  drill    eu-west-1 cut off (every request signed for it refused, its buckets too); the state's copy
           in us-east-1 (`make failover-backend`); the failover switches in the tfvars
           (db_replica_promoted, dns_force_failover); a plan of what is plannable without eu-west-1
           (`make failover-targets`); its apply; then what the secondary region needs checked there.
  back     eu-west-1 back; the state moved back to the primary backend (`terraform init -migrate-state`).

What moto cannot do is emulated in the set-up and says so in the report (it copies what AWS would
have replicated: the state objects, the lock table's items, the images, and the read replica the
stack would hold). The report times each step: the drill's steps are the recovery time we control.

Usage: python -m scripts.dr_drill [STACK] [CDKTF_OUT] [--work DIR] [--synth] [--json FILE]
       (default luneo-staging, cdktf.out; tests/test_dr_drill.py runs it with --synth --json)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from constructs_luneo.support.facts import STATEFUL_TYPES
from scripts import failover, iam_policy, local_aws, terraform_cli
from scripts.region_cut import RegionCutProxy

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".build" / "dr-drill"
PRIMARY, SECONDARY = "eu-west-1", "us-east-1"
DRILL_SWITCHES = {"db_replica_promoted": "true", "dns_force_failover": "true"}


class DrillFailed(Exception):
    """A step of the drill did not do what the runbook says."""


@dataclass
class Step:
    phase: str
    name: str
    seconds: float
    note: str = ""


@dataclass
class Report:
    stack: str
    steps: list[Step] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (what the secondary needs, evidence)
    emulated: list[str] = field(default_factory=list)  # what moto cannot do, and what the drill did instead
    denied: list[str] = field(default_factory=list)
    plan: dict[str, list[str]] = field(default_factory=dict)

    def recovery_seconds(self) -> float:
        return sum(s.seconds for s in self.steps if s.phase == "drill")

    def render(self) -> str:
        lines = [f"DR drill on the local AWS: {self.stack}, eu-west-1 cut off", ""]
        width = max(len(s.name) for s in self.steps)
        for phase in ("set-up", "drill", "back"):
            lines.append(f"{phase}:")
            lines += [f"  {s.name:<{width}}  {s.seconds:6.1f} s  {s.note}".rstrip()
                      for s in self.steps if s.phase == phase]
        lines += ["", f"recovery time of the steps we control (drill): {self.recovery_seconds():.0f} s", "",
                  "what the secondary region needs, checked there with eu-west-1 cut off:"]
        lines += [f"  {what}: {evidence}" for what, evidence in self.checks]
        lines += ["", "emulated (moto cannot do it; the drill did what AWS would have done):"]
        lines += [f"  - {line}" for line in self.emulated]
        return "\n".join(lines)


class Drill:
    def __init__(self, stack_name: str, outdir: Path, work: Path) -> None:
        self.stack_name, self.outdir, self.work = stack_name, outdir, work
        self.stack = json.loads((outdir / "stacks" / stack_name / "cdk.tf.json").read_text())
        self.bootstrap = json.loads((outdir / "stacks" / "luneo-bootstrap" / "cdk.tf.json").read_text())
        self.backend = self.stack["terraform"]["backend"]["s3"]
        self.report = Report(stack_name)
        self._phase = "set-up"

    # --- helpers ---

    def step(self, name: str, note: str = "") -> _Timer:
        return _Timer(self, name, note)

    def tf(self, args: list[str], workdir: Path, *, user: bool = True, timeout: int = 1800) -> terraform_cli.Result:
        env = local_aws.with_keys(self.env, self.keys if user else self.admin_keys)
        if args[0] in ("plan", "apply"):  # options before a plan file's name
            args = [args[0], "-no-color", "-input=false", *args[1:]]
        return terraform_cli.run(args, workdir, env=env, timeout=timeout)

    def init(self, workdir: Path, flags: list[str]) -> terraform_cli.Result:
        """terraform init with the provider from the machine's mirror (terraform_cli) and the local AWS's
        path-style S3, plus `flags`."""
        plugin_dir = terraform_cli.find_plugin_dir(terraform_cli.provider_version(self.stack))
        args = ["init", "-input=false", "-no-color", "-backend-config=use_path_style=true", *flags]
        return self.tf(args + ([f"-plugin-dir={plugin_dir}"] if plugin_dir else []), workdir)

    def must(self, result: terraform_cli.Result, what: str) -> terraform_cli.Result:
        if not result.ok:
            denied = sorted(set(self.proxy.traffic.denied)) if hasattr(self, "proxy") else []
            errors = [line for line in result.output.splitlines() if line.startswith("Error")][:20]
            raise DrillFailed(f"{what} failed" + (f"; the local AWS denied {denied}" if denied else "") + ":\n"
                              + "\n".join(errors or [result.output.strip()[-3000:]]))
        return result

    def client(self, service: str, region: str = PRIMARY) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=str(self.url), region_name=region, verify=self.url.ca_bundle,
                            aws_access_key_id=self.admin_keys[0], aws_secret_access_key=self.admin_keys[1])

    # --- set-up: what exists when the outage starts ---

    def set_up(self, stack: ExitStack) -> None:
        with self.step("local AWS: moto behind the region-cut proxy"):
            moto = stack.enter_context(local_aws.moto_server(self.work, log=self.work / "moto.log"))
            self.proxy = RegionCutProxy(moto, moto.ca_bundle, self.work / "moto.key")
            self.url = local_aws.LocalAws(stack.enter_context(self.proxy))
            self.url.ca_bundle = moto.ca_bundle
            self.env = {**local_aws.aws_env(self.url, self.backend["region"]), "AWS_MAX_ATTEMPTS": "2"}
            self.admin_keys = ("test", "test")
            local_aws.create_legacy_backend(self.url, self.backend["bucket"], self.backend["dynamodb_table"],
                                            self.backend["region"])
            local_aws.create_existing_zones(self.url, [self.stack])
        with self.step("IAM: the Terraform role with exactly the generated policies, enforced"):
            stacks = terraform_cli.synthesized_stacks(self.outdir)
            documents = [local_aws.moto_readable(d) for d in iam_policy.split(iam_policy.policy(stacks))]
            self.keys = local_aws.create_iam_user(self.url, "luneo-terraform", documents)
            self.admin_keys = local_aws.create_iam_user(self.url, "drill-admin", [
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}])
            local_aws.enforce_iam(self.url)
        with self.step("luneo-bootstrap: init, apply (the Terraform role)"):
            self.boot = local_aws.prepare_workdir(self.outdir / "stacks" / "luneo-bootstrap" / "cdk.tf.json",
                                                  self.work / "luneo-bootstrap")
            self.must(local_aws.init(self.boot, local_aws.with_keys(self.env, self.keys)), "bootstrap init")
            targets = local_aws.emulated_targets(self.bootstrap)
            self.must(self.tf(["apply", "-auto-approve", *[f"-target={t}" for t in targets]], self.boot),
                      "bootstrap apply")
        with self.step(f"{self.stack_name}: init on the S3 backend, apply (the Terraform role)") as timer:
            self.workdir = local_aws.prepare_workdir(self.outdir / "stacks" / self.stack_name / "cdk.tf.json",
                                                     self.work / self.stack_name)
            self.must(local_aws.init(self.workdir, local_aws.with_keys(self.env, self.keys)), "init")
            targets = local_aws.emulated_targets(self.stack)
            dns = global_rest_dependents(self.stack)
            enforced = [t for t in targets if t not in dns]
            self.must(self.tf(["apply", "-auto-approve", "-parallelism=20", *[f"-target={t}" for t in enforced]],
                              self.workdir, timeout=3600), "apply")
            self.report.denied = sorted(set(self.proxy.traffic.denied))
            if self.report.denied:
                raise DrillFailed(f"the Terraform role was denied {self.report.denied}: a missing action in iam/")
            # moto fails the SigV4 check of Route 53 and CloudFront reads under IAM enforcement, whoever signs.
            local_aws.enforce_iam(self.url, on=False)
            self.must(self.tf(["apply", "-auto-approve", *[f"-target={t}" for t in targets if t in dns]],
                              self.workdir), "apply of the DNS records")
            timer.note = (f"{len(enforced)} resources applied with the Terraform role's keys under IAM enforcement, "
                          f"then {len([t for t in targets if t in dns])} Route 53 and CloudFront ones without")
        self.report.emulated.append("what moto cannot create (EKS, ElastiCache, CloudFront response headers "
                                    "policies...: scripts/local_aws.py UNSUPPORTED) is left out of the set-up's "
                                    "applies and of the failover apply")
        self.report.emulated.append("IAM enforcement of Route 53 and CloudFront: moto fails the signature check of "
                                    "their requests under enforcement; they were applied, and the drill ran, with "
                                    "enforcement off")
        with self.step("what AWS would have replicated by now (emulated)"):
            self._emulate_replication()

    def _zone_name(self) -> str | None:
        zones = self.stack.get("data", {}).get("aws_route53_zone", {})
        return next((z["name"] for z in zones.values()), None)

    def _emulate_replication(self) -> None:
        """The read replica first: its import writes the state, which is then copied."""
        from constructs_luneo.config import replica_bucket_name

        self._emulate_read_replica()
        self._emulate_images()
        s3, s3_us = self.client("s3"), self.client("s3", SECONDARY)
        replica = replica_bucket_name(self.backend["bucket"], SECONDARY)
        for listed in s3.list_objects_v2(Bucket=self.backend["bucket"]).get("Contents", []):
            body = s3.get_object(Bucket=self.backend["bucket"], Key=listed["Key"])["Body"].read()
            s3_us.put_object(Bucket=replica, Key=listed["Key"], Body=body)
        self.report.emulated.append(f"S3 replication (RTC): moto copies no object; the drill copied the state "
                                    f"objects of {self.backend['bucket']} to {replica}")
        table = self.backend["dynamodb_table"]
        ddb, ddb_us = self.client("dynamodb"), self.client("dynamodb", SECONDARY)
        ddb_us.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}])
        for item in ddb.scan(TableName=table)["Items"]:
            ddb_us.put_item(TableName=table, Item=item)
        self.report.emulated.append(f"DynamoDB global table: moto has no replicas (the provider would wait 30 "
                                    f"minutes for one); the drill created {table} in {SECONDARY} with the items")

    def _emulate_images(self) -> None:
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
                                          "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()}, "layers": []})
        for region in (PRIMARY, SECONDARY):
            ecr = self.client("ecr", region)
            for repository in self.stack["resource"]["aws_ecr_repository"].values():
                if (repository.get("provider") == "aws.secondary") == (region == SECONDARY):
                    ecr.put_image(repositoryName=repository["name"], imageManifest=manifest, imageTag="drill")
        self.report.emulated.append("ECR replication: moto stores the registry's replication configuration but "
                                    "copies no image; the drill pushed the image to both regions' repositories")

    def _emulate_read_replica(self) -> None:
        """moto cannot create a cross-region read replica (it looks the subnet group up in the source's
        region): the drill creates the us-east-1 instance the replica is, and imports it."""
        body = self.stack["resource"]["aws_db_instance"].get("postgres-replica_instance")
        if body is None:
            return
        state = {r["address"]: r for r in self._state_resources()}
        value = lambda address, attribute: state[address]["values"][attribute]  # noqa: E731
        key = body["kms_key_id"].split(".")[1]
        rds = self.client("rds", SECONDARY)
        rds.create_db_instance(
            DBInstanceIdentifier=body["identifier"], Engine="postgres", DBInstanceClass=body["instance_class"],
            AllocatedStorage=20, MasterUsername="luneo_admin", MasterUserPassword="drill-only-" + os.urandom(8).hex(),
            StorageEncrypted=True, KmsKeyId=value(f"aws_kms_key.{key}", "arn"), StorageType="gp3",
            DBSubnetGroupName=value("aws_db_subnet_group.postgres-replica_subnet-group", "name"),
            VpcSecurityGroupIds=[value("aws_security_group.postgres-replica_security-group", "id")],
            DBParameterGroupName=value("aws_db_parameter_group.postgres-replica_parameter-group", "name"),
            BackupRetentionPeriod=body.get("backup_retention_period", 7), DeletionProtection=True)
        self.must(self.tf(["import", "-no-color", "-input=false", "aws_db_instance.postgres-replica_instance",
                           body["identifier"]], self.workdir), "import of the read replica")
        self.report.emulated.append("RDS cross-region read replica: moto cannot create one; the drill created the "
                                    "us-east-1 instance and imported it as the replica")

    def _state_resources(self) -> Iterator[dict]:
        shown = self.must(self.tf(["show", "-json", "-no-color"], self.workdir), "terraform show")
        yield from json.loads(shown.stdout).get("values", {}).get("root_module", {}).get("resources", [])

    # --- the drill: eu-west-1 is gone ---

    def drill(self) -> None:
        self._phase = "drill"
        before = len(self.proxy.traffic.requests)
        with self.step("eu-west-1 cut off (every request signed for it refused, its buckets too)") as timer:
            buckets = [self.backend["bucket"]] + [b["bucket"] for b in self.stack["resource"]["aws_s3_bucket"].values()
                                                  if "provider" not in b]
            self.proxy.cut(PRIMARY, buckets)
            refused = self.tf(["plan", "-lock-timeout=0s"], self.workdir, timeout=600)
            if refused.ok:
                raise DrillFailed("a plan on the primary backend still works: the region is not cut")
            timer.note = "the primary backend answers: " + _first_error(refused.output)
        with self.step("`make failover-check`: the state's copy in us-east-1 is current") as timer:
            current, timer.note = failover.copy_status(self.stack, self.outdir, self.client("s3", SECONDARY),
                                                       self.client("dynamodb", SECONDARY))
            if not current:
                raise DrillFailed(timer.note)
        failover_dir = self.work / "failover" / self.stack_name
        with self.step("`make failover-backend`: init on the state's copy in us-east-1") as timer:
            flags = failover.backend_config(self.stack, self.outdir, failover=True)
            shutil.copytree(self.workdir, failover_dir, ignore=shutil.ignore_patterns("*.tfplan"))
            self.must(self.init(failover_dir, ["-reconfigure", *flags]), "failover init")
            timer.note = " ".join(flags)
        with self.step("failover switches in the tfvars, make synth") as timer:
            switched = self._synth_with_switches()
            shutil.copyfile(switched, failover_dir / "cdk.tf.json")
            timer.note = ", ".join(f"{k} = {v}" for k, v in DRILL_SWITCHES.items())
        with self.step("`make failover-targets`: plan -refresh=false, without eu-west-1") as timer:
            switched_stack = json.loads(switched.read_text())
            planned, left_out = failover.failover_targets(switched_stack, PRIMARY)
            # What moto could not create in the set-up (EKS, ElastiCache...) it cannot create now either.
            applicable = set(local_aws.emulated_targets(switched_stack))
            targets = [t for t in planned if t in applicable]
            self.must(self.tf(["plan", "-refresh=false", "-out=failover.tfplan", *[f"-target={t}" for t in targets]],
                              failover_dir, timeout=900), "failover plan")
            self.report.plan = local_aws.plan_summary(failover_dir, local_aws.with_keys(self.env, self.keys),
                                                      "failover.tfplan")
            self._check_plan()
            timer.note = (f"{len(planned)} plannable in us-east-1 ({len(planned) - len(targets)} of them not "
                          f"applicable on moto), {len(left_out)} left for eu-west-1's return; "
                          + ", ".join(f"{k}: {len(v)}" for k, v in sorted(self.report.plan.items()) if k != "no-op"))
        with self.step("apply the failover plan"):
            self.must(self.tf(["apply", "failover.tfplan"], failover_dir, timeout=1800), "failover apply")
        with self.step("check what the secondary region needs"):
            self._check_secondary(failover_dir)
        touched = [r for r in self.proxy.traffic.requests[before:] if r.region == PRIMARY and r.status != "cut"]
        if touched:
            raise DrillFailed(f"{len(touched)} request(s) reached eu-west-1 during the drill: {touched[:3]}")
        refused = sum(1 for r in self.proxy.traffic.requests[before:] if r.status == "cut")
        self.report.checks.append(("eu-west-1 not needed", f"no request reached it during the drill ({refused} "
                                   "refused: the cut's proof plan alone)"))
        self.failover_dir = failover_dir

    def _synth_with_switches(self) -> Path:
        environments = self.work / "failover-environments"
        environments.mkdir(exist_ok=True)
        name = self.stack_name.removeprefix("luneo-")
        text = (ROOT / "environments" / f"{name}.tfvars").read_text()
        text += "".join(f"\n{k} = {v}" for k, v in DRILL_SWITCHES.items()) + "\n"
        (environments / f"{name}.tfvars").write_text(text)
        outdir = self.work / "failover.out"
        done = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, CDKTF_OUTDIR=str(outdir), LUNEO_ENVIRONMENTS_DIR=str(environments)))
        if done.returncode != 0:
            raise DrillFailed(f"synth with the failover switches failed:\n{done.stderr}")
        return outdir / "stacks" / self.stack_name / "cdk.tf.json"

    def _check_plan(self) -> None:
        plan = self.report.plan
        dropped = [a for kind in ("delete", "delete+create", "create+delete") for a in plan.get(kind, [])
                   if a.split(".")[0] in STATEFUL_TYPES]
        if dropped:
            raise DrillFailed(f"the failover plan destroys or replaces stateful resources: {dropped}")
        if "aws_db_instance.postgres-replica_instance" not in plan.get("update", []) + plan.get("no-op", []):
            raise DrillFailed(f"the promoted replica is not updated in place: {plan}")

    def _check_secondary(self, failover_dir: Path) -> None:
        from constructs_luneo.config import replica_bucket_name

        checks = self.report.checks
        replica_bucket = replica_bucket_name(self.backend["bucket"], SECONDARY)
        key, table = self.backend["key"], self.backend["dynamodb_table"]
        s3_us, ddb_us = self.client("s3", SECONDARY), self.client("dynamodb", SECONDARY)
        state = s3_us.get_object(Bucket=replica_bucket, Key=key)["Body"].read()
        items = {i["LockID"]["S"]: i for i in ddb_us.scan(TableName=table)["Items"]}
        digest = items.get(f"{replica_bucket}/{key}-md5", {}).get("Digest", {}).get("S")
        if digest != hashlib.md5(state).hexdigest() or f"{replica_bucket}/{key}" in items:
            raise DrillFailed(f"the us-east-1 lock table does not hold the state's digest, or holds a lock: {items}")
        checks.append(("state", f"s3://{replica_bucket}/{key}, serial {json.loads(state)['serial']}, locked and "
                                f"digested in {table} ({SECONDARY}); no lock left"))
        records = self.stack["resource"]["aws_route53_record"]
        secondary = records["dns_secondary-record"]["records"][0]
        answers = served_record(self.client("route53", SECONDARY), self._zone_name() or "",
                                records["dns_primary-record"]["name"])
        if answers != {secondary}:
            raise DrillFailed(f"DNS can still answer {sorted(answers - {secondary})}, not only {secondary}")
        checks.append(("DNS", f"the failover record answers {secondary} whether or not the primary's health "
                              "check passes (dns_force_failover)"))
        secret = self.stack["resource"]["aws_secretsmanager_secret"]["db-credentials_secret"]["name"]
        value = json.loads(self.client("secretsmanager", SECONDARY).get_secret_value(SecretId=secret)["SecretString"])
        if set(value) != {"engine", "username", "password", "port", "dbname"} or not value["password"]:
            raise DrillFailed(f"the secret's replica in {SECONDARY} is not readable")
        checks.append(("database credentials", f"secret {secret} read in {SECONDARY} (its replica)"))
        db = self.client("rds", SECONDARY).describe_db_instances()["DBInstances"]
        checks.append(("database", f"{[d['DBInstanceIdentifier'] for d in db]} in {SECONDARY}, promoted by the "
                                   "plan (replicate_source_db removed)"))
        ecr = self.client("ecr", SECONDARY)
        repositories = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
        images = {r: len(ecr.list_images(repositoryName=r)["imageIds"]) for r in repositories}
        if not repositories or not all(images.values()):
            raise DrillFailed(f"images missing in {SECONDARY}: {images}")
        checks.append(("images", f"{images} in {SECONDARY}"))
        global_datastores = self.stack["resource"].get("aws_elasticache_global_replication_group", {})
        checks.append(("cache", "a Global Datastore secondary in us-east-1" if global_datastores else
                       "none in this environment (redis_global_datastore = false): the cache starts empty in "
                       "us-east-1; prod's datastore is asserted on its synthesized JSON"))

    # --- back: eu-west-1 has returned ---

    def back(self) -> None:
        self._phase = "back"
        with self.step("eu-west-1 back"):
            self.proxy.heal()
        with self.step("`make failback-backend`: init -migrate-state to the primary backend") as timer:
            flags = failover.backend_config(self.stack, self.outdir, failover=False)
            self.must(self.init(self.failover_dir, ["-migrate-state", "-force-copy", *flags]), "init -migrate-state")
            s3, ddb = self.client("s3"), self.client("dynamodb")
            state = s3.get_object(Bucket=self.backend["bucket"], Key=self.backend["key"])["Body"].read()
            digest_id = f"{self.backend['bucket']}/{self.backend['key']}-md5"
            digest = ddb.get_item(TableName=self.backend["dynamodb_table"],
                                  Key={"LockID": {"S": digest_id}})["Item"]["Digest"]["S"]
            if digest != hashlib.md5(state).hexdigest():
                raise DrillFailed("the primary lock table's digest does not match the state moved back")
            timer.note = f"serial {json.loads(state)['serial']} in s3://{self.backend['bucket']}, digest matches"


class _Timer:
    def __init__(self, drill: Drill, name: str, note: str) -> None:
        self.drill, self.name, self.note = drill, name, note

    def __enter__(self) -> _Timer:
        self.start = time.monotonic()
        print(f"[{time.strftime('%H:%M:%S')}] {self.drill._phase}: {self.name}", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.drill.report.steps.append(Step(self.drill._phase, self.name, time.monotonic() - self.start, self.note))


def global_rest_dependents(stack: dict) -> set[str]:
    """Route 53 and CloudFront resources and data sources, and whatever depends on them."""
    graph = local_aws.dependencies(stack)
    found = {a for a in graph if a.split(".")[-2].startswith(("aws_route53", "aws_cloudfront"))}
    changed = True
    while changed:
        changed = False
        for address, refs in graph.items():
            if address not in found and refs & found:
                found.add(address)
                changed = True
    return found


def served_record(route53: Any, zone_name: str, record_name: str) -> set[str]:
    """What Route 53 can answer for a failover record: the PRIMARY record's value while its health
    check passes, the SECONDARY's while it fails. moto has no resolver (and reports every check
    healthy), so the drill reads the records and returns the answers of both outcomes: a region cut
    off may still half-answer its health checkers, and the failover must not depend on which."""
    zone = next(z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == zone_name)
    records = [r for r in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
               if r["Name"].rstrip(".") == record_name and r.get("Failover")]
    return {value["Value"].rstrip(".") for r in records for value in r["ResourceRecords"]}


def _first_error(output: str) -> str:
    return next((line.strip() for line in output.splitlines() if "Error" in line or "error" in line),
                output.strip().splitlines()[-1] if output.strip() else "")[:160]


def run(stack_name: str = "luneo-staging", outdir: Path = ROOT / "cdktf.out", work: Path = WORK) -> Report:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    drill = Drill(stack_name, outdir, work)
    with ExitStack() as stack:
        drill.set_up(stack)
        drill.drill()
        drill.back()
    return drill.report


def synthesize(outdir: Path) -> None:
    """`python main.py` into `outdir` (the drill's own copy: a test must not depend on cdktf.out)."""
    done = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, CDKTF_OUTDIR=str(outdir)))
    if done.returncode != 0:
        raise DrillFailed(f"synth failed:\n{done.stderr}")


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m scripts.dr_drill", description=__doc__.split("\n")[0])
    parser.add_argument("stack", nargs="?", default="luneo-staging")
    parser.add_argument("outdir", nargs="?", type=Path, default=ROOT / "cdktf.out", help="synthesized stacks")
    parser.add_argument("--work", type=Path, default=WORK, help="scratch directory (emptied first)")
    parser.add_argument("--synth", action="store_true", help="synthesize into WORK/cdktf.out first")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    try:
        outdir = args.outdir
        if args.synth:
            outdir = args.work.parent / f"{args.work.name}.cdktf.out"
            synthesize(outdir)
        report = run(args.stack, outdir, args.work)
    except (DrillFailed, terraform_cli.TerraformMissing) as exc:
        print(f"error: the DR drill failed: {exc}", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps({"error": str(exc)}))
        return 1
    print()
    print(report.render())
    if args.json:
        args.json.write_text(json.dumps(dataclasses.asdict(report), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
