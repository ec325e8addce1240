"""The environment's alarms: the stack chooses thresholds and topics; the metrics (and their names)
come from the constructs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from ..config import ROLES, Role

if TYPE_CHECKING:
    from .environment import LuneoEnvironmentStack


def add_alarms(stack: LuneoEnvironmentStack) -> None:
    """The thresholds and topics; the metrics (and their names) come from the constructs."""
    topics = {role: foundation.alarm_topic.topic_arn for role, foundation in stack.regions.items()}
    _database_alarms(stack, topics)
    if stack.assets.replication is not None:
        stack.assets.replication.metric_replication_latency().alarm(
            stack,
            "alarm-s3-replication-latency",
            name=f"{stack.assets.primary.name}-replication-latency",
            threshold=900,
            topic_arn=topics["primary"],
            description="assets replication slower than the 15-minute Replication Time Control target",
        )
    caches = [(stack.redis, "redis", topics["primary"])]
    if stack.redis_secondary is not None:
        caches.append((stack.redis_secondary, "redis-secondary", topics["secondary"]))
    for cache, prefix, topic in caches:
        for member in cache.member_cluster_ids:
            index = member.removeprefix(f"{cache.name}-")
            cache.metric_engine_cpu_utilization(member).alarm(
                stack,
                f"alarm-{prefix}-{index}-cpu",
                name=f"{member}-cpu",
                threshold=80,
                topic_arn=topic,
                description="Redis engine CPU above 80% for 15 minutes",
            )
            cache.metric_memory_usage(member).alarm(
                stack,
                f"alarm-{prefix}-{index}-memory",
                name=f"{member}-memory",
                threshold=80,
                topic_arn=topic,
                description="Redis memory above 80% of maxmemory",
            )
            if cache is stack.redis_secondary:  # what a failover of the cache would lose (its RPO)
                cache.metric_global_replication_lag(member).alarm(
                    stack,
                    f"alarm-{prefix}-{index}-replication-lag",
                    name=f"{member}-replication-lag",
                    threshold=60,
                    evaluation_periods=5,
                    topic_arn=topic,
                    treat_missing_data="notBreaching",
                    description="Global Datastore: us-east-1 more than a minute behind the primary region",
                )
    if stack.dns is not None:
        us_east_1: Role = "primary" if stack.config.network.primary.name == "us-east-1" else "secondary"
        for role in ROLES:
            stack.dns.metric_health_check_status(role).alarm(
                stack,
                f"alarm-health-{role}",
                name=stack.names.health_alarm(role),
                comparison="<",
                threshold=1,
                evaluation_periods=2,
                topic_arn=topics[us_east_1],
                treat_missing_data="breaching",
                description=f"{role} ingress failing its Route53 HTTPS health check",
            )


def _database_alarms(stack: LuneoEnvironmentStack, topics: Mapping[Role, str]) -> None:
    """Database load and storage (primary region), and how far the secondary copy lags behind."""
    db_config = stack.config.database
    if stack.database is not None:
        db = stack.database
        db.metric_cpu_utilization().alarm(
            stack,
            "alarm-db-cpu",
            name=f"{db.name}-cpu",
            threshold=80,
            topic_arn=topics["primary"],
            description="RDS CPU above 80% for 15 minutes",
        )
        db.metric_free_storage_space().alarm(
            stack,
            "alarm-db-free-storage",
            name=f"{db.name}-free-storage",
            comparison="<",
            threshold=int(db_config.allocated_storage * 0.1 * 1024**3),
            topic_arn=topics["primary"],
            description="RDS free storage below 10% of db_allocated_storage",
        )
        if stack.database_replica is not None and not db_config.replica_promoted:  # promoted: no lag to report
            stack.database_replica.metric_replica_lag().alarm(
                stack,
                "alarm-db-replica-lag",
                name=f"{stack.database_replica.name}-lag",
                threshold=300,
                topic_arn=topics["secondary"],
                treat_missing_data="breaching",
                description="us-east-1 read replica more than 5 minutes behind (or not reporting)",
            )
    if stack.aurora is not None:
        aurora = stack.aurora
        aurora.metric_cpu_utilization().alarm(
            stack,
            "alarm-db-cpu",
            name=f"{aurora.name}-cpu",
            threshold=80,
            topic_arn=topics["primary"],
            description="Aurora primary cluster CPU above 80% for 15 minutes",
        )
        aurora.metric_free_local_storage().alarm(
            stack,
            "alarm-db-free-storage",
            name=f"{aurora.name}-free-storage",
            comparison="<",
            threshold=5 * 1024**3,
            topic_arn=topics["primary"],
            description="Aurora local storage below 5 GiB",
        )
        aurora.metric_global_replication_lag().alarm(
            stack,
            "alarm-db-replica-lag",
            name=f"{aurora.name}-replica-lag",
            threshold=60000,
            topic_arn=topics["secondary"],
            treat_missing_data="breaching",
            description="Aurora global replication lag above 60 s (or not reporting)",
        )
