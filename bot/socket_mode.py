"""The Socket Mode connection: Bolt's adapter, with each interaction acknowledged as soon
as nothing in it can change the ack.

Slack waits for the ack (3 seconds at most; a person sees the wait). Every interaction but
a modal submission acks empty, whatever its listener decides: Klaxon writes that ack on
the thread that read the envelope, before Bolt runs, and replies afterwards through the
response URL. A modal submission's ack may carry the form's errors, and its listener may
consult the database first (the declaration is recorded before the form closes), so it
goes through Bolt as usual on slack_sdk's worker threads, and the work it hands to the
background pool starts only once its ack is written (see `Background.holding`).
"""

from __future__ import annotations

import json
import time

import websocket._abnf
from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from incident.services import Background
from observability import metrics


def utf8_is_valid(data: bytes) -> bool:
    """RFC 6455: a text frame must be valid UTF-8. websocket-client checks it byte by byte
    in Python unless wsaccel (its unmaintained C accelerator) is installed: about 11 ms for
    a 30 KB modal submission, on the thread that reads the socket, before the ack.
    Python's own codec rejects the same byte strings (overlong forms, surrogates, code
    points past U+10FFFF) in about 0.02 ms, and also a message that ends in the middle of a
    character, which websocket-client lets through although the RFC does not."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


websocket._abnf.validate_utf8 = utf8_is_valid


def interaction_kind(body: dict) -> str:
    """A payload's kind, for logs and metric labels: `command:/incident`, `event:…`,
    `block_actions`, `view_submission`…"""
    if "command" in body:
        return f"command:{body['command']}"
    kind = body.get("type", "unknown")
    if kind == "event_callback":
        return f"event:{body.get('event', {}).get('type')}"
    return kind


# Interactive payloads whose ack is empty whatever the listener decides. Not here: a
# modal submission (its ack may carry the form's errors) and an options request
# (block_suggestion: its ack carries the options), nor any kind Klaxon has not met.
EMPTY_ACK_INTERACTIONS = frozenset({"block_actions", "message_action", "shortcut", "view_closed"})


def acked_on_arrival(kind: str | None, payload: object) -> bool:
    """Whether an envelope's ack is empty whatever its listener does: slash commands,
    events, clicks and shortcuts (not Socket Mode's own messages, which are not acked)."""
    if kind in ("slash_commands", "events_api"):
        return True
    return (
        kind == "interactive"
        and isinstance(payload, dict)
        and payload.get("type") in EMPTY_ACK_INTERACTIONS
    )


class InlineSocketModeClient(SocketModeClient):
    """slack_sdk's client passes each frame from the thread reading the socket to a queue
    thread and then to a worker thread before anything answers it: two thread wake-ups,
    each waiting for a CPU and the interpreter lock, which on a busy machine cost more
    than the ack itself. An envelope acked on arrival skips both: it is acked and then
    dispatched where it was read (its listener takes about a millisecond and hands
    anything slow to the background pool). Any other envelope (a modal submission) goes
    straight to a worker thread; Socket Mode's own messages take slack_sdk's path."""

    def enqueue_message(self, message: str) -> None:
        try:
            envelope = json.loads(message)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or not envelope.get("envelope_id"):
            super().enqueue_message(message)
        elif acked_on_arrival(envelope.get("type"), envelope.get("payload")):
            self.run_message_listeners(envelope, message)
        else:
            self.message_workers.submit(self.run_message_listeners, envelope, message)


class AckFirstSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode adapter, acking on arrival where the ack cannot depend on the
    listener, and timing every ack in `klaxon_interaction_seconds`."""

    def __init__(self, app: App, app_token: str, background: Background) -> None:
        # What SocketModeHandler.__init__ does with its defaults, with the inline client.
        self.app = app
        self.app_token = app_token
        self.client = InlineSocketModeClient(
            app_token=app_token, logger=app.logger, web_client=app.client
        )
        self.client.socket_mode_request_listeners.append(self.handle)
        self.background = background

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        started = time.perf_counter()
        kind = interaction_kind(req.payload or {})
        if acked_on_arrival(req.type, req.payload):
            try:
                client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
                metrics.interactions.labels(kind).observe(time.perf_counter() - started)
            finally:  # the interaction was received, ack or not: it is not dropped
                run_bolt_app(self.app, req)  # its ack() adds nothing; failures are logged
            return
        with self.background.holding():
            super().handle(client, req)
        metrics.interactions.labels(kind).observe(time.perf_counter() - started)
