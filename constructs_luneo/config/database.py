"""The database section of an environment file: the RDS or Aurora settings, the restore
(db_restore_from), and their cross-field checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from ..support.errors import ConfigError
from .tfvars import Where, cross_check

PasswordSource = Literal["generated", "variable", "rds-managed"]


@dataclass(frozen=True)
class DatabaseSettings:
    primary_instance_class: str
    replica_instance_class: str  # db_replica_instance_class, or the primary's class
    allocated_storage: int
    multi_az: bool
    master_password_source: PasswordSource
    master_password_version: int
    dr_mode: Literal["replica", "aurora-global"]
    replica_promoted: bool
    backup_retention_period: int
    backup_window: str
    restore: DatabaseRestore | None = None

    @classmethod
    def load(cls, values: Mapping[str, Any], where: Where) -> DatabaseSettings:
        source, mode = values["db_master_password_source"], values["db_dr_mode"]
        _check_password_source(source, mode, where)
        _check_promoted(values["db_replica_promoted"], mode, where)
        _check_restore(values, mode, where)
        return cls(
            primary_instance_class=values["db_primary_instance_class"],
            replica_instance_class=values["db_replica_instance_class"] or values["db_primary_instance_class"],
            allocated_storage=values["db_allocated_storage"],
            multi_az=values["db_multi_az"],
            master_password_source=source,
            master_password_version=values["db_master_password_version"],
            dr_mode=mode,
            replica_promoted=values["db_replica_promoted"],
            backup_retention_period=values["backup_retention_period"],
            backup_window=values["backup_window"],
            restore=DatabaseRestore.parse(values["db_restore_from"], values["db_restore_retire_previous"]),
        )


@dataclass(frozen=True)
class DatabaseRestore:
    """db_restore_from: where the restored primary comes from. `snapshot` is a snapshot identifier or
    ARN; `time` a UTC time ("2026-12-05T03:00:00Z") or "latest", of the previous primary's backups."""

    snapshot: str | None
    time: str | None
    retire_previous: bool

    @classmethod
    def parse(cls, value: str | None, retire_previous: bool) -> DatabaseRestore | None:
        if value is None:
            return None
        kind, _, source = value.partition(":")
        return cls(
            snapshot=source if kind == "snapshot" else None,
            time=source if kind == "time" else None,
            retire_previous=retire_previous,
        )

    @property
    def source(self) -> str:
        return f"snapshot {self.snapshot}" if self.snapshot else f"point in time {self.time}"


@cross_check(
    '`db_master_password_source = "rds-managed"` is refused with both DR modes: AWS does not support a '
    "read replica, or an Aurora global database, of a database whose password RDS manages."
)
def _check_password_source(source: str, mode: str, where: Where) -> None:
    if source == "rds-managed":
        # AWS: "Managing master user passwords with Secrets Manager isn't supported for ... creating a
        # read replica" and "DB clusters that are part of an Aurora global database" (RDS and Aurora
        # user guides, "Limitations for Secrets Manager integration"); rule LUNEO-AWS-1/2 at synth.
        shape = "a read replica" if mode == "replica" else "an Aurora global database"
        raise ConfigError(
            f"{where('db_master_password_source')}: db_master_password_source: expected "
            f'"generated" or "variable" with db_dr_mode = "{mode}", got "rds-managed" '
            f"(AWS does not support {shape} of a database whose password RDS manages)"
        )


@cross_check('`db_replica_promoted = true` only with `db_dr_mode = "replica"`.')
def _check_promoted(promoted: bool, mode: str, where: Where) -> None:
    if promoted and mode != "replica":
        raise ConfigError(
            f"{where('db_replica_promoted')}: db_replica_promoted: expected false with "
            f'db_dr_mode = "{mode}" (it describes a promoted read replica)'
        )


@cross_check(
    '`db_restore_from` only with `db_dr_mode = "replica"` (an Aurora cluster restores with '
    "RestoreDBClusterToPointInTime, which the stacks do not drive); `db_restore_retire_previous` only "
    "with `db_restore_from`; `db_replica_promoted = true` with `db_restore_from` only once the previous pair is "
    "retired."
)
def _check_restore(values: Mapping[str, Any], mode: str, where: Where) -> None:
    restore_from, retire = values["db_restore_from"], values["db_restore_retire_previous"]
    if restore_from is not None and mode != "replica":
        raise ConfigError(
            f'{where("db_restore_from")}: db_restore_from: expected no value with db_dr_mode = "{mode}" '
            "(the stacks restore an RDS instance; an Aurora global database is restored by hand: "
            "docs/OPERATIONS.md, Restores)"
        )
    if retire and restore_from is None:
        raise ConfigError(
            f"{where('db_restore_retire_previous')}: db_restore_retire_previous: expected false without "
            "db_restore_from (only a restore has a previous database to retire)"
        )
    if restore_from is not None and not retire and values["db_replica_promoted"]:
        raise ConfigError(
            f"{where('db_replica_promoted')}: db_replica_promoted: expected false while the previous database "
            "still runs beside the restored one (fail back before a restore, or set db_restore_retire_previous "
            "= true so that the switch applies to the restored pair alone: docs/OPERATIONS.md, Restores)"
        )
