"""The base class of every table (each names its table in its own Meta.table_name)."""

from __future__ import annotations

import peewee


class BaseModel(peewee.Model):
    class Meta:
        legacy_table_names = False
