"""Terraform for synthesized stacks: the CLI (cli.py: binary, offline provider mirrors, runs),
validation (validate.py) and saved plans (plan.py)."""
