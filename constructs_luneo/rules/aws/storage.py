"""AWS API rules: S3 and CloudFront: the viewer certificate, replication (metrics, versioning, KMS)."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from ...support.synthesized import blocks, truthy
from ..engine import Finding, View, rule


@rule(
    "LUNEO-AWS-3",
    "CloudFront: TLS settings only with a custom certificate, which lives in us-east-1",
    source="https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html",
)
def _cloudfront_certificate(view: View) -> Iterable[Finding]:
    """With the default *.cloudfront.net certificate CloudFront "automatically sets the security
    policy to TLSv1 regardless of the value that you set" (ViewerCertificate.MinimumProtocolVersion):
    a stricter minimum_protocol_version is ignored and shows as a diff on every plan. An ACM
    certificate must be in us-east-1 and come with SSLSupportMethod and MinimumProtocolVersion
    (same page; CloudFront developer guide, "Requirements for using SSL/TLS certificates")."""
    for address, path, body in view.each("aws_cloudfront_distribution"):
        for certificate in blocks(body.get("viewer_certificate")):
            if truthy(certificate.get("cloudfront_default_certificate")):
                if (
                    certificate.get("minimum_protocol_version", "TLSv1") != "TLSv1"
                    or "ssl_support_method" in certificate
                ):
                    yield Finding(
                        path,
                        f"{address} uses the default certificate with minimum_protocol_version/"
                        "ssl_support_method: AWS ignores them (TLSv1) and every plan shows a diff. "
                        "Fix: leave them out, or give aliases with an ACM certificate in us-east-1",
                    )
                continue
            arn = certificate.get("acm_certificate_arn")
            if arn and isinstance(arn, str) and arn.startswith("arn:") and ":us-east-1:" not in arn:
                yield Finding(
                    path,
                    f"{address} uses an ACM certificate outside us-east-1 ({arn}): CloudFront "
                    "takes certificates from us-east-1 only. Fix: request it in us-east-1",
                )
            if arn and not (certificate.get("ssl_support_method") and certificate.get("minimum_protocol_version")):
                yield Finding(
                    path,
                    f"{address} gives an ACM certificate without ssl_support_method and "
                    "minimum_protocol_version: AWS refuses it. Fix: sni-only, TLSv1.2_2021",
                )
            if arn and not body.get("aliases"):
                yield Finding(
                    path,
                    f"{address} has a custom certificate but no aliases. Fix: the certificate's "
                    "domain names as aliases",
                )


def _replication_rules(view: View) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for address, path, body in view.each("aws_s3_bucket_replication_configuration"):
        for replication_rule in blocks(body.get("rule")):
            yield address, path, body, replication_rule


@rule(
    "LUNEO-AWS-6",
    "S3 Replication Time Control comes with replication metrics",
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationTime.html",
)
def _rtc_needs_metrics(view: View) -> Iterable[Finding]:
    """ReplicationTime "Must be specified together with a Metrics block" (S3 API reference); the
    replication latency alarms read those metrics."""
    for address, path, _, replication_rule in _replication_rules(view):
        for destination in blocks(replication_rule.get("destination")):
            rtc = blocks(destination.get("replication_time"))
            metrics = blocks(destination.get("metrics"))
            if rtc and rtc[0].get("status") == "Enabled" and not (metrics and metrics[0].get("status") == "Enabled"):
                yield Finding(
                    path,
                    f"{address} enables Replication Time Control without metrics: AWS refuses it. "
                    'Fix: metrics { status = "Enabled", event_threshold { minutes = 15 } }',
                )


@rule(
    "LUNEO-AWS-7",
    "S3 replication runs between versioned buckets",
    source="https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html",
)
def _replication_needs_versioning(view: View) -> Iterable[Finding]:
    """ "Both source and destination buckets must have versioning enabled" (S3 user guide,
    "Requirements and considerations for replication")."""
    versioned = {
        view.referenced(b.get("bucket"), "aws_s3_bucket")
        for _, _, b in view.each("aws_s3_bucket_versioning")
        if any(v.get("status") == "Enabled" for v in blocks(b.get("versioning_configuration")))
    }
    for address, path, body, replication_rule in _replication_rules(view):
        buckets = [view.referenced(body.get("bucket"), "aws_s3_bucket")]
        buckets += [
            view.referenced(d.get("bucket"), "aws_s3_bucket") for d in blocks(replication_rule.get("destination"))
        ]
        for bucket in buckets:
            if bucket and bucket not in versioned:
                yield Finding(
                    path,
                    f"{address} replicates {bucket}, which is not versioned: AWS refuses it. Fix: "
                    "an aws_s3_bucket_versioning with status Enabled for both buckets",
                )


@rule(
    "LUNEO-AWS-16",
    "S3 replication of SSE-KMS objects names the destination key, and only then",
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_SourceSelectionCriteria.html",
)
def _replication_kms(view: View) -> Iterable[Finding]:
    """SSE-KMS objects replicate only when source_selection_criteria selects them, and then the
    destination's replica_kms_key_id must be given (S3 API, SourceSelectionCriteria and
    EncryptionConfiguration; provider docs)."""
    for address, path, _, replication_rule in _replication_rules(view):
        selected = any(
            s.get("status") == "Enabled"
            for c in blocks(replication_rule.get("source_selection_criteria"))
            for s in blocks(c.get("sse_kms_encrypted_objects"))
        )
        keyed = any(
            e.get("replica_kms_key_id")
            for d in blocks(replication_rule.get("destination"))
            for e in blocks(d.get("encryption_configuration"))
        )
        if selected != keyed:
            yield Finding(
                path,
                f"{address}: sse_kms_encrypted_objects and replica_kms_key_id go together. Fix: "
                "both, for KMS-encrypted buckets",
            )
