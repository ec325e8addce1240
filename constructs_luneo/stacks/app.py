"""The App: every environment's stack and luneo-bootstrap, with the policy rules and the reviewed
migrations applied."""

from __future__ import annotations

from typing import Mapping

from cdktf import App

from ..config import BootstrapConfig, ConfigError, EnvironmentConfig, Migration
from ..config.policies import DeliveryPolicies
from ..rules.policy import add_policy
from .base import LuneoStack
from .bootstrap import BootstrapStack
from .environment import LuneoEnvironmentStack


def apply_migration(stack: LuneoStack, migration: Migration) -> None:
    """Reviewed `moved` blocks (legacy address -> ours) and `removed` blocks with destroy = false
    (legacy resources Terraform forgets rather than destroys)."""
    ours = {f"{t}.{n}" for t, items in stack.to_terraform().get("resource", {}).items() for n in items}
    for source, target in migration.moved:
        if target not in ours:
            raise ConfigError(
                f"{migration.source}: moved to {target}: expected an address of {stack.node.id} "
                "(re-run `make migrate-plan`)"
            )
    if migration.moved:
        stack.moved(list(migration.moved))
    if migration.removed:
        stack.forget(list(migration.removed))


def build_app(
    configs: list[EnvironmentConfig],
    outdir: str,
    bootstrap: BootstrapConfig | None = None,
    migrations: dict[str, Migration] | None = None,
    policies: Mapping[str, DeliveryPolicies] | None = None,
) -> App:
    """One App holding every environment's stack, and luneo-bootstrap when given (the provider
    import is paid once). `migrations`: stack name -> reviewed moved/removed blocks; `policies`:
    stack name -> its delivery roles' documents (iam/, for luneo-bootstrap)."""
    app = App(outdir=outdir)
    for config in configs:
        stack = LuneoEnvironmentStack(app, config)
        if migrations and config.stack_name in migrations:
            apply_migration(stack, migrations[config.stack_name])
        add_policy(stack)
    if bootstrap is not None:
        add_policy(BootstrapStack(app, bootstrap, configs, policies))
    return app
