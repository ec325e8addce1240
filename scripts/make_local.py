"""`make local`: the whole path, for real, on a local AWS (moto's server on a free loopback port).

1. start moto; create the state bucket and lock table the way the docs' one-time CLI commands did;
2. apply luneo-bootstrap: its import blocks adopt that bucket and table; a second plan shows no change;
3. take an environment stack's synthesized JSON unchanged through `terraform init` on the
   S3 + DynamoDB backend, `plan` (everything), `apply` (everything moto can emulate), and a second
   `plan` that must show no changes;
4. check the state object sits in the bucket under the stack's key and the lock table was used;
5. stop the server (also on Ctrl-C).

Usage: python -m scripts.make_local [STACK]   (default luneo-staging; cdktf.out must be synthesized)
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from scripts import local_aws, terraform_cli

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".build" / "local"


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def must(result: terraform_cli.Result, what: str) -> terraform_cli.Result:
    if not result.ok:
        raise SystemExit(f"error: {what} failed:\n{result.output.strip()[-4000:]}")
    return result


def second_plan(workdir: Path, env: dict[str, str], targets: list[str], name: str) -> None:
    """A plan after the apply must change nothing, except what moto is known not to store."""
    args = ["plan", "-no-color", "-input=false", "-out=second.tfplan"] + [f"-target={t}" for t in targets]
    must(terraform_cli.run(args, workdir, env=env, timeout=1800), f"second terraform plan ({name})")
    unexplained, explained = local_aws.unexplained_changes(workdir, env, "second.tfplan")
    if unexplained:
        raise SystemExit(f"error: {name}'s second plan is not empty:\n   " + "\n   ".join(unexplained))
    step(f"{name}: second plan: no changes" + (", besides moto's known gaps:" if explained else ""))
    for line in explained:
        print(f"   {line}")


def main(argv: list[str]) -> int:
    stack_name = argv[0] if argv else "luneo-staging"
    outdir = ROOT / "cdktf.out"
    stack_file = outdir / "stacks" / stack_name / "cdk.tf.json"
    bootstrap_file = outdir / "stacks" / "luneo-bootstrap" / "cdk.tf.json"
    for path in (stack_file, bootstrap_file):
        if not path.exists():
            raise SystemExit(f"error: {path.relative_to(ROOT)} is missing: run `make synth` first")
    stack = json.loads(stack_file.read_text())
    backend = stack["terraform"]["backend"]["s3"]
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    started = time.monotonic()
    try:
        with local_aws.moto_server(WORK, log=WORK / "moto.log") as url:
            env = local_aws.aws_env(url, backend["region"])
            step(f"local AWS (moto) on {url}; log: {(WORK / 'moto.log').relative_to(ROOT)}")

            step(f"creating s3://{backend['bucket']} and {backend['dynamodb_table']} as the docs' one-time commands did")
            local_aws.create_legacy_backend(url, backend["bucket"], backend["dynamodb_table"], backend["region"])
            zones = local_aws.create_existing_zones(url, [stack])
            if zones:
                step(f"creating the hosted zone(s) the stack looks up by name: {', '.join(zones)}")

            boot = local_aws.prepare_workdir(bootstrap_file, WORK / "luneo-bootstrap")
            bootstrap = json.loads(bootstrap_file.read_text())
            boot_targets = local_aws.emulated_targets(bootstrap)
            step("luneo-bootstrap: init (local state)")
            must(local_aws.init(boot, env), "terraform init (luneo-bootstrap)")
            step("luneo-bootstrap: apply (import blocks adopt the existing bucket and table)")
            applied = must(terraform_cli.run(["apply", "-auto-approve", "-no-color", "-input=false"]
                                             + [f"-target={t}" for t in boot_targets], boot, env=env),
                           "terraform apply (luneo-bootstrap)")
            print("   " + next((l for l in applied.output.splitlines() if l.startswith("Apply complete")), "").strip())
            second_plan(boot, env, boot_targets, "luneo-bootstrap")

            work = local_aws.prepare_workdir(stack_file, WORK / stack_name)
            step(f"{stack_name}: terraform init on s3://{backend['bucket']}/{backend['key']} "
                 f"(lock table {backend['dynamodb_table']})")
            must(local_aws.init(work, env), f"terraform init ({stack_name})")
            step(f"{stack_name}: plan (everything)")
            must(terraform_cli.run(["plan", "-no-color", "-input=false", "-out=full.tfplan"], work, env=env),
                 "terraform plan")
            full = local_aws.plan_summary(work, env, "full.tfplan")
            print(f"   {len(full.get('create', []))} to create")
            skipped = local_aws.unsupported(stack)
            targets = local_aws.emulated_targets(stack)
            step(f"{stack_name}: apply the {len(targets)} resources moto emulates "
                 f"({len(skipped)} planned only; see docs/OPERATIONS.md, 'Running it all on a local AWS')")
            args = ["apply", "-auto-approve", "-no-color", "-input=false", "-parallelism=20"]
            args += [f"-target={t}" for t in targets]
            applied = must(terraform_cli.run(args, work, env=env, timeout=3600), "terraform apply")
            print("   " + next((l for l in applied.output.splitlines() if l.startswith("Apply complete")), "").strip())
            second_plan(work, env, targets, stack_name)

            s3 = local_aws.boto3_client("s3", url, backend["region"])
            head = s3.head_object(Bucket=backend["bucket"], Key=backend["key"])
            versions = s3.list_object_versions(Bucket=backend["bucket"], Prefix=backend["key"]).get("Versions", [])
            step(f"state object s3://{backend['bucket']}/{backend['key']}: {head['ContentLength']} bytes, "
                 f"{len(versions)} versions, encryption {head.get('ServerSideEncryption')}")
            items = local_aws.boto3_client("dynamodb", url, backend["region"]).scan(
                TableName=backend["dynamodb_table"])["Items"]
            lock_ids = sorted(i["LockID"]["S"] for i in items)
            digest = f"{backend['bucket']}/{backend['key']}-md5"
            if digest not in lock_ids:
                raise SystemExit(f"error: the lock table holds no digest for the state ({lock_ids})")
            step(f"lock table {backend['dynamodb_table']} was used: {lock_ids} (no lock left behind)")
            if any(not i.endswith("-md5") for i in lock_ids):
                raise SystemExit(f"error: a lock was left behind: {lock_ids}")
    except KeyboardInterrupt:
        print("\ninterrupted: the local AWS server is stopped", file=sys.stderr)
        return 130
    step(f"done in {time.monotonic() - started:.0f} s; planned but not applied on moto:")
    for address, reason in sorted({**local_aws.unsupported(bootstrap), **skipped}.items()):
        print(f"   {address}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
