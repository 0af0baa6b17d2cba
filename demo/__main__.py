"""python -m demo [--no-wait]: play one incident against the Slack emulator, then keep
Klaxon running until Ctrl-C (or, with --no-wait, stop at once)."""

from __future__ import annotations

import argparse
import signal
import sys

from demo.console import keep_running
from demo.script import Story
from demo.stage import DemoFailed, database_url_from_environment, stage

INTRO = """\
Klaxon against the bundled Slack emulator: no workspace, no tokens.
The emulator's workspace has #general and #incidents, and alice, bob, carol, dave and
erin; bob holds the ops_admin role, so he may acknowledge. Starting Klaxon…"""


LOG_TAIL = 20


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument(
        "--no-wait", action="store_true", help="stop after the story instead of at Ctrl-C"
    )
    args = parser.parse_args(argv)
    # Printed as it happens even into a pipe; a terminal without emoji gets "?" instead.
    sys.stdout.reconfigure(line_buffering=True, errors="replace")
    # Ctrl-C or SIGTERM stops the demo even where the shell started it with SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    print(INTRO)
    try:
        with stage(database_url_from_environment()) as running:
            try:
                story = Story(running.emulator)
                story.play()
                if not args.no_wait:
                    keep_running(running, story)
            except KeyboardInterrupt:
                for signum in (signal.SIGINT, signal.SIGTERM):  # a second one waits too
                    signal.signal(signum, signal.SIG_IGN)
            except DemoFailed:
                log = running.daemon.output().splitlines()[-LOG_TAIL:]
                print("The end of Klaxon's log:", *log, sep="\n", file=sys.stderr)
                raise
            print("\nStopping Klaxon and the emulator…")
    except KeyboardInterrupt:  # before the story began
        return 130
    except DemoFailed as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    status = running.daemon.process.returncode
    if status:
        print(f"demo: Klaxon exited with status {status}", file=sys.stderr)
        return 1
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
