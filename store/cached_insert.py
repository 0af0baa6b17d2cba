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
from collections.abc import Mapping, Sequence

import peewee

from store import prepared
from store.db import is_postgresql


def insert_with(
    model: type[peewee.Model],
    row: Mapping[str, object],
    dependents: Sequence[tuple[type[peewee.Model], Mapping[str, object]]],
    *,
    tail: str,
    expressions: Mapping[str, str] | None = None,
) -> list[tuple]:
    """Insert `row` as `insert` does and, only if it was inserted, each dependent row (its
    timeline event, its audit line); returns what the first INSERT's RETURNING returned.

    On PostgreSQL that is one statement (the dependents' INSERTs select from the first's
    RETURNING, in data-modifying WITH queries): one round trip where there would be one per
    row. SQLite has no such queries, and no round trips to save: the rows go one by one.
    """
    database = model._meta.database
    if not is_postgresql(database):
        inserted = insert(model, row, tail=tail, expressions=expressions).fetchall()
        if inserted:
            for dependent, dependent_row in dependents:
                insert(dependent, dependent_row)
        return inserted
    sql, params = _insert(model, row, tail, expressions)
    shapes = tuple((dependent, tuple(dependent_row)) for dependent, dependent_row in dependents)
    for dependent, dependent_row in dependents:
        params += _params(dependent, dependent_row, (1,) * len(dependent_row))
    statement = _with_dependents(sql, shapes, database.param)
    return prepared.execute(database, statement, params).fetchall()


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
    return prepared.execute(model._meta.database, *_insert(model, row, tail, expressions))


def _insert(
    model: type[peewee.Model],
    row: Mapping[str, object],
    tail: str,
    expressions: Mapping[str, str] | None,
) -> tuple[str, list]:
    """The INSERT's text (cached) and its parameters."""
    written = tuple(sorted((expressions or {}).items()))
    sql, uses = _statement(model, tuple(row), written, tail, model._meta.database.param)
    return sql, _params(model, row, uses)


def _params(model: type[peewee.Model], row: Mapping[str, object], uses: tuple[int, ...]) -> list:
    """The row's values as the driver takes them, each as many times as its column uses it."""
    fields = model._meta.fields
    params = []
    for name, times in zip(row, uses, strict=True):
        params += [fields[name].db_value(row[name])] * times
    return params


@functools.lru_cache(maxsize=16)
def _with_dependents(
    first: str, dependents: tuple[tuple[type[peewee.Model], tuple[str, ...]], ...], param: str
) -> str:
    """`first` (an INSERT … RETURNING) with INSERTs that select from what it returned."""
    queries = [f'"inserted" AS ({first})']
    for number, (model, columns) in enumerate(dependents, 1):
        fields = model._meta.fields
        queries.append(
            '"dependent_{}" AS (INSERT INTO "{}" ({}) SELECT {} FROM "inserted")'.format(
                number,
                model._meta.table_name,
                ", ".join(f'"{fields[name].column_name}"' for name in columns),
                ", ".join([param] * len(columns)),
            )
        )
    return f'WITH {", ".join(queries)} SELECT * FROM "inserted"'


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
