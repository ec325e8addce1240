"""constructs_luneo.rds.PostgresDatabase: the module's interface, secure defaults, passwords, errors."""

from __future__ import annotations

import pytest
from cdktf import TerraformVariable, Testing

from constructs_luneo.rds import PostgresDatabase
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, resources, synth_scope

RDS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/rds"
SECRETS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/secrets"
LOGS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/logs"


def postgres(scope, **overrides):
    args = dict(
        name="luneo-prod-db",
        vpc_id="vpc-123",
        subnet_ids=["subnet-a", "subnet-b", "subnet-c"],
        database_name="luneo",
        master_username="luneo_admin",
        instance_class="db.r6g.large",
        allocated_storage=100,
        tags={"Environment": "prod"},
        kms_key_arn=RDS_KEY,
        master_user_secret_kms_key_id=SECRETS_KEY,
        logs_kms_key_arn=LOGS_KEY,
        allowed_security_group_ids=["sg-app"],
        allowed_cidr_blocks=["10.0.64.0/20"],
    )
    args.update(overrides)
    return PostgresDatabase(scope, "postgres", **args)


@pytest.fixture(scope="module")
def synthesized():
    return synth_scope(postgres)


def test_module_arguments_reach_the_instance(synthesized):
    assert Testing.to_have_resource_with_properties(
        synthesized,
        "aws_db_instance",
        {
            "identifier": "luneo-prod-db",
            "engine": "postgres",
            "db_name": "luneo",
            "username": "luneo_admin",
            "instance_class": "db.r6g.large",
            "allocated_storage": 100,
            "max_allocated_storage": 200,
            "backup_retention_period": 7,
            "backup_window": "04:00-05:00",
            "tags": {"Environment": "prod"},
        },
    )


def test_secure_defaults(synthesized):
    db = only_resource(synthesized, "aws_db_instance")
    assert db["storage_type"] == "gp3" and db["storage_encrypted"] is True and db["kms_key_id"] == RDS_KEY
    assert db["publicly_accessible"] is False
    assert db["multi_az"] is True and db["deletion_protection"] is True
    assert db["skip_final_snapshot"] is False and db["final_snapshot_identifier"] == "luneo-prod-db-final"
    assert db["iam_database_authentication_enabled"] is True
    assert db["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    assert db["performance_insights_enabled"] is True and db["performance_insights_kms_key_id"] == RDS_KEY
    assert (
        db["monitoring_interval"] == 60 and "${aws_iam_role.postgres_monitoring-role.arn}" == db["monitoring_role_arn"]
    )
    assert db["copy_tags_to_snapshot"] is True and db["auto_minor_version_upgrade"] is True


def test_managed_master_password_by_default(synthesized):
    db = only_resource(synthesized, "aws_db_instance")
    assert db["manage_master_user_password"] is True
    assert db["master_user_secret_kms_key_id"] == SECRETS_KEY
    assert not any(k.startswith("password") for k in db)


def test_given_password_goes_write_only():
    def build(scope):
        password = TerraformVariable(scope, "db_master_password", type="string", sensitive=True)
        postgres(scope, master_password=password.string_value, master_password_version=2)

    db = only_resource(synth_scope(build), "aws_db_instance")
    assert db["password_wo"] == "${var.db_master_password}" and db["password_wo_version"] == 2
    assert "password" not in db and "manage_master_user_password" not in db


def test_a_literal_password_is_refused_without_echoing_it():
    with pytest.raises(ConstructArgumentError, match="master_password: expected a reference to a sensitive") as caught:
        synth_scope(lambda s: postgres(s, master_password="hunter2-hunter2-hunter2"))
    assert "hunter2" not in str(caught.value)


def test_parameter_group_forces_tls_and_logs(synthesized):
    group = only_resource(synthesized, "aws_db_parameter_group")
    assert group["family"] == "postgres16"
    parameters = {p["name"]: p["value"] for p in group["parameter"]}
    assert parameters["rds.force_ssl"] == "1"
    assert parameters["log_statement"] == "ddl" and parameters["log_min_duration_statement"] == "1000"
    assert parameters["log_connections"] == "1"


def test_security_group_admits_5432_only_from_the_given_sources(synthesized):
    rules = list(resources(synthesized, "aws_vpc_security_group_ingress_rule").values())
    assert sorted(r.get("referenced_security_group_id") or r.get("cidr_ipv4") for r in rules) == [
        "10.0.64.0/20",
        "sg-app",
    ]
    assert all(r["from_port"] == r["to_port"] == 5432 and r["ip_protocol"] == "tcp" for r in rules)
    assert not resources(synthesized, "aws_vpc_security_group_egress_rule")
    group = only_resource(synthesized, "aws_security_group")
    assert "ingress" not in group and "egress" not in group


def test_log_groups_exist_before_the_instance_and_are_encrypted(synthesized):
    groups = resources(synthesized, "aws_cloudwatch_log_group")
    assert sorted(g["name"] for g in groups.values()) == [
        "/aws/rds/instance/luneo-prod-db/postgresql",
        "/aws/rds/instance/luneo-prod-db/upgrade",
    ]
    assert all(g["kms_key_id"] == LOGS_KEY and g["retention_in_days"] == 365 for g in groups.values())
    assert len(only_resource(synthesized, "aws_db_instance")["depends_on"]) == 2


def test_subnet_group_and_outputs():
    seen = {}

    def build(scope):
        db = postgres(scope)
        seen.update(
            endpoint=db.endpoint,
            address=db.address,
            arn=db.arn,
            sg=db.security_group_id,
            secret=db.master_user_secret_arn,
        )

    synthesized = synth_scope(build)
    assert only_resource(synthesized, "aws_db_subnet_group")["subnet_ids"] == ["subnet-a", "subnet-b", "subnet-c"]
    assert all("${TfToken" in v for v in seen.values())


def test_staging_style_options():
    synthesized = synth_scope(
        lambda s: postgres(
            s,
            multi_az=False,
            backup_retention_period=3,
            backup_window="02:00-03:00",
            engine_version="15",
            monitoring_interval=0,
            prevent_destroy=True,
        )
    )
    db = only_resource(synthesized, "aws_db_instance")
    assert db["multi_az"] is False and db["backup_retention_period"] == 3 and db["backup_window"] == "02:00-03:00"
    assert db["lifecycle"] == {"prevent_destroy": True}
    assert "monitoring_role_arn" not in db and not resources(synthesized, "aws_iam_role")
    assert only_resource(synthesized, "aws_db_parameter_group")["family"] == "postgres15"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": "Luneo_DB"}, "name: expected a DB identifier"),
        ({"subnet_ids": ["subnet-a"]}, "subnet_ids: expected a list of at least two subnet ids"),
        ({"database_name": "1luneo"}, "database_name: expected 1-63 letters"),
        ({"master_username": "postgres"}, "master_username: expected 1-16 letters"),
        ({"instance_class": "r6g.large"}, 'instance_class: expected an RDS instance class such as "db.r6g.large"'),
        ({"allocated_storage": 10}, "allocated_storage: expected 20-65536 GiB, got 10"),
        ({"max_allocated_storage": 50}, "max_allocated_storage: expected allocated_storage (100) to 65536 GiB"),
        ({"backup_retention_period": 0}, "backup_retention_period: expected 1-35 days"),
        ({"backup_window": "4-5"}, 'backup_window: expected "hh:mm-hh:mm" in UTC'),
        ({"engine_version": "9.6"}, "engine_version: expected a supported PostgreSQL version"),
        ({"monitoring_interval": 7}, "monitoring_interval: expected one of 0, 1, 5, 10, 15, 30, 60"),
        ({"allowed_cidr_blocks": ["0.0.0.0/0"]}, "allowed_cidr_blocks: expected private IPv4 CIDR blocks"),
        ({"allowed_cidr_blocks": "10.0.0.0/8"}, "allowed_cidr_blocks: expected a list of CIDR blocks"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError, match="^PostgresDatabase 'test/postgres': ") as caught:
        synth_scope(lambda s: postgres(s, **overrides))
    assert message in str(caught.value)


# --- disaster recovery shapes ---

from cdktf_cdktf_provider_aws.provider import AwsProvider  # noqa: E402

from constructs_luneo.rds import AuroraGlobalDatabase, AuroraRegion, PostgresReadReplica  # noqa: E402

REPLICA_KEY = "arn:aws:kms:us-east-1:111122223333:key/rds"


def replica(scope, **overrides):
    secondary = AwsProvider(scope, "aws-secondary", alias="secondary", region="us-east-1")
    args = dict(
        name="luneo-prod-db-replica",
        source_db_arn="arn:aws:rds:eu-west-1:111122223333:db:luneo-prod-db",
        vpc_id="vpc-2",
        subnet_ids=["subnet-x", "subnet-y"],
        instance_class="db.r6g.large",
        kms_key_arn=REPLICA_KEY,
        allowed_security_group_ids=["sg-nodes"],
        provider=secondary,
    )
    args.update(overrides)
    return PostgresReadReplica(scope, "replica", **args)


def test_cross_region_replica_is_encrypted_with_its_regions_key():
    db = only_resource(synth_scope(replica), "aws_db_instance")
    assert db["replicate_source_db"].startswith("arn:aws:rds:eu-west-1")
    assert db["storage_encrypted"] is True and db["kms_key_id"] == REPLICA_KEY
    assert db["performance_insights_kms_key_id"] == REPLICA_KEY
    assert db["provider"] == "aws.secondary" and db["publicly_accessible"] is False
    assert db["backup_retention_period"] == 7, "a promoted replica is backed up from the start"
    assert "username" not in db and "db_name" not in db and "manage_master_user_password" not in db


def test_replica_arguments():
    with pytest.raises(ConstructArgumentError, match="source_db_arn: expected the source instance's ARN"):
        synth_scope(lambda s: replica(s, source_db_arn="luneo-prod-db"))
    with pytest.raises(ConstructArgumentError, match="kms_key_arn: expected a KMS key ARN of the replica's region"):
        synth_scope(lambda s: replica(s, kms_key_arn=""))


def aurora(scope, **overrides):
    secondary = AwsProvider(scope, "aws-secondary", alias="secondary", region="us-east-1")
    password = TerraformVariable(scope, "db_master_password", type="string", sensitive=True)
    args = dict(
        name="luneo-prod-db",
        database_name="luneo",
        master_username="luneo_admin",
        master_password=password.string_value,
        instance_class="db.r6g.large",
        primary=AuroraRegion(
            vpc_id="vpc-1", subnet_ids=["a", "b"], kms_key_arn=RDS_KEY, allowed_security_group_ids=["sg-1"]
        ),
        secondary=AuroraRegion(
            vpc_id="vpc-2",
            subnet_ids=["x", "y"],
            kms_key_arn=REPLICA_KEY,
            allowed_security_group_ids=["sg-2"],
            provider=secondary,
        ),
    )
    args.update(overrides)
    return AuroraGlobalDatabase(scope, "aurora", **args)


def test_aurora_global_database():
    synthesized = synth_scope(aurora)
    global_cluster = only_resource(synthesized, "aws_rds_global_cluster")
    assert global_cluster["engine"] == "aurora-postgresql" and global_cluster["storage_encrypted"] is True
    clusters = {c["cluster_identifier"]: c for c in resources(synthesized, "aws_rds_cluster").values()}
    primary, secondary = clusters["luneo-prod-db-primary"], clusters["luneo-prod-db-secondary"]
    assert (
        primary["global_cluster_identifier"]
        == secondary["global_cluster_identifier"]
        == "${aws_rds_global_cluster.aurora_global.id}"
    )
    assert primary["master_password_wo"] == "${var.db_master_password}" and "master_password" not in primary
    assert "master_username" not in secondary and "master_password_wo" not in secondary
    assert primary["kms_key_id"] == RDS_KEY and secondary["kms_key_id"] == REPLICA_KEY
    assert secondary["provider"] == "aws.secondary"
    assert secondary["lifecycle"]["ignore_changes"] == ["replication_source_identifier"]
    assert all(c["iam_database_authentication_enabled"] and c["deletion_protection"] for c in clusters.values())
    instances = resources(synthesized, "aws_rds_cluster_instance").values()
    assert sorted(i["identifier"] for i in instances) == [
        "luneo-prod-db-primary-0",
        "luneo-prod-db-primary-1",
        "luneo-prod-db-secondary-0",
    ]
    parameters = {
        p["name"]: p["value"]
        for g in resources(synthesized, "aws_rds_cluster_parameter_group").values()
        for p in g["parameter"]
    }
    assert parameters["rds.force_ssl"] == "1"


def test_aurora_refuses_a_literal_or_missing_password():
    with pytest.raises(ConstructArgumentError, match="master_password: expected a reference"):
        synth_scope(lambda s: aurora(s, master_password="literal-password-123"))
