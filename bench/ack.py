"""Benchmark acknowledgement: ack latency, summary edit time, sustained acks across 20 users.

python bench/ack.py [--backend sqlite|postgresql] [--fsync on|off]
"""

from __future__ import annotations

import collections
import statistics
import threading
import time

from common import (
    EMULATOR_IN_PROCESS,
    CPUMeter,
    arguments,
    conditions,
    database_server,
    describe_database,
    memory,
    percentile,
    running_daemon,
    summary_ms,
    workdir,
)

from tests.daemon import BASE_CONFIG
from tests.emulator.server import BOT_USER, Message
from tests.helpers import declare, wait_declared

USERS = [f"UBENCH{n:02d}" for n in range(20)]
LATENCY_ACKS = 200
SUSTAIN_SECONDS = 60
SEEDED = 6000
CONFIG = (
    BASE_CONFIG
    + f"""
[roles]
ops_admin = {USERS!r}

[ack]
rate_limit = 10000
rate_window = "1m"
"""
)


def add_users(emulator) -> None:
    for user in USERS:
        emulator.add_user(user, user.lower())


def seed_incidents(emulator, count: int, database_url: str) -> list[int]:
    """Incidents with a channel and a summary message, written straight to the store (as
    thousands of declarations through Slack would take longer than the benchmark)."""
    from store import declarations, incidents
    from store.db import open_database

    database = open_database(database_url)
    refs = []
    with database.connection_context():
        for index in range(count):
            incident, _ = declarations.declare(
                declarations.NewIncident(
                    title=f"Seeded {index}", severity="SEV2", reporter_id="UALICE"
                )
            )
            channel = emulator.add_channel(
                f"CSEED{index}", f"inc-seed-{index}", members={BOT_USER, "UALICE"}
            )
            ts = f"{int(time.time())}.{900000 + index}"
            emulator.messages.append(Message(channel.id, ts, "summary", [], BOT_USER))
            incidents.update_fields(
                incident, channel_id=channel.id, channel_name=channel.name, summary_ts=ts
            )
            refs.append(incident.ref)
    database.close()
    return refs


def ack_latency(emulator) -> tuple[list[float], list[float]]:
    """/incident-ack on fresh incidents: the ack to Slack, and the summary's chat.update."""
    latencies, edits = [], []
    for index in range(LATENCY_ACKS):
        command, _, _ = declare(emulator, f"Latency {index}")
        wait_declared(emulator, command)
        ref = index + 1
        before = len(emulator.calls)
        sent = emulator.slash_command("/incident-ack", f"INC-{ref}", user=USERS[0])
        latencies.append(sent["latency"])
        update = emulator.wait_for(
            lambda b=before: [
                c for c in emulator.calls[b:] if c.method == "chat.update" and c.done_at
            ],
            what="the edit",
        )[0]
        edits.append(update.done_at - emulator.sent_wall[sent["envelope_id"]])
    return latencies, edits


def sustained(emulator, refs: list[int]) -> dict:
    """20 users ack as fast as answers come back; each incident is sent by two users."""
    work = collections.deque(ref for ref in refs for _ in range(2))
    lock = threading.Lock()
    answers: dict[int, list[str]] = collections.defaultdict(list)
    deadline = time.monotonic() + SUSTAIN_SECONDS

    def worker(user: str) -> None:
        while time.monotonic() < deadline:
            with lock:
                if not work:
                    return
                ref = work.popleft()
            sent = emulator.slash_command("/incident-ack", f"INC-{ref}", user=user)
            [reply] = emulator.wait_for(
                lambda u=sent["response_url"]: emulator.replies(u), timeout=30, what="an ack reply"
            )
            with lock:
                answers[ref].append(reply["text"])

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(user,)) for user in USERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    done = sum(len(texts) for texts in answers.values())
    complete = [texts for texts in answers.values() if len(texts) == 2]
    won = [sum("You acknowledged" in t for t in texts) for texts in complete]
    return {
        "acks": done,
        "seconds": elapsed,
        "incidents": len(complete),
        "doubled": sum(1 for w in won if w > 1),
        "lost": sum(1 for w in won if w == 0),
    }


def main() -> None:
    args = arguments(__doc__)
    directory = workdir()
    with (
        database_server(args.backend, args.fsync, directory) as (new_database, database_pids),
        running_daemon(url := new_database(), directory, CONFIG) as (emulator, daemon),
        conditions(
            "bench/ack.py",
            database=describe_database(url),
            emulator=EMULATOR_IN_PROCESS,
            runs=f"{LATENCY_ACKS} /incident-ack on fresh incidents, one at a time; then "
            f"{len(USERS)} users acking {SEEDED} seeded incidents for {SUSTAIN_SECONDS} s",
        ),
    ):
        add_users(emulator)
        latencies, edits = ack_latency(emulator)
        refs = seed_incidents(emulator, SEEDED, daemon.database_url)
        cpu = CPUMeter(daemon, database_pids)
        cpu.start()
        result = sustained(emulator, refs)
        cpu_used = cpu.stop(max(1, result["acks"]))
        after = memory(daemon)
        print(f"/incident-ack ack latency over {LATENCY_ACKS}: {summary_ms(latencies)}")
        print(
            f"summary edited after the command: median {statistics.median(edits) * 1000:.1f} ms,"
            f" p99 {percentile(edits, 0.99) * 1000:.1f} ms"
        )
        print(
            f"sustained: {result['acks']} acks in {result['seconds']:.1f} s = "
            f"{result['acks'] / result['seconds']:.0f} acks/s across {len(USERS)} users; "
            f"{result['incidents']} incidents acked twice at once: "
            f"{result['doubled']} doubled, {result['lost']} lost"
        )
        print(f"CPU per sustained ack: {cpu_used}")
        print(f"daemon memory after the sustained minute: {after}")


if __name__ == "__main__":
    main()
