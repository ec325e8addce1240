"""The Terraform execution role's IAM policy, generated from what the synthesized stacks use.

`make iam-policy` writes iam/terraform-execution-policy-<n>.json (as many managed policies as IAM's
6,144-character limit needs, all attached to the role): one statement per AWS service, with
the actions the resource types of the stacks need (actions.TYPE_ACTIONS), plus the backend's own
needs (the state objects under their keys, the lock table). See docs/IAM_POLICIES.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..paths import IAM
from .actions import SERVICE_LINKED_ROLES, TYPE_ACTIONS

OUTPUT_DIR = IAM
#: IAM counts a managed policy's characters without whitespace; 6144 is the limit.
MAX_POLICY_CHARACTERS = 6144


def replica_regions(stacks: dict[str, dict]) -> set[str]:
    """The regions luneo-bootstrap keeps the state's copies in (its lock table's replicas)."""
    return {
        replica["region_name"]
        for stack in stacks.values()
        for table in stack.get("resource", {}).get("aws_dynamodb_table", {}).values()
        for replica in table.get("replica") or []
    }


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
        for bucket, region in [(s3["bucket"], s3["region"])] + [
            (replica_bucket_name(s3["bucket"], r), r) for r in sorted(copies)
        ]:
            objects.add(f"arn:aws:s3:::{bucket}/{s3['key']}")
            buckets.add(f"arn:aws:s3:::{bucket}")
            tables.add(f"arn:aws:dynamodb:{region}:*:table/{s3['dynamodb_table']}")
    if not objects:  # local state only (e.g. luneo-bootstrap alone): no backend to reach
        return []
    return [
        {"Sid": "StateBucketList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": sorted(buckets)},
        {
            "Sid": "StateObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": sorted(objects),
        },
        {
            "Sid": "StateLocks",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable"],
            "Resource": sorted(tables),
        },
        {
            "Sid": "StateEncryption",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {
                "StringLike": {
                    "kms:ViaService": sorted(
                        {
                            f"s3.{stack['terraform']['backend']['s3']['region']}.amazonaws.com"
                            for stack in stacks.values()
                            if "s3" in stack.get("terraform", {}).get("backend", {})
                        }
                        | {f"s3.{region}.amazonaws.com" for region in replica_regions(stacks)}
                    )
                }
            },
        },
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
        raise KeyError(f"no IAM actions known for {missing}: add them to luneo_ops/iam/actions.py TYPE_ACTIONS")
    by_service: dict[str, set[str]] = {}
    for resource_type in sorted(resource_types(stacks)):
        for action in TYPE_ACTIONS[resource_type]:
            by_service.setdefault(action.split(":")[0], set()).add(action)
    statements = backend_statements(stacks)
    passrole = by_service.pop("iam", set())
    for service, actions in sorted(by_service.items()):
        statements.append(
            {
                "Sid": f"Manage{service.title().replace('-', '')}",
                "Effect": "Allow",
                "Action": sorted(actions),
                "Resource": "*",
            }
        )
    if passrole:
        statements += _iam_statements(stacks, passrole)
        statements = [s for s in statements if not (s.get("Sid") == "ManageLuneoRoles" and not s["Action"])]
    return {"Version": "2012-10-17", "Statement": statements}


def _iam_statements(stacks: dict[str, dict], passrole: set[str]) -> list[dict]:
    """IAM: only the platform's own roles (every role name starts with luneo-), and PassRole only to
    the services that run them."""
    statements: list[dict] = []
    # Only the platform's own roles (every role name starts with luneo-), and PassRole only
    # to the services that run them.
    statements.append(
        {
            "Sid": "ManageLuneoRoles",
            "Effect": "Allow",
            "Action": sorted(passrole - {"iam:PassRole"}),
            "Resource": ["arn:aws:iam::*:role/luneo-*", "arn:aws:iam::*:oidc-provider/*"],
        }
    )
    statements.append(
        {
            "Sid": "AttachOnlyAwsManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": "arn:aws:iam::*:role/luneo-*",
            "Condition": {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:policy/*"}},
        }
    )
    linked = sorted({name for t in resource_types(stacks) for name in SERVICE_LINKED_ROLES.get(t, [])})
    if linked:
        statements.append(
            {
                "Sid": "CreateServiceLinkedRoles",
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "arn:aws:iam::*:role/aws-service-role/*",
                "Condition": {"StringEquals": {"iam:AWSServiceName": linked}},
            }
        )
    if "aws_iam_session_context" in resource_types(stacks):
        statements.append(
            {
                "Sid": "ReadCallerRole",
                "Effect": "Allow",
                "Action": "iam:GetRole",
                "Resource": "arn:aws:iam::*:role/*",
            }
        )
    statements.append(
        {
            "Sid": "PassLuneoRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::*:role/luneo-*",
            "Condition": {
                "StringEquals": {
                    "iam:PassedToService": [
                        "eks.amazonaws.com",
                        "ec2.amazonaws.com",
                        "monitoring.rds.amazonaws.com",
                        "s3.amazonaws.com",
                        "vpc-flow-logs.amazonaws.com",
                    ]
                }
            },
        }
    )
    return statements


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
    return {
        OUTPUT_DIR / f"terraform-execution-policy-{i}.json": render(doc)
        for i, doc in enumerate(split(policy(stacks)), start=1)
    }


def stale(files: dict[Path, str]) -> bool:
    """The committed policy files differ from `files` (what the stacks need now)."""
    existing = {p: p.read_text() for p in sorted(OUTPUT_DIR.glob("terraform-execution-policy-*.json"))}
    return existing != files


def write(files: dict[Path, str]) -> list[str]:
    """Replace the committed policy files; one line per file written."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    for path in set(OUTPUT_DIR.glob("terraform-execution-policy-*.json")) - set(files):
        path.unlink()
    said = []
    for path, text in files.items():
        path.write_text(text)
        said.append(
            f"{path.relative_to(OUTPUT_DIR.parent)}: {len(json.loads(text)['Statement'])} statements, "
            f"{len(''.join(text.split()))} characters (limit {MAX_POLICY_CHARACTERS})"
        )
    return said
