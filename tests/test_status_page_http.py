"""The status page's HTTP server with raw sockets: keep-alive and pipelining, HEAD, bodies
refused, malformed and oversized requests answered (never a hang or a traceback)."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from tests.ports import free_port
from web.status_page import http


def handle(request: http.Request) -> http.Response:
    if request.method not in ("GET", "HEAD"):
        return http.Response(405, (("Allow", "GET, HEAD"),), b"no\n", close=True)
    if request.path == "/boom":
        raise RuntimeError("a bug")
    return http.Response(200, (("Content-Type", "text/plain"),), f"{request.path}\n".encode())


@pytest.fixture
def port():
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    chosen = free_port()
    task = None

    def run():
        nonlocal task
        asyncio.set_event_loop(loop)
        task = loop.create_task(http.serve(handle, "127.0.0.1", chosen, ready.set))
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(5)
    yield chosen

    async def stop():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_pipelined_keep_alive_requests(port):
    answer = exchange(
        port, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    first, second = answer.split(b"HTTP/1.1 200 OK")[1:]
    assert b"Connection: keep-alive" in first and first.endswith(b"/a\n")
    assert b"Content-Length: 3" in second and second.endswith(b"\r\n\r\n"), "HEAD has no body"


def test_a_body_is_refused_and_the_connection_closed(port):
    answer = exchange(port, b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
    assert answer.startswith(b"HTTP/1.1 405") and b"Connection: close" in answer


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET / SPDY/3\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n", b"431"),
        (b"GET /boom HTTP/1.1\r\n\r\n", b"500"),
    ],
)
def test_bad_requests_get_an_answer(port, request_bytes, status):
    assert exchange(port, request_bytes).startswith(b"HTTP/1.1 " + status)


def test_http_1_0_closes_unless_asked(port):
    assert b"Connection: close" in exchange(port, b"GET / HTTP/1.0\r\n\r\n")


def test_an_idle_connection_is_closed(port, monkeypatch):
    monkeypatch.setattr(http, "IDLE_TIMEOUT", 0.2)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\n")  # never finished
        assert conn.recv(100) == b"", "the server closed the connection"
