"""Stop a test's daemons without making the next test wait for them.

A daemon takes about two seconds to shut down (most of it closing Socket Mode), and a test
that does not check its daemon's shutdown need not wait for it: the reaper sends SIGTERM,
waits on a thread of its own, and only then stops the test's emulator, so a daemon still
shutting down talks to the same Slack as before. A daemon that does not exit within
`STOP_TIMEOUT` still fails the run, naming the test that started it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

from tests.daemon import Daemon
from tests.emulator import SlackEmulator


class Reaper:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: list[threading.Thread] = []
        self._handed_over: weakref.WeakSet[SlackEmulator] = weakref.WeakSet()
        self._failures: list[str] = []

    def retire(self, test_id: str, daemons: list[Daemon], emulator: SlackEmulator) -> None:
        """Tell the daemons to stop; the emulator is stopped once they have."""
        for daemon in daemons:
            daemon.terminate()
        waiter = threading.Thread(
            target=self._reap, args=(test_id, daemons, emulator), name="reaper", daemon=True
        )
        with self._lock:
            self._handed_over.add(emulator)
            self._waiters = [w for w in self._waiters if w.is_alive()]
            self._waiters.append(waiter)
        waiter.start()

    def then(self, action: Callable[[], None]) -> None:
        """Run `action` on a thread of its own once every daemon retired so far has exited
        (a test's database is dropped after the daemons that use it)."""
        with self._lock:
            retired = [w for w in self._waiters if w.is_alive()]

        def run() -> None:
            for waiter in retired:
                waiter.join()
            action()

        thread = threading.Thread(target=run, name="reaper-then", daemon=True)
        with self._lock:
            self._waiters.append(thread)
        thread.start()

    def stop_emulator(self, emulator: SlackEmulator) -> None:
        """Stop an emulator now unless it waits for its daemons here."""
        with self._lock:
            if emulator in self._handed_over:
                return
        emulator.stop()

    def _reap(self, test_id: str, daemons: list[Daemon], emulator: SlackEmulator) -> None:
        try:
            for daemon in daemons:
                try:
                    daemon.wait_stopped()
                except AssertionError as failure:
                    with self._lock:
                        self._failures.append(f"{test_id}: {failure}")
        finally:
            emulator.stop()

    def wait(self) -> None:
        """Wait until every retired daemon has exited (or been killed)."""
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.join()

    def finish(self) -> None:
        self.wait()
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            raise AssertionError("\n\n".join(failures))
