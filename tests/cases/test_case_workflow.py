"""The pure workflow: standard flow, side flows, role checks and configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from urbangrid.cases.workflow import (
    Action,
    ActionRefused,
    CaseState,
    ClosingType,
    Command,
    Context,
    Event,
    Source,
    Status,
    WarningLevel,
    WorkflowConfig,
    allowed_actions,
    decide,
    evolve,
    rebuild,
    start_case,
)

from .wf_helpers import (
    DISPATCHER,
    HANDLER_A,
    HANDLER_B,
    INSPECTOR,
    INTAKE,
    LEADER,
    LIMIT,
    SHIFT_LEAD,
    SYSTEM,
    WallClock,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Run:
    """A case driven step by step, keeping its events."""

    def __init__(self, config: WorkflowConfig | None = None, **report: object) -> None:
        self.ctx = Context(config or WorkflowConfig(), WallClock())
        self.now = T0
        data: dict[str, object] = {
            "source": "inspector",
            "filing_condition_id": 9,
            "category_id": 8,
            "limit": LIMIT,
        }
        data.update(report)
        actor = data.pop("actor", INSPECTOR)
        attachments = tuple(data.pop("attachments", ()))  # type: ignore[call-overload]
        command = Command(Action.REPORT, data=data, attachments=attachments)
        event = start_case(command, actor, self.now, self.ctx)  # type: ignore[arg-type]
        self.events: list[Event] = [event]
        self.state: CaseState = evolve(None, event)

    def do(
        self,
        action: Action,
        actor: object,
        *,
        minutes: float = 5,
        comment: str = "",
        **data: object,
    ) -> CaseState:
        now = self.now + timedelta(minutes=minutes)
        event = decide(self.state, Command(action, comment, data), actor, now, self.ctx)  # type: ignore[arg-type]
        self.now = now
        self.events.append(event)
        self.state = evolve(self.state, event)
        return self.state


def test_inspector_report_runs_the_standard_flow_to_close() -> None:
    run = Run()
    assert run.state.status is Status.PENDING_INTAKE
    run.do(Action.ACCEPT_REPORT, INTAKE)
    # Inspector reports skip 核实 by default.
    assert run.state.status is Status.PENDING_FILING
    run.do(Action.FILE, SHIFT_LEAD)
    run.do(Action.DISPATCH, DISPATCHER, department_id=100)
    assert run.state.status is Status.DISPATCHED
    assert run.state.disposal_deadline == run.now + timedelta(hours=4)
    run.do(Action.DEPARTMENT_ACCEPT, HANDLER_A)
    run.do(Action.FEEDBACK, HANDLER_A, minutes=60)
    run.do(Action.CHECK_PASS, INSPECTOR)
    state = run.do(Action.CLOSE, SHIFT_LEAD)
    assert state.status is Status.CLOSED
    assert state.closing_type is ClosingType.NORMAL
    assert state.version == len(run.events) == 8
    assert state.reported_at == T0 and state.closed_at == run.now
    assert state.filed_at is not None and state.dispatched_at is not None
    assert state.handled_at is not None and state.checked_at is not None
    assert rebuild(run.events) == state


def test_hotline_report_needs_verification_by_an_inspector() -> None:
    run = Run(source="hotline", actor=INTAKE)
    run.do(Action.ACCEPT_REPORT, INTAKE)
    assert run.state.status is Status.PENDING_VERIFY
    with pytest.raises(ActionRefused) as refused:
        run.do(Action.VERIFY, INTAKE)
    assert refused.value.kind == "role"
    # the intake operator may re-class the report or send the 核实 task to an inspector (派发)
    assert refused.value.allowed == [Action.RECLASSIFY.value, Action.ASSIGN_INSPECTOR.value]
    run.do(Action.VERIFY, INSPECTOR, confirmed=True)
    assert run.state.status is Status.PENDING_FILING and run.state.verified_ok is True


def test_configuration_skips_steps() -> None:
    config = WorkflowConfig(
        skip_intake=True, verify_sources=frozenset(), require_department_accept=False
    )
    run = Run(config, source="hotline", actor=INTAKE)
    assert run.state.status is Status.PENDING_FILING
    run.do(Action.FILE, SHIFT_LEAD)
    run.do(Action.DISPATCH, DISPATCHER, department_id=100)
    assert run.state.status is Status.HANDLING


def test_config_round_trips_and_rejects_unknown_keys() -> None:
    config = WorkflowConfig.from_dict(
        {"skip_intake": True, "stage_limits": {"intake": {"minutes": 20}}, "max_extensions": 2}
    )
    assert WorkflowConfig.from_dict(config.to_dict()) == config
    assert config.stage_limits["intake"].value * 60 == 20  # type: ignore[index]
    with pytest.raises(ValueError, match="skip_intak"):
        WorkflowConfig.from_dict({"skip_intak": True})


def test_only_centre_roles_register_hotline_reports() -> None:
    with pytest.raises(ActionRefused) as refused:
        Run(source="hotline", actor=INSPECTOR)
    assert refused.value.kind == "role"


def _dispatched(**kw: object) -> Run:
    run = Run(**kw)  # type: ignore[arg-type]
    run.do(Action.ACCEPT_REPORT, INTAKE)
    run.do(Action.FILE, SHIFT_LEAD)
    run.do(Action.DISPATCH, DISPATCHER, department_id=100)
    run.do(Action.DEPARTMENT_ACCEPT, HANDLER_A)
    return run


def test_return_needs_a_reason_and_redispatch_elsewhere_is_a_wrong_dispatch() -> None:
    run = _dispatched()
    with pytest.raises(ActionRefused) as refused:
        run.do(Action.RETURN, HANDLER_A)
    assert refused.value.kind == "input"
    with pytest.raises(ActionRefused) as refused:
        run.do(Action.RETURN, HANDLER_B, comment="not ours")
    assert refused.value.kind == "role"  # another department's case
    run.do(Action.RETURN, HANDLER_A, comment="非本单位")
    assert run.state.status is Status.PENDING_DISPATCH
    assert run.state.disposal_deadline is None and run.state.returns == 1
    run.do(Action.DISPATCH, DISPATCHER, department_id=200)
    assert run.state.wrong_dispatches == 1 and run.state.dispatch_count == 2
    # The dispatcher may send it back to intake (回退 to 受理).
    run.do(Action.RETURN, HANDLER_B, comment="also not ours")
    run.do(Action.RETURN, DISPATCHER, comment="非我局")
    assert run.state.status is Status.PENDING_INTAKE and run.state.returns == 3


def test_extension_moves_the_deadline_by_the_granted_time() -> None:
    run = _dispatched()
    before = run.state.disposal_deadline
    assert before is not None
    run.do(Action.APPLY_EXTENSION, HANDLER_A, comment="need parts", extra="2")
    assert run.state.status is Status.EXTENSION_PENDING
    run.do(Action.REJECT_EXTENSION, DISPATCHER, comment="no")
    assert run.state.disposal_deadline == before
    run.do(Action.APPLY_EXTENSION, HANDLER_A, comment="need parts", extra="2")
    run.do(Action.APPROVE_EXTENSION, DISPATCHER)
    assert run.state.disposal_deadline == before + timedelta(hours=2)
    assert run.state.extensions == 1 and run.state.extension_total == Decimal(2)


def test_suspension_stops_the_clock() -> None:
    run = _dispatched()
    before = run.state.disposal_deadline
    assert before is not None
    run.do(Action.APPLY_SUSPENSION, HANDLER_A, comment="waiting for permit")
    run.do(Action.APPROVE_SUSPENSION, SHIFT_LEAD, minutes=10)
    assert run.state.status is Status.SUSPENDED and run.state.due_at is None
    with pytest.raises(ActionRefused):
        run.do(Action.WARN, SYSTEM, level="red")
    run.do(Action.RESUME, DISPATCHER, minutes=600)
    assert run.state.disposal_deadline == before + timedelta(minutes=600)


def test_check_failure_sends_the_case_back_to_the_same_department() -> None:
    run = _dispatched()
    deadline = run.state.disposal_deadline
    run.do(Action.FEEDBACK, HANDLER_A)
    run.do(Action.CHECK_FAIL, INSPECTOR, comment="still there")
    assert run.state.status is Status.DISPATCHED
    assert run.state.department_id == 100 and run.state.reworks == 1
    assert run.state.disposal_deadline == deadline


def test_late_feedback_closes_as_overdue_and_type_cannot_be_faked() -> None:
    run = _dispatched()
    run.do(Action.FEEDBACK, HANDLER_A, minutes=5 * 60)
    run.do(Action.CHECK_PASS, INSPECTOR)
    with pytest.raises(ActionRefused) as refused:
        run.do(Action.CLOSE, SHIFT_LEAD, closing_type="normal")
    assert refused.value.kind == "input"
    run.do(Action.CLOSE, SHIFT_LEAD)
    assert run.state.closing_type is ClosingType.OVERDUE


def test_self_handling_needs_a_photo_and_a_review() -> None:
    with pytest.raises(ActionRefused):
        Run(self_handled=True)
    run = Run(self_handled=True, attachments=[1])
    assert run.state.status is Status.SELF_HANDLE_REVIEW
    run.do(Action.APPROVE_SELF_HANDLING, INTAKE)
    assert run.state.status is Status.CLOSED and run.state.closing_type is ClosingType.NORMAL


def test_supervise_and_force_close() -> None:
    run = _dispatched()
    run.do(Action.SUPERVISE, LEADER, comment="加快处理")
    assert run.state.supervised and run.state.status is Status.HANDLING
    run.do(Action.FORCE_CLOSE, LEADER, comment="dissolved")
    assert run.state.closing_type is ClosingType.SPECIAL
    with pytest.raises(ActionRefused) as refused:
        run.do(Action.SUPERVISE, LEADER, comment="again")
    assert refused.value.kind == "state" and refused.value.allowed == []


def test_stage_deadline_and_warning_levels() -> None:
    run = Run()
    assert run.state.stage_deadline == T0 + timedelta(minutes=15)
    assert run.state.warn_at == T0 + timedelta(minutes=12)
    run.do(Action.WARN, SYSTEM, minutes=13, level="yellow")
    assert run.state.warning_level is WarningLevel.YELLOW
    with pytest.raises(ActionRefused):
        run.do(Action.WARN, SYSTEM, level="yellow")
    run.do(Action.ACCEPT_REPORT, INTAKE)
    assert run.state.warning_level is WarningLevel.GREEN


def test_file_needs_a_filing_condition() -> None:
    run = Run(source="hotline", actor=INTAKE, filing_condition_id=None, limit=None)
    run.do(Action.ACCEPT_REPORT, INTAKE)
    run.do(Action.VERIFY, INSPECTOR)
    with pytest.raises(ActionRefused) as refused:
        run.do(Action.FILE, SHIFT_LEAD)
    assert refused.value.kind == "input"
    run.do(Action.RECLASSIFY, INTAKE, category_id=3, filing_condition_id=4, limit=LIMIT)
    run.do(Action.FILE, SHIFT_LEAD)
    assert run.state.status is Status.PENDING_DISPATCH


def test_allowed_actions_for_department_depend_on_department() -> None:
    run = _dispatched()
    cfg = run.ctx.config
    assert Action.FEEDBACK in allowed_actions(run.state, HANDLER_A, cfg)
    assert allowed_actions(run.state, HANDLER_B, cfg) == []
    assert run.state.source == Source.INSPECTOR
