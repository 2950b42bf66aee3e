"""Positions are credited by the role the actor acted in, and 自处理 is counted as the
standard defines it (STANDARDS.md §5 and §7) — through the real case service."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from urbangrid.auth.service import principal_for
from urbangrid.cases import service
from urbangrid.cases.demo import _tiny_png
from urbangrid.db import session_factory
from urbangrid.evaluation.adapter import sync_facts
from urbangrid.evaluation.engine import Period
from urbangrid.evaluation.indicators import ObjectKind
from urbangrid.evaluation.service import evaluate_kind
from urbangrid.evaluation.store import load_facts
from urbangrid.org.models import UserRole
from urbangrid.org.roles import Role

from .test_adapter import T0, act, make

OCT = Period.month("2026-10")


def test_self_handling_approved_by_an_intake_operator_is_no_closing_of_a_shift_lead(
    engine: Engine,
) -> None:
    with session_factory(engine)() as s:
        w = make(s)
        s.commit()
        ids = {k: u.id for k, u in w.users.items()}
        inspector = principal_for(w.users["inspector"])

        def self_handled() -> service.Case:
            photo = service.store_photo(s, inspector, _tiny_png(), "现场处理.png").id
            new = service.NewCase(
                source="inspector",
                lon=120.0005,
                lat=30.0005,
                category_id=w.cat.id,
                self_handled=True,
                attachments=[photo],
            )
            return service.create_case(s, inspector, new, now=T0)

        approved = self_handled()
        act(s, w, approved, "intake", "approve_self_handling")
        rejected = self_handled()
        act(s, w, rejected, "intake", "reject_self_handling", comment="照片不清")
        by_lead = self_handled()
        act(s, w, by_lead, "lead", "approve_self_handling")
        s.commit()
    sync_facts(engine)
    with engine.connect() as conn:
        facts = {f.case_id: f for f in load_facts(conn)}
        leads = {e.key: e for e in evaluate_kind(conn, ObjectKind.SHIFT_LEAD, OCT)}
        inspectors = {e.key: e for e in evaluate_kind(conn, ObjectKind.INSPECTOR, OCT)}
        intake = {e.key: e for e in evaluate_kind(conn, ObjectKind.INTAKE_OPERATOR, OCT)}
    # the approval closes the case (自处理结案) but nobody is its 值班长 closer
    f = facts[approved.id]
    assert f.closed_at is not None and f.closing_type == "self" and f.closer_id is None
    assert facts[by_lead.id].closer_id is None  # a review, even by a 值班长
    assert facts[rejected.id].closed_at is None
    # the intake operator is no 值班长, and the lead closed nothing
    assert ids["intake"] not in leads
    assert leads[ids["lead"]].counts["closed"] == 0
    assert intake[ids["intake"]].counts["accepted"] == 0
    # 自行处置数: the two archived self-handled reports, not the one found 无效
    me = inspectors[ids["inspector"]]
    assert me.counts["self_handled"] == 2 and me.counts["reports"] == 3


def test_a_step_counts_for_the_role_it_was_taken_in(engine: Engine) -> None:
    """A 值班长 who also holds the 受理员 role accepts as 受理员; a user holding only the
    值班长 role who accepts a report is no 受理员; a 受理员 who never filed or closed is not
    ranked among the 值班长s."""
    with session_factory(engine)() as s:
        w = make(s)
        lead = w.users["lead"]
        s.commit()
        ids = {k: u.id for k, u in w.users.items()}
        cases = []
        for who in ("lead", "intake"):
            new = service.NewCase(source="hotline", lon=120.0005, lat=30.0005, category_id=w.cat.id)
            c = service.create_case(s, principal_for(w.users["intake"]), new, now=T0)
            act(s, w, c, who, "accept_report")
            if c.status == "pending_verify":
                act(s, w, c, "inspector", "verify", data={"confirmed": True})
            act(s, w, c, "lead", "file")
            act(s, w, c, "dispatcher", "dispatch")
            act(s, w, c, "hw", "department_accept")
            act(s, w, c, "hw", "feedback", minutes=30)
            act(s, w, c, "inspector", "check_pass")
            act(s, w, c, "lead", "close")
            cases.append(c)
        # a leader's 强制结案 is no 值班长's closing
        new = service.NewCase(source="hotline", lon=120.0005, lat=30.0005, category_id=w.cat.id)
        forced = service.create_case(s, principal_for(w.users["intake"]), new, now=T0)
        act(s, w, forced, "leader", "force_close", comment="重复", data={})
        s.commit()
        assert lead.id == ids["lead"]
        s.add(UserRole(user_id=ids["lead"], role=Role.INTAKE_OPERATOR.value))
        s.commit()
    sync_facts(engine)
    with engine.connect() as conn:
        facts = {f.case_id: f for f in load_facts(conn)}
        leads = {e.key: e for e in evaluate_kind(conn, ObjectKind.SHIFT_LEAD, OCT)}
        intake = {e.key: e for e in evaluate_kind(conn, ObjectKind.INTAKE_OPERATOR, OCT)}
    by_lead, by_intake = (facts[c.id] for c in cases)
    assert by_lead.accepted_at is not None and by_lead.intake_operator_id is None
    assert by_intake.intake_operator_id == ids["intake"]
    assert (by_lead.filer_id, by_lead.closer_id) == (ids["lead"], ids["lead"])
    assert facts[forced.id].closed_at is not None and facts[forced.id].closer_id is None
    assert ids["intake"] not in leads and ids["leader"] not in leads
    assert (leads[ids["lead"]].counts["filed"], leads[ids["lead"]].counts["closed"]) == (2, 2)
    # the lead, now also a 受理员, is listed among them with the one report it accepted as
    # 值班长 not counted
    assert intake[ids["intake"]].counts["accepted"] == 1
    assert intake[ids["lead"]].counts["accepted"] == 0
