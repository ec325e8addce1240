"""What Terraform needs from IAM for each resource type the environment stacks use: create, read,
update and delete (TYPE_ACTIONS), and the service-linked roles AWS creates on first use. The apply
roles get these actions (scoped: policy.py), the plan roles their List and Read ones.
tests/test_iam_policy.py fails when a stack uses a type this table does not cover, and when it
grants a type no stack uses. luneo-bootstrap is applied by the break-glass role, not through these
roles (docs/SECURITY.md), so its own types (the lock table, the registry's replication, the CI
roles' policies) have no entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

#: EC2 tags its resources on create (TagSpecifications): IAM still checks ec2:CreateTags for that, and
#: the default security group (adopted, not created) is tagged with CreateTags alone.
_EC2_READ = ["ec2:Describe*", "ec2:CreateTags", "ec2:DeleteTags"]
#: Keys a service uses on behalf of the caller need grants (RDS, ElastiCache, EKS, DynamoDB).
_KMS_GRANTS = ["kms:CreateGrant", "kms:DescribeKey"]

#: resource or data source type -> IAM actions Terraform needs to create, read, update and delete it.
#: (DeletePublicAccessBlock and DeleteBucketOwnershipControls are authorized by the Put actions: S3 API
#: reference; there is no s3:Delete... action of those names.)
TYPE_ACTIONS: dict[str, list[str]] = {
    # KMS
    "aws_kms_key": [
        "kms:CreateKey",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:PutKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:EnableKeyRotation",
        "kms:DisableKeyRotation",
        "kms:ListResourceTags",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateKeyDescription",
        "kms:ScheduleKeyDeletion",
        "kms:EnableKey",
        "kms:DisableKey",
    ],
    "aws_kms_alias": ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListAliases"],
    # S3
    "aws_s3_bucket": [
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:ListBucket",
        "s3:GetBucket*",
        "s3:GetAccelerateConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:GetAnalyticsConfiguration",
        "s3:GetIntelligentTieringConfiguration",
        "s3:GetInventoryConfiguration",
        "s3:GetMetricsConfiguration",
        "s3:PutBucketTagging",
    ],
    "aws_s3_bucket_versioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    "aws_s3_bucket_server_side_encryption_configuration": [
        "s3:PutEncryptionConfiguration",
        "s3:GetEncryptionConfiguration",
    ],
    "aws_s3_bucket_public_access_block": [
        "s3:PutBucketPublicAccessBlock",
        "s3:GetBucketPublicAccessBlock",
    ],
    "aws_s3_bucket_ownership_controls": [
        "s3:PutBucketOwnershipControls",
        "s3:GetBucketOwnershipControls",
    ],
    "aws_s3_bucket_policy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
    "aws_s3_bucket_lifecycle_configuration": ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    "aws_s3_bucket_replication_configuration": [
        "s3:PutReplicationConfiguration",
        "s3:GetReplicationConfiguration",
        "iam:PassRole",
    ],
    # CloudFront
    "aws_cloudfront_distribution": [
        "cloudfront:CreateDistribution*",
        "cloudfront:GetDistribution*",
        "cloudfront:UpdateDistribution",
        "cloudfront:DeleteDistribution",
        "cloudfront:TagResource",
        "cloudfront:UntagResource",
        "cloudfront:ListTagsForResource",
    ],
    "aws_cloudfront_origin_access_control": ["cloudfront:*OriginAccessControl*"],
    "aws_cloudfront_response_headers_policy": ["cloudfront:*ResponseHeadersPolicy*"],
    # EC2 / VPC
    "aws_vpc": _EC2_READ + ["ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute"],
    "aws_subnet": _EC2_READ + ["ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute"],
    "aws_default_security_group": _EC2_READ + ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
    "aws_security_group": _EC2_READ
    + [
        "ec2:CreateSecurityGroup",
        "ec2:DeleteSecurityGroup",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
    ],
    "aws_vpc_security_group_ingress_rule": _EC2_READ
    + [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:ModifySecurityGroupRules",
        "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    ],
    "aws_vpc_security_group_egress_rule": _EC2_READ
    + [
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifySecurityGroupRules",
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    ],
    "aws_internet_gateway": _EC2_READ
    + [
        "ec2:CreateInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway",
    ],
    "aws_eip": _EC2_READ + ["ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress"],
    "aws_nat_gateway": _EC2_READ + ["ec2:CreateNatGateway", "ec2:DeleteNatGateway"],
    "aws_route_table": _EC2_READ + ["ec2:CreateRouteTable", "ec2:DeleteRouteTable"],
    "aws_route": _EC2_READ + ["ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"],
    "aws_route_table_association": _EC2_READ
    + ["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation"],
    "aws_vpc_endpoint": _EC2_READ + ["ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"],
    "aws_flow_log": _EC2_READ + ["ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "iam:PassRole"],
    "aws_launch_template": _EC2_READ
    + [
        "ec2:CreateLaunchTemplate",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
        "ec2:DeleteLaunchTemplate",
        "ec2:GetLaunchTemplateData",
    ],
    # IAM
    "aws_iam_role": [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
    ],
    "aws_iam_role_policy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    "aws_iam_role_policy_attachment": ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"],
    "aws_iam_openid_connect_provider": ["iam:*OpenIDConnectProvider*"],
    # CloudWatch, SNS, Route53
    "aws_cloudwatch_log_group": [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:DescribeLogGroups",
        "logs:PutRetentionPolicy",
        "logs:AssociateKmsKey",
        "logs:DisassociateKmsKey",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:ListTagsForResource",
    ],
    "aws_cloudwatch_metric_alarm": [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:ListTagsForResource",
    ],
    "aws_sns_topic": [
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:TagResource",
        "sns:ListTagsForResource",
    ],
    "aws_sns_topic_subscription": [
        "sns:Subscribe",
        "sns:Unsubscribe",
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
    ],
    "aws_route53_health_check": [
        "route53:*HealthCheck*",
        "route53:ChangeTagsForResource",
        "route53:ListTagsForResource",
    ],
    "aws_route53_record": [
        "route53:ChangeResourceRecordSets",
        "route53:ListResourceRecordSets",
        "route53:GetHostedZone",
        "route53:GetChange",
    ],
    # Databases and caches
    "aws_db_instance": [
        "rds:CreateDBInstance",
        "rds:CreateDBInstanceReadReplica",
        "rds:DeleteDBInstance",
        "rds:ModifyDBInstance",
        "rds:DescribeDBInstances",
        "rds:PromoteReadReplica",
        # db_restore_from (docs/OPERATIONS.md, Restores): always granted, so that a restore never waits
        # for a new policy. https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html
        "rds:RestoreDBInstanceFromDBSnapshot",
        "rds:RestoreDBInstanceToPointInTime",
        "rds:AddTagsToResource",
        "rds:RemoveTagsFromResource",
        "rds:ListTagsForResource",
        "iam:PassRole",
        "secretsmanager:CreateSecret",
        "secretsmanager:TagResource",
        "kms:CreateGrant",
        "kms:DescribeKey",
    ],
    "aws_db_subnet_group": ["rds:*DBSubnetGroup*", "rds:AddTagsToResource", "rds:ListTagsForResource"],
    "aws_db_parameter_group": [
        "rds:*DBParameterGroup*",
        "rds:DescribeDBParameters",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
    ],
    "aws_rds_global_cluster": ["rds:*GlobalCluster*"],
    "aws_rds_cluster": [
        "rds:*DBCluster",
        "rds:DescribeDBClusters",
        "rds:RemoveFromGlobalCluster",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
        "kms:CreateGrant",
        "kms:DescribeKey",
    ],
    "aws_rds_cluster_instance": [
        "rds:CreateDBInstance",
        "rds:DeleteDBInstance",
        "rds:ModifyDBInstance",
        "rds:DescribeDBInstances",
        "iam:PassRole",
    ],
    "aws_rds_cluster_parameter_group": ["rds:*DBClusterParameterGroup*", "rds:DescribeDBClusterParameters"],
    "aws_elasticache_replication_group": [
        "elasticache:*ReplicationGroup*",
        "elasticache:DescribeCacheClusters",
        "elasticache:AddTagsToResource",
        "elasticache:ListTagsForResource",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        *_KMS_GRANTS,
    ],
    "aws_elasticache_subnet_group": [
        "elasticache:*CacheSubnetGroup*",
        "elasticache:AddTagsToResource",
        "elasticache:ListTagsForResource",
    ],
    "aws_elasticache_user": [
        "elasticache:CreateUser",
        "elasticache:DeleteUser",
        "elasticache:ModifyUser",
        "elasticache:DescribeUsers",
        "elasticache:AddTagsToResource",
        "elasticache:ListTagsForResource",
    ],
    "aws_elasticache_user_group": [
        "elasticache:*UserGroup*",
        "elasticache:AddTagsToResource",
        "elasticache:ListTagsForResource",
    ],
    "aws_elasticache_global_replication_group": [
        "elasticache:*GlobalReplicationGroup*",
        "elasticache:DescribeReplicationGroups",
    ],
    # Containers
    "aws_ecr_repository": [
        "ecr:CreateRepository",
        "ecr:DeleteRepository",
        "ecr:DescribeRepositories",
        "ecr:PutImageTagMutability",
        "ecr:PutImageScanningConfiguration",
        "ecr:TagResource",
        "ecr:ListTagsForResource",
    ],
    "aws_ecr_lifecycle_policy": ["ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy"],
    "aws_eks_cluster": [
        "eks:CreateCluster",
        "eks:DeleteCluster",
        "eks:DescribeCluster",
        "eks:UpdateClusterConfig",
        "eks:UpdateClusterVersion",
        "eks:TagResource",
        "eks:UntagResource",
        "eks:DescribeUpdate",
        "iam:PassRole",
        "kms:DescribeKey",
        "kms:CreateGrant",
    ],
    "aws_eks_node_group": [
        "eks:*Nodegroup*",
        "eks:DescribeUpdate",
        "eks:TagResource",
        "iam:PassRole",
        "iam:GetRole",
        "ec2:RunInstances",
        "ec2:CreateLaunchTemplateVersion",
    ],
    "aws_eks_access_entry": ["eks:*AccessEntr*"],
    "aws_eks_access_policy_association": [
        "eks:AssociateAccessPolicy",
        "eks:DisassociateAccessPolicy",
        "eks:ListAssociatedAccessPolicies",
    ],
    # EKS managed add-ons and Pod Identity (the EBS CSI driver's role goes through its add-on; a workload's
    # through its association): both pass a role to pods.eks.amazonaws.com (iam:PassRole, policy.py).
    "aws_eks_addon": [
        "eks:CreateAddon",
        "eks:DescribeAddon",
        "eks:DescribeAddonVersions",
        "eks:UpdateAddon",
        "eks:DeleteAddon",
        "eks:TagResource",
        "eks:UntagResource",
        "eks:ListTagsForResource",
        "iam:PassRole",
    ],
    "aws_eks_addon_version": ["eks:DescribeAddonVersions"],
    "aws_eks_pod_identity_association": [
        "eks:CreatePodIdentityAssociation",
        "eks:DescribePodIdentityAssociation",
        "eks:UpdatePodIdentityAssociation",
        "eks:DeletePodIdentityAssociation",
        "eks:TagResource",
        "eks:UntagResource",
        "iam:PassRole",
    ],
    # Secrets Manager: the database credentials (the values only ever go through write-only arguments)
    "aws_secretsmanager_secret": [
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:UpdateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
        "secretsmanager:ReplicateSecretToRegions",
        "secretsmanager:RemoveRegionsFromReplication",
        "kms:DescribeKey",
    ],
    "aws_secretsmanager_secret_version": [
        "secretsmanager:PutSecretValue",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecretVersionIds",
        "secretsmanager:UpdateSecretVersionStage",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    ],
    # Ephemeral resources: opened at plan and apply, never stored
    "ephemeral.aws_secretsmanager_random_password": ["secretsmanager:GetRandomPassword"],
    "ephemeral.aws_secretsmanager_secret_version": ["secretsmanager:GetSecretValue", "kms:Decrypt"],
    # Data sources
    "aws_caller_identity": ["sts:GetCallerIdentity"],
    "aws_partition": [],
    "aws_region": [],
    "aws_availability_zones": ["ec2:DescribeAvailabilityZones"],
    "aws_route53_zone": ["route53:ListHostedZones", "route53:GetHostedZone", "route53:ListTagsForResource"],
}

#: Service-linked roles AWS creates the first time a service is used in an account; the caller needs
#: iam:CreateServiceLinkedRole for them (IAM user guide, "Using service-linked roles").
SERVICE_LINKED_ROLES: dict[str, list[str]] = {
    "aws_eks_cluster": ["eks.amazonaws.com"],
    "aws_eks_node_group": ["eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"],
    "aws_elasticache_replication_group": ["elasticache.amazonaws.com"],
    "aws_db_instance": ["rds.amazonaws.com"],
    "aws_rds_cluster": ["rds.amazonaws.com"],
    "aws_nat_gateway": [],
}


@dataclass(frozen=True)
class Feature:
    """API calls a resource makes because of one of its features (a replica, a global table, a key
    of its own), beyond its type's create, read, update and delete: what the service does with the
    caller's permissions. `present(body)` says whether a resource uses the feature."""

    resource_type: str
    present: Callable[[dict[str, Any]], bool]
    actions: tuple[str, ...]
    source: str


def _has(argument: str, inner: str | None = None) -> Callable[[dict[str, Any]], bool]:
    def present(body: dict[str, Any]) -> bool:
        value = body.get(argument)
        items = value if isinstance(value, list) else [value] if value else []
        return bool(items) and (inner is None or any(isinstance(i, dict) and i.get(inner) for i in items))

    return present


#: The features the stacks use, with the page that lists what each needs.
FEATURE_ACTIONS: tuple[Feature, ...] = (
    # "To create replica tables ... in destination regions: dynamodb:CreateTable, CreateTableReplica, Scan,
    # Query, UpdateItem, PutItem, GetItem, DeleteItem, BatchWriteItem" (and UpdateTable in the source).
    Feature(
        "aws_dynamodb_table",
        _has("replica"),
        (
            "dynamodb:UpdateTable",
            "dynamodb:CreateTable",
            "dynamodb:CreateTableReplica",
            "dynamodb:DeleteTableReplica",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "iam:CreateServiceLinkedRole",
        ),
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2gt_IAM.html",
    ),
    # "To encrypt the replicated secret with a KMS key other than aws/secretsmanager, you need
    # kms:GenerateDataKey and kms:Encrypt to the key" (and kms:Decrypt on the primary's key).
    Feature(
        "aws_secretsmanager_secret",
        _has("replica", "kms_key_id"),
        (
            "secretsmanager:ReplicateSecretToRegions",
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
        ),
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicateSecretToRegions.html",
    ),
)


def feature_actions(resource_type: str, body: dict[str, Any]) -> list[str]:
    """The actions the features a resource uses need (FEATURE_ACTIONS)."""
    return [a for f in FEATURE_ACTIONS if f.resource_type == resource_type and f.present(body) for a in f.actions]
