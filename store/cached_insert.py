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

Expressions = Mapping[str, str]


def insert_with(
    model: type[peewee.Model],
    row: Mapping[str, object],
    dependents: Sequence[tuple[type[peewee.Model], Mapping[str, object], Expressions]],
    *,
    tail: str,
    expressions: Expressions | None = None,
    before: tuple[str, str, Sequence[object]] | None = None,
    after: tuple[str, Sequence[object]] | None = None,
    alone: bool = False,
) -> list[tuple]:
    """Insert `row` as `insert` does and, only if it was inserted, each dependent row (its
    timeline event, its audit line); returns what the first INSERT's RETURNING returned.

    On PostgreSQL that is one statement (the dependents' INSERTs select from the first's
    RETURNING, in data-modifying WITH queries): one round trip where there would be one per
    row. A dependent's `expressions` may read that RETURNING as `"inserted"."<column>"`.
    `before` (PostgreSQL only) is a query run first in the same statement, as (its name,
    its SQL, its parameters), whose result the first INSERT's `expressions` may read by
    that name: the ref counter, which would be a round trip of its own. `after`
    (PostgreSQL only), as (its SQL, its parameters), runs last and may read `"inserted"`:
    the counter moved to the ref taken, only if the row was inserted. With `alone`, the
    statement commits on its own when it is its transaction's first (store/db.py
    `next_statement_alone`). SQLite has no such queries, and no round trips to save: the
    rows go one by one, in the caller's transaction.
    """
    database = model._meta.database
    if not is_postgresql(database):
        if before is not None or after is not None:
            raise ValueError("a query before or after the INSERT needs PostgreSQL's WITH")
        inserted = insert(model, row, tail=tail, expressions=expressions).fetchall()
        if inserted:
            for dependent, dependent_row, dependent_expressions in dependents:
                insert(dependent, dependent_row, expressions=dependent_expressions)
        return inserted
    sql, params = _insert(model, row, tail, expressions)
    shapes = []
    for dependent, dependent_row, dependent_expressions in dependents:
        written = tuple(sorted(dependent_expressions.items()))
        uses = _uses(dependent_row, written)
        shapes.append((dependent, tuple(dependent_row), written))
        params += _params(dependent, dependent_row, uses)
    first = last = None
    if before is not None:
        name, query, before_params = before
        first, params = (name, query), [*before_params, *params]
    if after is not None:
        last, after_params = after
        params += after_params
    statement = _with_dependents(sql, tuple(shapes), first, last, database.param)
    return prepared.execute(database, statement, params, alone=alone).fetchall()


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
    first: str,
    dependents: tuple[tuple[type[peewee.Model], tuple[str, ...], tuple[tuple[str, str], ...]], ...],
    before: tuple[str, str] | None,
    after: str | None,
    param: str,
) -> str:
    """`first` (an INSERT … RETURNING) with INSERTs that select from what it returned, the
    query `before` it and the one `after` them."""
    queries = [f"{before[0]} AS ({before[1]})"] if before else []
    queries.append(f'"inserted" AS ({first})')
    for number, (model, columns, expressions) in enumerate(dependents, 1):
        fields = model._meta.fields
        queries.append(
            '"dependent_{}" AS (INSERT INTO "{}" ({}) SELECT {} FROM "inserted")'.format(
                number,
                model._meta.table_name,
                ", ".join(f'"{fields[name].column_name}"' for name in columns),
                ", ".join(_values(columns, expressions, param)),
            )
        )
    if after:
        queries.append(f'"after" AS ({after})')
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
    fields = model._meta.fields
    sql = 'INSERT INTO "{}" ({}) VALUES ({}) {}'.format(
        model._meta.table_name,
        ", ".join(f'"{fields[name].column_name}"' for name in columns),
        ", ".join(_values(columns, expressions, param)),
        tail,
    )
    return sql.rstrip(), _uses(columns, expressions)


def _values(columns, expressions: tuple[tuple[str, str], ...], param: str) -> list[str]:
    """Each column's value in SQL: a parameter, or its expression of the parameter."""
    written = dict(expressions)
    return [written.get(name, "{value}").format(value=param) for name in columns]


def _uses(columns, expressions: tuple[tuple[str, str], ...]) -> tuple[int, ...]:
    """How many parameters each column's value fills (none for an expression without
    `{value}`, such as one that reads another query's result)."""
    written = dict(expressions)
    return tuple(written.get(name, "{value}").count("{value}") for name in columns)
