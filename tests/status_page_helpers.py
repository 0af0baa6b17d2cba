"""Reading the status page over HTTP in tests (its own listener, its own process)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from tests.daemon import BASE_CONFIG

ROLES = '\n[roles]\nops_admin = ["UDAVE"]\n'
PUBLIC_PATHS = (
    "/",
    "/history",
    "/feed.atom",
    "/feed.rss",
    "/api/v2/status.json",
    "/api/v2/summary.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
)


def config(port: int, extra: str = "") -> str:
    return (
        BASE_CONFIG
        + ROLES
        + f"""
[status_page]
port = {port}
title = "Acme status"
url = "https://status.example.com"
components = ["API", "Dashboard", "Payments"]
history_days = 30
"""
        + extra
    )


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self):
        return json.loads(self.body)


def get(port: int, path: str, method: str = "GET", headers: dict | None = None) -> Answer:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def wait_page(port: int, predicate=lambda answer: True, path: str = "/", what="", timeout=10.0):
    """Poll the page at `path` until it answers 200 and `predicate(answer)` holds (the page's
    process notices a publish within [status_page] refresh, half a second)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = get(port, path)
        except OSError:
            last = None
        if last is not None and last.status == 200 and predicate(last):
            return last
        time.sleep(0.05)
    shown = last.text[:2000] if last else "no answer"
    raise AssertionError(f"timed out waiting for {what or path} on the status page: {shown}")
