"""The evaluation's view of a case: one flat fact record per case (事实记录).

Every indicator is a count of cases whose facts satisfy a predicate, so this record holds
exactly what the indicators need: the times each step happened, the deadline of each step,
the actor of each step, and a few counters. It is built from a case row in one adapter
(``urbangrid.evaluation.adapter``) and stored as one row of ``eval_case_facts``; nothing
else in the evaluation package looks at the case model.

All times are aware UTC datetimes. ``None`` means "did not happen" (or "no deadline").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    """Case source channel (案件来源)."""

    INSPECTOR = "inspector"  # 监督员上报
    HOTLINE = "hotline"  # 12345 热线
    OPEN311 = "open311"  # Open311 app (公众上报)
    WEB = "web"  # web form and Open311 as the case model names it (网络上报)
    VIDEO = "video"  # 视频 / 传感器
    LEADER = "leader"  # 领导交办
    OTHER = "other"


# Channels on which a citizen reported, who is owed a reply (公众举报).
PUBLIC_SOURCES: frozenset[str] = frozenset(
    {Source.HOTLINE.value, Source.OPEN311.value, Source.WEB.value}
)


class ClosingType(StrEnum):
    """结案类型."""

    NORMAL = "normal"  # 正常结案
    OVERDUE = "overdue"  # 超时结案
    ERROR = "error"  # 差错结案
    SPECIAL = "special"  # 特殊结案
    FORCED = "forced"  # 强制结案
    SELF = "self"  # 自处理结案


@dataclass(frozen=True, slots=True)
class CaseFacts:
    case_id: int
    source: str
    reported_at: datetime
    category_code: str | None = None
    # The category row (统计分析 groups by it: a 5-digit code repeats between the two kinds).
    category_id: int | None = None
    # 15-digit unit grid code; street and community codes are its 9- and 12-digit prefixes.
    grid_code: str | None = None
    # Department that holds (or last held) the handling task.
    department_id: int | None = None

    # Actors (user ids) of each step.
    reporter_id: int | None = None  # inspector who reported (source = inspector)
    intake_operator_id: int | None = None  # 受理员 who accepted the report
    verifier_id: int | None = None  # inspector sent to verify (核实)
    filer_id: int | None = None  # 值班长 who filed (立案)
    dispatcher_id: int | None = None  # 派遣员 of the (last) dispatch
    check_sender_id: int | None = None  # 受理员 who sent the check task (发核查)
    checker_id: int | None = None  # inspector who checked (核查)
    closer_id: int | None = None  # 值班长 who closed (结案)
    # Inspector patrolling the case's grid at report time; a public report there is his 漏报.
    patrol_inspector_id: int | None = None

    # Steps and their deadlines.
    accepted_at: datetime | None = None  # 受理
    verify_send_deadline: datetime | None = None  # set when the case needs 核实
    verify_sent_at: datetime | None = None
    verify_deadline: datetime | None = None
    verified_at: datetime | None = None
    file_deadline: datetime | None = None
    filed_at: datetime | None = None  # 立案
    voided_at: datetime | None = None  # 作废 (of a filed case)
    dispatch_deadline: datetime | None = None
    dispatched_at: datetime | None = None  # first dispatch (派遣)
    handle_deadline: datetime | None = None  # 处置时限, after approved extensions
    handled_at: datetime | None = None  # department's (last) feedback (处置反馈)
    check_send_deadline: datetime | None = None
    check_sent_at: datetime | None = None
    check_deadline: datetime | None = None
    checked_at: datetime | None = None  # last passed 核查
    close_deadline: datetime | None = None
    closed_at: datetime | None = None  # 结案
    closing_type: str | None = None

    # Counters over the case's life.
    returns: int = 0  # 回退 by the department (推诿)
    reworks: int = 0  # 返工: failed checks sent back to the same department
    extensions: int = 0  # approved 延期
    suspensions: int = 0  # approved 挂账
    wrong_dispatches: int = 0  # re-dispatches to another department (错误派遣)
    self_handled: bool = False  # 自处理 by the reporting inspector

    # Citizen side (hotline / Open311).
    replied_at: datetime | None = None  # first reply to the citizen (答复)
    reply_deadline: datetime | None = None
    rating: int | None = None  # citizen rating 1..5 (回访满意度)

    @property
    def district_code(self) -> str | None:
        """The district (区县) the case lies in: the grid code's first six digits, which are
        its platform's GB/T 2260 code (区级评价 ranks a city's districts by it)."""
        return self.grid_code[:6] if self.grid_code and len(self.grid_code) >= 6 else None

    @property
    def street_code(self) -> str | None:
        return self.grid_code[:9] if self.grid_code and len(self.grid_code) >= 9 else None

    @property
    def community_code(self) -> str | None:
        return self.grid_code[:12] if self.grid_code and len(self.grid_code) >= 12 else None

    @property
    def is_public(self) -> bool:
        return self.source in PUBLIC_SOURCES

    @property
    def handle_minutes(self) -> int | None:
        """Minutes from first dispatch to the department's feedback (处置时长)."""
        if self.dispatched_at is None or self.handled_at is None:
            return None
        return int((self.handled_at - self.dispatched_at).total_seconds() // 60)


# Fields that are stored as columns (the derived properties are stored too, so that SQL
# never has to do date arithmetic, which differs between SQLite and PostgreSQL).
STORED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(CaseFacts))
DERIVED_FIELDS: tuple[str, ...] = (
    "district_code",
    "street_code",
    "community_code",
    "handle_minutes",
)
TIME_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(CaseFacts) if "datetime" in str(f.type) and f.name != "case_id"
)


def fact_value(facts: CaseFacts, name: str) -> object:
    return getattr(facts, name)
