"""How an environment names what it creates, written once: the stacks, the regional foundation and
luneo-bootstrap ask this module, never an f-string of their own. Cheap to import (no cdktf).

Prod keeps the names its HCL state and the infrastructure docs use (`luneo-secrets`,
`luneo-worker-ia`); other environments are prefixed or namespaced with their name so that several
environments can share one account. Renaming here renames real resources: the address pins and
tests/test_stacks.py catch it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["primary", "secondary"]


@dataclass(frozen=True)
class EnvironmentNames:
    """The names of one environment's resources (`luneo-<env>-...`)."""

    environment: str
    is_production: bool

    @property
    def prefix(self) -> str:
        return f"luneo-{self.environment}"

    def kms_key(self, purpose: str) -> str:
        """Prod keeps the names its HCL state has (`luneo-secrets`); other environments are prefixed
        with their name so that several environments can share one account."""
        return f"luneo-{purpose}" if self.is_production else f"luneo-{self.environment}-{purpose}"

    def ecr_repository(self, repository: str) -> str:
        """Prod keeps the names the docs and the HCL state use; other environments get a namespace."""
        return repository if self.is_production else f"{self.environment}/{repository}"

    def eks_cluster(self, role: Role) -> str:
        return f"{self.prefix}-eks-{role}"

    @property
    def network(self) -> str:
        return self.prefix

    @property
    def alarm_topic(self) -> str:
        return f"{self.prefix}-alarms"

    @property
    def assets_bucket(self) -> str:
        return f"{self.prefix}-assets"

    @property
    def database(self) -> str:
        """The RDS instance, or the Aurora global database's clusters' stem."""
        return f"{self.prefix}-db"

    @property
    def database_replica(self) -> str:
        return f"{self.prefix}-db-replica"

    @property
    def database_restored(self) -> str:
        """The primary restored from a snapshot or to a point in time (db_restore_from)."""
        return f"{self.prefix}-db-restored"

    @property
    def database_restored_replica(self) -> str:
        return f"{self.prefix}-db-restored-replica"

    @property
    def database_master_secret(self) -> str:
        return f"{self.prefix}-db-master"

    @property
    def cache(self) -> str:
        return f"{self.prefix}-redis"

    @property
    def cache_secondary(self) -> str:
        return f"{self.prefix}-redis-secondary"

    @property
    def workload_boundary(self) -> str:
        """The permissions boundary of every role the environment's stack creates (luneo-bootstrap)."""
        return f"{self.prefix}-workload-boundary"

    def health_alarm(self, role: Role) -> str:
        return f"{self.prefix}-health-{role}"
