"""One Socket Mode bot under bench/socket_bot.py: started from its JSON scenario against an
emulator of its own, made to declare through its own form, and timed from the emulator's
record of its Slack requests (the definitions are in socket_bot.py's docstring)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from common import cpu_seconds

from tests.emulator import APP_TOKEN, BOT_TOKEN, SlackEmulator

# Seconds without a Slack request that end a declaration, once its announcement is posted
# (not part of any figure); long enough for a busy machine's gaps between two calls.
SETTLE = 1.0
FORM_SETTLE = 0.5  # the same before the form is submitted (Klaxon updates it after it opens)
START_TIMEOUT = 60.0
COLD_DECLARATIONS = 5
NOT_WEB_API = ("auth.test", "apps.connections.open")
EQUIVALENT = ("conversations.create", "conversations.invite", "pins.add")


def substitute(value, names: dict):
    """`value` (a string, or lists and dicts of them) with {name} placeholders filled in."""
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [substitute(item, names) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, names) for key, item in value.items()}
    return value


def database_names(url: str) -> dict:
    names = {"database_url": url}
    if url.startswith("postgresql"):
        parsed = urlparse(url)
        names.update(
            pg_host=parsed.hostname or "",
            pg_port=str(parsed.port or 5432),
            pg_user=parsed.username or "",
            pg_database=parsed.path.lstrip("/"),
        )
    return names


@dataclass
class Bot:
    scenario: dict
    emulator: SlackEmulator
    log_path: Path
    process: subprocess.Popen | None = None
    runs: list[dict] = field(default_factory=list)
    cold: list[dict] = field(default_factory=list)
    sequence: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.scenario["name"]

    def start(self, database_url: str) -> None:
        names = {
            "api_url": self.emulator.api_url,
            "bot_token": BOT_TOKEN,
            "app_token": APP_TOKEN,
            **database_names(database_url),
        }
        env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
        env.update(substitute(self.scenario.get("env", {}), names))
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            substitute(self.scenario["command"], names),
            cwd=self.scenario.get("cwd"),
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.emulator.connections:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{self.name} did not connect to the emulator (exit status "
                    f"{self.process.poll()}); its output is in {self.log_path}"
                )
            time.sleep(0.05)
        self.quiet(since=time.time())  # whatever the bot does when it starts

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def _requests_since(self, since: float) -> list[tuple[float, float | None]]:
        """(asked, answered) of every Slack request the bot made since `since`."""
        with self.emulator.lock:
            found = [
                (call.at, call.done_at)
                for call in self.emulator.calls
                if call.at >= since and call.method not in NOT_WEB_API
            ]
            found += [(at, at) for at in self.emulator.response_posts if at >= since]
        return found

    def _announced_since(self, since: float) -> bool:
        channel = self.emulator.channel_named(self.scenario["announcement_channel"])
        with self.emulator.lock:
            return any(
                call.method == "chat.postMessage"
                and call.at >= since
                and call.params.get("channel") in (channel.id, channel.name)
                for call in self.emulator.calls
            )

    def quiet(self, since: float, settle: float = SETTLE, announced: bool = False) -> float:
        """Wait until every request since `since` is answered (with `announced`, once the
        announcement is among them) and none came for `settle` seconds; return when the
        last one was answered (or `since`)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            requests = self._requests_since(since)
            if all(done for _, done in requests) and (
                not announced or self._announced_since(since)
            ):
                last = max((done for _, done in requests), default=since)
                if time.time() - last >= settle:
                    return last
            time.sleep(0.02)
        raise SystemExit(f"{self.name} did not finish in {START_TIMEOUT:g}s; see {self.log_path}")

    def open_form(self, title: str) -> dict:
        trigger = substitute(self.scenario["trigger"], {"title": title})
        if "slash_command" in trigger:
            sent = self.emulator.slash_command(trigger["slash_command"], trigger.get("text", ""))
        else:
            sent = self.emulator.click(trigger["action_id"], trigger.get("value", "bench"))
        view = self.emulator.view_opened_by(sent["trigger_id"], timeout=10)
        self.quiet(since=self.emulator.sent_wall[sent["envelope_id"]], settle=FORM_SETTLE)
        return view

    def declare(self, title: str) -> dict:
        """One declaration through the bot's own form; its timings in seconds."""
        view = self.open_form(title)
        values = substitute(self.scenario["values"], {"title": title})
        before = len(self.emulator.calls)
        cpu_before = cpu_seconds(self.process.pid)
        sent = self.emulator.submit_view(view["id"], values, wait=False)
        started = self.emulator.sent_wall[sent["envelope_id"]]
        last = self.quiet(since=started, announced=True)
        cpu = cpu_seconds(self.process.pid) - cpu_before
        with self.emulator.lock:
            calls = [c for c in self.emulator.calls[before:] if c.method not in NOT_WEB_API]
        announcement = self.emulator.channel_named(self.scenario["announcement_channel"])
        created = [
            c.response["channel"]["id"]
            for c in calls
            if c.method == "conversations.create" and c.response and c.response.get("ok")
        ]
        equivalent, first_post_seen, sequence, announced = [], set(), [], None
        for call in calls:
            channel = call.params.get("channel")
            where = ""
            if channel == announcement.id or channel == announcement.name:
                where = " (announcement channel)"
            elif channel in created:
                where = " (new channel)"
            elif channel:
                where = " (elsewhere)"
            refused = "" if call.response and call.response.get("ok") else " REFUSED"
            sequence.append(call.method + where + refused)
            if call.method in EQUIVALENT:
                equivalent.append(call.done_at)
            elif call.method == "chat.postMessage" and where == " (announcement channel)":
                equivalent.append(call.done_at)
                announced = call.done_at
            elif (
                call.method == "chat.postMessage"
                and channel in created
                and channel not in first_post_seen
            ):
                first_post_seen.add(channel)
                equivalent.append(call.done_at)
        if not created or announced is None:
            raise SystemExit(
                f"{self.name} made no channel or no announcement for {title!r}: "
                f"{sequence}; its output is in {self.log_path}"
            )
        responses = [at for at in self.emulator.response_posts if at >= started]
        self.sequence = sequence + ["response_url post"] * len(responses)
        return {
            "announced": announced - started,
            "equivalent": max(equivalent) - started,
            "all": last - started,
            "calls": len(calls),
            "cpu": cpu,
        }
