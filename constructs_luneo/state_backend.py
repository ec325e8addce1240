"""The Terraform state backend as code: the S3 state bucket and the DynamoDB lock table, each with
a copy in a second region so that Terraform keeps working when the first is lost.

Replaces the one-time CLI commands (`aws s3 mb`, `put-bucket-versioning`, `put-bucket-encryption`,
`aws dynamodb create-table`). With `adopt_existing=True` the bucket and table carry Terraform
`import` blocks, so the first apply adopts what exists instead of failing or recreating it; their
copies are new. docs/DISASTER_RECOVERY.md says how a stack is pointed at the copies during an outage
(`make failover-backend`) and back.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute, DynamodbTableReplica
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from constructs import Construct

from .config.variables import default
from .s3 import CrossRegionReplication, PrivateBucket, deny_unencrypted_writes, only_break_glass
from .support.common import construct_label, lifecycle, require
from .support.patterns import BUCKET


class StateBackend(Construct):
    """The state bucket (versioned, encrypted, private, TLS only, old versions expiring late) and
    the lock table (LockID hash key, on-demand, point-in-time recovery, encrypted); with a replica
    region, the bucket replicates (with Replication Time Control) to a copy there and the table is a
    DynamoDB global table with a replica there.

    Arguments:
      bucket_name, table_name (required).
      kms_key_arn: key for the bucket's SSE-KMS and the table's encryption (required).
      adopt_existing: add `import` blocks so an existing bucket and table are adopted (default True).
      noncurrent_version_expiration_days: how long old state versions are kept.
      replica_provider, replica_region, replica_kms_key_arn, replica_bucket_name: the copies' region,
        its key (KMS keys are regional) and the replica bucket's name (default None: no copies).
      break_glass_role_arn: with it, both buckets refuse unencrypted writes, and every principal but
        this role is refused deleting state versions or changing versioning, lifecycle, policy,
        replication or encryption (default None: TLS only).
      prevent_destroy: default True: losing the state bucket loses every environment's state.
      tags, provider.

    Attributes: bucket_arn, table_arn, replica_bucket_arn, bucket, table, state_bucket, replica.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        table_name: str,
        kms_key_arn: str,
        adopt_existing: bool = True,
        noncurrent_version_expiration_days: int = default("state_noncurrent_version_expiration_days"),
        replica_provider: TerraformProvider | None = None,
        replica_region: str | None = None,
        replica_kms_key_arn: str | None = None,
        replica_bucket_name: str | None = None,
        break_glass_role_arn: str | None = None,
        prevent_destroy: bool = True,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        _check(
            construct_label(StateBackend, scope, id),
            bucket_name,
            table_name,
            noncurrent_version_expiration_days,
            (replica_provider, replica_region, replica_kms_key_arn, replica_bucket_name),
        )
        super().__init__(scope, id)
        tags = dict(tags or {})
        self._prevent_destroy, self._tags, self._break_glass = prevent_destroy, tags, break_glass_role_arn
        rules = _state_lifecycle_rules(noncurrent_version_expiration_days)

        self.state_bucket = self._state_bucket(bucket_name, kms_key_arn, rules, adopt_existing, provider)
        self.bucket = self.state_bucket.bucket
        self.replica: PrivateBucket | None = None
        if replica_bucket_name is not None and replica_kms_key_arn is not None:
            self.replica = self._replica_bucket(
                replica_bucket_name, kms_key_arn, replica_kms_key_arn, rules, replica_provider
            )

        self.table = self._lock_table(table_name, kms_key_arn, replica_region, replica_kms_key_arn, provider)
        if adopt_existing:
            self.table.import_from(table_name, provider)
        self.bucket_arn: str = self.bucket.arn
        self.table_arn: str = self.table.arn
        self.replica_bucket_arn: str | None = self.replica.arn if self.replica else None

    def _state_bucket(
        self,
        name: str,
        kms_key_arn: str,
        rules: list[S3BucketLifecycleConfigurationRule],
        adopt_existing: bool,
        provider: TerraformProvider | None,
    ) -> PrivateBucket:
        """The state bucket, adopted (bucket, versioning, encryption) when it exists, with its
        lifecycle rules and its TLS-only policy."""
        bucket = PrivateBucket(
            self,
            "",
            name=name,
            kms_key_id=kms_key_arn,
            tags=self._tags,
            prevent_destroy=self._prevent_destroy,
            provider=provider,
        )
        for part in (bucket.bucket, bucket.versioning, bucket.encryption):
            if adopt_existing:
                part.import_from(name, provider)
        bucket.add_lifecycle_rules(rules)
        bucket.attach_policy(self._protection(bucket))
        return bucket

    def _protection(self, bucket: PrivateBucket) -> list[dict[str, Any]]:
        """With a break-glass role: state writes only with SSE-KMS, and the bucket's protection
        (versions, versioning, lifecycle, policy, replication, encryption) changed by that role alone."""
        if self._break_glass is None:
            return []
        return [deny_unencrypted_writes(bucket.bucket), only_break_glass(bucket.bucket, self._break_glass)]

    def _replica_bucket(
        self,
        name: str,
        kms_key_arn: str,
        replica_kms_key_arn: str,
        rules: list[S3BucketLifecycleConfigurationRule],
        replica_provider: TerraformProvider | None,
    ) -> PrivateBucket:
        """The state bucket's copy in the replica region (always new), and the replication to it."""
        replica = PrivateBucket(
            self,
            "replica-",
            name=name,
            kms_key_id=replica_kms_key_arn,
            tags=self._tags,
            prevent_destroy=self._prevent_destroy,
            provider=replica_provider,
        )
        replica.add_lifecycle_rules(rules, after_versioning=True)
        replica.attach_policy(self._protection(replica))
        CrossRegionReplication(
            self,
            source=self.state_bucket,
            replica=replica,
            source_kms_key_id=kms_key_arn,
            replica_kms_key_id=replica_kms_key_arn,
            tags=self._tags,
        )
        return replica

    def _lock_table(
        self,
        name: str,
        kms_key_arn: str,
        replica_region: str | None,
        replica_kms_key_arn: str | None,
        provider: TerraformProvider | None,
    ) -> DynamodbTable:
        """LockID-keyed, on-demand, PITR, KMS; a global table with a replica in the replica region (a
        global table is on-demand with its stream on: rule LUNEO-AWS-11)."""
        replica: dict[str, Any] = {}
        if replica_region is not None:
            replica = dict(
                stream_enabled=True,
                stream_view_type="NEW_AND_OLD_IMAGES",
                replica=[
                    DynamodbTableReplica(
                        region_name=replica_region, kms_key_arn=replica_kms_key_arn, point_in_time_recovery=True
                    )
                ],
            )
        return DynamodbTable(
            self,
            "lock-table",
            name=name,
            billing_mode="PAY_PER_REQUEST",
            hash_key="LockID",
            attribute=[DynamodbTableAttribute(name="LockID", type="S")],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": kms_key_arn},
            deletion_protection_enabled=True,
            tags=self._tags or None,
            lifecycle=lifecycle(self._prevent_destroy),
            provider=provider,
            **replica,
        )


def _state_lifecycle_rules(noncurrent_days: int) -> list[S3BucketLifecycleConfigurationRule]:
    everything = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
    return [
        S3BucketLifecycleConfigurationRule(
            id="expire-old-state-versions",
            status="Enabled",
            filter=everything,
            noncurrent_version_expiration=[
                S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=noncurrent_days)
            ],
        ),
        S3BucketLifecycleConfigurationRule(
            id="abort-incomplete-uploads",
            status="Enabled",
            filter=everything,
            abort_incomplete_multipart_upload=[
                S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
            ],
        ),
    ]


def _check(
    who: str,
    bucket_name: str,
    table_name: str,
    noncurrent_version_expiration_days: int,
    replicated: tuple[TerraformProvider | None, str | None, str | None, str | None],
) -> None:
    require(
        isinstance(bucket_name, str) and bool(BUCKET.match(bucket_name)),
        who,
        "bucket_name",
        "an S3 bucket name",
        bucket_name,
    )
    require(
        isinstance(table_name, str) and bool(re.match(r"^[A-Za-z0-9_.-]{3,255}$", table_name)),
        who,
        "table_name",
        "a DynamoDB table name",
        table_name,
    )
    require(
        isinstance(noncurrent_version_expiration_days, int) and noncurrent_version_expiration_days >= 30,
        who,
        "noncurrent_version_expiration_days",
        "at least 30 days (restores need old versions)",
        noncurrent_version_expiration_days,
    )
    require(
        all(r is None for r in replicated) or all(r is not None for r in replicated),
        who,
        "replica_bucket_name",
        "replica_provider, replica_region, replica_kms_key_arn and replica_bucket_name together",
        replicated[3],
    )
