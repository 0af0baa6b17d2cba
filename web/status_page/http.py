"""A small HTTP/1.1 server for the status page: GET and HEAD of prepared responses.

Why not waitress (the ops port's server): every response here is prepared in advance (the
cache, see `cache.py`), so the work per request is parsing a request line and a few
headers. An asyncio protocol does that in one thread with keep-alive and pipelining and
no hand-off to worker threads; it runs in the page's own process, so however hard the page
is hit the daemon's interpreter (and so its Slack acks) never notices.

Requests with a body are refused (405, and the connection closed, since the body is not
read); request heads over 16 KiB get 431; anything unparsable gets 400; a connection idle
for IDLE_TIMEOUT seconds is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger("klaxon.status_page")
MAX_HEAD = 16 * 1024
# A connection that sends no complete request for this long is closed (idle keep-alive
# connections, and clients that trickle a request in, hold no slot for ever).
IDLE_TIMEOUT = 30.0
REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    headers: dict[str, str]  # lower-case names


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    close: bool = False


def _head(response: Response, keep_alive: bool, length: int) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'OK')}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines.append(f"Content-Length: {length}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Connection(asyncio.Protocol):
    def __init__(self, handle: Callable[[Request], Response]) -> None:
        self._handle = handle
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        self._transport = transport
        self._wait_idle()

    def _wait_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(IDLE_TIMEOUT, self._close_idle)

    def _close_idle(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    self._fail(431)
                return
            head, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
            if not self._answer(head):
                return
            self._wait_idle()

    def _answer(self, head: bytes) -> bool:
        """Answer one request; False when the connection is closed after it."""
        try:
            text = head.decode("latin-1")
            request_line, *header_lines = text.split("\r\n")
            method, target, version = request_line.split(" ")
            if not version.startswith("HTTP/1."):
                raise ValueError(version)
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        except ValueError:
            self._fail(400)
            return False
        has_body = headers.get("content-length", "0") not in ("", "0") or (
            "transfer-encoding" in headers
        )
        path = target.split("?", 1)[0].split("#", 1)[0]
        try:
            response = self._handle(Request(method, path, headers))
        except Exception:
            log.exception("status_page_request_failed", path=path[:200])
            self._fail(500)
            return False
        connection = headers.get("connection", "").lower()
        keep_alive = (
            not response.close
            and not has_body
            and (connection == "keep-alive" if version == "HTTP/1.0" else connection != "close")
        )
        body = b"" if method == "HEAD" or response.status == 304 else response.body
        length = 0 if response.status == 304 else len(response.body)
        self._transport.write(_head(response, keep_alive, length) + body)
        if not keep_alive:
            self._transport.close()
            self._transport = None
            return False
        return True

    def _fail(self, status: int) -> None:
        body = f"{status} {REASONS[status]}\n".encode()
        response = Response(status, (("Content-Type", "text/plain; charset=utf-8"),), body)
        self._transport.write(_head(response, False, len(body)) + body)
        self._transport.close()
        self._transport = None

    def connection_lost(self, exc) -> None:
        self._transport = None
        if self._idle is not None:
            self._idle.cancel()


async def serve(
    handle: Callable[[Request], Response], host: str, port: int, ready: Callable[[], None]
) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(handle), host, port, reuse_address=True, backlog=1024
    )
    ready()
    async with server:
        await server.serve_forever()
