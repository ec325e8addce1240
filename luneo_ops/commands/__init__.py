"""The commands of `python -m luneo_ops`: each parses its arguments, calls the library and prints.

Each module holds the commands of one concern; COMMANDS maps a command's name to its module, its
function and its one-line help (what `--help` lists). A command returns its exit code.
"""

from __future__ import annotations

#: name -> (module under luneo_ops.commands, function, help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "build",
        "validate",
        "terraform init + validate every synthesized stack; the summary table (make synth)",
    ),
    "docs": ("build", "docs", "write the generated docs; --check: exit 1 when one is stale (make docs)"),
    "digests": ("build", "digests", "SHA-256 of every synthesized stack, against BASE if given (make digests)"),
    "pin-addresses": ("build", "pin_addresses", "rewrite tests/addresses/ from a fresh synth (make pin-addresses)"),
    "bench": ("build", "bench", "a synth's cost, provider loaded eagerly and lazily (make bench)"),
    "provider-lock": ("build", "provider_lock", "rewrite .terraform.lock.hcl for PLATFORMS (make provider-lock)"),
    "cost": ("cost", "cost", "monthly cost of the synthesized stacks (make cost)"),
    "diff": ("review", "diff", "offline diff of every stack against a git revision (make diff)"),
    "plan-comment": ("review", "plan_comment", "the pull-request comment of one stack (the plan workflow)"),
    "plan-summary": ("review", "plan_summary", "a saved plan's addresses grouped by action (the apply workflow)"),
    "plan-guard": ("review", "plan_guard", "refuse a plan that destroys or replaces a stateful resource unallowed"),
    "delivery": ("delivery", "delivery", "one environment's roles, branch, GitHub Environment (the workflows)"),
    "local": ("local", "local", "bootstrap and an environment applied on a local AWS, planned again (make local)"),
    "dr-drill": ("dr", "dr_drill", "the loss of eu-west-1 rehearsed on the local AWS (make dr-drill)"),
    "failover": ("dr", "failover", "backend|back|targets|check STACK: the failover commands (make failover-*)"),
    "iam-policy": ("iam", "iam_policy", "write the Terraform role's policies to iam/; --check (make iam-policy)"),
    "migrate-plan": ("migrate", "migrate_plan", "moved/removed blocks from an existing HCL state (make migrate-plan)"),
    "drift": ("drift", "drift", "what changed in AWS outside Terraform, with the plan role (make drift STACK=...)"),
    "restore-plan": ("restore", "restore_plan", "what the database restore in the tfvars will do (make restore-plan)"),
    "zone-ids": ("migrate", "zone_ids", "the zone IDs a running network's subnets are in, as tfvars (make zone-ids)"),
    "checkov": ("checkov", "checkov", "checkov's AWS checks on every synthesized stack (make checkov)"),
}
