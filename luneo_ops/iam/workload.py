"""The permissions boundary of an environment's workload roles (`luneo-<env>-workload-boundary`):
the most any role the stack creates may ever do, whatever policy the apply role attaches or puts
on it. It allows exactly

- the actions of the AWS managed policies the stack attaches (from moto's bundled copy of AWS's
  managed policies, a pinned dev dependency; its date is in the document's Sid), on what those
  policies allow them on ("*");
- the actions of the stack's inline role policies, on the environment's own buckets, log groups,
  caches and cache users, its workloads' database users, and (by tag) keys.

So a role the apply role creates can hold no IAM, STS or data permission beyond the stack's own
roles, and none on another environment's buckets.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from constructs_luneo.support.synthesized import decode_document, references

from .scope import ENVIRONMENT_TAG, Scope


@cache
def managed_policies() -> dict[str, dict[str, Any]]:
    """AWS managed policy name -> its record (Document, UpdateDate), as moto ships them."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def managed_actions(policy_arns: list[str]) -> tuple[set[str], str]:
    """The actions the managed policies allow, and the newest of their update dates."""
    actions: set[str] = set()
    dates = []
    for arn in policy_arns:
        record = managed_policies()[arn.rsplit("/", 1)[1]]
        dates.append(str(record.get("UpdateDate", ""))[:10])
        for statement in record["Document"]["Statement"]:
            if statement.get("Effect") == "Allow":
                listed = statement.get("Action", [])
                actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions, max(dates, default="")


def inline_statements(scope: Scope) -> dict[str, tuple[set[str], set[str]]]:
    """Service -> (actions, resource ARNs) of the stack's inline role policies, each reference to a
    bucket or log group of the stack written as that resource's ARN (a key stays a reference: keys
    are matched by their Environment tag)."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for _, _, body in scope.stack.each("aws_iam_role_policy"):
        for statement in decode_document(body["policy"])["Statement"]:
            listed = statement["Action"]
            actions = {listed} if isinstance(listed, str) else set(listed)
            resources = statement["Resource"]
            arns = {_arn(scope, r) for r in ([resources] if isinstance(resources, str) else resources)}
            for action in actions:
                entry = found.setdefault(action.split(":")[0], (set(), set()))
                entry[0].add(action)
                entry[1].update(arns)
    return found


def _arn(scope: Scope, value: str) -> str:
    """`${aws_s3_bucket.x.arn}/*` -> `arn:aws:s3:::<its bucket>/*`; log groups, caches and cache users
    alike; a database user's `rds-db` ARN with any database of the account; keys as they are."""
    if ":rds-db:" in value:  # arn:${partition}:rds-db:${region}:${account}:dbuser:${<db>.resource_id}/<user>
        return f"arn:aws:rds-db:*:*:dbuser:*/{value.rsplit('/', 1)[1]}"
    reference = next(references(value), None)
    if reference is None:
        return value
    body = scope.stack.body(reference.address) or {}
    rest = value.split("}", 1)[1] if "}" in value else ""
    if reference.type == "aws_s3_bucket":
        return f"arn:aws:s3:::{body['bucket']}{rest}"
    if reference.type == "aws_cloudwatch_log_group":
        return f"arn:aws:logs:*:*:log-group:{body['name']}{rest}"
    if reference.type == "aws_elasticache_replication_group":
        return f"arn:aws:elasticache:*:*:replicationgroup:{body['replication_group_id']}"
    if reference.type == "aws_elasticache_user":
        return f"arn:aws:elasticache:*:*:user:{body['user_id']}"
    return "arn:aws:kms:*:*:key/*" if reference.type == "aws_kms_key" else value


#: Managed-policy actions the boundary allows on less than the policy does: the SSM agent's
#: parameter reads to AWS's public parameters (a workload's own parameters are data), service-linked
#: roles only as such (AmazonEKSClusterPolicy creates Elastic Load Balancing's).
NARROWED = {
    "ssm:GetParameter": ["arn:aws:ssm:*:*:parameter/aws/service/*"],
    "ssm:GetParameters": ["arn:aws:ssm:*:*:parameter/aws/service/*"],
    "iam:CreateServiceLinkedRole": ["arn:aws:iam::*:role/aws-service-role/*"],
}


def boundary_policy(scope: Scope) -> dict:
    managed, updated = managed_actions(scope.attached_policy_arns())
    statements: list[dict] = [
        {
            "Sid": f"ManagedPoliciesAsOf{updated.replace('-', '')}",
            "Effect": "Allow",
            "Action": sorted(managed - set(NARROWED)),
            "Resource": "*",
        }
    ]
    narrowed = sorted(managed & set(NARROWED))
    for resources in sorted({tuple(NARROWED[a]) for a in narrowed}):
        statements.append(
            {
                "Sid": "ManagedPoliciesNarrowed" + ("Ssm" if "ssm" in resources[0] else "Iam"),
                "Effect": "Allow",
                "Action": [a for a in narrowed if tuple(NARROWED[a]) == resources],
                "Resource": list(resources),
            }
        )
    for service, (actions, arns) in sorted(inline_statements(scope).items()):
        statement: dict[str, Any] = {
            "Sid": "OwnInline" + service.title().replace("-", ""),
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": sorted(arns),
        }
        if service == "kms":
            statement["Condition"] = {"StringEquals": {ENVIRONMENT_TAG: scope.environment}}
        elif service not in ("s3", "logs", "elasticache", "rds-db"):
            raise KeyError(f"inline role policies use {service}: scope it in luneo_ops/iam/workload.py")
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}
