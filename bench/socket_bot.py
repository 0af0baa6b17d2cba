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
import statistics
import sys
from pathlib import Path

from common import (
    ROOT,
    conditions,
    database_server,
    describe_database,
    percentile,
    workdir,
)
from scenario_bot import COLD_DECLARATIONS, SETTLE, Bot

from tests.daemon import BASE_CONFIG
from tests.emulator import SlackEmulator
from tests.helpers import form_values

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
