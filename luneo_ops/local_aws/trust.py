"""Delivery's boundaries proven on the local AWS with IAM enforced (the DR drill's set-up runs this
after applying the environment with its apply role): what moto's evaluator can judge, it judges
(actions, S3 and IAM role ARNs, unconditional denies). What it cannot (conditions, trust policies,
resource policies) is tested on the documents themselves (tests/test_iam_policy.py,
tests/test_delivery.py; docs/SECURITY.md says which is which)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from . import iam
from .session import RehearsalFailed, Session, global_services_and_dependents

DENIED = re.compile(r"not authorized to perform: ([\w-]+:[\w*-]+)")


def prove(session: Session, workdir: Path) -> list[tuple[str, str]]:
    """(what, evidence) for each boundary; RehearsalFailed when one does not hold."""
    iam.enforce_iam(session.url)
    try:
        return [
            _plan_role_plans(session, workdir),
            _plan_role_cannot_apply(session, workdir),
            _other_state_unreadable(session),
            *_own_identity_untouchable(session),
        ]
    finally:
        iam.enforce_iam(session.url, on=False)


def _targets(session: Session) -> list[str]:
    from .emulation import emulated_targets

    outside = global_services_and_dependents(session.stack)
    return [f"-target={t}" for t in emulated_targets(session.stack.document) if t not in outside]


def _plan_role_plans(session: Session, workdir: Path) -> tuple[str, str]:
    result = session.tf(
        ["plan", "-lock=false", "-detailed-exitcode", *_targets(session)], workdir, keys=session.plan_keys
    )
    if result.returncode == 1:
        raise RehearsalFailed("the plan role could not plan:\n" + result.output[-3000:])
    return (
        "the plan role plans",
        f"plan -lock=false of {session.stack.name} with the plan role's keys: exit "
        f"{result.returncode} (no state written, no lock taken)",
    )


def _plan_role_cannot_apply(session: Session, workdir: Path) -> tuple[str, str]:
    """The apply is refused on its first write, the state lock (dynamodb:PutItem). moto answers a
    JSON protocol's 403 in XML, which Terraform cannot decode: the region-cut proxy reads the action
    moto refused from the body."""
    before = len(session.proxy.traffic.denied) if session.proxy else 0
    result = session.tf(
        ["apply", "-auto-approve", "-lock-timeout=0s", *_targets(session)], workdir, keys=session.plan_keys
    )
    denied = sorted(
        set(DENIED.findall(result.output) + (session.proxy.traffic.denied[before:] if session.proxy else []))
    )
    if result.ok or not denied:
        raise RehearsalFailed("the plan role's apply was not refused by IAM:\n" + result.output[-2000:])
    return ("the plan role cannot apply", f"apply with the plan role's keys refused: {', '.join(denied)}")


def _refused(call: Any) -> str:
    """The error code of a boto3 call expected to be refused ("" when it was not)."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return ""


def _other_state_unreadable(session: Session) -> tuple[str, str]:
    """Another environment's state key (whatever environment this is, the other one's key)."""
    from ..paths import load_stack

    other = next(n for n in ("luneo-prod", "luneo-staging") if n != session.stack.name)
    key = load_stack(other, session.outdir).backend["s3"]["key"]
    s3 = _client(session, "s3", session.keys)
    code = _refused(lambda: s3.get_object(Bucket=session.backend["bucket"], Key=key))
    write = _refused(
        lambda: s3.put_object(Bucket=session.backend["bucket"], Key=key, Body=b"{}", ServerSideEncryption="aws:kms")
    )
    if code != "AccessDenied" or write != "AccessDenied":
        raise RehearsalFailed(
            f"{session.stack.name}'s apply role reached {other}'s state ({code or 'read'}, {write or 'written'})"
        )
    return (
        f"{other}'s state out of reach",
        f"{session.stack.name}'s apply role: GetObject and PutObject of "
        f"s3://{session.backend['bucket']}/{key} refused ({code})",
    )


def _own_identity_untouchable(session: Session) -> list[tuple[str, str]]:
    """The apply role cannot change its own trust nor attach AdministratorAccess to itself (the
    explicit denies on the delivery identities), as itself (the apply user) on the role the
    bootstrap created."""
    environment = session.stack.name.removeprefix("luneo-")
    role = f"luneo-ci-{environment}-apply"
    client = _client(session, "iam", session.keys)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    checks = [
        ("change its own trust", lambda: client.update_assume_role_policy(RoleName=role, PolicyDocument=trust)),
        (
            "attach AdministratorAccess to itself",
            lambda: client.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
        ),
    ]
    found = []
    for what, call in checks:
        code = _refused(call)
        if code != "AccessDenied":
            raise RehearsalFailed(f"the apply role could {what} ({code or 'it succeeded'})")
        found.append((f"the apply role cannot {what}", f"{role}: refused ({code})"))
    return found


def _client(session: Session, service: str, keys: tuple[str, str]) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=str(session.url),
        region_name=session.backend["region"],
        verify=session.url.ca_bundle,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
    )
