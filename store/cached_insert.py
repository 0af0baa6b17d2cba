"""INSERT statements whose SQL text is built once per column set, then reused.

Peewee builds a query's SQL anew on every execution, walking a node per column and value:
about 1 ms of Python for the incident's ~45 columns, on the critical path of every
declaration (its transaction commits before the modal submission is acknowledged). The rows
written there differ in their values only, so the text is cached by table, columns and
database kind, and each value is converted by its field's `db_value`, as Peewee does. On
PostgreSQL the text is also prepared on the server once per connection (store/prepared.py).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import peewee

from store import prepared


def insert(
    model: type[peewee.Model],
    row: Mapping[str, object],
    *,
    tail: str = "",
    expressions: Mapping[str, str] | None = None,
):
    """Insert `row` (field name: value) into `model`'s table; returns the cursor.

    `tail` follows the VALUES list (ON CONFLICT, RETURNING). `expressions` writes a
    column as an SQL expression of its value instead of the value itself, the value standing
    for each `{value}` in it.
    """
    database = model._meta.database
    columns = tuple(row)
    written = tuple(sorted((expressions or {}).items()))
    sql, uses = _statement(model, columns, written, tail, database.param)
    fields = model._meta.fields
    params = []
    for name, times in zip(columns, uses, strict=True):
        params += [fields[name].db_value(row[name])] * times
    return prepared.execute(database, sql, params)


@functools.lru_cache(maxsize=64)
def _statement(
    model: type[peewee.Model],
    columns: tuple[str, ...],
    expressions: tuple[tuple[str, str], ...],
    tail: str,
    param: str,
) -> tuple[str, tuple[int, ...]]:
    """The INSERT's text, and how many parameters each column's value fills."""
    fields, written = model._meta.fields, dict(expressions)
    values = [written.get(name, "{value}").format(value=param) for name in columns]
    sql = 'INSERT INTO "{}" ({}) VALUES ({}) {}'.format(
        model._meta.table_name,
        ", ".join(f'"{fields[name].column_name}"' for name in columns),
        ", ".join(values),
        tail,
    )
    return sql.rstrip(), tuple(written.get(name, "{value}").count("{value}") for name in columns)
