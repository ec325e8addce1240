"""What `bootstrap.tfvars` may contain (luneo-bootstrap: the state backend and who may deliver to
the environments), the single source of each variable's type, default and check; the docs and
terraform.tfvars.example are generated from it (`make docs`)."""

from __future__ import annotations

import re

from .checks import int_range, one_of, pattern
from .checks import region as _region
from .tfvars import REQUIRED, Variable
from .variables import _v

#: `owner/name` as GitHub spells a repository (the `repo:` part of an Actions OIDC token's subject).
REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
#: An IAM role name (without a path).
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")


def _branches(value: dict[str, str]) -> str | None:
    bad = [f"{k} = {v!r}" for k, v in value.items() if not re.fullmatch(r"[A-Za-z0-9._/-]{1,255}", v) or ".." in v]
    return f"git branch names (got {bad[0]})" if bad else None


BOOTSTRAP_VARIABLES: tuple[Variable, ...] = _v(
    "luneo-bootstrap (bootstrap.tfvars)",
    Variable(
        "adopt_existing",
        "bool",
        True,
        "true: the bucket and table exist (as today) and are adopted with import blocks; false: create them",
    ),
    Variable(
        "state_noncurrent_version_expiration_days",
        "int",
        365,
        "old state versions are kept this long (restores need them)",
        int_range(30, 3650),
    ),
    Variable(
        "state_replica_region",
        "string",
        "us-east-1",
        "region of the state bucket's replica and the lock table's replica (Terraform keeps working there when "
        "the state region is lost)",
        _region('an AWS region such as "us-east-1"'),
    ),
    Variable(
        "github_repository",
        "string",
        REQUIRED,
        "the GitHub repository (owner/name) whose workflows may assume the CI roles; the OIDC subject of every "
        "trust policy starts with repo:<it>:",
        pattern(REPOSITORY, 'a GitHub repository "owner/name"'),
        example="luneo/luneo-infra",
    ),
    Variable(
        "github_oidc_provider",
        "string",
        "adopt",
        '"adopt": the account\'s GitHub Actions OIDC provider exists and is adopted with an import block; '
        '"create": luneo-bootstrap creates it',
        one_of("adopt", "create"),
    ),
    Variable(
        "deploy_branches",
        "map(string)",
        {"prod": "main", "staging": "staging"},
        "environment -> the branch whose pushes apply it (its plan role trusts that branch's pushes)",
        _branches,
    ),
    Variable(
        "github_environments",
        "map(string)",
        {"prod": "production", "staging": "staging"},
        "environment -> the GitHub Environment its apply job runs in (its apply role trusts only that "
        "environment; give production required reviewers there)",
        _branches,
    ),
    Variable(
        "break_glass_role_name",
        "string",
        "luneo-break-glass",
        "the administrator role for outages and for applying luneo-bootstrap (named, not created): the only "
        "principal that may delete state versions or change the state bucket's versioning, lifecycle or policy",
        pattern(ROLE_NAME, "an IAM role name"),
    ),
    Variable(
        "drift_environment",
        "string",
        "drift",
        "the GitHub Environment the nightly drift job runs in (.github/workflows/drift.yml): each plan role "
        'trusts its token too (read-only); "" for no drift job. Restrict its deployment branches to main',
        pattern(re.compile(r"^([A-Za-z0-9._-]{1,255})?$"), 'a GitHub Environment name, or ""'),
    ),
    Variable(
        "image_replication",
        "list(string)",
        None,
        "the environments whose images the registry replicates to their secondary region (default: all). "
        "An environment joins once its stack has created its secondary repositories (a plan checks)",
        example=["prod", "staging"],
    ),
    Variable(
        "plans_bucket",
        "string",
        "luneo-terraform-plans",
        "where a merge's saved plan waits for its approval, readable only by that environment's apply role",
    ),
)
