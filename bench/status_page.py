"""Benchmark the status page under a refresh storm, and the Slack acks while it lasts.

python bench/status_page.py [--backend sqlite|postgresql] [--fsync on|off]

The daemon runs with [status_page] on; one incident is declared and published through
Slack. Then `wrk` (keep-alive, on loopback) hits `/` and `/api/v2/summary.json` in turn,
and during each run this process sends `/incident` commands one at a time and records how
long the daemon takes to ack each (the emulator's envelope-to-ack time, as bench/ack.py).
The same commands without load give the baseline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time

from common import (
    EMULATOR_IN_PROCESS,
    _children,
    arguments,
    conditions,
    cpu_seconds,
    database_server,
    describe_database,
    percentile,
    running_daemon,
    summary_ms,
    workdir,
)

from tests.helpers import declare, modal_values, wait_declared
from tests.ports import free_port
from tests.status_page_helpers import config, wait_page

SECONDS = 20
CONNECTIONS = 64
ACKS_IDLE = 200
PACE = 0.02  # between /incident commands, so acks sample the whole run


def wrk(url: str, seconds: int) -> dict:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "p99": p99, "non_2xx": int(errors.group(1)) if errors else 0}


def acks(emulator, until) -> list[float]:
    latencies = []
    while not until():
        sent = emulator.slash_command("/incident", "Bench storm", user="UALICE")
        latencies.append(sent["latency"])
        time.sleep(PACE)
    return latencies


def publish(emulator, daemon, port: int) -> None:
    command, _, _ = declare(emulator, "Checkout is down", lead="UBOB")
    wait_declared(emulator, command)
    from store.db import open_database
    from store.models import Incident

    database = open_database(daemon.database_url)
    with database.connection_context():
        incident = Incident.get(Incident.ref == 1)
    sent = emulator.slash_command(
        "/incident", "statuspage", user="UBOB", channel=incident.channel_id
    )
    view = emulator.view_opened_by(sent["trigger_id"])
    values = modal_values(
        view, status="identified", component_0="partial_outage", message="Some requests fail."
    )
    emulator.submit_view(view["id"], values, user="UBOB")
    wait_page(port, lambda a: "Some requests fail." in a.text, what="the publish")


def main() -> None:
    args = arguments(__doc__)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `apt-get install -y wrk` (make bench installs it)")
    directory = workdir()
    port = free_port()
    with (
        database_server(args.backend, args.fsync, directory) as (new_database, _),
        running_daemon(url := new_database(), directory, config(port)) as (emulator, daemon),
        conditions(
            "bench/status_page.py",
            database=describe_database(url),
            emulator=EMULATOR_IN_PROCESS,
            runs=f"wrk -t1 -c{CONNECTIONS} -d{SECONDS}s (keep-alive, loopback) per path; "
            f"/incident sent one at a time every {PACE * 1000:.0f} ms during each run; "
            f"{ACKS_IDLE} /incident without load first",
        ),
    ):
        wait_page(port)
        publish(emulator, daemon, port)
        idle = []
        for _ in range(ACKS_IDLE):
            idle.append(emulator.slash_command("/incident", "Bench idle", user="UALICE")["latency"])
            time.sleep(PACE)
        print(f"/incident ack without load over {len(idle)}: {summary_ms(idle)}")
        for path in ("/", "/api/v2/summary.json"):
            result: dict = {}
            page_pids = _children(daemon.process.pid)
            started = (cpu_seconds(daemon.process.pid), cpu_seconds(*page_pids))
            load = threading.Thread(
                target=lambda p=path, r=result: r.update(
                    wrk(f"http://127.0.0.1:{port}{p}", SECONDS)
                )
            )
            load.start()
            time.sleep(1)  # let wrk reach its full rate before sampling acks
            under_load = acks(emulator, lambda t=load: not t.is_alive())
            load.join()
            total, page = (
                cpu_seconds(daemon.process.pid) - started[0],
                cpu_seconds(*page_pids) - started[1],
            )
            print(
                f"{path}: {result['rate']:.0f} requests/s, wrk p99 {result['p99']}, "
                f"non-2xx {result['non_2xx']}; /incident ack during the load over "
                f"{len(under_load)}: {summary_ms(under_load)} "
                f"(p99 {percentile(under_load, 0.99) * 1000:.2f} ms); CPU: page process "
                f"{page:.1f} s, daemon itself {total - page:.1f} s"
            )


if __name__ == "__main__":
    main()
