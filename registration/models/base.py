"""Declarative base with a constraint naming convention, a UTC timestamp type, enum
columns that store the enum's values, and a ``repr`` that never shows identity data."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import ClassVar

from sqlalchemy import DateTime, Enum, MetaData, inspect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def enum_type(kind: type[enum.Enum], name: str, *, length: int | None = None) -> Enum:
    """A column type for ``kind`` that stores the members' values (lower-case, what the API
    speaks): a named type on PostgreSQL, VARCHAR on SQLite (``length``: keep a column's
    existing width). Unknown strings are refused before they reach the database."""
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members],
                validate_strings=True, length=length)


def sql_values(kind: type[enum.Enum]) -> str:
    """``'a', 'b'``: an enum's values for ``column IN (...)`` in a CHECK constraint."""
    return ", ".join(f"'{member.value}'" for member in kind)


def join_codes(codes: Iterable[str]) -> str:
    """Codes kept in one text column, comma-separated ("" for none)."""
    return ",".join(str(code) for code in codes)


def split_codes(text: str | None) -> list[str]:
    """The codes of a column written by :func:`join_codes`."""
    return [code for code in (text or "").split(",") if code]


def _shown(value) -> str:
    return repr(value.value if isinstance(value, enum.Enum) else value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    # Attributes ``repr`` shows besides the primary key: codes, states and counts only,
    # never a name, document, phone, email or anything derived from them.
    _repr_attrs: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        # Loaded values only: a repr must not query (nor fail on a detached object).
        state = inspect(self)
        keys = [state.mapper.get_property_by_column(column).key
                for column in state.mapper.primary_key]
        values = dict(zip(keys, state.identity or ()))  # known even when expired
        values.update((key, state.dict[key]) for key in [*keys, *self._repr_attrs]
                      if key in state.dict)
        shown = "".join(f" {key}={_shown(value)}" for key, value in values.items())
        return f"<{type(self).__name__}{shown}>"
