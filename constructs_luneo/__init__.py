"""Luneo platform infrastructure as cdktf constructs.

One module per HCL module it replaces (`kms`, `storage`, `rds`, `redis`, `ecr`) plus the
platform pieces, `config` (environment files) and `stacks` (one stack per environment).
Importing this package is cheap; the AWS provider bindings load only with the construct modules.
"""
