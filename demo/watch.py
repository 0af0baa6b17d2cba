"""What changed in the emulator since the last look, told as the people there see it.

The emulator records every channel, message (with its edit count), pin, modal and
`response_url` reply; each look prints only what is new since the one before: modals,
channels, replies, new messages, then the messages edited in place, as the lines that
changed (Klaxon edits its summary and announcement after it posts a step's lines).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from demo import render
from tests.emulator import BOT_USER, SlackEmulator

INDENT = "    "


class Watcher:
    def __init__(self, emulator: SlackEmulator, write: Callable[[str], None] = print) -> None:
        self.emulator = emulator
        self.write = write
        self.names = render.Names(
            lambda user_id: (emulator.users.get(user_id) or {}).get("name"),
            lambda channel_id: getattr(emulator.channels.get(channel_id), "name", None),
        )
        self.askers: dict[str, str] = {}  # response_url -> the user who may read its replies
        self._channels: set[str] = set()
        self._messages: dict[tuple[str, str], int] = {}
        self._shown: dict[tuple[str, str], list[str]] = {}  # each message as last shown
        self._pins: set[tuple[str, str]] = set()
        self._views: set[str] = set()
        self._replies: dict[str, int] = {}
        self.look(quiet=True)

    def expect_replies(self, response_url: str, user: str) -> None:
        """Replies sent to `response_url` are shown to `user` alone (unless in_channel)."""
        with self.emulator.lock:
            self.askers[response_url] = user
            self._replies.setdefault(response_url, 0)

    def person(self, user_id: str) -> str:
        return self.names.user(user_id)[1:]

    def place(self, channel_id: str) -> str:
        return self.names.channel(channel_id)

    def look(self, *, quiet: bool = False) -> None:
        """Print everything new since the last look (nothing with `quiet`)."""
        emulator = self.emulator
        with emulator.lock:
            channels = [c for c in emulator.channels.values() if c.id not in self._channels]
            messages = [
                (m, self._messages.get((m.channel, m.ts)))
                for m in emulator.messages
                if self._messages.get((m.channel, m.ts)) != m.edits
            ]
            pins = sorted(emulator.pins - self._pins)
            views = [v for v in emulator.views.values() if v["id"] not in self._views]
            replies = {url: emulator.replies(url)[self._replies[url] :] for url in self._replies}
            self._channels |= {c.id for c in channels}
            self._messages.update({(m.channel, m.ts): m.edits for m, _ in messages})
            self._pins |= set(pins)
            self._views |= {v["id"] for v in views}
            self._replies = {url: self._replies[url] + len(new) for url, new in replies.items()}
        if quiet:
            return
        for view in views:
            self.write(f"  {self.person(view['user'])} sees a modal:")
            self._lines(render.modal(view, self.names, INDENT))
        for channel in channels:
            members = ", ".join(sorted(self.names.user(u) for u in channel.members))
            kind = "private channel" if channel.is_private else "channel"
            self.write(f"  Klaxon creates the {kind} {self.place(channel.id)} ({members})")
        for url, new in replies.items():
            for reply in new:
                self._reply(url, reply)
        for message, seen_edits in sorted(messages, key=lambda pair: pair[1] is not None):
            self._message(message, pinned=(message.channel, message.ts) in pins, edited=seen_edits)

    def _reply(self, url: str, reply: dict) -> None:
        asker = self.askers[url]
        if reply.get("response_type") == "in_channel":
            self.write(f"  in the channel where {self.person(asker)} typed it, Klaxon says:")
        else:
            self.write(f"  only {self.person(asker)} sees (ephemeral):")
        self._lines(render.message(reply.get("text", ""), reply.get("blocks"), self.names, INDENT))

    def _message(self, message, *, pinned: bool, edited: int | None) -> None:
        where = self.place(message.channel)
        author = "Klaxon" if message.user == BOT_USER else self.person(message.user)
        key = (message.channel, message.ts)
        shown = render.message(message.text, message.blocks, self.names, INDENT)
        before, self._shown[key] = self._shown.get(key), shown
        if message.ephemeral_to:
            self.write(f"  in {where}, only {self.person(message.ephemeral_to)} sees {author}'s:")
        elif edited is not None and before is not None:
            changed = [line for line in difflib.ndiff(before, shown) if line[:1] in "-+"]
            if not changed:  # edited to the same text: nobody sees a difference
                return
            what = "the pinned summary" if key in self.emulator.pins else f"{author}'s message"
            self.write(f"  in {where}, {what} is edited in place:")
            shown = [f"{INDENT}{line[0]} {line[2 + len(INDENT) :]}" for line in changed]
        else:
            self.write(f"  in {where}, {author} {'posts and pins' if pinned else 'posts'}:")
        self._lines(shown)

    def _lines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)
