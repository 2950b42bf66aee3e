"""A hand-built month (October 2026, Asia/Shanghai) of 30 cases covering every path.

The expected indicators in test_hand_month.py were worked out by hand from this table,
case by case; the comments next to each case say which path it exercises.

Default life of a case reported at r (minutes after r): 受理 +5 (by 201); for citizen
cases 发核实 +10 (deadline +15), 核实 +30 (deadline +40, by 102); 立案 +50 (deadline +70,
by 301); 派遣 +60 (deadline +80, by 401); 处置时限 = dispatch + 2 days, feedback at
dispatch + 1 day (= h); 发核查 h+10 (deadline h+30, by 201); 核查 h+25 (deadline h+40, by
101); 结案 h+40 (deadline h+60, by 302). Citizen reply at r + 1 day (deadline r + 3 days).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from urbangrid.evaluation.facts import CaseFacts

SH = ZoneInfo("Asia/Shanghai")
M = timedelta(minutes=1)
D = timedelta(days=1)

G1 = "321202001001001"  # street 321202001, community 321202001001
G2 = "321202001001002"
G3 = "321202001002001"  # community 321202001002
G4 = "321202002001001"  # street 321202002
G5 = "321202002001002"  # no cases
PATROL = {G1: 101, G2: 101, G3: 102, G4: 101, G5: 102}
D1, D2, D3, D4 = 1, 2, 3, 4


def L(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


STAGES = ("accepted", "verified", "filed", "dispatched", "handled", "checked", "closed")


def case(
    cid: int,
    r: datetime,
    grid: str,
    dept: int | None,
    source: str = "inspector",
    stop_after: str = "closed",
    dispatch_after: timedelta = 60 * M,
    handle_limit: timedelta = 2 * D,
    handle_after: timedelta = 1 * D,
    rating: int | None = None,
    **overrides: object,
) -> CaseFacts:
    public = source in ("hotline", "open311")
    upto = STAGES.index(stop_after)
    f = CaseFacts(
        case_id=cid,
        source=source,
        reported_at=r,
        grid_code=grid,
        reporter_id=None if public else 101,
        patrol_inspector_id=PATROL[grid],
        accepted_at=r + 5 * M,
        intake_operator_id=201,
    )
    if public:
        f = replace(
            f,
            verify_send_deadline=r + 15 * M,
            verify_sent_at=r + 10 * M,
            verifier_id=102,
            verify_deadline=r + 40 * M,
            verified_at=r + 30 * M,
            reply_deadline=r + 3 * D,
            replied_at=r + 1 * D,
            rating=rating,
        )
    if upto >= STAGES.index("filed"):
        f = replace(f, file_deadline=r + 70 * M, filed_at=r + 50 * M, filer_id=301)
    if upto >= STAGES.index("dispatched"):
        d = r + dispatch_after
        f = replace(
            f,
            department_id=dept,
            dispatch_deadline=r + 80 * M,
            dispatched_at=d,
            dispatcher_id=401,
            handle_deadline=d + handle_limit,
        )
    if upto >= STAGES.index("handled"):
        assert f.dispatched_at is not None
        h = f.dispatched_at + handle_after
        f = replace(
            f,
            handled_at=h,
            check_send_deadline=h + 30 * M,
            check_sent_at=h + 10 * M,
            check_sender_id=201,
            check_deadline=h + 40 * M,
            checker_id=101,
        )
        if upto >= STAGES.index("checked"):
            f = replace(f, checked_at=h + 25 * M)
        if upto >= STAGES.index("closed"):
            f = replace(
                f,
                close_deadline=h + 60 * M,
                closed_at=h + 40 * M,
                closer_id=302,
                closing_type="normal",
            )
    return replace(f, **overrides)  # type: ignore[arg-type]


def october() -> list[CaseFacts]:
    cases = [
        # --- department D1 -----------------------------------------------------------
        case(1, L(10, 3), G1, D1),  # normal, on time
        case(2, L(10, 5), G1, D1),  # normal, on time
        case(3, L(10, 6), G1, D1, handle_after=3 * D, closing_type="overdue"),  # handled late
        case(4, L(10, 7), G2, D1, reworks=1),  # 返工 once
        case(5, L(10, 8), G2, D1, handle_limit=4 * D, handle_after=3 * D, extensions=1),  # 延期
        case(6, L(10, 20), G2, D1, stop_after="dispatched"),  # overdue, never handled
        case(7, L(10, 30), G3, D1, stop_after="dispatched"),  # open, deadline in November
        # handled in time, check and close only in November (after the evaluation time)
        case(
            8,
            L(10, 10),
            G3,
            D1,
            checker_id=102,
            checked_at=L(11, 2, 9),
            closed_at=L(11, 2, 10),
        ),
        # deadline 30 Oct, feedback on 2 Nov: overdue and unhandled as of 31 Oct
        case(9, L(10, 28), G3, D1, handle_after=L(11, 2, 9) - L(10, 28, 10)),
        case(20, L(10, 12), G1, D1, dispatch_after=90 * M, dispatcher_id=402),  # late dispatch
        # September case closed (late, by 301) in October
        case(
            24,
            L(9, 19),
            G1,
            D1,
            checked_at=L(10, 2, 9),
            closed_at=L(10, 2, 10),
            close_deadline=L(10, 2, 9, 30),
            closer_id=301,
        ),
        # --- department D2 -----------------------------------------------------------
        case(10, L(10, 4), G1, D2, suspensions=1),  # 挂账
        case(11, L(10, 9), G2, D2, dispatcher_id=402, returns=1, wrong_dispatches=1),  # 回退
        case(12, L(10, 11), G1, D2, source="hotline", rating=5),  # citizen, all on time
        # citizen case: verification sent late, verified late, replied late, unhappy
        case(
            13,
            L(10, 13),
            G2,
            D2,
            source="open311",
            rating=2,
            verify_sent_at=L(10, 13, 9, 20),
            verified_at=L(10, 13, 9, 45),
            replied_at=L(10, 18),
        ),
        # citizen case dispatched 30 Oct, not due yet, no reply yet
        case(14, L(10, 30), G3, D2, source="hotline", stop_after="dispatched", replied_at=None),
        # filed late by 301 (dispatch deadline moved so the dispatch itself is on time)
        case(
            19,
            L(10, 23),
            G3,
            D2,
            reporter_id=102,
            filed_at=L(10, 23, 10, 20),
            dispatch_after=90 * M,
            dispatch_deadline=L(10, 23, 10, 40),
        ),
        case(21, L(10, 14), G4, D2, closed_at=L(10, 15, 11, 10)),  # closed late by 302
        # checked late by 102
        case(
            22,
            L(10, 16),
            G4,
            D2,
            checker_id=102,
            checked_at=L(10, 17, 10, 45),
            closed_at=L(10, 17, 10, 50),
        ),
        # check sent late by 202
        case(
            23,
            L(10, 17),
            G4,
            D2,
            check_sender_id=202,
            check_sent_at=L(10, 18, 10, 35),
            check_deadline=L(10, 18, 11, 5),
            checked_at=L(10, 18, 10, 50),
            close_deadline=L(10, 18, 11, 30),
            closed_at=L(10, 18, 11, 10),
        ),
        # reported and filed 30 Sept (local), dispatched 1 Oct 00:10 local (late)
        case(27, L(9, 30, 22, 30), G1, D2, dispatch_after=100 * M),
        case(28, L(10, 1, 0, 10), G3, D2),  # reported 1 Oct 00:10 local (30 Sept UTC)
        case(29, L(10, 24), G2, D2, source="hotline", rating=4, intake_operator_id=202),
        case(30, L(10, 25), G1, D2),
        # --- department D3 -----------------------------------------------------------
        # handled late after two reworks, closed late
        case(
            25,
            L(10, 18),
            G4,
            D3,
            handle_after=4 * D,
            reworks=2,
            closed_at=L(10, 22, 11, 10),
            closing_type="overdue",
        ),
        # --- cases that never reach a department ---------------------------------------
        case(
            15, L(10, 15), G1, None, source="hotline", stop_after="verified", rating=4
        ),  # not found
        case(16, L(10, 19), G3, None, stop_after="accepted", reporter_id=102),  # invalid report
        # filed by 302, then voided (作废)
        case(17, L(10, 21), G1, None, stop_after="filed", filer_id=302, voided_at=L(10, 21, 12)),
        # 自处理: filed by 302 and closed by 302 without a department
        case(
            18,
            L(10, 22),
            G2,
            None,
            stop_after="filed",
            filer_id=302,
            self_handled=True,
            close_deadline=L(10, 22, 11),
            closed_at=L(10, 22, 9, 55),
            closer_id=302,
            closing_type="self",
        ),
        # reported 31 Oct 23:50 local, filed and dispatched on 1 Nov
        case(26, L(10, 31, 23, 50), G3, D2, reporter_id=102),
    ]
    return sorted(cases, key=lambda f: f.case_id)
