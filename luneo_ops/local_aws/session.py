"""One rehearsal on the local AWS, shared by `make local` and the DR drill's set-up:

1. moto's server (behind the region-cut proxy for the drill); the state bucket and lock table as
   the docs' one-time CLI commands made them; the hosted zones the stack looks up by name;
2. with `iam=True`: the Terraform role as an IAM user holding exactly the generated policies
   (iam/), and IAM enforced, so that every missing action is an AccessDenied;
3. luneo-bootstrap: init (local state), apply (its import blocks adopt the bucket and table);
4. the environment stack, its synthesized JSON unchanged: init on the S3 + DynamoDB backend, plan
   (everything), apply (everything moto can emulate);
5. a second plan of each, which must show no change but moto's documented gaps (emulation.py);
6. the state object in the bucket under the stack's key, the lock table used and no lock left.

Each step is timed. The session never prints: `log` receives one line per step.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from constructs_luneo.support.synthesized import SynthesizedStack

from ..terraform import cli
from ..terraform import plan as saved_plan
from . import emulation, existing, iam, server
from .region_cut import RegionCutProxy

ADMIN_KEYS = ("test", "test")  # moto's default credentials: valid only while IAM is not enforced


class RehearsalFailed(Exception):
    """A step did not do what it should; the message names it and the error."""


@dataclass
class Step:
    phase: str
    name: str
    seconds: float
    note: str = ""


@dataclass
class Timer:
    """`with session.step("name") as timer:` times a step; `timer.note` says what it found."""

    steps: list[Step]
    phase: str
    name: str
    note: str = ""
    start: float = field(default=0.0)

    def __enter__(self) -> Timer:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.steps.append(Step(self.phase, self.name, time.monotonic() - self.start, self.note))


class Session:
    """A local AWS holding luneo-bootstrap and one environment stack, applied (see the module)."""

    def __init__(
        self,
        outdir: Path,
        stack_name: str,
        work: Path,
        *,
        iam_enforced: bool = False,
        region_cut: bool = False,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        from ..paths import load_stack

        self.outdir, self.work, self.log = outdir, work, log
        self.stack = load_stack(stack_name, outdir)
        self.bootstrap = load_stack("luneo-bootstrap", outdir)
        backend = self.stack.s3_backend
        if backend is None:
            raise RehearsalFailed(f"{stack_name} has no S3 backend")
        self.backend: dict[str, Any] = backend
        self.iam_enforced, self.region_cut = iam_enforced, region_cut
        self.steps: list[Step] = []
        self.phase = "set-up"
        self.keys = ADMIN_KEYS  # the environment's apply role's keys once iam_enforced
        self.plan_keys = ADMIN_KEYS  # its plan role's
        self.admin_keys = ADMIN_KEYS  # an administrator's, valid under enforcement too
        self.proxy: RegionCutProxy | None = None
        self.second_plans: dict[str, list[str]] = {}  # stack -> moto's known gaps its second plan showed
        self._exit = ExitStack()

    # --- helpers ---

    def step(self, name: str, note: str = "") -> Timer:
        self.log(f"[{time.strftime('%H:%M:%S')}] {self.phase}: {name}")
        return Timer(self.steps, self.phase, name, note)

    def env(self, keys: tuple[str, str] | None = None) -> dict[str, str]:
        return iam.with_keys(self.base_env, keys or self.keys)

    def tf(
        self, args: list[str], workdir: Path, *, keys: tuple[str, str] | None = None, timeout: int = 1800
    ) -> cli.Result:
        if args[0] in ("plan", "apply"):  # options before a plan file's name
            args = [args[0], "-no-color", "-input=false", *args[1:]]
        return cli.run(args, workdir, env=self.env(keys), timeout=timeout)

    def must(self, result: cli.Result, what: str) -> cli.Result:
        if not result.ok:
            denied = sorted(set(self.proxy.traffic.denied)) if self.proxy else []
            errors = [line for line in result.output.splitlines() if line.startswith("Error")][:20]
            raise RehearsalFailed(
                f"{what} failed"
                + (f"; the local AWS denied {denied}" if denied else "")
                + ":\n"
                + "\n".join(errors or [result.output.strip()[-3000:]])
            )
        return result

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client of the local AWS with administrator keys (whatever IAM enforces)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=str(self.url),
            region_name=region or self.backend["region"],
            verify=self.url.ca_bundle,
            aws_access_key_id=self.admin_keys[0],
            aws_secret_access_key=self.admin_keys[1],
        )

    # --- the session ---

    def __enter__(self) -> Session:
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()

    def _start(self) -> None:
        with self.step("local AWS: moto" + (" behind the region-cut proxy" if self.region_cut else "")) as timer:
            moto = self._exit.enter_context(server.moto_server(self.work, log=self.work / "moto.log"))
            self.url = self.moto_url = moto  # moto_url: moto itself, never behind the region cut
            if self.region_cut:
                self.proxy = RegionCutProxy(moto, moto.ca_bundle, self.work / "moto.key")
                self.url = server.LocalAws(self._exit.enter_context(self.proxy))
                self.url.ca_bundle = moto.ca_bundle
            self.base_env = {**server.aws_env(self.url, self.backend["region"]), "AWS_MAX_ATTEMPTS": "2"}
            existing.create_legacy_backend(
                self.url, self.backend["bucket"], self.backend["dynamodb_table"], self.backend["region"]
            )
            zones = existing.create_existing_zones(self.url, [self.stack.document])
            if any(
                "oidc-provider/token.actions" in str(i.get("id")) for i in self.bootstrap.document.get("import", [])
            ):
                existing.create_github_oidc_provider(self.url)
            timer.note = (
                f"{self.url}; s3://{self.backend['bucket']} and {self.backend['dynamodb_table']} as the "
                f"docs' one-time commands made them" + (f"; hosted zone(s) {', '.join(zones)}" if zones else "")
            )
        if self.iam_enforced:
            self._enforce_iam()

    def _enforce_iam(self) -> None:
        """Three principals, as the delivery roles are: the environment's apply role and plan role (IAM
        users holding exactly the committed documents, iam/<stack>/, as moto can read them), and an
        administrator standing for the break-glass role that applies luneo-bootstrap."""
        from constructs_luneo.config.policies import load_delivery_policies

        from ..paths import IAM

        with self.step("IAM: the apply and plan roles with exactly their generated policies, enforced") as timer:
            found, missing = load_delivery_policies(IAM, [self.stack.name])
            if missing:
                raise RehearsalFailed(f"iam/{self.stack.name}/ has no policies: run `make iam-policy`")
            documents = found[self.stack.name]
            self.keys = iam.create_iam_user(
                self.url, f"{self.stack.name}-apply", [iam.moto_readable(d) for d in documents.apply]
            )
            self.plan_keys = iam.create_iam_user(
                self.url, f"{self.stack.name}-plan", [iam.moto_readable(d) for d in documents.plan]
            )
            self.admin_keys = iam.create_iam_user(
                self.url,
                "break-glass",
                [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
            )
            iam.enforce_iam(self.url)
            timer.note = (
                f"{len(documents.apply)} apply and {len(documents.plan)} plan policies; luneo-bootstrap "
                "is applied by the administrator (the break-glass role)"
            )

    def apply_bootstrap(self) -> Path:
        """luneo-bootstrap applied (local state) and planned again."""
        with self.step("luneo-bootstrap: init, apply (import blocks adopt the existing bucket and table)") as timer:
            workdir = server.prepare_workdir(
                self.outdir / "stacks" / "luneo-bootstrap" / "cdk.tf.json", self.work / "luneo-bootstrap"
            )
            # The administrator (the break-glass role) applies luneo-bootstrap: it creates the delivery identities.
            self.must(server.init(workdir, self.env(self.admin_keys)), "terraform init (luneo-bootstrap)")
            # The registry's replication waits for the environments' secondary repositories (its
            # precondition: prove_image_replication_waits), which no environment has yet.
            targets = [
                t
                for t in emulation.emulated_targets(self.bootstrap.document)
                if not t.startswith("aws_ecr_replication_configuration.")
            ]
            applied = self.must(
                self.tf(["apply", "-auto-approve", *[f"-target={t}" for t in targets]], workdir, keys=self.admin_keys),
                "terraform apply (luneo-bootstrap)",
            )
            timer.note = _apply_line(applied.output)
        self.second_plan(workdir, targets, "luneo-bootstrap", keys=self.admin_keys)
        return workdir

    def prove_image_replication_waits(self, workdir: Path) -> tuple[str, str]:
        """With this environment applied and the other not: luneo-bootstrap's plan of the registry's
        replication stops on the other environment's missing secondary repositories, and only theirs."""
        other = next(n for n in ("luneo-prod", "luneo-staging") if n != self.stack.name)
        replication = [
            a for a in self.bootstrap.addresses(data=False) if a.startswith("aws_ecr_replication_configuration.")
        ]
        result = self.tf(["plan", "-lock=false", *[f"-target={a}" for a in replication]], workdir, keys=self.admin_keys)
        text = " ".join(result.output.replace("│", " ").split())  # Terraform may wrap the message
        if result.ok or f"Apply {other} first" not in text:
            raise RehearsalFailed(
                "the image replication was planned before the repositories it would create:\n" + result.output[-2000:]
            )
        if f"Apply {self.stack.name} first" in text:
            raise RehearsalFailed(f"{self.stack.name}'s secondary repositories exist, yet the precondition names them")
        return (
            "image replication waits",
            f"luneo-bootstrap's plan of the registry's replication stopped: {other}'s repositories do not exist "
            f"in us-east-1 yet; {self.stack.name}'s do",
        )

    def apply_stack(self, applied: Callable[[Path], None] = lambda workdir: None) -> Path:
        """The environment stack: init on the S3 backend, plan everything, apply what moto emulates
        (under IAM enforcement, Route 53 and CloudFront apart), `applied(workdir)`, plan again."""
        name, backend = self.stack.name, self.backend
        workdir = server.prepare_workdir(self.outdir / "stacks" / name / "cdk.tf.json", self.work / name)
        # Under IAM enforcement moto fails Route 53's and CloudFront's signature checks: the first plan
        # leaves them (and what depends on them) out; _apply_targets applies them with enforcement off.
        outside = global_services_and_dependents(self.stack) if self.iam_enforced else set()
        with self.step(f"{name}: init on s3://{backend['bucket']}/{backend['key']}, plan") as timer:
            self.must(server.init(workdir, self.env()), f"terraform init ({name})")
            planned_targets = [f"-target={a}" for a in self.stack.addresses(data=False) if a not in outside]
            self.must(
                self.tf(["plan", "-out=full.tfplan", *(planned_targets if outside else [])], workdir),
                f"terraform plan ({name})",
            )
            planned = saved_plan.summary(workdir, self.env(), "full.tfplan")
            timer.note = f"{len(planned.get('create', []))} to create" + (
                f" ({len(outside)} Route 53 and CloudFront addresses planned at their apply)" if outside else ""
            )
        targets = emulation.emulated_targets(self.stack.document)
        with self.step(f"{name}: apply what moto emulates") as timer:
            timer.note = self._apply_targets(workdir, targets)
        applied(workdir)
        self.second_plan(workdir, targets, name)
        return workdir

    def _apply_targets(self, workdir: Path, targets: list[str]) -> str:
        skipped = len(emulation.unsupported(self.stack.document))
        if not self.iam_enforced:
            applied = self.must(
                self.tf(
                    ["apply", "-auto-approve", "-parallelism=20", *[f"-target={t}" for t in targets]],
                    workdir,
                    timeout=3600,
                ),
                "terraform apply",
            )
            return f"{_apply_line(applied.output)} ({len(targets)} targets, {skipped} planned only)"
        dns = global_services_and_dependents(self.stack)
        enforced = [t for t in targets if t not in dns]
        self.must(
            self.tf(
                ["apply", "-auto-approve", "-parallelism=20", *[f"-target={t}" for t in enforced]],
                workdir,
                timeout=3600,
            ),
            "terraform apply",
        )
        denied = sorted(set(self.proxy.traffic.denied)) if self.proxy else []
        if denied:
            raise RehearsalFailed(f"the Terraform role was denied {denied}: a missing action in iam/")
        # moto fails the SigV4 check of Route 53 and CloudFront requests under IAM enforcement, whoever signs.
        iam.enforce_iam(self.url, on=False)
        rest = [t for t in targets if t in dns]
        self.must(
            self.tf(["apply", "-auto-approve", *[f"-target={t}" for t in rest]], workdir), "apply of the DNS records"
        )
        return (
            f"{len(enforced)} resources applied with the Terraform role's keys under IAM enforcement, "
            f"then {len(rest)} Route 53 and CloudFront ones without; {skipped} planned only"
        )

    def second_plan(self, workdir: Path, targets: list[str], name: str, keys: tuple[str, str] | None = None) -> None:
        """A plan after the apply changes nothing, but what moto is known not to store."""
        with self.step(f"{name}: second plan") as timer:
            self.must(
                self.tf(["plan", "-out=second.tfplan", *[f"-target={t}" for t in targets]], workdir, keys=keys),
                f"second terraform plan ({name})",
            )
            unexplained, explained = emulation.unexplained_changes(workdir, self.env(keys), "second.tfplan")
            if unexplained:
                raise RehearsalFailed(f"{name}'s second plan is not empty:\n   " + "\n   ".join(unexplained))
            self.second_plans[name] = explained
            timer.note = "no changes" + (f", besides moto's known gaps: {'; '.join(explained)}" if explained else "")

    def check_backend(self) -> str:
        """The state object under the stack's key (versioned, encrypted) and the lock table used,
        with no lock left behind."""
        backend = self.backend
        with self.step("the state in the bucket, the lock table used") as timer:
            s3 = self.client("s3")
            head = s3.head_object(Bucket=backend["bucket"], Key=backend["key"])
            versions = s3.list_object_versions(Bucket=backend["bucket"], Prefix=backend["key"]).get("Versions", [])
            items = self.client("dynamodb").scan(TableName=backend["dynamodb_table"])["Items"]
            lock_ids = sorted(i["LockID"]["S"] for i in items)
            if f"{backend['bucket']}/{backend['key']}-md5" not in lock_ids:
                raise RehearsalFailed(f"the lock table holds no digest for the state ({lock_ids})")
            if any(not i.endswith("-md5") for i in lock_ids):
                raise RehearsalFailed(f"a lock was left behind: {lock_ids}")
            timer.note = (
                f"s3://{backend['bucket']}/{backend['key']}: {head['ContentLength']} bytes, "
                f"{len(versions)} versions, encryption {head.get('ServerSideEncryption')}; "
                f"{backend['dynamodb_table']}: {lock_ids} (no lock left)"
            )
        return timer.note

    def planned_only(self) -> dict[str, str]:
        """Address -> why moto cannot create it, for both stacks."""
        return {**emulation.unsupported(self.bootstrap.document), **emulation.unsupported(self.stack.document)}


def global_services_and_dependents(stack: SynthesizedStack) -> set[str]:
    """Route 53 and CloudFront resources and data sources, and whatever depends on them."""
    seeds = {a for a in stack.dependencies() if a.split(".")[-2].startswith(("aws_route53", "aws_cloudfront"))}
    return stack.with_dependents(seeds)


def _apply_line(output: str) -> str:
    return next((line.strip() for line in output.splitlines() if line.startswith("Apply complete")), "")


def lines(steps: list[Step]) -> Iterator[str]:
    """The steps as a table: name, seconds, what each found."""
    width = max((len(s.name) for s in steps), default=0)
    for s in steps:
        yield f"  {s.name:<{width}}  {s.seconds:6.1f} s  {s.note}".rstrip()
