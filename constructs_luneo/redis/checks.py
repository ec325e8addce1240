"""RedisCluster's argument checks (one clear error naming the construct and the argument)."""

from __future__ import annotations

import re
from typing import Any

from ..support.common import is_token, require
from ..support.patterns import CACHE_TYPE

NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # room for the "-default" user id (40 max)


def check_arguments(
    who: str,
    name: Any,
    subnet_ids: Any,
    node_type: Any,
    num_cache_clusters: Any,
    automatic_failover_enabled: bool,
    multi_az_enabled: bool,
    snapshot_retention_limit: Any,
) -> None:
    """Each argument against what ElastiCache takes, in the order they are declared."""
    _check_placement(who, name, subnet_ids)
    _check_nodes(who, node_type, num_cache_clusters)
    _check_availability(who, num_cache_clusters, automatic_failover_enabled, multi_az_enabled)
    require(
        isinstance(snapshot_retention_limit, int) and 1 <= snapshot_retention_limit <= 35,
        who,
        "snapshot_retention_limit",
        "1-35 days",
        snapshot_retention_limit,
    )


def _check_placement(who: str, name: Any, subnet_ids: Any) -> None:
    require(
        isinstance(name, str) and bool(NAME.match(name)) and "--" not in name and not name.endswith("-"),
        who,
        "name",
        "1-32 lowercase letters, digits or single hyphens, starting with a letter",
        name,
    )
    require(
        not isinstance(subnet_ids, str) and (is_token(subnet_ids) or len(list(subnet_ids)) >= 1),
        who,
        "subnet_ids",
        "a list of subnet ids",
        subnet_ids,
    )


def _check_nodes(who: str, node_type: Any, num_cache_clusters: Any) -> None:
    require(
        isinstance(node_type, str) and bool(CACHE_TYPE.match(node_type)),
        who,
        "node_type",
        'an ElastiCache node type such as "cache.r6g.large"',
        node_type,
    )
    require(
        isinstance(num_cache_clusters, int)
        and not isinstance(num_cache_clusters, bool)
        and 1 <= num_cache_clusters <= 6,
        who,
        "num_cache_clusters",
        "a whole number from 1 to 6",
        num_cache_clusters,
    )


def _check_availability(who: str, num_cache_clusters: int, failover: bool, multi_az: bool) -> None:
    require(
        not failover or num_cache_clusters >= 2,
        who,
        "automatic_failover_enabled",
        f"false with num_cache_clusters = {num_cache_clusters} (failover needs a replica)",
        failover,
    )
    require(
        not multi_az or failover,
        who,
        "multi_az_enabled",
        "false unless automatic_failover_enabled is true (an ElastiCache rule)",
        multi_az,
    )
