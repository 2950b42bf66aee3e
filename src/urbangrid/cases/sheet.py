"""The case read's labelled parts (photo steps and authors, 改类 / 延期 facts of the timeline,
the disposal result kept after 结案): :mod:`urbangrid.cases.readout` with the database's
names and the jurisdiction's work clock. Read-only; the caller has already passed the
visibility check for the case (``get_visible_case``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import readout
from urbangrid.cases.models import Attachment, Case, CaseEvent
from urbangrid.cases.queries import reads_caller
from urbangrid.cases.schemas import AttachmentOut, CategoryRefOut, DisposalOut, EventOut
from urbangrid.cases.service import work_clock
from urbangrid.catalog.models import Category
from urbangrid.catalog.timelimits import TimeLimit, parse_unit
from urbangrid.org.models import Jurisdiction, User


def _facts(rows: Sequence[CaseEvent]) -> list[readout.EventFacts]:
    return [
        readout.EventFacts(
            seq=r.seq,
            action=r.action,
            actor_id=r.actor_id,
            actor_role=r.actor_role,
            data=r.data or {},
            attachments=tuple(int(a) for a in (r.attachments or ())),
        )
        for r in rows
    ]


def timeline(session: Session, rows: Sequence[CaseEvent]) -> list[EventOut]:
    """The events with 改类 from → to (category code and name) and 延期 amounts."""
    notes = readout.event_notes(_facts(rows))
    cat_ids = {c for n in notes.values() for c in (n.category_from, n.category_to) if c is not None}
    cats = {
        c.id: CategoryRefOut(id=c.id, code=c.code, name=c.local_name or c.name)
        for c in session.scalars(select(Category).where(Category.id.in_(cat_ids or {-1})))
    }
    out = []
    for r in rows:
        e = EventOut.model_validate(r)
        n = notes.get(r.seq)
        if n is not None:
            e.category_from = cats.get(n.category_from) if n.category_from else None
            e.category_to = cats.get(n.category_to) if n.category_to else None
            e.limit_from, e.limit_to = n.limit_from, n.limit_to
            e.extension_requested = n.extension_requested
            e.extension_granted = n.extension_granted
            e.extension_unit = n.extension_unit
        out.append(e)
    return out


def photos(
    session: Session,
    principal: Principal,
    case: Case,
    rows: Sequence[CaseEvent],
    attachments: Sequence[Attachment],
) -> list[AttachmentOut]:
    """Each photo with its step (the event citing it) and author. Staff names are shown to
    whoever reads the case (as in the timeline); a report without a staff actor (a citizen's
    channel) names the reporter only for the roles that call back."""
    steps = readout.photo_steps(_facts(rows))
    user_ids = {s.actor_id for s in steps.values() if s.actor_id} | {
        a.uploaded_by for a in attachments if a.uploaded_by
    }
    names: dict[int, str] = {
        uid: name
        for uid, name in session.execute(
            select(User.id, User.display_name).where(User.id.in_(user_ids or {-1}))
        )
    }
    out = []
    for a in attachments:
        item = AttachmentOut.model_validate(a)
        step = steps.get(a.id)
        if step is not None:
            item.step, item.step_seq = step.action, step.seq
            item.author_id, item.author_role = step.actor_id, step.actor_role
        else:
            item.author_id = a.uploaded_by
        if item.author_id is not None:
            item.author_name = names.get(item.author_id)
        elif step is not None and step.action == "report" and reads_caller(principal):
            item.author_name = case.reporter_name
        out.append(item)
    return out


def disposal(session: Session, case: Case) -> DisposalOut | None:
    """按期 / 超期 of the department's 反馈 against the disposal deadline, which the case
    keeps after 结案; the amount late in the limit's unit, measured on the jurisdiction's
    work clock (work days count office hours only)."""
    jurisdiction = session.get(Jurisdiction, case.jurisdiction_id)
    clock = work_clock(jurisdiction) if jurisdiction is not None else None

    def unit_seconds(unit: str) -> float:
        assert clock is not None
        return clock.limit_seconds(TimeLimit(Decimal(1), parse_unit(unit)))

    result = readout.disposal_result(
        deadline=case.disposal_deadline,
        assigned_at=case.assigned_at,
        handled_at=case.handled_at,
        unit=case.limit_unit,
        used_seconds=clock.used_seconds if clock is not None else None,
        unit_seconds=unit_seconds if clock is not None else None,
    )
    if result is None:
        return None
    return DisposalOut(
        deadline=result.deadline,
        finished_at=result.finished_at,
        on_time=result.on_time,
        overdue_amount=result.overdue_amount,
        unit=result.unit,
    )
