"""The evaluation's fact table: one row per case, the stored form of ``facts.CaseFacts``.

Indicators are aggregated over this table in SQL (``evaluation.sql``); it is filled from
the case tables by ``evaluation.adapter`` (the one place that knows the case model) and,
for benchmarks, directly by the simulator's bulk generator. It has no foreign key to
``cases`` on purpose: the evaluation reads a copy, so a benchmark can fill it alone and a
case-model change only touches the adapter. Derived columns (street / community code,
handling minutes) are stored so the SQL never needs date arithmetic, which differs
between SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import UTCDateTime, utcnow

ActorId = BigInteger


# One covering index per anchor of the counts (the time a count's period is taken from):
# the anchor first, so a month is one contiguous range, then every column a count of that
# anchor reads, so the database answers from the index alone (an index-only scan on
# PostgreSQL, a covering index on SQLite) instead of fetching 50-column rows one by one.
# A test checks that the lists cover what ``evaluation.sql`` reads; migration
# 0010_evaluation_covering creates them.
COVERING_INDEXES: dict[str, tuple[str, ...]] = {
    "dispatched_at": (
        "department_id", "dispatcher_id", "dispatch_deadline", "handle_deadline", "handled_at",
        "handle_minutes", "closed_at", "returns", "reworks", "extensions", "suspensions",
        "wrong_dispatches",
    ),
    "filed_at": (
        "grid_code", "community_code", "street_code", "source", "voided_at", "handle_deadline",
        "handled_at", "handle_minutes", "closed_at", "file_deadline", "filer_id",
        "patrol_inspector_id", "returns", "reworks", "extensions", "suspensions",
        "district_code", "jurisdiction_id",
    ),
    "reported_at": (
        "grid_code", "community_code", "street_code", "department_id", "source", "replied_at",
        "reply_deadline", "rating", "closed_at", "filed_at", "reporter_id", "self_handled",
        "district_code", "jurisdiction_id",
    ),
    "accepted_at": ("intake_operator_id", "verify_send_deadline", "verify_sent_at"),
    "verify_sent_at": ("verifier_id", "verify_deadline", "verified_at"),
    "handled_at": ("check_sender_id", "check_send_deadline", "check_sent_at"),
    "check_sent_at": ("checker_id", "check_deadline", "checked_at"),
    "closed_at": ("closer_id", "close_deadline"),
}  # fmt: skip


def covering_index_name(anchor: str) -> str:
    return f"ix_eval_facts_by_{anchor}"


# On PostgreSQL, one more index per area anchor for the grid evaluation of a whole month:
# the local month, then the grid code, then the anchor, so that a month's rows come out
# grouped by grid and PostgreSQL aggregates them as they stream (GroupAggregate) instead of
# holding 160,000 grids' counters in a hash table far larger than the CPU's caches. The
# INCLUDE columns are what the grid counts read, NOT NULL fixed-width ones first.
# Migration 0011_evaluation_grid_month creates them (PostgreSQL only: the month expression
# is PostgreSQL's); ``evaluation.sql`` asks for them when the period is one local month.
GRID_MONTH_INDEXES: dict[str, tuple[str, ...]] = {
    "filed_at": (
        "returns", "reworks", "extensions", "suspensions", "voided_at", "handle_deadline",
        "handled_at", "handle_minutes", "closed_at", "source",
    ),
    "reported_at": ("rating", "replied_at", "reply_deadline", "closed_at", "source"),
}  # fmt: skip
MONTH_TIME_ZONE = "Asia/Shanghai"  # the evaluation's time zone (engine.DEFAULT_TZ)


def grid_month_index_name(anchor: str) -> str:
    return f"ix_eval_facts_grid_month_by_{anchor}"


def local_month_sql(column: str) -> str:
    """The first instant of ``column``'s month in local time, as PostgreSQL writes it."""
    return f"date_trunc('month', timezone('{MONTH_TIME_ZONE}', {column}))"


def grid_month_index_ddl(anchor: str) -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS {grid_month_index_name(anchor)} ON eval_case_facts "
        f"({local_month_sql(anchor)}, grid_code, {anchor}) "
        f"INCLUDE ({', '.join(GRID_MONTH_INDEXES[anchor])})"
    )


class EvalCaseFact(Base):
    __tablename__ = "eval_case_facts"
    __table_args__ = tuple(
        Index(covering_index_name(anchor), anchor, *columns)
        for anchor, columns in COVERING_INDEXES.items()
    )

    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    jurisdiction_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    category_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    grid_code: Mapped[str | None] = mapped_column(String(15), nullable=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    street_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    department_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    reporter_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    intake_operator_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    verifier_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    filer_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    dispatcher_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    check_sender_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    checker_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    closer_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)
    patrol_inspector_id: Mapped[int | None] = mapped_column(ActorId, nullable=True)

    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verify_send_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verify_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verify_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    file_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispatch_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handle_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    check_send_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    check_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    check_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    close_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closing_type: Mapped[str | None] = mapped_column(String(16), nullable=True)

    returns: Mapped[int] = mapped_column(Integer, default=0)
    reworks: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    suspensions: Mapped[int] = mapped_column(Integer, default=0)
    wrong_dispatches: Mapped[int] = mapped_column(Integer, default=0)
    self_handled: Mapped[bool] = mapped_column(Boolean, default=False)

    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reply_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rating: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    handle_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)

    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # ``cases.version`` the row was built from (None for rows not made from a case row).
    source_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
