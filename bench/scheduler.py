"""Benchmark the scheduler tick: 100, 1,000 and 10,000 open incidents, nothing due and 1% due.

    python bench/scheduler.py [--backend sqlite|postgresql] [--fsync on|off]

The tick runs in the benchmark's process, like the emulator it posts to (the due 1% post
real nudges); no daemon is started.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from common import arguments, conditions, database_server, describe_database, workdir

from incident.services import Background, Services
from integrations.slack.client import web_client
from integrations.slack.people import People
from integrations.slack.roles import RoleDirectory
from integrations.slack.surface import SlackSurface
from observability import logs
from scheduler.jobs import tick
from settings.config import Config
from store import db, migrate
from store.fields import utcnow
from store.models import Incident
from tests.emulator import APP_TOKEN, BOT_TOKEN, BOT_USER, SlackEmulator

SIZES = (100, 1_000, 10_000)
IDLE_RUNS = 50
DUE_RUNS = 5


def seed(count: int, emulator: SlackEmulator) -> list:
    now = utcnow()
    later = now + timedelta(hours=1)
    rows = []
    for index in range(count):
        channel_id = f"CB{index}"
        emulator.add_channel(channel_id, f"inc-bench-{index}", members={BOT_USER})
        rows.append(
            {
                "ref": index + 1,
                "title": f"Bench {index}",
                "severity": "SEV2",
                "status": "open",
                "reporter_id": "UALICE",
                "lead_id": "UBOB",
                "channel_id": channel_id,
                "channel_name": f"inc-bench-{index}",
                "declared_at": now,
                "updated_at": now,
                "last_update_at": now,
                "next_update_nudge_at": later,
                "next_due_at": later,
            }
        )
    with Incident._meta.database.atomic():
        for start in range(0, len(rows), 500):
            Incident.insert_many(rows[start : start + 500]).execute()
    return [row["ref"] for row in rows]


def make_due(refs: list, fraction: float) -> int:
    past = utcnow() - timedelta(seconds=1)
    chosen = refs[:: int(1 / fraction)]
    Incident.update(next_update_nudge_at=past, next_due_at=past).where(
        Incident.ref.in_(chosen)
    ).execute()
    return len(chosen)


def measure(services: Services, refs: list) -> tuple[float, float, int, float]:
    """Median wall time of a tick with nothing due and with 1% due, how many were due, and
    the CPU of this process (tick and emulator) per due tick."""
    idle = []
    for _ in range(IDLE_RUNS):
        started = time.perf_counter()
        tick(services, "bench")
        idle.append(time.perf_counter() - started)
    busy, due, cpu = [], 0, 0.0
    for _ in range(DUE_RUNS):
        with services.database.connection_context():
            due = make_due(refs, 0.01)
        started, cpu_started = time.perf_counter(), time.process_time()
        tick(services, "bench")
        busy.append(time.perf_counter() - started)
        cpu += time.process_time() - cpu_started
    return statistics.median(idle), statistics.median(busy), due, cpu / DUE_RUNS


def main() -> None:
    args = arguments(__doc__)
    logs.configure("WARNING")
    emulator = SlackEmulator().start()
    try:
        with (
            database_server(args.backend, args.fsync, workdir()) as (new_database, _pids),
            conditions(
                "bench/scheduler.py",
                database=describe_database(first := new_database()),
                emulator="the bundled tests/emulator and the scheduler tick, both in the "
                "benchmark's own process (no daemon)",
                runs=f"{', '.join(f'{size:,}' for size in SIZES)} open incidents, a fresh "
                f"database each; {IDLE_RUNS} ticks with nothing due, {DUE_RUNS} with 1% due",
            ),
        ):
            for size in SIZES:
                url = first if size == SIZES[0] else new_database()
                idle, busy, due, cpu = measure_size(url, size, emulator)
                print(
                    f"{size:>6} open: nothing due {idle * 1000:7.2f} ms (median of {IDLE_RUNS}); "
                    f"{due} due (1%) {busy * 1000:8.1f} ms (median of {DUE_RUNS}, "
                    f"{busy / due * 1000:.2f} ms each; CPU {cpu / due * 1000:.2f} ms each, "
                    "tick and emulator)"
                )
    finally:
        emulator.stop()


def measure_size(url: str, size: int, emulator: SlackEmulator) -> tuple[float, float, int, float]:
    database = db.open_database(url)
    migrate.apply(database)
    config = Config(
        bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=emulator.api_url, database_url=url
    )
    slack = web_client(config)
    people = People(slack)
    services = Services(
        config,
        slack,
        database,
        Background(database, 1),
        people,
        RoleDirectory({}, people),
        SlackSurface,
    )
    try:
        with database.connection_context():
            refs = seed(size, emulator)
        return measure(services, refs)
    finally:
        services.background.shutdown()
        db.close(database)


if __name__ == "__main__":
    main()
