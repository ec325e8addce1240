"""What one environment owns, read from its synthesized stack, and the ARNs an IAM statement for a
service is scoped to. Names are literal in the JSON (buckets, secrets, topics, log groups, aliases,
repositories, role name prefixes), so the policy names exactly them; a KMS key has no name, so its
statements carry the condition `aws:ResourceTag/Environment = <env>` (the providers' default tag).

Services not scoped here stay on "*" with their reason in docs/IAM_POLICIES.md: EC2/VPC, EKS, RDS,
ElastiCache, CloudFront, Route 53 and CloudWatch resources are identified by IDs AWS assigns at
create, and several of their create calls take no resource ARN at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs_luneo.support.synthesized import SynthesizedStack

#: The tag every resource of an environment carries (the providers' default_tags).
ENVIRONMENT_TAG = "aws:ResourceTag/Environment"


@dataclass(frozen=True)
class Scope:
    """One environment stack's own names."""

    environment: str
    stack: SynthesizedStack

    def names(self, resource_type: str, argument: str) -> list[str]:
        return sorted({str(b[argument]) for _, _, b in self.stack.each(resource_type) if argument in b})

    @property
    def prefix(self) -> str:
        return f"luneo-{self.environment}"

    @property
    def buckets(self) -> list[str]:
        return self.names("aws_s3_bucket", "bucket")

    @property
    def role_prefixes(self) -> list[str]:
        """Every role the stack creates is named `luneo-<env>-...` (name_prefix)."""
        return [f"{self.prefix}-"]

    @property
    def boundary_name(self) -> str:
        return f"{self.prefix}-workload-boundary"

    def role_arns(self) -> list[str]:
        return [f"arn:aws:iam::*:role/{p}*" for p in self.role_prefixes]

    def resources(self, service: str) -> tuple[list[str], dict[str, Any] | None] | None:
        """(ARNs, condition) a statement of `service` is scoped to, or None for "*"."""
        if service == "s3" and self.buckets:
            return [arn for b in self.buckets for arn in (f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*")], None
        if service == "secretsmanager":
            names = self.names("aws_secretsmanager_secret", "name")
            return [f"arn:aws:secretsmanager:*:*:secret:{n}-*" for n in names], None
        if service == "sns":
            return [f"arn:aws:sns:*:*:{n}" for n in self.names("aws_sns_topic", "name")], None
        if service == "logs":
            groups = self.names("aws_cloudwatch_log_group", "name")
            return [f"arn:aws:logs:*:*:log-group:{g}{suffix}" for g in groups for suffix in ("", ":*")], None
        if service == "ecr":
            names = self.names("aws_ecr_repository", "name")
            return [f"arn:aws:ecr:*:*:repository/{n}" for n in names], None
        if service == "dynamodb":
            names = self.names("aws_dynamodb_table", "name")
            return ([f"arn:aws:dynamodb:*:*:table/{n}" for n in names], None) if names else None
        if service == "kms":
            return ["arn:aws:kms:*:*:key/*"], {"StringEquals": {ENVIRONMENT_TAG: self.environment}}
        return None

    def kms_aliases(self) -> list[str]:
        return [f"arn:aws:kms:*:*:{n}" for n in self.names("aws_kms_alias", "name")]

    def attached_policy_arns(self) -> list[str]:
        """The AWS managed policies the stack attaches to its roles (the partition written as aws)."""
        import re

        arns = self.names("aws_iam_role_policy_attachment", "policy_arn")
        return sorted({re.sub(r"^arn:\$\{[^}]+\}:", "arn:aws:", a) for a in arns})
