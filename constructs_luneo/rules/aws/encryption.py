"""AWS API rules: KMS: a key is used in its own region; CloudWatch Logs uses a key for log groups only."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from ...support.synthesized import blocks, decode_document, references
from ..engine import Finding, View, rule

_KMS_BLIND = {"policy", "assume_role_policy", "//", "depends_on", "lifecycle", "tags", "tags_all"}


def _kms_uses(view: View, value: Any, region: str) -> Iterator[tuple[str, str]]:
    """(key address, region it is used in) for every aws_kms_key referenced under `value`; a
    `replica` block is used in its own region."""
    if isinstance(value, dict):
        for field in ("region", "region_name"):  # a replica block: secrets, DynamoDB tables
            if isinstance(value.get(field), str) and "${" not in value[field]:
                region = value[field]
        for key, item in value.items():
            if key not in _KMS_BLIND:
                yield from _kms_uses(view, item, region)
    elif isinstance(value, list):
        for item in value:
            yield from _kms_uses(view, item, region)
    elif isinstance(value, str):
        for reference in references(value):
            if reference.type == "aws_kms_key" and not reference.data:
                yield reference.address, region


@rule(
    "LUNEO-AWS-13",
    "a KMS key is used in its own region",
    source="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html",
)
def _kms_keys_are_regional(view: View) -> Iterable[Finding]:
    """ "KMS keys are specific to the Amazon Web Services Region that they are created in, and you
    can't use KMS keys from one Amazon Web Services Region in another" (CreateDBInstanceReadReplica,
    KmsKeyId): a replica (RDS, Secrets Manager, DynamoDB) or a replication destination is encrypted
    with a key of its own region."""
    keys = {address: view.region(body) for address, _, body in view.each("aws_kms_key")}
    for resource_type in sorted(view.resources):
        for address, path, body in view.each(resource_type):
            uses = list(_kms_uses(view, body, view.region(body)))
            if resource_type == "aws_s3_bucket_replication_configuration":
                uses = [(k, r) for k, r in uses if k not in _replica_keys(view, body)] + _replica_key_uses(view, body)
            for key, region in uses:
                if key in keys and keys[key] and region and keys[key] != region:
                    yield Finding(
                        path,
                        f"{address} uses {key} ({keys[key]}) in {region}: KMS keys are regional. "
                        f"Fix: a key of {region}",
                    )


def _replica_keys(view: View, body: dict[str, Any]) -> set[str]:
    return {key for key, _ in _replica_key_uses(view, body)}


def _replica_key_uses(view: View, body: dict[str, Any]) -> list[tuple[str, str]]:
    """S3 replication re-encrypts in the destination bucket's region."""
    uses = []
    for replication_rule in blocks(body.get("rule")):
        for destination in blocks(replication_rule.get("destination")):
            bucket = view.body(view.referenced(destination.get("bucket"), "aws_s3_bucket") or "")
            region = view.region(bucket) if bucket else ""
            for encryption in blocks(destination.get("encryption_configuration")):
                key = view.referenced(encryption.get("replica_kms_key_id"), "aws_kms_key")
                if key:
                    uses.append((key, region))
    return uses


@rule(
    "LUNEO-AWS-23",
    "a KMS key that CloudWatch Logs uses is limited to log groups by the encryption context",
    source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
)
def _logs_key_context(view: View) -> Iterable[Finding]:
    """CloudWatch Logs states the log group in the encryption context (kms:EncryptionContext:aws:logs:arn)
    and no aws:SourceAccount: a key policy statement for logs.<region>.amazonaws.com whose only
    condition is aws:SourceAccount (with IfExists) lets any account's log group use the key."""
    for address, path, body in view.each("aws_kms_key"):
        policy = body.get("policy")
        if not isinstance(policy, str) or "logs." not in policy:
            continue
        try:
            document = decode_document(policy)
        except ValueError:
            continue
        for statement in document.get("Statement", []):
            services = (statement.get("Principal") or {}).get("Service") if isinstance(statement, dict) else None
            services = services if isinstance(services, list) else [services]
            if not any(isinstance(s, str) and s.startswith("logs.") for s in services):
                continue
            conditions = {key for operator in (statement.get("Condition") or {}).values() for key in operator}
            if "kms:EncryptionContext:aws:logs:arn" not in conditions:
                yield Finding(
                    path,
                    f"{address}: CloudWatch Logs may use the key without kms:EncryptionContext:aws:logs:arn. "
                    "Fix: ArnLike on it with this account's log groups "
                    "(arn:<partition>:logs:<region>:<account>:log-group:*)",
                )
