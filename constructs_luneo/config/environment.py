"""An environment file loaded into frozen, typed sections (sections.py), each with its own checks
across variables.

The tfvars names stay exactly as operators know them (variables.py); the stacks read the sections
(`config.eks.primary.desired_size`, `config.database.dr_mode`), never the raw names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..support.errors import ConfigError
from .checks import check_kubernetes, check_offered
from .sections import (
    ROLES,
    AlarmSettings,
    AssetSettings,
    DatabaseSettings,
    DnsSettings,
    EksSettings,
    ExistingEncryption,
    NetworkSettings,
    NodeGroupScaling,
    RedisSettings,
    RegionSettings,
    Role,
)
from .tfvars import cross_check, load_values
from .variables import LEGACY_PROD_STATE_KEY, REMOVED, VARIABLES

ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")

__all__ = [
    "ROLES",
    "AlarmSettings",
    "AssetSettings",
    "DatabaseSettings",
    "DnsSettings",
    "EksSettings",
    "EnvironmentConfig",
    "ExistingEncryption",
    "NetworkSettings",
    "NodeGroupScaling",
    "RedisSettings",
    "RegionSettings",
    "Role",
    "StateSettings",
    "load_environment",
    "load_environments",
]


@dataclass(frozen=True)
class StateSettings:
    """The S3 + DynamoDB backend every plan and apply of the stack uses."""

    bucket: str
    key: str
    region: str
    lock_table: str

    @classmethod
    def load(cls, values: Mapping[str, Any], environment: str) -> StateSettings:
        key = values["state_key"] or (
            LEGACY_PROD_STATE_KEY if environment == "prod" else f"{environment}/multi-region/terraform.tfstate"
        )
        return cls(
            bucket=values["state_bucket"], key=key, region=values["state_region"], lock_table=values["state_lock_table"]
        )


@dataclass(frozen=True)
class EnvironmentConfig:
    """A validated environment file. `values` keeps the tfvars as written (defaults filled in), for
    tools that report per variable; the stacks read the typed sections."""

    environment: str
    source: str
    state: StateSettings
    network: NetworkSettings
    eks: EksSettings
    database: DatabaseSettings
    redis: RedisSettings
    dns: DnsSettings
    alarms: AlarmSettings
    assets: AssetSettings
    existing_encryption: ExistingEncryption
    tags: Mapping[str, str]
    values: Mapping[str, Any] = field(repr=False)

    @property
    def stack_name(self) -> str:
        return f"luneo-{self.environment}"

    @property
    def is_production(self) -> bool:
        return self.environment == "prod"


def load_environment(path: str | Path, *, label: str | None = None) -> EnvironmentConfig:
    """Parse and validate one `<env>.tfvars` file; raise ConfigError naming file and variable."""
    path = Path(path)
    label = label or str(path)
    environment = path.name.removesuffix(".tfvars")
    if not ENV_NAME.match(environment):
        raise ConfigError(
            f"{label}: the file name must be <environment>.tfvars with a lowercase environment name "
            f"(2 to 21 characters: a letter, then letters, digits, '-'), got {environment!r}"
        )
    values, where = load_values(path, label, VARIABLES, REMOVED)
    check_offered(values, where)
    check_kubernetes(values, where)
    return EnvironmentConfig(
        environment=environment,
        source=label,
        state=StateSettings.load(values, environment),
        network=NetworkSettings.load(values, where),
        eks=EksSettings.load(values, where),
        database=DatabaseSettings.load(values, where),
        redis=RedisSettings.load(values, where),
        dns=DnsSettings.load(values, where),
        alarms=AlarmSettings.load(values, where, environment),
        assets=AssetSettings.load(values, where),
        existing_encryption=ExistingEncryption(**values["existing_encryption"]),
        tags=MappingProxyType(dict(values["tags"])),
        values=MappingProxyType(values),
    )


def load_environments(directory: str | Path, *, base: str | Path | None = None) -> list[EnvironmentConfig]:
    """Load every `<env>.tfvars` in `directory`, sorted by name; labels are relative to `base`."""
    directory = Path(directory)
    files = sorted(directory.glob("*.tfvars"))
    if not files:
        raise ConfigError(f"{directory}: no <environment>.tfvars files found")
    configs = []
    for path in files:
        try:
            label = str(path.relative_to(base)) if base else str(path)
        except ValueError:
            label = str(path)
        configs.append(load_environment(path, label=label))
    _check_state_keys(configs)
    return configs


@cross_check("Two environments never share a `state_key`.")
def _check_state_keys(configs: list[EnvironmentConfig]) -> None:
    keys: dict[str, str] = {}
    for config in configs:
        if config.state.key in keys:
            raise ConfigError(
                f"{config.source}: state_key: expected a key of its own, "
                f"{config.state.key!r} is already used by {keys[config.state.key]}"
            )
        keys[config.state.key] = config.source
