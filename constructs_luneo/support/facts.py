"""Facts about AWS resource types that the policy rules, `make diff` and the tests all need,
written once. Cheap to import (no cdktf)."""

from __future__ import annotations

#: Resource types that hold data, identity or history an operator cannot recreate: destroying one
#: loses it (the EKS cluster its workloads, a log group its audit and flow logs, the credentials
#: secret the database's password). Prod guards them with prevent_destroy (policy rule
#: LUNEO-PROD-1); `make diff` warns when one is removed or replaced.
STATEFUL_TYPES: tuple[str, ...] = (
    "aws_s3_bucket",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_global_cluster",
    "aws_elasticache_replication_group",
    "aws_ecr_repository",
    "aws_kms_key",
    "aws_dynamodb_table",
    "aws_eks_cluster",
    "aws_cloudwatch_log_group",
    "aws_secretsmanager_secret",
)

#: Arguments whose change makes Terraform replace a stateful resource (from the provider's schema:
#: ForceNew attributes).
FORCES_REPLACEMENT: dict[str, frozenset[str]] = {
    "aws_s3_bucket": frozenset({"bucket", "bucket_prefix"}),
    "aws_db_instance": frozenset(
        {
            "identifier",
            "engine",
            "kms_key_id",
            "storage_encrypted",
            "username",
            "db_name",
            "availability_zone",
            "character_set_name",
            "replicate_source_db",
        }
    ),
    "aws_rds_cluster": frozenset(
        {
            "cluster_identifier",
            "engine",
            "kms_key_id",
            "storage_encrypted",
            "master_username",
            "database_name",
            "db_subnet_group_name",
        }
    ),
    "aws_rds_global_cluster": frozenset({"global_cluster_identifier", "engine", "storage_encrypted", "database_name"}),
    "aws_elasticache_replication_group": frozenset(
        {"replication_group_id", "kms_key_id", "at_rest_encryption_enabled", "subnet_group_name", "engine"}
    ),
    "aws_ecr_repository": frozenset({"name", "encryption_configuration"}),
    "aws_kms_key": frozenset({"customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id"}),
    "aws_dynamodb_table": frozenset({"name", "hash_key", "range_key"}),
    "aws_eks_cluster": frozenset({"name", "role_arn", "encryption_config"}),
    "aws_cloudwatch_log_group": frozenset({"name", "name_prefix"}),
    "aws_secretsmanager_secret": frozenset({"name", "name_prefix"}),
}

#: Availability zones (by zone ID: names map to different zones in each account) the platform never
#: uses. use1-az3 runs neither current instance generations (m5 and newer, so none of the node
#: types) nor, in many accounts, EKS control planes (UnsupportedAvailabilityZoneException, EKS API
#: reference; https://wolfman.dev/posts/exclude-use1-az3/). Excluded from
#: data.aws_availability_zones, which the networks take their zones from.
EXCLUDED_ZONE_IDS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("use1-az3",),
}
