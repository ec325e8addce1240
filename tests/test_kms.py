"""constructs_luneo.kms.KmsKey: the HCL module's interface, secure defaults, argument errors."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_luneo.kms import KmsKey
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, statements, synth_scope


def secrets_key(scope, **overrides):
    args = dict(
        name="luneo-secrets",
        description="KMS key for application secrets",
        allowed_services=["secretsmanager.amazonaws.com", "rds.amazonaws.com"],
        tags={"Environment": "prod"},
    )
    args.update(overrides)
    return KmsKey(scope, "kms-secrets", **args)


def test_module_example_translates_line_for_line():
    synthesized = synth_scope(secrets_key)
    assert Testing.to_have_resource_with_properties(
        synthesized,
        "aws_kms_key",
        {
            "description": "KMS key for application secrets",
            "enable_key_rotation": True,
            "deletion_window_in_days": 30,
            "tags": {"Environment": "prod"},
        },
    )
    assert Testing.to_have_resource_with_properties(synthesized, "aws_kms_alias", {"name": "alias/luneo-secrets"})


def test_rotation_period_defaults_to_awss_yearly_rotation():
    key = only_resource(synth_scope(secrets_key), "aws_kms_key")
    assert key["enable_key_rotation"] is True and "rotation_period_in_days" not in key


def test_outputs_are_references():
    seen = {}

    def build(scope):
        key = secrets_key(scope)
        seen.update(key_id=key.key_id, key_arn=key.key_arn, alias_name=key.alias_name)

    synth_scope(build)
    assert all(isinstance(v, str) and "${TfToken" in v for v in seen.values()), seen


def policy_statements(synthesized):
    return statements(only_resource(synthesized, "aws_kms_key")["policy"])


def test_policy_lets_the_account_administer_and_only_the_allowed_services_use():
    found = policy_statements(synth_scope(secrets_key))
    assert set(found) == {"AccountAdministers", "AllowedServicesUseViaService"}
    admin = found["AccountAdministers"]
    assert admin["Action"] == "kms:*"
    assert admin["Principal"]["AWS"].endswith(":root")
    use = found["AllowedServicesUseViaService"]
    assert "kms:*" not in use["Action"] and "kms:Decrypt" in use["Action"]
    via = use["Condition"]["StringEquals"]["kms:ViaService"]
    assert sorted(v.split(".")[0] for v in via) == ["rds", "secretsmanager"]
    assert "kms:CallerAccount" in use["Condition"]["StringEquals"]
    assert all(s["Principal"] != "*" and s["Principal"].get("AWS") != "*" for s in found.values()), (
        "no wildcard principal"
    )


def test_service_principals_are_named_and_scoped_to_the_account():
    found = policy_statements(
        synth_scope(
            lambda s: KmsKey(
                s, "k", name="luneo-logs", allowed_services=["logs.amazonaws.com", "cloudwatch.amazonaws.com"]
            )
        )
    )
    direct = found["AllowedServicePrincipalsUse"]
    assert direct["Principal"]["Service"] == ["cloudwatch.amazonaws.com"]
    assert "aws:SourceAccount" in direct["Condition"]["StringEqualsIfExists"]
    assert "AllowedServicesUseViaService" not in found
    # Defect: CloudWatch Logs shared that statement, whose aws:SourceAccount (IfExists) it never sends: any
    # account's log group could use the key. It is limited by the log group in the encryption context.
    logs = found["CloudWatchLogsUse"]
    assert logs["Principal"]["Service"].startswith("logs.${data.aws_region"), "logs is a regional principal"
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": "arn:${data.aws_partition.partition-default.partition}:logs:"
            "${data.aws_region.region-default.name}:${data.aws_caller_identity.caller-default.account_id}:log-group:*"
        }
    }


def test_no_services_means_only_the_account():
    assert set(policy_statements(synth_scope(lambda s: KmsKey(s, "k", name="x")))) == {"AccountAdministers"}


def test_prevent_destroy_and_options():
    synthesized = synth_scope(
        lambda s: secrets_key(
            s, prevent_destroy=True, deletion_window_in_days=7, rotation_period_in_days=90, multi_region=True
        )
    )
    key = only_resource(synthesized, "aws_kms_key")
    assert key["lifecycle"] == {"prevent_destroy": True}
    assert (key["deletion_window_in_days"], key["rotation_period_in_days"], key["multi_region"]) == (7, 90, True)


def test_account_lookups_are_shared_between_keys():
    synthesized = json.loads(synth_scope(lambda s: [KmsKey(s, "a", name="a"), KmsKey(s, "b", name="b")]))
    assert len(synthesized["data"]["aws_caller_identity"]) == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": "alias/luneo"}, "name: expected 1-250 characters"),
        ({"name": "aws/luneo"}, "name: expected 1-250 characters"),
        ({"name": ""}, "name: expected"),
        ({"allowed_services": "rds.amazonaws.com"}, "allowed_services: expected a list of service principals"),
        ({"allowed_services": ["rds"]}, 'allowed_services: expected service principals such as "rds.amazonaws.com"'),
        ({"allowed_services": ["rds.amazonaws.com", "rds.amazonaws.com"]}, "allowed_services: expected no duplicates"),
        ({"deletion_window_in_days": 3}, "deletion_window_in_days: expected a whole number from 7 to 30, got 3"),
        ({"rotation_period_in_days": 30}, "rotation_period_in_days: expected a whole number from 90 to 2560"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError) as caught:
        synth_scope(lambda s: secrets_key(s, **overrides))
    assert str(caught.value).startswith("KmsKey 'test/kms-secrets': ")
    assert message in str(caught.value)
