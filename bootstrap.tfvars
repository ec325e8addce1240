# luneo-bootstrap: the Terraform state bucket and lock table themselves (docs/OPERATIONS.md, "The backend as code").
# The bucket, table and region come from environments/*.tfvars (state_bucket, state_lock_table, state_region).

# The bucket and table exist today (created by the one-time CLI commands): adopt them with import blocks.
# Set to false only for a brand-new account where neither exists.
adopt_existing = true

# Old state versions are kept this long: restoring a state version needs them.
state_noncurrent_version_expiration_days = 365

# Who may deliver (docs/SECURITY.md): the repository whose GitHub Actions OIDC tokens the CI roles
# trust, the branch whose pushes apply each environment and the GitHub Environment of its apply job.
github_repository   = "luneo/luneo-infra"
github_oidc_provider = "adopt"   # the account has the GitHub OIDC provider today: adopt it
deploy_branches     = { prod = "main", staging = "staging" }
github_environments = { prod = "production", staging = "staging" }
break_glass_role_name = "luneo-break-glass"
