"""What Terraform needs to keep working when the primary region is lost (docs/DISASTER_RECOVERY.md).

    python -m luneo_ops failover backend STACK   # init flags: the state's copy in the replica region
    python -m luneo_ops failover back STACK      # init flags: move the state back to the primary backend
    python -m luneo_ops failover targets STACK   # -target flags: what can be planned without the primary region
    python -m luneo_ops failover check STACK     # is the state's copy current? (AWS credentials, the replica region)

A stack spans both regions in one state. While the primary region is down, a plain plan would
configure its provider (an STS call there) and refresh its resources, and fail. The failover plan
therefore takes `-refresh=false` and targets only the resources managed through a provider of a
surviving region whose every dependency is managed there too (`targets`); Route 53 is managed
through the us-east-1 provider for that reason. Reads cdktf.out (run `make synth` first).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from constructs_luneo.config import replica_bucket_name
from constructs_luneo.support.synthesized import SynthesizedStack

from ..paths import MissingStack, load_stack


def replica_region(outdir: Path) -> str:
    """Where luneo-bootstrap keeps the state's copies: its lock table's replica region."""
    for _, _, table in load_stack("luneo-bootstrap", outdir).each("aws_dynamodb_table"):
        for replica in table.get("replica") or []:
            return str(replica["region_name"])
    raise MissingStack("luneo-bootstrap keeps no copy of the state (no lock table replica)")


def backend_config(stack: SynthesizedStack, outdir: Path, *, failover: bool) -> list[str]:
    """The -backend-config values of the state's copy (failover) or of the synthesized backend (back)."""
    s3 = stack.backend["s3"]
    if failover:
        region = replica_region(outdir)
        bucket = replica_bucket_name(s3["bucket"], region)
    else:
        region, bucket = s3["region"], s3["bucket"]
    return [
        f"-backend-config=bucket={bucket}",
        f"-backend-config=region={region}",
        f"-backend-config=dynamodb_table={s3['dynamodb_table']}",
    ]


def failover_targets(stack: SynthesizedStack, lost_region: str) -> tuple[list[str], list[str]]:
    """(addresses to target, addresses left out): resources whose provider is not in `lost_region`
    and whose dependencies (transitively) are all outside it too."""
    lost = stack.with_dependents(a for a, body in stack.items() if stack.region(body) == lost_region)
    resources = stack.addresses(data=False)
    return sorted(a for a in resources if a not in lost), sorted(a for a in resources if a in lost)


def copy_status(stack: SynthesizedStack, outdir: Path, s3: Any, dynamodb: Any) -> tuple[bool, str]:
    """(current, explanation) for the state's copy in the replica region. Replication of the bucket
    lags (S3 RTC: 99.99 % of objects within 15 minutes); the lock table's items replicate within
    seconds (a DynamoDB global table), and the S3 backend keeps the md5 of the state it last wrote
    under "<bucket>/<key>-md5". The copy is current when its md5 is that digest. `s3` and `dynamodb`
    are clients of the replica region."""
    backend = stack.backend["s3"]
    region = replica_region(outdir)
    bucket = replica_bucket_name(backend["bucket"], region)
    key, table = backend["key"], backend["dynamodb_table"]
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return False, f"s3://{bucket}/{key} does not exist: the state was never replicated to {region}"
    item = dynamodb.get_item(TableName=table, Key={"LockID": {"S": f"{backend['bucket']}/{key}-md5"}}).get("Item")
    digest = (item or {}).get("Digest", {}).get("S")
    serial = json.loads(body).get("serial")
    if digest is None:
        return False, (
            f"{table} in {region} holds no digest of {backend['bucket']}/{key}: cannot tell whether "
            f"the copy (serial {serial}) is current"
        )
    if digest != hashlib.md5(body).hexdigest():
        return False, (
            f"s3://{bucket}/{key} (serial {serial}) is not the state last written to "
            f"{backend['bucket']}: replication lags; wait (RTC: 15 minutes) and check again"
        )
    return True, f"s3://{bucket}/{key} (serial {serial}) is the state last written to {backend['bucket']}"
