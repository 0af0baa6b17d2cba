"""`make demo`: the story plays end to end against the emulator, and Ctrl-C stops it.

The demo always runs on its own SQLite file (a temporary directory), as `make demo` does
on a fresh clone, so these tests run on SQLite only: what the daemon does on PostgreSQL
is covered by the end-to-end tests the demo's steps come from (declare, ack, lifecycle).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

import pytest

from tests.daemon import ROOT
from tests.helpers import today

RUN_TIMEOUT = 90


def demo_environment() -> dict:
    """No Slack tokens and no DATABASE_URL, like a fresh clone's shell."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "KLAXON_")) and key != "DATABASE_URL"
    }
    return {**env, "PYTHONPATH": str(ROOT)}


@pytest.mark.e2e
def test_the_story_plays_end_to_end_and_stops(tmp_path):
    played = subprocess.run(
        [sys.executable, "-m", "demo", "--no-wait"],
        cwd=ROOT,
        env=demo_environment(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert played.returncode == 0, played.stderr
    out = played.stdout
    channel = f"#inc-{today()}-checkout-is-down"
    for expected in (
        "alice sees a modal:",
        "┌─ Declare an incident",
        f"Klaxon creates the channel {channel} (@alice, @bob, @klaxon)",
        f"in {channel}, Klaxon posts and pins:",
        "INC-1 · Checkout is down",
        "Lead: @bob",
        "in #incidents, Klaxon posts:",
        "only bob sees (ephemeral):",
        "INC-1 acknowledged by @bob",
        "+ Status: Acknowledged",
        "- [Acknowledge]  [Update]  [Resolve]  [Add follow-up]",
        "+ Status: Monitoring",
        "Follow-up added by @carol",
        "INC-1 resolved by @bob.",
        "INC-1 resolved after",
        "Post-incident report for INC-1",
        "# INC-1: Checkout is down",
        "- [ ] Alert on failed card payments",
        "Stopped.",
    ):
        assert expected in out, f"{expected!r} is not in the demo's output:\n{out}"
    for markup in ("<@U", "<#C", "<!date^", "&lt;", ":white_check_mark:"):
        assert markup not in out.split("```")[0], f"raw Slack markup {markup!r} was printed"
    assert "Ctrl-C" not in out, "--no-wait does not wait"
    assert "Traceback" not in played.stderr


@pytest.mark.e2e
def test_ctrl_c_stops_the_daemon_and_the_emulator():
    """As a terminal does it: SIGINT to the whole process group, daemon included."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "demo"],
        cwd=ROOT,
        env=demo_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in demo.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        seen = []
        while not any("Ctrl-C stops both" in line for line in seen):
            line = lines.get(timeout=RUN_TIMEOUT)
            assert line is not None, f"the demo ended early:\n{''.join(seen)}{demo.stderr.read()}"
            seen.append(line)
        os.killpg(demo.pid, signal.SIGINT)
        assert demo.wait(RUN_TIMEOUT) == 0, demo.stderr.read()
        rest = []
        while (line := lines.get(timeout=RUN_TIMEOUT)) is not None:
            rest.append(line)
        assert "Stopping Klaxon and the emulator…\n" in rest and rest[-1] == "Stopped.\n"
        assert "Traceback" not in demo.stderr.read()
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()


def test_run_without_tokens_offers_the_demo(tmp_path):
    started = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=demo_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in started.stderr and "make demo" in started.stderr
