"""Web API requests over kept-alive connections, one per thread and host.

slack_sdk's WebClient opens a new connection for every call (urllib's urlopen): a TCP and,
against Slack, a TLS handshake before each of a declaration's calls, one after the other on
its critical path. This transport keeps each thread's connection open between calls; it
answers exactly as urlopen does (an HTTPError for a 4xx or 5xx, which slack_sdk turns into
its retries and errors), so nothing else in the client changes.

A connection that fails in any way is closed and forgotten, so a late answer can never be
read as the next call's. A kept connection the server has closed meanwhile (it may drop
idle ones at any time) is reopened once, only when the request had not been sent yet or
the server closed without answering, as a browser or urllib3 does.
"""

from __future__ import annotations

import http.client
import io
import ssl
import threading
from urllib.error import HTTPError
from urllib.parse import urlsplit

# What a kept connection the server closed while it was idle raises on its next use.
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class KeptConnections:
    """Per-thread connections to the Web API host, and the request/response over them."""

    def __init__(self, timeout: float, ssl_context: ssl.SSLContext | None) -> None:
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._local = threading.local()

    def _connection(self, scheme: str, host: str, port: int | None):
        connections = self._local.__dict__.setdefault("connections", {})
        key = (scheme, host, port)
        connection = connections.get(key)
        if connection is None:
            if scheme == "https":
                context = self.ssl_context or ssl.create_default_context()
                connection = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=context
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
            connections[key] = connection
            connection.reused = False
        return key, connection

    def _forget(self, key) -> None:
        connection = self._local.__dict__.get("connections", {}).pop(key, None)
        if connection is not None:
            connection.close()

    def send(self, url: str, body: bytes | None, headers: dict[str, str]) -> dict:
        """The answer to a POST of `body` to `url`, as slack_sdk's urllib path returns it."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            key, connection = self._connection(parts.scheme, parts.hostname, parts.port)
            reused = connection.reused
            try:
                connection.request("POST", target, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except STALE:
                self._forget(key)
                if reused and attempt == 1:
                    continue
                raise
            except BaseException:
                self._forget(key)
                raise
            connection.reused = True
            if response.will_close:
                self._forget(key)
            break
        if response.status >= 400:
            raise HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(answer))
        if response.msg.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.msg, "body": answer}
        charset = response.msg.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.msg, "body": answer.decode(charset)}
