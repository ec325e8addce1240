"""Whole stacks as main.py synthesizes them: backend, providers, tags, secrets, addresses."""

from __future__ import annotations

import json
import re

import pytest
from cdktf import Testing

from constructs_luneo.config import load_environment
from constructs_luneo.stacks import LuneoEnvironmentStack
from constructs_luneo.support.facts import STATEFUL_TYPES
from tests.conftest import PASSWORD_CANARY, ROOT
from tests.helpers import addresses, decode_jsonencode, walk

ENVIRONMENTS = {"luneo-prod": "prod", "luneo-staging": "staging"}


def test_one_stack_per_environment(stacks):
    assert sorted(stacks) == ["luneo-prod", "luneo-staging"]


@pytest.mark.parametrize(
    "stack, key",
    [
        ("luneo-prod", "global/multi-region/terraform.tfstate"),
        ("luneo-staging", "staging/multi-region/terraform.tfstate"),
    ],
)
def test_backend_is_the_existing_s3_bucket_and_lock_table(stacks, stack, key):
    assert stacks[stack]["terraform"]["backend"] == {
        "s3": {
            "bucket": "luneo-terraform-state",
            "key": key,
            "region": "eu-west-1",
            "dynamodb_table": "luneo-terraform-locks",
            "encrypt": True,
            # SSE-KMS with the state bucket's key, by the alias that names it in either region
            "kms_key_id": "alias/luneo-terraform-state",
        }
    }


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_providers_regions_and_default_tags(stacks, stack):
    synthesized = json.dumps(stacks[stack])
    tags = {"Environment": ENVIRONMENTS[stack], "Project": "luneo", "ManagedBy": "cdktf"}
    assert Testing.to_have_provider_with_properties(
        synthesized, "aws", {"region": "eu-west-1", "default_tags": [{"tags": tags}]}
    )
    assert Testing.to_have_provider_with_properties(
        synthesized, "aws", {"alias": "secondary", "region": "us-east-1", "default_tags": [{"tags": tags}]}
    )
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
    path.write_text(
        'db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        'tags = { CostCenter = "platform" }\n'
    )
    app = Testing.app()
    stack = LuneoEnvironmentStack(app, load_environment(path))
    synthesized = Testing.synth(stack)
    assert Testing.to_have_provider_with_properties(
        synthesized,
        "aws",
        {
            "default_tags": [
                {"tags": {"CostCenter": "platform", "Environment": "qa", "Project": "luneo", "ManagedBy": "cdktf"}}
            ]
        },
    )


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_no_password_literal_in_any_stack(stacks, synth_dir, stack):
    text = (synth_dir / "stacks" / stack / "cdk.tf.json").read_text()
    assert PASSWORD_CANARY not in text, "TF_VAR_db_master_password leaked into the synthesized JSON"
    for path, value in walk(stacks[stack]):
        leaf = path.rsplit(".", 1)[-1]
        if path.startswith("ephemeral.aws_secretsmanager_random_password."):
            continue  # the generator's settings (length, characters), not a password
        if (
            re.search(r"password|auth_token|secret_string", leaf, re.I)
            and not leaf.startswith("manage_")
            and not leaf.endswith("_version")
        ):
            assert isinstance(value, str) and value.startswith("${") and re.search(r"\b(var|ephemeral)\.", value), (
                f"{stack}: {path} is a literal, not a reference to an ephemeral value"
            )


def test_generated_password_by_default_means_no_password_variable(stacks):
    for stack in stacks.values():
        assert "db_master_password" not in stack.get("variable", {})


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_the_database_password_is_generated_kept_in_a_replicated_secret_and_read_back(stacks, stack):
    """Defect: RDS refused the read replica of an instance whose password it manages (LUNEO-AWS-1).
    Now one generated value goes to a KMS-encrypted secret replicated to us-east-1 (write-only), and the
    database reads it back from there into its write-only password_wo."""
    data = stacks[stack]
    db = one(data, "aws_db_instance", "postgres_instance")
    assert "manage_master_user_password" not in db and "password" not in db
    assert db["password_wo"] == (
        "${jsondecode(ephemeral.aws_secretsmanager_secret_version.db-credentials_current.secret_string).password}"
    )
    assert db["password_wo_version"] == 1
    generator = data["ephemeral"]["aws_secretsmanager_random_password"]["db-credentials_password"]
    assert generator["password_length"] == 32 and set("/'\"@") <= set(generator["exclude_characters"])
    version = one(data, "aws_secretsmanager_secret_version", "db-credentials_version")
    assert (
        "password = ephemeral.aws_secretsmanager_random_password.db-credentials_password.random_password"
        in version["secret_string_wo"]
        and version["secret_string_wo_version"] == 1
    )
    read_back = data["ephemeral"]["aws_secretsmanager_secret_version"]["db-credentials_current"]
    assert read_back == {
        "secret_id": "${aws_secretsmanager_secret.db-credentials_secret.id}",
        "depends_on": ["aws_secretsmanager_secret_version.db-credentials_version"],
    }
    secret = one(data, "aws_secretsmanager_secret", "db-credentials_secret")
    assert secret["kms_key_id"] == "${aws_kms_key.kms-secrets_key.arn}"
    assert secret["replica"] == [{"region": "us-east-1", "kms_key_id": "${aws_kms_key.kms-secrets-secondary_key.arn}"}]
    replica = one(data, "aws_db_instance", "postgres-replica_instance")
    assert not {"password", "password_wo", "manage_master_user_password"} & set(replica), "a replica inherits it"


def test_rotation_is_a_version_bump_in_tfvars(tmp_path):
    path = tmp_path / "staging.tfvars"
    path.write_text((ROOT / "environments" / "staging.tfvars").read_text() + "db_master_password_version = 2\n")
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    assert one(data, "aws_db_instance", "postgres_instance")["password_wo_version"] == 2
    assert one(data, "aws_secretsmanager_secret_version", "db-credentials_version")["secret_string_wo_version"] == 2


def test_supplied_password_is_a_sensitive_validated_variable(tmp_path):
    path = tmp_path / "qa.tfvars"
    path.write_text(
        'db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        'db_master_password_source = "variable"\n'
    )
    stack = LuneoEnvironmentStack(Testing.app(), load_environment(path))
    data = json.loads(Testing.synth(stack))
    variable = data["variable"]["db_master_password"]
    assert (
        "password = var.db_master_password"
        in one(data, "aws_secretsmanager_secret_version", "db-credentials_version")["secret_string_wo"]
    )
    assert "aws_secretsmanager_random_password" not in data["ephemeral"]
    assert variable["sensitive"] is True
    assert variable["ephemeral"] is True, "kept out of state, saved plans and Terraform's error messages"
    assert variable["nullable"] is False
    assert "default" not in variable, "the password has no default: it is given at plan time"
    assert variable["validation"] == [
        {
            "condition": "${length(var.db_master_password) >= 16}",
            "error_message": "db_master_password must be at least 16 characters long.",
        }
    ]


# The Terraform addresses are the interface to the state: renaming one makes Terraform destroy and
# recreate it unless a `moved` block says otherwise. tests/addresses/<stack>.txt pins them; change a
# pin only on purpose (`make pin-addresses`, then review the diff and add `moved` blocks).
@pytest.mark.parametrize("stack", [*ENVIRONMENTS, "luneo-bootstrap"])
def test_terraform_addresses_are_pinned(all_stacks, stack):
    pinned = (ROOT / "tests" / "addresses" / f"{stack}.txt").read_text().split()
    actual = addresses(all_stacks[stack])
    added, removed = sorted(set(actual) - set(pinned)), sorted(set(pinned) - set(actual))
    assert not (added or removed), (
        f"{stack}: Terraform addresses changed. Removed (Terraform would destroy them unless moved): {removed}; "
        f"added: {added}. If intended: `make pin-addresses`, add `moved` blocks for renames, note it in the changelog."
    )


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
    (outdir / "stacks" / "luneo-old").mkdir(parents=True)
    monkeypatch.setenv("CDKTF_OUTDIR", str(outdir))
    monkeypatch.setenv("LUNEO_ENVIRONMENTS_DIR", str(ROOT / "environments"))
    assert main.main() == 0
    assert (outdir / "stacks" / "luneo-prod" / ".terraform" / "marker").read_text() == "initialized"
    assert not (outdir / "stacks" / "luneo-old").exists()
    for name, expected in stacks.items():
        assert json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text()) == expected
    lock = (ROOT / ".terraform.lock.hcl").read_text()
    assert all((d / ".terraform.lock.hcl").read_text() == lock for d in (outdir / "stacks").iterdir())
    assert not list(tmp_path.glob(".synth-*"))


# --- the platform as wired in each stack ---


def one(stack: dict, resource_type: str, name: str) -> dict:
    return stack["resource"][resource_type][name]


@pytest.mark.parametrize("stack, env", ENVIRONMENTS.items())
def test_names_follow_the_docs(stacks, stack, env):
    data = stacks[stack]
    assert one(data, "aws_s3_bucket", "assets_bucket")["bucket"] == f"luneo-{env}-assets"
    assert one(data, "aws_db_instance", "postgres_instance")["identifier"] == f"luneo-{env}-db"
    assert (
        one(data, "aws_elasticache_replication_group", "redis_replication-group")["replication_group_id"]
        == f"luneo-{env}-redis"
    )
    repositories = sorted(
        (r["name"], r.get("provider", "aws")) for r in data["resource"]["aws_ecr_repository"].values()
    )
    prefix = "" if env == "prod" else f"{env}/"
    assert repositories == [
        (f"{prefix}{name}", provider)
        for name in ("luneo-usdz-converter", "luneo-worker-ia")
        for provider in ("aws", "aws.secondary")
    ], "the same names in both regions"
    aliases = sorted(a["name"] for a in data["resource"]["aws_kms_alias"].values())
    assert ("alias/luneo-secrets" if env == "prod" else f"alias/luneo-{env}-secrets") in aliases


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_each_store_uses_the_key_of_its_purpose(stacks, stack):
    data = stacks[stack]
    db = one(data, "aws_db_instance", "postgres_instance")
    assert db["kms_key_id"] == db["performance_insights_kms_key_id"] == "${aws_kms_key.kms-rds_key.arn}"
    assert (
        one(data, "aws_secretsmanager_secret", "db-credentials_secret")["kms_key_id"]
        == "${aws_kms_key.kms-secrets_key.arn}"
    )
    assert (
        one(data, "aws_elasticache_replication_group", "redis_replication-group")["kms_key_id"]
        == "${aws_kms_key.kms-redis_key.arn}"
    )
    sse = one(data, "aws_s3_bucket_server_side_encryption_configuration", "assets_encryption")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"]["kms_master_key_id"] == "${aws_kms_key.kms-s3_key.arn}"
    for repository in data["resource"]["aws_ecr_repository"].values():
        region = "-secondary" if repository.get("provider") == "aws.secondary" else ""
        assert repository["encryption_configuration"][0]["kms_key"] == f"${{aws_kms_key.kms-ecr{region}_key.arn}}"
    replica = one(data, "aws_db_instance", "postgres-replica_instance")
    assert replica["kms_key_id"] == "${aws_kms_key.kms-rds-secondary_key.arn}", "KMS keys are regional"
    for name, group in data["resource"]["aws_cloudwatch_log_group"].items():
        region = "-secondary" if group.get("provider") == "aws.secondary" else ""
        assert group["kms_key_id"] == f"${{aws_kms_key.kms-logs{region}_key.arn}}", name
    for name, topic in data["resource"]["aws_sns_topic"].items():
        region = "-secondary" if topic.get("provider") == "aws.secondary" else ""
        assert topic["kms_master_key_id"] == f"${{aws_kms_key.kms-alarms{region}_key.arn}}", name


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_data_stores_admit_only_the_eks_nodes_of_their_region(stacks, stack):
    rules = stacks[stack]["resource"]["aws_vpc_security_group_ingress_rule"]
    sources = {
        name.split("_")[0]: (r.get("referenced_security_group_id"), r.get("cidr_ipv4"))
        for name, r in rules.items()
        if name.startswith(("postgres", "redis"))
    }
    expected = {
        "postgres": ("${aws_security_group.eks-primary_node-sg.id}", None),
        "postgres-replica": ("${aws_security_group.eks-secondary_node-sg.id}", None),
        "redis": ("${aws_security_group.eks-primary_node-sg.id}", None),
    }
    if "aws_elasticache_global_replication_group" in stacks[stack]["resource"]:
        expected["redis-secondary"] = ("${aws_security_group.eks-secondary_node-sg.id}", None)
    assert sources == expected


def test_secondary_region_resources_use_the_secondary_provider(stacks):
    for name, resource in stacks["luneo-prod"]["resource"]["aws_vpc"].items():
        assert resource.get("provider") == ("aws.secondary" if "secondary" in name else None)
    subnets = stacks["luneo-prod"]["resource"]["aws_subnet"]
    assert [subnets[f"network-secondary_private-{i}"]["availability_zone_id"] for i in range(3)] == [
        "use1-az1",
        "use1-az2",
        "use1-az4",
    ]


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_subnets_are_pinned_to_zone_ids_that_a_plan_checks(stacks, stack):
    """Defects: zone names were hard-coded (us-east-1a/b/c), then taken by position from a live lookup,
    where a zone changing state or a new one sorting in shifts every index and replaces every subnet.
    Now: zone IDs from configuration (the same physical zone in every account; use1-az3 never), and
    the lookup only checks, in a postcondition, that they are available to the account."""
    lookups = stacks[stack]["data"]["aws_availability_zones"]
    assert lookups["zones-secondary"]["provider"] == "aws.secondary" and "provider" not in lookups["zones-primary"]
    expected = {"primary": ["euw1-az1", "euw1-az2", "euw1-az3"], "secondary": ["use1-az1", "use1-az2", "use1-az4"]}
    for role, ids in expected.items():
        lookup = lookups[f"zones-{role}"]
        assert lookup["state"] == "available"
        [check] = lookup["lifecycle"]["postcondition"]
        assert check["condition"] == f"${{length(setsubtract({json.dumps(ids)}, self.zone_ids)) == 0}}"
        assert check["error_message"].startswith(f"{role}_zone_ids: {', '.join(ids)} must all be available")
    for name, subnet in stacks[stack]["resource"]["aws_subnet"].items():
        role, index = name.split("_")[0].removeprefix("network-"), int(name.rsplit("-", 1)[1])
        assert "availability_zone" not in subnet and subnet["availability_zone_id"] == expected[role][index], name


# Checkov skips CKV_AWS_157 and CKV2_AWS_50 because staging opts out; prod must not.
def test_prod_is_zone_redundant_and_protected(stacks):
    prod = stacks["luneo-prod"]
    db = one(prod, "aws_db_instance", "postgres_instance")
    assert db["multi_az"] is True and db["deletion_protection"] is True and db["skip_final_snapshot"] is False
    redis = one(prod, "aws_elasticache_replication_group", "redis_replication-group")
    assert redis["automatic_failover_enabled"] is True and redis["multi_az_enabled"] is True
    assert len(prod["resource"]["aws_nat_gateway"]) == 6, "one NAT gateway per AZ in both regions"


def test_prod_stateful_resources_prevent_destroy(stacks):
    present = [t for t in STATEFUL_TYPES if t in stacks["luneo-prod"]["resource"]]
    assert len(present) >= 5, present
    for resource_type in present:
        for name, resource in stacks["luneo-prod"]["resource"][resource_type].items():
            assert resource.get("lifecycle", {}).get("prevent_destroy") is True, f"{resource_type}.{name}"


def test_staging_can_be_torn_down_but_keeps_deletion_protection(stacks):
    staging = stacks["luneo-staging"]
    for resource_type in STATEFUL_TYPES:
        for resource in staging["resource"].get(resource_type, {}).values():
            assert "prevent_destroy" not in resource.get("lifecycle", {})
    assert one(staging, "aws_db_instance", "postgres_instance")["deletion_protection"] is True


def test_scaling_is_a_tfvars_edit(tmp_path):
    """Change numbers in the tfvars: the instance class, node type and node count follow."""
    text = (ROOT / "environments" / "staging.tfvars").read_text()
    text = re.sub(r"db_primary_instance_class\s*=.*", 'db_primary_instance_class = "db.r6g.xlarge"', text)
    text = re.sub(r"redis_node_type\s*=.*", 'redis_node_type = "cache.r6g.large"', text)
    text = re.sub(r"redis_num_cache_clusters\s*=.*", "redis_num_cache_clusters = 3", text)
    text = re.sub(r"db_allocated_storage\s*=.*", "db_allocated_storage = 200", text)
    path = tmp_path / "staging.tfvars"
    path.write_text(text)
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    db = one(data, "aws_db_instance", "postgres_instance")
    assert (db["instance_class"], db["allocated_storage"]) == ("db.r6g.xlarge", 200)
    redis = one(data, "aws_elasticache_replication_group", "redis_replication-group")
    assert (redis["node_type"], redis["num_cache_clusters"], redis["automatic_failover_enabled"]) == (
        "cache.r6g.large",
        3,
        True,
    )


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_outputs_for_operators(stacks, stack):
    outputs = stacks[stack]["output"]
    for name in (
        "assets_bucket_name",
        "assets_distribution_id",
        "db_endpoint",
        "db_master_secret_arn",
        "redis_endpoint",
        "ecr_worker_ia_url",
        "ecr_usdz_converter_url",
        "kms_secrets_key_arn",
    ):
        assert name in outputs, name


# --- multi-region platform ---


@pytest.mark.parametrize("stack, env", ENVIRONMENTS.items())
def test_eks_in_both_regions_sized_from_the_tfvars(stacks, stack, env):
    config = load_environment(ROOT / "environments" / f"{env}.tfvars")
    clusters = {c["name"]: c for c in stacks[stack]["resource"]["aws_eks_cluster"].values()}
    assert sorted(clusters) == [f"luneo-{env}-eks-primary", f"luneo-{env}-eks-secondary"]
    assert clusters[f"luneo-{env}-eks-secondary"]["provider"] == "aws.secondary"
    assert "provider" not in clusters[f"luneo-{env}-eks-primary"]
    groups = stacks[stack]["resource"]["aws_eks_node_group"]
    assert groups["eks-primary_spot-nodes"]["scaling_config"] == {
        "desired_size": config.eks.primary.desired_size,
        "min_size": config.eks.primary.min_size,
        "max_size": config.eks.primary.max_size,
    }
    assert groups["eks-secondary_spot-nodes"]["scaling_config"] == {
        "desired_size": config.eks.secondary.desired_size,
        "min_size": config.eks.secondary.min_size,
        "max_size": config.eks.secondary.max_size,
    }
    assert all(c["version"] == config.eks.kubernetes_version for c in clusters.values())


@pytest.mark.parametrize("stack, env", ENVIRONMENTS.items())
def test_replica_mode_database_and_assets_replication(stacks, stack, env):
    data = stacks[stack]
    replica = one(data, "aws_db_instance", "postgres-replica_instance")
    assert replica["replicate_source_db"] == "${aws_db_instance.postgres_instance.arn}"
    assert replica["provider"] == "aws.secondary" and replica["identifier"] == f"luneo-{env}-db-replica"
    assert one(data, "aws_s3_bucket", "assets_replica-bucket")["bucket"] == f"luneo-{env}-assets-replica"
    assert "aws_rds_global_cluster" not in data["resource"]


@pytest.mark.parametrize("stack, env", ENVIRONMENTS.items())
def test_alarms(stacks, stack, env):
    alarms = {a["alarm_name"]: a for a in stacks[stack]["resource"]["aws_cloudwatch_metric_alarm"].values()}
    config = load_environment(ROOT / "environments" / f"{env}.tfvars")
    expected = {
        f"luneo-{env}-db-cpu",
        f"luneo-{env}-db-free-storage",
        f"luneo-{env}-db-replica-lag",
        f"luneo-{env}-assets-replication-latency",
        f"luneo-{env}-health-primary",
        f"luneo-{env}-health-secondary",
    }
    for i in range(1, config.redis.num_cache_clusters + 1):
        expected |= {f"luneo-{env}-redis-{i:03d}-cpu", f"luneo-{env}-redis-{i:03d}-memory"}
        if config.redis.global_datastore:
            expected |= {f"luneo-{env}-redis-secondary-{i:03d}-{what}" for what in ("cpu", "memory", "replication-lag")}
    assert set(alarms) == expected
    if config.redis.global_datastore:
        lag = alarms[f"luneo-{env}-redis-secondary-001-replication-lag"]
        assert lag["metric_name"] == "GlobalDatastoreReplicationLag" and lag["provider"] == "aws.secondary"
        assert lag["treat_missing_data"] == "notBreaching", "only the secondary's primary node publishes it"
    assert alarms[f"luneo-{env}-db-replica-lag"]["metric_name"] == "ReplicaLag"
    assert alarms[f"luneo-{env}-db-replica-lag"]["provider"] == "aws.secondary", (
        "the replica's metrics are in us-east-1"
    )
    assert alarms[f"luneo-{env}-redis-001-memory"]["metric_name"] == "DatabaseMemoryUsagePercentage"
    latency = alarms[f"luneo-{env}-assets-replication-latency"]
    assert latency["metric_name"] == "ReplicationLatency" and latency["dimensions"]["RuleId"] == "replicate-everything"
    for name in (f"luneo-{env}-health-primary", f"luneo-{env}-health-secondary"):
        assert alarms[name]["provider"] == "aws.secondary" and alarms[name]["namespace"] == "AWS/Route53"
    topics = {t.get("provider"): t for t in stacks[stack]["resource"]["aws_sns_topic"].values()}
    for alarm in alarms.values():
        region = "secondary" if alarm.get("provider") == "aws.secondary" else "primary"
        assert alarm["alarm_actions"] == [f"${{aws_sns_topic.alarms-{region}_topic.arn}}"]
    assert set(topics) == {None, "aws.secondary"}


def test_aurora_global_variant(dr_stack):
    resources_ = dr_stack["resource"]
    assert "aws_db_instance" not in resources_
    assert one(dr_stack, "aws_rds_global_cluster", "aurora_global")["global_cluster_identifier"] == "luneo-dr-db"
    primary = one(dr_stack, "aws_rds_cluster", "aurora_primary_cluster")
    assert "manage_master_user_password" not in primary
    assert primary["master_password_wo"] == (
        "${jsondecode(ephemeral.aws_secretsmanager_secret_version.db-credentials_current.secret_string).password}"
    )
    assert (
        "password = var.db_master_password"
        in one(dr_stack, "aws_secretsmanager_secret_version", "db-credentials_version")["secret_string_wo"]
    )
    assert dr_stack["variable"]["db_master_password"]["ephemeral"] is True
    secondary = one(dr_stack, "aws_rds_cluster", "aurora_secondary_cluster")
    assert not {"master_username", "master_password_wo", "manage_master_user_password"} & set(secondary)
    alarms = {a["alarm_name"]: a for a in resources_["aws_cloudwatch_metric_alarm"].values()}
    lag = alarms["luneo-dr-db-replica-lag"]
    assert lag["metric_name"] == "AuroraGlobalDBReplicationLag"
    assert lag["dimensions"] == {"DBClusterIdentifier": "luneo-dr-db-secondary"}
    assert {"db_global_cluster_id", "db_secondary_cluster_id", "failover_record_fqdn"} <= set(dr_stack["output"])


def test_failover_record_in_the_configured_zone(dr_stack):
    records = {r["set_identifier"]: r for r in dr_stack["resource"]["aws_route53_record"].values()}
    assert {k: r["failover_routing_policy"]["type"] for k, r in records.items()} == {
        "primary": "PRIMARY",
        "secondary": "SECONDARY",
    }
    assert records["primary"]["records"] == ["ingress-eu-west-1.luneo.app"]
    assert all(r["zone_id"] == "Z0123456789ABC" for r in records.values())
    subscriptions = dr_stack["resource"]["aws_sns_topic_subscription"].values()
    assert sorted(s["endpoint"] for s in subscriptions) == ["oncall@luneo.app", "oncall@luneo.app"]


@pytest.mark.parametrize("mode, shape", [("replica", "a read replica"), ("aurora-global", "an Aurora global database")])
def test_the_rds_managed_password_is_refused_where_aws_refuses_it(tmp_path, mode, shape):
    path = tmp_path / "qa.tfvars"
    path.write_text(
        'db_primary_instance_class = "db.r6g.large"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        f'db_dr_mode = "{mode}"\ndb_master_password_source = "rds-managed"\n'
    )
    from constructs_luneo.config import ConfigError

    with pytest.raises(
        ConfigError,
        match=f'db_master_password_source: expected "generated" or "variable" with '
        f'db_dr_mode = "{mode}", got "rds-managed" \\(AWS does not support {shape}',
    ):
        load_environment(path)


def test_the_old_password_switch_says_what_replaces_it(tmp_path):
    path = tmp_path / "qa.tfvars"
    path.write_text(
        'db_primary_instance_class = "db.r6g.large"\nredis_node_type = "cache.t3.micro"\n'
        'alarm_emails = ["oncall@luneo.app"]\n'
        "db_manage_master_password = true\n"
    )
    from constructs_luneo.config import ConfigError

    with pytest.raises(
        ConfigError,
        match="qa.tfvars:4: db_manage_master_password: no longer exists; replaced by db_master_password_source",
    ):
        load_environment(path)


def test_after_a_failover_the_tfvars_describe_the_promoted_replica(tmp_path):
    """db_replica_promoted / dns_force_failover: the next plan matches the failed-over world."""
    text = (ROOT / "tests" / "fixtures" / "dr.tfvars").read_text()
    text = text.replace('db_dr_mode = "aurora-global"\n', "")
    path = tmp_path / "dr.tfvars"
    path.write_text(text + "db_replica_promoted = true\ndns_force_failover = true\n")
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    replica = one(data, "aws_db_instance", "postgres-replica_instance")
    assert "replicate_source_db" not in replica and replica["multi_az"] is True
    alarms = {a["alarm_name"] for a in data["resource"]["aws_cloudwatch_metric_alarm"].values()}
    assert "luneo-dr-db-replica-lag" not in alarms
    records = data["resource"]["aws_route53_record"]
    hostname = records["dns_secondary-record"]["records"]
    assert records["dns_primary-record"]["records"] == hostname, "the PRIMARY record still answers the primary"
    assert records["dns_primary-record"]["failover_routing_policy"] == {"type": "PRIMARY"}
    checks = data["resource"]["aws_route53_health_check"]
    assert not any(check["invert_healthcheck"] for check in checks.values()), (
        "an inverted health check of a dead primary reads healthy"
    )


# --- what real AWS would refuse or ignore (issue: apply on real AWS) ---


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_cloudfront_asks_no_tls_floor_of_the_default_certificate(stacks, stack):
    """Defect: TLSv1.2_2021 with the default certificate is ignored by AWS (TLSv1) and diffs on every plan."""
    distribution = one(stacks[stack], "aws_cloudfront_distribution", "assets_distribution")
    assert distribution["viewer_certificate"] == {"cloudfront_default_certificate": True}


def test_a_custom_domain_gets_tls_1_2(tmp_path):
    path = tmp_path / "staging.tfvars"
    path.write_text(
        (ROOT / "environments" / "staging.tfvars").read_text()
        + 'assets_aliases = ["assets.staging.luneo.app"]\n'
        + 'assets_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0123abcd"\n'
    )
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    distribution = one(data, "aws_cloudfront_distribution", "assets_distribution")
    assert distribution["aliases"] == ["assets.staging.luneo.app"]
    assert distribution["viewer_certificate"] == {
        "acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0123abcd",
        "ssl_support_method": "sni-only",
        "minimum_protocol_version": "TLSv1.2_2021",
    }


@pytest.mark.parametrize(
    "line, message",
    [
        (
            'assets_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/x"\n'
            'assets_aliases = ["a.luneo.app"]\n',
            "assets_certificate_arn: expected an ACM certificate ARN in us-east-1",
        ),
        (
            'assets_aliases = ["a.luneo.app"]\n',
            "assets_certificate_arn: expected assets_aliases and assets_certificate_arn",
        ),
    ],
)
def test_a_custom_domain_needs_a_us_east_1_certificate(tmp_path, line, message):
    from constructs_luneo.config import ConfigError

    path = tmp_path / "staging.tfvars"
    path.write_text((ROOT / "environments" / "staging.tfvars").read_text() + line)
    with pytest.raises(ConfigError, match=message):
        load_environment(path)


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_fixed_name_security_groups_are_not_created_before_destroyed(stacks, stack):
    """Defect: a fixed name with create_before_destroy makes any replacement fail (InvalidGroup.Duplicate).
    The data stores' groups keep the names operators know and lose create_before_destroy."""
    for name in ("postgres_security-group", "postgres-replica_security-group", "redis_security-group"):
        group = one(stacks[stack], "aws_security_group", name)
        assert group["name"] and "create_before_destroy" not in (group.get("lifecycle") or {}), name
    for name, group in stacks[stack]["resource"]["aws_security_group"].items():
        if (group.get("lifecycle") or {}).get("create_before_destroy"):
            assert "name" not in group and group["name_prefix"], name


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_the_configured_admins_administer_both_clusters_whoever_plans(stacks, stack):
    """Defects: private endpoints, no creator bootstrap and no access entry: nobody could reach the
    clusters; then the admin entry followed whoever ran the plan (data aws_iam_session_context), so a
    plan by the plan role, or by another operator, replaced it and locked the previous admin out. Now
    the admins are configuration (eks_admin_roles), and the old entry moves to the first of them."""
    data = stacks[stack]
    assert "aws_iam_session_context" not in data.get("data", {})
    for role, suffix in (("primary", "default"), ("secondary", "aws-secondary")):
        entry = one(data, "aws_eks_access_entry", f"eks-{role}_admin-luneo-break-glass")
        assert entry["principal_arn"] == (
            f"arn:${{data.aws_partition.partition-{suffix}.partition}}:iam::"
            f"${{data.aws_caller_identity.caller-{suffix}.account_id}}:role/luneo-break-glass"
        ), "built from the account, the same whoever plans; the secondary's without the primary region"
        policy = one(data, "aws_eks_access_policy_association", f"eks-{role}_admin-luneo-break-glass-policy")
        assert policy["policy_arn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")
        assert policy["access_scope"] == {"type": "cluster"}
    assert sorted((m["from"], m["to"]) for m in data["moved"]) == sorted(
        (f"{kind}.eks-{role}_deployer{suffix}", f"{kind}.eks-{role}_admin-luneo-break-glass{suffix}")
        for role in ("primary", "secondary")
        for kind, suffix in (("aws_eks_access_entry", ""), ("aws_eks_access_policy_association", "-policy"))
    )
    addresses_now = set(addresses(data))
    assert all(m["to"] in addresses_now and m["from"] not in addresses_now for m in data["moved"])


def test_operators_reach_the_private_api_from_the_configured_networks(tmp_path):
    """Defect: with a private endpoint whose only 443 ingress was the node group, no operator could reach
    the API. eks_api_ingress_cidrs opens 443 on the control plane's group to a VPN or bastion range."""
    path = tmp_path / "staging.tfvars"
    path.write_text(
        (ROOT / "environments" / "staging.tfvars").read_text() + 'eks_api_ingress_cidrs = ["10.200.0.0/16"]\n'
    )
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    rules = data["resource"]["aws_vpc_security_group_ingress_rule"]
    for role in ("primary", "secondary"):
        rule = rules[f"eks-{role}_cluster-from-operators-0"]
        assert rule["cidr_ipv4"] == "10.200.0.0/16" and rule["from_port"] == rule["to_port"] == 443
        assert rule["security_group_id"] == f"${{aws_security_group.eks-{role}_cluster-sg.id}}"


def test_every_environments_alarms_notify_someone(stacks, tmp_path):
    """Defects: prod's alarm topics had no subscriber, then staging's. Now every environment names one."""
    staging = stacks["luneo-staging"]["resource"]["aws_sns_topic_subscription"].values()
    assert sorted((s["protocol"], s["endpoint"]) for s in staging) == [("email", "platform@luneo.app")] * 2
    subscriptions = stacks["luneo-prod"]["resource"]["aws_sns_topic_subscription"].values()
    assert sorted((s["protocol"], s["endpoint"]) for s in subscriptions) == [("email", "oncall@luneo.app")] * 2
    from constructs_luneo.config import ConfigError

    path = tmp_path / "prod.tfvars"
    text = (ROOT / "environments" / "prod.tfvars").read_text()
    path.write_text(re.sub(r"(?m)^alarm_emails.*$", "", text))
    with pytest.raises(ConfigError, match="alarm_emails: is required"):
        load_environment(path)
    path.write_text(re.sub(r"(?m)^alarm_emails.*$", "alarm_emails = []", text))
    with pytest.raises(
        ConfigError, match="alarm_emails: expected at least one e-mail address \\(or alarm_https_endpoints\\) in prod"
    ):
        load_environment(path)
    path.write_text(path.read_text() + 'alarm_https_endpoints = ["https://hooks.luneo.app/alarms"]\n')
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    hooks = [s for s in data["resource"]["aws_sns_topic_subscription"].values() if s["protocol"] == "https"]
    assert [h["endpoint"] for h in hooks] == ["https://hooks.luneo.app/alarms"] * 2


def test_prod_guards_its_clusters_and_log_groups(stacks):
    """Defect: the EKS clusters and the audit, flow-log and RDS log groups could be destroyed in prod."""
    prod = stacks["luneo-prod"]["resource"]
    for resource_type in ("aws_eks_cluster", "aws_cloudwatch_log_group", "aws_secretsmanager_secret"):
        for name, body in prod[resource_type].items():
            assert body["lifecycle"]["prevent_destroy"] is True, f"{resource_type}.{name}"
    assert {"eks-primary_log-group", "network-primary_flow-log-group", "postgres_log-postgresql"} <= set(
        prod["aws_cloudwatch_log_group"]
    )


def test_readme_shows_the_synth_summary_of_the_committed_stacks(all_stacks):
    """README's `make synth` summary is what make synth prints for the committed tfvars."""
    from constructs_luneo.support.synthesized import SynthesizedStack

    readme = (ROOT / "README.md").read_text()
    documented = dict(re.findall(r"^(luneo-[a-z]+)\s+(\d+)\s+", readme, re.M))
    assert documented == {
        name: str(len(SynthesizedStack(stack).addresses(data=False))) for name, stack in all_stacks.items()
    }, "README.md: the `make synth` summary's resource counts; update it from `make synth`"


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_every_role_carries_the_environments_workload_boundary(stacks, stack):
    """The apply role may create or change a role only with this boundary (iam/<stack>/apply-*.json),
    so the stack must set it on every role; a secondary-region role builds the ARN from its own
    provider's lookups (a failover plans it without the primary region)."""
    env = ENVIRONMENTS[stack]
    roles = stacks[stack]["resource"]["aws_iam_role"]
    for name, role in roles.items():
        boundary = role.get("permissions_boundary", "")
        assert boundary.endswith(f":policy/luneo-{env}-workload-boundary"), name
        assert ("secondary" in boundary) == (role.get("provider") == "aws.secondary"), name


# --- issue 21: workloads can use the platform ---------------------------------------------------

ADDONS = ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_every_cluster_runs_the_managed_addons_at_its_kubernetes_versions(stacks, stack):
    """Defect: no aws_eks_addon at all: no EBS CSI driver (no persistent volume), no Pod Identity agent,
    and the network add-ons the unmanaged defaults nobody upgrades with the cluster."""
    data = stacks[stack]
    addons = data["resource"]["aws_eks_addon"]
    versions = data["data"]["aws_eks_addon_version"]
    for role in ("primary", "secondary"):
        mine = {
            a["addon_name"]: a
            for a in addons.values()
            if a["cluster_name"] == f"${{aws_eks_cluster.eks-{role}_cluster.name}}"
        }
        assert sorted(mine) == ADDONS
        for name, addon in mine.items():
            lookup = versions[f"eks-{role}_addon-{name}-version"]
            assert addon["addon_version"] == f"${{data.aws_eks_addon_version.eks-{role}_addon-{name}-version.version}}"
            assert (lookup["kubernetes_version"], lookup["most_recent"]) == ("1.35", False), "the version's default"
            assert (addon["resolve_conflicts_on_create"], addon["resolve_conflicts_on_update"]) == ("OVERWRITE",) * 2
            assert addon.get("provider") == (None if role == "primary" else "aws.secondary")
        assert {n for n, a in mine.items() if a.get("preserve")} == {"vpc-cni", "coredns", "kube-proxy"}
        assert {n for n, a in mine.items() if a.get("depends_on")} == {"coredns", "aws-ebs-csi-driver"}
        ebs = mine["aws-ebs-csi-driver"]["pod_identity_association"]
        assert ebs == [
            {
                "role_arn": f"${{aws_iam_role.eks-{role}_ebs-csi-identity_role.arn}}",
                "service_account": "ebs-csi-controller-sa",
            }
        ]


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_each_workload_has_an_identity_in_each_cluster_trusted_only_there(stacks, stack):
    data = stacks[stack]
    environment = stack.removeprefix("luneo-")
    associations = data["resource"]["aws_eks_pod_identity_association"]
    roles = data["resource"]["aws_iam_role"]
    for workload in ("luneo-worker-ia", "luneo-usdz-converter"):
        for role, suffix in (("primary", "default"), ("secondary", "aws-secondary")):
            association = associations[f"workload-{workload}-{role}_association"]
            assert (association["namespace"], association["service_account"]) == ("luneo", workload)
            assert association["cluster_name"] == f"${{aws_eks_cluster.eks-{role}_cluster.name}}"
            iam_role = roles[f"workload-{workload}-{role}_role"]
            assert iam_role["name"] == f"luneo-{environment}-{workload}-{role}"
            [statement] = decode_jsonencode(iam_role["assume_role_policy"])["Statement"]
            assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
            assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
            assert statement["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == workload
            assert statement["Condition"]["ArnEquals"] == {
                "aws:RequestTag/eks-cluster-arn": f"arn:${{data.aws_partition.partition-{suffix}.partition}}:eks:"
                f"${{data.aws_region.region-{suffix}.name}}:${{data.aws_caller_identity.caller-{suffix}.account_id}}:"
                f"cluster/luneo-{environment}-eks-{role}"
            }, "this region's cluster only, built (the role does not depend on the cluster resource)"
            assert iam_role["permissions_boundary"].endswith(f":policy/luneo-{environment}-workload-boundary")


@pytest.mark.parametrize("stack", ENVIRONMENTS)
def test_every_grant_names_its_resources(stacks, stack):
    """A walk of every workload grant: no "*" resource (each service here has resource types), and the
    grants each region's identity holds are on that region's copies (a failover needs no IAM change)."""
    data = stacks[stack]
    policies = {
        name: decode_jsonencode(body["policy"])["Statement"]
        for name, body in data["resource"]["aws_iam_role_policy"].items()
        if name.startswith("workload-")
    }
    assert policies
    for name, statements in policies.items():
        for statement in statements:
            resources = statement["Resource"]
            assert "*" not in resources and all(r != "*" for r in resources), name
    primary = policies[f"workload-luneo-worker-ia-primary_grant-database-luneo-{stack[6:]}-db"]
    assert primary[0]["Action"] == ["rds-db:connect"]
    assert primary[0]["Resource"][0].endswith(
        ":dbuser:${aws_db_instance.postgres_instance.resource_id}/luneo_worker_ia"
    )
    replica = policies[f"workload-luneo-worker-ia-secondary_grant-database-luneo-{stack[6:]}-db-replica"]
    assert replica[0]["Resource"][0].endswith(
        ":dbuser:${aws_db_instance.postgres-replica_instance.resource_id}/luneo_worker_ia"
    )
    secondary_assets = policies["workload-luneo-worker-ia-secondary_grant-assets-secondary-read-write"]
    assert secondary_assets[1]["Resource"] == ["${aws_s3_bucket.assets_replica-bucket.arn}/*"]
    assert "s3:DeleteObjectVersion" not in secondary_assets[1]["Action"], "a workload cannot erase history"
    assert secondary_assets[2]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.${data.aws_region.region-aws-secondary.name}.amazonaws.com"}
    }


def test_the_cache_users_of_before_are_forgotten_not_destroyed(stacks):
    """The `<cache>-app` users were granted to nobody; each workload now has its own. Terraform forgets the
    old ones (removed, destroy = false) instead of destroying them."""
    assert stacks["luneo-prod"]["removed"] == [
        {"from": "aws_elasticache_user.redis_app-user", "lifecycle": {"destroy": False}},
        {"from": "aws_elasticache_user.redis-secondary_app-user", "lifecycle": {"destroy": False}},
    ]
    assert stacks["luneo-staging"]["removed"] == [
        {"from": "aws_elasticache_user.redis_app-user", "lifecycle": {"destroy": False}}
    ]


def test_interface_endpoints_in_prod_only(stacks):
    prod = stacks["luneo-prod"]["resource"]["aws_vpc_endpoint"]
    interface = {n: e for n, e in prod.items() if e["vpc_endpoint_type"] == "Interface"}
    services = sorted(
        e["service_name"].rsplit(".", 2)[-2] + "." + e["service_name"].rsplit(".", 1)[-1] for e in interface.values()
    )
    assert len(interface) == 8, "ecr.api, ecr.dkr, sts and logs in both VPCs"
    assert all(e["private_dns_enabled"] is True and len(e["subnet_ids"]) == 3 for e in interface.values()), services
    assert "Interface" not in {
        e["vpc_endpoint_type"] for e in stacks["luneo-staging"]["resource"]["aws_vpc_endpoint"].values()
    }


def test_a_third_workload_is_one_line(tmp_path):
    path = tmp_path / "staging.tfvars"
    path.write_text(
        (ROOT / "environments" / "staging.tfvars").read_text()
        + 'workloads = { "luneo-worker-ia" = "luneo/luneo-worker-ia", '
        '"luneo-usdz-converter" = "luneo/luneo-usdz-converter", "luneo-thumbnails" = "media/thumbnails" }\n'
    )
    data = json.loads(Testing.synth(LuneoEnvironmentStack(Testing.app(), load_environment(path))))
    association = data["resource"]["aws_eks_pod_identity_association"][
        "workload-luneo-thumbnails-secondary_association"
    ]
    assert (association["namespace"], association["service_account"]) == ("media", "thumbnails")
    assert "redis_user-staging-luneo-thumbnails" in data["resource"]["aws_elasticache_user"]
    assert (
        "workload-luneo-thumbnails-primary_grant-database-luneo-staging-db" in data["resource"]["aws_iam_role_policy"]
    )
