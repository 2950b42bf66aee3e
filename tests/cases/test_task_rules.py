"""cases.tasks: who holds a 核实 / 核查 task, and whom it may be sent to (派发). Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from urbangrid.cases import tasks
from urbangrid.cases import workflow as wf
from urbangrid.cases.tasks import POOL, Inspector, TaskHolder, assignment_problem, task_holder

I = frozenset({"inspector"})  # noqa: E741
A = Inspector(1, 10, I)
B = Inspector(2, 10, I)
AWAY = Inspector(3, 10, I, on_leave=True)
OFF = Inspector(4, 10, I, is_active=False)
CLERK = Inspector(5, 10, frozenset({"dispatcher"}))
FOREIGN = Inspector(6, 20, I)


@pytest.mark.parametrize("status", ["pending_verify", "pending_check"])
def test_grid_inspector_holds_the_task(status: str) -> None:
    assert task_holder(status, None, [A]) == TaskHolder((1,))
    assert task_holder(status, None, [B, A, AWAY]) == TaskHolder((1, 2))


@pytest.mark.parametrize(
    "grid", [[], [AWAY], [OFF], [CLERK], [AWAY, OFF]], ids=["none", "leave", "off", "clerk", "both"]
)
def test_no_present_grid_inspector_means_the_pool(grid: list[Inspector]) -> None:
    assert task_holder("pending_verify", None, grid) is POOL
    assert POOL.pooled


def test_a_sent_task_is_its_inspectors_alone_while_present() -> None:
    assert task_holder("pending_check", B, [A]) == TaskHolder((2,), sent=True)
    # Sent to someone now absent: back to the pool, not to the grid's inspector.
    assert task_holder("pending_check", AWAY, [A]) is POOL
    assert task_holder("pending_check", OFF, []) is POOL


def test_other_states_are_no_task() -> None:
    for status in wf.Status:
        holder = task_holder(status, None, [])
        assert (holder is None) == (status not in tasks.TASK_STATES)


def test_never_nobody() -> None:
    """Every combination gives an inspector or the pool: a task never goes to nobody."""
    people = [A, B, AWAY, OFF, CLERK, None]
    for status in tasks.TASK_STATES:
        for sent in people:
            for grid in ([], [A], [AWAY], [A, AWAY], [OFF, CLERK]):
                holder = task_holder(status, sent, grid)
                assert holder is not None
                assert holder.pooled or all(
                    i in {p.id for p in (A, B)} for i in holder.inspector_ids
                )


def test_assignment_problems() -> None:
    assert assignment_problem(B, 10, user_id=2) is None
    assert assignment_problem(B, 10, user_id=2, current=1) is None
    assert "already" in (assignment_problem(B, 10, user_id=2, current=2) or "")
    assert "not an inspector" in (assignment_problem(CLERK, 10, user_id=5) or "")
    assert "on leave" in (assignment_problem(AWAY, 10, user_id=3) or "")
    assert "disabled" in (assignment_problem(OFF, 10, user_id=4) or "")
    # Another platform's user, or none: the same words (nothing learnt about others).
    assert assignment_problem(FOREIGN, 10, user_id=6) == "no user 6 on this platform"
    assert assignment_problem(None, 10, user_id=6) == "no user 6 on this platform"


def _state(task_inspector_id: int | None) -> wf.CaseState:
    return wf.CaseState(
        status=wf.Status.PENDING_VERIFY,
        source=wf.Source.HOTLINE,
        task_inspector_id=task_inspector_id,
    )


def test_workflow_only_the_sent_inspector_verifies() -> None:
    config = wf.WorkflowConfig()
    grid_owner = wf.Actor(1, frozenset({"inspector"}))
    sent = wf.Actor(2, frozenset({"inspector"}))
    assert wf.Action.VERIFY in wf.allowed_actions(_state(None), grid_owner, config)
    assert wf.Action.VERIFY not in wf.allowed_actions(_state(2), grid_owner, config)
    assert wf.Action.VERIFY in wf.allowed_actions(_state(2), sent, config)

    class _Clock:
        def deadline(self, start: datetime, limit: object) -> datetime:
            return start

        def deadline_with_pauses(self, start: datetime, limit: object, pauses: object) -> datetime:
            return start

    ctx = wf.Context(config, _Clock())
    with pytest.raises(wf.ActionRefused) as refused:
        wf.decide(_state(2), wf.Command(wf.Action.VERIFY), grid_owner, datetime.now(UTC), ctx)
    assert refused.value.kind == "role" and "another inspector" in refused.value.reason
