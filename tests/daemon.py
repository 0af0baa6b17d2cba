"""Run the real daemon (`python -m bot`, or the same forked from tests/launcher.py) as a
process of its own against the emulator."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.emulator import APP_TOKEN, BOT_TOKEN, SlackEmulator
from tests.launcher import Launcher

ROOT = Path(__file__).resolve().parent.parent
BASE_CONFIG = """
[slack]
incidents_channel = "incidents"
channel_prefix = "inc"

[http]
port = 0
"""
START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0


class Daemon:
    def __init__(
        self,
        emulator: SlackEmulator,
        database_url: str,
        workdir: Path,
        config: str = BASE_CONFIG,
        env: dict | None = None,
        launcher: Launcher | None = None,
    ) -> None:
        """With a `launcher` (tests/launcher.py) the daemon is forked from a process that
        has its imports done; without, it is a fresh `python -m bot`."""
        self.launcher = launcher
        self.emulator = emulator
        self.database_url = database_url
        self.workdir = workdir
        self.config_path = workdir / "config.toml"
        self.config_path.write_text(config)
        self.log_path = workdir / "daemon.log"
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
        env.update(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_API_URL": self.emulator.api_url,
                "DATABASE_URL": self.database_url,
                "KLAXON_CONFIG": str(self.config_path),
                "PYTHONPATH": str(ROOT),
                "LOG_LEVEL": "INFO",
                "PYTHONFAULTHANDLER": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, wait: bool = True) -> Daemon:
        """Start the daemon; with `wait`, return once it has connected and said it started
        (so its scheduler and HTTP server are up too)."""
        connects = self.emulator.connects
        started = len(self.events("klaxon_started"))  # a restart appends to the same log
        self._log = self.log_path.open("ab")
        if self.launcher is not None:
            self.process = self.launcher.start(self.workdir, self.environment(), self.log_path)
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=self.environment(),
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            deadline = time.monotonic() + START_TIMEOUT
            while (
                self.emulator.connects <= connects
                or not self.emulator.connections
                or len(self.events("klaxon_started")) <= started
            ):
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"daemon exited {self.process.returncode}:\n{self.output()}"
                    )
                if time.monotonic() > deadline:
                    self._dump_threads()
                    raise AssertionError(
                        f"the daemon did not connect in {START_TIMEOUT:g}s; its threads at that"
                        f" moment are at the end of its log:\n{self.output()}"
                    )
                time.sleep(0.02)
        return self

    def _dump_threads(self) -> None:
        """PYTHONFAULTHANDLER makes SIGABRT write every thread's stack to the log, then exit."""
        self.process.send_signal(signal.SIGABRT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)

    def terminate(self, signum: int = signal.SIGTERM) -> None:
        """Ask the daemon to stop without waiting for it (see `wait_stopped`)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Stop the daemon and return its exit status; fail if it does not exit in time."""
        self.terminate(signum)
        return self.wait_stopped(timeout)

    def wait_stopped(self, timeout: float = STOP_TIMEOUT) -> int:
        if self.process is None:
            return 0
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._dump_threads()
            raise AssertionError(
                f"the daemon was still running {timeout:g}s after it was told to stop; "
                f"its threads at that moment are at the end of its log:\n{self.output()}"
            ) from None
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def logs(self) -> list[dict]:
        events = []
        for line in self.output().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
        return events

    def events(self, name: str) -> list[dict]:
        return [e for e in self.logs() if e.get("event") == name]

    def wait_for_event(self, name: str, timeout: float = 10, **fields) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events(name):
                if all(event.get(k) == v for k, v in fields.items()):
                    return event
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name} {fields} in the daemon's log:\n{self.output()}")
            time.sleep(0.05)
