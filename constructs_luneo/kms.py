"""KMS: one customer-managed key per purpose (replaces `modules/kms`).

HCL it replaces::

    module "kms_secrets" {
      source           = "../../modules/kms"
      name             = "luneo-secrets"
      description      = "KMS key for application secrets"
      allowed_services = ["secretsmanager.amazonaws.com", "rds.amazonaws.com"]
      tags             = { Environment = "prod" }
    }

Python::

    KmsKey(stack, "kms-secrets", name="luneo-secrets", description="KMS key for application secrets",
           allowed_services=["secretsmanager.amazonaws.com", "rds.amazonaws.com"], tags={...})
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey as _KmsKey
from constructs import Construct

from .support.common import AccountContext, account_context, construct_label, lifecycle, require

# Services that call KMS as their own service principal (they are not acting on behalf of a caller
# in the account), so the key policy must name them as principals. Regional ones get the region
# inserted (`logs.eu-west-1.amazonaws.com`). Every other service is admitted through
# kms:ViaService on behalf of principals of this account, which is narrower.
SERVICE_PRINCIPALS = {
    "logs.amazonaws.com": True,  # CloudWatch Logs (regional principal)
    "cloudwatch.amazonaws.com": False,  # alarms publishing to an encrypted SNS topic
    "events.amazonaws.com": False,
    "delivery.logs.amazonaws.com": False,  # VPC flow logs to S3
    "cloudfront.amazonaws.com": False,  # reading SSE-KMS objects through Origin Access Control
    "s3.amazonaws.com": False,  # replication and server access logging
    "sns.amazonaws.com": False,
}
SERVICE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$")
NAME = re.compile(r"^[A-Za-z0-9/_-]{1,250}$")

# What a service may do with the key: envelope encryption, and grants for the services that use
# them to hand the key to their own infrastructure (RDS, EBS, ElastiCache, EKS...).
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]


class KmsKey(Construct):
    """A customer-managed symmetric key with rotation and an alias `alias/<name>`.

    Arguments (the HCL module's names):
      name: alias name without `alias/` (required).
      description: key description (default: "<name> key").
      allowed_services: AWS service principals allowed to use the key, e.g. "rds.amazonaws.com"
        (default: none; the account can still administer it). Services in SERVICE_PRINCIPALS are
        named as principals; all others may use the key only via kms:ViaService from this account.
      tags: extra tags (Environment/Project/ManagedBy come from the provider's default_tags).
      deletion_window_in_days: 7-30 (default 30, the longest: a deleted key cannot be recovered).
      rotation_period_in_days: 90-2560 (default 365); rotation is always on.
      multi_region: create a multi-Region primary key (default False).
      prevent_destroy: Terraform lifecycle prevent_destroy (default False; the stacks set it in prod).
      provider: the AWS provider (region) to create the key with (default: the stack's default).

    Attributes: key_id, key_arn, alias_name, alias_arn, key (the aws_kms_key resource).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        description: str | None = None,
        allowed_services: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        deletion_window_in_days: int = 30,
        rotation_period_in_days: int = 365,
        multi_region: bool = False,
        prevent_destroy: bool = False,
        provider: TerraformProvider | None = None,
    ) -> None:
        _check(
            construct_label(KmsKey, scope, id), name, allowed_services, deletion_window_in_days, rotation_period_in_days
        )
        super().__init__(scope, id)
        account = account_context(self, provider)
        # A key policy, not an IAM policy: "Resource": "*" means this key. It is inline (jsonencode)
        # rather than an aws_iam_policy_document so that nothing mistakes it for an identity policy.
        self.policy_document = key_policy(account, allowed_services)

        self.key = _KmsKey(
            self,
            "key",
            description=description or f"{name} key",
            enable_key_rotation=True,
            # 365 is AWS's own default: left unset it stays out of every plan diff.
            rotation_period_in_days=None if rotation_period_in_days == 365 else rotation_period_in_days,
            deletion_window_in_days=deletion_window_in_days,
            multi_region=multi_region or None,
            policy=Fn.jsonencode(self.policy_document),
            tags=dict(tags or {}) or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{name}", target_key_id=self.key.key_id, provider=provider)

        self.key_id: str = self.key.key_id
        self.key_arn: str = self.key.arn
        self.alias_name: str = self.alias.name
        self.alias_arn: str = self.alias.arn


def key_policy(account: AccountContext, allowed_services: Sequence[str]) -> dict[str, Any]:
    """The account administers the key; services named as principals (SERVICE_PRINCIPALS) use it
    directly, every other allowed service only via kms:ViaService on behalf of this account."""
    root = {"AWS": account.root_arn}
    statements: list[dict[str, Any]] = [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": root, "Action": "kms:*", "Resource": "*"},
    ]
    via = sorted(s for s in allowed_services if s not in SERVICE_PRINCIPALS)
    direct = sorted(s for s in allowed_services if s in SERVICE_PRINCIPALS)
    if via:
        statements.append(
            {
                "Sid": "AllowedServicesUseViaService",
                "Effect": "Allow",
                "Principal": root,
                "Action": USE_ACTIONS + GRANT_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"{s.removesuffix('.amazonaws.com')}.{account.region}.amazonaws.com" for s in via
                        ],
                        "kms:CallerAccount": account.account_id,
                    }
                },
            }
        )
    if "logs.amazonaws.com" in direct:
        direct.remove("logs.amazonaws.com")
        statements.append(_logs_statement(account))
    if direct:
        statements.append(
            {
                "Sid": "AllowedServicePrincipalsUse",
                "Effect": "Allow",
                "Principal": {
                    "Service": [
                        f"{s.removesuffix('.amazonaws.com')}.{account.region}.amazonaws.com"
                        if SERVICE_PRINCIPALS[s]
                        else s
                        for s in direct
                    ]
                },
                "Action": USE_ACTIONS,
                "Resource": "*",
                # Confused-deputy protection: on behalf of this account only, wherever the service says
                # on whose behalf it calls (CloudWatch alarms publishing to SNS do not).
                "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": account.account_id}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _logs_statement(account: AccountContext) -> dict[str, Any]:
    """CloudWatch Logs (its regional principal) uses the key for this account's log groups only: it
    states the log group in the encryption context, and says on whose behalf it calls nowhere else
    (aws:SourceAccount does nothing for it). "Encrypt log data in CloudWatch Logs using AWS KMS",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html (rule LUNEO-AWS-23)."""
    return {
        "Sid": "CloudWatchLogsUse",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{account.region}.amazonaws.com"},
        "Action": USE_ACTIONS,
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": account.arn("logs", "log-group:*")}},
    }


def _check(
    who: str,
    name: str,
    allowed_services: Sequence[str],
    deletion_window_in_days: int,
    rotation_period_in_days: int,
) -> None:
    require(
        isinstance(name, str) and bool(NAME.match(name)) and not name.startswith(("alias/", "aws/")),
        who,
        "name",
        "1-250 characters of letters, digits, '/', '_' or '-', without the 'alias/' prefix "
        "and not starting with 'aws/'",
        name,
    )
    require(
        not isinstance(allowed_services, str),
        who,
        "allowed_services",
        "a list of service principals",
        allowed_services,
    )
    for service in allowed_services:
        require(
            isinstance(service, str) and bool(SERVICE.match(service)),
            who,
            "allowed_services",
            'service principals such as "rds.amazonaws.com"',
            service,
        )
    require(
        len(set(allowed_services)) == len(list(allowed_services)),
        who,
        "allowed_services",
        "no duplicates",
        list(allowed_services),
    )
    require(
        isinstance(deletion_window_in_days, int) and 7 <= deletion_window_in_days <= 30,
        who,
        "deletion_window_in_days",
        "a whole number from 7 to 30",
        deletion_window_in_days,
    )
    require(
        isinstance(rotation_period_in_days, int) and 90 <= rotation_period_in_days <= 2560,
        who,
        "rotation_period_in_days",
        "a whole number from 90 to 2560",
        rotation_period_in_days,
    )
