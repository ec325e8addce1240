"""The state and the merge plans, as the delivery roles reach them: each environment its own state
key (in the bucket and in its copy in the replica region), its own lock items, and its own prefix of
the plans bucket; the keys' use only through S3, for those objects."""

from __future__ import annotations

from constructs_luneo.config import Delivery, DeliveryTarget, replica_bucket_name

from .statements import scoped


def state_statements(target: DeliveryTarget, replica_region: str, *, write: bool) -> list[dict]:
    """The environment's own state: its key in the state bucket and in the copy, its items in the
    lock table (the lock and the digest; the plan role only reads them), the state key's KMS use
    through S3 for those objects only."""
    copies = [
        (target.state_bucket, target.state_region),
        (replica_bucket_name(target.state_bucket, replica_region), replica_region),
    ]
    objects = [f"arn:aws:s3:::{b}/{target.state_key}" for b, _ in copies]
    # Both items, read or written: the plan role reads the lock to say who holds it (make drift).
    lock_ids = [f"{b}/{target.state_key}{suffix}" for b, _ in copies for suffix in ("", "-md5")]
    item_actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"] if write else ["dynamodb:GetItem"]
    kms_actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] if write else ["kms:Decrypt"]
    # S3 SSE-KMS: the encryption context is the object's ARN, or the bucket's when the object was written
    # with an S3 Bucket Key (Amazon S3 user guide, "Using server-side encryption with AWS KMS keys").
    return [
        scoped({"s3:ListBucket"}, [f"arn:aws:s3:::{b}" for b, _ in copies], "StateBucketList"),
        scoped({"s3:GetObject", "s3:PutObject"} if write else {"s3:GetObject"}, objects, "StateObject"),
        scoped(
            set(item_actions),
            [f"arn:aws:dynamodb:{r}:*:table/{target.lock_table}" for _, r in copies],
            "StateLockItems",
            {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": sorted(lock_ids)}},
        ),
        scoped(
            {"dynamodb:DescribeTable"},
            [f"arn:aws:dynamodb:{r}:*:table/{target.lock_table}" for _, r in copies],
            "StateLockTable",
        ),
        scoped(
            set(kms_actions),
            ["arn:aws:kms:*:*:key/*"],
            "StateEncryption",
            {
                "StringLike": {
                    "kms:ViaService": sorted({f"s3.{r}.amazonaws.com" for _, r in copies}),
                    # the bucket's ARN with an S3 Bucket Key (the buckets use one), the object's without
                    "kms:EncryptionContext:aws:s3:arn": sorted(objects + [f"arn:aws:s3:::{b}" for b, _ in copies]),
                }
            },
        ),
    ]


def plan_store_statements(delivery: Delivery, target: DeliveryTarget, *, read: bool) -> list[dict]:
    """Merge plans under `<plans bucket>/<environment>/`: the plan role writes them, the apply role
    reads them; encrypted with the plans key through S3, for those objects only."""
    objects = f"arn:aws:s3:::{delivery.plans_bucket}/{target.environment}/*"
    kms = {"kms:Decrypt"} if read else {"kms:Encrypt", "kms:GenerateDataKey"}
    return [
        scoped({"s3:GetObject"} if read else {"s3:PutObject"}, [objects], "MergePlans"),
        scoped(
            kms,
            ["arn:aws:kms:*:*:key/*"],
            "MergePlansEncryption",
            {
                "StringLike": {
                    "kms:ViaService": f"s3.{target.state_region}.amazonaws.com",
                    "kms:EncryptionContext:aws:s3:arn": [f"arn:aws:s3:::{delivery.plans_bucket}", objects],
                }
            },
        ),
    ]
