"""Waiting in tests for what an emulator has received, without fixed sleeps."""

from __future__ import annotations

import threading
import time


def wait_until(changed: threading.Condition, predicate, timeout: float, what: str):
    """The predicate's first truthy result, checked whenever the emulator records
    something (and every 50 ms); AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with changed:
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            changed.wait(min(remaining, 0.05))
