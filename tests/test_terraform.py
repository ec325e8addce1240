"""Terraform itself on the synthesized stacks: init (offline when a provider mirror exists) + validate."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_luneo.config import load_environment
from constructs_luneo.stacks import LuneoEnvironmentStack
from luneo_ops.terraform import cli as terraform_cli
from luneo_ops.terraform import validate as terraform_validate
from tests.conftest import ROOT


@pytest.mark.parametrize("stack", ["luneo-prod", "luneo-staging", "luneo-bootstrap"])
def test_terraform_validate(terraform, synth_dir, tmp_path, stack):
    result = terraform_validate.validate_stack(synth_dir / "stacks" / stack / "cdk.tf.json", tmp_path / stack)
    assert result.ok, result.output
    assert "The configuration is valid" in result.output


def test_a_validation_is_remembered_only_for_the_same_bytes(terraform, synth_dir, tmp_path):
    """make synth skips terraform for a stack whose bytes were validated already; any change validates again."""
    stack_file = tmp_path / "cdk.tf.json"
    original = (synth_dir / "stacks" / "luneo-bootstrap" / "cdk.tf.json").read_text()
    stack_file.write_text(original)
    workdir = tmp_path / "validate"
    assert "The configuration is valid" in terraform_validate.validate_stack(stack_file, workdir).output
    again = terraform_validate.validate_stack(stack_file, workdir)
    assert again.ok and "these bytes were validated" in again.output
    broken = json.loads(original)
    broken["resource"]["aws_s3_bucket"]["luneo-terraform-state_bucket"]["no_such_argument"] = True
    stack_file.write_text(json.dumps(broken))
    result = terraform_validate.validate_stack(stack_file, workdir)
    assert not result.ok and "no_such_argument" in result.output
    stack_file.write_text(original)
    assert "The configuration is valid" in terraform_validate.validate_stack(stack_file, workdir).output


def test_provider_mirror_is_found_when_the_machine_has_one(terraform, stacks):
    """Says loudly when `make test` would need the network for the provider."""
    version = terraform_cli.provider_version(stacks["luneo-prod"])
    plugin_dir = terraform_cli.find_plugin_dir(version)
    if plugin_dir is None:
        pytest.fail(
            f"no filesystem mirror of hashicorp/aws {version} found: set TF_PLUGIN_DIR, or expect "
            "`terraform init` to download the provider from the registry",
            pytrace=False,
        )
    assert (plugin_dir / terraform_cli.PROVIDER / version).is_dir()


def test_configured_plugin_dir_must_hold_the_provider(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_PLUGIN_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="has no registry.terraform.io/hashicorp/aws/5.100.0"):
        terraform_cli.find_plugin_dir("5.100.0")


def test_a_short_password_is_rejected_at_plan_time(terraform, tmp_path):
    """The variable's validation, exercised by terraform plan on the synthesized variable block."""
    path = tmp_path / "qa.tfvars"
    path.write_text(
        'db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        'db_master_password_source = "variable"\n'
    )
    synthesized = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    workdir = tmp_path / "plan"
    workdir.mkdir()
    (workdir / "main.tf.json").write_text(json.dumps({"variable": synthesized["variable"]}))
    assert terraform_cli.run(["init", "-no-color"], workdir).ok
    env = terraform_cli.terraform_env()
    env["TF_VAR_db_master_password"] = "too-short"
    short = terraform_cli.run(["plan", "-no-color", "-input=false"], workdir, env=env)
    assert not short.ok
    assert "db_master_password must be at least 16 characters long" in short.output
    assert "too-short" not in short.output, "terraform never prints the sensitive value"
    env["TF_VAR_db_master_password"] = "long-enough-password-123"
    assert terraform_cli.run(["plan", "-no-color", "-input=false"], workdir, env=env).ok


def test_supplied_password_variant_validates(terraform, tmp_path):
    """db_master_password_source = "variable": the ephemeral variable flows into the secret's
    secret_string_wo, which Terraform accepts only for write-only arguments."""
    path = tmp_path / "qa.tfvars"
    path.write_text(
        'db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        'db_master_password_source = "variable"\n'
    )
    stack_file = tmp_path / "cdk.tf.json"
    stack_file.write_text(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    data = json.loads(stack_file.read_text())
    version = data["resource"]["aws_secretsmanager_secret_version"]["db-credentials_version"]
    assert "password = var.db_master_password" in version["secret_string_wo"]
    result = terraform_validate.validate_stack(stack_file, tmp_path / "validate")
    assert result.ok, result.output


def test_aurora_global_variant_validates(terraform, dr_synth_dir, tmp_path):
    result = terraform_validate.validate_stack(dr_synth_dir / "stacks" / "luneo-dr" / "cdk.tf.json", tmp_path / "dr")
    assert result.ok, result.output


def test_every_init_verifies_the_provider_against_the_committed_lock_file(terraform, synth_dir, tmp_path):
    """The committed .terraform.lock.hcl (hashes of hashicorp/aws) sits next to every synthesized
    stack; `terraform init -lockfile=readonly` refuses a provider that does not match it."""
    import re
    import shutil

    lock = (ROOT / ".terraform.lock.hcl").read_text()
    assert 'version     = "5.100.0"' in lock and re.search(r'"h1:[A-Za-z0-9+/=]{44}"', lock)
    for name, text in (("kept", lock), ("tampered", re.sub(r'"h1:[^"]+"', '"h1:' + "A" * 43 + '="', lock))):
        stack = tmp_path / name / "stack"
        stack.mkdir(parents=True)
        shutil.copyfile(synth_dir / "stacks" / "luneo-bootstrap" / "cdk.tf.json", stack / "cdk.tf.json")
        (stack / ".terraform.lock.hcl").write_text(text)
        result = terraform_validate.validate_stack(stack / "cdk.tf.json", tmp_path / name / "validate")
        assert result.ok == (name == "kept"), result.output[-1500:]
        if name == "tampered":
            assert "checksum" in result.output or "doesn't match" in result.output, result.output[-1500:]
