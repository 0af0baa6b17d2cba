"""Removing or anonymising one person's data, column by column, as store/personal_data.py
says. The audit trail keeps its records (who did what stays accountable) with the person
replaced by a pseudonym made for this run, so their records still read as one person's."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

import peewee

from incident.vocabulary import is_slack_user
from store.db import write_transaction
from store.personal_data import REGISTRY, Forget, Holds, PersonalColumn, PersonalTable
from store.roles import canonical_holder

REDACTED = "(removed: its author asked to be forgotten)"


def new_pseudonym() -> str:
    """Random, so nothing in it leads back to the person."""
    return f"forgotten-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Person:
    """The identities of the one person to forget: Slack user ids and emails."""

    user_ids: tuple[str, ...]
    emails: tuple[str, ...]

    @classmethod
    def of(cls, identities: Iterable[str]) -> Person:
        """Raises ValueError naming an identity that is neither a user id nor an email."""
        user_ids, emails = [], []
        for identity in identities:
            identity = canonical_holder(identity)
            if is_slack_user(identity):
                user_ids.append(identity)
            elif "@" in identity[1:] and not any(ch.isspace() for ch in identity):
                emails.append(identity)
            else:
                raise ValueError(f"expected a Slack user id (U…) or an email, got {identity!r}")
        return cls(tuple(dict.fromkeys(user_ids)), tuple(dict.fromkeys(emails)))

    def identities_for(self, holds: Holds) -> tuple[str, ...]:
        if holds is Holds.SLACK_ID:
            return self.user_ids
        if holds is Holds.EMAIL:
            return self.emails
        return self.user_ids + self.emails


@dataclass
class Changes:
    """Rows changed (or that would be) per "table.column"."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: PersonalTable, column: PersonalColumn, count: int) -> None:
        if count:
            key = f"{table.table}.{column.name}"
            self.counts[key] = self.counts.get(key, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _is(column_field: peewee.Field, identities: tuple[str, ...]):
    """The column names one of the identities (emails compared case-folded)."""
    exact = [i for i in identities if "@" not in i[1:]]
    emails = [i for i in identities if "@" in i[1:]]
    condition = None
    if exact:
        condition = column_field.in_(exact)
    if emails:
        by_email = peewee.fn.LOWER(column_field).in_(emails)
        condition = by_email if condition is None else condition | by_email
    return condition


def _scrubbed(text: str, identities: tuple[str, ...], pseudonym: str) -> str:
    for identity in identities:
        text = re.sub(re.escape(identity), pseudonym, text, flags=re.IGNORECASE)
    return text


def _mentioning(column_field: peewee.Field, identities: tuple[str, ...]):
    condition = None
    for identity in identities:
        # ** is a case-insensitive LIKE; its wildcards in an email only widen the search,
        # the replacement above is exact.
        like = column_field ** f"%{identity}%"
        condition = like if condition is None else condition | like
    return condition


def _scrub(table, column, identities, pseudonym, dry_run, *, skip=None) -> int:
    model, column_field = table.model, column.field(table.model)
    key = model._meta.primary_key
    query = model.select(key, column_field).where(_mentioning(column_field, identities))
    if skip is not None:
        query = query.where(~skip)
    changed = 0
    for row_key, text in query.tuples():
        new = _scrubbed(text or "", identities, pseudonym)
        if new != text:
            changed += 1
            if not dry_run:
                model.update({column_field: new}).where(key == row_key).execute()
    return changed


def _forget_column(table, column, person, pseudonym, dry_run) -> int:
    model = table.model
    identities = person.identities_for(column.holds)
    if not identities:
        return 0
    column_field = column.field(model)
    if column.forget is Forget.SCRUB:
        return _scrub(table, column, identities, pseudonym, dry_run)
    if column.forget is Forget.REDACT_AUTHORED:
        authored = _is(model._meta.fields[column.author], person.user_ids + person.emails)
        redacted = model.select().where(authored & (column_field != REDACTED))
        count = redacted.count()
        if not dry_run and count:
            model.update({column_field: REDACTED}).where(authored).execute()
        return count + _scrub(table, column, identities, pseudonym, dry_run, skip=authored)
    matching = _is(column_field, identities)
    if dry_run:
        return model.select().where(matching).count()
    if column.forget is Forget.DELETE_ROW:
        return model.delete().where(matching).execute()
    value = None if column.forget is Forget.CLEAR else pseudonym
    return model.update({column_field: value}).where(matching).execute()


_ORDER = {Forget.REDACT_AUTHORED: 0, Forget.DELETE_ROW: 2}


def forget(person: Person, pseudonym: str, *, dry_run: bool) -> Changes:
    """Change (or with dry_run, count) every column of REGISTRY that holds the person, in
    one transaction. Authored text is redacted before its author column is pseudonymised
    (which would hide who wrote it), and rows are deleted last."""
    changes = Changes()

    def run() -> None:
        for table in REGISTRY:
            ordered = sorted(table.columns, key=lambda c: _ORDER.get(c.forget, 1))
            for column in ordered:
                changes.add(
                    table, column, _forget_column(table, column, person, pseudonym, dry_run)
                )

    if dry_run:
        run()
    else:
        with write_transaction():
            run()
    return changes
