"""RestoreSource: where a PostgresDatabase's first contents come from, when it is a restore.

RDS never restores into an existing instance: a restore creates a new one (RestoreDBInstanceFromDBSnapshot,
RestoreDBInstanceToPointInTime), which Terraform creates with `snapshot_identifier` or the
`restore_to_point_in_time` block of `aws_db_instance`. Both force a new instance when they change, so
the stacks keep the setting once applied (docs/OPERATIONS.md, Restores).
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..support.common import require

SNAPSHOT = re.compile(
    r"^((rds:)?[A-Za-z][A-Za-z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:(rds:)?[A-Za-z][A-Za-z0-9-]*)$"
)
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass(frozen=True)
class RestoreSource:
    """A snapshot (`snapshot_identifier`: its identifier, `rds:` for an automated one, or its ARN), or a
    point in time of another instance's backups (`source_instance`, with `restore_time` in UTC, or
    None for its latest restorable time)."""

    snapshot_identifier: str | None = None
    source_instance: str | None = None
    restore_time: str | None = None

    @staticmethod
    def check_optional(who: str, source: RestoreSource | None) -> None:
        if source is not None:
            source.check(who)

    def check(self, who: str) -> None:
        require(
            (self.snapshot_identifier is None) != (self.source_instance is None),
            who,
            "restore_from",
            "a snapshot or a source instance (one of the two)",
            self,
        )
        if self.snapshot_identifier is not None:
            require(
                bool(SNAPSHOT.match(self.snapshot_identifier)),
                who,
                "restore_from.snapshot_identifier",
                "a snapshot identifier (rds:... for an automated one) or a snapshot ARN",
                self.snapshot_identifier,
            )
            require(self.restore_time is None, who, "restore_from.restore_time", "None with a snapshot", self)
        if self.restore_time is not None:
            require(
                bool(UTC_TIME.match(self.restore_time)),
                who,
                "restore_from.restore_time",
                'a UTC time such as "2026-12-05T03:00:00Z", or None for the latest restorable time',
                self.restore_time,
            )

    def arguments(self) -> dict[str, Any]:
        """What `aws_db_instance` takes for this restore."""
        from cdktf_cdktf_provider_aws.db_instance import DbInstanceRestoreToPointInTime

        if self.snapshot_identifier is not None:
            return {"snapshot_identifier": self.snapshot_identifier}
        return {
            "restore_to_point_in_time": DbInstanceRestoreToPointInTime(
                source_db_instance_identifier=self.source_instance,
                restore_time=self.restore_time,
                use_latest_restorable_time=True if self.restore_time is None else None,
            )
        }
