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

#: What an apply refuses to destroy or replace without a written approval (.github/allowed-destroys.json,
#: `luneo_ops plan-guard`): the stateful types, and the network they all sit in. A subnet is replaced
#: when its zone changes, and its destruction fails on the network interfaces in it (DependencyViolation)
#: halfway through an apply.
GUARDED_TYPES: tuple[str, ...] = STATEFUL_TYPES + ("aws_vpc", "aws_subnet")

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
#: reference; https://wolfman.dev/posts/exclude-use1-az3/). Refused in `<role>_zone_ids`.
EXCLUDED_ZONE_IDS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("use1-az3",),
}

#: The zones of a region's subnets when `<role>_zone_ids` is not set, by zone ID: an ID is the same
#: physical zone in every account ("AZ IDs", https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html),
#: and a pinned list does not shift when a zone's state changes or a new zone sorts in among the names.
DEFAULT_ZONE_IDS: dict[str, tuple[str, ...]] = {
    "eu-west-1": ("euw1-az1", "euw1-az2", "euw1-az3"),
    "us-east-1": ("use1-az1", "use1-az2", "use1-az4"),
}
#: Region name part -> its letters in a zone ID (eu-west-1 -> euw1, ap-northeast-1 -> apne1).
_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "southeast": "se",
    "northwest": "nw",
    "southwest": "sw",
    "gov": "g",
}


def zone_id_prefix(region: str) -> str:
    """The prefix of a region's zone IDs: "eu-west-1" -> "euw1", "us-gov-west-1" -> "usgw1"."""
    area, *middle, number = region.split("-")
    return area + "".join(_DIRECTIONS.get(part, part[:1]) for part in middle) + number


#: Region codes AWS has (`aws ec2 describe-regions --all-regions`; "Amazon EC2 service endpoints",
#: https://docs.aws.amazon.com/general/latest/gr/ec2-service.html), so that a typo such as
#: "eu-west-9" is refused at synth instead of at the first plan. A region AWS opens later: add it here.
AWS_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "cn-north-1",
        "cn-northwest-1",
    }
)
