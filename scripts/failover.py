"""What Terraform needs to keep working when the primary region is lost (docs/DISASTER_RECOVERY.md).

    python -m scripts.failover backend STACK   # init flags: the state's copy in the replica region
    python -m scripts.failover back STACK      # init flags: move the state back to the primary backend
    python -m scripts.failover targets STACK   # -target flags: what can be planned without the primary region
    python -m scripts.failover check STACK     # is the state's copy current? (AWS credentials, the replica region)

A stack spans both regions in one state. While the primary region is down, a plain plan would
configure its provider (an STS call there) and refresh its resources, and fail. The failover plan
therefore takes `-refresh=false` and targets only the resources managed through a provider of a
surviving region whose every dependency is managed there too (`targets`); Route 53 is managed
through the us-east-1 provider for that reason. Reads cdktf.out (run `make synth` first).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _stack(outdir: Path, name: str) -> dict:
    path = outdir / "stacks" / name / "cdk.tf.json"
    if not path.exists():
        raise SystemExit(f"error: {path} is missing: run `make synth` first (stacks: "
                         f"{', '.join(sorted(p.name for p in (outdir / 'stacks').glob('*'))) or 'none'})")
    return json.loads(path.read_text())


def replica_region(outdir: Path) -> str:
    """Where luneo-bootstrap keeps the state's copies: its lock table's replica region."""
    bootstrap = _stack(outdir, "luneo-bootstrap")
    for table in bootstrap.get("resource", {}).get("aws_dynamodb_table", {}).values():
        for replica in table.get("replica") or []:
            return str(replica["region_name"])
    raise SystemExit("error: luneo-bootstrap keeps no copy of the state (no lock table replica)")


def backend_config(stack: dict, outdir: Path, *, failover: bool) -> list[str]:
    """The -backend-config values of the state's copy (failover) or of the synthesized backend (back)."""
    from constructs_luneo.config import replica_bucket_name

    s3 = stack["terraform"]["backend"]["s3"]
    if failover:
        region = replica_region(outdir)
        bucket = replica_bucket_name(s3["bucket"], region)
    else:
        region, bucket = s3["region"], s3["bucket"]
    return [f"-backend-config=bucket={bucket}", f"-backend-config=region={region}",
            f"-backend-config=dynamodb_table={s3['dynamodb_table']}"]


def provider_regions(stack: dict) -> dict[str, str]:
    return {f"aws.{p['alias']}" if p.get("alias") else "aws": p["region"] for p in stack["provider"]["aws"]}


def failover_targets(stack: dict, lost_region: str) -> tuple[list[str], list[str]]:
    """(addresses to target, addresses left out): resources whose provider is not in `lost_region`
    and whose dependencies (transitively) are all outside it too."""
    from scripts.local_aws import dependencies

    regions = provider_regions(stack)
    region_of = {f"{prefix}{t}.{n}": regions[body.get("provider", "aws")]
                 for kind, prefix in (("resource", ""), ("data", "data."))
                 for t, items in stack.get(kind, {}).items() for n, body in items.items()}
    depends = dependencies(stack)
    lost: set[str] = {a for a, r in region_of.items() if r == lost_region}
    changed = True
    while changed:
        changed = False
        for address, refs in depends.items():
            if address not in lost and refs & lost:
                lost.add(address)
                changed = True
    resources = [a for a in region_of if not a.startswith("data.")]
    return sorted(a for a in resources if a not in lost), sorted(a for a in resources if a in lost)


def copy_status(stack: dict, outdir: Path, s3: Any, dynamodb: Any) -> tuple[bool, str]:
    """(current, explanation) for the state's copy in the replica region. Replication of the bucket
    lags (S3 RTC: 99.99 % of objects within 15 minutes); the lock table's items replicate within
    seconds (a DynamoDB global table), and the S3 backend keeps the md5 of the state it last wrote
    under "<bucket>/<key>-md5". The copy is current when its md5 is that digest. `s3` and `dynamodb`
    are clients of the replica region."""
    import hashlib

    from constructs_luneo.config import replica_bucket_name

    backend = stack["terraform"]["backend"]["s3"]
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
        return False, (f"{table} in {region} holds no digest of {backend['bucket']}/{key}: cannot tell whether "
                       f"the copy (serial {serial}) is current")
    if digest != hashlib.md5(body).hexdigest():
        return False, (f"s3://{bucket}/{key} (serial {serial}) is not the state last written to "
                       f"{backend['bucket']}: replication lags; wait (RTC: 15 minutes) and check again")
    return True, f"s3://{bucket}/{key} (serial {serial}) is the state last written to {backend['bucket']}"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("backend", "back", "targets", "check"):
        print("usage: python -m scripts.failover backend|back|targets|check STACK [CDKTF_OUT]", file=sys.stderr)
        return 2
    command, name = argv[0], argv[1]
    outdir = Path(argv[2]) if len(argv) > 2 else ROOT / "cdktf.out"
    stack = _stack(outdir, name)
    if command == "backend":
        print("terraform init -reconfigure " + " ".join(backend_config(stack, outdir, failover=True)))
    elif command == "check":
        import boto3

        region = replica_region(outdir)
        current, explanation = copy_status(stack, outdir, boto3.client("s3", region_name=region),
                                           boto3.client("dynamodb", region_name=region))
        print(("current: " if current else "NOT current: ") + explanation)
        return 0 if current else 1
    elif command == "back":
        print("terraform init -migrate-state -force-copy " + " ".join(backend_config(stack, outdir, failover=False)))
    else:
        lost = provider_regions(stack)["aws"]  # the default provider's: the primary region
        targets, left_out = failover_targets(stack, lost)
        print(" ".join(f"-target={t}" for t in targets))
        print(f"# {len(targets)} resources plannable without {lost}; {len(left_out)} left out (they or a "
              f"dependency live in {lost})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
