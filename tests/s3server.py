"""A moto S3 server on 127.0.0.1 for tests, behind a gateway that checks presigned URLs as S3 does.

moto stores whatever a presigned URL brings: it checks neither the SigV4 query signature nor
X-Amz-Expires, so a PUT with another Content-Type or length would succeed there and fail on
S3. The gateway recomputes each presigned request's signature (signed headers included) and
its expiry, answers 403 as S3 would when either fails, and relays every request to moto.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote

from moto.server import ThreadedMotoServer

from devstack.procs import free_port

ACCESS_KEY_ID = "shutter-test-key"
SECRET_ACCESS_KEY = "shutter-test-secret"
REGION = "us-east-1"
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "expect", "content-length"})


def presign_refusal(method: str, target: str, headers: dict[str, str], secret: str, now: float) -> str | None:
    """Why S3 would refuse this presigned request (None if it would not, or if it is not presigned)."""
    path, _, query = target.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    params = dict(pairs)
    if "X-Amz-Signature" not in params:
        return None
    try:
        signed_at = dt.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        lifetime = dt.timedelta(seconds=int(params["X-Amz-Expires"]))
        scope = params["X-Amz-Credential"].split("/", 1)[1]
        signed_headers = params["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError, IndexError):
        return "AuthorizationQueryParametersError"
    if dt.datetime.fromtimestamp(now, dt.UTC) > signed_at + lifetime:
        return "AccessDenied: Request has expired"
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs if k != "X-Amz-Signature")
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers)
    canonical = "\n".join(
        [
            method,
            path,
            "&".join(f"{k}={v}" for k, v in encoded),
            canonical_headers,
            ";".join(signed_headers),
            "UNSIGNED-PAYLOAD",
        ]
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", params["X-Amz-Date"], scope, digest])
    key = f"AWS4{secret}".encode()
    for element in scope.split("/"):
        key = hmac.new(key, element.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), params["X-Amz-Signature"].encode()):
        return "SignatureDoesNotMatch"
    return None


class _Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", port), _Relay)
        self.upstream_port = upstream_port


class _Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Gateway

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes, length: str | None = None) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP | {"date", "server"}:
                self.send_header(name, value)
        self.send_header("Content-Length", length if length is not None else str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _relay(self) -> None:
        body = self._body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        refusal = presign_refusal(self.command, self.path, headers, SECRET_ACCESS_KEY, time.time())
        if refusal is not None:
            error = f"<Error><Code>{refusal.split(':')[0]}</Code><Message>{refusal}</Message></Error>".encode()
            self._answer(403, [("Content-Type", "application/xml")], error)
            return
        forwarded = {name: value for name, value in headers.items() if name not in _HOP_BY_HOP}
        forwarded["content-length"] = str(len(body))
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=forwarded)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self._answer(response.status, response.getheaders(), data, length)

    # http.server dispatches on these names.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _relay  # noqa: N815


class S3TestServer:
    """moto on one free port, the checking gateway on another; clients use `endpoint_url`."""

    def __init__(self) -> None:
        self._moto_port = free_port()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self._moto_port, verbose=False)
        self._gateway = _Gateway(free_port(), self._moto_port)
        self._thread = threading.Thread(target=self._gateway.serve_forever, name="s3-gateway", daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._gateway.server_address[1]}"

    def start(self) -> S3TestServer:
        # werkzeug logs every request moto answers; test output needs none of it.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._gateway.shutdown()
        self._gateway.server_close()
        self._thread.join(timeout=5)
        self._moto.stop()


def settings_overrides(server: S3TestServer, bucket: str = "shutter-media-test") -> dict[str, Any]:
    """Settings fields that point the S3 backend at `server`."""
    return {
        "storage_backend": "s3",
        "s3_endpoint_url": server.endpoint_url,
        "s3_region": REGION,
        "s3_bucket": bucket,
        "s3_access_key_id": ACCESS_KEY_ID,
        "s3_secret_access_key": SECRET_ACCESS_KEY,
    }
