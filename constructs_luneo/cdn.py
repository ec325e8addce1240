"""CloudFront in front of private S3 buckets: the distribution AssetStorage serves its assets through.

Functions, not constructs: like the buckets (constructs_luneo/s3.py), their resources are created in
the owner's scope (`oac`, `security-headers`, `distribution`), so that their construct paths, and
the Terraform addresses derived from them, are the owner's.
"""

from __future__ import annotations

from typing import Any, Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudfront_distribution import (
    CloudfrontDistribution,
    CloudfrontDistributionOrigin,
    CloudfrontDistributionOriginGroup,
    CloudfrontDistributionOriginGroupFailoverCriteria,
    CloudfrontDistributionOriginGroupMember,
)
from cdktf_cdktf_provider_aws.cloudfront_origin_access_control import CloudfrontOriginAccessControl
from cdktf_cdktf_provider_aws.cloudfront_response_headers_policy import CloudfrontResponseHeadersPolicy
from constructs import Construct

from .s3 import PrivateBucket
from .support.common import require

PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
# AWS managed cache policy "Managed-CachingOptimized".
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
STATIC_ASSETS_CSP = "default-src 'none'; img-src 'self'; style-src 'self'; font-src 'self'; frame-ancestors 'none'"
ORIGIN_ID = "assets-s3"

S3Origins = tuple[list[CloudfrontDistributionOrigin], list[CloudfrontDistributionOriginGroup] | None, str]


def s3_origin_access_control(
    scope: Construct, bucket_name: str, provider: TerraformProvider | None
) -> CloudfrontOriginAccessControl:
    """`oac`: CloudFront signs its requests to the bucket(s) (SigV4), which their policies then admit."""
    return CloudfrontOriginAccessControl(
        scope,
        "oac",
        name=bucket_name,
        description=f"CloudFront access to {bucket_name}",
        origin_access_control_origin_type="s3",
        signing_behavior="always",
        signing_protocol="sigv4",
        provider=provider,
    )


def security_headers_policy(
    scope: Construct, bucket_name: str, content_security_policy: str, provider: TerraformProvider | None
) -> CloudfrontResponseHeadersPolicy:
    """`security-headers`: HSTS, nosniff, DENY framing, a strict referrer policy and the CSP."""
    return CloudfrontResponseHeadersPolicy(
        scope,
        "security-headers",
        name=f"{bucket_name.replace('.', '-')}-security-headers",
        comment=f"Security headers for {bucket_name}",
        provider=provider,
        security_headers_config={
            "strict_transport_security": {
                "access_control_max_age_sec": 63072000,
                "include_subdomains": True,
                "preload": True,
                "override": True,
            },
            "content_type_options": {"override": True},
            "frame_options": {"frame_option": "DENY", "override": True},
            "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
            "xss_protection": {"protection": True, "mode_block": True, "override": True},
            "content_security_policy": {"content_security_policy": content_security_policy, "override": True},
        },
    )


def s3_origins(primary: PrivateBucket, replica: PrivateBucket | None, origin_access_control_id: str) -> S3Origins:
    """The S3 origin(s), and with a replica an origin group that retries on the replica when the
    primary bucket's region answers with an error; then the id the cache behaviour targets."""
    origins = [
        CloudfrontDistributionOrigin(
            domain_name=primary.bucket.bucket_regional_domain_name,
            origin_id=ORIGIN_ID,
            origin_access_control_id=origin_access_control_id,
        )
    ]
    if replica is None:
        return origins, None, ORIGIN_ID
    origins.append(
        CloudfrontDistributionOrigin(
            domain_name=replica.bucket.bucket_regional_domain_name,
            origin_id=f"{ORIGIN_ID}-replica",
            origin_access_control_id=origin_access_control_id,
        )
    )
    group = CloudfrontDistributionOriginGroup(
        origin_id="assets-failover",
        failover_criteria=CloudfrontDistributionOriginGroupFailoverCriteria(
            status_codes=[403, 404, 500, 502, 503, 504]
        ),
        member=[
            CloudfrontDistributionOriginGroupMember(origin_id=ORIGIN_ID),
            CloudfrontDistributionOriginGroupMember(origin_id=f"{ORIGIN_ID}-replica"),
        ],
    )
    return origins, [group], "assets-failover"


def cloudfront_distribution(
    scope: Construct,
    bucket_name: str,
    origins: S3Origins,
    *,
    response_headers_policy_id: str,
    price_class: str,
    aliases: Sequence[str],
    acm_certificate_arn: str | None,
    web_acl_id: str | None,
    tags: dict[str, str],
    provider: TerraformProvider | None,
    logging_config: dict[str, Any] | None,
) -> CloudfrontDistribution:
    """`distribution`: HTTPS only (HTTP redirects), IPv6, HTTP/2 and 3, read-only methods, cached
    with the managed CachingOptimized policy."""
    origin, origin_groups, target = origins
    return CloudfrontDistribution(
        scope,
        "distribution",
        enabled=True,
        is_ipv6_enabled=True,
        http_version="http2and3",
        comment=f"Assets: {bucket_name}",
        price_class=price_class,
        aliases=list(aliases) or None,
        web_acl_id=web_acl_id,
        origin=origin,
        origin_group=origin_groups,
        default_cache_behavior={
            "target_origin_id": target,
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD", "OPTIONS"],
            "cached_methods": ["GET", "HEAD"],
            "compress": True,
            "cache_policy_id": CACHING_OPTIMIZED,
            "response_headers_policy_id": response_headers_policy_id,
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate=viewer_certificate(acm_certificate_arn),
        logging_config=logging_config,
        tags=tags or None,
        provider=provider,
    )


def standard_logging(logging_bucket: str | None, prefix: str) -> dict[str, Any] | None:
    """CloudFront standard logs into `logging_bucket` under `<prefix>cloudfront/` (None: no logs)."""
    if not logging_bucket:
        return None
    return {"bucket": f"{logging_bucket}.s3.amazonaws.com", "prefix": f"{prefix}cloudfront/", "include_cookies": False}


def viewer_certificate(acm_certificate_arn: str | None) -> dict[str, Any]:
    """TLS 1.2 or newer needs a custom domain and its certificate. With the default *.cloudfront.net
    certificate AWS sets the security policy to TLSv1 whatever is asked, so asking for more would
    only show as a diff on every plan (rule LUNEO-AWS-3)."""
    if acm_certificate_arn:
        return {
            "acm_certificate_arn": acm_certificate_arn,
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        }
    return {"cloudfront_default_certificate": True}


def check_cdn(who: str, price_class: str, aliases: Sequence[str], acm_certificate_arn: str | None) -> None:
    require(price_class in PRICE_CLASSES, who, "price_class", f"one of {', '.join(PRICE_CLASSES)}", price_class)
    require(not isinstance(aliases, str), who, "aliases", "a list of domain names", aliases)
    require(
        bool(aliases) == bool(acm_certificate_arn),
        who,
        "acm_certificate_arn",
        "given together with aliases (a custom domain needs its ACM certificate in us-east-1)",
        acm_certificate_arn,
    )
