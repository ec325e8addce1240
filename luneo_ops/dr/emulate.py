"""What AWS would have replicated by the time of an outage, which moto does not do: the drill does
it in the set-up and says so in its report (each function returns that line)."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Iterator

from constructs_luneo.config import replica_bucket_name

from ..local_aws.session import Session

PRIMARY, SECONDARY = "eu-west-1", "us-east-1"


def replication(session: Session, workdir: Any) -> list[str]:
    """The read replica first (its import writes the state, which is then copied), the images, the
    state objects, the lock table's items."""
    said = [read_replica(session, workdir), images(session)]
    backend = session.backend
    s3, s3_us = session.client("s3"), session.client("s3", SECONDARY)
    replica = replica_bucket_name(backend["bucket"], SECONDARY)
    for listed in s3.list_objects_v2(Bucket=backend["bucket"]).get("Contents", []):
        body = s3.get_object(Bucket=backend["bucket"], Key=listed["Key"])["Body"].read()
        s3_us.put_object(Bucket=replica, Key=listed["Key"], Body=body)
    said.append(
        f"S3 replication (RTC): moto copies no object; the drill copied the state objects of "
        f"{backend['bucket']} to {replica}"
    )
    table = backend["dynamodb_table"]
    ddb, ddb_us = session.client("dynamodb"), session.client("dynamodb", SECONDARY)
    ddb_us.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
    )
    for item in ddb.scan(TableName=table)["Items"]:
        ddb_us.put_item(TableName=table, Item=item)
    said.append(
        f"DynamoDB global table: moto has no replicas (the provider would wait 30 minutes for one); the "
        f"drill created {table} in {SECONDARY} with the items"
    )
    return [line for line in said if line]


def images(session: Session) -> str:
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": 2,
                "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest(),
            },
            "layers": [],
        }
    )
    for region in (PRIMARY, SECONDARY):
        ecr = session.client("ecr", region)
        for _, _, repository in session.stack.each("aws_ecr_repository"):
            if (repository.get("provider") == "aws.secondary") == (region == SECONDARY):
                ecr.put_image(repositoryName=repository["name"], imageManifest=manifest, imageTag="drill")
    return (
        "ECR replication: moto stores the registry's replication configuration but copies no image; the drill "
        "pushed the image to both regions' repositories"
    )


def read_replica(session: Session, workdir: Any) -> str:
    """moto cannot create a cross-region read replica (it looks the subnet group up in the source's
    region): the drill creates the us-east-1 instance the replica is, and imports it."""
    body = session.stack.body("aws_db_instance.postgres-replica_instance")
    if body is None:
        return ""
    state = {r["address"]: r for r in _state_resources(session, workdir)}

    def value(address: str, attribute: str) -> Any:
        return state[address]["values"][attribute]

    key = body["kms_key_id"].split(".")[1]
    session.client("rds", SECONDARY).create_db_instance(
        DBInstanceIdentifier=body["identifier"],
        Engine="postgres",
        DBInstanceClass=body["instance_class"],
        AllocatedStorage=20,
        MasterUsername="luneo_admin",
        MasterUserPassword="drill-only-" + os.urandom(8).hex(),
        StorageEncrypted=True,
        KmsKeyId=value(f"aws_kms_key.{key}", "arn"),
        StorageType="gp3",
        DBSubnetGroupName=value("aws_db_subnet_group.postgres-replica_subnet-group", "name"),
        VpcSecurityGroupIds=[value("aws_security_group.postgres-replica_security-group", "id")],
        DBParameterGroupName=value("aws_db_parameter_group.postgres-replica_parameter-group", "name"),
        BackupRetentionPeriod=body.get("backup_retention_period", 7),
        DeletionProtection=True,
    )
    session.must(
        session.tf(
            ["import", "-no-color", "-input=false", "aws_db_instance.postgres-replica_instance", body["identifier"]],
            workdir,
        ),
        "import of the read replica",
    )
    return (
        "RDS cross-region read replica: moto cannot create one; the drill created the us-east-1 instance and "
        "imported it as the replica"
    )


def _state_resources(session: Session, workdir: Any) -> Iterator[dict]:
    shown = session.must(session.tf(["show", "-json", "-no-color"], workdir), "terraform show")
    yield from json.loads(shown.stdout).get("values", {}).get("root_module", {}).get("resources", [])
