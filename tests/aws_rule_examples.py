"""For each AWS API rule (constructs_luneo/rules/aws/) and operations rule: a construct AWS would
refuse (or that misbehaves), and the compliant shape next to it. tests/test_policy.py synthesizes
both, on a pinned day (LUNEO_TODAY) for the rules that read the dated tables."""

from __future__ import annotations

from typing import Any, Callable

from cdktf import Fn
from cdktf_cdktf_provider_aws.cloudfront_distribution import CloudfrontDistribution, CloudfrontDistributionOrigin
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.data_aws_availability_zones import DataAwsAvailabilityZones
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute, DynamodbTableReplica
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import EksAccessPolicyAssociation
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_aws.eks_cluster import EksCluster
from cdktf_cdktf_provider_aws.eks_node_group import EksNodeGroup
from cdktf_cdktf_provider_aws.elasticache_global_replication_group import ElasticacheGlobalReplicationGroup
from cdktf_cdktf_provider_aws.elasticache_replication_group import ElasticacheReplicationGroup
from cdktf_cdktf_provider_aws.elasticache_user import ElasticacheUser
from cdktf_cdktf_provider_aws.elasticache_user_group import ElasticacheUserGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleDestinationMetrics,
    S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold,
    S3BucketReplicationConfigurationRuleDestinationReplicationTime,
    S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret, SecretsmanagerSecretReplica
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.subnet import Subnet

Build = Callable[[Any], Any]


def _secondary(scope: Any) -> AwsProvider:
    return AwsProvider(scope, "aws-secondary", alias="secondary", region="us-east-1")


def replica_of_managed_password(scope: Any, *, managed: bool = True) -> None:
    source = DbInstance(
        scope,
        "source",
        identifier="src",
        engine="postgres",
        instance_class="db.t3.micro",
        storage_encrypted=True,
        deletion_protection=True,
        username="luneo_admin",
        **(
            {"manage_master_user_password": True}
            if managed
            else {"password_wo": "${var.db_master_password}", "password_wo_version": 1}
        ),
    )
    DbInstance(
        scope,
        "replica",
        identifier="rep",
        instance_class="db.t3.micro",
        storage_encrypted=True,
        deletion_protection=True,
        replicate_source_db=source.identifier,
    )


def aurora_global(scope: Any, *, managed: bool = True) -> None:
    global_cluster = RdsGlobalCluster(
        scope, "global", global_cluster_identifier="g", engine="aurora-postgresql", storage_encrypted=True
    )
    RdsCluster(
        scope,
        "cluster",
        cluster_identifier="c",
        engine="aurora-postgresql",
        storage_encrypted=True,
        deletion_protection=True,
        global_cluster_identifier=global_cluster.id,
        master_username="luneo_admin",
        **(
            {"manage_master_user_password": True}
            if managed
            else {"master_password_wo": "${var.p}", "master_password_wo_version": 1}
        ),
    )


def distribution(scope: Any, *, certificate: dict[str, Any], aliases: list[str] | None = None) -> None:
    CloudfrontDistribution(
        scope,
        "cdn",
        enabled=True,
        aliases=aliases,
        origin=[CloudfrontDistributionOrigin(domain_name="b.s3.eu-west-1.amazonaws.com", origin_id="s3")],
        default_cache_behavior={
            "target_origin_id": "s3",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate=certificate,
    )


def users(scope: Any, *, default: bool = True, transit: bool = False, mode: str | None = None) -> None:
    user = ElasticacheUser(
        scope,
        "user",
        user_id="u",
        user_name="default" if default else "app",
        engine="redis",
        access_string="off -@all",
        authentication_mode={"type": "no-password-required"},
    )
    group = ElasticacheUserGroup(scope, "users", user_group_id="g", engine="redis", user_ids=[user.user_id])
    ElasticacheReplicationGroup(
        scope,
        "redis",
        replication_group_id="r",
        description="r",
        at_rest_encryption_enabled="true",
        transit_encryption_enabled=transit,
        transit_encryption_mode=mode,
        user_group_ids=[group.user_group_id],
    )


def replication(
    scope: Any, *, versioned: bool = True, metrics: bool = True, selected: bool = True, keyed: bool = True
) -> None:
    source, replica = S3Bucket(scope, "source", bucket="luneo-s"), S3Bucket(scope, "replica", bucket="luneo-r")
    key = KmsKey(scope, "key", enable_key_rotation=True)
    if versioned:
        for i, bucket in enumerate((source, replica)):
            S3BucketVersioningA(
                scope, f"versioning-{i}", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
            )
    # Typed structs: jsii drops the nested keys of plain dicts inside lists.
    destination = S3BucketReplicationConfigurationRuleDestination(
        bucket=replica.arn,
        replication_time=S3BucketReplicationConfigurationRuleDestinationReplicationTime(
            status="Enabled", time=S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime(minutes=15)
        ),
        metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(
            status="Enabled",
            event_threshold=S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold(minutes=15),
        )
        if metrics
        else None,
        encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
            replica_kms_key_id=key.arn
        )
        if keyed
        else None,
    )
    selection = (
        S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
            sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                status="Enabled"
            )
        )
        if selected
        else None
    )
    S3BucketReplicationConfigurationA(
        scope,
        "replication",
        bucket=source.id,
        role="arn:aws:iam::1:role/r",
        rule=[
            S3BucketReplicationConfigurationRule(
                id="all",
                status="Enabled",
                filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                destination=destination,
                source_selection_criteria=selection,
                delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(status="Enabled"),
            )
        ],
    )


def windows(scope: Any, *, backup: str) -> None:
    DbInstance(
        scope,
        "db",
        identifier="db",
        engine="postgres",
        instance_class="db.t3.micro",
        storage_encrypted=True,
        deletion_protection=True,
        backup_window=backup,
        maintenance_window="sun:05:30-sun:06:30",
    )


def node_group(scope: Any, *, types: list[str], ami_type: str | None = None) -> None:
    EksNodeGroup(
        scope,
        "nodes",
        cluster_name="c",
        node_role_arn="arn:aws:iam::1:role/n",
        subnet_ids=["s-1"],
        scaling_config={"desired_size": 1, "min_size": 1, "max_size": 1},
        instance_types=types,
        ami_type=ami_type,
    )


def global_table(scope: Any, *, on_demand: bool = True) -> None:
    DynamodbTable(
        scope,
        "table",
        name="t",
        hash_key="LockID",
        attribute=[DynamodbTableAttribute(name="LockID", type="S")],
        billing_mode="PAY_PER_REQUEST" if on_demand else "PROVISIONED",
        read_capacity=None if on_demand else 1,
        write_capacity=None if on_demand else 1,
        stream_enabled=on_demand or None,
        stream_view_type="NEW_AND_OLD_IMAGES" if on_demand else None,
        server_side_encryption={"enabled": True},
        replica=[DynamodbTableReplica(region_name="us-east-1")],
    )


def global_datastore(scope: Any, *, node_type: str) -> None:
    primary = ElasticacheReplicationGroup(
        scope,
        "redis",
        replication_group_id="r",
        description="r",
        node_type=node_type,
        engine_version="7.1",
        num_cache_clusters=2,
        automatic_failover_enabled=True,
        at_rest_encryption_enabled="true",
        transit_encryption_enabled=True,
    )
    ElasticacheGlobalReplicationGroup(
        scope, "global", global_replication_group_id_suffix="g", primary_replication_group_id=primary.id
    )


def secret_replica(scope: Any, *, own_region_key: bool) -> None:
    primary_key = KmsKey(scope, "key", enable_key_rotation=True)
    replica_key = KmsKey(scope, "key-secondary", enable_key_rotation=True, provider=_secondary(scope))
    SecretsmanagerSecret(
        scope,
        "secret",
        name="s",
        kms_key_id=primary_key.arn,
        replica=[
            SecretsmanagerSecretReplica(
                region="us-east-1", kms_key_id=(replica_key if own_region_key else primary_key).arn
            )
        ],
    )


def cross_region_replica(scope: Any, *, by_arn: bool) -> None:
    secondary = _secondary(scope)
    key = KmsKey(scope, "key-secondary", enable_key_rotation=True, provider=secondary)
    source = DbInstance(
        scope,
        "source",
        identifier="src",
        engine="postgres",
        instance_class="db.t3.micro",
        storage_encrypted=True,
        deletion_protection=True,
    )
    DbInstance(
        scope,
        "replica",
        identifier="rep",
        instance_class="db.t3.micro",
        storage_encrypted=True,
        deletion_protection=True,
        provider=secondary,
        replicate_source_db=source.arn if by_arn else source.identifier,
        kms_key_id=key.arn if by_arn else None,
    )


def eks_access(scope: Any, *, with_admin: bool) -> None:
    cluster = EksCluster(
        scope,
        "eks",
        name="e",
        role_arn="arn:aws:iam::1:role/e",
        vpc_config={"subnet_ids": ["s"]},
        access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
    )
    if with_admin:
        EksAccessEntry(scope, "deployer", cluster_name=cluster.name, principal_arn="arn:aws:iam::1:role/deployer")
        EksAccessPolicyAssociation(
            scope,
            "deployer-policy",
            cluster_name=cluster.name,
            principal_arn="arn:aws:iam::1:role/deployer",
            policy_arn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            access_scope={"type": "cluster"},
        )


def redis_failover(scope: Any, *, failover: bool) -> None:
    ElasticacheReplicationGroup(
        scope,
        "redis",
        replication_group_id="r",
        description="r",
        num_cache_clusters=2,
        multi_az_enabled=True,
        automatic_failover_enabled=failover,
        at_rest_encryption_enabled="true",
        transit_encryption_enabled=True,
    )


def kubernetes(scope: Any, *, version: str, support: str) -> None:
    EksCluster(
        scope,
        "eks",
        name="e",
        role_arn="arn:aws:iam::1:role/e",
        version=version,
        vpc_config={"subnet_ids": ["s"]},
        upgrade_policy={"support_type": support},
    )


def offered(scope: Any, *, instance_class: str) -> None:
    DbInstance(scope, "db", identifier="db", engine="postgres", instance_class=instance_class, storage_encrypted=True)


def tagged(scope: Any, *, count: int, value: str = "x") -> None:
    S3Bucket(scope, "bucket", bucket="luneo-tags", tags={f"Tag{i}": value for i in range(count)})


def datastore_member(scope: Any, *, own_upgrades: bool) -> None:
    primary = ElasticacheReplicationGroup(
        scope,
        "redis",
        replication_group_id="r",
        description="r",
        node_type="cache.r6g.large",
        engine_version="7.1",
        num_cache_clusters=2,
        automatic_failover_enabled=True,
        at_rest_encryption_enabled="true",
        transit_encryption_enabled=True,
        auto_minor_version_upgrade="true" if own_upgrades else None,
        lifecycle={"ignore_changes": ["engine_version", "node_type"]},
    )
    ElasticacheGlobalReplicationGroup(
        scope,
        "global",
        global_replication_group_id_suffix="g",
        primary_replication_group_id=primary.id,
        engine_version="7.1",
        cache_node_type="cache.r6g.large",
    )


def subnet(scope: Any, *, by_position: bool) -> None:
    zones = DataAwsAvailabilityZones(scope, "zones", state="available")
    Subnet(
        scope,
        "subnet",
        vpc_id="vpc-1",
        cidr_block="10.0.0.0/20",
        availability_zone=Fn.element(zones.names, 0) if by_position else None,
        availability_zone_id=None if by_position else "euw1-az1",
    )


def logs_key(scope: Any, *, context: bool) -> None:
    condition = (
        {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}
        if context
        else {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}
    )
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": condition,
    }
    KmsKey(
        scope,
        "key",
        enable_key_rotation=True,
        policy=Fn.jsonencode({"Version": "2012-10-17", "Statement": [statement]}),
    )


def alarm(scope: Any, *, subscribed: bool) -> None:
    topic = SnsTopic(scope, "topic", name="alarms", kms_master_key_id="alias/aws/sns")
    CloudwatchMetricAlarm(
        scope,
        "alarm",
        alarm_name="a",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        metric_name="CPUUtilization",
        namespace="AWS/RDS",
        period=60,
        statistic="Average",
        threshold=90,
        alarm_actions=[topic.arn],
    )
    if subscribed:
        SnsTopicSubscription(scope, "subscription", topic_arn=topic.arn, protocol="email", endpoint="oncall@luneo.app")


def addon(scope: Any, *, versioned: bool) -> None:
    EksAddon(
        scope,
        "addon",
        cluster_name="c",
        addon_name="coredns",
        addon_version="v1.12.4-eksbuild.1" if versioned else None,
    )


def iam_cache_user(scope: Any, *, granted: bool) -> None:
    user = ElasticacheUser(
        scope,
        "user",
        user_id="prod-luneo-worker-ia",
        user_name="prod-luneo-worker-ia",
        engine="redis",
        access_string="on ~* +@all -@dangerous",
        authentication_mode={"type": "iam"},
    )
    if granted:
        role = IamRole(scope, "role", assume_role_policy="{}")
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "elasticache:Connect", "Resource": user.arn}],
        }
        IamRolePolicy(scope, "grant", role=role.id, policy=Fn.jsonencode(document))


def iam_database(scope: Any, *, granted: bool) -> None:
    db = DbInstance(
        scope,
        "db",
        identifier="db",
        engine="postgres",
        instance_class="db.t3.medium",
        storage_encrypted=True,
        iam_database_authentication_enabled=True,
    )
    if granted:
        role = IamRole(scope, "role", assume_role_policy="{}")
        arn = f"arn:aws:rds-db:eu-west-1:123456789012:dbuser:{db.resource_id}/luneo_worker_ia"
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": arn}],
        }
        IamRolePolicy(scope, "grant", role=role.id, policy=Fn.jsonencode(document))


VIOLATIONS: dict[str, Build] = {
    "LUNEO-AWS-1": replica_of_managed_password,
    "LUNEO-AWS-2": aurora_global,
    "LUNEO-AWS-3": lambda s: distribution(
        s, certificate={"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1.2_2021"}
    ),
    "LUNEO-AWS-4": lambda s: SecurityGroup(s, "sg", name="luneo-db", lifecycle={"create_before_destroy": True}),
    "LUNEO-AWS-5": lambda s: users(s, transit=True, mode="preferred"),
    "LUNEO-AWS-6": lambda s: replication(s, metrics=False),
    "LUNEO-AWS-7": lambda s: replication(s, versioned=False),
    "LUNEO-AWS-8": lambda s: windows(s, backup="05:00-06:00"),
    "LUNEO-AWS-9": lambda s: redis_failover(s, failover=False),
    "LUNEO-AWS-10": lambda s: node_group(s, types=["m7g.large", "c7g.large"]),
    "LUNEO-AWS-11": lambda s: global_table(s, on_demand=False),
    "LUNEO-AWS-12": lambda s: global_datastore(s, node_type="cache.t3.micro"),
    "LUNEO-AWS-13": lambda s: secret_replica(s, own_region_key=False),
    "LUNEO-AWS-14": lambda s: cross_region_replica(s, by_arn=False),
    "LUNEO-AWS-15": lambda s: eks_access(s, with_admin=False),
    "LUNEO-AWS-16": lambda s: replication(s, keyed=False),
    "LUNEO-AWS-17": lambda s: users(s, default=False, transit=True, mode="required"),
    "LUNEO-AWS-18": lambda s: kubernetes(s, version="1.33", support="STANDARD"),
    "LUNEO-AWS-19": lambda s: offered(s, instance_class="db.t3.mediun"),
    "LUNEO-AWS-20": lambda s: tagged(s, count=48),
    "LUNEO-AWS-21": lambda s: datastore_member(s, own_upgrades=True),
    "LUNEO-AWS-22": lambda s: subnet(s, by_position=True),
    "LUNEO-AWS-23": lambda s: logs_key(s, context=False),
    "LUNEO-OBS-1": lambda s: alarm(s, subscribed=False),
    "LUNEO-AWS-24": lambda s: addon(s, versioned=False),
    "LUNEO-IAM-1": lambda s: iam_cache_user(s, granted=False),
    "LUNEO-IAM-2": lambda s: iam_database(s, granted=False),
}

COMPLIANT: dict[str, Build] = {
    "LUNEO-AWS-1": lambda s: replica_of_managed_password(s, managed=False),
    "LUNEO-AWS-2": lambda s: aurora_global(s, managed=False),
    "LUNEO-AWS-3": lambda s: distribution(
        s,
        aliases=["assets.luneo.app"],
        certificate={
            "acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        },
    ),
    "LUNEO-AWS-4": lambda s: SecurityGroup(s, "sg", name_prefix="luneo-db-", lifecycle={"create_before_destroy": True}),
    "LUNEO-AWS-5": lambda s: users(s, transit=True, mode="required"),
    "LUNEO-AWS-6": replication,
    "LUNEO-AWS-7": replication,
    "LUNEO-AWS-8": lambda s: windows(s, backup="04:00-05:00"),
    "LUNEO-AWS-9": lambda s: redis_failover(s, failover=True),
    "LUNEO-AWS-10": lambda s: node_group(s, types=["m7g.large", "c7g.large"], ami_type="AL2023_ARM_64_STANDARD"),
    "LUNEO-AWS-11": global_table,
    "LUNEO-AWS-12": lambda s: global_datastore(s, node_type="cache.r6g.large"),
    "LUNEO-AWS-13": lambda s: secret_replica(s, own_region_key=True),
    "LUNEO-AWS-14": lambda s: cross_region_replica(s, by_arn=True),
    "LUNEO-AWS-15": lambda s: eks_access(s, with_admin=True),
    "LUNEO-AWS-16": replication,
    "LUNEO-AWS-17": lambda s: users(s, transit=True, mode="required"),
    "LUNEO-AWS-18": lambda s: kubernetes(s, version="1.33", support="EXTENDED"),
    "LUNEO-AWS-19": lambda s: offered(s, instance_class="db.t3.medium"),
    "LUNEO-AWS-20": lambda s: tagged(s, count=47),
    "LUNEO-AWS-21": lambda s: datastore_member(s, own_upgrades=False),
    "LUNEO-AWS-22": lambda s: subnet(s, by_position=False),
    "LUNEO-AWS-23": lambda s: logs_key(s, context=True),
    "LUNEO-OBS-1": lambda s: alarm(s, subscribed=True),
    "LUNEO-AWS-24": lambda s: addon(s, versioned=True),
    "LUNEO-IAM-1": lambda s: iam_cache_user(s, granted=True),
    "LUNEO-IAM-2": lambda s: iam_database(s, granted=True),
}
