"""IAM on the local AWS: a generated policy as moto's evaluator can check it, a user holding
exactly some policies, and enforcement switched on (docs/IAM_POLICIES.md says what this proves and
what it cannot)."""

from __future__ import annotations

import json
import ssl
import urllib.request

from .server import LocalAws, boto3_client


def moto_readable(document: dict) -> dict:
    """A generated policy as moto's IAM evaluator can check it, which is not AWS's (moto's source,
    iam/access_control.py; docs/IAM_POLICIES.md lists what this leaves unproven):
    - moto names an action by the API's signing name: CloudWatch's `cloudwatch:X` is `monitoring:X`;
    - moto checks S3's HeadBucket as `s3:HeadBucket`, which AWS covers with `s3:ListBucket`;
    - moto matches resource ARNs only for S3 (and IAM roles that already exist: CreateRole is checked
      against "*"): other ARN-scoped statements would never match, so they are widened to "*" (their
      scoping is checked by tests/test_iam_policy.py, not here);
    - moto ignores conditions (they stay, unevaluated), so an Allow with a condition allows; an
      unconditional Deny stays as written (moto applies it where it can match the ARN: IAM roles
      that exist, S3); a conditional Deny would deny regardless, so it is left out (tested as a
      document instead)."""
    statements = []
    for statement in document["Statement"]:
        statement = dict(statement)
        if statement["Effect"] == "Deny":
            if "Condition" not in statement:
                statements.append(statement)
            continue
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else list(statement["Action"])
        actions += [f"monitoring:{a.split(':', 1)[1]}" for a in actions if a.startswith("cloudwatch:")]
        actions += ["s3:HeadBucket"] if "s3:ListBucket" in actions else []
        statement["Action"] = sorted(set(actions))
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        if any(not r.startswith("arn:aws:s3:::") and r != "*" for r in resources):
            statement["Resource"] = "*"
        statements.append(statement)
    return {**document, "Statement": statements}


def create_iam_user(url: LocalAws, name: str, policies: list[dict]) -> tuple[str, str]:
    """An IAM user holding exactly these managed policies, and its access key (set up before
    enforcement is on)."""
    iam = boto3_client("iam", url)
    iam.create_user(UserName=name)
    for i, document in enumerate(policies, start=1):
        arn = iam.create_policy(PolicyName=f"{name}-{i}", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def enforce_iam(url: LocalAws, on: bool = True) -> None:
    """From now on every request is authenticated and authorized (moto's POST /moto-api/reset-auth);
    only keys of IAM users created in the local AWS are valid then."""

    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth", data=b"0" if on else b"inf", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request, timeout=10, context=ssl.create_default_context(cafile=url.ca_bundle)).close()


def with_keys(env: dict[str, str], keys: tuple[str, str]) -> dict[str, str]:
    return {**env, "AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]}
