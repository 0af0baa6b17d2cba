"""The Slack client's request loop: an answer returns at once, a refusal or a dropped
connection meets the retry handlers as slack_sdk would give it to them."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from integrations.slack.client import KlaxonWebClient, _bounded
from tests.emulator.server import BOT_TOKEN, SlackEmulator
from tests.helpers import answer_auth_test

NO_WAIT = FixedValueRetryIntervalCalculator(0)


class Recording(ServerErrorRetryHandler):
    """Klaxon's 5xx handler, without its wait, noting every answer it is shown."""

    def __init__(self, stopping: threading.Event) -> None:
        super().__init__(max_retry_count=2, interval_calculator=NO_WAIT)
        self.stopping = stopping
        self.shown: list[int | None] = []

    def can_retry(self, *, state, request, response=None, error=None) -> bool:
        self.shown.append(response.status_code if response is not None else None)
        return super().can_retry(state=state, request=request, response=response, error=error)


@pytest.fixture
def emulator():
    slack = SlackEmulator().start()
    yield slack
    slack.stop()


def client(base_url: str, *handlers) -> KlaxonWebClient:
    slack = KlaxonWebClient(
        token=BOT_TOKEN, base_url=base_url, timeout=5, stopping=threading.Event()
    )
    slack.retry_handlers = list(handlers)
    return slack


def calls(emulator, method: str) -> int:
    return sum(1 for call in emulator.calls if call.method == method)


def test_an_answer_is_returned_without_asking_a_retry_handler(emulator):
    recording = Recording(threading.Event())
    slack = client(emulator.api_url, recording)
    posted = slack.chat_postMessage(channel="incidents", text="hello", blocks=[])
    assert posted["ok"] and posted["message"]["text"] == "hello"
    assert slack.conversations_list(limit=5)["ok"]  # a form body, as slack_sdk sends it
    assert recording.shown == []


def test_a_server_error_is_retried_until_the_handler_gives_up(emulator):
    recording = Recording(threading.Event())
    slack = client(emulator.api_url, recording)
    emulator.fail("auth.test", status=503, times=3)
    with pytest.raises(SlackApiError) as caught:
        slack.auth_test()
    assert caught.value.response.status_code == 503
    assert recording.shown == [503, 503, 503]
    assert calls(emulator, "auth.test") == 3
    emulator.fail("auth.test", status=500)
    assert slack.auth_test()["ok"], "retried once, then answered"
    assert calls(emulator, "auth.test") == 5


def test_a_refusal_no_handler_takes_is_slack_s_error_at_once(emulator):
    recording = Recording(threading.Event())
    slack = client(emulator.api_url, recording)
    emulator.fail("conversations.create", error="name_taken")
    with pytest.raises(SlackApiError) as caught:
        slack.conversations_create(name="taken")
    assert caught.value.response["error"] == "name_taken"
    assert calls(emulator, "conversations.create") == 1


def test_a_rate_limit_past_the_longest_wait_fails_at_once_with_its_retry_after(emulator):
    stopping = threading.Event()
    slack = client(emulator.api_url, _bounded(RateLimitErrorRetryHandler)(stopping))
    emulator.fail("chat.postMessage", status=429, retry_after=31)
    with pytest.raises(SlackApiError) as caught:
        slack.chat_postMessage(channel="incidents", text="hello")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "31"
    assert caught.value.response.headers["retry-after"] == "31"
    assert calls(emulator, "chat.postMessage") == 1


class DroppingTwice(BaseHTTPRequestHandler):
    """Closes the connection without answering the first two requests, then answers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests += 1
        if self.server.requests <= 2:
            self.close_connection = True
            return
        answer_auth_test(self)


def test_a_dropped_connection_is_retried_by_the_connection_handler():
    server = ThreadingHTTPServer(("127.0.0.1", 0), DroppingTwice)
    server.requests = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        handler = ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=NO_WAIT)
        slack = client(f"http://127.0.0.1:{server.server_address[1]}/api/", handler)
        assert slack.auth_test()["user_id"] == "U1"
        assert server.requests == 3
    finally:
        server.shutdown()
        server.server_close()
