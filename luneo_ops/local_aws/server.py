"""A real local AWS: moto's server with TLS on a free loopback port, and Terraform runs against it.

Endpoints come from the environment, never from the synthesized JSON: AWS_ENDPOINT_URL (plus test
credentials) points both the AWS provider and the S3 backend at the local server, and
`-backend-config=use_path_style=true` is the only extra init flag. Loopback only, ever.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..terraform import cli

MOTO_SERVER = Path(sys.executable).parent / "moto_server"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and localhost): the local AWS speaks TLS like the real one, so
    TLS-only bucket policies (aws:SecureTransport) hold there too."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "luneo local AWS")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "moto.crt", directory / "moto.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
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
    from ..paths import ROOT  # luneo_ops's parent, for `python -m`

    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    out = open(log, "w") if log else open(os.devnull, "w")
    # moto's server with the calls it lacks answered (moto_launch.py says which, and what that cannot prove).
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "luneo_ops.local_aws.moto_launch",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
            "-c",
            str(cert),
            "-k",
            str(key),
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
    )
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
        out.close()


def aws_env(url: LocalAws, region: str = "eu-west-1") -> dict[str, str]:
    """Environment for boto3 and Terraform (provider and S3 backend) against the local server."""
    env = cli.terraform_env()
    for name in list(env):
        if name.startswith("AWS_") or name.startswith("TF_VAR_"):
            del env[name]
    env.update(
        AWS_ENDPOINT_URL=str(url),
        AWS_CA_BUNDLE=url.ca_bundle,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def boto3_client(service: str, url: LocalAws, region: str = "eu-west-1"):
    import boto3

    return boto3.client(
        service,
        endpoint_url=str(url),
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=url.ca_bundle,
    )


def prepare_workdir(stack_file: Path, workdir: Path) -> Path:
    """A working directory holding the stack's JSON, unchanged (and its provider lock file)."""
    return cli.copy_stack(stack_file, workdir)


def init(workdir: Path, env: dict[str, str], *, backend: bool = True) -> cli.Result:
    stack = json.loads((workdir / "cdk.tf.json").read_text()) if (workdir / "cdk.tf.json").exists() else None
    version = cli.provider_version(stack) if stack else "5.100.0"
    args = cli.init_args(version, backend=True, workdir=workdir)
    if backend and stack and "s3" in stack["terraform"].get("backend", {}):
        args.append("-backend-config=use_path_style=true")
    return cli.run(args + ["-reconfigure"], workdir, env=env)
