"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from urbangrid.kit.errors import InvalidInput

# BIGINT primary keys on PostgreSQL, INTEGER (rowid alias, autoincrement) on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases.

    SQLite has no time zone type, so values are stored as naive UTC and made aware again on
    the way out. Naive input is rejected: every time in the domain carries its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime(timezone=False))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# The calendar the platform works in. Dates outside it are input errors, not data: a year-1
# or year-9999 day cannot be shifted by a time zone (OverflowError), and no case of this
# platform's life lies there.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def in_calendar(value: Any, field: str = "date") -> Any:
    """``value`` (a date or datetime) when its year lies in FIRST_YEAR … LAST_YEAR; else
    ``InvalidInput`` naming ``field``."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            f"{field}: the year must lie between {FIRST_YEAR} and {LAST_YEAR}", field=field
        )
    return value


def _calendar(value: Any) -> Any:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    return value


# Pydantic / FastAPI field types for dates and times from outside (422 outside the calendar).
CalendarDate = Annotated[date, AfterValidator(_calendar)]
CalendarDateTime = Annotated[datetime, AfterValidator(_calendar)]
