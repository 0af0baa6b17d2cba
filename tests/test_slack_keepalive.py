"""The Slack client keeps its connection to the Web API between calls, and recovers from a
connection the server closed, without ever reading one call's answer as another's."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.errors import SlackApiError

from integrations.slack.client import KlaxonWebClient
from tests.emulator.server import BOT_TOKEN, SlackEmulator
from tests.helpers import answer_auth_test


class CountingEmulator(SlackEmulator):
    """The emulator, counting the TCP connections its HTTP server accepts."""

    def start(self) -> CountingEmulator:
        super().start()
        self.accepted = 0
        serve = self.http.process_request

        def counted(request, address):
            self.accepted += 1
            serve(request, address)

        self.http.process_request = counted
        return self


@pytest.fixture
def emulator():
    slack = CountingEmulator().start()
    yield slack
    slack.stop()


def client(emulator) -> KlaxonWebClient:
    return KlaxonWebClient(
        token=BOT_TOKEN, base_url=emulator.api_url, timeout=5, stopping=threading.Event()
    )


def test_calls_from_one_thread_share_one_connection(emulator):
    slack = client(emulator)
    for _ in range(5):
        assert slack.auth_test()["ok"]
    assert emulator.accepted == 1


def test_each_thread_has_a_connection_of_its_own(emulator):
    slack = client(emulator)
    slack.auth_test()
    other = threading.Thread(target=slack.auth_test)
    other.start()
    other.join()
    assert emulator.accepted == 2


class ClosingAfterEachAnswer(BaseHTTPRequestHandler):
    """A server that drops each connection after answering, without saying so (as a
    server closes an idle kept connection): the client's next call finds it gone."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        # Counted before answering: once the client has its answer the test looks.
        self.server.accepted += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer_auth_test(self)
        self.wfile.flush()
        self.close_connection = True


def test_a_kept_connection_the_server_closed_is_opened_again():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ClosingAfterEachAnswer)
    server.accepted = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        slack = KlaxonWebClient(
            token=BOT_TOKEN,
            base_url=f"http://127.0.0.1:{server.server_address[1]}/api/",
            timeout=5,
            stopping=threading.Event(),
        )
        slack.retry_handlers = []  # the transport itself recovers, not a retry
        for _ in range(3):
            assert slack.auth_test()["user_id"] == "U1"
        assert server.accepted == 3
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_error_answers_as_before_and_the_connection_stays_usable(emulator):
    slack = client(emulator)
    slack.retry_handlers = []
    emulator.fail("auth.test", status=500)
    with pytest.raises(SlackApiError) as caught:
        slack.auth_test()
    assert caught.value.response.status_code == 500
    assert caught.value.response["error"] == "internal_error"
    assert slack.auth_test()["ok"]
    assert emulator.accepted == 1
