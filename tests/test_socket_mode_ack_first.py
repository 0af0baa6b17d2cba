"""An interaction's ack is written before the work its listener handed to the background
pool starts (a pool thread woken earlier takes the interpreter lock from the ack): a slash
command, a click or an event before its listener even runs, a modal submission (whose ack
may carry the form's errors) as soon as its listener returns."""

from __future__ import annotations

import logging

import peewee
import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.socket_mode import AckFirstSocketModeHandler, acked_on_arrival
from incident.services import Background
from tests.emulator.server import APP_TOKEN, BOT_TOKEN


class Recorder:
    """An executor that records the work it is given and runs none of it."""

    def __init__(self, name: str, given: list[str]) -> None:
        self.name, self.given = name, given

    def submit(self, run) -> None:
        self.given.append(self.name)


class Socket:
    """The one method of the Socket Mode client the handler writes an ack with."""

    logger = logging.getLogger("test.socket")

    def __init__(self, given: list[str]) -> None:
        self.given, self.acks, self.payloads = given, [], []

    def send_socket_mode_response(self, response) -> None:
        self.acks.append((response.envelope_id, list(self.given)))
        self.payloads.append(response.payload)


@pytest.fixture
def background():
    pools = Background(peewee.SqliteDatabase(":memory:"), workers=1)
    pools.given = []
    pools._pool = Recorder("pool", pools.given)
    pools._right_away = Recorder("right away", pools.given)
    return pools


def command(envelope_id: str) -> SocketModeRequest:
    return SocketModeRequest(
        type="slash_commands",
        envelope_id=envelope_id,
        payload={
            "command": "/incident",
            "text": "Checkout is down",
            "team_id": "T1",
            "user_id": "UALICE",
            "channel_id": "CGENERAL",
            "response_url": "https://hooks.example/1",
            "trigger_id": "1.2",
        },
    )


def submission(envelope_id: str) -> SocketModeRequest:
    return SocketModeRequest(
        type="interactive",
        envelope_id=envelope_id,
        payload={
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": "UALICE"},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "declare",
                "state": {"values": {}},
            },
        },
    )


def handler_for(emulator, background, listener) -> AckFirstSocketModeHandler:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=emulator.api_url),
        process_before_response=True,
    )
    app.command("/incident")(listener)
    app.view("declare")(listener)
    return AckFirstSocketModeHandler(app, APP_TOKEN, background)


@pytest.mark.parametrize("request_for", [command, submission])
def test_the_work_a_listener_hands_over_starts_after_its_ack(emulator, background, request_for):
    def listener(ack):
        ack()
        background.submit("declare_form", lambda: None, right_away=True)
        background.submit("answer", lambda: None)

    socket = Socket(background.given)
    handler_for(emulator, background, listener).handle(socket, request_for("E1"))

    assert socket.acks == [("E1", [])]  # nothing handed over when the ack was written
    assert background.given == ["right away", "pool"]  # then all of it, in order


def test_a_command_is_acked_before_its_listener_runs(emulator, background):
    ran = []
    socket = Socket(ran)
    handler = handler_for(emulator, background, lambda ack: (ran.append("listener"), ack()))
    handler.handle(socket, command("E4"))

    assert socket.acks == [("E4", [])] and ran == ["listener"]


def test_a_submission_ack_carries_what_its_listener_says(emulator, background):
    def listener(ack):
        ack(response_action="errors", errors={"title": "Give it a title."})

    socket = Socket(background.given)
    handler_for(emulator, background, listener).handle(socket, submission("E5"))

    assert socket.payloads == [
        {"response_action": "errors", "errors": {"title": "Give it a title."}}
    ]


class BrokenSocket(Socket):
    """The connection dropped as the ack was being written."""

    def send_socket_mode_response(self, response) -> None:
        raise ConnectionResetError("the connection dropped")


def test_work_handed_over_still_starts_when_the_ack_cannot_be_written(emulator, background):
    def listener(ack):
        ack()
        background.submit("answer", lambda: None)

    handler = handler_for(emulator, background, listener)
    with pytest.raises(ConnectionResetError):
        handler.handle(BrokenSocket(background.given), command("E2"))

    assert background.given == ["pool"]  # accepted work is not lost with the connection


def test_after_an_interaction_work_starts_at_once_again(emulator, background):
    handler = handler_for(emulator, background, lambda ack: ack())
    handler.handle(Socket(background.given), command("E3"))

    background.submit("tick", lambda: None)  # the scheduler's, say: no ack to wait for

    assert background.given == ["pool"]


@pytest.mark.parametrize(
    ("kind", "payload_type", "on_arrival"),
    [
        ("slash_commands", None, True),
        ("events_api", None, True),
        ("interactive", "block_actions", True),
        ("interactive", "message_action", True),
        ("interactive", "view_submission", False),  # the form's errors ride on its ack
        ("interactive", "block_suggestion", False),  # the options ride on its ack
        ("interactive", "something_new", False),
        ("hello", None, False),
    ],
)
def test_which_envelopes_are_acked_on_arrival(kind, payload_type, on_arrival):
    payload = {"type": payload_type} if payload_type else {}
    assert acked_on_arrival(kind, payload) is on_arrival
