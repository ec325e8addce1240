"""AWS API rules: what the AWS APIs refuse, or silently ignore, written down where it is enforced.

Each rule's docstring states it in one sentence and names the AWS documentation page it comes
from; the local AWS (moto) does not apply these resources, so an emulator run would not catch them
and the provider's plan does not either (except where said). Each rule has a violating example in
tests/test_policy.py; docs/POLICY_RULES.md lists them (make docs).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from ..support.synthesized import blocks, references, truthy
from .engine import Finding, View, rule

RDS_SECRETS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html"
AURORA_SECRETS = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html"


@rule(
    "LUNEO-AWS-1",
    "no read replica of an RDS instance whose master password Secrets Manager manages",
    source=RDS_SECRETS,
)
def _replica_of_managed_password(view: View) -> Iterable[Finding]:
    """RDS refuses to create a read replica (same or cross-region) when the source manages its
    master user password in Secrets Manager, for every engine but SQL Server ("Limitations for
    Secrets Manager integration"; InvalidParameterValue: Creating read replicas for source instance
    with engine postgres where ManageMasterUserPassword is enabled is not supported)."""
    for address, path, body in view.each("aws_db_instance"):
        source = view.referenced(body.get("replicate_source_db"), "aws_db_instance")
        source_body = view.body(source) if source else None
        if source_body and truthy(source_body.get("manage_master_user_password")):
            yield Finding(
                path,
                f"{address} replicates {source}, whose master password RDS manages in Secrets "
                "Manager: AWS refuses such a replica. Fix: a generated password (password_wo) on "
                "the source, kept in a secret of ours",
            )


@rule(
    "LUNEO-AWS-2",
    "an Aurora global database uses no managed master password, and only its writer holds credentials",
    source=AURORA_SECRETS,
)
def _aurora_global_credentials(view: View) -> Iterable[Finding]:
    """Clusters that are part of an Aurora global database cannot manage their master password with
    Secrets Manager (Aurora user guide, "Limitations for Secrets Manager integration"); a secondary
    cluster takes its credentials from the primary and refuses its own (InvalidParameterCombination:
    Cannot specify user name/password for cross region replication cluster)."""
    by_global: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for address, path, body in view.each("aws_rds_cluster"):
        global_id = body.get("global_cluster_identifier")
        if not global_id:
            continue
        by_global.setdefault(str(global_id), []).append((address, path, body))
        if truthy(body.get("manage_master_user_password")):
            yield Finding(
                path,
                f"{address} is in a global database with manage_master_user_password: AWS refuses "
                "it. Fix: master_password_wo from a generated password",
            )
    credentials = ("master_username", "master_password", "master_password_wo", "manage_master_user_password")
    for members in by_global.values():
        holders = [m for m in members if any(k in m[2] for k in credentials)]
        for address, path, _ in holders[1:]:
            yield Finding(
                path,
                f"{address} is a secondary of a global database and sets master credentials: AWS "
                "refuses them. Fix: credentials on the primary cluster only",
            )


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


@rule(
    "LUNEO-AWS-4",
    "a security group replaced before it is destroyed has no fixed name",
    source="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
)
def _security_group_name_and_create_before_destroy(view: View) -> Iterable[Finding]:
    """Security group names are unique within a VPC ("You can't have two security groups for the
    same VPC with the same name"): with create_before_destroy, replacing a group with a fixed `name`
    creates its twin first and fails with InvalidGroup.Duplicate."""
    for address, path, body in view.each("aws_security_group"):
        if body.get("name") and truthy((body.get("lifecycle") or {}).get("create_before_destroy")):
            yield Finding(
                path,
                f"{address} has a fixed name and create_before_destroy: a replacement fails with "
                "InvalidGroup.Duplicate. Fix: name_prefix, or no create_before_destroy where the "
                "name must stay",
            )


@rule(
    "LUNEO-AWS-5",
    "ElastiCache user groups need in-transit encryption, mode required",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html",
)
def _user_groups_need_tls(view: View) -> Iterable[Finding]:
    """Role-based access control (user groups) needs encryption in transit on the replication
    group ("User group based access control requires encryption-in-transit to be enabled on the
    replication group"), and access control refuses the `preferred` transit mode
    (InvalidParameterCombination: Transit encryption preferred is not supported with redis access
    control)."""
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if not body.get("user_group_ids") or body.get("global_replication_group_id"):
            continue
        if not truthy(body.get("transit_encryption_enabled")) or body.get("transit_encryption_mode") == "preferred":
            yield Finding(
                path,
                f"{address} uses user groups without transit encryption in mode required: AWS "
                "refuses it. Fix: transit_encryption_enabled = true, transit_encryption_mode = "
                '"required"',
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


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def _weekly(start: int, end: int) -> set[int]:
    return {m % _WEEK for m in range(start, end if end > start else end + _WEEK)}


def _windows_overlap(backup: str, maintenance: str) -> bool:
    """Does a daily hh:mm-hh:mm window meet a weekly ddd:hh:mm-ddd:hh:mm window (UTC)?"""
    b_start, b_end = (_minutes(part) for part in backup.split("-"))
    (d1, t1), (d2, t2) = (part.lower().split(":", 1) for part in maintenance.split("-"))
    m_start, m_end = _DAYS.index(d1) * 1440 + _minutes(t1), _DAYS.index(d2) * 1440 + _minutes(t2)
    daily: set[int] = set()
    for day in range(7):
        daily |= _weekly(day * 1440 + b_start, day * 1440 + (b_end if b_end > b_start else b_end + 1440))
    return bool(daily & _weekly(m_start, m_end))


@rule(
    "LUNEO-AWS-8",
    "RDS backup and maintenance windows do not overlap",
    source="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
)
def _rds_windows(view: View) -> Iterable[Finding]:
    """PreferredBackupWindow "Must not conflict with the preferred maintenance window" (CreateDBInstance,
    ModifyDBCluster); the API answers "The backup window and maintenance window must not overlap"."""
    for resource_type, backup_key, maintenance_key in (
        ("aws_db_instance", "backup_window", "maintenance_window"),
        ("aws_rds_cluster", "preferred_backup_window", "preferred_maintenance_window"),
    ):
        for address, path, body in view.each(resource_type):
            backup, maintenance = body.get(backup_key), body.get(maintenance_key)
            if isinstance(backup, str) and isinstance(maintenance, str) and _windows_overlap(backup, maintenance):
                yield Finding(
                    path,
                    f"{address}: {backup_key} {backup} overlaps {maintenance_key} {maintenance}: AWS "
                    "refuses it. Fix: windows apart (the stacks keep maintenance after the backups)",
                )


@rule(
    "LUNEO-AWS-9",
    "Redis Multi-AZ needs automatic failover, which needs two or more nodes",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
)
def _redis_failover(view: View) -> Iterable[Finding]:
    """ "If AutomaticFailoverEnabled is true, the value of this parameter [NumCacheClusters] must be
    at least 2" (CreateReplicationGroup); Multi-AZ requires automatic failover (the provider refuses
    it at plan; this says so at synth)."""
    for address, path, body in view.each("aws_elasticache_replication_group"):
        failover = truthy(body.get("automatic_failover_enabled"))
        if truthy(body.get("multi_az_enabled")) and not failover:
            yield Finding(path, f"{address} is Multi-AZ without automatic failover. Fix: automatic_failover_enabled")
        nodes = body.get("num_cache_clusters")
        if failover and isinstance(nodes, int) and nodes < 2:
            yield Finding(path, f"{address} fails over automatically with {nodes} node. Fix: num_cache_clusters >= 2")


def instance_architecture(instance_type: str) -> str | None:
    """arm64 for Graviton families (a letter g after the generation: m6g, c7gn, r6gd, t4g, is4gen),
    x86_64 for the others; None when the name is not an EC2 instance type."""
    match = re.match(r"^([a-z]+?)(\d+)([a-z-]*)\.", instance_type)
    if instance_type.startswith("a1."):
        return "arm64"
    if not match:
        return None
    return "arm64" if "g" in match.group(3) else "x86_64"


@rule(
    "LUNEO-AWS-10",
    "EKS node group instance types match the AMI type's architecture",
    source="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html",
)
def _node_group_architecture(view: View) -> Iterable[Finding]:
    """Every instance type of a managed node group must run the AMI type's architecture; without
    amiType, EKS 1.30+ picks AL2023_x86_64_STANDARD ("any newly created managed node groups will
    automatically default to using Amazon Linux 2023", EKS user guide), so Graviton types fail
    (InvalidParameterException: [t4g.medium] is not a valid instance type for requested amiType)."""
    custom_ami = {address for address, _, body in view.each("aws_launch_template") if body.get("image_id")}
    for address, path, body in view.each("aws_eks_node_group"):
        template = next(iter(blocks(body.get("launch_template"))), {})
        if view.referenced(template.get("id"), "aws_launch_template") in custom_ami:
            continue  # a custom AMI decides its own architecture
        ami_type = str(body.get("ami_type") or "AL2023_x86_64_STANDARD")
        if ami_type == "CUSTOM":
            continue
        wanted = "arm64" if "ARM_64" in ami_type else "x86_64"
        wrong = [t for t in body.get("instance_types") or [] if instance_architecture(str(t)) not in (None, wanted)]
        if wrong:
            yield Finding(
                path,
                f"{address} runs {ami_type} ({wanted}) on {', '.join(wrong)}: EKS refuses the node "
                "group. Fix: instance types of one architecture and the matching ami_type",
            )


@rule(
    "LUNEO-AWS-11",
    "a DynamoDB global table is on-demand with its stream on",
    source="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_reqs_bestpractices.html",
)
def _dynamodb_global_table(view: View) -> Iterable[Finding]:
    """ "You must either use on-demand capacity or enable autoscaling on the table" for global tables;
    adding a replica turns the stream on, and a table that leaves stream_enabled unset makes every
    plan try to turn it off, which AWS refuses for replicated tables."""
    for address, path, body in view.each("aws_dynamodb_table"):
        if not blocks(body.get("replica")):
            continue
        if body.get("billing_mode") != "PAY_PER_REQUEST":
            yield Finding(
                path,
                f"{address} has replicas but is not on-demand. Fix: billing_mode = "
                '"PAY_PER_REQUEST" (or provisioned with auto scaling)',
            )
        if not truthy(body.get("stream_enabled")):
            yield Finding(
                path,
                f"{address} has replicas without stream_enabled. Fix: stream_enabled = true, "
                'stream_view_type = "NEW_AND_OLD_IMAGES"',
            )


GLOBAL_DATASTORE_FAMILIES = ("m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g", "c7gn")
GLOBAL_DATASTORE_SECONDARY_REFUSES = (
    "engine",
    "engine_version",
    "node_type",
    "parameter_group_name",
    "transit_encryption_enabled",
    "transit_encryption_mode",
    "at_rest_encryption_enabled",
    "num_node_groups",
)


@rule(
    "LUNEO-AWS-12",
    "an ElastiCache Global Datastore runs on supported node types; secondaries inherit",
    source="https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html",
)
def _global_datastore(view: View) -> Iterable[Finding]:
    """ "Global datastores are supported on the following instance families in size large and above:
    M5, M6g, M7g, R5, R6g, R6gd, R7g, and C7gn" with Redis OSS 5.0.6 or later; a secondary cluster
    takes engine, node type and encryption from the primary (the provider refuses them on it) and
    inherits Multi-AZ and automatic failover, which need two or more nodes."""
    for address, path, body in view.each("aws_elasticache_global_replication_group"):
        primary = view.body(
            view.referenced(body.get("primary_replication_group_id"), "aws_elasticache_replication_group") or ""
        )
        if not primary:
            continue
        node_type = str(primary.get("node_type", ""))
        parts = node_type.split(".")
        if len(parts) == 3 and (parts[1] not in GLOBAL_DATASTORE_FAMILIES or parts[2] in ("micro", "small", "medium")):
            yield Finding(
                path,
                f"{address}: the primary's node type {node_type} cannot join a global datastore. "
                "Fix: M5, M6g, M7g, R5, R6g, R6gd, R7g or C7gn, size large or above",
            )
        version = str(primary.get("engine_version", ""))
        if re.match(r"^\d+(\.\d+)*$", version) and tuple(int(p) for p in version.split(".")) < (5, 0, 6):
            yield Finding(path, f"{address}: Redis {version} is older than 5.0.6. Fix: a newer engine_version")
    for address, path, body in view.each("aws_elasticache_replication_group"):
        if not body.get("global_replication_group_id"):
            continue
        refused = [k for k in GLOBAL_DATASTORE_SECONDARY_REFUSES if k in body]
        if refused:
            yield Finding(
                path,
                f"{address} is a global datastore secondary setting {', '.join(refused)}: they come "
                "from the primary. Fix: leave them out",
            )


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
    "LUNEO-AWS-14",
    "a cross-region RDS read replica names its source by ARN and has a key of its region",
    source="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html",
)
def _cross_region_replica(view: View) -> Iterable[Finding]:
    """ "If you create an encrypted read replica in a different Amazon Web Services Region, then you
    must specify a KMS key identifier for the destination Amazon Web Services Region", and a
    cross-region source is given by its ARN (provider docs, replicate_source_db)."""
    for address, path, body in view.each("aws_db_instance"):
        reference = body.get("replicate_source_db")
        source = view.referenced(reference, "aws_db_instance")
        source_body = view.body(source) if source else None
        if not source_body or view.region(source_body) == view.region(body):
            continue
        if not str(reference).endswith(".arn}"):
            yield Finding(path, f"{address} replicates {source} across regions by identifier. Fix: its arn")
        if truthy(source_body.get("storage_encrypted")) and not body.get("kms_key_id"):
            yield Finding(
                path,
                f"{address} is an encrypted cross-region replica without kms_key_id. Fix: a key of {view.region(body)}",
            )


@rule(
    "LUNEO-AWS-15",
    "an EKS cluster without creator bootstrap has a cluster admin access entry",
    source="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessConfigRequest.html",
)
def _eks_access(view: View) -> Iterable[Finding]:
    """With authentication_mode API there is no aws-auth ConfigMap, and with
    bootstrapClusterCreatorAdminPermissions false the creator gets no access entry: without an
    access entry holding AmazonEKSClusterAdminPolicy nobody can administer the cluster. Access
    entries take IAM principals, not STS assumed-role sessions (CreateAccessEntry)."""
    admins = {
        view.referenced(body.get("cluster_name"), "aws_eks_cluster")
        for _, _, body in view.each("aws_eks_access_policy_association")
        if "AmazonEKSClusterAdminPolicy" in str(body.get("policy_arn"))
    }
    for address, path, body in view.each("aws_eks_cluster"):
        access = next(iter(blocks(body.get("access_config"))), {})
        if (
            access.get("authentication_mode") == "API"
            and not truthy(access.get("bootstrap_cluster_creator_admin_permissions", True))
            and address not in admins
        ):
            yield Finding(
                path,
                f"{address} has no cluster admin: API authentication without creator bootstrap and "
                "no access entry with AmazonEKSClusterAdminPolicy. Fix: an access entry for the "
                "role that applies the stack (EksCluster.grant_cluster_admin)",
            )
    for address, path, body in view.each("aws_eks_access_entry"):
        if ":assumed-role/" in str(body.get("principal_arn", "")):
            yield Finding(
                path,
                f"{address} names an STS session: access entries take IAM roles. Fix: the role ARN "
                "(data aws_iam_session_context issuer_arn)",
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


@rule(
    "LUNEO-AWS-17",
    "an ElastiCache user group holds a user named default",
    source="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-usergroup.html",
)
def _user_group_default(view: View) -> Iterable[Finding]:
    """ "A user named default must be included" in a user group's UserIds (ElastiCache UserGroup,
    CloudFormation reference): the built-in default user, which RedisCluster switches off."""
    default_users = {
        address for address, _, body in view.each("aws_elasticache_user") if body.get("user_name") == "default"
    }
    for address, path, body in view.each("aws_elasticache_user_group"):
        members = {view.referenced(u, "aws_elasticache_user") for u in body.get("user_ids") or []}
        if not members & default_users:
            yield Finding(
                path,
                f"{address} has no user named default: AWS refuses it. Fix: add a default user "
                'switched off (access_string "off -@all")',
            )
