"""Benchmark /incident against the emulator: ack latency, declaration time, API calls.

python bench/declare.py [--backend sqlite|postgresql] [--fsync on|off]

A declaration is timed the way the people in it see it, from the modal submission leaving
"Slack" (the emulator) to the announcement in the incidents channel being posted, and on
to the reporter's confirmation; the first declarations after the start are reported apart.
"""

from __future__ import annotations

import statistics
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

from tests.helpers import form_values

WARM_COMMANDS = 20
COMMANDS = 200
COLD_DECLARATIONS = 5
DECLARATIONS = 50
NOT_WEB_API = ("auth.test", "apps.connections.open")


def ack_latency(emulator) -> list[float]:
    latencies = []
    for index in range(COMMANDS):
        latencies.append(emulator.slash_command("/incident", f"bench {index}")["latency"])
        time.sleep(0.005)  # let the background views.open finish; we measure the ack alone
    return latencies


def announcement_after(emulator, before: int):
    return [
        c
        for c in emulator.calls[before:]
        if c.method == "chat.postMessage" and c.params.get("channel") == "incidents" and c.done_at
    ]


def declare_once(emulator, cpu: CPUMeter, title: str) -> dict:
    """One declaration; its timings in seconds from the submission leaving the emulator,
    and the daemon's CPU for the form (command to views.open) and for the submission."""
    command_cpu = cpu.daemon_seconds()
    command = emulator.slash_command("/incident", title)
    view = emulator.view_opened_by(command["trigger_id"])
    before = len(emulator.calls)
    submission_cpu = cpu.daemon_seconds()
    sent = emulator.submit_view(view["id"], form_values(title=title, lead="UBOB"), wait=False)
    envelope = sent["envelope_id"]
    [announced] = emulator.wait_for(
        lambda: announcement_after(emulator, before), timeout=30, what="the announcement"
    )
    url = command["response_url"]
    emulator.wait_for(lambda: emulator.replies(url), timeout=30, what="the confirmation")
    confirmed = time.time()
    done_cpu = cpu.daemon_seconds()
    started = emulator.sent_wall[envelope]
    web_api = [c for c in emulator.calls[before:] if c.method not in NOT_WEB_API]
    return {
        "ack": emulator.ack_times[envelope] - emulator.sent_at[envelope],
        "announced": announced.done_at - started,
        "confirmed": confirmed - started,
        # Time spent inside the emulator's handlers (parsing, Block Kit checks, recording):
        # the part of a declaration a different emulator would change.
        "in_emulator": sum(c.done_at - c.at for c in web_api if c.done_at),
        "calls": 1 + len(web_api),  # + the views.open before the submission
        "form_cpu": submission_cpu - command_cpu,
        "declaration_cpu": done_cpu - submission_cpu,
    }


def ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:.1f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"
    )


def main() -> None:
    args = arguments(__doc__)
    directory = workdir()
    with (
        database_server(args.backend, args.fsync, directory) as (new_database, database_pids),
        running_daemon(url := new_database(), directory) as (emulator, daemon),
        conditions(
            "bench/declare.py",
            database=describe_database(url),
            emulator=EMULATOR_IN_PROCESS,
            runs=f"{WARM_COMMANDS} warm-up commands; {COMMANDS} commands; "
            f"{COLD_DECLARATIONS} first declarations reported apart, then {DECLARATIONS} "
            "declarations, one at a time",
        ),
    ):
        started = memory(daemon)
        cpu = CPUMeter(daemon, database_pids)
        cold = [declare_once(emulator, cpu, f"Cold {index}") for index in range(COLD_DECLARATIONS)]
        for index in range(WARM_COMMANDS):
            emulator.slash_command("/incident", f"warm {index}")
        warm = memory(daemon)
        acks = ack_latency(emulator)
        cpu.start()
        runs = [declare_once(emulator, cpu, f"Declared {index}") for index in range(DECLARATIONS)]
        cpu_used = cpu.stop(DECLARATIONS)
        after = memory(daemon)
        calls = [run["calls"] for run in runs]
        print(f"/incident ack latency over {COMMANDS} commands: {summary_ms(acks)}")
        following = ", ".join(f"{run['announced'] * 1000:.1f}" for run in cold[1:])
        print(
            f"first declaration after the start: {cold[0]['announced'] * 1000:.1f} ms to the "
            f"announcement; declarations 2-{COLD_DECLARATIONS}: {following} ms"
        )
        print(
            f"declaration, submission to announcement posted, over {DECLARATIONS}: "
            f"{ms([run['announced'] for run in runs])}"
        )
        print(
            f"declaration, submission to the reporter's confirmation: "
            f"{ms([run['confirmed'] for run in runs])}"
        )
        print(
            f"of which inside the emulator's handlers: {ms([run['in_emulator'] for run in runs])}"
        )
        print(
            f"submission ack: {ms([run['ack'] for run in runs])}; "
            f"Web API calls per declaration: max {max(calls)}, mean {statistics.fmean(calls):.1f}"
            " (views.open, conversations.create, conversations.invite, chat.postMessage x2,"
            " pins.add; plus one response_url post)"
        )
        print(f"CPU per declaration (with its form): {cpu_used}")
        form_cpu = sum(run["form_cpu"] for run in runs) / DECLARATIONS * 1000
        declaration_cpu = sum(run["declaration_cpu"] for run in runs) / DECLARATIONS * 1000
        print(
            f"daemon CPU: /incident and its form {form_cpu:.1f} ms, "
            f"submission to confirmation {declaration_cpu:.1f} ms (mean of {DECLARATIONS})"
        )
        print(f"daemon memory: at start {started}; after warm-up {warm}; after the run {after}")


if __name__ == "__main__":
    main()
