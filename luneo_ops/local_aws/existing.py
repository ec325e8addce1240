"""What exists in an account before any stack: the backend the docs' one-time CLI commands made,
and the public hosted zones the stacks look up by name."""

from __future__ import annotations

from typing import Iterable

from .server import LocalAws, boto3_client


def create_legacy_backend(
    url: LocalAws,
    bucket: str = "luneo-terraform-state",
    table: str = "luneo-terraform-locks",
    region: str = "eu-west-1",
) -> None:
    """What the infrastructure docs' one-time CLI commands created: the backend as it exists today."""
    s3 = boto3_client("s3", url, region)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    boto3_client("dynamodb", url, region).create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_existing_zones(url: LocalAws, stacks: Iterable[dict]) -> list[str]:
    """The public hosted zones the stacks look up by name (`data.aws_route53_zone`, dns_zone_name):
    they exist before any stack, like the legacy backend."""
    route53 = boto3_client("route53", url)
    existing = {z["Name"].rstrip(".") for z in route53.list_hosted_zones()["HostedZones"]}
    names = sorted({z["name"] for stack in stacks for z in stack.get("data", {}).get("aws_route53_zone", {}).values()})
    for name in names:
        if name not in existing:
            route53.create_hosted_zone(Name=name, CallerReference=f"local-aws-{name}")
    return names


def create_github_oidc_provider(url: LocalAws) -> str:
    """The account's GitHub Actions OIDC provider, as an account that already runs OIDC-based CI has
    it (luneo-bootstrap adopts it with an import block: github_oidc_provider = "adopt")."""
    return str(
        boto3_client("iam", url).create_open_id_connect_provider(
            Url="https://token.actions.githubusercontent.com",
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["a" * 40],
        )["OpenIDConnectProviderArn"]
    )
