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

import re
from typing import Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudfront_distribution import CloudfrontDistribution, CloudfrontDistributionOrigin
from cdktf_cdktf_provider_aws.cloudfront_origin_access_control import CloudfrontOriginAccessControl
from cdktf_cdktf_provider_aws.cloudfront_response_headers_policy import CloudfrontResponseHeadersPolicy
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from constructs import Construct

from ._common import describe, lifecycle, require

BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR")
# AWS managed cache policy "Managed-CachingOptimized".
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


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
      aliases, acm_certificate_arn: custom domain names and their us-east-1 ACM certificate (TLS 1.2+,
        SNI); without them the *.cloudfront.net certificate is used.
      web_acl_id: WAFv2 web ACL ARN for the distribution (default None).
      content_security_policy: the CSP header CloudFront adds (default "default-src 'none'; img-src
        'self'; style-src 'self'; font-src 'self'; frame-ancestors 'none'" for static assets).
      prevent_destroy: Terraform lifecycle guard on the bucket. provider: the AWS provider (region of
        the bucket; CloudFront is global).

    Attributes: bucket_name, bucket_arn, bucket_regional_domain_name, distribution_id,
    distribution_arn, distribution_domain_name, bucket, distribution.
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
        content_security_policy: str = ("default-src 'none'; img-src 'self'; style-src 'self'; font-src 'self'; "
                                         "frame-ancestors 'none'"),
        prevent_destroy: bool = False,
        provider: TerraformProvider | None = None,
    ) -> None:
        who = describe(AssetStorage, scope, id)
        require(isinstance(bucket_name, str) and bool(BUCKET.match(bucket_name)) and ".." not in bucket_name, who,
                "bucket_name", "an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'", bucket_name)
        require(isinstance(kms_key_id, str) and bool(kms_key_id), who, "kms_key_id", "a KMS key id or ARN",
                kms_key_id)
        require(logging_bucket is None or (isinstance(logging_bucket, str) and bool(BUCKET.match(logging_bucket))),
                who, "logging_bucket", "an S3 bucket name or None", logging_bucket)
        require(logging_bucket != bucket_name, who, "logging_bucket", "a bucket other than bucket_name",
                logging_bucket)
        require(isinstance(noncurrent_version_expiration_days, int) and noncurrent_version_expiration_days >= 1,
                who, "noncurrent_version_expiration_days", "a whole number >= 1", noncurrent_version_expiration_days)
        require(isinstance(abort_incomplete_multipart_upload_days, int) and abort_incomplete_multipart_upload_days >= 1,
                who, "abort_incomplete_multipart_upload_days", "a whole number >= 1",
                abort_incomplete_multipart_upload_days)
        require(transition_days is None or (isinstance(transition_days, int) and transition_days >= 0), who,
                "transition_days", "a whole number >= 0 or None", transition_days)
        require(transition_storage_class in STORAGE_CLASSES, who, "transition_storage_class",
                f"one of {', '.join(STORAGE_CLASSES)}", transition_storage_class)
        require(transition_days is None or transition_storage_class == "INTELLIGENT_TIERING" or transition_days >= 30,
                who, "transition_days", f"at least 30 for {transition_storage_class} (an S3 rule)", transition_days)
        require(price_class in PRICE_CLASSES, who, "price_class", f"one of {', '.join(PRICE_CLASSES)}", price_class)
        require(not isinstance(aliases, str), who, "aliases", "a list of domain names", aliases)
        require(bool(aliases) == bool(acm_certificate_arn), who, "acm_certificate_arn",
                "given together with aliases (a custom domain needs its ACM certificate in us-east-1)",
                acm_certificate_arn)
        super().__init__(scope, id)
        tags = dict(tags or {})

        self.bucket = S3Bucket(self, "bucket", bucket=bucket_name, force_destroy=False, tags=tags or None,
                               lifecycle=lifecycle(prevent_destroy), provider=provider)
        bucket_id = self.bucket.id
        S3BucketPublicAccessBlock(self, "public-access-block", bucket=bucket_id, block_public_acls=True,
                                  block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
                                  provider=provider)
        S3BucketOwnershipControls(self, "ownership", bucket=bucket_id,
                                  rule={"object_ownership": "BucketOwnerEnforced"}, provider=provider)
        S3BucketVersioningA(self, "versioning", bucket=bucket_id,
                            versioning_configuration={"status": "Enabled"}, provider=provider)
        S3BucketServerSideEncryptionConfigurationA(
            self, "encryption", bucket=bucket_id, provider=provider,
            rule=[S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                    sse_algorithm="aws:kms", kms_master_key_id=kms_key_id),
                bucket_key_enabled=True)])
        # Nested blocks are typed structs: jsii passes plain dicts inside lists through unconverted.
        everything = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
        rules = [
            S3BucketLifecycleConfigurationRule(
                id="abort-incomplete-uploads", status="Enabled", filter=everything,
                abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                    days_after_initiation=abort_incomplete_multipart_upload_days)]),
            S3BucketLifecycleConfigurationRule(
                id="expire-old-versions", status="Enabled", filter=everything,
                noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=noncurrent_version_expiration_days)],
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)]),
        ]
        if transition_days is not None:
            rules.append(S3BucketLifecycleConfigurationRule(
                id="transition-to-cheaper-storage", status="Enabled", filter=everything,
                transition=[S3BucketLifecycleConfigurationRuleTransition(
                    days=transition_days, storage_class=transition_storage_class)]))
        S3BucketLifecycleConfiguration(self, "lifecycle", bucket=bucket_id, rule=rules, provider=provider)
        prefix = logging_prefix if logging_prefix is not None else f"{bucket_name}/"
        if logging_bucket:
            S3BucketLoggingA(self, "access-logging", bucket=bucket_id, target_bucket=logging_bucket,
                             target_prefix=f"{prefix}s3/", provider=provider)

        self.origin_access_control = CloudfrontOriginAccessControl(
            self, "oac", name=bucket_name, description=f"CloudFront access to {bucket_name}",
            origin_access_control_origin_type="s3", signing_behavior="always", signing_protocol="sigv4",
            provider=provider)
        self.response_headers_policy = CloudfrontResponseHeadersPolicy(
            self, "security-headers", name=f"{bucket_name.replace('.', '-')}-security-headers",
            comment=f"Security headers for {bucket_name}", provider=provider,
            security_headers_config={
                "strict_transport_security": {"access_control_max_age_sec": 63072000, "include_subdomains": True,
                                              "preload": True, "override": True},
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
                "xss_protection": {"protection": True, "mode_block": True, "override": True},
                "content_security_policy": {"content_security_policy": content_security_policy, "override": True},
            })
        origin_id = "assets-s3"
        certificate = (
            {"acm_certificate_arn": acm_certificate_arn, "ssl_support_method": "sni-only",
             "minimum_protocol_version": "TLSv1.2_2021"}
            if acm_certificate_arn else {"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1.2_2021"}
        )
        self.distribution = CloudfrontDistribution(
            self, "distribution",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            comment=f"Assets: {bucket_name}",
            price_class=price_class,
            aliases=list(aliases) or None,
            web_acl_id=web_acl_id,
            origin=[CloudfrontDistributionOrigin(domain_name=self.bucket.bucket_regional_domain_name,
                                                 origin_id=origin_id,
                                                 origin_access_control_id=self.origin_access_control.id)],
            default_cache_behavior={
                "target_origin_id": origin_id,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD", "OPTIONS"],
                "cached_methods": ["GET", "HEAD"],
                "compress": True,
                "cache_policy_id": CACHING_OPTIMIZED,
                "response_headers_policy_id": self.response_headers_policy.id,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=certificate,
            logging_config=({"bucket": f"{logging_bucket}.s3.amazonaws.com", "prefix": f"{prefix}cloudfront/",
                             "include_cookies": False} if logging_bucket else None),
            tags=tags or None,
            provider=provider,
        )

        # Only this distribution may read, and only over TLS.
        self.bucket_policy_document = {"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [self.bucket.arn, f"{self.bucket.arn}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "AllowCloudFrontRead", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
             "Action": "s3:GetObject", "Resource": f"{self.bucket.arn}/*",
             "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}}},
        ]}
        S3BucketPolicy(self, "policy", bucket=bucket_id, policy=Fn.jsonencode(self.bucket_policy_document),
                       provider=provider)

        self.bucket_name: str = self.bucket.bucket
        self.bucket_arn: str = self.bucket.arn
        self.bucket_regional_domain_name: str = self.bucket.bucket_regional_domain_name
        self.distribution_id: str = self.distribution.id
        self.distribution_arn: str = self.distribution.arn
        self.distribution_domain_name: str = self.distribution.domain_name
