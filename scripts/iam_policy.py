"""The Terraform execution role's IAM policy, generated from what the synthesized stacks use.

`make iam-policy` writes iam/terraform-execution-policy-<n>.json (as many managed policies as IAM's
6,144-character limit needs, all attached to the role): one statement per AWS service, with
the actions the resource types of the stacks need (TYPE_ACTIONS), plus the backend's own needs
(the state objects under their keys, the lock table). tests/test_iam_policy.py fails when a stack
uses a resource type this table does not cover, or when the committed policy is stale.
See docs/IAM_POLICIES.md.

Usage: python -m scripts.iam_policy [CDKTF_OUT] [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scripts.terraform_cli import synthesized_stacks

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "iam"
#: IAM counts a managed policy's characters without whitespace; 6144 is the limit.
MAX_POLICY_CHARACTERS = 6144

#: EC2 tags its resources on create (TagSpecifications): IAM still checks ec2:CreateTags for that, and
#: the default security group (adopted, not created) is tagged with CreateTags alone.
_EC2_READ = ["ec2:Describe*", "ec2:CreateTags", "ec2:DeleteTags"]
#: Keys a service uses on behalf of the caller need grants (RDS, ElastiCache, EKS, DynamoDB).
_KMS_GRANTS = ["kms:CreateGrant", "kms:DescribeKey"]

#: resource or data source type -> IAM actions Terraform needs to create, read, update and delete it.
TYPE_ACTIONS: dict[str, list[str]] = {
    # KMS
    "aws_kms_key": ["kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy",
                    "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:DisableKeyRotation",
                    "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription",
                    "kms:ScheduleKeyDeletion", "kms:EnableKey", "kms:DisableKey"],
    "aws_kms_alias": ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListAliases"],
    # S3
    "aws_s3_bucket": ["s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:GetBucket*", "s3:GetAccelerateConfiguration",
                      "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
                      "s3:GetAnalyticsConfiguration", "s3:GetIntelligentTieringConfiguration",
                      "s3:GetInventoryConfiguration", "s3:GetMetricsConfiguration", "s3:PutBucketTagging"],
    "aws_s3_bucket_versioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    "aws_s3_bucket_server_side_encryption_configuration": ["s3:PutEncryptionConfiguration",
                                                           "s3:GetEncryptionConfiguration"],
    "aws_s3_bucket_public_access_block": ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock",
                                          "s3:DeleteBucketPublicAccessBlock"],
    "aws_s3_bucket_ownership_controls": ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls",
                                         "s3:DeleteBucketOwnershipControls"],
    "aws_s3_bucket_policy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
    "aws_s3_bucket_lifecycle_configuration": ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    "aws_s3_bucket_replication_configuration": ["s3:PutReplicationConfiguration", "s3:GetReplicationConfiguration",
                                                "iam:PassRole"],
    # CloudFront
    "aws_cloudfront_distribution": ["cloudfront:CreateDistribution*", "cloudfront:GetDistribution*",
                                    "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution",
                                    "cloudfront:TagResource", "cloudfront:UntagResource",
                                    "cloudfront:ListTagsForResource"],
    "aws_cloudfront_origin_access_control": ["cloudfront:*OriginAccessControl*"],
    "aws_cloudfront_response_headers_policy": ["cloudfront:*ResponseHeadersPolicy*"],
    # EC2 / VPC
    "aws_vpc": _EC2_READ + ["ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute"],
    "aws_subnet": _EC2_READ + ["ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute"],
    "aws_default_security_group": _EC2_READ + ["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
    "aws_security_group": _EC2_READ + ["ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
                                       "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"],
    "aws_vpc_security_group_ingress_rule": _EC2_READ + ["ec2:AuthorizeSecurityGroupIngress",
                                                        "ec2:RevokeSecurityGroupIngress",
                                                        "ec2:ModifySecurityGroupRules",
                                                        "ec2:UpdateSecurityGroupRuleDescriptionsIngress"],
    "aws_vpc_security_group_egress_rule": _EC2_READ + ["ec2:AuthorizeSecurityGroupEgress",
                                                       "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
                                                       "ec2:UpdateSecurityGroupRuleDescriptionsEgress"],
    "aws_internet_gateway": _EC2_READ + ["ec2:CreateInternetGateway", "ec2:DeleteInternetGateway",
                                         "ec2:AttachInternetGateway", "ec2:DetachInternetGateway"],
    "aws_eip": _EC2_READ + ["ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress"],
    "aws_nat_gateway": _EC2_READ + ["ec2:CreateNatGateway", "ec2:DeleteNatGateway"],
    "aws_route_table": _EC2_READ + ["ec2:CreateRouteTable", "ec2:DeleteRouteTable"],
    "aws_route": _EC2_READ + ["ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"],
    "aws_route_table_association": _EC2_READ + ["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
                                                "ec2:ReplaceRouteTableAssociation"],
    "aws_vpc_endpoint": _EC2_READ + ["ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"],
    "aws_flow_log": _EC2_READ + ["ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "iam:PassRole"],
    "aws_launch_template": _EC2_READ + ["ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
                                        "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate",
                                        "ec2:GetLaunchTemplateData"],
    # IAM
    "aws_iam_role": ["iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole",
                     "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies",
                     "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"],
    "aws_iam_role_policy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    "aws_iam_role_policy_attachment": ["iam:AttachRolePolicy", "iam:DetachRolePolicy",
                                       "iam:ListAttachedRolePolicies"],
    "aws_iam_openid_connect_provider": ["iam:*OpenIDConnectProvider*"],
    # CloudWatch, SNS, Route53
    "aws_cloudwatch_log_group": ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups",
                                 "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
                                 "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"],
    "aws_cloudwatch_metric_alarm": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
                                    "cloudwatch:DescribeAlarms", "cloudwatch:TagResource",
                                    "cloudwatch:ListTagsForResource"],
    "aws_sns_topic": ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
                      "sns:TagResource", "sns:ListTagsForResource"],
    "aws_sns_topic_subscription": ["sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes",
                                   "sns:SetSubscriptionAttributes"],
    "aws_route53_health_check": ["route53:*HealthCheck*", "route53:ChangeTagsForResource",
                                 "route53:ListTagsForResource"],
    "aws_route53_record": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                           "route53:GetHostedZone", "route53:GetChange"],
    # Databases and caches
    "aws_db_instance": ["rds:CreateDBInstance", "rds:CreateDBInstanceReadReplica", "rds:DeleteDBInstance",
                        "rds:ModifyDBInstance", "rds:DescribeDBInstances", "rds:PromoteReadReplica",
                        "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource",
                        "iam:PassRole", "secretsmanager:CreateSecret", "secretsmanager:TagResource",
                        "kms:CreateGrant", "kms:DescribeKey"],
    "aws_db_subnet_group": ["rds:*DBSubnetGroup*", "rds:AddTagsToResource", "rds:ListTagsForResource"],
    "aws_db_parameter_group": ["rds:*DBParameterGroup*", "rds:DescribeDBParameters", "rds:AddTagsToResource",
                               "rds:ListTagsForResource"],
    "aws_rds_global_cluster": ["rds:*GlobalCluster*"],
    "aws_rds_cluster": ["rds:*DBCluster", "rds:DescribeDBClusters", "rds:RemoveFromGlobalCluster",
                        "rds:AddTagsToResource", "rds:ListTagsForResource", "kms:CreateGrant", "kms:DescribeKey"],
    "aws_rds_cluster_instance": ["rds:CreateDBInstance", "rds:DeleteDBInstance", "rds:ModifyDBInstance",
                                 "rds:DescribeDBInstances", "iam:PassRole"],
    "aws_rds_cluster_parameter_group": ["rds:*DBClusterParameterGroup*", "rds:DescribeDBClusterParameters"],
    "aws_elasticache_replication_group": ["elasticache:*ReplicationGroup*", "elasticache:DescribeCacheClusters",
                                          "elasticache:AddTagsToResource", "elasticache:ListTagsForResource",
                                          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                                          "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
                                          "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", *_KMS_GRANTS],
    "aws_elasticache_subnet_group": ["elasticache:*CacheSubnetGroup*", "elasticache:AddTagsToResource",
                                     "elasticache:ListTagsForResource"],
    "aws_elasticache_user": ["elasticache:CreateUser", "elasticache:DeleteUser", "elasticache:ModifyUser",
                             "elasticache:DescribeUsers", "elasticache:AddTagsToResource",
                             "elasticache:ListTagsForResource"],
    "aws_elasticache_user_group": ["elasticache:*UserGroup*", "elasticache:AddTagsToResource",
                                   "elasticache:ListTagsForResource"],
    "aws_elasticache_global_replication_group": ["elasticache:*GlobalReplicationGroup*",
                                                 "elasticache:DescribeReplicationGroups"],
    # A global table: UpdateTable adds the replica, which DynamoDB creates in the other region on the
    # caller's behalf (CreateTableReplica, and the table actions there).
    "aws_dynamodb_table": ["dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable",
                           "dynamodb:UpdateTable", "dynamodb:DescribeContinuousBackups",
                           "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive",
                           "dynamodb:TagResource", "dynamodb:ListTagsOfResource", "dynamodb:CreateTableReplica",
                           "dynamodb:DeleteTableReplica", "dynamodb:DescribeStream", "dynamodb:UpdateTableReplicaAutoScaling",
                           *_KMS_GRANTS],
    # Containers
    "aws_ecr_repository": ["ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories",
                           "ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration", "ecr:TagResource",
                           "ecr:ListTagsForResource"],
    "aws_ecr_lifecycle_policy": ["ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy"],
    "aws_ecr_replication_configuration": ["ecr:PutReplicationConfiguration", "ecr:DescribeRegistry"],
    "aws_eks_cluster": ["eks:CreateCluster", "eks:DeleteCluster", "eks:DescribeCluster", "eks:UpdateClusterConfig",
                        "eks:UpdateClusterVersion", "eks:TagResource", "eks:UntagResource",
                        "eks:DescribeUpdate", "iam:PassRole", "kms:DescribeKey", "kms:CreateGrant"],
    "aws_eks_node_group": ["eks:*Nodegroup*", "eks:DescribeUpdate", "eks:TagResource", "iam:PassRole",
                           "iam:GetRole", "ec2:RunInstances", "ec2:CreateLaunchTemplateVersion"],
    "aws_eks_access_entry": ["eks:*AccessEntr*"],
    "aws_eks_access_policy_association": ["eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy",
                                          "eks:ListAssociatedAccessPolicies"],
    # Secrets Manager: the database credentials (the values only ever go through write-only arguments)
    "aws_secretsmanager_secret": ["secretsmanager:CreateSecret", "secretsmanager:DescribeSecret",
                                  "secretsmanager:GetResourcePolicy", "secretsmanager:UpdateSecret",
                                  "secretsmanager:DeleteSecret", "secretsmanager:TagResource",
                                  "secretsmanager:UntagResource", "secretsmanager:ReplicateSecretToRegions",
                                  "secretsmanager:RemoveRegionsFromReplication", "kms:DescribeKey"],
    "aws_secretsmanager_secret_version": ["secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
                                          "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
                                          "secretsmanager:UpdateSecretVersionStage", "kms:GenerateDataKey",
                                          "kms:Decrypt"],
    # Ephemeral resources: opened at plan and apply, never stored
    "ephemeral.aws_secretsmanager_random_password": ["secretsmanager:GetRandomPassword"],
    "ephemeral.aws_secretsmanager_secret_version": ["secretsmanager:GetSecretValue", "kms:Decrypt"],
    # Data sources
    "aws_caller_identity": ["sts:GetCallerIdentity"],
    "aws_partition": [],
    "aws_region": [],
    "aws_availability_zones": ["ec2:DescribeAvailabilityZones"],
    "aws_route53_zone": ["route53:ListHostedZones", "route53:GetHostedZone", "route53:ListTagsForResource"],
    # Turns the caller's assumed-role ARN into its role's ARN: reads that role (any name), see ReadCallerRole.
    "aws_iam_session_context": [],
}

#: Service-linked roles AWS creates the first time a service is used in an account; the caller needs
#: iam:CreateServiceLinkedRole for them (IAM user guide, "Using service-linked roles").
SERVICE_LINKED_ROLES: dict[str, list[str]] = {
    "aws_eks_cluster": ["eks.amazonaws.com"],
    "aws_eks_node_group": ["eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"],
    "aws_elasticache_replication_group": ["elasticache.amazonaws.com"],
    "aws_ecr_replication_configuration": ["replication.ecr.amazonaws.com"],
    "aws_dynamodb_table": ["replication.dynamodb.amazonaws.com"],
    "aws_db_instance": ["rds.amazonaws.com"],
    "aws_rds_cluster": ["rds.amazonaws.com"],
    "aws_nat_gateway": [],
}


def replica_regions(stacks: dict[str, dict]) -> set[str]:
    """The regions luneo-bootstrap keeps the state's copies in (its lock table's replicas)."""
    return {replica["region_name"] for stack in stacks.values()
            for table in stack.get("resource", {}).get("aws_dynamodb_table", {}).values()
            for replica in table.get("replica") or []}


def backend_statements(stacks: dict[str, dict]) -> list[dict]:
    """Read/write the state objects under their keys, and use the lock table: nothing more; the same
    on the copies in the replica region (a stack is pointed there during an outage). The state
    bucket is SSE-KMS (luneo-bootstrap), so writing and reading state uses its key through S3."""
    from constructs_luneo.config import replica_bucket_name

    objects, buckets, tables = set(), set(), set()
    copies = replica_regions(stacks)
    for stack in stacks.values():
        s3 = stack.get("terraform", {}).get("backend", {}).get("s3")
        if not s3:
            continue
        for bucket, region in [(s3["bucket"], s3["region"])] + [(replica_bucket_name(s3["bucket"], r), r)
                                                                  for r in sorted(copies)]:
            objects.add(f"arn:aws:s3:::{bucket}/{s3['key']}")
            buckets.add(f"arn:aws:s3:::{bucket}")
            tables.add(f"arn:aws:dynamodb:{region}:*:table/{s3['dynamodb_table']}")
    if not objects:  # local state only (e.g. luneo-bootstrap alone): no backend to reach
        return []
    return [
        {"Sid": "StateBucketList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": sorted(buckets)},
        {"Sid": "StateObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": sorted(objects)},
        {"Sid": "StateLocks", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem",
                                                            "dynamodb:DeleteItem", "dynamodb:DescribeTable"],
         "Resource": sorted(tables)},
        {"Sid": "StateEncryption", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": sorted(
             {f"s3.{stack['terraform']['backend']['s3']['region']}.amazonaws.com" for stack in stacks.values()
              if "s3" in stack.get("terraform", {}).get("backend", {})}
             | {f"s3.{region}.amazonaws.com" for region in replica_regions(stacks)})}}},
    ]


def resource_types(stacks: dict[str, dict]) -> set[str]:
    """Every resource and data source type the stacks use; ephemeral ones as `ephemeral.<type>`."""
    found = {t for stack in stacks.values() for kind in ("resource", "data") for t in stack.get(kind, {})}
    return found | {f"ephemeral.{t}" for stack in stacks.values() for t in stack.get("ephemeral", {})}


def uncovered(stacks: dict[str, dict]) -> list[str]:
    return sorted(resource_types(stacks) - set(TYPE_ACTIONS))


def policy(stacks: dict[str, dict]) -> dict:
    missing = uncovered(stacks)
    if missing:
        raise KeyError(f"no IAM actions known for {missing}: add them to scripts/iam_policy.py TYPE_ACTIONS")
    by_service: dict[str, set[str]] = {}
    for resource_type in sorted(resource_types(stacks)):
        for action in TYPE_ACTIONS[resource_type]:
            by_service.setdefault(action.split(":")[0], set()).add(action)
    statements = backend_statements(stacks)
    passrole = by_service.pop("iam", set())
    for service, actions in sorted(by_service.items()):
        statements.append({"Sid": f"Manage{service.title().replace('-', '')}", "Effect": "Allow",
                           "Action": sorted(actions), "Resource": "*"})
    if passrole:
        # IAM: only the platform's own roles (every role name starts with luneo-), and PassRole only
        # to the services that run them.
        statements.append({"Sid": "ManageLuneoRoles", "Effect": "Allow", "Action": sorted(passrole - {"iam:PassRole"}),
                           "Resource": ["arn:aws:iam::*:role/luneo-*", "arn:aws:iam::*:oidc-provider/*"]})
        statements.append({"Sid": "AttachOnlyAwsManagedPolicies", "Effect": "Allow",
                           "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                           "Resource": "arn:aws:iam::*:role/luneo-*",
                           "Condition": {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:policy/*"}}})
        linked = sorted({name for t in resource_types(stacks) for name in SERVICE_LINKED_ROLES.get(t, [])})
        if linked:
            statements.append({"Sid": "CreateServiceLinkedRoles", "Effect": "Allow",
                               "Action": "iam:CreateServiceLinkedRole",
                               "Resource": "arn:aws:iam::*:role/aws-service-role/*",
                               "Condition": {"StringEquals": {"iam:AWSServiceName": linked}}})
        if "aws_iam_session_context" in resource_types(stacks):
            statements.append({"Sid": "ReadCallerRole", "Effect": "Allow", "Action": "iam:GetRole",
                               "Resource": "arn:aws:iam::*:role/*"})
        statements.append({"Sid": "PassLuneoRoles", "Effect": "Allow", "Action": "iam:PassRole",
                           "Resource": "arn:aws:iam::*:role/luneo-*",
                           "Condition": {"StringEquals": {"iam:PassedToService": [
                               "eks.amazonaws.com", "ec2.amazonaws.com", "monitoring.rds.amazonaws.com",
                               "s3.amazonaws.com", "vpc-flow-logs.amazonaws.com"]}}})
        statements = [s for s in statements if not (s.get("Sid") == "ManageLuneoRoles" and not s["Action"])]
    return {"Version": "2012-10-17", "Statement": statements}


def split(document: dict) -> list[dict]:
    """Pack the statements into as few documents as IAM's size limit allows."""
    documents: list[dict] = []
    for statement in document["Statement"]:
        for candidate in documents:
            trial = {**candidate, "Statement": candidate["Statement"] + [statement]}
            if len("".join(json.dumps(trial).split())) <= MAX_POLICY_CHARACTERS:
                candidate["Statement"].append(statement)
                break
        else:
            documents.append({"Version": document["Version"], "Statement": [statement]})
    return documents


def render(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"


def outputs(stacks: dict[str, dict]) -> dict[Path, str]:
    return {OUTPUT_DIR / f"terraform-execution-policy-{i}.json": render(doc)
            for i, doc in enumerate(split(policy(stacks)), start=1)}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    outdir = Path(args[0]) if args else ROOT / "cdktf.out"
    try:
        files = outputs(synthesized_stacks(outdir))
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    existing = {p: p.read_text() for p in sorted(OUTPUT_DIR.glob("terraform-execution-policy-*.json"))}
    if check:
        if existing != files:
            print("error: iam/terraform-execution-policy-*.json is stale: run `make iam-policy`", file=sys.stderr)
            return 1
        return 0
    OUTPUT_DIR.mkdir(exist_ok=True)
    for path in set(existing) - set(files):
        path.unlink()
    for path, text in files.items():
        path.write_text(text)
        size = len("".join(text.split()))
        print(f"{path.relative_to(ROOT)}: {len(json.loads(text)['Statement'])} statements, {size} characters "
              f"(limit {MAX_POLICY_CHARACTERS})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
