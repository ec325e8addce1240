"""Whole stacks as main.py synthesizes them: backend, providers, tags, secrets, addresses."""

from __future__ import annotations

import json
import re

import pytest
from cdktf import Testing

from constructs_luneo.config import load_environment
from constructs_luneo.stacks import LuneoEnvironmentStack
from tests.conftest import PASSWORD_CANARY, ROOT
from tests.helpers import addresses, walk

ENVIRONMENTS = {"luneo-prod": "prod", "luneo-staging": "staging"}


def test_one_stack_per_environment(stacks):
    assert sorted(stacks) == ["luneo-prod", "luneo-staging"]


@pytest.mark.parametrize("stack, key", [
    ("luneo-prod", "global/multi-region/terraform.tfstate"),
    ("luneo-staging", "staging/multi-region/terraform.tfstate"),
])
def test_backend_is_the_existing_s3_bucket_and_lock_table(stacks, stack, key):
    assert stacks[stack]["terraform"]["backend"] == {"s3": {
        "bucket": "luneo-terraform-state",
        "key": key,
        "region": "eu-west-1",
        "dynamodb_table": "luneo-terraform-locks",
        "encrypt": True,
    }}


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_providers_regions_and_default_tags(stacks, stack):
    synthesized = json.dumps(stacks[stack])
    tags = {"Environment": ENVIRONMENTS[stack], "Project": "luneo", "ManagedBy": "cdktf"}
    assert Testing.to_have_provider_with_properties(
        synthesized, "aws", {"region": "eu-west-1", "default_tags": [{"tags": tags}]})
    assert Testing.to_have_provider_with_properties(
        synthesized, "aws", {"alias": "secondary", "region": "us-east-1", "default_tags": [{"tags": tags}]})
    providers = stacks[stack]["provider"]["aws"]
    assert len(providers) == 2
    assert [p.get("alias") for p in providers] == [None, "secondary"], "exactly one default and one secondary"


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_pins_the_provider_and_terraform_versions(stacks, stack):
    terraform = stacks[stack]["terraform"]
    assert terraform["required_providers"]["aws"]["version"] == "5.100.0"
    assert terraform["required_version"] == ">= 1.11.0"


def test_extra_tags_from_the_environment_file_join_the_default_tags(tmp_path):
    path = tmp_path / "qa.tfvars"
    path.write_text('db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
                    'tags = { CostCenter = "platform" }\n')
    app = Testing.app()
    stack = LuneoEnvironmentStack(app, load_environment(path))
    synthesized = Testing.synth(stack)
    assert Testing.to_have_provider_with_properties(synthesized, "aws", {"default_tags": [{"tags": {
        "CostCenter": "platform", "Environment": "qa", "Project": "luneo", "ManagedBy": "cdktf"}}]})


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_no_password_literal_in_any_stack(stacks, synth_dir, stack):
    text = (synth_dir / "stacks" / stack / "cdk.tf.json").read_text()
    assert PASSWORD_CANARY not in text, "TF_VAR_db_master_password leaked into the synthesized JSON"
    for path, value in walk(stacks[stack]):
        leaf = path.rsplit(".", 1)[-1]
        if re.search(r"password|auth_token|secret_string", leaf, re.I) and not leaf.startswith("manage_"):
            assert isinstance(value, str) and re.fullmatch(r"\$\{(var|ephemeral|data)\.[\w.-]+\}", value), \
                f"{stack}: {path} is a literal, not a reference to a sensitive variable"


def test_managed_password_by_default_means_no_password_variable(stacks):
    for stack in stacks.values():
        assert "db_master_password" not in stack.get("variable", {})


def test_supplied_password_is_a_sensitive_validated_variable(tmp_path):
    path = tmp_path / "qa.tfvars"
    path.write_text('db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
                    "db_manage_master_password = false\n")
    stack = LuneoEnvironmentStack(Testing.app(), load_environment(path))
    variable = json.loads(Testing.synth(stack))["variable"]["db_master_password"]
    assert variable["sensitive"] is True
    assert variable["ephemeral"] is True, "kept out of state, saved plans and Terraform's error messages"
    assert variable["nullable"] is False
    assert "default" not in variable, "the password has no default: it is given at plan time"
    assert variable["validation"] == [{"condition": "${length(var.db_master_password) >= 16}",
                                       "error_message": "db_master_password must be at least 16 characters long."}]


# The Terraform addresses are the interface to the state: renaming one makes Terraform destroy and
# recreate it unless a `moved` block says otherwise. Change these lists only on purpose.
KMS = ["aws_kms_alias.kms-{p}_alias", "aws_kms_key.kms-{p}_key"]
COMMON = sorted(
    [a.format(p=p) for p in ("rds", "redis", "s3", "secrets") for a in KMS]
    + ["data.aws_caller_identity.caller-default", "data.aws_partition.partition-default",
       "data.aws_region.region-default"]
)
EXPECTED_ADDRESSES = {"luneo-prod": COMMON, "luneo-staging": COMMON}


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_terraform_addresses_are_pinned(stacks, stack):
    assert addresses(stacks[stack]) == EXPECTED_ADDRESSES[stack]


def test_addresses_have_no_generated_hash_suffix(stacks):
    for stack in stacks.values():
        for address in addresses(stack):
            assert not re.search(r"_[0-9A-F]{8}$", address), address


def test_main_writes_the_same_stacks(stacks, tmp_path, monkeypatch):
    """main.main() end to end (in-process: the provider is already imported), into a directory that
    holds an initialized stack and a stale one: .terraform is kept, the stale stack goes."""
    import main

    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "luneo-prod" / ".terraform").mkdir(parents=True)
    (outdir / "stacks" / "luneo-prod" / ".terraform" / "marker").write_text("initialized")
    (outdir / "stacks" / "luneo-old" ).mkdir(parents=True)
    monkeypatch.setenv("CDKTF_OUTDIR", str(outdir))
    monkeypatch.setenv("LUNEO_ENVIRONMENTS_DIR", str(ROOT / "environments"))
    assert main.main() == 0
    assert (outdir / "stacks" / "luneo-prod" / ".terraform" / "marker").read_text() == "initialized"
    assert not (outdir / "stacks" / "luneo-old").exists()
    for name, expected in stacks.items():
        assert json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text()) == expected
    assert not list(tmp_path.glob(".synth-*"))
