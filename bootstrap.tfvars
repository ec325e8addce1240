# luneo-bootstrap: the Terraform state bucket and lock table themselves (docs/OPERATIONS.md, "The backend as code").
# The bucket, table and region come from environments/*.tfvars (state_bucket, state_lock_table, state_region).

# The bucket and table exist today (created by the one-time CLI commands): adopt them with import blocks.
# Set to false only for a brand-new account where neither exists.
adopt_existing = true

# Old state versions are kept this long: restoring a state version needs them.
state_noncurrent_version_expiration_days = 365
