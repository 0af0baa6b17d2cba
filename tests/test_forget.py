"""Where personal data lives (store/personal_data.py, docs/data.md) and `klaxon forget`
removing or anonymising one person's data on both databases."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import peewee

from store import audit, declarations, incidents, ratelimit, roles
from store.forget import REDACTED
from store.models import (
    MODELS,
    AuditEvent,
    FollowUp,
    Incident,
    RateAttempt,
    RoleGrant,
    TimelineEvent,
)
from store.personal_data import NOT_PERSONAL, REGISTRY
from tests.daemon import BASE_CONFIG
from tests.test_cli_operations import klaxon

ROOT = Path(__file__).resolve().parent.parent
ADA, ADA_EMAIL = "UADA", "ada@example.com"


def test_every_text_column_is_either_personal_or_said_not_to_be():
    listed = {(t.table, c.name) for t in REGISTRY for c in t.columns}
    for model in MODELS:
        table = model._meta.table_name
        for name, column in model._meta.fields.items():
            if not isinstance(column, peewee.CharField | peewee.TextField | peewee.UUIDField):
                continue
            assert ((table, name) in listed) != (name in NOT_PERSONAL.get(table, ())), (
                f"{table}.{name}: list it in store/personal_data.py, in REGISTRY or NOT_PERSONAL"
            )
    for table in REGISTRY:
        for column in table.columns:
            column.field(table.model)  # every listed column exists
            if column.author:
                assert column.author in table.model._meta.fields


def test_docs_data_md_lists_every_personal_column():
    text = (ROOT / "docs" / "data.md").read_text()
    for table in REGISTRY:
        assert f"### `{table.table}`" in text
        for column in table.columns:
            assert f"| `{table.table}.{column.name}` |" in text, f"{table.table}.{column.name}"
    documented = set(re.findall(r"^\| `(\w+\.\w+)` \|", text, flags=re.MULTILINE))
    assert documented == {f"{t.table}.{c.name}" for t in REGISTRY for c in t.columns}


def seed():
    """Ada in every place a person can be, and Bob beside her."""
    incident, _ = declarations.declare(
        declarations.NewIncident(
            title=f"Checkout down, seen by <@{ADA}>",
            severity="SEV2",
            reporter_id=ADA,
            lead_id=ADA,
            description=f"mail {ADA_EMAIL.upper()} for the logs",
        )
    )
    incidents.acknowledge(incident, user_id=ADA, email=ADA_EMAIL)
    incidents.add_event(incident, "note", "I restarted the pods", actor_id=ADA)
    incidents.add_event(incident, "note", f"thanks <@{ADA}>", actor_id="UBOB")
    FollowUp.create(incident=incident, text="add an alert", owner_id=ADA, created_by="UBOB")
    FollowUp.create(incident=incident, text="bob's item", owner_id="UBOB", created_by="UBOB")
    roles.grant("ops_admin", ADA_EMAIL, granted_by="cli:root")
    roles.grant("ops_admin", "UBOB", granted_by=ADA)
    ratelimit.attempt("ack", ADA_EMAIL, limit=10, window=timedelta(days=1))
    audit.record("ops_admin_access_denied", actor_id=ADA, incident=incident, target="INC-1")
    audit.record("role_granted", actor_id="cli:root", role="ops_admin", holder=ADA_EMAIL)
    audit.record("incident_acknowledged", actor_id="UBOB", incident=incident)
    return incident


def snapshot() -> str:
    rows = []
    for model in (Incident, TimelineEvent, FollowUp, AuditEvent, RoleGrant, RateAttempt):
        rows.extend(str(row) for row in model.select().dicts())
    return "\n".join(rows)


def test_forget_shows_first_then_removes_or_anonymises(db, database_url, tmp_path):
    incident = seed()
    before = snapshot()
    config = BASE_CONFIG + f'\n[roles]\nops_admin = ["{ADA}", "UBOB"]\n'
    dry = klaxon(
        "forget", "--user", ADA, "--user", "Ada@Example.com",
        database_url=database_url, tmp_path=tmp_path, config=config,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "would change      1 incident.reporter_id" in dry.stdout
    assert "would change      1 role_grant.holder" in dry.stdout
    assert "nothing was changed: run again with --yes" in dry.stdout
    assert snapshot() == before, "without --yes nothing changes"
    assert not audit.events("person_forgotten")

    done = klaxon(
        "forget", "--user", ADA, "--user", "Ada@Example.com", "--yes",
        database_url=database_url, tmp_path=tmp_path, config=config,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"still named in [roles].ops_admin of the config file: remove {ADA}" in done.stderr
    [record] = audit.events("person_forgotten")
    detail = json.loads(record.detail)
    pseudonym = detail["pseudonym"]
    assert re.fullmatch(r"forgotten-[0-9a-f]{8}", pseudonym)
    assert f"the audit trail now calls this person {pseudonym}" in done.stdout
    assert detail["changed"]["incident.reporter_id"] == 1
    assert ADA not in record.detail and ADA_EMAIL not in record.detail.lower()

    after = snapshot()
    assert ADA not in after and ADA_EMAIL not in after.lower(), "nothing names Ada any more"
    fresh = Incident.get_by_id(incident.id)
    assert (fresh.reporter_id, fresh.acknowledged_by_id) == (pseudonym, pseudonym)
    assert (fresh.lead_id, fresh.acknowledged_by_email) == (None, None)
    assert fresh.title == f"Checkout down, seen by <@{pseudonym}>"
    assert fresh.description == f"mail {pseudonym} for the logs"
    notes = {e.actor_id: e.text for e in TimelineEvent.select().where(TimelineEvent.kind == "note")}
    assert notes == {pseudonym: REDACTED, "UBOB": f"thanks <@{pseudonym}>"}
    owners = {f.text: f.owner_id for f in FollowUp.select()}
    assert owners == {"add an alert": None, "bob's item": "UBOB"}
    assert [(g.holder, g.granted_by) for g in RoleGrant.select()] == [("UBOB", pseudonym)]
    assert RateAttempt.select().count() == 0
    denied = audit.events("ops_admin_access_denied")[0]
    assert denied.actor_id == pseudonym and denied.incident_ref == incident.ref, "kept, unnamed"
    granted = audit.events("role_granted")[0]
    assert json.loads(granted.detail)["holder"] == pseudonym
    assert audit.events("incident_acknowledged")[0].actor_id == "UBOB"

    again = klaxon("forget", "--user", ADA, database_url=database_url, tmp_path=tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == "nothing stored names this person"


def test_forget_refuses_what_is_not_a_person(db, database_url, tmp_path):
    for who in ("@oncall", "Ada Lovelace", "#incidents"):
        result = klaxon("forget", "--user", who, database_url=database_url, tmp_path=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("forget: --user: expected a Slack user id (U…) or an")
    missing = klaxon("forget", database_url=database_url, tmp_path=tmp_path)
    assert missing.returncode == 2 and "--user" in missing.stderr
