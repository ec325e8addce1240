"""S3 + CloudFront for static assets (replaces `modules/storage`).

HCL it replaces::

    module "assets" {
      source      = "../../modules/storage"
      bucket_name = "luneo-prod-assets"
      kms_key_id  = module.kms_secrets.key_id
      tags        = { Environment = "prod" }
    }

Python::

    assets = AssetStorage(stack, "assets", bucket_name="luneo-prod-assets", kms_key_id=s3_key.key_arn,
                          tags={"Environment": "prod"})
    assets.bucket_name, assets.bucket_arn, assets.distribution_id, assets.distribution_domain_name
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudfront_distribution import CloudfrontDistribution
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from constructs import Construct

from .cdn import (
    STATIC_ASSETS_CSP,
    check_cdn,
    cloudfront_distribution,
    s3_origin_access_control,
    s3_origins,
    security_headers_policy,
    standard_logging,
)
from .config.sections import Role
from .eks.workload import WorkloadIdentity
from .s3 import CrossRegionReplication, PrivateBucket
from .support.common import construct_label, require
from .support.errors import ConstructArgumentError
from .support.patterns import BUCKET

STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR")


class AssetStorage(Construct):
    """A private, versioned, KMS-encrypted bucket served only through CloudFront (Origin Access Control).

    Arguments (the HCL module's names first):
      bucket_name: globally unique bucket name (required).
      kms_key_id: KMS key (id or ARN) for SSE-KMS with an S3 bucket key (required; its policy must admit
        s3.amazonaws.com and cloudfront.amazonaws.com, as the stacks' `s3` key does).
      tags: extra tags.
      logging_bucket: bucket receiving S3 server access logs and CloudFront standard logs (default None:
        no access logging). CloudFront needs that bucket's ACLs enabled.
      logging_prefix: key prefix of those logs (default "<bucket_name>/").
      noncurrent_version_expiration_days: old object versions are deleted after (default 90).
      abort_incomplete_multipart_upload_days: default 7.
      transition_days, transition_storage_class: move current objects to a cheaper class after
        (default 30 days to "INTELLIGENT_TIERING"; transition_days=None turns it off).
      price_class: CloudFront price class (default "PriceClass_100": North America and Europe).
      aliases, acm_certificate_arn: custom domain names and their us-east-1 ACM certificate: TLS 1.2 or
        newer (TLSv1.2_2021, SNI). Without them the *.cloudfront.net certificate is used, with the
        TLSv1 floor AWS sets for it.
      web_acl_id: WAFv2 web ACL ARN for the distribution (default None).
      content_security_policy: the CSP header CloudFront adds (default STATIC_ASSETS_CSP).
      replica_kms_key_id, replica_provider: with these, a replica bucket in the provider's region
        (encrypted with that region's key) receives every version and delete marker through S3
        replication (CrossRegionReplication), and CloudFront fails over to it (origin group) when the
        primary answers 403/404/5xx. Default None: no replica.
      replica_bucket_name: default "<bucket_name>-replica". replication_time_minutes: 15 (RTC's only value).
      prevent_destroy: Terraform lifecycle guard on the buckets. provider: the AWS provider (region of
        the bucket; CloudFront is global).

    Attributes: bucket_name, bucket_arn, bucket_regional_domain_name, distribution_id,
    distribution_arn, distribution_domain_name, replica_bucket_name, replica_bucket_arn,
    primary (PrivateBucket), replica (PrivateBucket or None), replication (CrossRegionReplication or
    None), bucket, replica_bucket, distribution.
    Methods: grant_read(identity, region=), grant_read_write(identity, region=) (a WorkloadIdentity).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        kms_key_id: str,
        tags: Mapping[str, str] | None = None,
        logging_bucket: str | None = None,
        logging_prefix: str | None = None,
        noncurrent_version_expiration_days: int = 90,
        abort_incomplete_multipart_upload_days: int = 7,
        transition_days: int | None = 30,
        transition_storage_class: str = "INTELLIGENT_TIERING",
        price_class: str = "PriceClass_100",
        aliases: Sequence[str] = (),
        acm_certificate_arn: str | None = None,
        web_acl_id: str | None = None,
        content_security_policy: str = STATIC_ASSETS_CSP,
        replica_kms_key_id: str | None = None,
        replica_provider: TerraformProvider | None = None,
        replica_bucket_name: str | None = None,
        replication_time_minutes: int = 15,
        prevent_destroy: bool = False,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = construct_label(AssetStorage, scope, id)
        _check_buckets(
            who,
            bucket_name,
            kms_key_id,
            logging_bucket,
            replica_kms_key_id,
            replica_provider,
            replica_bucket_name,
            replication_time_minutes,
        )
        rules = _checked_lifecycle_rules(
            who,
            noncurrent_version_expiration_days,
            abort_incomplete_multipart_upload_days,
            transition_days,
            transition_storage_class,
        )
        cdn = _Cdn(price_class, aliases, acm_certificate_arn, web_acl_id, content_security_policy)
        check_cdn(who, price_class, aliases, acm_certificate_arn)
        super().__init__(scope, id)
        self._tags, self._rules, self._prevent_destroy = dict(tags or {}), rules, prevent_destroy
        prefix = logging_prefix if logging_prefix is not None else f"{bucket_name}/"
        self.primary = self._bucket("", bucket_name, kms_key_id, provider)
        self._access_logging(logging_bucket, prefix, provider)
        replica_name = replica_bucket_name or f"{bucket_name}-replica"
        self._replicate(replica_name, kms_key_id, replica_kms_key_id, replication_time_minutes, replica_provider)
        self.distribution = self._distribution(bucket_name, cdn, standard_logging(logging_bucket, prefix), provider)
        self._attach_policies()
        self._expose()

    def _bucket(
        self,
        prefix: str,
        name: str,
        kms_key_id: str,
        provider: TerraformProvider | None,
    ) -> PrivateBucket:
        """The primary (prefix "") or the replica ("replica-") bucket, with the lifecycle rules."""
        bucket = PrivateBucket(
            self,
            prefix,
            name=name,
            kms_key_id=kms_key_id,
            tags=self._tags,
            prevent_destroy=self._prevent_destroy,
            provider=provider,
        )
        bucket.add_lifecycle_rules(self._rules, after_versioning=True)
        return bucket

    def _access_logging(self, logging_bucket: str | None, prefix: str, provider: TerraformProvider | None) -> None:
        """S3 server access logs of the primary bucket, under `<prefix>s3/` (none without logging_bucket)."""
        if logging_bucket:
            S3BucketLoggingA(
                self,
                "access-logging",
                bucket=self.primary.bucket.id,
                target_bucket=logging_bucket,
                target_prefix=f"{prefix}s3/",
                provider=provider,
            )

    def _replicate(
        self,
        replica_bucket_name: str,
        kms_key_id: str,
        replica_kms_key_id: str | None,
        replication_time_minutes: int,
        replica_provider: TerraformProvider | None,
    ) -> None:
        """The replica bucket in the replica provider's region, and the replication into it (none
        without replica_kms_key_id)."""
        self.replica: PrivateBucket | None = None
        self.replication: CrossRegionReplication | None = None
        if replica_kms_key_id is None:
            return
        self.replica = self._bucket("replica-", replica_bucket_name, replica_kms_key_id, replica_provider)
        self.replication = CrossRegionReplication(
            self,
            source=self.primary,
            replica=self.replica,
            source_kms_key_id=kms_key_id,
            replica_kms_key_id=replica_kms_key_id,
            minutes=replication_time_minutes,
            tags=self._tags,
        )

    def _expose(self) -> None:
        self.bucket = self.primary.bucket
        self.replica_bucket = self.replica.bucket if self.replica else None
        self.bucket_name: str = self.bucket.bucket
        self.bucket_arn: str = self.bucket.arn
        self.bucket_regional_domain_name: str = self.bucket.bucket_regional_domain_name
        self.distribution_id: str = self.distribution.id
        self.distribution_arn: str = self.distribution.arn
        self.distribution_domain_name: str = self.distribution.domain_name
        self.replica_bucket_name: str | None = self.replica_bucket.bucket if self.replica_bucket else None
        self.replica_bucket_arn: str | None = self.replica_bucket.arn if self.replica_bucket else None

    def grant_read(self, identity: WorkloadIdentity, *, region: Role = "primary") -> IamRolePolicy:
        """Read the assets (the primary bucket, or its us-east-1 copy: a workload there reads the copy)."""
        return self._part(region).grant(identity, f"assets-{region}-read", write=False)

    def grant_read_write(self, identity: WorkloadIdentity, *, region: Role = "primary") -> IamRolePolicy:
        """Read and write the assets (objects only; a delete leaves the versions)."""
        return self._part(region).grant(identity, f"assets-{region}-read-write", write=True)

    def _part(self, region: Role) -> PrivateBucket:
        part = self.primary if region == "primary" else self.replica
        if part is None:
            raise ConstructArgumentError(f"{self.node.path}: no replica bucket to grant (replica_region is not set)")
        return part

    def _distribution(
        self, bucket_name: str, cdn: _Cdn, logging_config: dict[str, Any] | None, provider: TerraformProvider | None
    ) -> CloudfrontDistribution:
        """CloudFront (constructs_luneo/cdn.py) reading the bucket(s) through Origin Access Control,
        failing over to the replica when there is one."""
        self.origin_access_control = s3_origin_access_control(self, bucket_name, provider)
        self.response_headers_policy = security_headers_policy(self, bucket_name, cdn.content_security_policy, provider)
        return cloudfront_distribution(
            self,
            bucket_name,
            s3_origins(self.primary, self.replica, self.origin_access_control.id),
            response_headers_policy_id=self.response_headers_policy.id,
            price_class=cdn.price_class,
            aliases=cdn.aliases,
            acm_certificate_arn=cdn.acm_certificate_arn,
            web_acl_id=cdn.web_acl_id,
            tags=self._tags,
            provider=provider,
            logging_config=logging_config,
        )

    def _attach_policies(self) -> None:
        """Only this distribution may read, and only over TLS."""
        for part in (self.primary, self.replica):
            if part is not None:
                part.attach_policy([self._cloudfront_read(part)])

    def _cloudfront_read(self, part: PrivateBucket) -> dict[str, Any]:
        return {
            "Sid": "AllowCloudFrontRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{part.arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}},
        }


def _lifecycle_rules(
    abort_days: int, noncurrent_days: int, transition_days: int | None, transition_class: str
) -> list[S3BucketLifecycleConfigurationRule]:
    # Nested blocks are typed structs: jsii passes plain dicts inside lists through unconverted.
    everything = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
    rules = [
        S3BucketLifecycleConfigurationRule(
            id="abort-incomplete-uploads",
            status="Enabled",
            filter=everything,
            abort_incomplete_multipart_upload=[
                S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=abort_days)
            ],
        ),
        S3BucketLifecycleConfigurationRule(
            id="expire-old-versions",
            status="Enabled",
            filter=everything,
            noncurrent_version_expiration=[
                S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=noncurrent_days)
            ],
            expiration=[S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)],
        ),
    ]
    if transition_days is not None:
        rules.append(
            S3BucketLifecycleConfigurationRule(
                id="transition-to-cheaper-storage",
                status="Enabled",
                filter=everything,
                transition=[
                    S3BucketLifecycleConfigurationRuleTransition(days=transition_days, storage_class=transition_class)
                ],
            )
        )
    return rules


def _check_buckets(
    who: str,
    bucket_name: str,
    kms_key_id: str,
    logging_bucket: str | None,
    replica_kms_key_id: str | None,
    replica_provider: TerraformProvider | None,
    replica_bucket_name: str | None,
    replication_time_minutes: int,
) -> None:
    require(
        isinstance(bucket_name, str) and bool(BUCKET.match(bucket_name)) and ".." not in bucket_name,
        who,
        "bucket_name",
        "an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'",
        bucket_name,
    )
    require(isinstance(kms_key_id, str) and bool(kms_key_id), who, "kms_key_id", "a KMS key id or ARN", kms_key_id)
    require(
        logging_bucket is None or (isinstance(logging_bucket, str) and bool(BUCKET.match(logging_bucket))),
        who,
        "logging_bucket",
        "an S3 bucket name or None",
        logging_bucket,
    )
    require(logging_bucket != bucket_name, who, "logging_bucket", "a bucket other than bucket_name", logging_bucket)
    require(
        replica_kms_key_id is None or replica_provider is not None,
        who,
        "replica_provider",
        "the provider of the replica's region, given with replica_kms_key_id",
        replica_provider,
    )
    require(
        replica_bucket_name is None
        or (
            isinstance(replica_bucket_name, str)
            and bool(BUCKET.match(replica_bucket_name))
            and replica_bucket_name != bucket_name
        ),
        who,
        "replica_bucket_name",
        "an S3 bucket name other than bucket_name",
        replica_bucket_name,
    )
    require(
        replication_time_minutes == 15,
        who,
        "replication_time_minutes",
        "15 (the only value S3 Replication Time Control accepts)",
        replication_time_minutes,
    )


@dataclass(frozen=True)
class _Cdn:
    """What the distribution is given (checked by check_cdn)."""

    price_class: str
    aliases: Sequence[str]
    acm_certificate_arn: str | None
    web_acl_id: str | None
    content_security_policy: str


def _checked_lifecycle_rules(
    who: str,
    noncurrent_version_expiration_days: int,
    abort_incomplete_multipart_upload_days: int,
    transition_days: int | None,
    transition_storage_class: str,
) -> list[S3BucketLifecycleConfigurationRule]:
    """The lifecycle arguments checked, then the bucket's rules (abort, noncurrent, transition)."""
    _check_lifecycle(
        who,
        noncurrent_version_expiration_days,
        abort_incomplete_multipart_upload_days,
        transition_days,
        transition_storage_class,
    )
    return _lifecycle_rules(
        abort_incomplete_multipart_upload_days,
        noncurrent_version_expiration_days,
        transition_days,
        transition_storage_class,
    )


def _check_lifecycle(
    who: str,
    noncurrent_version_expiration_days: int,
    abort_incomplete_multipart_upload_days: int,
    transition_days: int | None,
    transition_storage_class: str,
) -> None:
    require(
        isinstance(noncurrent_version_expiration_days, int) and noncurrent_version_expiration_days >= 1,
        who,
        "noncurrent_version_expiration_days",
        "a whole number >= 1",
        noncurrent_version_expiration_days,
    )
    require(
        isinstance(abort_incomplete_multipart_upload_days, int) and abort_incomplete_multipart_upload_days >= 1,
        who,
        "abort_incomplete_multipart_upload_days",
        "a whole number >= 1",
        abort_incomplete_multipart_upload_days,
    )
    require(
        transition_days is None or (isinstance(transition_days, int) and transition_days >= 0),
        who,
        "transition_days",
        "a whole number >= 0 or None",
        transition_days,
    )
    require(
        transition_storage_class in STORAGE_CLASSES,
        who,
        "transition_storage_class",
        f"one of {', '.join(STORAGE_CLASSES)}",
        transition_storage_class,
    )
    require(
        transition_days is None or transition_storage_class == "INTELLIGENT_TIERING" or transition_days >= 30,
        who,
        "transition_days",
        f"at least 30 for {transition_storage_class} (an S3 rule)",
        transition_days,
    )
