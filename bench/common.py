"""Shared pieces of the benchmarks: a daemon against the emulator, and percentiles."""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.daemon import BASE_CONFIG, Daemon  # noqa: E402
from tests.emulator import SlackEmulator  # noqa: E402
from tests.postgres import PostgresServer  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:.2f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:.2f} ms, "
        f"mean {statistics.fmean(values) * 1000:.2f} ms, max {max(values) * 1000:.2f} ms"
    )


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    return parser.parse_args()


@contextlib.contextmanager
def running_daemon(backend: str, config: str = BASE_CONFIG):
    """Yield (emulator, daemon) with the daemon connected; tear everything down after."""
    workdir = Path(tempfile.mkdtemp(prefix="klaxon-bench-"))
    server = None
    if backend == "postgresql":
        server = PostgresServer().start()
        server.wait_ready()
        url = server.create_database()
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    emulator = SlackEmulator().start()
    daemon = Daemon(emulator, url, workdir, config=config, env={"LOG_LEVEL": "WARNING"}).start()
    try:
        yield emulator, daemon
    finally:
        daemon.stop()
        emulator.stop()
        if server:
            server.stop(remove=True)


def memory(daemon) -> str:
    """The daemon's resident memory now and at its peak, from /proc."""
    fields = {}
    with open(f"/proc/{daemon.process.pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return f"RSS {fields['VmRSS']:.0f} MiB, peak {fields['VmHWM']:.0f} MiB"
