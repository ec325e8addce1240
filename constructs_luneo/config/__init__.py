"""Configuration: environment files, luneo-bootstrap's settings and reviewed migrations, parsed and
validated before a single construct is built. A bad value fails fast with one line naming the
file, the variable and what was expected (:class:`ConfigError`).

- tfvars.py: reading one tfvars file against a table of variables, and the registry of the checks
  across variables (CROSS_CHECKS: docs/CONFIGURATION.md lists it);
- variables.py: the environment variables table, the single source of defaults;
- sections.py, database.py: the typed sections an environment loads into, each with its checks
  across variables (database.py: the database and its restore);
- environment.py: one environment file loaded into them (EnvironmentConfig);
- bootstrap.py, migration.py: bootstrap.tfvars and migrations/<stack>.json;
- reference.py: docs/CONFIGURATION.md and terraform.tfvars.example, generated from the tables
  (`make docs` writes them).

Cheap to import: no cdktf, no AWS provider, so `python -m constructs_luneo.config` and a failing
`main.py` answer in well under a second.
"""

from ..support.errors import ConfigError
from .bootstrap import (
    BackendLocation,
    BootstrapConfig,
    Delivery,
    DeliveryTarget,
    load_bootstrap,
    replica_bucket_name,
    state_key_alias,
)
from .bootstrap_variables import BOOTSTRAP_VARIABLES
from .environment import (
    ROLES,
    AlarmSettings,
    AssetSettings,
    DatabaseSettings,
    DnsSettings,
    EksSettings,
    EnvironmentConfig,
    ExistingEncryption,
    NetworkSettings,
    NodeGroupScaling,
    RedisSettings,
    RegionSettings,
    Role,
    StateSettings,
    load_environment,
    load_environments,
)
from .migration import Migration, load_migration
from .tfvars import REQUIRED, Variable
from .variables import LEGACY_PROD_STATE_KEY, VARIABLES, VARIABLES_BY_NAME, default

__all__ = [
    "BOOTSTRAP_VARIABLES",
    "LEGACY_PROD_STATE_KEY",
    "REQUIRED",
    "ROLES",
    "VARIABLES",
    "VARIABLES_BY_NAME",
    "AlarmSettings",
    "AssetSettings",
    "BackendLocation",
    "Delivery",
    "DeliveryTarget",
    "BootstrapConfig",
    "ConfigError",
    "DatabaseSettings",
    "DnsSettings",
    "EksSettings",
    "EnvironmentConfig",
    "ExistingEncryption",
    "Migration",
    "NetworkSettings",
    "NodeGroupScaling",
    "RedisSettings",
    "RegionSettings",
    "Role",
    "StateSettings",
    "Variable",
    "default",
    "load_bootstrap",
    "load_environment",
    "load_environments",
    "load_migration",
    "replica_bucket_name",
    "state_key_alias",
]
