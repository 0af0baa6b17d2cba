"""Free TCP ports for servers the tests start on a port they must know in advance.

A port found by binding to port 0 comes from the kernel's ephemeral range, so between the
probe and the server's own bind any outgoing connection (the tests make hundreds) may take
it. These ports come from below that range instead, from a block of its own for each
pytest-xdist worker, so neither the kernel nor another worker hands the same port out.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from pathlib import Path

BLOCK = 500
FIRST = 15000


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = worker.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def _candidates():
    """This worker's ports in turn, or None when there is no room below the ephemeral range."""
    start = FIRST + _worker_index() * BLOCK
    if start + BLOCK > _ephemeral_floor():
        return None
    # A random start, so two suites run at once (two worktrees) rarely walk the same ports.
    offset = random.randrange(BLOCK)
    return (start + (offset + step) % BLOCK for step in itertools.count())


_ports = None  # made on first use: xdist names the worker in the environment at start-up


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _kernel_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now and that no other test will be given."""
    global _ports
    if _ports is None:
        _ports = _candidates() or False
    if _ports is False:
        return _kernel_port()
    for _ in range(BLOCK):
        port = next(_ports)
        if _bindable(port):
            return port
    raise RuntimeError(f"no free port in this worker's block of {BLOCK}")
