"""Notifications (notify): 预警 at yellow once, 督办 to the responsible department, the bell
through the visibility policy, and the work lists' unread counts per user and list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_world import Town, act, make_town, report, to_dispatched

from urbangrid.auth.service import issue_token
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.kit.errors import Forbidden, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.notify import service as notify
from urbangrid.notify.models import Notification, WorklistMark
from urbangrid.notify.rules import Kind, kind_of, stage_queues
from urbangrid.web import queries


@pytest.fixture
def town(session: Session) -> Town:
    t = make_town(session)
    session.commit()
    return t


def recipients(session: Session, town: Town, case: Case, kind: str) -> set[str]:
    names = {u.id: name for name, u in town.users.items()}
    rows = session.scalars(
        select(Notification.user_id).where(
            Notification.case_id == case.id, Notification.kind == kind
        )
    )
    return {names[uid] for uid in rows}


# ---------------------------------------------------------------- pure rules


def test_which_events_notify_and_whose_lists_are_responsible() -> None:
    assert kind_of("warn", {"level": "yellow"}) is Kind.PRE_OVERDUE
    assert kind_of("warn", {"level": "red"}) is None
    assert kind_of("supervise", {}) is Kind.SUPERVISED
    assert kind_of("dispatch", {"department_id": 1}) is None
    assert stage_queues("handling") == ("department",)
    assert stage_queues("extension_pending") == ("department",)
    assert stage_queues("pending_intake") == ("intake",)
    assert set(stage_queues("pending_verify")) == {"checks", "pool"}
    assert stage_queues("closed") == ()
    assert stage_queues("bogus") == ()


# ---------------------------------------------------------------- 预警 (pre-overdue)


def test_yellow_alert_reaches_the_department_once_across_rounds(
    session: Session, town: Town
) -> None:
    case = to_dispatched(session, town, report(session, town))
    other = to_dispatched(session, town, report(session, town, grid=1))
    session.commit()
    assert case.warn_at is not None and case.due_at is not None
    rounds = [case.warn_at + timedelta(seconds=s) for s in (1, 30, 60, 90)]
    changed = [cases.sla_scan(session, now=t) for t in rounds]
    session.commit()
    assert changed[0] == 2 and changed[1:] == [0, 0, 0]
    assert recipients(session, town, case, "pre_overdue") == {"hw"}
    # Red (overdue) is no pre-overdue alert: still one.
    assert cases.sla_scan(session, now=case.due_at + timedelta(minutes=1)) >= 1
    session.commit()
    count = session.scalar(
        select(func.count()).where(Notification.case_id == case.id, Notification.user_id > 0)
    )
    assert count == 1
    assert recipients(session, town, other, "pre_overdue") == {"hw"}
    for name in ("sz", "lead", "dispatcher", "intake", "inspector", "leader"):
        views, unread = notify.list_notifications(session, town.who(name))
        assert (views, unread) == ([], 0), name
    views, unread = notify.list_notifications(session, town.who("hw"))
    assert unread == 2 and {v.row.case_id for v in views} == {case.id, other.id}
    assert views[0].row.data["number"] in (case.number, other.number)


def test_yellow_alert_in_centre_and_task_stages(session: Session, town: Town) -> None:
    new = report(session, town, source="hotline")
    task = act(
        session, town, report(session, town, grid=0, source="hotline"), "accept_report", "intake"
    )
    pooled = act(
        session, town, report(session, town, grid=2, source="hotline"), "accept_report", "intake"
    )
    session.commit()
    assert task.status == pooled.status == "pending_verify"
    for c in (new, task, pooled):
        assert c.warn_at is not None
        cases.sla_scan(session, now=c.warn_at + timedelta(seconds=1))
    session.commit()
    # 受理: the intake list's users (受理员, 值班长).
    assert recipients(session, town, new, "pre_overdue") == {"intake", "lead"}
    # 核实 in the inspector's grid: the inspector; in a grid nobody patrols: the pool's lead.
    assert recipients(session, town, task, "pre_overdue") == {"inspector"}
    assert recipients(session, town, pooled, "pre_overdue") == {"lead"}


# ---------------------------------------------------------------- 督办


def test_supervision_reaches_the_department_and_no_other(session: Session, town: Town) -> None:
    case = to_dispatched(session, town, report(session, town))
    session.commit()
    act(session, town, case, "supervise", "leader", comment="尽快处理")
    session.commit()
    assert recipients(session, town, case, "supervised") == {"hw"}
    views, _ = notify.list_notifications(session, town.who("hw"))
    assert views[0].row.kind == "supervised" and views[0].row.data["comment"] == "尽快处理"
    assert notify.list_notifications(session, town.who("sz")) == ([], 0)
    # A case no department holds yet: the stage's users (派遣: 派遣员, 值班长).
    waiting = act(session, town, report(session, town), "accept_report", "intake")
    waiting = act(session, town, waiting, "file", "lead")
    act(session, town, waiting, "supervise", "leader", comment="督办")
    session.commit()
    assert recipients(session, town, waiting, "supervised") == {"dispatcher", "lead"}


# ---------------------------------------------------------------- visibility and reads


def test_a_notification_of_a_case_no_longer_read_is_gone(session: Session, town: Town) -> None:
    case = to_dispatched(session, town, report(session, town))
    act(session, town, case, "supervise", "leader", comment="督办")
    session.commit()
    hw = town.who("hw")
    (view,), unread = notify.list_notifications(session, hw)
    assert unread == 1
    # 回退 and 派遣 to the roads department: hw no longer reads the case.
    act(session, town, case, "return", "hw", comment="非本单位")
    act(session, town, case, "dispatch", "dispatcher", department_id=town.roads.id)
    session.commit()
    assert notify.list_notifications(session, hw) == ([], 0)
    with pytest.raises(NotFound) as refused:
        notify.mark_read(session, hw, view.row.id)
    assert refused.value.code == "notification_not_found"
    assert notify.mark_all_read(session, hw) == 0
    session.refresh(view.row)
    assert view.row.read_at is None  # nothing changed


def test_mark_read_and_all_read_over_http(client: TestClient, session: Session, town: Town) -> None:
    a = to_dispatched(session, town, report(session, town))
    b = to_dispatched(session, town, report(session, town, grid=1))
    for c in (a, b):
        act(session, town, c, "supervise", "leader", comment="督办")
    session.commit()
    hw = bearer(session, town, "hw")
    sz = bearer(session, town, "sz")
    body = client.get("/api/v1/notifications", headers=hw).json()
    assert body["unread"] == 2 and len(body["items"]) == 2
    first = body["items"][0]["id"]
    # Not its own: 404, as for one that does not exist; nothing marked.
    for n in (first, 999_999):
        r = client.post(f"/api/v1/notifications/{n}/read", headers=sz)
        assert r.status_code == 404 and r.json()["code"] == "notification_not_found"
    assert client.get("/api/v1/notifications", headers=hw).json()["unread"] == 2
    r = client.post(f"/api/v1/notifications/{first}/read", headers=hw)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert client.get("/api/v1/notifications?unread_only=true", headers=hw).json()["unread"] == 1
    r = client.post("/api/v1/notifications/read-all", headers=hw)
    assert r.json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications?limit=0", headers=hw).status_code == 422


# ---------------------------------------------------------------- unread counts per list


def bearer(session: Session, town: Town, name: str) -> dict[str, str]:
    token = issue_token(session, town.users[name]).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_unread_counts_per_user_and_list(session: Session, town: Town) -> None:
    first = to_dispatched(session, town, report(session, town))
    session.commit()
    hw, sz = town.who("hw"), town.who("sz")
    marks = notify.seen_marks
    # Never opened: every arrival counts, but not the user's own steps (the shift lead
    # filed the case into the 派遣 list: nothing new for it there; for the dispatcher, one).
    assert queries.queue_counts(session, hw, seen=marks(session, hw))["department"] == 1
    filed = act(session, town, report(session, town), "accept_report", "intake")
    filed = act(session, town, filed, "file", "lead")
    session.commit()
    lead, dispatcher = town.who("lead"), town.who("dispatcher")
    assert queries.queue_counts(session, lead, seen={})["dispatch"] == 0
    assert queries.queue_counts(session, dispatcher, seen={})["dispatch"] == 1
    assert queries.queue_counts(session, lead)["dispatch"] == 1  # what the list holds
    notify.mark_seen(session, hw, "department", now=utcnow())
    session.commit()
    assert queries.queue_counts(session, hw, seen=marks(session, hw))["department"] == 0
    # A new dispatch arrives after the mark: one unread; the other department sees none.
    later = utcnow() + timedelta(seconds=5)
    second = to_dispatched(session, town, report(session, town, grid=1), now=later)
    session.commit()
    assert queries.queue_counts(session, hw, seen=marks(session, hw))["department"] == 1
    assert queries.queue_counts(session, sz, seen=marks(session, sz))["department"] == 0
    # The handler's own step within the list (签收) is no arrival.
    act(session, town, second, "department_accept", "hw", now=later + timedelta(seconds=1))
    session.commit()
    assert queries.queue_counts(session, hw, seen=marks(session, hw))["department"] == 1
    notify.mark_seen(session, hw, "department", now=later + timedelta(seconds=2))
    session.commit()
    assert queries.queue_counts(session, hw, seen=marks(session, hw))["department"] == 0
    # The total is still what the list holds.
    assert queries.queue_counts(session, hw)["department"] == 2
    assert first.status == "dispatched"


def test_marks_refuse_lists_the_user_cannot_open(
    client: TestClient, session: Session, town: Town
) -> None:
    with pytest.raises(Forbidden):
        notify.mark_seen(session, town.who("hw"), "dispatch")
    with pytest.raises(NotFound):
        notify.mark_seen(session, town.who("hw"), "nope")
    hw = bearer(session, town, "hw")
    for queue, status in (("dispatch", 403), ("nope", 404), ("all", 404)):
        r = client.post(f"/api/v1/notifications/worklists/{queue}/seen", headers=hw)
        assert r.status_code == status, queue
        assert r.json()["code"] in ("worklist_forbidden", "worklist_not_found")
    assert session.scalar(select(func.count()).select_from(WorklistMark)) == 0
    r = client.post("/api/v1/notifications/worklists/department/seen", headers=hw)
    assert r.status_code == 200 and r.json()["queue"] == "department"
    counts = client.get("/api/v1/notifications/worklists", headers=hw).json()["queues"]
    assert counts == {"department": 0}
