"""A throwaway PostgreSQL 15 server for tests and benchmarks.

PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
user (runuser). It listens on a free loopback port in a temporary directory and is removed
on stop.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PostgresServer:
    def __init__(self, fsync: bool = False) -> None:
        """fsync is off by default: the tests need no durability, only speed. Benchmarks
        turn it on to measure what a production server (fsync on) costs."""
        self.fsync = fsync
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not on PATH: PostgreSQL 15 is needed for the tests")
        self.root = Path(tempfile.mkdtemp(prefix="klaxon-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresServer:
        if not self.data.exists():
            subprocess.run(
                _as_postgres(
                    ["initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
                ),
                check=True,
                capture_output=True,
            )
        fsync = "on" if self.fsync else "off"
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync={fsync} -c max_connections=200"
        )
        log = str(self.root / "log")
        command = ["pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"]
        subprocess.run(_as_postgres(command), check=True, capture_output=True)
        return self

    def stop(self, remove: bool = False) -> None:
        subprocess.run(
            _as_postgres(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"klaxon_{uuid.uuid4().hex[:12]}"
        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {name}")
        finally:
            connection.close()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.admin_url).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
