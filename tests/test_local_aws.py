"""End to end on a real local AWS (moto's server, TLS, loopback): the S3 + DynamoDB backend's lock
and versioned state, luneo-bootstrap adopting or creating the backend, prevent_destroy, and the
move from the HCL modules' state to ours with 0 to destroy and 0 to replace."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cdktf import LocalBackend, S3Backend, Testing
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic

from constructs_luneo.config import BootstrapConfig, load_environment, load_migration
from constructs_luneo.config.bootstrap import BackendLocation
from constructs_luneo.ecr import EcrRepository
from constructs_luneo.stacks import BootstrapStack, LuneoEnvironmentStack, LuneoStack, apply_migration
from luneo_ops.local_aws import emulation, existing
from luneo_ops.local_aws import server as local_aws
from luneo_ops.terraform import cli as terraform_cli
from luneo_ops.terraform import plan as saved_plan
from tests.conftest import ROOT

BUCKET, TABLE, REGION = "luneo-terraform-state", "luneo-terraform-locks", "eu-west-1"


@pytest.fixture(scope="module")
def aws(tmp_path_factory, terraform, stacks):
    work = tmp_path_factory.mktemp("local-aws")
    with local_aws.moto_server(work, log=work / "moto.log") as url:
        existing.create_legacy_backend(url, BUCKET, TABLE, REGION)
        existing.create_existing_zones(url, stacks.values())
        yield url


def env_for(aws):
    return local_aws.aws_env(aws, REGION)


def workdir(tmp_path: Path, name: str, synthesized: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "cdk.tf.json").write_text(synthesized)
    return directory


def run(args, cwd, env, **kw):
    return terraform_cli.run(
        [*args, "-no-color", "-input=false"] if args[0] in ("plan", "apply") else args, cwd, env=env, **kw
    )


def small_stack(key: str, topics: list[str]) -> str:
    app = Testing.app()
    stack = LuneoStack(app, "small")
    S3Backend(stack, bucket=BUCKET, key=key, region=REGION, dynamodb_table=TABLE, encrypt=True)
    AwsProvider(stack, "aws", region=REGION)
    for topic in topics:
        SnsTopic(stack, topic, name=f"luneo-test-{topic}")
    return Testing.synth(stack)


def test_concurrent_plans_second_fails_on_the_lock_and_nothing_is_corrupted(aws, stacks, tmp_path):
    env = env_for(aws)
    key = stacks["luneo-staging"]["terraform"]["backend"]["s3"]["key"]
    directory = workdir(tmp_path, "staging", json.dumps(stacks["luneo-staging"]))
    assert local_aws.init(directory, env).ok
    dynamodb = local_aws.boto3_client("dynamodb", aws, REGION)
    lock_id = f"{BUCKET}/{key}"
    for attempt in range(3):
        first = subprocess.Popen(
            [terraform_cli.terraform_binary(), "plan", "-no-color", "-input=false"],
            cwd=directory,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        locked = False
        while time.monotonic() < deadline and first.poll() is None:
            items = dynamodb.scan(TableName=TABLE)["Items"]
            if any(i["LockID"]["S"] == lock_id for i in items):
                locked = True
                break
            time.sleep(0.05)
        if not locked:
            first.communicate()
            continue
        second = run(["plan", "-lock-timeout=0s"], directory, env)
        first_output, _ = first.communicate(timeout=300)
        break
    else:
        pytest.fail("the first plan never held the lock long enough to race it")
    assert not second.ok
    assert "Error acquiring the state lock" in second.output
    assert "ConditionalCheckFailedException" in second.output or "Lock Info" in second.output
    assert first.returncode == 0, first_output
    items = dynamodb.scan(TableName=TABLE)["Items"]
    assert not [i for i in items if i["LockID"]["S"] == lock_id], "the lock was released"
    again = run(["plan", "-lock-timeout=10s"], directory, env)
    assert again.ok, again.output


def test_restoring_a_state_version_the_way_the_docs_describe(aws, tmp_path):
    env = env_for(aws)
    key = "tests/restore/terraform.tfstate"
    s3 = local_aws.boto3_client("s3", aws, REGION)
    v1 = workdir(tmp_path, "v1", small_stack(key, ["alpha"]))
    assert local_aws.init(v1, env).ok
    assert run(["apply", "-auto-approve"], v1, env).ok
    v2 = workdir(tmp_path, "v2", small_stack(key, ["alpha", "beta"]))
    assert local_aws.init(v2, env).ok
    assert run(["apply", "-auto-approve"], v2, env).ok
    assert sorted(run(["state", "list"], v2, env).stdout.split()) == ["aws_sns_topic.alpha", "aws_sns_topic.beta"]

    # aws s3api list-object-versions --bucket ... --prefix <key>; get-object --version-id <older> backup
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=key)["Versions"]
    assert len(versions) >= 2
    older = sorted(versions, key=lambda v: v["LastModified"])[0]
    backup = tmp_path / "terraform.tfstate.backup"
    backup.write_bytes(s3.get_object(Bucket=BUCKET, Key=key, VersionId=older["VersionId"])["Body"].read())
    assert (
        json.loads(backup.read_text())["serial"]
        < json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["serial"]
    )
    # ...then push it back through Terraform, which takes the lock and updates the lock table's digest.
    pushed = run(["state", "push", "-force", str(backup)], v2, env)
    assert pushed.ok, pushed.output
    assert run(["state", "list"], v2, env).stdout.split() == ["aws_sns_topic.alpha"]
    plan = run(["plan", "-detailed-exitcode"], v2, env)
    assert plan.returncode == 2 and "1 to add, 0 to change, 0 to destroy" in plan.output, plan.output


def test_prevent_destroy_stops_a_plan_that_would_destroy_a_repository(aws, tmp_path):
    """A change that replaces a guarded resource (here: renaming the repository) fails the plan.
    prevent_destroy lives in the configuration: deleting a resource's code altogether is caught by
    the address pins (tests/addresses) instead."""
    env = env_for(aws)

    def synth(name: str) -> str:
        app = Testing.app()
        stack = LuneoStack(app, "guarded")
        LocalBackend(stack, path=str(tmp_path / "guarded.tfstate"))
        AwsProvider(stack, "aws", region=REGION)
        EcrRepository(stack, "ecr", repository_name=name, prevent_destroy=True)
        return Testing.synth(stack)

    first = workdir(tmp_path, "before", synth("luneo-guarded"))
    assert local_aws.init(first, env).ok
    assert run(["apply", "-auto-approve"], first, env).ok
    second = workdir(tmp_path, "renamed", synth("luneo-guarded-renamed"))
    assert local_aws.init(second, env).ok
    plan = run(["plan"], second, env)
    assert not plan.ok
    assert "Instance cannot be destroyed" in plan.output
    assert "aws_ecr_repository.ecr_repository" in plan.output
    destroy = run(["plan", "-destroy"], first, env)
    assert not destroy.ok and "Instance cannot be destroyed" in destroy.output


def bootstrap_json(bucket: str, table: str, adopt: bool) -> dict:
    """luneo-bootstrap for one backend. moto cannot add a global table's replica (the provider waits
    for it until its timeout: luneo_ops/local_aws/emulation.py UNSUPPORTED_WHEN), so the lock table is applied
    without its us-east-1 replica here; the replica is pinned on the JSON (tests/test_state_backend.py)
    and its copy emulated by the DR drill."""
    stack = BootstrapStack(
        Testing.app(),
        BootstrapConfig(
            source="test",
            adopt_existing=adopt,
            noncurrent_version_expiration_days=365,
            replica_region="us-east-1",
            backends=(BackendLocation(bucket=bucket, lock_table=table, region=REGION),),
        ),
    )
    data = json.loads(Testing.synth(stack))
    for lock_table in data["resource"]["aws_dynamodb_table"].values():
        assert lock_table.pop("replica")
    return data


@pytest.mark.parametrize("adopt", [True, False], ids=["adopts-existing", "creates-new"])
def test_bootstrap_adopts_or_creates_the_backend(aws, tmp_path, adopt):
    env = env_for(aws)
    bucket, table = f"luneo-state-{'adopted' if adopt else 'new'}", f"luneo-locks-{'adopted' if adopt else 'new'}"
    if adopt:
        existing.create_legacy_backend(aws, bucket, table, REGION)
    data = bootstrap_json(bucket, table, adopt)
    assert bool(data.get("import")) == adopt
    directory = workdir(tmp_path, "bootstrap", json.dumps(data))
    targets = [f"-target={t}" for t in emulation.emulated_targets(data)]
    assert local_aws.init(directory, env).ok
    applied = run(["apply", "-auto-approve", *targets], directory, env)
    assert applied.ok, applied.output
    assert ("4 imported" in applied.output) == adopt
    assert run(["plan", "-out=second.tfplan", *targets], directory, env).ok
    unexplained, _ = emulation.unexplained_changes(directory, env, "second.tfplan")
    assert not unexplained
    s3 = local_aws.boto3_client("s3", aws, REGION)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    dynamodb = local_aws.boto3_client("dynamodb", aws, REGION)
    assert (
        dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
            "PointInTimeRecoveryDescription"
        ]["PointInTimeRecoveryStatus"]
        == "ENABLED"
    )


LEGACY_TARGETS = [
    "module.vpc",
    "module.kms_secrets",
    "module.assets",
    "module.postgres",
    "module.ecr_worker_ia",
    "module.ecr_usdz_converter",
    "module.redis.aws_elasticache_subnet_group.this",
    "module.redis.aws_security_group.this",
]  # moto cannot create the replication group itself


def test_moving_from_the_hcl_modules_destroys_and_replaces_nothing(aws, tmp_path):
    env = env_for(aws)
    legacy = tmp_path / "legacy"
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy", legacy)
    legacy_env = dict(env, TF_VAR_db_password="legacy-password-0123456789")
    assert local_aws.init(legacy, legacy_env).ok
    applied = run(
        ["apply", "-auto-approve", *[f"-target={t}" for t in LEGACY_TARGETS]], legacy, legacy_env, timeout=1200
    )
    assert applied.ok, applied.output[-3000:]

    prod = load_environment(ROOT / "environments" / "prod.tfvars")
    unmigrated = tmp_path / "luneo-prod.json"
    unmigrated.write_text(Testing.synth(LuneoEnvironmentStack(Testing.app(), prod)))
    out = tmp_path / "migration.json"
    proposed = subprocess.run(
        [
            sys.executable,
            "-m",
            "luneo_ops",
            "migrate-plan",
            f"s3://{BUCKET}/global/multi-region/terraform.tfstate",
            "--stack",
            "luneo-prod",
            "--stack-file",
            str(unmigrated),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proposed.returncode == 0, proposed.stderr
    document = json.loads(out.read_text())
    moved = {m["from"]: m["to"] for m in document["moved"]}
    assert moved["module.assets.aws_s3_bucket.this"] == "aws_s3_bucket.assets_bucket"
    assert moved["module.postgres.aws_db_instance.this"] == "aws_db_instance.postgres_instance"
    assert moved["module.kms_secrets.aws_kms_key.this"] == "aws_kms_key.kms-secrets_key"
    assert moved["module.ecr_worker_ia.aws_ecr_repository.this"] == "aws_ecr_repository.ecr-worker-ia_repository"
    assert moved["module.vpc.aws_subnet.database[0]"] == "aws_subnet.network-primary_database-0"
    assert {r["from"] for r in document["removed"]} == {
        "module.postgres.aws_security_group.this",
        "module.redis.aws_security_group.this",
        # different lifecycle rules: forgotten and overwritten by ours rather than replaced
        "module.ecr_worker_ia.aws_ecr_lifecycle_policy.this",
        "module.ecr_usdz_converter.aws_ecr_lifecycle_policy.this",
    }
    settings = document["settings"]
    assert settings["existing_encryption"] == {"db": "default", "ecr": "default"}, settings
    # The legacy subnets' zones, by ID: pinning the defaults instead would replace every subnet.
    assert len(settings["primary_zone_ids"]) == 3 and all(z.startswith("euw1-az") for z in settings["primary_zone_ids"])
    assert "4 removed (forgotten, not destroyed)" in proposed.stdout
    assert f"primary_zone_ids = {json.dumps(settings['primary_zone_ids'])}" in proposed.stdout

    # The operator copies the settings into the tfvars and commits the reviewed migration file.
    from luneo_ops.commands.migrate import tfvars_line

    tfvars = tmp_path / "prod.tfvars"
    tfvars.write_text(
        (ROOT / "environments" / "prod.tfvars").read_text()
        + "".join(tfvars_line(name, value) + "\n" for name, value in settings.items())
    )
    stack = LuneoEnvironmentStack(Testing.app(), load_environment(tfvars))
    apply_migration(stack, load_migration(out))
    ours = workdir(tmp_path, "ours", Testing.synth(stack))
    assert (
        json.loads((ours / "cdk.tf.json").read_text())["terraform"]["backend"]["s3"]["key"]
        == "global/multi-region/terraform.tfstate"
    )
    assert local_aws.init(ours, env).ok
    planned = run(["plan", "-out=migrate.tfplan"], ours, env, timeout=900)
    assert planned.ok, planned.output[-3000:]
    actions = saved_plan.summary(ours, env, "migrate.tfplan")
    assert not actions.get("delete"), actions.get("delete")
    replaced = actions.get("delete+create", []) + actions.get("create+delete", [])
    assert not replaced, replaced
    assert len(actions.get("moved", [])) == len(document["moved"])
    # What the removed blocks forget is not destroyed: it is left out of the plan's deletions.
    assert not [a for a in actions.get("delete", []) if "security_group" in a]
