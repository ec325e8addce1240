"""The Terraform execution role's IAM policies, generated from the synthesized stacks: the actions
each resource type needs (actions.py) and the policy documents (policy.py)."""
