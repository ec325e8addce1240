"""luneo-bootstrap's settings (bootstrap.tfvars): the state bucket(s) and lock table(s) themselves, and
who may deliver to each environment (the GitHub repository, branches and environments the CI roles
trust)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

from ..support.errors import ConfigError
from .bootstrap_variables import BOOTSTRAP_VARIABLES
from .environment import EnvironmentConfig
from .tfvars import Where, cross_check, load_values


@dataclass(frozen=True)
class BackendLocation:
    """One distinct backend the environments use."""

    bucket: str
    lock_table: str
    region: str


@dataclass(frozen=True)
class DeliveryTarget:
    """One environment as the pipeline delivers it: the branch whose pushes apply it, the GitHub
    Environment its apply job runs in, and the state it may read and write."""

    environment: str
    stack_name: str
    branch: str
    github_environment: str
    state_bucket: str
    state_key: str
    state_region: str
    lock_table: str


@dataclass(frozen=True)
class Delivery:
    """Who may plan and apply: the GitHub repository whose OIDC tokens the CI roles trust, whether
    the account's GitHub OIDC provider is adopted or created, the break-glass role (named, never
    created), where merge plans wait for approval, and one target per environment."""

    repository: str
    adopt_oidc_provider: bool
    break_glass_role_name: str
    plans_bucket: str
    targets: tuple[DeliveryTarget, ...]
    #: The GitHub Environment of the nightly drift job (the plan roles trust its token); None: none.
    drift_environment: str | None = None


@dataclass(frozen=True)
class BootstrapConfig:
    """What luneo-bootstrap creates: every distinct backend the environments use, and the delivery
    identities (None in a test that builds the backend alone)."""

    source: str
    adopt_existing: bool
    noncurrent_version_expiration_days: int
    replica_region: str
    backends: tuple[BackendLocation, ...]
    delivery: Delivery | None = None
    #: The environments whose images replicate to their secondary region (None: all of them).
    image_replication: tuple[str, ...] | None = None

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
        delivery=Delivery(
            repository=values["github_repository"],
            adopt_oidc_provider=values["github_oidc_provider"] == "adopt",
            break_glass_role_name=values["break_glass_role_name"],
            plans_bucket=values["plans_bucket"],
            targets=_targets(environments, values, where),
            drift_environment=values["drift_environment"] or None,
        ),
        image_replication=_image_replication(environments, values, where),
    )


@cross_check("`image_replication` (bootstrap.tfvars) names only environments that exist.")
def _image_replication(
    environments: list[EnvironmentConfig], values: Mapping[str, Any], where: Where
) -> tuple[str, ...] | None:
    chosen = values["image_replication"]
    known = sorted(e.environment for e in environments)
    unknown = [name for name in chosen or () if name not in known]
    if unknown:
        raise ConfigError(
            f"{where('image_replication')}: image_replication: expected environments among {known}, got {unknown[0]!r}"
        )
    return None if chosen is None else tuple(chosen)


@cross_check(
    "No two environments share a branch in `deploy_branches` or a GitHub Environment in `github_environments` "
    "(bootstrap.tfvars); an environment named in neither gets no delivery roles (a warning)."
)
def _targets(environments: list[EnvironmentConfig], values: dict, where: Where) -> tuple[DeliveryTarget, ...]:
    for variable in ("deploy_branches", "github_environments"):
        given = values[variable]
        if len(set(given.values())) != len(given):
            raise ConfigError(
                f"{where(variable)}: {variable}: expected a different value for each environment, got {given}"
            )
    return tuple(
        DeliveryTarget(
            environment=env.environment,
            stack_name=env.stack_name,
            branch=values["deploy_branches"][env.environment],
            github_environment=values["github_environments"][env.environment],
            state_bucket=env.state.bucket,
            state_key=env.state.key,
            state_region=env.state.region,
            lock_table=env.state.lock_table,
        )
        for env in sorted(environments, key=lambda e: e.environment)
        if env.environment in values["deploy_branches"] and env.environment in values["github_environments"]
    )


def undelivered(bootstrap: BootstrapConfig, environments: list[EnvironmentConfig]) -> list[str]:
    """The environments luneo-bootstrap gives no delivery roles (no branch or GitHub Environment)."""
    delivered = {t.stack_name for t in bootstrap.delivery.targets} if bootstrap.delivery else set()
    return [env.stack_name for env in environments if env.stack_name not in delivered]


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


def state_key_alias(bucket: str) -> str:
    """The alias of the state bucket's KMS key (luneo-bootstrap names the key after its bucket), the
    same in the bucket's region and in its copy's."""
    return f"alias/{bucket}"
