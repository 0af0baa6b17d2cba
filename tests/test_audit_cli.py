"""`klaxon audit`: the audit trail searched from the command line, on both databases."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from store import audit, declarations
from store.fields import utcnow
from store.models import AuditEvent
from tests.test_cli_operations import klaxon

ROOT = Path(__file__).resolve().parent.parent


def seed():
    now = utcnow()
    incident, _ = declarations.declare(
        declarations.NewIncident(title="db down", severity="SEV2", reporter_id="UALICE")
    )
    rows = [
        ("ops_admin_access_denied", "UEVE", incident, timedelta(days=10)),
        ("incident_acknowledged", "ops@example.com", incident, timedelta(days=2)),
        ("ops_admin_access_denied", "UEVE", None, timedelta(hours=3)),
        ("role_granted", "cli:root", None, timedelta(hours=1)),
    ]
    for action, actor, about, age in rows:
        record = audit.record(action, actor_id=actor, incident=about, target="\x1b[2Jx")
        AuditEvent.update(occurred_at=now - age).where(AuditEvent.id == record.id).execute()


def run(database_url, tmp_path, *args):
    return klaxon("audit", *args, database_url=database_url, tmp_path=tmp_path)


def actions(result) -> list[str]:
    return [json.loads(line)["action"] for line in result.stdout.splitlines()]


def test_newest_first_as_a_table_and_as_json_lines(db, database_url, tmp_path):
    seed()
    table = run(database_url, tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["WHEN", "(UTC)", "ACTION", "ACTOR", "INCIDENT", "DETAIL"]
    assert [line.split()[1] for line in lines[1:]] == [
        "role_granted",
        "ops_admin_access_denied",
        "incident_acknowledged",
        "ops_admin_access_denied",
    ]
    assert "\x1b" not in table.stdout, "no escape sequence typed by someone reaches the terminal"
    assert re.search(r"incident_acknowledged\s+ops@example.com\s+INC-1\s", table.stdout)
    as_json = run(database_url, tmp_path, "--json")
    first = json.loads(as_json.stdout.splitlines()[0])
    assert set(first) == {
        "id",
        "occurred_at",
        "action",
        "actor",
        "incident",
        "request_id",
        "detail",
    }
    assert first["detail"]["target"] == "\x1b[2Jx", "JSON keeps the data exact (escaped)"


def test_filters(db, database_url, tmp_path):
    seed()
    recent = run(database_url, tmp_path, "--since", "7d", "--json")
    assert actions(recent) == [
        "role_granted",
        "ops_admin_access_denied",
        "incident_acknowledged",
    ]
    denied = run(database_url, tmp_path, "--action", "ops_admin_access_denied", "--json")
    assert actions(denied) == ["ops_admin_access_denied"] * 2
    by_email = run(database_url, tmp_path, "--actor", "Ops@Example.COM", "--json")
    assert actions(by_email) == ["incident_acknowledged"]
    both = run(database_url, tmp_path, "--actor", "UEVE", "--actor", "ops@example.com", "--json")
    assert len(actions(both)) == 3
    about = run(database_url, tmp_path, "--incident", "INC-1", "--since", "5d", "--json")
    assert actions(about) == ["incident_acknowledged"]
    assert {json.loads(line)["incident"] for line in about.stdout.splitlines()} == {"INC-1"}
    nothing = run(database_url, tmp_path, "--incident", "INC-9")
    assert nothing.returncode == 0 and nothing.stdout.strip() == "no audit records match"


def test_bad_input(db, database_url, tmp_path):
    unknown = run(database_url, tmp_path, "--action", "ops_admin_acces_denied")
    assert unknown.returncode == 2
    assert "unknown action 'ops_admin_acces_denied'; known actions:" in unknown.stderr
    assert "  ops_admin_access_denied" in unknown.stderr.splitlines()
    since = run(database_url, tmp_path, "--since", "last week")
    assert since.returncode == 2 and since.stderr.startswith("audit: --since: ")
    ref = run(database_url, tmp_path, "--incident", "the database one")
    assert ref.returncode == 2 and "expected a ref such as INC-42" in ref.stderr


def test_every_action_written_is_known():
    """An audit.record("…") anywhere in the product names an action of store.audit.ACTIONS,
    so `klaxon audit --action` accepts it before any record of it exists."""
    written = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in ("tests", ".venv", "bench", "demo"):
            continue
        written |= set(re.findall(r'audit\.record\(\s*"([a-z_]+)"', path.read_text()))
    assert written and written <= set(audit.ACTIONS), written - set(audit.ACTIONS)
    roles = (ROOT / "cli" / "roles.py").read_text()
    assert '"role_granted"' in roles and '"role_revoked"' in roles
    from incident.access import denied_action
    from incident.vocabulary import Permission

    refusals = {denied_action(permission) for permission in Permission}
    assert refusals <= set(audit.ACTIONS), refusals - set(audit.ACTIONS)


@pytest.mark.parametrize("command", [["audit"], ["token"], ["sign"], ["forget"], ["purge"]])
def test_the_operations_commands_have_help(tmp_path, command):
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *command, "--help"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and result.stdout.startswith(f"usage: klaxon {command[0]}")
