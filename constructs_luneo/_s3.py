"""The private-bucket core shared by the assets buckets and the Terraform state bucket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from constructs import Construct

from ._common import lifecycle


@dataclass(frozen=True)
class PrivateBucket:
    bucket: S3Bucket
    versioning: S3BucketVersioningA
    encryption: S3BucketServerSideEncryptionConfigurationA


def private_bucket(scope: Construct, prefix: str, name: str, kms_key_id: str, tags: Mapping[str, str] | None,
                   prevent_destroy: bool, provider: TerraformProvider | None) -> PrivateBucket:
    """A versioned bucket, SSE-KMS with a bucket key, all public access blocked, owner-enforced.
    Construct ids are `<prefix>bucket`, `<prefix>public-access-block`, `<prefix>ownership`,
    `<prefix>versioning`, `<prefix>encryption` (they are part of the Terraform addresses)."""
    bucket = S3Bucket(scope, f"{prefix}bucket", bucket=name, force_destroy=False, tags=dict(tags or {}) or None,
                      lifecycle=lifecycle(prevent_destroy), provider=provider)
    S3BucketPublicAccessBlock(scope, f"{prefix}public-access-block", bucket=bucket.id, block_public_acls=True,
                              block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
                              provider=provider)
    S3BucketOwnershipControls(scope, f"{prefix}ownership", bucket=bucket.id,
                              rule={"object_ownership": "BucketOwnerEnforced"}, provider=provider)
    versioning = S3BucketVersioningA(scope, f"{prefix}versioning", bucket=bucket.id,
                                     versioning_configuration={"status": "Enabled"}, provider=provider)
    encryption = S3BucketServerSideEncryptionConfigurationA(
        scope, f"{prefix}encryption", bucket=bucket.id, provider=provider,
        rule=[S3BucketServerSideEncryptionConfigurationRuleA(
            apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=kms_key_id),
            bucket_key_enabled=True)])
    return PrivateBucket(bucket, versioning, encryption)


def deny_insecure_transport(bucket: S3Bucket) -> dict:
    """The bucket-policy statement refusing every request that is not TLS."""
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [bucket.arn, f"{bucket.arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
