"""The environment's `terraform output`s: what operators and the runbooks need after an apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformOutput

if TYPE_CHECKING:
    from .environment import LuneoEnvironmentStack


def add_outputs(stack: LuneoEnvironmentStack) -> None:
    """What operators and the runbooks need after an apply (`terraform output`)."""
    primary, secondary = stack.regions["primary"], stack.regions["secondary"]
    outputs: dict[str, str | None] = {
        "vpc_id": primary.network.vpc_id,
        "vpc_secondary_id": secondary.network.vpc_id,
        "eks_primary_cluster_name": primary.eks.cluster_name,
        "eks_secondary_cluster_name": secondary.eks.cluster_name,
        "eks_primary_oidc_provider_arn": primary.eks.oidc_provider_arn,
        "eks_secondary_oidc_provider_arn": secondary.eks.oidc_provider_arn,
        "assets_bucket_name": stack.assets.bucket_name,
        "assets_replica_bucket_name": stack.assets.replica_bucket_name,
        "assets_distribution_id": stack.assets.distribution_id,
        "assets_distribution_domain_name": stack.assets.distribution_domain_name,
        "redis_endpoint": stack.redis.endpoint,
        "redis_reader_endpoint": stack.redis.reader_endpoint,
        "alarm_topic_arn": primary.alarm_topic.topic_arn,
        "alarm_topic_secondary_arn": secondary.alarm_topic.topic_arn,
    }
    outputs.update(_database_outputs(stack))
    outputs.update(
        db_master_secret_arn=stack.credentials.secret_arn, db_master_secret_name=stack.credentials.secret_name
    )
    if stack.dns is not None:
        outputs.update(
            primary_health_check_id=stack.dns.primary_health_check_id,
            secondary_health_check_id=stack.dns.secondary_health_check_id,
        )
        if stack.dns.record_fqdn is not None:
            outputs["failover_record_fqdn"] = stack.dns.record_fqdn
    for repository, ecr in stack.ecr.items():
        short = repository.removeprefix("luneo-").replace("-", "_")
        outputs[f"ecr_{short}_url"] = ecr.repository_url
        outputs[f"ecr_{short}_secondary_url"] = stack.ecr_secondary[repository].repository_url
    if stack.redis_secondary is not None:
        outputs.update(
            redis_secondary_reader_endpoint=stack.redis_secondary.reader_endpoint,
            redis_global_datastore_id=stack.redis_secondary.replication_group.global_replication_group_id,
        )
    for purpose, key in primary.kms.items():
        outputs[f"kms_{purpose}_key_arn"] = key.key_arn
    for name, value in outputs.items():
        TerraformOutput(stack, name, value=value)


def _database_outputs(stack: LuneoEnvironmentStack) -> dict[str, str | None]:
    if stack.database is not None and stack.database_replica is not None:
        outputs: dict[str, str | None] = dict(
            db_endpoint=stack.database.endpoint,
            db_identifier=stack.database.identifier,
            db_replica_endpoint=stack.database_replica.endpoint,
            db_replica_identifier=stack.database_replica.identifier,
            db_replica_arn=stack.database_replica.arn,
        )
        return outputs
    assert stack.aurora is not None
    return dict(
        db_endpoint=stack.aurora.endpoint,
        db_reader_endpoint=stack.aurora.reader_endpoint,
        db_global_cluster_id=stack.aurora.global_cluster_id,
        db_primary_cluster_id=stack.aurora.primary_cluster_id,
        db_secondary_cluster_id=stack.aurora.secondary_cluster_id,
        db_secondary_reader_endpoint=stack.aurora.secondary_reader_endpoint,
    )
