"""constructs_luneo.storage.AssetStorage: private encrypted bucket behind CloudFront OAC, errors."""

from __future__ import annotations

import pytest
from cdktf import Testing

from constructs_luneo.storage import AssetStorage
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, resources, statements, synth_scope

KEY = "arn:aws:kms:eu-west-1:111122223333:key/s3"


def assets(scope, **overrides):
    args = dict(bucket_name="luneo-prod-assets", kms_key_id=KEY, tags={"Environment": "prod", "Project": "luneo"})
    args.update(overrides)
    return AssetStorage(scope, "assets", **args)


@pytest.fixture(scope="module")
def synthesized():
    return synth_scope(assets)


def test_module_example_translates_line_for_line(synthesized):
    assert Testing.to_have_resource_with_properties(
        synthesized,
        "aws_s3_bucket",
        {"bucket": "luneo-prod-assets", "force_destroy": False, "tags": {"Environment": "prod", "Project": "luneo"}},
    )


def test_bucket_is_private_versioned_and_kms_encrypted(synthesized):
    block = only_resource(synthesized, "aws_s3_bucket_public_access_block")
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert only_resource(synthesized, "aws_s3_bucket_ownership_controls")["rule"] == {
        "object_ownership": "BucketOwnerEnforced"
    }
    assert only_resource(synthesized, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    assert only_resource(synthesized, "aws_s3_bucket_server_side_encryption_configuration")["rule"] == [
        {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY},
            "bucket_key_enabled": True,
        }
    ]


def test_lifecycle_rules(synthesized):
    rules = {r["id"]: r for r in only_resource(synthesized, "aws_s3_bucket_lifecycle_configuration")["rule"]}
    assert rules["abort-incomplete-uploads"]["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert rules["expire-old-versions"]["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert rules["transition-to-cheaper-storage"]["transition"] == [
        {"days": 30, "storage_class": "INTELLIGENT_TIERING"}
    ]
    assert all(r["status"] == "Enabled" for r in rules.values())


def test_no_transition_when_turned_off():
    rules = only_resource(
        synth_scope(lambda s: assets(s, transition_days=None)), "aws_s3_bucket_lifecycle_configuration"
    )["rule"]
    assert [r["id"] for r in rules] == ["abort-incomplete-uploads", "expire-old-versions"]


def test_bucket_policy_tls_only_and_only_this_distribution_reads(synthesized):
    found = statements(only_resource(synthesized, "aws_s3_bucket_policy")["policy"])
    deny = found["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    read = found["AllowCloudFrontRead"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert (
        read["Condition"]["StringEquals"]["AWS:SourceArn"] == "${aws_cloudfront_distribution.assets_distribution.arn}"
    )


def test_distribution_https_only_with_oac_and_security_headers(synthesized):
    distribution = only_resource(synthesized, "aws_cloudfront_distribution")
    assert distribution["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"
    assert (
        distribution["origin"][0]["origin_access_control_id"] == "${aws_cloudfront_origin_access_control.assets_oac.id}"
    )
    assert distribution["price_class"] == "PriceClass_100"
    assert "logging_config" not in distribution and "web_acl_id" not in distribution
    oac = only_resource(synthesized, "aws_cloudfront_origin_access_control")
    assert (oac["signing_behavior"], oac["signing_protocol"]) == ("always", "sigv4")
    headers = only_resource(synthesized, "aws_cloudfront_response_headers_policy")["security_headers_config"]
    assert headers["strict_transport_security"]["access_control_max_age_sec"] >= 31536000
    assert headers["strict_transport_security"]["include_subdomains"] is True


def test_logging_custom_domain_waf_and_price_class():
    synthesized = synth_scope(
        lambda s: assets(
            s,
            logging_bucket="luneo-logs",
            aliases=["assets.luneo.app"],
            price_class="PriceClass_All",
            acm_certificate_arn="arn:aws:acm:us-east-1:111122223333:certificate/abc",
            web_acl_id="arn:aws:wafv2:us-east-1:111122223333:global/webacl/luneo/abc",
        )
    )
    distribution = only_resource(synthesized, "aws_cloudfront_distribution")
    assert distribution["logging_config"] == {
        "bucket": "luneo-logs.s3.amazonaws.com",
        "prefix": "luneo-prod-assets/cloudfront/",
        "include_cookies": False,
    }
    assert distribution["aliases"] == ["assets.luneo.app"] and distribution["price_class"] == "PriceClass_All"
    assert distribution["viewer_certificate"]["minimum_protocol_version"] == "TLSv1.2_2021"
    assert distribution["viewer_certificate"]["ssl_support_method"] == "sni-only"
    assert distribution["web_acl_id"].startswith("arn:aws:wafv2")
    logging = only_resource(synthesized, "aws_s3_bucket_logging")
    assert (logging["target_bucket"], logging["target_prefix"]) == ("luneo-logs", "luneo-prod-assets/s3/")


def test_outputs_and_prevent_destroy():
    seen = {}

    def build(scope):
        storage = assets(scope, prevent_destroy=True)
        seen.update(
            name=storage.bucket_name,
            arn=storage.bucket_arn,
            id=storage.distribution_id,
            domain=storage.distribution_domain_name,
        )

    synthesized = synth_scope(build)
    assert only_resource(synthesized, "aws_s3_bucket")["lifecycle"] == {"prevent_destroy": True}
    assert all("${TfToken" in v for v in seen.values())
    assert not resources(synthesized, "aws_s3_bucket_logging")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"bucket_name": "Luneo_Assets"}, "bucket_name: expected an S3 bucket name"),
        ({"kms_key_id": ""}, "kms_key_id: expected a KMS key id or ARN"),
        ({"logging_bucket": "luneo-prod-assets"}, "logging_bucket: expected a bucket other than bucket_name"),
        ({"price_class": "PriceClass_1"}, "price_class: expected one of PriceClass_100"),
        ({"transition_storage_class": "GLACIER", "transition_days": 30}, "transition_storage_class: expected one of"),
        ({"transition_storage_class": "STANDARD_IA", "transition_days": 10}, "transition_days: expected at least 30"),
        ({"aliases": ["assets.luneo.app"]}, "acm_certificate_arn: expected given together with aliases"),
        ({"noncurrent_version_expiration_days": 0}, "noncurrent_version_expiration_days: expected a whole number >= 1"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError, match="^AssetStorage 'test/assets': ") as caught:
        synth_scope(lambda s: assets(s, **overrides))
    assert message in str(caught.value)


# --- cross-region replica and origin failover ---

REPLICA_KEY = "arn:aws:kms:us-east-1:111122223333:key/s3"


def replicated(scope, **overrides):
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    secondary = AwsProvider(scope, "aws-secondary", alias="secondary", region="us-east-1")
    return assets(scope, replica_kms_key_id=REPLICA_KEY, replica_provider=secondary, **overrides)


@pytest.fixture(scope="module")
def with_replica():
    return synth_scope(replicated)


def test_replica_bucket_is_as_protected_as_the_source(with_replica):
    buckets = {b["bucket"]: b for b in resources(with_replica, "aws_s3_bucket").values()}
    assert sorted(buckets) == ["luneo-prod-assets", "luneo-prod-assets-replica"]
    assert buckets["luneo-prod-assets-replica"]["provider"] == "aws.secondary"
    for kind in (
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_policy",
    ):
        assert len(resources(with_replica, kind)) == 2, kind
    keys = sorted(
        e["rule"][0]["apply_server_side_encryption_by_default"]["kms_master_key_id"]
        for e in resources(with_replica, "aws_s3_bucket_server_side_encryption_configuration").values()
    )
    assert keys == sorted([KEY, REPLICA_KEY])


def test_replication_with_rtc_metrics_and_delete_markers(with_replica):
    rule = only_resource(with_replica, "aws_s3_bucket_replication_configuration")["rule"][0]
    assert rule["status"] == "Enabled"
    assert rule["delete_marker_replication"] == {"status": "Enabled"}
    destination = rule["destination"]
    assert destination["bucket"] == "${aws_s3_bucket.assets_replica-bucket.arn}"
    assert destination["encryption_configuration"] == {"replica_kms_key_id": REPLICA_KEY}
    assert destination["replication_time"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert destination["metrics"] == {"status": "Enabled", "event_threshold": {"minutes": 15}}
    assert rule["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
    replication_policy = statements(only_resource(with_replica, "aws_iam_role_policy")["policy"])
    assert replication_policy["DecryptSource"]["Resource"] == KEY
    assert replication_policy["EncryptReplica"]["Resource"] == REPLICA_KEY


def test_cloudfront_fails_over_to_the_replica(with_replica):
    distribution = only_resource(with_replica, "aws_cloudfront_distribution")
    group = distribution["origin_group"][0]
    assert distribution["default_cache_behavior"]["target_origin_id"] == group["origin_id"]
    assert [m["origin_id"] for m in group["member"]] == ["assets-s3", "assets-s3-replica"]
    assert set(group["failover_criteria"]["status_codes"]) >= {500, 502, 503, 504}
    policies = [
        statements(p["policy"])["AllowCloudFrontRead"] for p in resources(with_replica, "aws_s3_bucket_policy").values()
    ]
    assert {p["Resource"] for p in policies} == {
        "${aws_s3_bucket.assets_bucket.arn}/*",
        "${aws_s3_bucket.assets_replica-bucket.arn}/*",
    }


def test_replica_needs_its_provider():
    with pytest.raises(ConstructArgumentError, match="replica_provider: expected the provider of the replica's region"):
        synth_scope(lambda s: assets(s, replica_kms_key_id=REPLICA_KEY))
