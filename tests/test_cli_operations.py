"""The operators' `klaxon` subcommands: check, incidents, purge, --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from store import audit, declarations, incidents
from store.fields import utcnow
from store.models import FollowUp, Incident, TimelineEvent
from tests.daemon import BASE_CONFIG, ROOT
from tests.emulator import APP_TOKEN, BOT_TOKEN


def klaxon(*args, database_url, tmp_path, config=BASE_CONFIG, **env):
    (tmp_path / "config.toml").write_text(config)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environment.update(
        DATABASE_URL=database_url,
        KLAXON_CONFIG=str(tmp_path / "config.toml"),
        PYTHONPATH=str(ROOT),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def slack_env(emulator, **overrides):
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": emulator.api_url,
        **overrides,
    }


ROLES = BASE_CONFIG + '\n[roles]\nops_admin = ["UBOB", "@oncall"]\n'


def test_check_passes_against_a_healthy_slack(db, database_url, emulator, tmp_path):
    emulator.add_usergroup("oncall", {"UCAROL"})
    result = klaxon(
        "check", database_url=database_url, tmp_path=tmp_path, config=ROLES, **slack_env(emulator)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok   bot token",
        "ok   app token",
        "ok   database",
        "ok   incidents channel #incidents",
        "ok   user group @oncall",
    ]


@pytest.mark.parametrize(
    "broken, failing",
    [
        ({"SLACK_BOT_TOKEN": "xoxb-wrong"}, "FAIL bot token: auth.test failed: invalid_auth"),
        (
            {"SLACK_APP_TOKEN": "xapp-wrong"},
            "FAIL app token: apps.connections.open failed: invalid_auth",
        ),
    ],
)
def test_check_names_a_bad_token(db, database_url, emulator, tmp_path, broken, failing):
    emulator.add_usergroup("oncall", {"UCAROL"})
    result = klaxon(
        "check",
        database_url=database_url,
        tmp_path=tmp_path,
        config=ROLES,
        **slack_env(emulator, **broken),
    )
    assert result.returncode == 1
    assert failing in result.stdout
    assert "xoxb-wrong" not in result.stdout + result.stderr


def test_check_finds_an_unmigrated_database(emulator, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = klaxon("check", database_url=url, tmp_path=tmp_path, **slack_env(emulator))
    assert result.returncode == 1
    assert "FAIL database: " in result.stdout and "run `klaxon migrate`" in result.stdout


def test_check_finds_channel_and_group_problems(db, database_url, emulator, tmp_path):
    config = ROLES.replace('incidents_channel = "incidents"', 'incidents_channel = "nope"')
    result = klaxon(
        "check", database_url=database_url, tmp_path=tmp_path, config=config, **slack_env(emulator)
    )
    assert result.returncode == 1
    assert "FAIL incidents channel #nope: not found" in result.stdout
    assert "FAIL user group @oncall: not found in Slack" in result.stdout
    emulator.add_channel("CPRIV", "secret-incidents", is_private=True)
    config = ROLES.replace('"incidents"', '"secret-incidents"')
    emulator.add_usergroup("oncall", {"UCAROL"})
    result = klaxon(
        "check", database_url=database_url, tmp_path=tmp_path, config=config, **slack_env(emulator)
    )
    # Slack lists a private channel only to its members: Klaxon cannot tell it from none.
    assert "FAIL incidents channel #secret-incidents: not found" in result.stdout
    assert "/invite @Klaxon" in result.stdout


def seed(now=None):
    now = now or utcnow()
    old = now - timedelta(days=100)
    made = {}
    for name, status, resolved in (
        ("old resolved", "resolved", old),
        ("recent resolved", "resolved", now - timedelta(days=5)),
        ("old open", "open", None),
    ):
        incident, _ = declarations.declare(
            declarations.NewIncident(title=name, severity="SEV3", reporter_id="UALICE"), now=old
        )
        incidents.update_fields(
            incident,
            status=status,
            resolved_at=resolved,
            channel_name=f"inc-{name.replace(' ', '-')}",
        )
        FollowUp.create(incident=incident, text="x", created_by="UALICE")
        made[name] = incident
    return made


def test_incidents_list_and_show(db, database_url, tmp_path):
    seed()
    table = klaxon("incidents", "list", database_url=database_url, tmp_path=tmp_path)
    assert table.returncode == 0
    assert [line.split()[0] for line in table.stdout.splitlines()] == ["INC-3", "INC-2", "INC-1"]
    only_open = klaxon(
        "incidents", "list", "--open", "--json", database_url=database_url, tmp_path=tmp_path
    )
    [row] = json.loads(only_open.stdout)
    assert (row["ref"], row["status"], row["title"]) == ("INC-3", "open", "old open")
    shown = klaxon("incidents", "show", "INC-1", database_url=database_url, tmp_path=tmp_path)
    assert shown.returncode == 0 and "title:            old resolved" in shown.stdout
    assert "declared       Declared SEV3: old resolved" in shown.stdout
    missing = klaxon("incidents", "show", "INC-9", database_url=database_url, tmp_path=tmp_path)
    # The same words for a missing and a private incident: existence is not confirmed.
    assert missing.returncode == 1 and missing.stderr.strip() == (
        "no incident INC-9 (private incidents need --include-private)"
    )


def test_purge(db, database_url, tmp_path):
    made = seed()
    refused = klaxon("purge", "--older-than", "90d", database_url=database_url, tmp_path=tmp_path)
    assert refused.returncode == 2 and "needs --yes" in refused.stderr
    dry = klaxon(
        "purge", "--older-than", "90d", "--dry-run", database_url=database_url, tmp_path=tmp_path
    )
    assert dry.returncode == 0 and dry.stdout.startswith("would remove 1 resolved incident(s)")
    assert dry.stdout.rstrip().endswith(": INC-1")
    assert Incident.select().count() == 3
    done = klaxon(
        "purge", "--older-than", "90d", "--yes", database_url=database_url, tmp_path=tmp_path
    )
    assert done.returncode == 0 and done.stdout.startswith("removed 1 resolved incident(s)")
    remaining = sorted(i.title for i in Incident.select())
    assert remaining == ["old open", "recent resolved"], "open incidents are never touched"
    assert (
        not TimelineEvent.select().where(TimelineEvent.incident == made["old resolved"].id).exists()
    )
    assert FollowUp.select().count() == 2
    [record] = audit.events("incidents_purged")
    detail = json.loads(record.detail)
    assert detail["refs"] == ["INC-1"] and detail["incidents"] == 1
    assert record.actor_id.startswith("cli:")
    bad = klaxon(
        "purge", "--older-than", "soon", "--dry-run", database_url=database_url, tmp_path=tmp_path
    )
    assert bad.returncode == 2 and "--older-than" in bad.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["migrate"],
        ["check"],
        ["roles", "grant"],
        ["roles", "list"],
        ["incidents", "list"],
        ["incidents", "show"],
        ["report"],
        ["purge"],
    ],
)
def test_every_subcommand_has_help(tmp_path, command):
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *command, "--help"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "usage: klaxon" in result.stdout
