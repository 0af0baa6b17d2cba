"""After the story: Klaxon keeps running, and more commands can be typed as anyone.

A line such as `bob /incident sev 1` runs that command as that person in the incident
channel; what Klaxon does is printed as it happens, by a thread that looks at the
emulator whenever a Web API call or a reply completes. Modals that open are shown, not
filled in. Ctrl-C ends it.
"""

from __future__ import annotations

import sys
import threading

from demo.script import Story
from demo.stage import Stage
from tests.emulator import BOT_TOKEN

COMMANDS = ("/incident", "/incident-ack")


def help_text(stage: Stage, story: Story) -> list[str]:
    api = stage.emulator.api_url
    health = f"http://127.0.0.1:{stage.http_port}"
    people = ", ".join(story.people())  # their names
    return [
        "",
        "Klaxon is still running against the Slack emulator. Ctrl-C stops both.",
        f"  Klaxon's health and metrics: {health}/healthz  {health}/metrics",
        f"  The emulator's Web API:      {api} (the demo's bot token is {BOT_TOKEN}), e.g.",
        f"    curl -s -H 'Authorization: Bearer {BOT_TOKEN}' {api}conversations.list",
        f"  Klaxon's log:                {stage.daemon.log_path}",
        f"Type a command as someone ({people}) to run it in #{story.channel.name}, e.g.",
        "  bob /incident status monitoring      carol /incident note Seeing it too",
        "  alice /incident help                 dave /incident-ack",
        "(what Klaxon does is printed as it happens; a modal that opens is shown, not filled)",
    ]


def parse(line: str, people: dict[str, str]) -> tuple[str, str, str] | str:
    """(user id, command, text) from `bob /incident sev 1`, or what is wrong with it."""
    name, _, rest = line.strip().partition(" ")
    command, _, text = rest.strip().partition(" ")
    if name.lower() not in people:
        return f"Start with who types it: {', '.join(people)}."
    if command not in COMMANDS:
        return f"Then the command: {' or '.join(COMMANDS)}."
    return people[name.lower()], command, text.strip()


def _watch(story: Story, done: threading.Event) -> None:
    emulator = story.emulator
    while not done.is_set():
        with emulator.changed:
            emulator.changed.wait(0.5)
        story.watcher.look()


def keep_running(stage: Stage, story: Story) -> None:
    """Print how to poke the demo, run typed commands, and return on Ctrl-C (which
    raises KeyboardInterrupt here; the terminal sends SIGINT to the daemon as well)."""
    for line in help_text(stage, story):
        story.write(line)
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(story, done), daemon=True)
    watcher.start()
    people = story.people()
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            parsed = parse(line, people)
            if isinstance(parsed, str):
                story.write(parsed)
                continue
            user, command, text = parsed
            try:
                story.command(user, command, text, story.channel.id)
            except AssertionError as error:  # the emulator's wait for the ack ran out
                story.write(f"Klaxon did not answer: {error}")
        threading.Event().wait()  # stdin closed: keep running until Ctrl-C
    finally:
        done.set()
