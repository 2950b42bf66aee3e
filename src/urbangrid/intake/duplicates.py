"""Duplicates: candidates for the operator, merge (合并), and progress notices to every
reporter of a case — merged duplicates' reporters included.

Merging voids the duplicate through the case service (作废 with "重复，合并到 …", which
the workflow gives to the shift lead) and points its reports at the surviving case, so
the next events of that case reach every reporter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import service as cases
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope, get_visible_case, open_condition
from urbangrid.catalog.models import Category
from urbangrid.intake import duplicate_rules as rules_mod
from urbangrid.intake import webhooks
from urbangrid.intake.models import DuplicateLink, OutboxMessage, Report, ReporterNotification
from urbangrid.kit.errors import Conflict, InvalidInput
from urbangrid.kit.types import utcnow

# Case events a reporter hears of (受理, 立案, 派遣, 处置反馈, 结案 ...), not internal steps.
NOTIFY_ACTIONS = {
    wf.Action.ACCEPT_REPORT.value: "已受理",
    wf.Action.FILE.value: "已立案",
    wf.Action.DISPATCH.value: "已派遣到处置部门",
    wf.Action.FEEDBACK.value: "部门已处置，待核查",
    wf.Action.CLOSE.value: "已结案",
    wf.Action.FORCE_CLOSE.value: "已结案",
    wf.Action.APPROVE_SELF_HANDLING.value: "已结案",
    wf.Action.NOT_FILE.value: "不予立案",
    wf.Action.VOID.value: "已作废",
}


def _inexact_case_ids(session: Session, case_ids: list[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(
        session.scalars(
            select(Report.original_case_id).where(
                Report.original_case_id.in_(case_ids), Report.location_exact.is_(False)
            )
        )
    )


def _as_report(case: Case, category: Category | None) -> rules_mod.Report:
    return rules_mod.Report(
        id=case.id,
        kind=category.kind if category else None,
        category_id=case.category_id,
        big_code=category.big_code if category else None,
        lon=case.lon,
        lat=case.lat,
        at=case.reported_at,
        text=case.description or "",
    )


def candidates(
    session: Session,
    principal: Principal | None,
    case_id: int,
    rules: rules_mod.Rules = rules_mod.Rules(),
    *,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Open cases that may be the same problem as ``case_id``, best first."""
    case = get_visible_case(session, principal, case_id)
    if case.id in _inexact_case_ids(session, [case.id]):
        return []  # a stand-in point says nothing about where the problem is
    category = session.get(Category, case.category_id) if case.category_id else None
    return _ranked(
        session, principal, _as_report(case, category), case.jurisdiction_id, rules, limit
    )


def candidates_at(
    session: Session,
    principal: Principal | None,
    *,
    lon: float,
    lat: float,
    text: str,
    category_id: int | None,
    rules: rules_mod.Rules = rules_mod.Rules(),
    limit: int = 5,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """疑似重复 before a case exists: the open cases the caller reads that may report the
    problem being registered at (``lon``, ``lat``) with ``text``, best first."""
    category = session.get(Category, category_id) if category_id else None
    new = rules_mod.Report(
        id=0,
        kind=category.kind if category else None,
        category_id=category.id if category else None,
        big_code=category.big_code if category else None,
        lon=lon,
        lat=lat,
        at=now or utcnow(),
        text=text,
    )
    return _ranked(session, principal, new, None, rules, limit)


def _ranked(
    session: Session,
    principal: Principal | None,
    new: rules_mod.Report,
    jurisdiction_id: int | None,
    rules: rules_mod.Rules,
    limit: int,
) -> list[dict[str, Any]]:
    """The open cases the caller reads near ``new`` (within the rules' radius and window),
    ranked by the duplicate rules."""
    lat_pad = rules.radius_m / 111_000
    lon_pad = rules.radius_m / (111_000 * max(0.01, math.cos(math.radians(new.lat))))
    stmt = select(Case).where(
        case_scope(session, principal).condition(),
        Case.id != new.id,
        open_condition(),
        Case.lat.between(new.lat - lat_pad, new.lat + lat_pad),
        Case.lon.between(new.lon - lon_pad, new.lon + lon_pad),
        Case.reported_at.between(new.at - rules.window, new.at + rules.window),
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Case.jurisdiction_id == jurisdiction_id)
    olds = list(session.scalars(stmt.limit(500)))
    inexact = _inexact_case_ids(session, [c.id for c in olds])
    olds = [c for c in olds if c.id not in inexact]
    cat_ids = {c.category_id for c in olds if c.category_id}
    categories = {
        c.id: c for c in session.scalars(select(Category).where(Category.id.in_(cat_ids)))
    }
    by_id = {c.id: c for c in olds}
    ranked = rules_mod.rank(
        new, (_as_report(c, categories.get(c.category_id or -1)) for c in olds), rules
    )
    return [
        {
            "case_id": c.case_id,
            "number": by_id[c.case_id].number,
            "status": by_id[c.case_id].status,
            "score": c.score,
            "distance_m": c.distance_m,
            "hours_apart": c.hours_apart,
            "text_similarity": c.text_similarity,
            "same_category": c.same_category,
            "description": by_id[c.case_id].description,
        }
        for c in ranked[:limit]
    ]


@dataclass(frozen=True)
class Merged:
    duplicate: Case
    master: Case
    reports_moved: int


def merge(
    session: Session,
    principal: Principal,
    case_id: int,
    master_case_id: int,
    comment: str = "",
    *,
    now: datetime | None = None,
) -> Merged:
    """合并 ``case_id`` into ``master_case_id``; the caller's transaction holds it all."""
    now = now or utcnow()
    if case_id == master_case_id:
        raise InvalidInput("a case cannot be merged into itself", field="master_case_id")
    dup = get_visible_case(session, principal, case_id)
    master = get_visible_case(session, principal, master_case_id)
    if dup.jurisdiction_id != master.jurisdiction_id:
        raise InvalidInput("both cases must be of one jurisdiction", field="master_case_id")
    if master.status in wf.TERMINAL_VALUES:
        raise Conflict(f"case {master.number} is already {master.status}: merge into an open case")
    if session.scalar(select(DuplicateLink).where(DuplicateLink.case_id == master.id)):
        raise Conflict(f"case {master.number} was itself merged; merge into its master")
    reason = f"重复，合并到 {master.number}" + (f"：{comment.strip()}" if comment.strip() else "")
    cases.perform_action(
        session, principal, dup.id, wf.Action.VOID, version=dup.version, comment=reason, now=now
    )
    moving = list(session.scalars(select(Report).where(Report.case_id == dup.id)))
    session.execute(update(Report).where(Report.case_id == dup.id).values(case_id=master.id))
    # Cases merged into the duplicate earlier now follow the master too.
    session.execute(
        update(DuplicateLink)
        .where(DuplicateLink.master_case_id == dup.id)
        .values(master_case_id=master.id)
    )
    session.add(
        DuplicateLink(
            case_id=dup.id,
            master_case_id=master.id,
            merged_by=principal.user_id,
            merged_at=now,
            comment=comment.strip(),
        )
    )
    for report in moving:
        session.add(
            ReporterNotification(
                report_id=report.id,
                case_id=master.id,
                channel=report.channel,
                message=f"您反映的问题与案件 {master.number} 相同，已合并办理，进展将一并告知。",
                created_at=now,
            )
        )
    session.flush()
    return Merged(dup, master, len(moving))


@webhooks.on_message
def _tell_reporters(session: Session, message: OutboxMessage) -> None:
    """A progress notice per reporter of the case (merged reporters included)."""
    if not message.event_type.startswith("case.") or message.case_id is None:
        return
    event = message.payload.get("event") or {}
    text = NOTIFY_ACTIONS.get(event.get("action", ""))
    if text is None:
        return
    number = (message.payload.get("case") or {}).get("number")
    for report in session.scalars(select(Report).where(Report.case_id == message.case_id)):
        session.add(
            ReporterNotification(
                report_id=report.id,
                case_id=message.case_id,
                outbox_id=message.id,
                channel=report.channel,
                message=f"案件 {number}：{text}",
                created_at=message.created_at,
            )
        )


def notifications(session: Session, case_id: int) -> list[ReporterNotification]:
    return list(
        session.scalars(
            select(ReporterNotification)
            .where(ReporterNotification.case_id == case_id)
            .order_by(ReporterNotification.id)
        )
    )
