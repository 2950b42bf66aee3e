"""October 2026 worked out by hand (see month_fixture.py for the cases and their paths)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from urbangrid.evaluation.config import default_config
from urbangrid.evaluation.engine import (
    ObjectInfo,
    Period,
    citizen_summary,
    count,
    evaluate_all,
    matching_case_ids,
    month_over_month,
    ranked,
    red_black_lists,
)
from urbangrid.evaluation.indicators import ObjectKind

from .month_fixture import D1, D2, D3, D4, G1, G2, G3, G4, G5, october

OCT = Period.month("2026-10")
CFG = default_config()


def by_key(kind: ObjectKind, infos: dict | None = None) -> dict:
    return {e.key: e for e in evaluate_all(october(), kind, OCT, CFG, infos)}


def test_period_is_local_month() -> None:
    assert OCT.start.isoformat() == "2026-09-30T16:00:00+00:00"
    assert OCT.end.isoformat() == "2026-10-31T16:00:00+00:00"


def test_departments() -> None:
    ev = by_key(ObjectKind.DEPARTMENT, {D4: ObjectInfo(D4, "无案件部门")})
    d1 = ev[D1]
    assert {
        k: d1.counts[k]
        for k in d1.counts
        if not k.startswith(("citizen", "repl", "rat", "sat", "compl"))
    } == {
        "dispatched": 10,
        "due": 9,
        "handled": 7,
        "handled_on_time": 6,
        "handled_late": 1,
        "overdue_open": 2,
        "extended": 1,
        "reworked": 1,
        "closed": 6,
        "closed_on_time": 5,
        "suspended": 0,
        "returned": 0,
        "handle_minutes_sum": 5 * 1440 + 2 * 4320,
    }
    assert d1.case_ids["overdue_open"] == [6, 9]
    assert d1.case_ids["handled_late"] == [3]
    assert sorted(d1.case_ids["dispatched"]) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 20]
    assert d1.rates["on_time_disposal_rate"] == F(6, 9)
    assert d1.rates["closing_rate"] == F(6, 9)
    assert d1.rates["rework_rate"] == F(1, 9)
    assert d1.rates["extension_rate"] == F(1, 9)
    assert d1.band_scores["filed_score"] == 100
    assert d1.score == F(230, 3)
    assert d1.grade == "B"

    d2 = ev[D2]
    assert (d2.counts["dispatched"], d2.counts["due"], d2.counts["handled_on_time"]) == (13, 12, 12)
    assert (d2.counts["suspended"], d2.counts["returned"], d2.counts["closed"]) == (1, 1, 12)
    assert d2.counts["overdue_open"] == 0
    assert d2.counts["handle_minutes_sum"] == 12 * 1440
    assert (d2.counts["citizen_cases"], d2.counts["replied"], d2.counts["replied_on_time"]) == (
        4,
        3,
        2,
    )
    assert (d2.counts["completed"], d2.counts["rated"], d2.counts["satisfied"]) == (3, 3, 2)
    assert d2.rates["satisfaction_rate"] == F(2, 3)
    assert d2.score == 100 and d2.grade == "A"

    d3 = ev[D3]
    assert (d3.counts["due"], d3.counts["handled_late"], d3.counts["reworked"]) == (1, 1, 1)
    assert d3.counts["closed_on_time"] == 0
    assert d3.score == 40 and d3.grade == "D"

    d4 = ev[D4]  # no cases: counted as zeros, not graded
    assert d4.counts["dispatched"] == 0 and d4.score is None and d4.grade is None

    order = [e.key for e in ranked(ev.values())]
    assert order == [D2, D1, D3, D4]
    lists = red_black_lists(ev.values(), 1)
    assert [e.key for e in lists.red] == [D2] and [e.key for e in lists.black] == [D3]


GRID_INFOS = {
    G1: ObjectInfo(G1, "G1", band_class="1"),
    G2: ObjectInfo(G2, "G2", band_class="2"),
    G3: ObjectInfo(G3, "G3", band_class="2"),
    G4: ObjectInfo(G4, "G4", band_class="2"),
    G5: ObjectInfo(G5, "G5", band_class="2"),
}


def test_grids() -> None:
    ev = by_key(ObjectKind.GRID, GRID_INFOS)
    g1 = ev[G1]
    assert (g1.counts["filed"], g1.counts["public_filed"], g1.counts["voided"]) == (8, 1, 1)
    assert (g1.counts["due"], g1.counts["handled_on_time"], g1.counts["handled_late"]) == (7, 6, 1)
    assert (g1.counts["closed"], g1.counts["closed_on_time"], g1.counts["suspended"]) == (7, 6, 1)
    assert g1.counts["handle_minutes_sum"] == 6 * 1440 + 4320
    assert (g1.counts["citizen_cases"], g1.counts["completed"], g1.counts["satisfied"]) == (2, 1, 2)
    assert g1.band_scores["filed_score"] == 40  # class 1, 8 cases
    assert g1.score == F(7745, 98) and g1.grade == "B"

    g2 = ev[G2]
    assert (g2.counts["filed"], g2.counts["public_filed"], g2.counts["due"]) == (7, 2, 6)
    assert (g2.counts["overdue_open"], g2.counts["extended"], g2.counts["reworked"]) == (1, 1, 1)
    # the self-handled case 18 is closed but never had a handling limit: not in 应结案数
    assert (g2.counts["closed"], g2.counts["closed_on_time"], g2.counts["returned"]) == (5, 5, 1)
    assert (g2.counts["replied_on_time"], g2.counts["satisfied"]) == (1, 1)
    assert g2.band_scores["filed_score"] == 60
    assert g2.score == F(11020, 147) and g2.grade == "C"

    g3 = ev[G3]
    assert (g3.counts["filed"], g3.counts["due"], g3.counts["overdue_open"]) == (6, 4, 1)
    assert (g3.counts["closed"], g3.counts["citizen_cases"], g3.counts["replied"]) == (2, 1, 0)
    assert g3.score == F(1210, 21) and g3.grade == "D"

    g4 = ev[G4]
    assert (g4.counts["filed"], g4.counts["handled_late"], g4.counts["closed_on_time"]) == (4, 1, 3)
    assert g4.score == F(6250, 70) and g4.grade == "B"

    assert ev[G5].counts["filed"] == 0 and ev[G5].grade is None


def test_streets_and_communities() -> None:
    streets = by_key(
        ObjectKind.STREET,
        {
            "321202001": ObjectInfo("321202001", grid_count=3, band_class="2"),
            "321202002": ObjectInfo("321202002", grid_count=2, band_class="2"),
        },
    )
    s1 = streets["321202001"]
    assert (s1.counts["filed"], s1.counts["public_filed"], s1.counts["due"]) == (21, 4, 17)
    assert (s1.counts["closed"], s1.counts["closed_on_time"]) == (14, 13)
    assert s1.band_scores["filed_score"] == 60  # 21 / 3 grids = 7 per grid
    expected = (
        10 * (1 - F(4, 21)) * 100 + 20 * 60 + 30 * F(14, 17) * 100 + 10 * F(13, 17) * 100
    ) / 70
    assert s1.score == expected
    assert streets["321202002"].band_scores["filed_score"] == 90  # 4 / 2 grids = 2
    comms = count(october(), ObjectKind.COMMUNITY, OCT)
    assert comms["321202001001"].counts["filed"] == 15
    assert comms["321202001002"].counts["filed"] == 6


def test_inspectors() -> None:
    ev = by_key(ObjectKind.INSPECTOR)
    i101, i102 = ev[101], ev[102]
    assert (i101.counts["reports"], i101.counts["valid_reports"], i101.counts["self_handled"]) == (
        20,
        20,
        1,
    )
    assert (
        i101.counts["verify_due"],
        i101.counts["check_due"],
        i101.counts["checked_on_time"],
    ) == (0, 18, 18)
    assert (i101.counts["patrol_filed"], i101.counts["missed"]) == (19, 3)
    assert i101.rates["on_time_verify_rate"] is None
    assert i101.score == F(146000, 1520) and i101.grade == "A"

    assert (i102.counts["reports"], i102.counts["valid_reports"]) == (3, 1)
    assert (i102.counts["verify_due"], i102.counts["verified_on_time"]) == (5, 4)
    assert (i102.counts["check_due"], i102.counts["checked_on_time"]) == (2, 0)
    assert (i102.counts["patrol_filed"], i102.counts["missed"]) == (6, 1)
    assert i102.score == 46 and i102.grade == "D"


def test_intake_operators() -> None:
    ev = by_key(ObjectKind.INTAKE_OPERATOR)
    o201, o202 = ev[201], ev[202]
    assert o201.counts == {
        "accepted": 27,
        "verify_send_due": 4,
        "verify_sent_on_time": 3,
        "check_send_due": 19,
        "check_sent_on_time": 19,
    }
    assert o201.band_scores["accepted_score"] == 0
    assert o201.score == 65 and o201.grade == "C"
    assert o202.counts == {
        "accepted": 1,
        "verify_send_due": 1,
        "verify_sent_on_time": 1,
        "check_send_due": 1,
        "check_sent_on_time": 0,
    }
    assert o202.score == 40 and o202.grade == "D"


def test_shift_leads() -> None:
    ev = by_key(ObjectKind.SHIFT_LEAD)
    assert ev[301].counts == {
        "filed": 23,
        "filed_on_time": 22,
        "filed_kept": 23,
        "closed": 1,
        "closed_on_time": 0,
    }
    assert ev[301].score == F(1470, 23) and ev[301].grade == "C"
    assert ev[302].counts == {
        "filed": 2,
        "filed_on_time": 2,
        "filed_kept": 1,
        "closed": 20,
        "closed_on_time": 18,
    }
    assert ev[302].rates["accurate_filing_rate"] == F(1, 2)
    assert ev[302].score == F(765, 10) and ev[302].grade == "B"


def test_dispatchers() -> None:
    ev = by_key(ObjectKind.DISPATCHER)
    assert ev[401].counts == {
        "dispatched": 22,
        "dispatched_on_time": 21,
        "dispatched_accurately": 22,
    }
    assert ev[401].score == F(860, 11) and ev[401].grade == "B"
    assert ev[402].counts == {"dispatched": 2, "dispatched_on_time": 1, "dispatched_accurately": 1}
    assert ev[402].score == 40 and ev[402].grade == "D"


def test_citizen_side() -> None:
    s = citizen_summary(october(), OCT)
    assert (s["citizen_cases"], s["replied"], s["replied_on_time"]) == (5, 4, 3)
    assert (s["completed"], s["rated"], s["satisfied"]) == (3, 4, 3)
    assert s["reply_rate"] == F(4, 5)
    assert s["completion_rate"] == F(3, 5)
    assert s["satisfaction_rate"] == F(3, 4)


def test_drill_down_lists_the_cases_behind_a_number() -> None:
    assert matching_case_ids(october(), ObjectKind.DEPARTMENT, D1, "overdue_open", OCT) == [6, 9]
    assert matching_case_ids(october(), ObjectKind.INSPECTOR, 101, "missed", OCT) == [12, 13, 29]
    assert matching_case_ids(october(), ObjectKind.SHIFT_LEAD, 302, "closed", OCT) == sorted(
        [1, 2, 3, 4, 5, 20, 10, 11, 12, 13, 19, 21, 22, 23, 27, 28, 29, 30, 25, 18]
    )


def test_evaluation_time_matters() -> None:
    """Evaluated later (5 Nov), cases 8 and 9 have been handled and closed."""
    from .month_fixture import L

    ev = {
        e.key: e for e in evaluate_all(october(), ObjectKind.DEPARTMENT, OCT, CFG, as_of=L(11, 5))
    }
    d1 = ev[D1]
    # case 7 is now past its deadline too (open with 6); 9 is handled, late
    assert (d1.counts["due"], d1.counts["handled"], d1.counts["overdue_open"]) == (10, 8, 2)
    assert (d1.counts["handled_late"], d1.counts["closed"]) == (2, 8)


def test_month_over_month() -> None:
    sept = Period.month("2026-09")
    prev = evaluate_all(october(), ObjectKind.DEPARTMENT, sept, CFG)
    cur = evaluate_all(october(), ObjectKind.DEPARTMENT, OCT, CFG)
    changes = {c.key: c for c in month_over_month(cur, prev)}
    # September: only case 24 (D1, handled on time, closed in October so not by 30 Sept)
    assert changes[D1].previous_score == F(10 * 100 + 30 * 0 + 30 * 100 + 30 * 100, 100)
    assert changes[D1].delta == F(230, 3) - 70
    assert changes[D1].rank == 2 and changes[D1].previous_rank == 1
    assert changes[D2].previous_score is None and changes[D2].delta is None
    assert OCT.previous_month().label == "2026-09"


@pytest.mark.parametrize("text", ["2026-13", "october", "2026"])
def test_bad_month_is_rejected(text: str) -> None:
    from urbangrid.kit.errors import InvalidInput

    with pytest.raises(InvalidInput):
        Period.month(text)
