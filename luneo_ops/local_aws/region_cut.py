"""A TLS reverse proxy in front of the local AWS (moto) that can cut an AWS region off, and records
what went through it.

Every AWS request's SigV4 credential scope names a region (`Credential=AK/date/REGION/SERVICE/...`,
or `X-Amz-Credential` in a presigned URL); moto itself serves each request from that region's
backend. While a region is cut, every request naming it is refused at once with HTTP 503 (a body in
the request's protocol, so Terraform prints `ServiceUnavailable: region eu-west-1 is cut`); all others
are forwarded unchanged (method, path, headers including Host, so signatures stay valid, body bytes).

- Global services (IAM, CloudFront, Route 53, ...) are never cut: with AWS_ENDPOINT_URL the provider
  signs IAM and CloudFront with its own region, but in AWS they belong to no region.
- moto serves every bucket whatever region a request is signed for, so the cut region's buckets are
  named (`cut(region, buckets=...)`) to be cut for other regions' clients as well.
- It records, per request, the region, the service, the operation where the protocol says it
  (X-Amz-Target, Action=) and the status, and every AccessDenied with the action moto refused.

Used by the DR drill (luneo_ops/dr/drill.py). Loopback only.
"""

from __future__ import annotations

import http.client
import http.server
import json
import re
import socketserver
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
DENIED = re.compile(r"is not authorized to perform: ([\w-]+:[\w*-]+)")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
GLOBAL_SERVICES = {
    "iam",
    "cloudfront",
    "route53",
    "organizations",
    "waf",
    "budgets",
    "ce",
    "globalaccelerator",
    "shield",
    "health",
    "support",
    "route53domains",
}


@dataclass
class Request:
    region: str | None
    service: str | None
    operation: str | None
    status: int | str


@dataclass
class Traffic:
    """What went through the proxy."""

    requests: list[Request] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)  # "<service>:<Action>" moto refused (AccessDenied)

    def refused_in(self, region: str) -> int:
        return sum(1 for r in self.requests if r.status == "cut" and r.region == region)


def credential_scope(headers: Message, path: str) -> tuple[str | None, str | None]:
    match = SCOPE.search(headers.get("Authorization", ""))
    if not match:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        match = SCOPE.search("Credential=" + (query.get("X-Amz-Credential") or [""])[0])
    return (match.group(3), match.group(4)) if match else (None, None)


def operation(headers: Message, path: str, body: bytes) -> str | None:
    """The API operation, where the protocol carries it (JSON: X-Amz-Target; query: Action=)."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    for text in (urllib.parse.urlsplit(path).query, body[:4096].decode("utf-8", "replace")):
        action = urllib.parse.parse_qs(text).get("Action")
        if action:
            return action[0]
    return None


def error_body(content_type: str, service: str | None, message: str) -> tuple[str, bytes]:
    """A 503 body each AWS protocol's deserializer understands."""
    if "json" in content_type:
        return "application/x-amz-json-1.1", json.dumps({"__type": "ServiceUnavailable", "message": message}).encode()
    if service == "s3":
        return "application/xml", f"<Error><Code>ServiceUnavailable</Code><Message>{message}</Message></Error>".encode()
    if service == "ec2":
        return "text/xml", (
            f"<Response><Errors><Error><Code>ServiceUnavailable</Code><Message>{message}</Message>"
            "</Error></Errors></Response>"
        ).encode()
    return "text/xml", (
        f"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
        f"<Message>{message}</Message></Error></ErrorResponse>"
    ).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and Expect: 100-continue
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass

    def _refused(self, region: str | None, service: str | None) -> bool:
        proxy = self.server.proxy
        with proxy.lock:
            cut = service not in GLOBAL_SERVICES and region in proxy.cut_regions
            if not cut and service == "s3":
                bucket = urllib.parse.urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
                cut = proxy.cut_buckets.get(bucket) in proxy.cut_regions
            if cut:
                proxy.traffic.requests.append(Request(region, service, None, "cut"))
        if not cut:
            return False
        ctype, body = error_body(self.headers.get("Content-Type", ""), service, f"region {region} is cut (DR drill)")
        self.send_response(503, "Service Unavailable")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
        return True

    def handle_expect_100(self) -> bool:
        """A cut region gets its 503 before the client sends the body."""
        region, service = credential_scope(self.headers, self.path)
        return False if self._refused(region, service) else super().handle_expect_100()

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip(), 16)) != 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _upstream(self) -> http.client.HTTPConnection:
        key = threading.get_ident()
        connection = self.server.connections.get(key)
        if connection is None:
            host, port = self.server.proxy.upstream
            connection = http.client.HTTPSConnection(
                host, port, context=self.server.proxy.upstream_context, timeout=120
            )
            self.server.connections[key] = connection
        return connection

    def _forward(self) -> None:
        region, service = credential_scope(self.headers, self.path)
        if self._refused(region, service):
            return
        body = self._body()
        # Headers go on unchanged (the SDK signs Host, Content-Length, Accept-Encoding); Expect is unsigned.
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "expect"}
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        for attempt in (1, 2):  # moto may have closed a kept-alive connection: retry once on a new one
            connection = self._upstream()
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.server.connections.pop(threading.get_ident(), None)
                connection.close()
                if attempt == 2:
                    self.send_error(502)
                    return
        proxy = self.server.proxy
        with proxy.lock:
            proxy.traffic.requests.append(
                Request(region, service, operation(self.headers, self.path, body), response.status)
            )
            if response.status == 403:
                proxy.traffic.denied += DENIED.findall(data.decode("utf-8", "replace"))
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        length = response.getheader("Content-Length")
        self.send_header("Content-Length", length if self.command == "HEAD" and length is not None else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _forward


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: RegionCutProxy) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy
        self.connections: dict[int, http.client.HTTPConnection] = {}


class RegionCutProxy:
    """`with RegionCutProxy(upstream_url, cert, key) as url:` serves https://127.0.0.1:<port> in a thread.
    `cut("eu-west-1", buckets=[...])`, `heal()`; `traffic` holds what went through."""

    def __init__(self, upstream_url: str, cert: Path | str, key: Path | str) -> None:
        parts = urllib.parse.urlsplit(upstream_url)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the local AWS is on loopback only")
        self.upstream = (parts.hostname, parts.port or 443)
        self.upstream_context = ssl.create_default_context(cafile=str(cert))
        self.cert, self.key = str(cert), str(key)
        self.lock = threading.Lock()
        self.cut_regions: set[str] = set()
        self.cut_buckets: dict[str, str] = {}
        self.traffic = Traffic()
        self.url = ""

    def __enter__(self) -> str:
        self._server = _Server(self)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def cut(self, region: str, buckets: list[str] = ()) -> None:  # type: ignore[assignment]
        with self.lock:
            self.cut_regions.add(region)
            self.cut_buckets.update({bucket: region for bucket in buckets})

    def heal(self) -> None:
        with self.lock:
            self.cut_regions.clear()
            self.cut_buckets.clear()
