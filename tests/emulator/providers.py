"""What the paging emulators share: a loopback HTTP(S) server that records every request,
answers through a handler, and can be told to fail (down, 5xx, 429 with Retry-After)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.emulator.waiting import wait_until


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    status: int = 0
    answer: dict = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def json(self) -> dict:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), to serve TLS on loopback; a client that
    is given the certificate (SSL_CERT_FILE) trusts it like a real service's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "emulator-cert.pem", directory / "emulator-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class ProviderEmulator:
    """Subclasses answer each request in `answer(received) -> (status, body, headers)`."""

    def __init__(self, tls_directory: Path | None = None) -> None:
        self.lock = threading.RLock()  # wait_for's predicates take it again
        self.changed = threading.Condition(self.lock)
        self.received: list[Received] = []
        self._failure: tuple[int, float | None] | None = None
        self._failures_left: int | None = None
        self.stall = threading.Event()  # set: hold every answer until it is cleared
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._handle()

            def do_POST(self):
                self._handle()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    self.command, self.path, dict(self.headers), self.rfile.read(length)
                )
                while emulator.stall.is_set():  # a service that does not answer in time
                    time.sleep(0.05)
                status, body, headers = emulator._respond(received)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.certificate: Path | None = None
        if tls_directory is not None:
            self.certificate, key = self_signed_certificate(tls_directory)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certificate, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls_directory is not None else "http"
        self.port = self.server.server_address[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int = 503, *, times: int | None = None, retry_after=None) -> None:
        """Answer `status` (with Retry-After when given) to the next `times` requests, or
        to all until `recover()`: the service is down or throttling."""
        with self.lock:
            self._failure, self._failures_left = (status, retry_after), times

    def recover(self) -> None:
        with self.lock:
            self._failure, self._failures_left = None, None

    def _respond(self, received: Received) -> tuple[int, dict, dict]:
        """Answer and record the request under one hold of the lock, so that what the
        request changed (an alert created) and its record in `received` are seen together:
        a test that waited for the one finds the other."""
        with self.changed:
            failure = self._failure
            if failure is not None and self._failures_left is not None:
                self._failures_left -= 1
                if self._failures_left <= 0:
                    self._failure, self._failures_left = None, None
            if failure is not None:
                status, retry_after = failure
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                answer = (status, self.failure_body(status), headers)
            else:
                answer = self.answer(received)
            received.status, received.answer = answer[0], answer[1]
            self.received.append(received)
            self.changed.notify_all()
        return answer

    def failure_body(self, status: int) -> dict:
        return {"message": "Service unavailable" if status >= 500 else "Too many requests"}

    def wait_for(self, predicate, *, timeout: float = 10.0, what: str = "a condition"):
        return wait_until(self.changed, predicate, timeout, what)
