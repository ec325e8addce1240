"""luneo-bootstrap's settings (bootstrap.tfvars): the state bucket(s) and lock table(s) themselves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..support.errors import ConfigError
from .cross import cross_check
from .environment import EnvironmentConfig
from .tfvars import Where, load_values
from .variables import BOOTSTRAP_VARIABLES


@dataclass(frozen=True)
class BackendLocation:
    """One distinct backend the environments use."""

    bucket: str
    lock_table: str
    region: str


@dataclass(frozen=True)
class BootstrapConfig:
    """What luneo-bootstrap creates: every distinct backend the environments use."""

    source: str
    adopt_existing: bool
    noncurrent_version_expiration_days: int
    replica_region: str
    backends: tuple[BackendLocation, ...]

    stack_name: ClassVar[str] = "luneo-bootstrap"


def load_bootstrap(
    path: str | Path, environments: list[EnvironmentConfig], *, label: str | None = None
) -> BootstrapConfig:
    path = Path(path)
    label = label or str(path)
    values, where = load_values(path, label, BOOTSTRAP_VARIABLES)
    backends = _backends(environments, values["state_replica_region"], where)
    return BootstrapConfig(
        source=label,
        adopt_existing=values["adopt_existing"],
        noncurrent_version_expiration_days=values["state_noncurrent_version_expiration_days"],
        replica_region=values["state_replica_region"],
        backends=tuple(sorted(backends.values(), key=lambda b: (b.bucket, b.lock_table, b.region))),
    )


@cross_check(
    "Environments on one state bucket share its lock table and region; `state_replica_region` "
    "(bootstrap.tfvars) differs from that region."
)
def _backends(environments: list[EnvironmentConfig], replica_region: str, where: Where) -> dict[str, BackendLocation]:
    backends: dict[str, BackendLocation] = {}
    for env in environments:
        backend = BackendLocation(bucket=env.state.bucket, lock_table=env.state.lock_table, region=env.state.region)
        other = backends.setdefault(backend.bucket, backend)
        if other != backend:
            raise ConfigError(
                f"{env.source}: state_lock_table/state_region: expected the same lock table and region "
                f"as the other environments on bucket {backend.bucket} ({other.lock_table}, "
                f"{other.region})"
            )
        if backend.region == replica_region:
            raise ConfigError(
                f"{where('state_replica_region')}: state_replica_region: expected a region other than "
                f"the state's ({backend.region}): the replica is what survives that region"
            )
    return backends


def replica_bucket_name(bucket: str, region: str) -> str:
    """The state bucket's copy in the replica region: `luneo-terraform-state-us-east-1`."""
    return f"{bucket}-{region}"
