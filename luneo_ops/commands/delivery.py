"""`python -m luneo_ops delivery (--stack NAME | --branch NAME)`: one environment's delivery settings
from bootstrap.tfvars, as `key=value` lines for a workflow's $GITHUB_OUTPUT: the stack, its
environment, branch and GitHub Environment, its plan and apply roles (under /luneo-ci/), the plans
bucket and the state's region. The workflows take them from here, so they follow bootstrap.tfvars."""

from __future__ import annotations

import argparse
import sys

from ..paths import BOOTSTRAP_TFVARS, ENVIRONMENTS


def delivery(argv: list[str]) -> int:
    from constructs_luneo.config import load_bootstrap, load_environments

    from ..iam.policy import ci_role_name

    parser = argparse.ArgumentParser(prog="python -m luneo_ops delivery")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack")
    which.add_argument("--branch")
    args = parser.parse_args(argv)
    bootstrap = load_bootstrap(BOOTSTRAP_TFVARS, load_environments(ENVIRONMENTS))
    assert bootstrap.delivery is not None
    targets = [
        t for t in bootstrap.delivery.targets if args.stack in (None, t.stack_name) and args.branch in (None, t.branch)
    ]
    if len(targets) != 1:
        print(
            f"error: no environment is delivered from {args.stack or args.branch!r} (bootstrap.tfvars: "
            "deploy_branches)",
            file=sys.stderr,
        )
        return 2
    target = targets[0]
    for key, value in (
        ("stack", target.stack_name),
        ("environment", target.environment),
        ("branch", target.branch),
        ("github_environment", target.github_environment),
        ("plan_role", ci_role_name(target.environment, "plan")),
        ("apply_role", ci_role_name(target.environment, "apply")),
        ("plans_bucket", bootstrap.delivery.plans_bucket),
        ("region", target.state_region),
    ):
        print(f"{key}={value}")
    return 0
