"""S3 building blocks: a private bucket and cross-region replication between two of them.

Both are *parts* of the construct that owns them (AssetStorage, StateBackend), not levels of the
construct tree: their resources are created in the owner's scope, with ids `<prefix><name>`
(`assets_bucket`, `assets_replica-bucket`). A tree level would add its id to every resource's
construct path, which cdktf writes into the synthesized JSON and from which the Terraform
addresses of existing buckets derive; those must not change.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from cdktf import Fn, ITerraformDependable, TerraformProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
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
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from constructs import Construct

from .eks.workload import Permission, WorkloadIdentity
from .monitoring import Metric
from .support.common import account_context, lifecycle


def deny_insecure_transport(bucket: S3Bucket) -> dict[str, Any]:
    """The bucket-policy statement refusing every request that is not TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket.arn, f"{bucket.arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def deny_unencrypted_writes(bucket: S3Bucket) -> dict[str, Any]:
    """Refuse a PutObject that does not ask for SSE-KMS (an absent header is refused too: S3 bucket
    policy examples, "Requiring server-side encryption"): the state and the saved plans are written
    with a customer key, never with SSE-S3, which any principal holding s3:GetObject could read."""
    return {
        "Sid": "DenyUnencryptedWrites",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"{bucket.arn}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    }


#: What only the break-glass role may do to a state bucket: lose history, stop versioning, change
#: what expires or who may, stop the copy or the encryption, delete the bucket.
PROTECTED_STATE_ACTIONS = (
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:DeleteObjectVersion",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
)


def only_break_glass(bucket: S3Bucket, break_glass_role_arn: str) -> dict[str, Any]:
    """Refuse PROTECTED_STATE_ACTIONS to every principal but the break-glass role (aws:PrincipalArn
    is a session's role ARN; an explicit Deny wins over any Allow of the same account). The
    account's root user keeps GetBucketPolicy, PutBucketPolicy and DeleteBucketPolicy whatever the
    policy says (S3 API reference, DeleteBucketPolicy): the way back if the role is lost."""
    return {
        "Sid": "OnlyBreakGlassChangesProtection",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(PROTECTED_STATE_ACTIONS),
        "Resource": [bucket.arn, f"{bucket.arn}/*"],
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": break_glass_role_arn}},
    }


#: What a workload with write access does to objects (a delete on a versioned bucket is a marker).
OBJECT_WRITES = ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:AbortMultipartUpload"]


class PrivateBucket:
    """A versioned bucket, SSE-KMS with a bucket key, all public access blocked, owner-enforced.

    Arguments: scope (the owner construct), prefix of the resource ids ("" or e.g. "replica-"),
    name, kms_key_id (key id or ARN), tags, prevent_destroy, provider.
    Resources: `<prefix>bucket`, `<prefix>public-access-block`, `<prefix>ownership`,
    `<prefix>versioning`, `<prefix>encryption`; `<prefix>lifecycle` with add_lifecycle_rules(),
    `<prefix>policy` (TLS only, plus given statements) with attach_policy().
    Attributes: name (the literal bucket name), bucket, versioning, encryption, provider.
    """

    def __init__(
        self,
        scope: Construct,
        prefix: str,
        *,
        name: str,
        kms_key_id: str,
        tags: Mapping[str, str] | None,
        prevent_destroy: bool,
        provider: TerraformProvider | None,
    ) -> None:
        self.scope, self.prefix, self.name, self.provider = scope, prefix, name, provider
        self.kms_key_arn = kms_key_id
        self.bucket = S3Bucket(
            scope,
            f"{prefix}bucket",
            bucket=name,
            force_destroy=False,
            tags=dict(tags or {}) or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        self._block_public_access()
        self.versioning = S3BucketVersioningA(
            scope,
            f"{prefix}versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            provider=provider,
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            scope,
            f"{prefix}encryption",
            bucket=self.bucket.id,
            provider=provider,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=kms_key_id
                        )
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )

    def _block_public_access(self) -> None:
        """All public access blocked, ACLs off (the owner owns every object)."""
        scope, prefix, provider = self.scope, self.prefix, self.provider
        S3BucketPublicAccessBlock(
            scope,
            f"{prefix}public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            provider=provider,
        )
        S3BucketOwnershipControls(
            scope,
            f"{prefix}ownership",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            provider=provider,
        )

    @property
    def arn(self) -> str:
        return self.bucket.arn

    def grant(self, identity: WorkloadIdentity, id: str, *, write: bool) -> IamRolePolicy:
        """Read (and with `write`, write) the bucket's objects, and the key's use for them through S3
        only: aws-cdk's grantRead / grantReadWrite (aws-s3/lib/perms.ts), narrower. No s3:GetBucket*
        (a workload reads objects, not the bucket's configuration) and no s3:DeleteObjectVersion: on
        a versioned bucket a workload's delete leaves a delete marker, and old versions stay."""
        region = account_context(self.scope, self.provider).region
        objects = ["s3:GetObject", "s3:GetObjectVersion"] + (OBJECT_WRITES if write else [])
        keys = ["kms:Decrypt", "kms:DescribeKey"] + (
            ["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"] if write else []
        )
        return identity.grant(
            id,
            Permission(["s3:ListBucket"], [self.bucket.arn]),
            Permission(objects, [f"{self.bucket.arn}/*"]),
            Permission(keys, [self.kms_key_arn], {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}),
        )

    def add_lifecycle_rules(
        self, rules: Sequence[S3BucketLifecycleConfigurationRule], *, after_versioning: bool = False
    ) -> S3BucketLifecycleConfiguration:
        """The bucket's lifecycle configuration; `after_versioning` orders it after versioning."""
        return S3BucketLifecycleConfiguration(
            self.scope,
            f"{self.prefix}lifecycle",
            bucket=self.bucket.id,
            rule=list(rules),
            provider=self.provider,
            depends_on=[self.versioning] if after_versioning else None,
        )

    def attach_policy(self, statements: Sequence[Mapping[str, Any]] = ()) -> S3BucketPolicy:
        """The bucket policy: TLS only, then `statements`."""
        document = {"Version": "2012-10-17", "Statement": [deny_insecure_transport(self.bucket), *statements]}
        return S3BucketPolicy(
            self.scope,
            f"{self.prefix}policy",
            bucket=self.bucket.id,
            policy=Fn.jsonencode(document),
            provider=self.provider,
        )


class CrossRegionReplication:
    """Every object version and delete marker of `source` replicated to `replica` (another region),
    re-encrypted with the replica's key, with Replication Time Control (15 minutes, S3's only value)
    and its metrics, which metric_replication_latency() reads.

    Resources (in the owner's scope): `replication-role`, `replication-policy`, `replication`.
    Attributes: rule_id.
    """

    rule_id = "replicate-everything"

    def __init__(
        self,
        scope: Construct,
        *,
        source: PrivateBucket,
        replica: PrivateBucket,
        source_kms_key_id: str,
        replica_kms_key_id: str,
        minutes: int = 15,
        tags: Mapping[str, str] | None = None,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        self.source, self.replica, self.minutes = source, replica, minutes
        role = self._role(scope, source_kms_key_id, replica_kms_key_id, dict(tags or {}))
        R = S3BucketReplicationConfigurationRule
        S3BucketReplicationConfigurationA(
            scope,
            "replication",
            bucket=source.bucket.id,
            role=role.arn,
            provider=source.provider,
            depends_on=list(depends_on) or [source.versioning, replica.versioning],
            rule=[
                R(
                    id=self.rule_id,
                    status="Enabled",
                    priority=1,
                    filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                    delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                        status="Enabled"
                    ),
                    source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                        sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                            status="Enabled"
                        )
                    ),
                    destination=self._destination(replica_kms_key_id),
                )
            ],
        )

    def _destination(self, replica_kms_key_id: str) -> S3BucketReplicationConfigurationRuleDestination:
        return S3BucketReplicationConfigurationRuleDestination(
            bucket=self.replica.arn,
            storage_class="STANDARD",
            encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                replica_kms_key_id=replica_kms_key_id
            ),
            replication_time=S3BucketReplicationConfigurationRuleDestinationReplicationTime(
                status="Enabled",
                time=S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime(minutes=self.minutes),
            ),
            metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(
                status="Enabled",
                event_threshold=S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold(
                    minutes=self.minutes
                ),
            ),
        )

    def _role(self, scope: Construct, source_key: str, replica_key: str, tags: dict[str, str]) -> IamRole:
        """The role S3 assumes to replicate, with the permissions of _permissions(). Its name starts with
        the bucket's (luneo-...): the Terraform role may manage only roles named so."""
        source_account = account_context(scope, self.source.provider)
        replica_account = account_context(scope, self.replica.provider)
        role = IamRole(
            scope,
            "replication-role",
            name_prefix=f"{self.source.name}-replication-"[:38],
            tags=tags or None,
            provider=self.source.provider,
            assume_role_policy=Fn.jsonencode(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": source_account.account_id}},
                        }
                    ],
                }
            ),
        )
        IamRolePolicy(
            scope,
            "replication-policy",
            role=role.id,
            provider=self.source.provider,
            policy=Fn.jsonencode(
                self._permissions(source_key, source_account.region, replica_key, replica_account.region)
            ),
        )
        return role

    def _permissions(
        self, source_key: str, source_region: str, replica_key: str, replica_region: str
    ) -> dict[str, Any]:
        """The replication role's policy: read the source's versions, write the replica, use both keys
        only through S3 in their regions."""
        source, replica = self.source, self.replica
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadSourceConfiguration",
                    "Effect": "Allow",
                    "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    "Resource": source.arn,
                },
                {
                    "Sid": "ReadSourceVersions",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionTagging",
                    ],
                    "Resource": f"{source.arn}/*",
                },
                {
                    "Sid": "WriteReplica",
                    "Effect": "Allow",
                    "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                    "Resource": f"{replica.arn}/*",
                },
                {
                    "Sid": "DecryptSource",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": source_key,
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"}},
                },
                {
                    "Sid": "EncryptReplica",
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                    "Resource": replica_key,
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"}},
                },
            ],
        }

    def metric_replication_latency(self) -> Metric:
        """Seconds the slowest object took to replicate (Replication Time Control's metric), per rule."""
        return Metric(
            "AWS/S3",
            "ReplicationLatency",
            statistic="Maximum",
            provider=self.source.provider,
            dimensions={
                "SourceBucket": self.source.name,
                "DestinationBucket": self.replica.name,
                "RuleId": self.rule_id,
            },
        )
