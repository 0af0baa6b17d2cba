"""The declaration's statements are prepared once per PostgreSQL connection, and a prepared
statement outlives a transaction that rolled back (PREPARE is not undone by ROLLBACK)."""

from __future__ import annotations

import pytest

from store import audit, declarations, incidents
from store.db import is_postgresql, write_transaction
from store.models import Incident


def declare(title: str) -> Incident:
    with write_transaction():
        incident, created = declarations.declare(
            declarations.NewIncident(title=title, severity="SEV2", reporter_id="U1"),
            audited=lambda incident: audit.entry("incident_declared", actor_id="U1"),
        )
    assert created
    return incident


def prepared_statements(database) -> list[str]:
    rows = database.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()
    return sorted(statement for (statement,) in rows)


def test_a_declaration_prepares_its_statements_once_per_connection(db):
    declare("Checkout is down")
    if not is_postgresql(db):  # sqlite3 keeps its own statement cache
        assert db.connection().__class__.__module__ == "sqlite3"
        return
    # One statement: the ref counter's increment, the incident with its timeline event and
    # its audit line.
    [prepared] = prepared_statements(db)
    assert 'UPDATE "counter"' in prepared and 'INSERT INTO "incident"' in prepared
    declare("Payments slow")
    assert prepared_statements(db) == [prepared]
    assert [i.ref for i in Incident.select().order_by(Incident.ref)] == [1, 2]


def test_a_statement_prepared_in_a_transaction_that_rolled_back_is_still_there(db):
    with pytest.raises(RuntimeError), db.atomic():
        declarations.declare(
            declarations.NewIncident(title="Lost", severity="SEV1", reporter_id="U1")
        )
        raise RuntimeError("the unit of work failed after its statements were prepared")
    incident = declare("Checkout is down")
    assert (incident.ref, incidents.get(incident.id).title) == (1, "Checkout is down")
