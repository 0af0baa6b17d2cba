"""Time the declaration of an incident in Klaxon and in any other Socket Mode bot, side by side.

python bench/socket_bot.py [--backend sqlite|postgresql] [--runs 50] [--bot SCENARIO.json]...

Each bot runs as its own process against an emulator of its own (tests/emulator, in this
process, on loopback); the declarations alternate between the bots, one at a time, so every
bot meets the same machine at the same moments. Klaxon is always the first bot; `--bot` adds
another one, described by a JSON scenario:

    {
      "name": "other-bot",
      "command": ["/path/to/python", "main.py"],
      "cwd": "/path/to/its/checkout",
      "env": {"SLACK_BOT_TOKEN": "{bot_token}", "DATABASE": "{database_url}"},
      "trigger": {"action_id": "open_the_form"},
      "values": {"block": {"action": {"type": "plain_text_input", "value": "{title}"}}},
      "announcement_channel": "incidents"
    }

`trigger` is a slash command (`{"slash_command": "/incident", "text": "{title}"}`) or a button
(`{"action_id": ...}`) that makes the bot open its form with views.open; `values` is the
form's view.state as Slack would submit it. In `env` and `values`, these are replaced:
{api_url} (the emulator's Web API base URL), {bot_token}, {app_token}, {title},
{database_url} (a fresh database for this bot) and, for PostgreSQL, {pg_host}, {pg_port},
{pg_user}, {pg_database}. The bot's own environment is passed on, except SLACK_* variables.

One declaration is timed from the view_submission envelope leaving the emulator. The same
definition of done holds for every bot: it has posted its announcement and made no Slack
request (Web API or response_url) for SETTLE seconds after its last one; the figures are
read from the emulator's record of when each request was answered:

- announced: the post to the announcement channel answered;
- equivalent: the last answered of the calls both kinds of bot make for an incident: the
  channel created, people invited, the first post in the new channel (the summary or
  digest), pins in it, the announcement;
- all calls: the last Slack request the declaration caused.

The bot's CPU per declaration (its process and its children, from /proc) is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from common import (
    ROOT,
    conditions,
    cpu_seconds,
    database_server,
    describe_database,
    percentile,
    workdir,
)

from tests.daemon import BASE_CONFIG
from tests.emulator import APP_TOKEN, BOT_TOKEN, SlackEmulator
from tests.helpers import form_values

# Seconds without a Slack request that end a declaration, once its announcement is posted
# (not part of any figure); long enough for a busy machine's gaps between two calls.
SETTLE = 1.0
FORM_SETTLE = 0.5  # the same before the form is submitted (Klaxon updates it after it opens)
START_TIMEOUT = 60.0
COLD_DECLARATIONS = 5
NOT_WEB_API = ("auth.test", "apps.connections.open")
EQUIVALENT = ("conversations.create", "conversations.invite", "pins.add")

EMULATOR = (
    "the bundled tests/emulator, one per bot, in the benchmark's own process (HTTP and "
    "websocket threads on 127.0.0.1)"
)


def klaxon_scenario(config_path: Path) -> dict:
    """Klaxon as a scenario: `/incident`, its form, the daemon `python -m bot`."""
    form = form_values(title="{title}", lead="UBOB")
    return {
        "name": "klaxon",
        "command": [sys.executable, "-m", "bot"],
        "cwd": str(config_path.parent),
        "env": {
            "SLACK_BOT_TOKEN": "{bot_token}",
            "SLACK_APP_TOKEN": "{app_token}",
            "SLACK_API_URL": "{api_url}",
            "DATABASE_URL": "{database_url}",
            "KLAXON_CONFIG": str(config_path),
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "INFO",
        },
        "trigger": {"slash_command": "/incident", "text": "{title}"},
        "values": form,
        "announcement_channel": "incidents",
    }


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


def figures(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:.1f} ms, "
        f"p90 {percentile(values, 0.9) * 1000:.1f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"
    )


def report(bot: Bot) -> None:
    runs = bot.runs
    print(f"== {bot.name} ({len(runs)} declarations; output in {bot.log_path})")
    print("  first declarations: " + ", ".join(f"{r['all'] * 1000:.1f}" for r in bot.cold) + " ms")
    print(f"  submission to announcement posted: {figures([r['announced'] for r in runs])}")
    print(f"  submission to the last equivalent call: {figures([r['equivalent'] for r in runs])}")
    print(f"  submission to its last Slack request: {figures([r['all'] for r in runs])}")
    cpu = statistics.fmean(r["cpu"] for r in runs) * 1000
    calls = [r["calls"] for r in runs]
    print(f"  bot CPU per declaration: {cpu:.1f} ms (mean)")
    print(f"  Web API calls after the submission: min {min(calls)}, max {max(calls)}")
    print(f"  the last declaration's requests, in order: {', '.join(bot.sequence)}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--fsync", choices=("on", "off"), default="on")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--bot", action="append", default=[], type=Path, help="a JSON scenario of another bot"
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    directory = workdir()
    config_path = directory / "config.toml"
    config_path.write_text(BASE_CONFIG)
    scenarios = [klaxon_scenario(config_path)]
    scenarios += [json.loads(path.read_text()) for path in args.bot]
    bots: list[Bot] = []
    with database_server(args.backend, args.fsync, directory) as (new_database, _pids):
        urls = [new_database() for _ in scenarios]
        try:
            for scenario, url in zip(scenarios, urls, strict=True):
                bot = Bot(scenario, SlackEmulator().start(), directory / f"{scenario['name']}.log")
                bots.append(bot)
                bot.start(url)
            with conditions(
                "bench/socket_bot.py",
                database=describe_database(urls[0]) + "; a database of its own for each bot",
                emulator=EMULATOR,
                runs=f"{COLD_DECLARATIONS} first declarations per bot reported apart, then "
                f"{args.runs} per bot, alternating between the bots, one at a time; a "
                f"declaration ends once announced and {SETTLE:g} s without a Slack request",
            ):
                for index in range(COLD_DECLARATIONS):
                    for bot in bots:
                        bot.cold.append(bot.declare(f"Cold {index}"))
                for index in range(args.runs):
                    for bot in bots:
                        bot.runs.append(bot.declare(f"Bench {index}"))
                for bot in bots:
                    report(bot)
                if len(bots) > 1:
                    klaxon = statistics.median(r["equivalent"] for r in bots[0].runs)
                    for bot in bots[1:]:
                        other = statistics.median(r["equivalent"] for r in bot.runs)
                        print(
                            f"{bot.name} / klaxon, medians to the last equivalent call: "
                            f"{other / klaxon:.2f}"
                        )
        finally:
            for bot in bots:
                bot.stop()
                bot.emulator.stop()


if __name__ == "__main__":
    main()
