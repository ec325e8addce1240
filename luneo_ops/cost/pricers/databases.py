"""Pricers: RDS PostgreSQL (instances, replicas, Aurora), ElastiCache (with Global Datastore
secondaries), DynamoDB."""

from __future__ import annotations

from ..model import Line, PricedStack, pricer


def _rds_engine(stack: PricedStack, body: dict) -> tuple[str, dict | None]:
    source = stack.target(body.get("replicate_source_db"), "aws_db_instance")
    engine = body.get("engine") or (source[1].get("engine") if source else None) or "postgres"
    return engine, (source[1] if source else None)


@pricer("aws_db_instance", "RDS PostgreSQL")
def _db_instance(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    engine, source = _rds_engine(stack, body)
    copies = 2 if body.get("multi_az") in (True, "true") else 1
    label = "Multi-AZ (primary + standby)" if copies == 2 else "single-AZ"
    klass = body.get("instance_class")
    lines = [stack.hours(f"{klass} {label}", copies, f"rds-{engine}:{klass}", region)]
    storage = body.get("allocated_storage") or (source or {}).get("allocated_storage")
    kind = body.get("storage_type") or (source or {}).get("storage_type") or "gp2"
    if storage is None:
        lines.append(Line("storage", 0, None, "allocated_storage unknown (replica of a database outside this stack)"))
    else:
        lines.append(
            stack.line(
                f"{kind} storage: {storage} GiB x {copies}"
                + (" (the source's size)" if source and not body.get("allocated_storage") else ""),
                storage * copies,
                f"rds:{kind}-storage",
                region,
                "GB-month",
            )
        )
    if body.get("manage_master_user_password") in (True, "true"):
        lines.append(
            stack.line(
                "master password secret (RDS-managed, Secrets Manager)", 1, "secretsmanager:secret", region, "month"
            )
        )
    if source is not None and stack.region(source) != region:
        gb = stack.use("rds_replica_transfer_gb")
        lines.append(
            stack.line(
                f"replication {stack.region(source)} -> {region}: {gb:g} GB",
                gb,
                "transfer:inter-region",
                stack.region(source),
                "GB",
            )
        )
    if (body.get("monitoring_interval") or 0) > 0:
        gb = stack.use("rds_enhanced_monitoring_gb")
        lines.append(
            stack.line(f"Enhanced Monitoring (RDSOSMetrics logs): {gb:g} GB", gb, "logs:ingestion", region, "GB")
        )
    if (body.get("performance_insights_retention_period") or 7) > 7:
        lines.append(Line("Performance Insights beyond 7 days", 0, None, "long-term Performance Insights retention"))
    return lines


@pricer("aws_rds_cluster", "RDS PostgreSQL")
def _rds_cluster(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    if body.get("storage_type") == "aurora-iopt1":
        return [Line("Aurora I/O-Optimized storage", 0, None, "storage_type aurora-iopt1 has no row")]
    gb, io = stack.use("aurora_storage_gb"), stack.use("aurora_io_millions")
    lines = [
        stack.line(f"storage: {gb:g} GB", gb, "aurora:storage", region, "GB-month"),
        stack.line(f"I/O: {io:g} M requests", io, "aurora:io", region, "1M requests"),
    ]
    if body.get("manage_master_user_password") in (True, "true"):
        lines.append(stack.line("master password secret", 1, "secretsmanager:secret", region, "month"))
    secondary = body.get("global_cluster_identifier") and not (body.get("master_username") or body.get("database_name"))
    if secondary:
        writes, gb_out = stack.use("aurora_replicated_write_io_millions"), stack.use("aurora_global_transfer_gb")
        primary = stack.default_region or region
        lines += [
            stack.line(
                f"replicated write I/O: {writes:g} M", writes, "aurora:replicated-write-io", region, "1M requests"
            ),
            stack.line(
                f"replication {primary} -> {region}: {gb_out:g} GB", gb_out, "transfer:inter-region", primary, "GB"
            ),
        ]
    return lines


@pricer("aws_rds_cluster_instance", "RDS PostgreSQL")
def _rds_cluster_instance(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    engine = (body.get("engine") or "aurora-postgresql").replace("aurora-postgresql", "aurora-postgres")
    lines = [stack.hours(body.get("instance_class", "?"), 1, f"{engine}:{body.get('instance_class')}", region)]
    if (body.get("monitoring_interval") or 0) > 0:
        gb = stack.use("rds_enhanced_monitoring_gb")
        lines.append(
            stack.line(f"Enhanced Monitoring (RDSOSMetrics logs): {gb:g} GB", gb, "logs:ingestion", region, "GB")
        )
    return lines


def _global_datastore_primary(stack: PricedStack, body: dict) -> dict | None:
    """The primary replication group a Global Datastore secondary joins (it inherits the node type)."""
    datastore = stack.target(body.get("global_replication_group_id"), "aws_elasticache_global_replication_group")
    if datastore is None:
        return None
    primary = stack.target(datastore[1].get("primary_replication_group_id"), "aws_elasticache_replication_group")
    return primary[1] if primary else None


@pricer("aws_elasticache_replication_group", "ElastiCache Redis")
def _redis(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    primary = _global_datastore_primary(stack, body) if body.get("global_replication_group_id") else None
    if primary is not None:  # a Global Datastore secondary: the primary's node type, the replicated bytes
        body = {
            **primary,
            "num_cache_clusters": body.get("num_cache_clusters"),
            "snapshot_retention_limit": body.get("snapshot_retention_limit"),
        }
    if body.get("num_node_groups"):
        nodes = int(body["num_node_groups"]) * (int(body.get("replicas_per_node_group") or 0) + 1)
    else:
        nodes = int(body.get("num_cache_clusters") or 1)
    engine = body.get("engine", "redis")
    lines = [
        stack.hours(
            f"{nodes} x {body.get('node_type')}", nodes, f"elasticache-{engine}:{body.get('node_type')}", region
        )
    ]
    if primary is not None:
        gb = stack.use("redis_global_transfer_gb")
        source = stack.region(primary)
        lines.append(
            stack.line(
                f"Global Datastore replication {source} -> {region}: {gb:g} GB",
                gb,
                "transfer:inter-region",
                source,
                "GB",
            )
        )
    kept = int(body.get("snapshot_retention_limit") or 0)
    if kept > 1:
        gb = stack.use("redis_snapshot_gb")
        lines.append(
            stack.line(
                f"snapshots beyond the free one: {kept - 1} x {gb:g} GB",
                (kept - 1) * gb,
                "elasticache:backup-storage",
                region,
                "GB-month",
            )
        )
    return lines


@pricer("aws_dynamodb_table", "DynamoDB")
def _dynamodb(stack: PricedStack, name: str, body: dict, region: str) -> list[Line]:
    if body.get("billing_mode", "PROVISIONED") != "PAY_PER_REQUEST":
        return [Line("provisioned capacity", 0, None, "provisioned-capacity tables have no row")]
    writes, reads, gb = (
        stack.use(k) for k in ("dynamodb_write_millions", "dynamodb_read_millions", "dynamodb_gb_stored")
    )
    lines = [
        stack.line(f"on-demand writes: {writes:g} M", writes, "dynamodb:on-demand-write", region, "1M requests"),
        stack.line(f"on-demand reads: {reads:g} M", reads, "dynamodb:on-demand-read", region, "1M requests"),
        stack.line(f"storage: {gb:g} GB", gb, "dynamodb:storage", region, "GB-month"),
    ]
    if (body.get("point_in_time_recovery") or {}).get("enabled") in (True, "true"):
        lines.append(stack.line(f"point-in-time recovery: {gb:g} GB", gb, "dynamodb:pitr", region, "GB-month"))
    for replica in body.get("replica") or []:  # a global table: writes replay in each replica, which stores a copy
        where = replica["region_name"]
        lines += [
            stack.line(
                f"replicated writes in {where}: {writes:g} M (priced as writes)",
                writes,
                "dynamodb:on-demand-write",
                where,
                "1M requests",
            ),
            stack.line(f"replica storage in {where}: {gb:g} GB", gb, "dynamodb:storage", where, "GB-month"),
            stack.line(f"replication {region} -> {where}: {gb:g} GB", gb, "transfer:inter-region", region, "GB"),
        ]
        if replica.get("point_in_time_recovery") in (True, "true"):
            lines.append(
                stack.line(f"replica point-in-time recovery: {gb:g} GB", gb, "dynamodb:pitr", where, "GB-month")
            )
    return lines
