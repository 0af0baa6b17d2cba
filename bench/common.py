"""Shared pieces of the benchmarks: a daemon against the emulator, percentiles, and the
conditions of a run, printed with every result so a figure can be reproduced or discounted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.daemon import BASE_CONFIG, Daemon  # noqa: E402
from tests.emulator import SlackEmulator  # noqa: E402
from tests.postgres import PostgresServer  # noqa: E402

EMULATOR_IN_PROCESS = (
    "the bundled tests/emulator, in the benchmark's own process (its HTTP and websocket "
    "threads; the benchmark's driver thread sleeps on a condition while a request is in "
    "flight); an ack is timed from its envelope's hand-over to the kernel to the kernel's "
    "receipt of the ack (SO_TIMESTAMPNS), as Slack's side of the socket sees it"
)


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
    parser.add_argument(
        "--fsync",
        choices=("on", "off"),
        default="on",
        help="PostgreSQL's fsync (default on, as in production; the tests run it off)",
    )
    return parser.parse_args()


# --- the conditions of a run ---


def _cpuinfo_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def _meminfo() -> dict[str, int]:
    fields = {}
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        for line in meminfo:
            name, _, value = line.partition(":")
            fields[name] = int(value.split()[0]) // 1024  # MiB
    return fields


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (runnable processes; compare with the cores)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min)"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' with local changes' if dirty else ''}" if head else "unknown"


def _filesystem(path: Path) -> str:
    """The filesystem type under `path` (tmpfs makes every fsync free)."""
    best, kind = "", "unknown"
    with contextlib.suppress(OSError), open("/proc/mounts") as mounts:
        for line in mounts:
            _device, mount_point, fs_type, *_ = line.split()
            if str(path).startswith(mount_point) and len(mount_point) > len(best):
                best, kind = mount_point, fs_type
    return kind


def describe_database(url: str) -> str:
    if url.startswith("sqlite"):
        from store.db import SQLITE_PRAGMAS

        path = Path(url.split(":///", 1)[1])
        return (
            f"SQLite {sqlite3.sqlite_version}, journal_mode={SQLITE_PRAGMAS['journal_mode']}, "
            f"synchronous={SQLITE_PRAGMAS['synchronous']}, file on {_filesystem(path)}"
        )
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            settings = {}
            for name in ("server_version", "fsync", "synchronous_commit", "data_directory"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
    finally:
        connection.close()
    return (
        f"PostgreSQL {settings['server_version'].split()[0]} on 127.0.0.1 (TCP), "
        f"fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}, "
        f"data on {_filesystem(Path(settings['data_directory']))}"
    )


def _cpu_ticks() -> tuple[int, int, int]:
    """Machine-wide (busy, idle, steal) clock ticks since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields[:8]) - idle, idle, steal


def _busy_share(start: tuple[int, int, int], end: tuple[int, int, int]) -> str:
    busy, idle, steal = (after - before for before, after in zip(start, end, strict=True))
    total = max(1, busy + idle)
    return (
        f"{100 * busy / total:.0f}% of all CPUs busy during the run, this benchmark "
        f"included (steal {100 * steal / total:.0f}%)"
    )


@contextlib.contextmanager
def conditions(benchmark: str, *, database: str, emulator: str, runs: str):
    """Print the conditions of the run before it (machine, load, database, emulator, run
    counts) and the load average after it; every benchmark prints its figures inside."""
    memory = _meminfo()
    lines = {
        "benchmark": f"{benchmark} at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, Klaxon {_commit()}",
        "machine": f"{os.cpu_count()} CPUs ({_cpuinfo_model()}), "
        f"{memory.get('MemTotal', 0)} MiB memory ({memory.get('MemAvailable', 0)} MiB available), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        "load average at start": load_average(),
        "database": database,
        "emulator": emulator,
        "runs": runs,
    }
    print("--- conditions ---")
    for name, value in lines.items():
        print(f"{name}: {value}")
    print("--- results ---", flush=True)
    ticks = _cpu_ticks()
    yield
    print(f"load average at end: {load_average()}; {_busy_share(ticks, _cpu_ticks())}", flush=True)


# --- a daemon against the emulator ---


@contextlib.contextmanager
def database_server(backend: str, fsync: str, workdir: Path):
    """Yield (a function returning a fresh database URL, the server's pids for CPU
    accounting); for PostgreSQL a throwaway server with `fsync`, for SQLite files."""
    if backend == "sqlite":
        names = iter(range(1_000_000))
        yield (lambda: f"sqlite:///{workdir / f'bench-{next(names)}.db'}"), list
        return
    server = PostgresServer(fsync=fsync == "on").start()
    try:
        server.wait_ready()
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        yield server.create_database, lambda: [postmaster]
    finally:
        server.stop(remove=True)


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
    return found


def cpu_seconds(*pids: int) -> float:
    """User + system CPU of these processes and their live descendants (all threads)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0, list(pids)
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            todo += _children(pid)
    return total / ticks


class CPUMeter:
    """CPU used by the daemon, the database server and this process (the emulator and the
    driver) between start() and stop(): unlike wall-clock time, barely moved by the load
    other people put on a shared machine."""

    def __init__(self, daemon, database_pids) -> None:
        self.daemon, self.database_pids = daemon, database_pids

    def daemon_seconds(self) -> float:
        return cpu_seconds(self.daemon.process.pid)

    def _now(self) -> tuple[float, float, float]:
        return (
            cpu_seconds(self.daemon.process.pid),
            cpu_seconds(*self.database_pids()),
            time.process_time(),
        )

    def start(self) -> None:
        self.started = self._now()

    def stop(self, count: int) -> str:
        daemon, database, bench = (
            (end - begin) / count * 1000
            for begin, end in zip(self.started, self._now(), strict=True)
        )
        where = f", PostgreSQL server {database:.1f} ms" if self.database_pids() else ""
        return f"daemon {daemon:.1f} ms{where}, emulator and driver {bench:.1f} ms"


@contextlib.contextmanager
def running_daemon(url: str, workdir: Path, config: str = BASE_CONFIG):
    """Yield (emulator, daemon) with the daemon (`python -m bot`, its own process)
    connected to an emulator in this process; tear both down after."""
    emulator = SlackEmulator().start()
    # INFO, as in production (and the harness waits for the daemon's klaxon_started line).
    daemon = Daemon(emulator, url, workdir, config=config, env={"LOG_LEVEL": "INFO"}).start()
    try:
        yield emulator, daemon
    finally:
        daemon.stop()
        emulator.stop()


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="klaxon-bench-"))


def memory(daemon) -> str:
    """The daemon's resident memory now and at its peak, from /proc."""
    fields = {}
    with open(f"/proc/{daemon.process.pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return f"RSS {fields['VmRSS']:.0f} MiB, peak {fields['VmHWM']:.0f} MiB"
