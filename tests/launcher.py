"""A fork server for the test daemons: one process per pytest worker imports the daemon's
modules once, then forks a daemon from that state for each start.

Every `python -m bot` spends about a second of CPU importing its libraries before it does
anything, and a run of the suite starts over 500 daemons: on a 2-core machine that was most
of the suite's CPU (docs/performance.md). The forked daemon runs the same program
(bot/__main__.py, as `__main__`) in a process of its own, with the test's environment,
working directory and log; only its imports were done before the fork. The daemon reads
its settings when it starts (settings.config.load), not when it is imported, so nothing it
does depends on when its modules were imported. `KLAXON_TEST_FRESH_DAEMONS=1` starts each
daemon as a fresh `python -m bot` instead, as `make demo` always does.

The launcher forks twice and the middle process exits at once, so the daemon is orphaned
and adopted by the pytest worker, which has made itself a child subreaper: the worker
signals the daemon and waits for its exit status as for a child of its own
(`LaunchedProcess`, with the part of `subprocess.Popen` the tests use). In `ps` a forked
daemon keeps the launcher's command line, `python -m tests.launcher`.
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PR_SET_CHILD_SUBREAPER = 36


class LaunchedProcess:
    """A daemon forked by the launcher and adopted by this process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._lock = threading.Lock()  # the reaper's thread and the test may both wait

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"daemon {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        with self._lock:
            if self.returncode is None:  # not reaped, so the pid is still this daemon's
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Launcher:
    """The worker's side: starts the launcher process and asks it for daemons."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.launcher"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self, cwd: Path, env: dict, log_path: Path) -> LaunchedProcess:
        request = {"cwd": str(cwd), "env": env, "log": str(log_path)}
        with self._lock:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the daemon launcher exited ({self._process.poll()})")
        return LaunchedProcess(int(answer))

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(10)


def _run_daemon(request: dict) -> None:
    """In the forked daemon: become `python -m bot` for this test. Never returns: the
    daemon's exit (SystemExit) unwinds through the launcher to the interpreter's end."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.close(devnull)
    if os.environ.get("PYTHONFAULTHANDLER"):
        faulthandler.enable(file=sys.stderr)  # on the log, which is fd 2 now
    sys.argv = [str(ROOT / "bot" / "__main__.py")]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
    sys.exit(0)


def serve() -> None:
    """The launcher process: one request a line on stdin, the daemon's pid a line back."""
    # What every daemon would import again:
    import bot.app
    import bot.main  # noqa: F401

    if threading.active_count() != 1:
        raise RuntimeError("an import started a thread: forking from here is not safe")
    for line in sys.stdin:
        request = json.loads(line)
        read_end, write_end = os.pipe()
        middle = os.fork()
        if middle == 0:
            os.close(read_end)
            daemon = os.fork()
            if daemon == 0:
                os.close(write_end)
                _run_daemon(request)
            os.write(write_end, str(daemon).encode())
            os._exit(0)
        os.close(write_end)
        os.waitpid(middle, 0)  # the daemon is the worker's now
        with os.fdopen(read_end) as pipe:
            pid = pipe.read()
        sys.stdout.write(pid + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
