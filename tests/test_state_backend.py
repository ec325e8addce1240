"""luneo-bootstrap: bootstrap.tfvars, the StateBackend construct and the stack's local state."""

from __future__ import annotations

import json

import pytest

from constructs_luneo.config import ConfigError, load_bootstrap, load_environment
from constructs_luneo.state_backend import StateBackend
from constructs_luneo.support.errors import ConstructArgumentError
from tests.conftest import ROOT
from tests.helpers import only_resource, statements, synth_scope

KEY = "arn:aws:kms:eu-west-1:111122223333:key/state"


def backend(scope, **overrides):
    args = dict(bucket_name="luneo-terraform-state", table_name="luneo-terraform-locks", kms_key_arn=KEY)
    args.update(overrides)
    return StateBackend(scope, "state", **args)


def test_bucket_versioned_encrypted_private_tls_only_and_expiring_late():
    synthesized = synth_scope(backend)
    assert only_resource(synthesized, "aws_s3_bucket")["lifecycle"] == {"prevent_destroy": True}
    assert only_resource(synthesized, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    rule = only_resource(synthesized, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY}
    block = only_resource(synthesized, "aws_s3_bucket_public_access_block")
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    deny = statements(only_resource(synthesized, "aws_s3_bucket_policy")["policy"])["DenyInsecureTransport"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = {r["id"]: r for r in only_resource(synthesized, "aws_s3_bucket_lifecycle_configuration")["rule"]}
    assert rules["expire-old-state-versions"]["noncurrent_version_expiration"] == [{"noncurrent_days": 365}]


def test_lock_table():
    table = only_resource(synth_scope(backend), "aws_dynamodb_table")
    assert table["name"] == "luneo-terraform-locks" and table["hash_key"] == "LockID"
    assert table["attribute"] == [{"name": "LockID", "type": "S"}]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": KEY}


def test_import_blocks_adopt_existing_resources():
    imports = json.loads(synth_scope(backend))["import"]
    assert {(i["to"], i["id"]) for i in imports} == {
        ("aws_s3_bucket.state_bucket", "luneo-terraform-state"),
        ("aws_s3_bucket_versioning.state_versioning", "luneo-terraform-state"),
        ("aws_s3_bucket_server_side_encryption_configuration.state_encryption", "luneo-terraform-state"),
        ("aws_dynamodb_table.state_lock-table", "luneo-terraform-locks"),
    }
    assert "import" not in json.loads(synth_scope(lambda s: backend(s, adopt_existing=False)))


def test_bad_arguments():
    with pytest.raises(ConstructArgumentError, match="noncurrent_version_expiration_days: expected at least 30"):
        synth_scope(lambda s: backend(s, noncurrent_version_expiration_days=7))


def test_bootstrap_stack_keeps_local_state_and_covers_the_environments_backend(all_stacks):
    bootstrap = all_stacks["luneo-bootstrap"]
    assert bootstrap["terraform"]["backend"] == {"local": {"path": "terraform.tfstate"}}
    bucket = bootstrap["resource"]["aws_s3_bucket"]["luneo-terraform-state_bucket"]
    assert bucket["bucket"] == all_stacks["luneo-prod"]["terraform"]["backend"]["s3"]["bucket"]
    table = bootstrap["resource"]["aws_dynamodb_table"]["luneo-terraform-state_lock-table"]
    assert table["name"] == all_stacks["luneo-prod"]["terraform"]["backend"]["s3"]["dynamodb_table"]
    assert bootstrap["provider"]["aws"][0]["region"] == "eu-west-1"
    adopted = sorted(i["to"] for i in bootstrap["import"])
    assert len(adopted) == 5, "bootstrap.tfvars adopts what exists today: the backend and the GitHub OIDC provider"
    assert "aws_iam_openid_connect_provider.github-oidc_provider" in adopted


def test_bootstrap_tfvars_errors(tmp_path):
    envs = [load_environment(ROOT / "environments" / "prod.tfvars")]
    path = tmp_path / "bootstrap.tfvars"
    path.write_text('adopt_existing = "yes"\n')
    with pytest.raises(ConfigError, match="bootstrap.tfvars:1: adopt_existing: expected true or false"):
        load_bootstrap(path, envs)
    path.write_text("state_noncurrent_version_expiration_days = 5\n")
    with pytest.raises(ConfigError, match="expected a whole number from 30 to 3650"):
        load_bootstrap(path, envs)


def test_environments_on_one_bucket_must_share_the_lock_table(tmp_path):
    other = tmp_path / "qa.tfvars"
    other.write_text(
        'db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        'state_lock_table = "another-table"\n'
    )
    path = tmp_path / "bootstrap.tfvars"
    path.write_text('adopt_existing = true\ngithub_repository = "luneo/luneo-infra"\n')
    with pytest.raises(ConfigError, match="expected the same lock table and region as the other environments"):
        load_bootstrap(path, [load_environment(ROOT / "environments" / "prod.tfvars"), load_environment(other)])
