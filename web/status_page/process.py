"""The daemon's side of the status page: start its process, restart it if it dies, stop it.

The page is served by a child process (`python -m web.status_page`) so that however hard
the public hits it, the daemon's own interpreter, and so its 3-second Slack acks, never
wait on it (one GIL each). It is still part of the daemon: started after the migrations,
stopped with it, and it exits by itself if the daemon disappears. It gets the daemon's
environment without the Slack tokens, which it has no use for.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import structlog

from settings.errors import StartupError
from settings.status_page import StatusPage

log = structlog.get_logger("klaxon.status_page")

SLACK_SECRETS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_BOT_TOKEN_FILE",
    "SLACK_APP_TOKEN_FILE",
)
RESTART_FIRST = 1.0
RESTART_MAX = 30.0
STOP_WAIT = 3.0


def _check_port(settings: StatusPage) -> None:
    """Fail the start with one clear line if the port is taken (as the ops port does)."""
    family = socket.AF_INET6 if ":" in settings.bind else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((settings.bind, settings.port))
    except OSError as error:
        raise StartupError(
            f"[status_page].port: cannot listen on {settings.bind}:{settings.port}: "
            f"{error.strerror}"
        ) from None
    finally:
        probe.close()


class StatusPageProcess:
    def __init__(self, settings: StatusPage) -> None:
        self._settings = settings
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._watcher = threading.Thread(target=self._watch, name="status-page", daemon=True)

    def start(self) -> StatusPageProcess:
        _check_port(self._settings)
        self._spawn()
        self._watcher.start()
        return self

    def _spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in SLACK_SECRETS}
        with self._lock:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "web.status_page"], env=env, stdin=subprocess.DEVNULL
            )
        log.info(
            "status_page_started",
            pid=self._child.pid,
            bind=self._settings.bind,
            port=self._settings.port,
        )

    def _watch(self) -> None:
        delay = RESTART_FIRST
        while not self._stopping.is_set():
            code = self._child.wait()
            if self._stopping.is_set():
                return
            log.error("status_page_exited", code=code, restart_in=delay)
            if self._stopping.wait(delay):
                return
            self._spawn()
            delay = min(delay * 2, RESTART_MAX)

    def close(self) -> None:
        self._stopping.set()
        with self._lock:
            child = self._child
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
