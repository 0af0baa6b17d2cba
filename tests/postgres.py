"""A throwaway PostgreSQL 15 server for tests and benchmarks.

PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
user (runuser). It listens on a free loopback port (tests/ports.py: under pytest-xdist each
worker has ports of its own) in a temporary directory and is removed on stop.

pg_ctl detaches the server from our process group, so a Ctrl-C does not reach it: the
pytest fixture stops it on the way out, and a server whose owner died without stopping it
(killed, or a power cut) is stopped and removed by `stop_abandoned` the next time the
tests start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2

from tests.ports import free_port

PREFIX = "klaxon-pg-"
OWNER_FILE = "owner.pid"
START_ATTEMPTS = 5


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresServer:
    def __init__(self, fsync: bool = False) -> None:
        """fsync is off by default: the tests need no durability, only speed. Benchmarks
        turn it on to measure what a production server (fsync on) costs."""
        self.fsync = fsync
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not on PATH: PostgreSQL 15 is needed for the tests")
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.port = free_port()
        self.started = False
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
        # A first start may find its port taken after all (another suite on this machine):
        # take the next one. A restart keeps the port, which URLs handed out already name.
        attempts = 1 if self.started else START_ATTEMPTS
        for attempt in range(1, attempts + 1):
            if self._pg_ctl_start().returncode == 0:
                self.started = True
                return self
            if attempt < attempts and "could not bind" in self.log():
                self.port = free_port()
                continue
            raise RuntimeError(f"PostgreSQL did not start:\n{self.log()}")
        return self

    def _pg_ctl_start(self) -> subprocess.CompletedProcess:
        # The tests need no durability, only speed; benchmarks may ask for fsync.
        durability = "on" if self.fsync else "off"
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections=200"
            f" -c fsync={durability} -c synchronous_commit={durability}"
            f" -c full_page_writes={durability}"
        )
        log = str(self.root / "log")
        command = ["pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"]
        return subprocess.run(_as_postgres(command), capture_output=True)

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, remove: bool = False) -> None:
        _pg_ctl_stop(self.data)
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

    def drop_database(self, url: str) -> None:
        """Remove a database made by `create_database`, closing what still uses it. A
        database that cannot be dropped now (the server restarting) goes with the server's
        directory when it is removed."""
        name = url.rsplit("/", 1)[1]
        try:
            connection = psycopg2.connect(self.admin_url)
        except psycopg2.OperationalError:
            return
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except psycopg2.Error:
            pass
        finally:
            connection.close()

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


def _pg_ctl_stop(data: Path, mode: str = "fast") -> None:
    subprocess.run(
        _as_postgres(["pg_ctl", "-D", str(data), "-m", mode, "-w", "stop"]),
        capture_output=True,
    )


def stop_abandoned() -> None:
    """Stop and remove servers whose owning process is gone; leave everyone else's alone."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # being set up right now, or not made by this module
        if _alive(owner):
            continue
        if (root / "data" / "postmaster.pid").exists():
            _pg_ctl_stop(root / "data", mode="immediate")
        shutil.rmtree(root, ignore_errors=True)
