"""A Slack emulator on 127.0.0.1: the Web API methods Klaxon calls and a Socket Mode websocket.

It is strict where Slack is strict (token types, envelopes acked within 3 seconds or not at
all, trigger ids that expire after 3 seconds and work once, channel name rules and
name_taken, membership, Block Kit limits) and records every call so tests can assert on
exactly what the bot did. Faults (429 with Retry-After, 5xx, any Slack error) can be queued
per method.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.sync.server import ServerConnection, serve

from tests.emulator.blockkit import (
    MESSAGE_TEXT_MAX,
    mrkdwn_texts,
    slack_messages,
    validate_blocks,
    validate_view,
)
from tests.emulator.stamps import StampedSocket
from tests.emulator.waiting import wait_until

BOT_TOKEN = "xoxb-emulator-bot-token"
APP_TOKEN = "xapp-emulator-app-token"
BOT_USER = "UKLAXONBOT"
TEAM = "T0EMULATOR"
APP_ID = "A0KLAXON"
TRIGGER_TTL = 3.0
# An envelope not acknowledged within this long has failed: the person sees Slack's own
# "operation_timeout" (slash commands must be confirmed "within 3000 milliseconds").
ACK_DEADLINE = 3.0
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>|<!subteam\^[A-Z0-9]+")
MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"


def manifest_scopes() -> set[str]:
    """The bot scopes slack-manifest.yml asks for: what the emulator's token is granted."""
    text = MANIFEST.read_text()
    bot = text.split("bot:", 1)[1].split("settings:", 1)[0]
    return set(re.findall(r"^\s+- ([a-z.:]+)", bot, re.MULTILINE))


def manifest_message_shortcuts() -> set[str]:
    """The callback ids of the message shortcuts slack-manifest.yml declares: the only ones
    Slack offers in a message's menu."""
    text = MANIFEST.read_text()
    if "  shortcuts:" not in text:
        return set()
    declared = text.split("  shortcuts:", 1)[1].split("oauth_config:", 1)[0]
    found = set()
    for entry in declared.split("- name:")[1:]:
        kind = re.search(r"^\s+type: (\w+)", entry, re.MULTILINE)
        callback = re.search(r"^\s+callback_id: (\S+)", entry, re.MULTILINE)
        if kind and callback and kind.group(1) == "message":
            found.add(callback.group(1))
    return found


TRUNCATED = {
    "response_metadata": {
        "messages": [
            "[WARN] Your message was truncated but still posted. "
            "The `text` field accepts up to 40,000 characters."
        ],
        "warnings": ["message_truncated"],
    }
}


class SlackError(Exception):
    def __init__(self, error: str, **extra):
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class Call:
    method: str
    params: dict
    at: float
    # Set together when the call is answered: a test looking while it is in flight sees
    # neither a status nor a response.
    response: dict | None = None
    status: int | None = None
    done_at: float | None = None


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list
    user: str
    edits: int = 0
    ephemeral_to: str | None = None
    metadata: dict | None = None


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    members: set = field(default_factory=set)
    created: float = field(default_factory=time.time)
    creator: str = "UALICE"
    topic: str = ""
    is_archived: bool = False
    is_general: bool = False


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    # The call takes effect, and only then fails: what a client sees when Slack did the
    # work but the answer was lost (a 5xx from a proxy, a dropped connection).
    after_effect: bool = False


class Stall:
    """Holds calls of one method until released, before or after they take effect: a
    client timeout, or a daemon killed while it waits for Slack's answer."""

    def __init__(self, after_effect: bool, skip: int, when) -> None:
        self.after_effect = after_effect
        self.skip = skip  # calls to let through before the one that is held
        self.when = when  # which calls count: a predicate on the call's parameters
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.dropped = False

    def hold(self, limit: float = 60.0) -> None:
        self.arrived.set()
        self.released.wait(limit)

    def release(self, *, drop: bool = False) -> None:
        """Let the call go on; with `drop`, a call held before its effect never has one
        (as if it had never reached Slack)."""
        self.dropped = drop
        self.released.set()


class StampedConnection(ServerConnection):
    """A Socket Mode connection that notes when each text frame reached the socket (see
    tests/emulator/stamps.py), and when the thread iterating the connection got it: an
    envelope's latency is taken between the socket's two stamps, and the thread's is kept
    beside it to show what the emulator's own wait would have added."""

    def __init__(self, sock: socket.socket, *args, **kwargs) -> None:
        self.arrivals: deque[tuple[float, bytes]] = deque()
        super().__init__(StampedSocket(sock), *args, **kwargs)

    def process_event(self, event) -> None:
        if isinstance(event, Frame) and event.opcode is Opcode.TEXT and event.fin:
            self.arrivals.append((self.socket.received_at, bytes(event.data)))
        super().process_event(event)

    def arrived(self, message: str) -> float:
        """When `message` arrived (now, if its frame was not seen whole)."""
        data = message.encode()
        while self.arrivals:
            at, frame = self.arrivals.popleft()
            if frame == data:
                return at
        return time.perf_counter()


class SlackEmulator:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._ids = itertools.count(1000)
        self._ts = itertools.count(1)
        self.calls: list[Call] = []
        self.users: dict[str, dict] = {}
        self.usergroups: dict[str, dict] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: list[Message] = []
        self.pins: set[tuple[str, str]] = set()
        self.triggers: dict[str, dict] = {}
        self.views: dict[str, dict] = {}
        self.view_by_trigger: dict[str, str] = {}
        self.response_urls: dict[str, dict] = {}
        self.response_posts: list[float] = []  # when each response_url post arrived
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.stalls: dict[str, Stall] = {}
        # The bot token's scopes; a test takes one away to see what Klaxon does without it.
        self.scopes: set[str] = manifest_scopes()
        # Each user's published Home tab (views.publish), by user id.
        self.home_views: dict[str, dict] = {}
        self.pings: list[str] = []
        self.refusals: list[tuple[str, list[str]]] = []  # Block Kit Slack would refuse
        self.withheld: list[dict] = []  # events about private channels the bot is not in
        self.connections: list = []
        self.connects = 0
        self.acks: dict[str, dict] = {}
        self.ack_times: dict[str, float] = {}
        self.late_acks: list[str] = []  # envelopes acked after ACK_DEADLINE, ignored
        self.sent_at: dict[str, float] = {}
        self.sent_wall: dict[str, float] = {}
        self._seed()

    # ----- set-up -----

    def _seed(self) -> None:
        self.add_user(BOT_USER, "klaxon", is_bot=True)
        for user_id, name in (
            ("UALICE", "alice"),
            ("UBOB", "bob"),
            ("UCAROL", "carol"),
            ("UDAVE", "dave"),
            ("UERIN", "erin"),
        ):
            self.add_user(user_id, name)
        self.add_channel("CINCIDENTS", "incidents", members={BOT_USER, "UALICE", "UBOB"})
        general = self.add_channel("CGENERAL", "general", members={"UALICE", "UBOB", "UCAROL"})
        general.is_general = True

    def add_user(self, user_id: str, name: str, is_bot: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name,
            "is_bot": is_bot,
            "team_id": TEAM,
            "profile": {
                "email": f"{name}@example.com",
                "display_name": name,
                "real_name": name.title(),
            },
        }

    def add_channel(self, channel_id: str, name: str, members=(), is_private=False) -> Channel:
        channel = Channel(channel_id, name, is_private=is_private, members=set(members))
        self.channels[channel_id] = channel
        return channel

    def add_usergroup(self, handle: str, members) -> None:
        with self.lock:
            existing = self.usergroups.get(handle)
            group_id = existing["id"] if existing else self._new_id("S")
            self.usergroups[handle] = {"id": group_id, "users": set(members)}

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after_effect: bool = False,
    ) -> None:
        """Queue a fault for the next `times` calls of `method`."""
        if status == 200 and error is None:
            raise ValueError("a fault needs a status or an error")
        for _ in range(times):
            self.faults[method].append(Fault(status, error, retry_after, after_effect))

    def stall(self, method: str, *, after_effect: bool, skip: int = 0, when=None) -> Stall:
        """Hold a call of `method` (the next one, past `skip`, of those `when` accepts) until
        the stall is released."""
        stall = Stall(after_effect, skip, when or (lambda params: True))
        with self.lock:
            self.stalls[method] = stall
        return stall

    # ----- lifecycle -----

    def start(self) -> SlackEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # An answer is written as headers, then body: without this, on a kept-alive
            # connection Nagle's algorithm holds the body until the client's delayed ACK
            # (40 ms), which no real HTTP server makes a client wait.
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                emulator._http(self)

            do_GET = do_POST

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.ws = serve(
            self._socket,
            "127.0.0.1",
            0,
            ping_interval=None,
            close_timeout=0.5,
            create_connection=StampedConnection,
        )
        threading.Thread(target=self.ws.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.drop_connections()
        self.ws.shutdown()
        self.http.shutdown()
        self.http.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def ws_port(self) -> int:
        return self.ws.socket.getsockname()[1]

    # ----- HTTP -----

    def _http(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if parsed.path.startswith("/response/"):
            status, body = self._response_url(parsed.path.rsplit("/", 1)[-1], raw)
            self._send(request, status, body)
            return
        if not parsed.path.startswith("/api/"):
            self._send(request, 404, {"ok": False, "error": "unknown_method"})
            return
        method = parsed.path[len("/api/") :]
        params = dict(parse_qsl(parsed.query))
        content_type = request.headers.get("Content-Type", "")
        if raw and "json" in content_type:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode()))
        token = params.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :]
        call = Call(method, params, time.time())
        with self.lock:
            self.calls.append(call)
            fault = self.faults[method].popleft() if self.faults[method] else None
            stall = self.stalls.get(method)
            if stall and not stall.when(params):
                stall = None
            elif stall and stall.skip:
                stall.skip -= 1
                stall = None
            elif stall:
                del self.stalls[method]
        if stall and not stall.after_effect:
            stall.hold()
            if stall.dropped:
                fault = Fault(status=500, error="request_dropped")
        headers = {}
        status = 200
        if fault is None or fault.after_effect:
            try:
                body = self._dispatch(method, token, params)
            except SlackError as error:
                body = {"ok": False, "error": error.error, **error.extra}
        if fault is not None:
            status = fault.status
            body = {
                "ok": False,
                "error": fault.error or ("ratelimited" if status == 429 else "internal_error"),
            }
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        if stall and stall.after_effect:
            stall.hold()
        with self.changed:
            call.response, call.status, call.done_at = body, status, time.time()
            self.changed.notify_all()
        self._send(request, status, body, headers)

    @staticmethod
    def _send(request, status: int, body, headers=None) -> None:
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    def _dispatch(self, method: str, token: str | None, params: dict) -> dict:
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            raise SlackError("unknown_method")
        if method == "apps.connections.open":
            if token != APP_TOKEN:
                raise SlackError("invalid_auth")
        elif token != BOT_TOKEN:
            raise SlackError("not_allowed_token_type" if token == APP_TOKEN else "invalid_auth")
        with self.lock:
            result = handler(params)
        return {"ok": True, **result}

    # ----- helpers -----

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _json_param(self, params: dict, key: str):
        value = params.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(f"invalid_{key}") from None
        return value

    def _needs_scope(self, scope: str) -> None:
        """Slack's answer to a token without the scope a method (or an argument) needs."""
        if scope not in self.scopes:
            raise SlackError("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))

    def _channel(self, ref: str | None) -> Channel:
        """A channel the bot can see: a private channel it is not a member of does not
        exist for it (channel_not_found, as Slack answers)."""
        if not ref:
            raise SlackError("channel_not_found")
        if ref in self.channels:
            channel = self.channels[ref]
            if channel.is_private and BOT_USER not in channel.members:
                raise SlackError("channel_not_found")
            return channel
        name = ref.lstrip("#")
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                if channel.is_private and BOT_USER not in channel.members:
                    raise SlackError("channel_not_found")
                return channel
        if ref in self.users:
            return self._im(ref)
        raise SlackError("channel_not_found")

    def _im(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.members == {BOT_USER, user_id}:
                return channel
        return self.add_channel(self._new_id("D"), f"im-{user_id}", members={BOT_USER, user_id})

    def _member(self, channel: Channel) -> None:
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")

    def _check_message(self, params: dict) -> tuple[str, list, dict]:
        """Text, blocks and any warning for a message; SlackError where Slack refuses it."""
        text = params.get("text") or ""
        blocks = self._json_param(params, "blocks") or []
        if not text and not blocks:
            raise SlackError("no_text")
        problems = validate_blocks(blocks) if blocks else []
        if problems:
            self.refusals.append(("blocks", problems))
            raise SlackError(
                "invalid_blocks",
                errors=problems,
                response_metadata={"messages": slack_messages(problems)},
            )
        for piece in mrkdwn_texts(text, blocks):
            self.pings.extend(match.group(0) for match in SPECIAL_MENTION.finditer(piece))
        if len(text) > MESSAGE_TEXT_MAX:  # Slack posts the first 40,000 characters and warns
            return text[:MESSAGE_TEXT_MAX], blocks, TRUNCATED
        return text, blocks, {}

    @staticmethod
    def _channel_json(channel: Channel) -> dict:
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_private": channel.is_private,
            "is_im": channel.is_im,
            "is_member": BOT_USER in channel.members,
            "is_archived": channel.is_archived,
            "is_general": channel.is_general,
            "created": int(channel.created),
            "creator": channel.creator,
            "num_members": len(channel.members),
        }

    # ----- Web API methods -----

    def api_auth_test(self, params):
        return {
            "url": "https://emulator.slack.test/",
            "team": "Emulator",
            "user": "klaxon",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "BKLAXON",
        }

    def api_apps_connections_open(self, params):
        ticket = uuid.uuid4().hex
        return {"url": f"ws://127.0.0.1:{self.ws_port}/link/?ticket={ticket}"}

    def api_views_publish(self, params):
        """Publish a user's Home tab (a view of type home, at most 100 blocks)."""
        user_id = params.get("user_id")
        if not user_id:
            raise SlackError("invalid_arguments")
        if user_id not in self.users:
            raise SlackError("user_not_found")
        view = self._json_param(params, "view")
        if not isinstance(view, dict) or view.get("type") != "home":
            problems = ["must be a view of type home [json-pointer:/view/type]"]
        else:
            problems = validate_view(view)
        if problems:
            self.refusals.append(("view", problems))
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": slack_messages(problems)}
            )
        previous = self.home_views.get(user_id)
        view_id = previous["id"] if previous else self._new_id("V")
        stored = {**view, "id": view_id, "team_id": TEAM, "hash": uuid.uuid4().hex}
        self.home_views[user_id] = stored
        return {"view": stored}

    def api_views_open(self, params):
        trigger_id = params.get("trigger_id")
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger["used"] or time.time() - trigger["issued"] > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger["used"] = True
        view = self._json_param(params, "view")
        problems = validate_view(view)
        if problems:
            self.refusals.append(("view", problems))
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": slack_messages(problems)}
            )
        view_id = self._new_id("V")
        stored = {
            **view,
            "id": view_id,
            "team_id": TEAM,
            "user": trigger["user"],
            "hash": uuid.uuid4().hex,
            "state": {"values": {}},
        }
        self.views[view_id] = stored
        self.view_by_trigger[trigger_id] = view_id
        return {"view": stored}

    def api_views_update(self, params):
        """Like Slack: the view by view_id or external_id (one is required), refused with
        hash_conflict when a hash is given that is not the view's current one, validated like
        views.open; the view keeps its id and what was entered in its inputs."""
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise SlackError(
                "invalid_arguments",
                response_metadata={
                    "messages": ["[ERROR] either view_id or external_id is required"]
                },
            )
        if view_id:
            stored = self.views.get(view_id)
        else:
            stored = next(
                (v for v in self.views.values() if v.get("external_id") == external_id), None
            )
        if stored is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != stored["hash"]:
            raise SlackError("hash_conflict")
        view = self._json_param(params, "view")
        problems = validate_view(view)
        if problems:
            self.refusals.append(("view", problems))
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": slack_messages(problems)}
            )
        updated = {
            **view,
            "id": stored["id"],
            "team_id": TEAM,
            "user": stored["user"],
            "hash": uuid.uuid4().hex,
            "state": stored["state"],
        }
        self.views[stored["id"]] = updated
        return {"view": updated}

    def api_conversations_create(self, params):
        is_private = str(params.get("is_private", "false")).lower() in ("true", "1")
        self._needs_scope("groups:write" if is_private else "channels:manage")
        name = params.get("name") or ""
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > 80:
            raise SlackError("invalid_name_maxlength")
        if not CHANNEL_NAME.fullmatch(name):
            raise SlackError("invalid_name_specials")
        if any(c.name == name for c in self.channels.values()):
            raise SlackError("name_taken")
        channel = self.add_channel(self._new_id("C"), name, {BOT_USER}, is_private)
        channel.creator = BOT_USER
        return {"channel": self._channel_json(channel)}

    def api_conversations_invite(self, params):
        channel = self._channel(params.get("channel"))
        self._member(channel)
        users = [u for u in (params.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("no_user")
        for user_id in users:
            if user_id == BOT_USER:
                raise SlackError("cant_invite_self")
            if user_id not in self.users:
                raise SlackError("user_not_found")
        if all(u in channel.members for u in users):
            raise SlackError("already_in_channel")
        channel.members.update(users)
        return {"channel": self._channel_json(channel)}

    def api_conversations_join(self, params):
        channel = self._channel(params.get("channel"))
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if BOT_USER not in channel.members:
            channel.members.add(BOT_USER)
            self._later(self._joined(channel, BOT_USER, inviter=None))
        return {"channel": self._channel_json(channel)}

    def _joined(self, channel: Channel, user_id: str, *, inviter: str | None) -> dict:
        event = {
            "type": "member_joined_channel",
            "user": user_id,
            "channel": channel.id,
            "channel_type": "G" if channel.is_private else "C",
            "team": TEAM,
            "event_ts": f"{time.time():.6f}",
        }
        return {**event, "inviter": inviter} if inviter else event

    def _later(self, event: dict) -> None:
        """An event a Web API call causes (as Slack sends it: after the call's answer), to
        a connected bot; none is connected when a test calls the API itself."""
        if self.connections:
            threading.Thread(target=self.event, args=(event,), kwargs={"wait": False}).start()

    def api_conversations_archive(self, params):
        """Archive a channel; the bot is removed from it (a bot cannot unarchive)."""
        channel = self._channel(params.get("channel"))
        self._needs_scope("groups:write" if channel.is_private else "channels:manage")
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("already_archived")
        if channel.is_general:
            raise SlackError("cant_archive_general")
        self._member(channel)
        channel.is_archived = True
        channel.members.discard(BOT_USER)
        return {}

    def api_conversations_info(self, params):
        return {"channel": self._channel_json(self._channel(params.get("channel")))}

    def api_conversations_list(self, params):
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        types = set((params.get("types") or "public_channel").split(","))
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise SlackError("invalid_types")
        listed = [
            c
            for c in self.channels.values()
            if not c.is_im
            and ("private_channel" if c.is_private else "public_channel") in types
            # A bot sees only the private channels it is a member of.
            and (not c.is_private or BOT_USER in c.members)
        ]
        page = listed[start : start + limit]
        cursor = str(start + limit) if start + limit < len(listed) else ""
        return {
            "channels": [self._channel_json(c) for c in page],
            "response_metadata": {"next_cursor": cursor},
        }

    def _metadata(self, params: dict) -> dict | None:
        """Message metadata: an event_type and an event_payload object, both required."""
        metadata = self._json_param(params, "metadata")
        if metadata is None:
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not metadata["event_type"]
            or not isinstance(metadata.get("event_payload"), dict)
            or set(metadata) - {"event_type", "event_payload"}
        ):
            raise SlackError("invalid_metadata_format")
        if len(json.dumps(metadata)) > 8000:
            raise SlackError("metadata_too_large")
        return metadata

    def api_conversations_history(self, params):
        """Newest first, `oldest`/`latest` exclusive; metadata only when asked for."""
        ref = params.get("channel") or ""
        if ref not in self.channels:  # an id, never a name
            raise SlackError("channel_not_found")
        channel = self.channels[ref]
        self._member(channel)
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or time.time() + 1)
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("true", "1")
        found = [
            m
            for m in reversed(self.messages)
            if m.channel == channel.id and not m.ephemeral_to and oldest < float(m.ts) < latest
        ]
        page = found[start : start + limit]
        more = start + limit < len(found)
        messages = []
        for message in page:
            entry = {"type": "message", "user": message.user, "text": message.text}
            entry.update(ts=message.ts, blocks=message.blocks)
            if message.user == BOT_USER:
                entry["bot_id"] = "BKLAXON"
            if with_metadata and message.metadata:
                entry["metadata"] = message.metadata
            messages.append(entry)
        return {
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def api_chat_postMessage(self, params):
        channel = self._channel(params.get("channel"))
        if channel.is_archived:
            raise SlackError("is_archived")
        self._member(channel)
        text, blocks, warning = self._check_message(params)
        message = Message(channel.id, self._new_ts(), text, blocks, BOT_USER)
        message.metadata = self._metadata(params)
        self.messages.append(message)
        return {
            "channel": channel.id,
            "ts": message.ts,
            "message": {"text": text, "blocks": blocks, "ts": message.ts},
            **warning,
        }

    def api_chat_postEphemeral(self, params):
        channel = self._channel(params.get("channel"))
        self._member(channel)
        user = params.get("user")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        text, blocks, warning = self._check_message(params)
        message = Message(channel.id, self._new_ts(), text, blocks, BOT_USER, ephemeral_to=user)
        self.messages.append(message)
        return {"message_ts": message.ts, **warning}

    def api_chat_update(self, params):
        channel = self._channel(params.get("channel"))
        message = self.message(channel.id, params.get("ts"))
        if message is None:
            raise SlackError("message_not_found")
        if message.user != BOT_USER:
            raise SlackError("cant_update_message")
        message.text, message.blocks, warning = self._check_message(params)
        message.edits += 1
        return {"channel": channel.id, "ts": message.ts, "text": message.text, **warning}

    def api_pins_add(self, params):
        channel = self._channel(params.get("channel"))
        self._member(channel)
        if self.message(channel.id, params.get("timestamp")) is None:
            raise SlackError("message_not_found")
        key = (channel.id, params["timestamp"])
        if key in self.pins:
            raise SlackError("already_pinned")
        self.pins.add(key)
        return {}

    def api_chat_getPermalink(self, params):
        channel = self._channel(params.get("channel"))
        if self.message(channel.id, params.get("message_ts")) is None:
            raise SlackError("message_not_found")
        ts = params["message_ts"].replace(".", "")
        return {
            "channel": channel.id,
            "permalink": f"https://emulator.slack.test/archives/{channel.id}/p{ts}",
        }

    def api_users_info(self, params):
        self._needs_scope("users:read")
        user = self.users.get(params.get("user"))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user}

    def api_users_lookupByEmail(self, params):
        self._needs_scope("users:read.email")
        email = (params.get("email") or "").casefold()
        for user in self.users.values():
            if email and user["profile"]["email"].casefold() == email:
                return {"user": user}
        raise SlackError("users_not_found")

    def api_usergroups_list(self, params):
        include_users = str(params.get("include_users", "")).lower() in ("true", "1")
        groups = []
        for handle, group in self.usergroups.items():
            entry = {"id": group["id"], "handle": handle, "user_count": len(group["users"])}
            if include_users:
                entry["users"] = sorted(group["users"])
            groups.append(entry)
        return {"usergroups": groups}

    def api_usergroups_users_list(self, params):
        for group in self.usergroups.values():
            if group["id"] == params.get("usergroup"):
                return {"users": sorted(group["users"])}
        raise SlackError("no_such_subteam")

    # Methods other Socket Mode bots call (bench/socket_bot.py runs any of them against
    # this emulator), as Slack's reference describes them.

    @staticmethod
    def _page(params: dict, items: list, maximum: int) -> tuple[list, dict]:
        """A cursor page of `items`: limit 1..maximum (invalid_limit otherwise), the
        cursor one a previous page returned (invalid_cursor otherwise)."""
        try:
            limit = int(params.get("limit") or 100)
            start = int(params.get("cursor") or 0)
        except ValueError:
            wrong = "invalid_cursor" if params.get("cursor") else "invalid_limit"
            raise SlackError(wrong) from None
        if not 1 <= limit <= maximum:
            raise SlackError("invalid_limit")
        if start < 0 or start > len(items):
            raise SlackError("invalid_cursor")
        more = start + limit < len(items)
        return items[start : start + limit], {"next_cursor": str(start + limit) if more else ""}

    def api_users_list(self, params):
        members, metadata = self._page(params, list(self.users.values()), 1000)
        return {"members": members, "cache_ts": int(time.time()), "response_metadata": metadata}

    def api_conversations_members(self, params):
        """A conversation's members; a private one only to a member (channel_not_found
        otherwise, as Slack hides it)."""
        ref = params.get("channel") or ""
        channel = self.channels.get(ref)  # an id, never a name
        if channel is None or (channel.is_private and BOT_USER not in channel.members):
            raise SlackError("channel_not_found")
        members, metadata = self._page(params, sorted(channel.members), 1000)
        return {"members": members, "response_metadata": metadata}

    def api_conversations_setTopic(self, params):
        """The caller must be a member; a topic is at most 250 characters; not for DMs."""
        ref = params.get("channel") or ""
        channel = self.channels.get(ref)
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        self._member(channel)
        topic = params.get("topic")
        if topic is None:
            raise SlackError("invalid_arguments")
        if len(topic) > 250:
            raise SlackError("too_long")
        channel.topic = topic
        return {"channel": {**self._channel_json(channel), "topic": {"value": topic}}}

    # ----- response_url -----

    def _new_trigger(self, user: str) -> str:
        """A trigger_id for what `user` just did; it expires after 3 seconds or one use."""
        trigger_id = f"{next(self._ids)}.{uuid.uuid4().hex[:10]}"
        with self.lock:
            self.triggers[trigger_id] = {"issued": time.time(), "used": False, "user": user}
        return trigger_id

    def new_response_url(self) -> str:
        key = uuid.uuid4().hex
        self.response_urls[key] = {"uses": 0, "issued": time.time(), "messages": []}
        return f"{self.base_url}/response/{key}"

    def _response_url(self, key: str, raw: bytes):
        with self.changed:
            entry = self.response_urls.get(key)
            if entry is None or entry["uses"] >= 5 or time.time() - entry["issued"] > 1800:
                return 404, b"no_service"
            entry["uses"] += 1
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return 400, b"invalid_payload"
            if not isinstance(body, dict):
                return 400, b"invalid_payload"
            text = body.get("text") or ""
            if not text and not body.get("blocks") and not body.get("delete_original"):
                return 400, b"missing_text_or_fallback_or_attachments"
            problems = validate_blocks(body["blocks"]) if body.get("blocks") else []
            if problems:
                self.refusals.append(("response_url blocks", problems))
                return 400, b"invalid_blocks"  # like an incoming webhook: the bare code
            if len(text) > MESSAGE_TEXT_MAX:
                body["text"] = text[:MESSAGE_TEXT_MAX]
            for piece in mrkdwn_texts(body.get("text"), body.get("blocks")):
                self.pings.extend(m.group(0) for m in SPECIAL_MENTION.finditer(piece))
            entry["messages"].append(body)
            self.response_posts.append(time.time())
            self.changed.notify_all()
        return 200, b"ok"

    # ----- Socket Mode -----

    def _socket(self, connection) -> None:
        with self.changed:
            self.connections.append(connection)
            self.connects += 1
            self.changed.notify_all()
        try:
            connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": len(self.connections),
                        "connection_info": {"app_id": APP_ID},
                        "debug_info": {"host": "emulator", "approximate_connection_time": 3600},
                    }
                )
            )
            for raw in connection:
                now = connection.arrived(raw)
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                envelope_id = message.get("envelope_id")
                if envelope_id and now - self.sent_at.get(envelope_id, now) > ACK_DEADLINE:
                    # Too late: Slack has already shown the person "operation_timeout".
                    with self.changed:
                        self.late_acks.append(envelope_id)
                elif envelope_id:
                    with self.changed:
                        self.acks[envelope_id] = message.get("payload") or {}
                        self.ack_times[envelope_id] = now
                        self.changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self.changed:
                if connection in self.connections:
                    self.connections.remove(connection)
                self.changed.notify_all()

    def drop_connections(self, *, abrupt: bool = False) -> None:
        """Close every Socket Mode connection: politely (a close frame) or by cutting TCP."""
        for connection in list(self.connections):
            if abrupt:
                connection.socket.shutdown(socket.SHUT_RDWR)
            else:
                # close() waits for the peer's close frame; don't hold the test up for it.
                threading.Thread(target=connection.close, daemon=True).start()

    def request_refresh(self) -> None:
        """What Slack does every few hours: ask the client to reconnect elsewhere."""
        for connection in list(self.connections):
            connection.send(
                json.dumps(
                    {
                        "type": "disconnect",
                        "reason": "refresh_requested",
                        "debug_info": {"host": "emulator"},
                    }
                )
            )

    def send_envelope(
        self,
        kind: str,
        payload: dict,
        *,
        wait: bool = True,
        timeout: float = 5.0,
        via: int | None = None,
    ) -> dict:
        """Deliver an envelope to the bot; with `wait`, also return its ack and latency."""
        self.wait_for(lambda: self.connections, timeout=10, what="a Socket Mode connection")
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        connection = self.connections[-1 if via is None else via]
        self.sent_at[envelope_id] = time.perf_counter()
        self.sent_wall[envelope_id] = time.time()
        connection.send(json.dumps(envelope))
        # Timed from the frame's hand-over to the kernel (tests/emulator/stamps.py).
        self.sent_at[envelope_id] = connection.socket.written_at() or self.sent_at[envelope_id]
        if not wait:
            return {"envelope_id": envelope_id}
        self.wait_for(
            lambda: envelope_id in self.acks, timeout=timeout, what=f"the ack of a {kind} envelope"
        )
        return {
            "envelope_id": envelope_id,
            "payload": self.acks[envelope_id],
            "latency": self.ack_times[envelope_id] - self.sent_at[envelope_id],
        }

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "UALICE",
        channel: str = "CGENERAL",
        **kwargs,
    ) -> dict:
        trigger_id = self._new_trigger(user)
        with self.lock:
            response_url = self.new_response_url()
        channel_obj = self.channels.get(channel)
        payload = {
            "token": "deprecated",
            "team_id": TEAM,
            "team_domain": "emulator",
            "channel_id": channel,
            "channel_name": channel_obj.name if channel_obj else "",
            "user_id": user,
            "user_name": self.users[user]["name"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        result = self.send_envelope("slash_commands", payload, **kwargs)
        return {**result, "trigger_id": trigger_id, "response_url": response_url}

    def submit_view(
        self, view_id: str, values: dict, *, user: str = "UALICE", wait: bool = True
    ) -> dict | None:
        view = self.views[view_id]
        # Slack's view.state holds every stateful element, inputs and also a section's
        # accessory or an actions block's elements (the full state since 2020-09).
        declared = {}
        for block in view["blocks"]:
            elements = {
                "input": [block.get("element")],
                "section": [block.get("accessory")],
                "actions": block.get("elements"),
            }.get(block.get("type")) or []
            declared[block.get("block_id")] = {e.get("action_id") for e in elements if e}
        for block_id, actions in values.items():
            if not actions or not set(actions) <= declared.get(block_id, set()):
                raise AssertionError(f"{block_id} is not an input of view {view_id}")
        submitted = {**view, "state": {"values": values}}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "emulator"},
            "user": {"id": user, "name": self.users[user]["name"], "team_id": TEAM},
            "api_app_id": APP_ID,
            "token": "deprecated",
            "trigger_id": f"{next(self._ids)}.{uuid.uuid4().hex[:10]}",
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return self.send_envelope("interactive", payload, wait=wait)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "UALICE",
        channel: str = "CGENERAL",
        message: Message | None = None,
        action: dict | None = None,
        **kwargs,
    ) -> dict:
        """Click a button, or with `action` use another element (a block_actions payload,
        with a response_url like Slack's)."""
        trigger_id = self._new_trigger(user)
        with self.lock:
            response_url = self.new_response_url()
        container = (
            {"type": "message", "message_ts": message.ts, "channel_id": message.channel}
            if message
            else {"type": "message", "is_ephemeral": True, "channel_id": channel}
        )
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "emulator"},
            "user": {"id": user, "name": self.users[user]["name"], "team_id": TEAM},
            "api_app_id": APP_ID,
            "token": "deprecated",
            "container": container,
            "trigger_id": trigger_id,
            "channel": {"id": message.channel if message else channel},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": str(time.time()),
                    **(action or {}),
                }
            ],
        }
        if message:
            payload["message"] = {"ts": message.ts, "text": message.text, "blocks": message.blocks}
        result = self.send_envelope("interactive", payload, **kwargs)
        return {**result, "response_url": response_url, "trigger_id": trigger_id}

    def event(self, event: dict, **kwargs) -> dict | None:
        """Deliver an Events API event (e.g. pin_added) over the socket. An event about a
        private channel reaches only its members, as in Slack: None (nothing delivered)
        when the bot is not one."""
        about = self.channels.get(event.get("channel") or event.get("channel_id") or "")
        if about is not None and about.is_private and BOT_USER not in about.members:
            self.withheld.append(event)
            return None
        payload = {
            "token": "deprecated",
            "team_id": TEAM,
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids)}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.send_envelope("events_api", payload, **kwargs)

    def post_as(self, channel_id: str, text: str, *, user: str = "UALICE") -> Message:
        """A person posts a message in a channel (no event: Klaxon does not subscribe)."""
        with self.lock:
            message = Message(channel_id, self._new_ts(), text, [], user)
            self.messages.append(message)
            self.changed.notify_all()
        return message

    def message_shortcut(
        self, callback_id: str, message: Message, *, user: str = "UALICE", **kwargs
    ) -> dict:
        """A person uses a message shortcut on `message`: Slack's message_action payload,
        with a trigger_id and a response_url. Slack offers only shortcuts the manifest
        declares with type message."""
        if callback_id not in manifest_message_shortcuts():
            raise AssertionError(f"slack-manifest.yml declares no message shortcut {callback_id}")
        trigger_id = self._new_trigger(user)
        with self.lock:
            response_url = self.new_response_url()
        channel = self.channels.get(message.channel)
        payload = {
            "type": "message_action",
            "token": "deprecated",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM, "domain": "emulator"},
            "user": {"id": user, "name": self.users[user]["name"], "team_id": TEAM},
            "channel": {"id": message.channel, "name": channel.name if channel else ""},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "response_url": response_url,
            "message_ts": message.ts,
            "message": {
                "type": "message",
                "user": message.user,
                "ts": message.ts,
                "text": message.text,
            },
        }
        result = self.send_envelope("interactive", payload, **kwargs)
        return {**result, "response_url": response_url, "trigger_id": trigger_id}

    def open_home(self, user: str = "UALICE") -> None:
        """A person opens Klaxon's Home tab: Slack sends app_home_opened (with the view
        published before, if any)."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self._im(user).id,
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        if user in self.home_views:
            event["view"] = self.home_views[user]
        self.event(event)

    def click_in_home(self, action_id: str, value: str, *, user: str = "UALICE") -> dict:
        """Click a button of the user's Home tab: a block_actions payload whose container is
        the view (no response_url: a Home tab has none)."""
        view = self.home_views[user]
        trigger_id = self._new_trigger(user)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "emulator"},
            "user": {"id": user, "name": self.users[user]["name"], "team_id": TEAM},
            "api_app_id": APP_ID,
            "token": "deprecated",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": trigger_id,
            "view": view,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        result = self.send_envelope("interactive", payload)
        return {**result, "trigger_id": trigger_id}

    def archive_by_person(self, channel_id: str) -> None:
        """A person archives a channel in Slack (the bot is removed from it)."""
        with self.lock:
            channel = self.channels[channel_id]
            channel.is_archived = True
            channel.members.discard(BOT_USER)

    def unarchive(self, channel_id: str, *, user: str = "UALICE") -> None:
        """A person unarchives a channel; the bot is not back in it. Slack sends a public
        channel's channel_unarchive to the whole workspace (the bot may join again); a
        private channel's group_unarchive only to its members, so never to the bot."""
        with self.lock:
            channel = self.channels[channel_id]
            channel.is_archived = False
        kind = "group_unarchive" if channel.is_private else "channel_unarchive"
        self.event(
            {"type": kind, "channel": channel_id, "user": user, "event_ts": f"{time.time():.6f}"}
        )

    def invite(self, channel_id: str, user_id: str = BOT_USER, *, by: str = "UALICE") -> None:
        """A member invites someone (`/invite @Klaxon` for the bot): Slack sends
        member_joined_channel to the channel's members, the bot among them once it is in."""
        with self.lock:
            channel = self.channels[channel_id]
            if channel.is_archived or by not in channel.members:
                raise AssertionError(f"{by} cannot invite anyone to {channel.name}")
            channel.members.add(user_id)
        self.event(self._joined(channel, user_id, inviter=by))

    def delete_by_person(self, channel_id: str, ts: str) -> None:
        """A person deletes a message (chat.getPermalink then answers message_not_found)."""
        with self.lock:
            self.messages.remove(self.message(channel_id, ts))

    def delete_channel(self, channel_id: str) -> None:
        """An admin deletes a channel: it no longer exists for anyone (channel_not_found)."""
        with self.lock:
            del self.channels[channel_id]

    def pin(self, channel_id: str, text: str, *, user: str = "UALICE") -> Message:
        """A person posts a message and pins it; Slack sends pin_added."""
        with self.lock:
            message = Message(channel_id, self._new_ts(), text, [], user)
            self.messages.append(message)
            self.pins.add((channel_id, message.ts))
        self.event(self._pin_event("pin_added", channel_id, message, user))
        return message

    def unpin(self, message: Message, *, user: str = "UALICE") -> None:
        with self.lock:
            self.pins.discard((message.channel, message.ts))
        self.event(self._pin_event("pin_removed", message.channel, message, user))

    @staticmethod
    def _pin_event(kind: str, channel_id: str, message: Message, user: str) -> dict:
        return {
            "type": kind,
            "user": user,
            "channel_id": channel_id,
            "item": {
                "type": "message",
                "channel": channel_id,
                "created": int(time.time()),
                "created_by": user,
                "message": {
                    "type": "message",
                    "user": message.user,
                    "text": message.text,
                    "ts": message.ts,
                },
            },
            "event_ts": f"{time.time():.6f}",
        }

    # ----- queries for tests -----

    def wait_for(self, predicate, *, timeout: float = 5.0, what: str = "a condition"):
        return wait_until(self.changed, predicate, timeout, what)

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def message(self, channel_id: str, ts: str | None) -> Message | None:
        return next((m for m in self.messages if m.channel == channel_id and m.ts == ts), None)

    def channel_named(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name), None)

    def messages_in(self, channel_id: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m.channel == channel_id]

    def view_opened_by(self, trigger_id: str, timeout: float = 5.0) -> dict:
        view_id = self.wait_for(
            lambda: self.view_by_trigger.get(trigger_id),
            timeout=timeout,
            what="views.open for the command's trigger",
        )
        return self.views[view_id]

    def replies(self, response_url: str) -> list[dict]:
        return self.response_urls[response_url.rsplit("/", 1)[-1]]["messages"]
