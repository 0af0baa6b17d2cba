"""Benchmark /incident against the emulator: ack latency, declaration time, API calls.

python bench/declare.py [--backend sqlite|postgresql]
"""

from __future__ import annotations

import statistics
import time

from common import arguments, memory, percentile, running_daemon, summary_ms

from tests.helpers import form_values

COMMANDS = 200
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


def declarations(emulator) -> tuple[list[float], list[int]]:
    durations, calls = [], []
    for index in range(DECLARATIONS):
        title = f"Declared {index}"
        command = emulator.slash_command("/incident", title)
        view = emulator.view_opened_by(command["trigger_id"])
        before = len(emulator.calls)
        sent = emulator.submit_view(view["id"], form_values(title=title, lead="UBOB"), wait=False)
        [announced] = emulator.wait_for(
            lambda b=before: announcement_after(emulator, b), timeout=10, what="the announcement"
        )
        durations.append(announced.done_at - emulator.sent_wall[sent["envelope_id"]])
        url = command["response_url"]
        emulator.wait_for(lambda u=url: emulator.replies(u), timeout=10)
        web_api = [c for c in emulator.calls[before:] if c.method not in NOT_WEB_API]
        calls.append(1 + len(web_api))  # + the views.open before the submission
    return durations, calls


def main() -> None:
    args = arguments(__doc__)
    with running_daemon(args.backend) as (emulator, daemon):
        for index in range(20):  # warm-up: imports, connections, caches
            emulator.slash_command("/incident", f"warm {index}")
        warm = memory(daemon)
        acks = ack_latency(emulator)
        durations, calls = declarations(emulator)
        after = memory(daemon)
    print(f"backend: {args.backend}")
    print(f"/incident ack latency over {COMMANDS} commands: {summary_ms(acks)}")
    print(f"daemon memory: after warm-up {warm}; after the run {after}")
    print(
        f"declaration, submit to announcement, over {DECLARATIONS}: "
        f"median {statistics.median(durations) * 1000:.1f} ms, "
        f"p99 {percentile(durations, 0.99) * 1000:.1f} ms"
    )
    print(
        f"Web API calls per declaration: max {max(calls)}, mean {statistics.fmean(calls):.1f}"
        " (views.open, conversations.create, conversations.invite, chat.postMessage x2,"
        " pins.add; plus one response_url post)"
    )


if __name__ == "__main__":
    main()
