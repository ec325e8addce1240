"""The usage assumptions (pricing/usage.toml): what the prices are multiplied by, with defaults and
per-stack overrides, some by name pattern."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path
from typing import Any

from ..paths import PRICING
from .prices import CostError

USAGE_FILE = PRICING / "usage.toml"

#: Every usage key the pricers read, and whether it may be a table of name patterns.
USAGE_KEYS = {
    "spot_discount": False,
    "ec2_detailed_monitoring_metrics": False,
    "nat_gb_processed": False,
    "vpce_gb_processed": False,
    "cloudfront_gb_out": False,
    "cloudfront_requests_millions": False,
    "s3_replication_gb": False,
    "rds_replica_transfer_gb": False,
    "rds_enhanced_monitoring_gb": False,
    "aurora_storage_gb": False,
    "aurora_io_millions": False,
    "aurora_replicated_write_io_millions": False,
    "aurora_global_transfer_gb": False,
    "redis_snapshot_gb": False,
    "log_archive_ratio": False,
    "log_never_expire_months": False,
    "kms_rotations_done": False,
    "kms_requests_thousands": False,
    "route53_health_check_endpoint": False,
    "route53_queries_millions": False,
    "dynamodb_write_millions": False,
    "dynamodb_read_millions": False,
    "dynamodb_gb_stored": False,
    "sns_publishes_millions": False,
    "sns_email_deliveries_thousands": False,
    "redis_global_transfer_gb": False,
    "ecr_replication_gb": False,
    "s3_gb_stored": True,
    "s3_put_requests_thousands": True,
    "s3_get_requests_thousands": True,
    "ecr_gb_stored": True,
    "log_ingestion_gb": True,
}


class Usage:
    def __init__(self, data: dict, *, label: str = "usage"):
        self.label = label
        self.defaults = data.get("defaults", {})
        self.stacks = data.get("stack", {})
        unknown = sorted(set(data) - {"defaults", "stack"})
        if unknown:
            raise CostError(f"{label}: unknown section [{unknown[0]}] (expected [defaults] and [stack.<name>])")
        for where, values in [("defaults", self.defaults), *((f"stack.{s}", v) for s, v in self.stacks.items())]:
            for key, value in values.items():
                if key not in USAGE_KEYS:
                    raise CostError(f"{label}: [{where}] {key}: unknown usage key")
                if isinstance(value, dict):
                    if not USAGE_KEYS[key]:
                        raise CostError(f"{label}: [{where}] {key}: expected a single value, not a table")
                    if where == "defaults" and "*" not in value:
                        raise CostError(f'{label}: [{where}.{key}] needs a "*" pattern for everything else')
        missing = sorted(set(USAGE_KEYS) - set(self.defaults))
        if missing:
            raise CostError(f"{label}: [defaults] {missing[0]}: missing (every usage key needs a default)")

    @classmethod
    def load(cls, path: Path = USAGE_FILE) -> "Usage":
        try:
            return cls(tomllib.loads(path.read_text()), label=str(path))
        except tomllib.TOMLDecodeError as exc:
            raise CostError(f"{path}: {exc}") from None

    def value(self, stack: str, key: str, name: str | None = None) -> Any:
        if key not in USAGE_KEYS:
            raise KeyError(key)
        override = self.stacks.get(stack, {}).get(key)
        default = self.defaults[key]
        if not isinstance(default, dict):
            return default if override is None else override
        for table in (override or {}, default):
            for pattern, value in table.items():
                if fnmatch.fnmatchcase(name or "", pattern):
                    return value
        raise AssertionError("unreachable: defaults end with '*'")
