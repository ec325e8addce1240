"""The operations toolkit: everything that reads what constructs_luneo synthesized (and the state)
rather than building it. One entry point, `python -m luneo_ops <command>` (the Makefile's targets
call it; `--help` lists the commands).

- paths.py: the repository's root and folders, and the one loader of synthesized stacks;
- terraform/: the Terraform CLI (offline provider mirrors), validation, saved plans;
- cost/: prices, usage, a pricer per billable type, the report (`make cost`);
- review/: the offline diff of two revisions and the pull-request comment (`make diff`);
- local_aws/: moto's server, what it emulates and not, IAM enforcement, the region cut, and the
  session `make local` and the DR drill share;
- dr/: the failover commands and the drill (`make failover-*`, `make dr-drill`);
- iam/: the Terraform role's generated policies (`make iam-policy`);
- migrate.py, checkov.py, docs.py, digests.py, addresses.py, bench.py: one job each;
- commands/: thin commands (parse arguments, call the library, print); the library prints nothing.

Importing this package is cheap (standard library only): `python3 -m luneo_ops plan-comment` runs
on a bare CI runner.
"""
