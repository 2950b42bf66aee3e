"""The one place that knows the case model: a case row and its audit events → one
``CaseFacts`` record, and the sync of ``eval_case_facts`` from the case tables.

How each fact is read from the workflow's events (``urbangrid.cases.workflow``):

- 受理 (accept_report): accepted_at and the intake operator. When it sends the case to
  verification (to_state ``pending_verify``) that is also 发核实: verify_sent_at, with the
  intake stage's deadline as verify_send_deadline and the verify stage's as verify_deadline.
- 核实 (verify), 立案 (file), 派遣 (first dispatch), 核查通过 (check_pass), 结案 (close /
  force_close / approve_self_handling): the time and the actor of the step. The deadline of
  each centre stage is the ``stage_deadline`` the workflow recorded on the event that
  entered the stage.
- The disposal deadline (处置时限) is the last ``disposal_deadline`` recorded before the
  (last) feedback, so approved extensions and 挂账 pauses are in it.
- Feedback moves a case straight to ``pending_check``: the check task is "sent" by the
  system at feedback time (no 受理员 step, so 核查按时派发率 has nothing to count here).
- Positions (岗位) are attributed by the role the actor acted in, as the event recorded it
  (``case_events.actor_role``), not by who the user is: STANDARDS.md §5 ("Roles": 受理员
  accepts, 值班长 files 立案 and closes 结案, 派遣员 dispatches, 监督员 verifies and checks) and
  §7 (each position's counts are of its own steps). A step taken in another role (a 值班长
  accepting a report, a leader's 强制结案, an administrator) is no position's act.
- 自处理 (STANDARDS.md §5, "自处理 (supervisor fixes on the spot; 自处理审核; 结案存档 or
  无效)"; Unicom's task list names 自处理审核 apart from 值班长-结案): approving a
  self-handled report (``approve_self_handling``, which a 受理员 or a 值班长 may do) closes the
  case (closed_at, closing type 自处理结案) but is a review, not a 结案 by a 值班长, so it
  sets no closer. The inspector's 自行处置数 (§7, 监督员) counts the self-handled reports that
  were archived (closed), not those found 无效.
- Counters (returns, reworks, extensions, suspensions, wrong dispatches) are the case's.
- Citizen side: for hotline cases the 12345 work order's reply time, reply deadline and
  回访 result (满意 → 5, 基本满意 → 4, 不满意 → 2); for web / Open311 cases the citizen
  sees the outcome when the case is closed or not filed, which is taken as the reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from urbangrid.evaluation.facts import CaseFacts
from urbangrid.evaluation.sql import FACTS
from urbangrid.evaluation.store import save_facts

CALLBACK_RATING = {"satisfied": 5, "basically": 4, "dissatisfied": 2}
CLOSE_ACTIONS = {"close", "force_close", "approve_self_handling"}
# 结案 by a 值班长 (approve_self_handling closes the case too, but is 自处理审核).
SHIFT_LEAD_CLOSINGS = {"close", "force_close"}

# The role a step must have been taken in to count for the position that owns the step.
INSPECTOR, INTAKE = "inspector", "intake_operator"
SHIFT_LEAD, DISPATCHER = "shift_lead", "dispatcher"


@dataclass(frozen=True)
class HotlineInfo:
    replied_at: datetime | None
    due_at: datetime | None
    callback_result: str | None


@dataclass(frozen=True)
class _Acting:
    """The actor of one event, credited to a position only when acting in its role."""

    event: Any

    def as_(self, position: str) -> int | None:
        role = getattr(self.event, "actor_role", None) or ""
        return self.event.actor_id if role == position else None  # type: ignore[no-any-return]


def _parse(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def facts_from_case(
    case: Any,
    events: Sequence[Any],
    *,
    category_code: str | None = None,
    patrol_inspector_id: int | None = None,
    hotline: HotlineInfo | None = None,
) -> CaseFacts:
    """``case`` has the columns of ``cases``; ``events`` the rows of ``case_events`` in
    ``seq`` order (attribute access: ORM objects or Core rows)."""
    f: dict[str, Any] = {
        "case_id": case.id,
        "source": case.source,
        "reported_at": case.reported_at,
        "category_code": category_code,
        "category_id": getattr(case, "category_id", None),
        "grid_code": case.grid_code,
        "department_id": case.department_id,
        "reporter_id": case.reporter_id if case.source == "inspector" else None,
        "patrol_inspector_id": patrol_inspector_id,
        "returns": case.returns or 0,
        "reworks": case.reworks or 0,
        "extensions": case.extensions or 0,
        "suspensions": case.suspensions or 0,
        "wrong_dispatches": case.wrong_dispatches or 0,
        "self_handled": bool(case.self_handled),
        "closing_type": case.closing_type,
    }
    entered: dict[str, datetime | None] = {}  # centre stage → its deadline
    disposal_deadline: datetime | None = None
    departments: list[int] = []
    for e in events:
        data: Mapping[str, Any] = e.data or {}
        action, to_state = e.action, e.to_state
        if "disposal_deadline" in data:
            disposal_deadline = _parse(data["disposal_deadline"])
        actor = _Acting(e)
        if action == "accept_report":
            f["accepted_at"], f["intake_operator_id"] = e.at, actor.as_(INTAKE)
            if to_state == "pending_verify":
                f["verify_sent_at"] = e.at
                f["verify_send_deadline"] = entered.get("pending_intake")
        elif action == "verify":
            f["verified_at"], f["verifier_id"] = e.at, actor.as_(INSPECTOR)
        elif action == "file":
            f["filed_at"], f["filer_id"] = e.at, actor.as_(SHIFT_LEAD)
        elif action == "void" and "filed_at" in f:
            f["voided_at"] = e.at
        elif action == "dispatch":
            if "dispatched_at" not in f:
                f["dispatched_at"], f["dispatcher_id"] = e.at, actor.as_(DISPATCHER)
            if data.get("department_id") is not None:
                departments.append(int(data["department_id"]))
        elif action == "feedback":
            f["handled_at"] = e.at
            f["handle_deadline"] = disposal_deadline
        elif action == "check_pass":
            f["checked_at"], f["checker_id"] = e.at, actor.as_(INSPECTOR)
        elif action in CLOSE_ACTIONS:
            f["closed_at"] = e.at
            f["closer_id"] = actor.as_(SHIFT_LEAD) if action in SHIFT_LEAD_CLOSINGS else None
            if action == "force_close":
                f["closing_type"] = "forced"
            elif action == "approve_self_handling":
                f["closing_type"] = "self"
        if action == "not_file" and case.source in ("web", "open311"):
            f["replied_at"] = e.at
        # Deadlines of the stage this event entered.
        deadline = _parse(data.get("stage_deadline"))
        entered[to_state] = deadline
        if to_state == "pending_verify":
            f["verify_deadline"] = deadline
        elif to_state == "pending_filing":
            f["file_deadline"] = deadline
        elif to_state == "pending_dispatch":
            f["dispatch_deadline"] = deadline
        elif to_state == "pending_check":
            f["check_sent_at"], f["check_deadline"] = e.at, deadline
        elif to_state == "pending_close":
            f["close_deadline"] = deadline
    # The department the centre dispatched to is the one evaluated, also while one of its
    # sub-units holds the case (转派 is the department's own business).
    if departments:
        f["department_id"] = departments[-1]
    if "dispatched_at" not in f:
        f["department_id"] = None
    if case.source == "hotline" and hotline is not None:
        f["replied_at"] = hotline.replied_at
        f["reply_deadline"] = hotline.due_at
        f["rating"] = CALLBACK_RATING.get(hotline.callback_result or "")
    elif case.source in ("web", "open311") and f.get("closed_at") is not None:
        f["replied_at"] = f["closed_at"]
    return CaseFacts(**f)


def _patrol(conn: Connection, grid_ids: Iterable[int]) -> dict[int, int]:
    """grid id → the inspector patrolling it (the smallest user id when several do)."""
    from urbangrid.org.models import UserGrid, UserRole

    ids = [g for g in set(grid_ids) if g is not None]
    if not ids:
        return {}
    ug, ur = UserGrid.__table__, UserRole.__table__
    stmt = (
        sa.select(ug.c.grid_id, sa.func.min(ug.c.user_id))
        .join(ur, ur.c.user_id == ug.c.user_id)
        .where(ur.c.role == "inspector", ug.c.grid_id.in_(ids))
        .group_by(ug.c.grid_id)
    )
    return {g: u for g, u in conn.execute(stmt)}


def _hotline(conn: Connection, case_ids: Sequence[int]) -> dict[int, HotlineInfo]:
    try:
        from urbangrid.intake.models import HotlineWorkOrder
    except ImportError:  # the intake domain is optional
        return {}
    t = HotlineWorkOrder.__table__
    rows = conn.execute(
        sa.select(t.c.case_id, t.c.replied_at, t.c.due_at, t.c.callback_result).where(
            t.c.case_id.in_(case_ids)
        )
    )
    return {r.case_id: HotlineInfo(r.replied_at, r.due_at, r.callback_result) for r in rows}


def facts_for_cases(
    conn: Connection, case_ids: Sequence[int]
) -> tuple[list[CaseFacts], dict[int, int], dict[int, int]]:
    """Fact records of these cases, the case version each was built from and the
    jurisdiction each belongs to (the evaluation's scope filters on it)."""
    from urbangrid.cases.models import Case, CaseEvent
    from urbangrid.catalog.models import Category

    c, ev, cat = Case.__table__, CaseEvent.__table__, Category.__table__
    cases = conn.execute(
        sa.select(c, cat.c.code.label("category_code"))
        .outerjoin(cat, cat.c.id == c.c.category_id)
        .where(c.c.id.in_(case_ids))
        .order_by(c.c.id)
    ).all()
    events: dict[int, list[Any]] = {}
    for e in conn.execute(
        sa.select(ev).where(ev.c.case_id.in_(case_ids)).order_by(ev.c.case_id, ev.c.seq)
    ):
        events.setdefault(e.case_id, []).append(e)
    patrol = _patrol(conn, (r.grid_id for r in cases))
    hotline = _hotline(conn, case_ids)
    facts = [
        facts_from_case(
            r,
            events.get(r.id, []),
            category_code=r.category_code,
            patrol_inspector_id=patrol.get(r.grid_id),
            hotline=hotline.get(r.id),
        )
        for r in cases
    ]
    return facts, {r.id: r.version for r in cases}, {r.id: r.jurisdiction_id for r in cases}


def case_numbers(conn: Connection, case_ids: Iterable[int]) -> dict[int, str]:
    """Case id → case number (案件编号), what people read and search by."""
    from urbangrid.cases.models import Case

    ids = sorted(set(case_ids))
    out: dict[int, str] = {}
    for i in range(0, len(ids), 1000):
        rows = conn.execute(sa.select(Case.id, Case.number).where(Case.id.in_(ids[i : i + 1000])))
        out.update({r.id: r.number for r in rows})
    return out


def sync_facts(engine: Engine, full: bool = False, batch: int = 1000) -> int:
    """Refresh ``eval_case_facts`` from the case tables: every case without a fact row or
    whose version changed since its row was built (all cases with ``full``). Each batch is
    replaced in its own transaction. Returns the number of cases synced."""
    from urbangrid.cases.models import Case

    c = Case.__table__
    stmt = sa.select(c.c.id).order_by(c.c.id)
    if not full:
        stmt = stmt.outerjoin(FACTS, FACTS.c.case_id == c.c.id).where(
            sa.or_(
                FACTS.c.case_id.is_(None),
                FACTS.c.source_version.is_(None),
                FACTS.c.source_version != c.c.version,
            )
        )
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(stmt)]
    n = 0
    for i in range(0, len(ids), batch):
        part = ids[i : i + batch]
        with engine.begin() as conn:
            facts, versions, jurisdictions = facts_for_cases(conn, part)
            n += save_facts(conn, facts, versions=versions, jurisdictions=jurisdictions)
    return n
