"""luneo_ops/dr/failover.py: what Terraform needs while the primary region is lost (the commands of
docs/DISASTER_RECOVERY.md). The whole path runs in tests/test_dr_drill.py; these pin its parts."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys

import pytest

from constructs_luneo.support.synthesized import SynthesizedStack
from luneo_ops.dr import failover
from tests.conftest import ROOT

PRIMARY, SECONDARY = "eu-west-1", "us-east-1"


def region_of(stack: dict, address: str) -> str:
    kind, name = address.split(".")[-2:]
    section = "data" if address.startswith("data.") else "resource"
    return SynthesizedStack(stack).region(stack[section][kind][name])


@pytest.mark.parametrize("name", ["luneo-prod", "luneo-staging"])
def test_failover_targets_are_all_in_the_secondary_region(stacks, name):
    stack = stacks[name]
    targets, left_out = failover.failover_targets(SynthesizedStack(stack), PRIMARY)
    assert targets and left_out
    assert {region_of(stack, t) for t in targets} == {SECONDARY}
    # what the runbook's switches change, and what the secondary region serves from
    for needed in (
        "aws_route53_record.dns_primary-record",
        "aws_route53_record.dns_secondary-record",
        "aws_eks_node_group.eks-secondary_spot-nodes",
        "aws_ecr_repository.ecr-worker-ia-secondary_repository",
    ):
        assert needed in targets or needed not in local_resources(stack), needed
    # managed in eu-west-1 (the secret's replica in us-east-1 is AWS's, not a resource of ours), and the
    # replica while it names its eu-west-1 source (db_replica_promoted removes that: next test)
    assert {
        "aws_db_instance.postgres_instance",
        "aws_secretsmanager_secret.db-credentials_secret",
        "aws_db_instance.postgres-replica_instance",
    } <= set(left_out)


def test_with_the_failover_switches_the_replica_is_plannable(tmp_path):
    from cdktf import Testing

    from constructs_luneo.config import load_environment
    from constructs_luneo.stacks import LuneoEnvironmentStack

    path = tmp_path / "staging.tfvars"
    path.write_text(
        (ROOT / "environments" / "staging.tfvars").read_text()
        + "db_replica_promoted = true\ndns_force_failover = true\n"
    )
    stack = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    targets, _ = failover.failover_targets(SynthesizedStack(stack), PRIMARY)
    assert {"aws_db_instance.postgres-replica_instance", "aws_route53_record.dns_primary-record"} <= set(targets)


def local_resources(stack: dict) -> set[str]:
    return {f"{t}.{n}" for t, items in stack["resource"].items() for n in items}


def test_a_resource_depending_on_the_primary_region_is_left_out(stacks):
    """A us-east-1 resource that references an eu-west-1 one cannot be planned without it; nor can
    what depends on it (the replica's `replicate_source_db` is why db_replica_promoted comes first)."""
    stack = json.loads(json.dumps(stacks["luneo-staging"]))
    repository = stack["resource"]["aws_ecr_repository"]["ecr-worker-ia-secondary_repository"]
    assert (
        "aws_ecr_repository.ecr-worker-ia-secondary_repository"
        in failover.failover_targets(SynthesizedStack(stack), PRIMARY)[0]
    )
    repository["tags"] = {"Source": "${aws_db_instance.postgres_instance.arn}"}
    targets, left_out = failover.failover_targets(SynthesizedStack(stack), PRIMARY)
    assert "aws_ecr_repository.ecr-worker-ia-secondary_repository" in left_out
    dependents = [t for t in targets if "ecr-worker-ia-secondary" in t]
    assert not dependents, dependents


def test_backend_flags_point_at_the_copy_and_back(synth_dir, stacks):
    stack = stacks["luneo-prod"]
    assert failover.backend_config(SynthesizedStack(stack), synth_dir, failover=True) == [
        "-backend-config=bucket=luneo-terraform-state-us-east-1",
        "-backend-config=region=us-east-1",
        "-backend-config=dynamodb_table=luneo-terraform-locks",
    ]
    assert failover.backend_config(SynthesizedStack(stack), synth_dir, failover=False) == [
        "-backend-config=bucket=luneo-terraform-state",
        "-backend-config=region=eu-west-1",
        "-backend-config=dynamodb_table=luneo-terraform-locks",
    ]


def test_the_make_targets_print_the_commands(synth_dir):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "luneo_ops", "failover", *args, "luneo-staging", str(synth_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    assert run("backend").stdout.startswith(
        "terraform init -reconfigure -backend-config=bucket=luneo-terraform-state-us-east-1 "
    )
    assert run("back").stdout.startswith(
        "terraform init -migrate-state -force-copy -backend-config=bucket=luneo-terraform-state "
    )
    targets = run("targets")
    assert targets.stdout.split()[0].startswith("-target=") and "plannable without eu-west-1" in targets.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "failover", "targets", "luneo-nope", str(synth_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "luneo-nope" in missing.stderr and "make synth" in missing.stderr


@pytest.fixture
def replica_region_clients(monkeypatch):
    """S3 and DynamoDB of the replica region, in moto (in process): the copy and the replicated digest."""
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        import boto3

        s3, ddb = boto3.client("s3", region_name=SECONDARY), boto3.client("dynamodb", region_name=SECONDARY)
        s3.create_bucket(Bucket="luneo-terraform-state-us-east-1")
        ddb.create_table(
            TableName="luneo-terraform-locks",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        )
        yield s3, ddb


def test_the_copy_of_the_state_is_current_only_when_its_md5_is_the_replicated_digest(
    synth_dir, stacks, replica_region_clients
):
    s3, ddb = replica_region_clients
    stack = stacks["luneo-staging"]
    key = stack["terraform"]["backend"]["s3"]["key"]
    current, why = failover.copy_status(SynthesizedStack(stack), synth_dir, s3, ddb)
    assert not current and "never replicated" in why

    old, new = json.dumps({"serial": 7}).encode(), json.dumps({"serial": 8}).encode()
    s3.put_object(Bucket="luneo-terraform-state-us-east-1", Key=key, Body=old)
    current, why = failover.copy_status(SynthesizedStack(stack), synth_dir, s3, ddb)
    assert not current and "no digest" in why

    # The primary bucket last received serial 8; its digest replicated, the object not yet.
    ddb.put_item(
        TableName="luneo-terraform-locks",
        Item={"LockID": {"S": f"luneo-terraform-state/{key}-md5"}, "Digest": {"S": hashlib.md5(new).hexdigest()}},
    )
    current, why = failover.copy_status(SynthesizedStack(stack), synth_dir, s3, ddb)
    assert not current and "(serial 7) is not the state last written" in why and "replication lags" in why

    s3.put_object(Bucket="luneo-terraform-state-us-east-1", Key=key, Body=new)
    current, why = failover.copy_status(SynthesizedStack(stack), synth_dir, s3, ddb)
    assert current and "(serial 8) is the state last written to luneo-terraform-state" in why


def test_the_runbook_states_the_number_of_failover_targets(stacks):
    """docs/DISASTER_RECOVERY.md says how many resources `make failover-targets` prints per stack."""
    text = (ROOT / "docs" / "DISASTER_RECOVERY.md").read_text()
    match = re.search(r"\((\d+) in prod, (\d+) in staging\)", text)
    assert match, "docs/DISASTER_RECOVERY.md: the failover-targets counts are gone"
    counts = {
        name: len(failover.failover_targets(SynthesizedStack(stacks[name]), PRIMARY)[0])
        for name in ("luneo-prod", "luneo-staging")
    }
    assert (int(match.group(1)), int(match.group(2))) == (counts["luneo-prod"], counts["luneo-staging"])
