"""A time column that is never text: TIMESTAMPTZ on PostgreSQL, epoch microseconds on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import peewee

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIELD_TYPE = "UTC_TIMESTAMP"
DATABASE_TYPES = {"postgresql": "TIMESTAMPTZ", "sqlite": "INTEGER"}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTimeField(peewee.Field):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database."""

    field_type = FIELD_TYPE

    def db_value(self, value: datetime | None):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{self.name}: naive datetime {value!r}; use an aware UTC time")
        if isinstance(self.model._meta.database, peewee.PostgresqlDatabase):
            return value.astimezone(UTC)
        return (value - EPOCH) // timedelta(microseconds=1)

    def python_value(self, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return EPOCH + timedelta(microseconds=int(value))
