"""A tiny S3-compatible server for tests: PUT/GET objects on 127.0.0.1, SigV4 checked.

The signature check is written here from the AWS description, apart from the adapter's own
code, so a request the adapter signs wrongly is refused (403) as a real store would.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

ACCESS_KEY, SECRET_KEY, REGION = "AKIDTESTRECEIPTS", "test/secret+key", "cn-south-1"


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.refused = 0
        self.requests: list[tuple[str, str]] = []


def _expected_signature(handler: BaseHTTPRequestHandler, signed: list[str], scope: str,
                        stamp: str, payload_hash: str) -> str:
    parts = urlsplit(handler.path)
    query = "&".join(sorted(p for p in parts.query.split("&") if p))
    headers = "".join(f"{name}:{' '.join(handler.headers[name].split())}\n" for name in signed)
    canonical = "\n".join([handler.command, quote(parts.path, safe="/-_.~%"), query, headers,
                           ";".join(signed), payload_hash])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{SECRET_KEY}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _handler(store: FakeS3) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def _authorised(self, body: bytes) -> bool:
            auth = self.headers.get("Authorization", "")
            try:
                fields = dict(item.strip().split("=", 1)
                              for item in auth.removeprefix("AWS4-HMAC-SHA256 ").split(","))
                access, scope = fields["Credential"].split("/", 1)
                signed = fields["SignedHeaders"].split(";")
            except (KeyError, ValueError):
                return False
            payload_hash = self.headers.get("x-amz-content-sha256", "")
            if self.command == "PUT" and payload_hash != hashlib.sha256(body).hexdigest():
                return False
            if access != ACCESS_KEY or not {"host", "x-amz-date"} <= set(signed) \
                    or scope.split("/")[1] != REGION:
                return False
            expected = _expected_signature(self, signed, scope, self.headers["x-amz-date"],
                                           payload_hash)
            return hmac.compare_digest(expected, fields["Signature"])

        def _answer(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            store.requests.append(("PUT", self.path))
            if not self._authorised(body):
                store.refused += 1
                return self._answer(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            store.objects[self.path] = body
            return self._answer(200)

        def do_GET(self) -> None:
            store.requests.append(("GET", self.path))
            if not self._authorised(b""):
                store.refused += 1
                return self._answer(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            if self.path not in store.objects:
                return self._answer(404, b"<Error><Code>NoSuchKey</Code></Error>")
            return self._answer(200, store.objects[self.path])

    return Handler


@contextmanager
def fake_s3() -> Iterator[tuple[str, FakeS3]]:
    """(endpoint URL, the store's state) for the duration of the block."""
    state = FakeS3()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
