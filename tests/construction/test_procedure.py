"""The enforcement procedure: order, documents, waiting periods and deadlines across the
National Day 2025 and Spring Festival 2026 holidays (dates worked out by hand below)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.cases.calendar_workdays import WorkCalendar
from urbangrid.construction.procedure import (
    ProcedureError,
    RecordKind,
    TakenStep,
    check_step,
    default_procedure,
    load_procedure,
    next_due,
    pending,
)

CAL = WorkCalendar()
PROC = default_procedure()
TODAY = date(2026, 12, 1)


def codes(refusals: list) -> list[str]:
    return [r.code for r in refusals]


def test_statutory_periods_across_holidays() -> None:
    # From Fri 2025-09-26: Sun 9-28 is a working day (调休), Oct 1–8 off, Sat 10-11 works.
    # Working days 1..10: 9-28, 9-29, 9-30, 10-09, 10-10, 10-11, 10-13, 10-14, 10-15, 10-16.
    assert CAL.workdays_after(date(2025, 9, 26), 10) == date(2025, 10, 16)
    # Ten calendar days end on 10-06, a holiday: the period runs to the next working day.
    assert CAL.calendar_period_end(date(2025, 9, 26), 10) == date(2025, 10, 9)
    # Spring Festival 2026: Feb 15–23 off, Sat 2-14 and Sat 2-28 work.
    # From Tue 2-10: 2-11, 2-12, 2-13, 2-14, 2-24, 2-25, 2-26, 2-27, 2-28, 3-02.
    assert CAL.workdays_after(date(2026, 2, 10), 10) == date(2026, 3, 2)
    assert CAL.calendar_period_end(date(2026, 2, 10), 10) == date(2026, 2, 24)
    assert CAL.workdays_after(date(2026, 2, 10), 0) == date(2026, 2, 10)


def run(kind: RecordKind, discovered: date, steps: list[TakenStep]) -> list[TakenStep]:
    taken: list[TakenStep] = []
    for step in steps:
        refusals = check_step(PROC, kind, discovered, taken, step, CAL, TODAY)
        assert refusals == [], (step, refusals)
        taken.append(step)
    return taken


def test_new_build_forced_demolition_over_spring_festival() -> None:
    found = date(2026, 1, 5)
    taken = run(
        RecordKind.NEW,
        found,
        [
            TakenStep("stop_order", date(2026, 1, 6), "城管停字〔2026〕1号"),
            TakenStep("investigate", date(2026, 1, 8)),
            TakenStep("determine", date(2026, 1, 12), "认字〔2026〕3号"),
            TakenStep("demolition_order", date(2026, 1, 14), "限拆〔2026〕3号", date(2026, 1, 24)),
            TakenStep("reminder", date(2026, 1, 26), "催字〔2026〕3号", date(2026, 2, 10)),
            TakenStep("public_notice", date(2026, 2, 11), "公告〔2026〕3号"),
        ],
    )
    # Ten working days after the notice of Wed 2-11: 2-12, 2-13, Sat 2-14, (Feb 15–23 off)
    # 2-24, 2-25, 2-26, 2-27, Sat 2-28, 3-02, 3-03: forced demolition from 3-04 on.
    early = TakenStep("forced_demolition", date(2026, 3, 3), "强拆〔2026〕3号")
    refused = check_step(PROC, RecordKind.NEW, found, taken, early, CAL, TODAY)
    assert codes(refused) == ["step_too_early"]
    assert refused[0].params["earliest"] == "2026-03-04"
    due = next_due(PROC, RecordKind.NEW, found, taken, CAL)
    assert due is not None and due.code == "forced_demolition" and due.earliest == date(2026, 3, 4)
    # Its deadline: 30 calendar days after the notice = 3-13, a Friday.
    assert due.due == date(2026, 3, 13)
    taken = run(
        RecordKind.NEW,
        found,
        [*taken, TakenStep("forced_demolition", date(2026, 3, 4), "强拆〔2026〕3号")],
    )
    taken = run(
        RecordKind.NEW,
        found,
        [*taken, TakenStep("acceptance", date(2026, 3, 4)), TakenStep("close", date(2026, 3, 5))],
    )
    after_close = check_step(
        PROC, RecordKind.NEW, found, taken, TakenStep("acceptance", date(2026, 3, 6)), CAL, TODAY
    )
    assert codes(after_close) == ["step_after_closed"]
    assert pending(PROC, RecordKind.NEW, found, taken, CAL) == []


def test_stop_order_due_next_day_and_only_for_new_builds() -> None:
    # Found on the eve of National Day: one calendar day ends on a holiday, so 10-09.
    found = date(2025, 9, 30)
    due = next_due(PROC, RecordKind.NEW, found, [], CAL)
    assert due is not None and due.code == "stop_order" and due.due == date(2025, 10, 9)
    # Stock (存量): no stop order; investigation comes first, due in 10 working days.
    stock_due = next_due(PROC, RecordKind.STOCK, found, [], CAL)
    assert stock_due is not None and stock_due.code == "investigate"
    # After Tue 9-30: 10-09, 10-10, Sat 10-11, 10-13 … 10-17, 10-20, 10-21.
    assert stock_due.due == date(2025, 10, 21)
    refused = check_step(
        PROC, RecordKind.STOCK, found, [], TakenStep("stop_order", found, "x"), CAL, TODAY
    )
    assert codes(refused) == ["step_not_applicable"]


def test_refusals_name_every_broken_rule() -> None:
    found = date(2026, 3, 2)
    taken = run(
        RecordKind.STOCK,
        found,
        [
            TakenStep("investigate", date(2026, 3, 3)),
            TakenStep("determine", date(2026, 3, 4), "认1"),
        ],
    )
    bad = TakenStep("demolition_order", date(2026, 3, 1), "", date(2026, 2, 1))
    assert codes(check_step(PROC, RecordKind.STOCK, found, taken, bad, CAL, TODAY)) == [
        "step_before_previous",
        "step_document_missing",
        "step_party_deadline_past",
    ]
    skip = TakenStep("public_notice", date(2026, 3, 5), "公1")
    assert codes(check_step(PROC, RecordKind.STOCK, found, taken, skip, CAL, TODAY)) == [
        "step_out_of_order"
    ]
    again = TakenStep("determine", date(2026, 3, 5), "认2")
    assert codes(check_step(PROC, RecordKind.STOCK, found, taken, again, CAL, TODAY)) == [
        "step_repeated"
    ]
    future = TakenStep(
        "demolition_order", TODAY + timedelta(days=1), "拆1", TODAY + timedelta(days=20)
    )
    assert codes(check_step(PROC, RecordKind.STOCK, found, taken, future, CAL, TODAY)) == [
        "step_in_future"
    ]
    assert codes(
        check_step(PROC, RecordKind.STOCK, found, taken, TakenStep("nope", found), CAL, TODAY)
    ) == ["step_unknown"]
    # The reminder waits for the party's deadline to pass.
    taken = run(
        RecordKind.STOCK,
        found,
        [*taken, TakenStep("demolition_order", date(2026, 3, 5), "拆1", date(2026, 3, 20))],
    )
    early = TakenStep("reminder", date(2026, 3, 20), "催1", date(2026, 4, 1))
    refused = check_step(PROC, RecordKind.STOCK, found, taken, early, CAL, TODAY)
    assert codes(refused) == ["step_too_early"] and refused[0].params["earliest"] == "2026-03-21"
    # The party demolishes: no second demolition, no going back to the main line.
    taken = run(RecordKind.STOCK, found, [*taken, TakenStep("self_demolition", date(2026, 3, 10))])
    forced = TakenStep("forced_demolition", date(2026, 3, 11), "强1")
    assert codes(check_step(PROC, RecordKind.STOCK, found, taken, forced, CAL, TODAY)) == [
        "step_demolition_recorded"
    ]
    back = TakenStep("reminder", date(2026, 3, 25), "催1", date(2026, 4, 1))
    assert codes(check_step(PROC, RecordKind.STOCK, found, taken, back, CAL, TODAY)) == [
        "step_out_of_order"
    ]
    assert [p.code for p in pending(PROC, RecordKind.STOCK, found, taken, CAL)] == ["acceptance"]


def test_a_bad_procedure_file_lists_every_problem() -> None:
    with pytest.raises(ProcedureError) as info:
        load_procedure(
            {
                "steps": [
                    {"code": "a", "after": ["b"]},
                    {"code": "a", "due": {"from": "never", "amount": 1, "unit": "days"}},
                    {"code": "c", "applies_to": ["old"], "demolition": "maybe"},
                ]
            }
        )
    assert len(info.value.problems) == 5


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(list(RecordKind)),
    st.lists(
        st.tuples(st.sampled_from([s.code for s in PROC.steps]), st.integers(0, 40), st.booleans()),
        max_size=14,
    ),
)
def test_whatever_is_accepted_follows_the_procedure(kind: RecordKind, proposals: list) -> None:
    found = date(2025, 9, 1)
    taken: list[TakenStep] = []
    day = found
    for code, gap, with_doc in proposals:
        day = day + timedelta(days=gap)
        step = TakenStep(code, day, "文1" if with_doc else None, day + timedelta(days=5))
        allowed_by_order = code in {p.code for p in pending(PROC, kind, found, taken, CAL)}
        refusals = check_step(PROC, kind, found, taken, step, CAL, TODAY)
        if not refusals:
            assert allowed_by_order
            taken.append(step)
    seen = [t.code for t in taken]
    assert len(seen) == len(set(seen))
    assert sum(1 for c in seen if PROC.rule(c).demolition) <= 1  # type: ignore[union-attr]
    assert "close" not in seen[:-1]
    indices = [PROC.index[c] for c in seen]
    assert indices == sorted(indices)
    for t in taken:
        rule = PROC.rule(t.code)
        assert rule is not None and kind in rule.applies_to
        if rule.document:
            assert t.document_no
