"""The Socket Mode connection: Bolt's adapter, with each interaction's ack written before
the work it hands to the background pool starts (see `Background.holding`)."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from incident.services import Background


class AckFirstSocketModeHandler(SocketModeHandler):
    """Bolt runs the listener (which acks and hands its slow work over), then writes the
    ack; the work handed over starts once the ack is written, so nothing the interaction
    started competes with its own ack for the interpreter lock."""

    def __init__(self, app: App, app_token: str, background: Background) -> None:
        super().__init__(app, app_token)
        self.background = background

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        with self.background.holding():
            super().handle(client, req)
