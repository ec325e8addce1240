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

from typing import Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudfront_distribution import (
    CloudfrontDistribution,
    CloudfrontDistributionOrigin,
    CloudfrontDistributionOriginGroup,
    CloudfrontDistributionOriginGroupFailoverCriteria,
    CloudfrontDistributionOriginGroupMember,
)
from cdktf_cdktf_provider_aws.cloudfront_origin_access_control import CloudfrontOriginAccessControl
from cdktf_cdktf_provider_aws.cloudfront_response_headers_policy import CloudfrontResponseHeadersPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
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
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleDestinationMetrics,
    S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold,
    S3BucketReplicationConfigurationRuleDestinationReplicationTime,
    S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from constructs import Construct

from ._common import account_context, describe, require
from ._s3 import deny_insecure_transport, private_bucket
from .patterns import BUCKET

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
      replica_kms_key_id, replica_provider: with these, a replica bucket in the provider's region
        (encrypted with that region's key) receives every version and delete marker through S3
        replication with Replication Time Control and metrics, and CloudFront fails over to it
        (origin group) when the primary answers 403/404/5xx. Default None: no replica.
      replica_bucket_name: default "<bucket_name>-replica". replication_time_minutes: 15 (RTC's only value).
      prevent_destroy: Terraform lifecycle guard on the buckets. provider: the AWS provider (region of
        the bucket; CloudFront is global).

    Attributes: bucket_name, bucket_arn, bucket_regional_domain_name, distribution_id,
    distribution_arn, distribution_domain_name, replica_bucket_name, replica_bucket_arn,
    replication_rule_id, bucket, replica_bucket, distribution.
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
        replica_kms_key_id: str | None = None,
        replica_provider: TerraformProvider | None = None,
        replica_bucket_name: str | None = None,
        replication_time_minutes: int = 15,
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
        require(replica_kms_key_id is None or replica_provider is not None, who, "replica_provider",
                "the provider of the replica's region, given with replica_kms_key_id", replica_provider)
        require(replica_bucket_name is None or (isinstance(replica_bucket_name, str)
                                                and bool(BUCKET.match(replica_bucket_name))
                                                and replica_bucket_name != bucket_name), who, "replica_bucket_name",
                "an S3 bucket name other than bucket_name", replica_bucket_name)
        require(replication_time_minutes == 15, who, "replication_time_minutes",
                "15 (the only value S3 Replication Time Control accepts)", replication_time_minutes)
        super().__init__(scope, id)
        tags = dict(tags or {})

        self._bucket_name = bucket_name
        self._lifecycle_settings = (abort_incomplete_multipart_upload_days, noncurrent_version_expiration_days,
                                    transition_days, transition_storage_class)
        self.bucket, versioning = self._private_bucket("", bucket_name, kms_key_id, tags, prevent_destroy, provider)
        bucket_id = self.bucket.id
        prefix = logging_prefix if logging_prefix is not None else f"{bucket_name}/"
        if logging_bucket:
            S3BucketLoggingA(self, "access-logging", bucket=bucket_id, target_bucket=logging_bucket,
                             target_prefix=f"{prefix}s3/", provider=provider)

        self.replica_bucket = None
        if replica_kms_key_id is not None:
            replica_name = replica_bucket_name or f"{bucket_name}-replica"
            self.replica_bucket, replica_versioning = self._private_bucket(
                "replica-", replica_name, replica_kms_key_id, tags, prevent_destroy, replica_provider)
            self._replication(kms_key_id, replica_kms_key_id, replication_time_minutes, tags, provider,
                              replica_provider, depends_on=[versioning, replica_versioning])

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
        origins = [CloudfrontDistributionOrigin(domain_name=self.bucket.bucket_regional_domain_name, origin_id=origin_id,
                                                origin_access_control_id=self.origin_access_control.id)]
        origin_groups = None
        target = origin_id
        if self.replica_bucket is not None:
            # Origin failover: when the primary bucket's region answers with an error, CloudFront
            # retries the same request on the replica.
            origins.append(CloudfrontDistributionOrigin(
                domain_name=self.replica_bucket.bucket_regional_domain_name, origin_id=f"{origin_id}-replica",
                origin_access_control_id=self.origin_access_control.id))
            target = "assets-failover"
            origin_groups = [CloudfrontDistributionOriginGroup(
                origin_id=target,
                failover_criteria=CloudfrontDistributionOriginGroupFailoverCriteria(
                    status_codes=[403, 404, 500, 502, 503, 504]),
                member=[CloudfrontDistributionOriginGroupMember(origin_id=origin_id),
                        CloudfrontDistributionOriginGroupMember(origin_id=f"{origin_id}-replica")])]
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
            origin=origins,
            origin_group=origin_groups,
            default_cache_behavior={
                "target_origin_id": target,
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
        self.bucket_policy_document = self._bucket_policy(self.bucket)
        S3BucketPolicy(self, "policy", bucket=bucket_id, policy=Fn.jsonencode(self.bucket_policy_document),
                       provider=provider)
        if self.replica_bucket is not None:
            S3BucketPolicy(self, "replica-policy", bucket=self.replica_bucket.id, provider=replica_provider,
                           policy=Fn.jsonencode(self._bucket_policy(self.replica_bucket)))

        self.bucket_name: str = self.bucket.bucket
        self.bucket_arn: str = self.bucket.arn
        self.bucket_regional_domain_name: str = self.bucket.bucket_regional_domain_name
        self.distribution_id: str = self.distribution.id
        self.distribution_arn: str = self.distribution.arn
        self.distribution_domain_name: str = self.distribution.domain_name
        self.replica_bucket_name: str | None = self.replica_bucket.bucket if self.replica_bucket else None
        self.replica_bucket_arn: str | None = self.replica_bucket.arn if self.replica_bucket else None

    def _private_bucket(self, prefix: str, name: str, kms_key_id: str, tags: dict, prevent_destroy: bool,
                        provider: TerraformProvider | None):
        """A private bucket (see _s3.private_bucket) with the lifecycle rules."""
        abort_days, noncurrent_days, transition_days, transition_class = self._lifecycle_settings
        core = private_bucket(self, prefix, name, kms_key_id, tags, prevent_destroy, provider)
        bucket, versioning = core.bucket, core.versioning
        # Nested blocks are typed structs: jsii passes plain dicts inside lists through unconverted.
        everything = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
        rules = [
            S3BucketLifecycleConfigurationRule(
                id="abort-incomplete-uploads", status="Enabled", filter=everything,
                abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                    days_after_initiation=abort_days)]),
            S3BucketLifecycleConfigurationRule(
                id="expire-old-versions", status="Enabled", filter=everything,
                noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=noncurrent_days)],
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)]),
        ]
        if transition_days is not None:
            rules.append(S3BucketLifecycleConfigurationRule(
                id="transition-to-cheaper-storage", status="Enabled", filter=everything,
                transition=[S3BucketLifecycleConfigurationRuleTransition(
                    days=transition_days, storage_class=transition_class)]))
        S3BucketLifecycleConfiguration(self, f"{prefix}lifecycle", bucket=bucket.id, rule=rules, provider=provider,
                                       depends_on=[versioning])
        return bucket, versioning

    def _bucket_policy(self, bucket: S3Bucket) -> dict:
        return {"Version": "2012-10-17", "Statement": [
            deny_insecure_transport(bucket),
            {"Sid": "AllowCloudFrontRead", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
             "Action": "s3:GetObject", "Resource": f"{bucket.arn}/*",
             "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}}},
        ]}

    def _replication(self, source_key: str, replica_key: str, minutes: int, tags: dict, provider, replica_provider,
                     depends_on) -> None:
        """Replicate every object version and delete marker to the replica, with Replication Time
        Control and metrics (the replication latency alarm reads them)."""
        source, replica = self.bucket, self.replica_bucket
        source_name = self._bucket_name  # role names start with luneo-: the Terraform role may manage only those
        source_account = account_context(self, provider)
        replica_account = account_context(self, replica_provider)
        role = IamRole(self, "replication-role", name_prefix=f"{source_name}-replication-"[:38], tags=tags or None,
                       provider=provider, assume_role_policy=Fn.jsonencode({"Version": "2012-10-17", "Statement": [{
                           "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"aws:SourceAccount": source_account.account_id}}}]}))
        IamRolePolicy(self, "replication-policy", role=role.id, provider=provider, policy=Fn.jsonencode({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "ReadSourceConfiguration", "Effect": "Allow",
                 "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source.arn},
                {"Sid": "ReadSourceVersions", "Effect": "Allow",
                 "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                            "s3:GetObjectVersionTagging"], "Resource": f"{source.arn}/*"},
                {"Sid": "WriteReplica", "Effect": "Allow",
                 "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                 "Resource": f"{replica.arn}/*"},
                {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key,
                 "Condition": {"StringEquals": {"kms:ViaService": f"s3.{source_account.region}.amazonaws.com"}}},
                {"Sid": "EncryptReplica", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                 "Resource": replica_key,
                 "Condition": {"StringEquals": {"kms:ViaService": f"s3.{replica_account.region}.amazonaws.com"}}},
            ]}))
        R = S3BucketReplicationConfigurationRule
        S3BucketReplicationConfigurationA(
            self, "replication", bucket=source.id, role=role.arn, provider=provider, depends_on=depends_on,
            rule=[R(
                id="replicate-everything",
                status="Enabled",
                priority=1,
                filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(status="Enabled"),
                source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                    sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                        status="Enabled")),
                destination=S3BucketReplicationConfigurationRuleDestination(
                    bucket=replica.arn,
                    storage_class="STANDARD",
                    encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                        replica_kms_key_id=replica_key),
                    replication_time=S3BucketReplicationConfigurationRuleDestinationReplicationTime(
                        status="Enabled",
                        time=S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime(minutes=minutes)),
                    metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(
                        status="Enabled",
                        event_threshold=S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold(
                            minutes=minutes)),
                ),
            )])
        self.replication_rule_id = "replicate-everything"
