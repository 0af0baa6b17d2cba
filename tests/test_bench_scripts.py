"""Every benchmark in bench/ starts: its imports resolve and it reads its arguments (a
benchmark that broke unseen once reported nothing until someone ran `make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(
    p.name for p in BENCH.glob("*.py") if 'if __name__ == "__main__":' in p.read_text()
)


def test_every_benchmark_is_checked():
    assert {"ack.py", "declare.py", "scheduler.py", "socket_bot.py", "status_page.py"} <= set(
        SCRIPTS
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_starts(script):
    done = subprocess.run(
        [sys.executable, script, "--help"], cwd=BENCH, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "--backend" in done.stdout
