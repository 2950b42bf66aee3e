"""Export of a case list (案件查询导出) to xlsx: the rows the list's filters select, in the
list's order, with Chinese headings, local times and no internal ids.

The rows come from the very statement the list pages through (:func:`queries.list_query`
and ``apply_filters``: the visibility policy and the same filters) and are read in batches,
so 100,000 cases never sit in memory as objects; the one xlsx writer (``kit.xlsx``) writes
them row by row (``bench/bench_export.py`` measures it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases.models import Case
from urbangrid.cases.overdue import overdue_kind
from urbangrid.cases.queries import CaseFilters, apply_filters
from urbangrid.cases.workflow import STATUS_LABELS_ZH
from urbangrid.catalog.models import Category
from urbangrid.kit.errors import InvalidInput
from urbangrid.kit.types import utcnow
from urbangrid.kit.xlsx import Column, Sheet
from urbangrid.org.models import Community, Department, Street
from urbangrid.web.queries import list_query, sort_order

# One export holds at most this many cases (a year of a large city; past it, narrow the
# filters): the workbook is built before it is sent, in a spooled file.
EXPORT_LIMIT = 200_000
BATCH = 2_000

SOURCE_LABELS_ZH = {
    "inspector": "监督员上报",
    "hotline": "12345热线",
    "web": "网络上报",
    "video": "视频发现",
    "sensor": "物联感知",
    "leader": "领导交办",
    "media": "媒体曝光",
}
_STATUS_ZH = {status.value: label for status, label in STATUS_LABELS_ZH.items()}
OVERDUE_LABELS_ZH = {"open": "超时未结", "closed_late": "超时结案", "due_soon": "即将超时"}

COLUMNS: tuple[Column, ...] = (
    Column("number", "案件编号", width=18),
    Column("status", "状态", width=10),
    Column("source", "来源", width=12),
    Column("big_class", "大类", width=14),
    Column("category", "小类", width=18),
    Column("description", "问题描述", width=40),
    Column("address", "地址", width=30),
    Column("street", "街道", width=14),
    Column("community", "社区", width=14),
    Column("grid_code", "网格编码", width=18),
    Column("department", "处置部门", width=16),
    Column("reported_at", "上报时间", "datetime", width=17),
    Column("filed_at", "立案时间", "datetime", width=17),
    Column("due_at", "处置时限", "datetime", width=17),
    Column("closed_at", "结案时间", "datetime", width=17),
    Column("overdue", "超时情况", width=10),
    Column("supervised", "督办", width=6),
    Column("returns", "回退次数", "int", width=8),
    Column("reworks", "返工次数", "int", width=8),
)

_SELECTED = (
    Case.number,
    Case.status,
    Case.source,
    Category.big_name,
    Category.local_name,
    Category.name,
    Case.description,
    Case.address,
    Street.name,
    Community.name,
    Case.grid_code,
    Department.name,
    Case.reported_at,
    Case.filed_at,
    Case.due_at,
    Case.warn_at,
    Case.warning_level,
    Case.handled_overdue,
    Case.closed_at,
    Case.supervised,
    Case.returns,
    Case.reworks,
)


def export_statement(
    session: Session,
    principal: Principal,
    queue_name: str,
    filters: CaseFilters,
    sort: str | None,
    now: datetime,
) -> Any:
    """The list's statement with the export's columns (names joined in), in its order."""
    order = sort_order(sort, queue_name)
    q, rest, _history = list_query(session, principal, queue_name, filters)
    rest.now = now
    q = apply_filters(q, rest)
    return (
        q.with_only_columns(*_SELECTED)
        .select_from(Case)
        .outerjoin(Category, Category.id == Case.category_id)
        .outerjoin(Street, Street.id == Case.street_id)
        .outerjoin(Community, Community.id == Case.community_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .order_by(*(k.sql() for k in order))
    )


def _rows(session: Session, statement: Any, now: datetime) -> Iterator[dict[str, Any]]:
    result = session.execute(statement.execution_options(yield_per=BATCH))
    for r in result:
        kind = overdue_kind(r[1], r[14], r[15], r[16], bool(r[17]), now)
        yield {
            "number": r[0],
            "status": _STATUS_ZH.get(r[1], r[1]),
            "source": SOURCE_LABELS_ZH.get(r[2], r[2]),
            "big_class": r[3],
            "category": r[4] or r[5],
            "description": r[6],
            "address": r[7],
            "street": r[8],
            "community": r[9],
            "grid_code": r[10],
            "department": r[11],
            "reported_at": r[12],
            "filed_at": r[13],
            "due_at": r[14],
            "closed_at": r[18],
            "overdue": OVERDUE_LABELS_ZH.get(kind.value) if kind is not None else None,
            "supervised": "是" if r[19] else "否",
            "returns": r[20],
            "reworks": r[21],
        }


def case_sheet(
    session: Session,
    principal: Principal,
    queue_name: str,
    filters: CaseFilters,
    *,
    sort: str | None = None,
    now: datetime | None = None,
    title: str = "案件查询",
) -> Sheet:
    """The list as one sheet; refuses (422 ``export_too_large``) past ``EXPORT_LIMIT``."""
    now = now or filters.now or utcnow()
    statement = export_statement(session, principal, queue_name, filters, sort, now)
    counted = statement.order_by(None).with_only_columns(Case.id).limit(EXPORT_LIMIT + 1)
    count = int(session.scalar(select(func.count()).select_from(counted.subquery())) or 0)
    if count > EXPORT_LIMIT:
        raise InvalidInput(
            f"more than {EXPORT_LIMIT} cases match: narrow the filters",
            code="export_too_large",
            params={"count": f"{EXPORT_LIMIT}+", "limit": EXPORT_LIMIT},
        )
    return Sheet(title=title, columns=COLUMNS, rows=_rows(session, statement, now))
