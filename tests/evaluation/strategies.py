"""Hypothesis strategies: random but internally ordered case facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from urbangrid.evaluation.facts import CaseFacts

BASE = datetime(2026, 9, 25, tzinfo=UTC)
GRIDS = ("321202001001001", "321202001001002", "321202001002001", "321202002001001")
SOURCES = ("inspector", "hotline", "open311", "video")


@st.composite
def case_facts(draw: st.DrawFn, case_id: int) -> CaseFacts:
    minutes = st.integers(min_value=0, max_value=6 * 24 * 60)

    def after(t: datetime | None) -> datetime | None:
        """The next step: later than t, or missing (and then all later steps too)."""
        if t is None or draw(st.integers(0, 9)) == 0:
            return None
        return t + timedelta(minutes=draw(minutes))

    def deadline(t: datetime | None) -> datetime | None:
        if t is None or (draw(st.booleans()) is False and draw(st.booleans())):
            return None
        return t + timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))

    actor = st.one_of(st.none(), st.integers(1, 4))
    r = BASE + timedelta(minutes=draw(st.integers(0, 50 * 24 * 60)))
    source = draw(st.sampled_from(SOURCES))
    accepted = after(r)
    verify_sent = after(accepted) if source in ("hotline", "open311") else None
    verified = after(verify_sent)
    filed = after(verified or accepted)
    dispatched = after(filed)
    handled = after(dispatched)
    check_sent = after(handled)
    checked = after(check_sent)
    closed = after(checked)
    return CaseFacts(
        case_id=case_id,
        source=source,
        reported_at=r,
        category_code=draw(st.sampled_from(("06001", "06002", "01001"))),
        grid_code=draw(st.sampled_from(GRIDS)),
        department_id=draw(actor) if dispatched else None,
        reporter_id=draw(actor) if source == "inspector" else None,
        intake_operator_id=draw(actor),
        verifier_id=draw(actor),
        filer_id=draw(actor),
        dispatcher_id=draw(actor),
        check_sender_id=draw(actor),
        checker_id=draw(actor),
        closer_id=draw(actor),
        patrol_inspector_id=draw(actor),
        accepted_at=accepted,
        verify_send_deadline=deadline(accepted) if verify_sent else None,
        verify_sent_at=verify_sent,
        verify_deadline=deadline(verify_sent),
        verified_at=verified,
        file_deadline=deadline(r),
        filed_at=filed,
        voided_at=after(filed) if draw(st.integers(0, 5)) == 0 else None,
        dispatch_deadline=deadline(filed),
        dispatched_at=dispatched,
        handle_deadline=deadline(dispatched),
        handled_at=handled,
        check_send_deadline=deadline(handled),
        check_sent_at=check_sent,
        check_deadline=deadline(check_sent),
        checked_at=checked,
        close_deadline=deadline(checked),
        closed_at=closed,
        closing_type="normal" if closed else None,
        returns=draw(st.integers(0, 2)),
        reworks=draw(st.integers(0, 2)),
        extensions=draw(st.integers(0, 2)),
        suspensions=draw(st.integers(0, 1)),
        wrong_dispatches=draw(st.integers(0, 1)),
        self_handled=draw(st.booleans()),
        replied_at=after(r) if source in ("hotline", "open311") else None,
        reply_deadline=deadline(r) if source in ("hotline", "open311") else None,
        rating=draw(st.one_of(st.none(), st.integers(1, 5))),
    )


@st.composite
def fact_sets(draw: st.DrawFn, max_size: int = 20) -> list[CaseFacts]:
    n = draw(st.integers(0, max_size))
    return [draw(case_facts(i + 1)) for i in range(n)]
