"""Random sequences of allowed and forbidden actions against the pure workflow.

Invariants after every step: a refused action changes nothing and names the allowed ones;
an action the workflow lists as allowed is accepted (unless its input is incomplete); a
closed case takes no more actions; the events rebuild the state; the disposal deadline of
an assignment never moves except forward by an approved extension or a resumed suspension;
and the time spent suspended is not counted against the limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from urbangrid.cases.workflow import (
    Action,
    ActionRefused,
    Actor,
    CaseState,
    Clock,
    Command,
    Context,
    Event,
    Source,
    Status,
    WorkflowConfig,
    allowed_actions,
    decide,
    evolve,
    level_at,
    rebuild,
    report_roles,
    start_case,
)

from .wf_helpers import ACTORS, WallClock

LIMITS = [
    {"value": "4", "unit": "work_hour"},
    {"value": "2", "unit": "work_day"},
    {"value": "2", "unit": "urgent_hour_continuous"},
    {"value": "1", "unit": "natural_day"},
]
ACTIONS = [a for a in Action if a is not Action.REPORT]
_ENDINGS = {
    Action.FORCE_CLOSE,
    Action.VOID,
    Action.NOT_FILE,
    Action.REJECT_SELF_HANDLING,
    Action.RETURN,
    Action.RECLASSIFY,
    Action.SUPERVISE,
    Action.WARN,
    Action.TRANSFER,
}
START = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def _data_for(action: Action, state: CaseState, draw: Any) -> dict[str, Any]:
    if action is Action.DISPATCH:
        return {"department_id": draw(st.sampled_from([100, 200]))}
    if action is Action.APPLY_EXTENSION:
        return {"extra": draw(st.sampled_from(["1", "2.5"]))}
    if action is Action.VERIFY:
        return {"confirmed": draw(st.booleans())}
    if action is Action.RECLASSIFY:
        return {"category_id": 1, "filing_condition_id": 2, "limit": draw(st.sampled_from(LIMITS))}
    if action is Action.FORWARD:
        return {"department_id": draw(st.sampled_from([100, 101, 200]))}
    if action is Action.ASSIGN_INSPECTOR:
        return {"inspector_id": 1}
    if action is Action.TRANSFER:
        return {"jurisdiction_id": 9, "from_number": "C-1", "number": "D-1"}
    return {}


class WorkflowMachine(RuleBasedStateMachine):
    clock: Clock = WallClock()

    def __init__(self) -> None:
        super().__init__()
        self.state: CaseState | None = None
        self.events: list[Event] = []
        self.now = START
        self.ctx: Context | None = None

    @rule(
        source=st.sampled_from(list(Source)),
        skip_intake=st.booleans(),
        accept=st.booleans(),
        self_handled=st.booleans(),
        with_condition=st.sampled_from([True, True, True, False]),
        limit=st.sampled_from(LIMITS),
    )
    def report(
        self,
        source: Source,
        skip_intake: bool,
        accept: bool,
        self_handled: bool,
        with_condition: bool,
        limit: dict[str, str],
    ) -> None:
        if self.state is not None:
            return
        self.ctx = Context(
            WorkflowConfig(skip_intake=skip_intake, require_department_accept=accept),
            self.clock,
        )
        self_handled = self_handled and source is Source.INSPECTOR
        actor = next(a for a in ACTORS if a.roles & report_roles(source))
        data = {
            "source": source.value,
            "self_handled": self_handled,
            "category_id": 1 if with_condition else None,
            "filing_condition_id": 2 if with_condition else None,
            "limit": limit if with_condition else None,
        }
        event = start_case(Command(Action.REPORT, data=data, attachments=(7,)), actor, self.now,
                           self.ctx)  # fmt: skip
        self.events.append(event)
        self.state = evolve(None, event)

    @rule(
        action=st.sampled_from(ACTIONS),
        actor=st.sampled_from(ACTORS),
        reason=st.sampled_from(["", "原因"]),
        minutes=st.integers(0, 3 * 24 * 60),
        data=st.data(),
    )
    def act(
        self, action: Action, actor: Actor, reason: str, minutes: int, data: st.DataObject
    ) -> None:
        if self.state is None or self.ctx is None:
            return
        before = self.state
        now = self.now + timedelta(minutes=minutes)
        payload = _data_for(action, before, data.draw)
        if action is Action.WARN:
            payload["level"] = level_at(now, before.warn_at, before.due_at).value
        allowed = allowed_actions(before, actor, self.ctx.config)
        try:
            event = decide(before, Command(action, reason, payload), actor, now, self.ctx)
        except ActionRefused as refused:
            assert refused.allowed == [a.value for a in allowed]
            if action in allowed:
                # Allowed actions are refused only for their input (or a no-op warning).
                assert refused.kind == "input" or action is Action.WARN, refused.reason
            else:
                assert refused.kind in ("role", "state"), refused.reason
            assert self.state == before
            return
        assert not before.is_closed, "a closed case took an action"
        assert action in allowed
        after = evolve(before, event)
        self._check_deadline_moves(before, after, action)
        self.events.append(event)
        self.state = after
        self.now = now

    @rule(
        pick=st.integers(0, 10_000),
        reason=st.sampled_from(["原因", "原因", ""]),
        minutes=st.integers(0, 2 * 24 * 60),
        data=st.data(),
    )
    def act_allowed(self, pick: int, reason: str, minutes: int, data: st.DataObject) -> None:
        """Pick among the actions somebody may take now, so random walks get deep."""
        if self.state is None or self.ctx is None:
            return
        options = [
            (action, actor)
            for actor in ACTORS
            for action in allowed_actions(self.state, actor, self.ctx.config)
        ]
        if options:
            action, actor = options[pick % len(options)]
            self.act(action=action, actor=actor, reason=reason, minutes=minutes, data=data)
        else:
            assert self.state.is_closed, "an open case nobody can act on"

    @rule(pick=st.integers(0, 10_000), minutes=st.integers(0, 36 * 60), data=st.data())
    def act_forward(self, pick: int, minutes: int, data: st.DataObject) -> None:
        """Like act_allowed, without the actions that end or rewind a case, so walks reach
        the department stages and their side flows (extension, suspension, rework)."""
        if self.state is None or self.ctx is None:
            return
        options = [
            (action, actor)
            for actor in ACTORS
            for action in allowed_actions(self.state, actor, self.ctx.config)
            if action not in _ENDINGS
        ]
        if options:
            action, actor = options[pick % len(options)]
            self.act(action=action, actor=actor, reason="原因", minutes=minutes, data=data)

    def _check_deadline_moves(self, before: CaseState, after: CaseState, action: Action) -> None:
        old, new = before.disposal_deadline, after.disposal_deadline
        if old is None or new is None or before.assigned_at != after.assigned_at:
            return
        if new != old:
            assert action in (Action.APPROVE_EXTENSION, Action.RESUME), action
            assert new > old, "deadline moved backwards"

    @invariant()
    def events_rebuild_state(self) -> None:
        if self.state is not None:
            assert rebuild(self.events) == self.state
            assert self.state.version == len(self.events)

    @invariant()
    def paused_time_is_not_counted(self) -> None:
        state = self.state
        if state is None or state.disposal_deadline is None or state.suspended_since:
            return
        limit = state.effective_limit
        assert limit is not None and state.assigned_at is not None
        used = self.clock.used_seconds_with_pauses(  # type: ignore[attr-defined]
            state.assigned_at, state.disposal_deadline, limit.unit, state.pauses
        )
        assert abs(used - self.clock.limit_seconds(limit)) < 1e-3  # type: ignore[attr-defined]

    @invariant()
    def counters_match_events(self) -> None:
        if self.state is None:
            return
        count = {a: sum(1 for e in self.events if e.action is a) for a in Action}
        assert self.state.returns == count[Action.RETURN]
        assert self.state.reworks == count[Action.CHECK_FAIL]
        assert self.state.extensions == count[Action.APPROVE_EXTENSION]
        assert self.state.dispatch_count == count[Action.DISPATCH] + count[Action.CHECK_FAIL]
        if self.state.status is Status.CLOSED:
            assert self.state.closing_type is not None and self.state.closed_at is not None
        # 转派 is not a 派遣: only the centre's dispatches are the case's departments.
        assert len(self.state.departments) == count[Action.DISPATCH]

    @invariant()
    def units_stay_in_the_dispatched_tree(self) -> None:
        """A case is held by the department it was dispatched to or by one of its sub-units
        (a 转派 never sends it sideways to another department)."""
        state = self.state
        if state is None or state.department_id is None:
            return
        subunits = {100: {100, 101}, 200: {200}}
        assert state.department_id in subunits[state.departments[-1]]

    @invariant()
    def a_task_is_for_one_step(self) -> None:
        """A 派发 task exists only while the case waits for 核实 / 核查, and only after a 派发
        in that same step."""
        state = self.state
        if state is None or state.task_inspector_id is None:
            return
        assert state.status in (Status.PENDING_VERIFY, Status.PENDING_CHECK)
        last_move = max(
            i for i, e in enumerate(self.events)
            if e.from_state != e.to_state or e.action is Action.TRANSFER
        )  # fmt: skip
        assert any(e.action is Action.ASSIGN_INSPECTOR for e in self.events[last_move + 1 :])


TestWorkflowWallClock = WorkflowMachine.TestCase
TestWorkflowWallClock.settings = settings(
    max_examples=80, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


def _work_clock() -> Clock | None:
    try:
        from urbangrid.cases.worktime import WorkClock
    except ImportError:
        return None
    return WorkClock()  # type: ignore[return-value]


_REAL = _work_clock()


if _REAL is not None:

    class WorkClockMachine(WorkflowMachine):
        """The same machine on the real working-time clock (office hours, holidays)."""

        clock = _REAL

    TestWorkflowWorkClock = WorkClockMachine.TestCase
    TestWorkflowWorkClock.settings = settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip
