"""The Terraform state backend as code: the S3 state bucket and the DynamoDB lock table.

Replaces the one-time CLI commands (`aws s3 mb`, `put-bucket-versioning`, `put-bucket-encryption`,
`aws dynamodb create-table`). With `adopt_existing=True` both carry Terraform `import` blocks, so
the first apply adopts what exists instead of failing or recreating it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from constructs import Construct

from ._common import construct_label, lifecycle, require
from .s3 import PrivateBucket
from .patterns import BUCKET



class StateBackend(Construct):
    """The state bucket (versioned, encrypted, private, TLS only, old versions expiring late) and
    the lock table (LockID hash key, on-demand, point-in-time recovery, encrypted).

    Arguments:
      bucket_name, table_name (required).
      kms_key_arn: key for the bucket's SSE-KMS and the table's encryption (required).
      adopt_existing: add `import` blocks so an existing bucket and table are adopted (default True).
      noncurrent_version_expiration_days: how long old state versions are kept (default 365).
      prevent_destroy: default True: losing the state bucket loses every environment's state.
      tags, provider.

    Attributes: bucket_arn, table_arn, bucket, table.
    """

    def __init__(self, scope: Construct, id: str, *, bucket_name: str, table_name: str, kms_key_arn: str,
                 adopt_existing: bool = True, noncurrent_version_expiration_days: int = 365,
                 prevent_destroy: bool = True, tags: Mapping[str, str] | None = None,
                 provider: TerraformProvider | None = None) -> None:
        who = construct_label(StateBackend, scope, id)
        require(isinstance(bucket_name, str) and bool(BUCKET.match(bucket_name)), who, "bucket_name",
                "an S3 bucket name", bucket_name)
        require(isinstance(table_name, str) and bool(re.match(r"^[A-Za-z0-9_.-]{3,255}$", table_name)), who,
                "table_name", "a DynamoDB table name", table_name)
        require(isinstance(noncurrent_version_expiration_days, int) and noncurrent_version_expiration_days >= 30,
                who, "noncurrent_version_expiration_days", "at least 30 days (restores need old versions)",
                noncurrent_version_expiration_days)
        super().__init__(scope, id)
        tags = dict(tags or {})

        def adopt(resource: Any, import_id: str) -> Any:
            if adopt_existing:
                resource.import_from(import_id, provider)
            return resource

        self.state_bucket = PrivateBucket(self, "", name=bucket_name, kms_key_id=kms_key_arn, tags=tags,
                                          prevent_destroy=prevent_destroy, provider=provider)
        self.bucket = adopt(self.state_bucket.bucket, bucket_name)
        adopt(self.state_bucket.versioning, bucket_name)
        adopt(self.state_bucket.encryption, bucket_name)
        everything = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
        self.state_bucket.add_lifecycle_rules([
            S3BucketLifecycleConfigurationRule(
                id="expire-old-state-versions", status="Enabled", filter=everything,
                noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=noncurrent_version_expiration_days)]),
            S3BucketLifecycleConfigurationRule(
                id="abort-incomplete-uploads", status="Enabled", filter=everything,
                abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                    days_after_initiation=7)]),
        ])
        self.state_bucket.attach_policy()

        self.table = adopt(DynamodbTable(
            self, "lock-table", name=table_name, billing_mode="PAY_PER_REQUEST", hash_key="LockID",
            attribute=[DynamodbTableAttribute(name="LockID", type="S")],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": kms_key_arn},
            deletion_protection_enabled=True, tags=tags or None, lifecycle=lifecycle(prevent_destroy),
            provider=provider), table_name)
        self.bucket_arn: str = self.bucket.arn
        self.table_arn: str = self.table.arn
