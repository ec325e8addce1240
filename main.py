#!/usr/bin/env python
"""Synthesize every environment's stack (`environments/<env>.tfvars` -> `cdktf.out/stacks/luneo-<env>`).

Run through `cdktf synth` (see cdktf.json) or directly. Configuration is validated before anything
is built; on any error one line is printed, the exit code is 2, and the previous output directory
is left exactly as it was: stacks are synthesized into a temporary directory and only copied over
the output directory once every stack has synthesized.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from constructs_luneo.config import (
    BootstrapConfig,
    EnvironmentConfig,
    load_bootstrap,
    load_environments,
    load_migration,
)
from constructs_luneo.config.bootstrap import undelivered
from constructs_luneo.config.policies import DeliveryPolicies, load_delivery_policies
from constructs_luneo.support.errors import LuneoError
from constructs_luneo.support.runtime import keep_policy_errors_for_the_report, lazy_provider, quiet_jsii
from luneo_ops.paths import BOOTSTRAP_TFVARS, ENVIRONMENTS, IAM, MIGRATIONS, OUTDIR, PROVIDER_LOCK


def publish(staging: Path, outdir: Path) -> None:
    """Copy the synthesized files over `outdir`, keeping each stack's `.terraform` working directory
    and local state. A stack no longer synthesized is removed, unless it holds a local state (the
    only record of what it created: docs/OPERATIONS.md), which is kept and named on stderr."""
    outdir.mkdir(parents=True, exist_ok=True)
    new_stacks = {p.name for p in (staging / "stacks").iterdir()} if (staging / "stacks").is_dir() else set()
    old_stacks = outdir / "stacks"
    if old_stacks.is_dir():
        for stale in old_stacks.iterdir():
            if stale.is_dir() and stale.name not in new_stacks:
                if (stale / "terraform.tfstate").exists():
                    print(
                        f"warning: {_relative(stale / 'terraform.tfstate')}: kept, the local state of a stack "
                        "no longer synthesized; move it somewhere safe before deleting it",
                        file=sys.stderr,
                    )
                else:
                    shutil.rmtree(stale)
    for source in sorted(staging.rglob("*")):
        target = outdir / source.relative_to(staging)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        else:
            os.replace(source, target)
    lock = Path(os.environ.get("LUNEO_PROVIDER_LOCK", PROVIDER_LOCK))
    for stack in new_stacks:  # the committed provider lock file: every init verifies the provider against it
        if lock.exists():
            shutil.copyfile(lock, outdir / "stacks" / stack / ".terraform.lock.hcl")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _delivery_policies(bootstrap: BootstrapConfig, configs: list[EnvironmentConfig]) -> dict[str, DeliveryPolicies]:
    """The delivery roles' documents (iam/<stack>/); a warning for each environment without roles."""
    iam = Path(os.environ.get("LUNEO_IAM_DIR", IAM))
    policies, missing = load_delivery_policies(iam, [c.stack_name for c in configs])
    for name in undelivered(bootstrap, configs):
        print(
            f"warning: luneo-bootstrap: no delivery roles for {name}: deploy_branches and github_environments "
            f"(bootstrap.tfvars) do not name it",
            file=sys.stderr,
        )
    for name in missing:
        if name not in undelivered(bootstrap, configs):
            print(
                f"warning: luneo-bootstrap: no delivery roles for {name}: {_relative(iam / name)} has no policies: "
                "run `make iam-policy`",
                file=sys.stderr,
            )
    return policies


def main() -> int:
    environments = Path(os.environ.get("LUNEO_ENVIRONMENTS_DIR", ENVIRONMENTS))
    outdir = Path(os.environ.get("CDKTF_OUTDIR", OUTDIR)).resolve()
    try:
        existing = next(p for p in (outdir, *outdir.parents) if p.exists())
        if not existing.is_dir():
            raise LuneoError(
                f"CDKTF_OUTDIR: expected a directory (or a path where one can be made), got {_relative(outdir)} "
                f"({_relative(existing)} is a file)"
            )
        configs = load_environments(environments, base=Path.cwd())
        bootstrap_file = Path(os.environ.get("LUNEO_BOOTSTRAP_FILE", BOOTSTRAP_TFVARS))
        bootstrap = load_bootstrap(bootstrap_file, configs, label=_relative(bootstrap_file))
        migrations_dir = Path(os.environ.get("LUNEO_MIGRATIONS_DIR", MIGRATIONS))
        migrations = {
            c.stack_name: load_migration(
                migrations_dir / f"{c.stack_name}.json", label=_relative(migrations_dir / f"{c.stack_name}.json")
            )
            for c in configs
            if (migrations_dir / f"{c.stack_name}.json").exists()
        }
        policies = _delivery_policies(bootstrap, configs)
        quiet_jsii()
        keep_policy_errors_for_the_report()
        lazy_provider()  # before the first cdktf import (docs/PERFORMANCE.md)
        from constructs_luneo.rules.policy import findings_in_manifest
        from constructs_luneo.stacks import build_app

        outdir.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".synth-", dir=outdir.parent) as staging:
            build_app(configs, outdir=staging, bootstrap=bootstrap, migrations=migrations, policies=policies).synth()
            findings = findings_in_manifest(staging)
            for level, line in findings:
                if level == "warning":
                    print(f"warning: {line}", file=sys.stderr)
            violations = [line for level, line in findings if level == "error"]
            if violations:
                for violation in violations:
                    print(f"error: {violation}", file=sys.stderr)
                print(f"error: {len(violations)} policy violation(s); {outdir} left as it was", file=sys.stderr)
                return 2
            publish(Path(staging), outdir)
    except LuneoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
