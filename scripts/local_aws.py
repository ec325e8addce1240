"""A real local AWS (moto's server on a free loopback port) and Terraform runs against it.

Used by `make local` (scripts/make_local.py) and by the local-AWS tests. Endpoints come from the
environment, never from the synthesized JSON: AWS_ENDPOINT_URL (plus test credentials) points both
the AWS provider and the S3 backend at the local server, and `-backend-config=use_path_style=true`
is the only extra init flag.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from scripts import terraform_cli

ROOT = Path(__file__).resolve().parent.parent
MOTO_SERVER = Path(sys.executable).parent / "moto_server"

#: What moto 5.2.5 cannot emulate, with the error it gives. Their resources (and everything that
#: refers to them) are still planned, but not applied, by `make local`.
UNSUPPORTED = {
    "aws_cloudfront_response_headers_policy": "CreateResponseHeadersPolicy: StatusCode 404, error while "
                                              "deserializing xml error response (not implemented)",
    "aws_elasticache_user_group": "CreateUserGroup never reports the group active: the apply waits until "
                                  "its 30-minute timeout",
    "aws_elasticache_replication_group": "DescribeCacheClusters: CacheClusterNotFound: moto creates no member "
                                         "clusters (luneo-<env>-redis-001), which the provider reads after creating",
    "aws_eks_cluster": "DescribeCluster returns no accessConfig: every plan replaces the cluster "
                       "(bootstrap_cluster_creator_admin_permissions forces replacement)",
    "aws_eks_node_group": "DescribeNodegroup reports remoteAccess with an ec2SshKey 'eksKeypair' it made up: "
                          "every plan replaces the node group",
    "aws_launch_template": "DescribeLaunchTemplateVersions adds a 'launch-template' tag specification: every "
                           "plan updates the template",
    "aws_elasticache_global_replication_group": "CreateGlobalReplicationGroup: 500 NotImplementedError",
}
#: Resources moto cannot create for a reason other than their type.
UNSUPPORTED_WHEN = {
    "replica": "CreateDBInstanceReadReplica: DBSubnetGroupNotFoundFault: moto looks a cross-region replica's "
               "subnet group up in the source's region",
    "tls-only": "moto applies a bucket policy's Principal-* Deny without its condition: the TLS-only "
                "statement (aws:SecureTransport = false) would deny every request, Terraform's included "
                "(HeadObject: 403 Forbidden)",
    "global-table": "moto ignores UpdateTable's ReplicaUpdates: the provider waits for a replica that never "
                    "becomes ACTIVE (a 30-minute floor) and fails",
}


#: Attributes moto accepts but does not store, so a plan after a successful apply still shows them
#: changing: (resource type, top-level attribute) -> the moto behaviour.
KNOWN_DRIFT = {
    ("aws_dynamodb_table", "server_side_encryption"): "UpdateTable ignores SSESpecification (CreateTable keeps it): "
                                                      "an adopted table's encryption change is never stored",
    ("aws_vpc_security_group_ingress_rule", "description"): "security group rule descriptions are not stored",
    ("aws_vpc_security_group_egress_rule", "description"): "security group rule descriptions are not stored",
    ("aws_db_instance", "performance_insights_enabled"): "Performance Insights settings are not stored",
    ("aws_db_instance", "performance_insights_kms_key_id"): "Performance Insights settings are not stored",
    ("aws_db_instance", "performance_insights_retention_period"): "Performance Insights settings are not stored",
    ("aws_db_parameter_group", "parameter"): "parameters are not returned as set",
    ("aws_s3_bucket_replication_configuration", "rule"): "GetBucketReplication returns every rule with "
                                                         "DeleteMarkerReplication Disabled and an empty filter",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and localhost): the local AWS speaks TLS like the real one, so
    TLS-only bucket policies (aws:SecureTransport) hold there too."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "luneo local AWS")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "moto.crt", directory / "moto.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


class LocalAws(str):
    """The server's URL (a str), with the CA bundle that trusts its certificate."""

    ca_bundle: str


@contextmanager
def moto_server(workdir: Path, log: Path | None = None) -> Iterator[LocalAws]:
    """Start `moto_server` with TLS on 127.0.0.1:<free port>; yield its URL; always stop it."""
    import ssl

    if not MOTO_SERVER.exists():
        raise FileNotFoundError(f"{MOTO_SERVER} is missing: `make setup` installs moto[server] (a dev dependency)")
    cert, key = self_signed_certificate(workdir)
    port = free_port()
    url = LocalAws(f"https://127.0.0.1:{port}")
    url.ca_bundle = str(cert)
    # moto only knows AWS-managed IAM policies (AmazonEKSClusterPolicy, ...) when asked to load them.
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port), "-c", str(cert), "-k", str(key)],
                            stdout=out, stderr=subprocess.STDOUT, env=env)
    context = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=2, context=context).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {url} (exit code {proc.poll()})")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def aws_env(url: LocalAws, region: str = "eu-west-1") -> dict[str, str]:
    """Environment for boto3 and Terraform (provider and S3 backend) against the local server."""
    env = terraform_cli.terraform_env()
    for name in list(env):
        if name.startswith("AWS_") or name.startswith("TF_VAR_"):
            del env[name]
    env.update(AWS_ENDPOINT_URL=str(url), AWS_CA_BUNDLE=url.ca_bundle, AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_REGION=region, AWS_DEFAULT_REGION=region,
               AWS_EC2_METADATA_DISABLED="true")
    return env


def boto3_client(service: str, url: LocalAws, region: str = "eu-west-1"):
    import boto3

    return boto3.client(service, endpoint_url=str(url), region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test", verify=url.ca_bundle)


def create_legacy_backend(url: str, bucket: str = "luneo-terraform-state", table: str = "luneo-terraform-locks",
                          region: str = "eu-west-1") -> None:
    """What the infrastructure docs' one-time CLI commands created: the backend as it exists today."""
    s3 = boto3_client("s3", url, region)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    boto3_client("dynamodb", url, region).create_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")


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


def prepare_workdir(stack_file: Path, workdir: Path) -> Path:
    """A working directory holding the stack's JSON, unchanged."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stack_file, workdir / "cdk.tf.json")
    return workdir


def init(workdir: Path, env: dict[str, str], *, backend: bool = True) -> terraform_cli.Result:
    stack = json.loads((workdir / "cdk.tf.json").read_text()) if (workdir / "cdk.tf.json").exists() else None
    version = terraform_cli.provider_version(stack) if stack else "5.100.0"
    args = terraform_cli.init_args(version, backend=True)
    if backend and stack and "s3" in stack["terraform"].get("backend", {}):
        args.append("-backend-config=use_path_style=true")
    return terraform_cli.run(args + ["-reconfigure"], workdir, env=env)


#: `type.name.attribute` inside an expression (jsonencode documents hold several): a reference.
REFERENCE = re.compile(r"(?<![\w.-])((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]")


def dependencies(stack: dict) -> dict[str, set[str]]:
    """Address -> the addresses it refers to (references in attributes, and depends_on)."""
    graph: dict[str, set[str]] = {}
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for resource_type, items in stack.get(kind, {}).items():
            for name, body in items.items():
                text = json.dumps({k: v for k, v in body.items() if k != "//"})
                refs = set(REFERENCE.findall(text)) | set(body.get("depends_on", []))
                graph[f"{prefix}{resource_type}.{name}"] = refs - {f"{prefix}{resource_type}.{name}"}
    for address in graph:
        graph[address] &= set(graph)
    return graph


def unsupported(stack: dict) -> dict[str, str]:
    """Address -> why moto cannot create it (its own limitation or a dependency's)."""
    reasons: dict[str, str] = {}
    for resource_type, items in stack.get("resource", {}).items():
        for name, body in items.items():
            address = f"{resource_type}.{name}"
            if resource_type in UNSUPPORTED:
                reasons[address] = UNSUPPORTED[resource_type]
            elif resource_type == "aws_db_instance" and "replicate_source_db" in body:
                reasons[address] = UNSUPPORTED_WHEN["replica"]
            elif resource_type == "aws_s3_bucket_policy" and "aws:SecureTransport" in json.dumps(body):
                reasons[address] = UNSUPPORTED_WHEN["tls-only"]
            elif resource_type == "aws_dynamodb_table" and body.get("replica"):
                reasons[address] = UNSUPPORTED_WHEN["global-table"]
    graph = dependencies(stack)
    changed = True
    while changed:
        changed = False
        for address, refs in graph.items():
            if address not in reasons and not address.startswith("data.") and refs & set(reasons):
                reasons[address] = f"depends on {sorted(refs & set(reasons))[0]}"
                changed = True
    return reasons


def emulated_targets(stack: dict) -> list[str]:
    skip = unsupported(stack)
    return sorted(f"{t}.{n}" for t, items in stack.get("resource", {}).items() for n in items
                  if f"{t}.{n}" not in skip)


def plan_summary(workdir: Path, env: dict[str, str], plan_file: str = "plan.tfplan") -> dict[str, list[str]]:
    """`terraform show -json` of a saved plan -> action -> addresses."""
    shown = terraform_cli.run(["show", "-json", plan_file], workdir, env=env)
    if not shown.ok:
        raise RuntimeError(shown.output)
    plan = json.loads(shown.stdout)
    actions: dict[str, list[str]] = {}
    for change in plan.get("resource_changes", []):
        kind = "+".join(change["change"]["actions"])
        if change.get("previous_address"):
            actions.setdefault("moved", []).append(f"{change['previous_address']} -> {change['address']}")
        actions.setdefault(kind, []).append(change["address"])
    return actions


def unexplained_changes(workdir: Path, env: dict[str, str], plan_file: str) -> tuple[list[str], list[str]]:
    """(changes not explained by KNOWN_DRIFT, changes that are) of a saved plan, as text lines."""
    shown = terraform_cli.run(["show", "-json", plan_file], workdir, env=env)
    if not shown.ok:
        raise RuntimeError(shown.output)
    unexplained, explained = [], []
    for change in json.loads(shown.stdout).get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions == ["no-op"] or actions == ["read"]:
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        attrs = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                       and not change["change"].get("after_unknown", {}).get(k))
        known = actions == ["update"] and attrs and all((change["type"], a) in KNOWN_DRIFT for a in attrs)
        line = f"{change['address']}: {'+'.join(actions)} {attrs}"
        (explained if known else unexplained).append(line)
    return unexplained, explained


# --- IAM enforcement: the Terraform role's policies proven by an apply -----------------------

def moto_readable(document: dict) -> dict:
    """A generated policy as moto's IAM evaluator can check it, which is not AWS's (moto's source,
    iam/access_control.py; docs/IAM_POLICIES.md lists what this leaves unproven):
    - moto names an action by the API's signing name: CloudWatch's `cloudwatch:X` is `monitoring:X`;
    - moto checks S3's HeadBucket as `s3:HeadBucket`, which AWS covers with `s3:ListBucket`;
    - moto matches resource ARNs only for S3 (and IAM roles that already exist: CreateRole is checked
      against "*"): other ARN-scoped statements would never match, so they are widened to "*" (their
      scoping is checked by tests/test_iam_policy.py, not here);
    - moto ignores conditions (they stay, unevaluated)."""
    statements = []
    for statement in document["Statement"]:
        statement = dict(statement)
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
    import ssl

    request = urllib.request.Request(f"{url}/moto-api/reset-auth", data=b"0" if on else b"inf", method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=10, context=ssl.create_default_context(cafile=url.ca_bundle)).close()


def with_keys(env: dict[str, str], keys: tuple[str, str]) -> dict[str, str]:
    return {**env, "AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]}
