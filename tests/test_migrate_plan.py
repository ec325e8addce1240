"""luneo_ops/migrate.py on a hand-written legacy state (including what moto cannot create, such as
the Redis replication group), and migrations/<stack>.json as the stack loads it."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_luneo.config import ConfigError, load_environment, load_migration
from constructs_luneo.stacks import LuneoEnvironmentStack, apply_migration
from luneo_ops.migrate import plan
from tests.conftest import ROOT

PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'


def resource(module, type_, name, *instances):
    return {
        "module": module,
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider": PROVIDER,
        "instances": [{"index_key": key, "attributes": attrs} for key, attrs in instances],
    }


def legacy_state(ours_policy: str) -> dict:
    return {
        "version": 4,
        "resources": [
            resource("module.kms_secrets", "aws_kms_key", "this", (None, {"id": "k-1", "key_id": "k-1"})),
            resource(
                "module.kms_secrets",
                "aws_kms_alias",
                "this",
                (None, {"name": "alias/luneo-secrets", "target_key_id": "k-1"}),
            ),
            resource("module.assets", "aws_s3_bucket", "this", (None, {"bucket": "luneo-prod-assets"})),
            resource("module.assets", "aws_s3_bucket_versioning", "this", (None, {"bucket": "luneo-prod-assets"})),
            resource(
                "module.redis",
                "aws_elasticache_replication_group",
                "this",
                (None, {"replication_group_id": "luneo-prod-redis", "kms_key_id": ""}),
            ),
            resource(
                "module.postgres",
                "aws_db_instance",
                "this",
                (None, {"identifier": "luneo-prod-db", "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/aws-rds"}),
            ),
            resource(
                "module.ecr_worker_ia",
                "aws_ecr_repository",
                "this",
                (None, {"name": "luneo-worker-ia", "encryption_configuration": [{"encryption_type": "AES256"}]}),
            ),
            resource(
                "module.ecr_worker_ia",
                "aws_ecr_lifecycle_policy",
                "this",
                (None, {"repository": "luneo-worker-ia", "policy": ours_policy}),
            ),
            resource(
                "module.ecr_usdz_converter",
                "aws_ecr_lifecycle_policy",
                "this",
                (None, {"repository": "luneo-usdz-converter", "policy": '{"rules": []}'}),
            ),
            resource(
                "module.vpc",
                "aws_subnet",
                "private",
                (0, {"cidr_block": "10.0.64.0/20"}),
                (1, {"cidr_block": "10.0.80.0/20"}),
            ),
            resource("module.bastion", "aws_instance", "this", (None, {"id": "i-123"})),
            {"mode": "data", "type": "aws_caller_identity", "name": "current", "instances": []},
        ],
    }


@pytest.fixture(scope="module")
def result(stacks):
    policy = stacks["luneo-prod"]["resource"]["aws_ecr_lifecycle_policy"]["ecr-worker-ia_lifecycle-policy"]["policy"]
    return plan(legacy_state(json.dumps(json.loads(policy), indent=2)), stacks["luneo-prod"])


def test_matches_by_type_and_identity(result):
    moved = {m["from"]: m["to"] for m in result["moved"]}
    assert moved == {
        "module.kms_secrets.aws_kms_key.this": "aws_kms_key.kms-secrets_key",
        "module.kms_secrets.aws_kms_alias.this": "aws_kms_alias.kms-secrets_alias",
        "module.assets.aws_s3_bucket.this": "aws_s3_bucket.assets_bucket",
        "module.assets.aws_s3_bucket_versioning.this": "aws_s3_bucket_versioning.assets_versioning",
        "module.redis.aws_elasticache_replication_group.this": (
            "aws_elasticache_replication_group.redis_replication-group"
        ),
        "module.postgres.aws_db_instance.this": "aws_db_instance.postgres_instance",
        "module.ecr_worker_ia.aws_ecr_repository.this": "aws_ecr_repository.ecr-worker-ia_repository",
        "module.ecr_worker_ia.aws_ecr_lifecycle_policy.this": "aws_ecr_lifecycle_policy.ecr-worker-ia_lifecycle-policy",
        "module.vpc.aws_subnet.private[0]": "aws_subnet.network-primary_private-0",
        "module.vpc.aws_subnet.private[1]": "aws_subnet.network-primary_private-1",
    }


def test_reports_and_forgets_what_it_cannot_match(result):
    removed = {r["from"]: r for r in result["removed"]}
    assert set(removed) == {
        "module.bastion.aws_instance.this",
        "module.ecr_usdz_converter.aws_ecr_lifecycle_policy.this",
    }
    assert "destroy = false" in removed["module.bastion.aws_instance.this"]["reason"]
    assert any("overwritten" in note for note in result["notes"])
    assert "aws_db_instance.postgres-replica_instance" in result["created"]


def test_keeps_the_encryption_stores_were_created_with(result):
    assert result["settings"] == {
        "existing_encryption": {
            "db": "arn:aws:kms:eu-west-1:111122223333:key/aws-rds",
            "redis": "default",
            "ecr": "default",
        }
    }


def test_the_stack_turns_a_migration_into_moved_and_removed_blocks(result, tmp_path):
    path = tmp_path / "luneo-prod.json"
    path.write_text(json.dumps({"moved": result["moved"], "removed": result["removed"]}))
    tfvars = tmp_path / "prod.tfvars"
    tfvars.write_text(
        (ROOT / "environments" / "prod.tfvars").read_text()
        + 'existing_encryption = { db = "arn:aws:kms:eu-west-1:111122223333:key/aws-rds", '
        'redis = "default", ecr = "default" }\n'
    )
    stack = LuneoEnvironmentStack(Testing.app(), load_environment(tfvars))
    apply_migration(stack, load_migration(path))
    data = json.loads(Testing.synth(stack))
    assert {"from": "module.assets.aws_s3_bucket.this", "to": "aws_s3_bucket.assets_bucket"} in data["moved"]
    assert {"from": "module.bastion.aws_instance.this", "lifecycle": {"destroy": False}} in data["removed"]
    db = data["resource"]["aws_db_instance"]["postgres_instance"]
    assert db["kms_key_id"] == "arn:aws:kms:eu-west-1:111122223333:key/aws-rds"
    assert "kms_key_id" not in data["resource"]["aws_elasticache_replication_group"]["redis_replication-group"]
    assert data["resource"]["aws_ecr_repository"]["ecr-worker-ia_repository"]["encryption_configuration"] == [
        {"encryption_type": "AES256"}
    ]


@pytest.mark.parametrize(
    "document, message",
    [
        (
            {"moved": [{"from": "module.a.aws_s3_bucket.this"}]},
            'moved[0]: expected {"from": <address>, "to": <address>}',
        ),
        ({"removed": [{"from": "module.a.aws_subnet.x[0]"}]}, "removed[0]: expected"),
        (
            {
                "moved": [{"from": "module.a.aws_s3_bucket.this", "to": "aws_s3_bucket.x"}],
                "removed": [{"from": "module.a.aws_s3_bucket.this"}],
            },
            "module.a.aws_s3_bucket.this: appears more than once",
        ),
    ],
)
def test_bad_migration_files(tmp_path, document, message):
    path = tmp_path / "luneo-prod.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("{", r"\{").replace("}", r"\}")):
        load_migration(path)


def test_a_move_to_an_address_the_stack_lacks_is_refused(tmp_path):
    path = tmp_path / "luneo-prod.json"
    path.write_text(json.dumps({"moved": [{"from": "module.a.aws_s3_bucket.this", "to": "aws_s3_bucket.typo"}]}))
    stack = LuneoEnvironmentStack(Testing.app(), load_environment(ROOT / "environments" / "prod.tfvars"))
    with pytest.raises(ConfigError, match="moved to aws_s3_bucket.typo: expected an address of luneo-prod"):
        apply_migration(stack, load_migration(path))


def test_zone_ids_prints_the_zones_a_running_network_is_in(tmp_path):
    """`make zone-ids`: the tfvars lines that keep a running network's subnets where they are (pinning other
    zone IDs would replace every subnet)."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    def subnet(role: str, tier: str, index: int, zone: str) -> dict:
        return {
            "mode": "managed",
            "type": "aws_subnet",
            "name": f"network-{role}_{tier}-{index}",
            "instances": [{"attributes": {"availability_zone_id": zone}}],
        }

    state = {
        "resources": [
            subnet("primary", "private", 1, "euw1-az3"),
            subnet("primary", "private", 0, "euw1-az2"),
            subnet("primary", "public", 0, "euw1-az9"),
            subnet("primary", "private", 2, "euw1-az1"),
            subnet("secondary", "private", 0, "use1-az6"),
            subnet("secondary", "private", 1, "use1-az1"),
        ]
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    proc = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "zone-ids", str(path), "--stack", "luneo-staging"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == [
        'primary_zone_ids = ["euw1-az2", "euw1-az3", "euw1-az1"]',
        'secondary_zone_ids = ["use1-az6", "use1-az1"]',
    ]
    path.write_text('{"resources": []}')
    empty = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "zone-ids", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert empty.returncode == 2 and "no network-<role>_private-<n> subnets" in empty.stderr
