"""Run the real daemon (`python -m bot`) as a subprocess against the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.emulator import APP_TOKEN, BOT_TOKEN, SlackEmulator

ROOT = Path(__file__).resolve().parent.parent
BASE_CONFIG = """
[slack]
incidents_channel = "incidents"
channel_prefix = "inc"

[http]
port = 0
"""


class Daemon:
    def __init__(
        self,
        emulator: SlackEmulator,
        database_url: str,
        workdir: Path,
        config: str = BASE_CONFIG,
        env: dict | None = None,
    ) -> None:
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
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, wait: bool = True) -> Daemon:
        connects = self.emulator.connects
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=self.workdir,
            env=self.environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if wait:
            deadline = time.monotonic() + 20
            while self.emulator.connects <= connects or not self.emulator.connections:
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"daemon exited {self.process.returncode}:\n{self.output()}"
                    )
                if time.monotonic() > deadline:
                    raise AssertionError(f"daemon did not connect:\n{self.output()}")
                time.sleep(0.02)
        return self

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
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
