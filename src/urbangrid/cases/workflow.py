"""The case workflow (案件流程) as a pure, event-sourced state machine — no I/O.

Two functions carry the whole lifecycle:

- :func:`decide` ``(state, command, actor, now, ctx) -> Event`` checks the caller's role
  and scope and the case's state, computes every time-dependent value (deadlines, warning
  level) with the working-time clock in ``ctx``, and returns the event to record — or
  raises :class:`ActionRefused` with the reason and the actions that *are* allowed.
- :func:`evolve` ``(state, event) -> CaseState`` folds one event into the state using only
  what the event carries (no clock, no configuration), so :func:`rebuild` of the stored
  events always gives back the stored state, whatever happens to calendars later.

Standard flow: 上报/登记 (``report``) → 受理 (``accept_report``) → 核实 (``verify``, for
channels in ``WorkflowConfig.verify_sources``) → 立案 (``file``) / 不予立案 (``not_file``) /
作废 (``void``) → 派遣 (``dispatch``) → 签收 (``department_accept``) → 处置 and 反馈
(``feedback``) → 核查 (``check_pass``) → 结案 (``close``). Side flows: 回退 (``return``),
延期 (``apply_extension`` / ``approve_extension`` / ``reject_extension``), 挂账 / 恢复
(``apply_suspension`` / ``approve_suspension`` / ``reject_suspension`` / ``resume``),
返工 (``check_fail``), 督办 (``supervise``), 自处理 (a ``report`` with ``self_handled``,
then ``approve_self_handling`` / ``reject_self_handling``), 强制结案 (``force_close``),
改类 (``reclassify``) and the SLA watcher's ``warn``. Multi-level: 转派 (``forward``, 二级派遣:
a department hands the case to one of its sub-units, the deadline keeps running), 派发
(``assign_inspector``: the 核实 / 核查 task goes to a named inspector) and 派遣到区
(``transfer``: a city platform sends a case down to the district platform it lies in, where
it starts again at 受理; the service moves the case row, this module only records the step).

Deadlines: each centre stage (受理, 核实, 立案, 派遣, 核查, 结案, 自处理审核) has a stage limit
from the configuration; department stages run against the disposal deadline, computed at
派遣 from the filing condition's limit and moved only by an approved extension or by the
time a suspension stopped the clock. 返工 keeps the assignment's deadline (the department's
clock kept running); a 回退 clears it and the next 派遣 starts a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from urbangrid.catalog.timelimits import TimeLimit, TimeUnit
from urbangrid.org.roles import Role

Pause = tuple[datetime, datetime]


class Clock(Protocol):
    """What the workflow needs from the working-time clock (``cases.worktime.WorkClock``)."""

    def deadline(self, start: datetime, limit: TimeLimit) -> datetime: ...

    def deadline_with_pauses(
        self, start: datetime, limit: TimeLimit, pauses: Sequence[Pause]
    ) -> datetime | None: ...


class Status(StrEnum):
    PENDING_INTAKE = "pending_intake"  # 待受理
    PENDING_VERIFY = "pending_verify"  # 待核实
    PENDING_FILING = "pending_filing"  # 待立案
    PENDING_DISPATCH = "pending_dispatch"  # 待派遣
    DISPATCHED = "dispatched"  # 已派遣, 待部门签收
    HANDLING = "handling"  # 处置中
    EXTENSION_PENDING = "extension_pending"  # 延期待审批
    SUSPENSION_PENDING = "suspension_pending"  # 挂账待审批
    SUSPENDED = "suspended"  # 挂账 (clock stopped)
    PENDING_CHECK = "pending_check"  # 待核查
    PENDING_CLOSE = "pending_close"  # 待结案
    SELF_HANDLE_REVIEW = "self_handle_review"  # 自处理待审核
    CLOSED = "closed"  # 已结案
    NOT_FILED = "not_filed"  # 不予立案
    VOIDED = "voided"  # 作废

    @property
    def label_zh(self) -> str:
        return STATUS_LABELS_ZH[self]

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


STATUS_LABELS_ZH: dict[Status, str] = {
    Status.PENDING_INTAKE: "待受理",
    Status.PENDING_VERIFY: "待核实",
    Status.PENDING_FILING: "待立案",
    Status.PENDING_DISPATCH: "待派遣",
    Status.DISPATCHED: "待签收",
    Status.HANDLING: "处置中",
    Status.EXTENSION_PENDING: "延期待审批",
    Status.SUSPENSION_PENDING: "挂账待审批",
    Status.SUSPENDED: "挂账",
    Status.PENDING_CHECK: "待核查",
    Status.PENDING_CLOSE: "待结案",
    Status.SELF_HANDLE_REVIEW: "自处理待审核",
    Status.CLOSED: "已结案",
    Status.NOT_FILED: "不予立案",
    Status.VOIDED: "作废",
}

TERMINAL = frozenset({Status.CLOSED, Status.NOT_FILED, Status.VOIDED})
# As stored in ``cases.status``. Queries test "open" with IN (OPEN_VALUES), never NOT IN: the
# (jurisdiction, status) index then finds the few open cases among a million closed ones.
TERMINAL_VALUES = frozenset(s.value for s in TERMINAL)
OPEN_VALUES = tuple(s.value for s in Status if s not in TERMINAL)
# States in which the department's disposal clock is the one that counts.
DEPARTMENT_STATES = frozenset(
    {Status.DISPATCHED, Status.HANDLING, Status.EXTENSION_PENDING, Status.SUSPENSION_PENDING}
)


class Stage(StrEnum):
    """Centre stages (环节) with their own time limit."""

    INTAKE = "intake"  # 受理
    VERIFY = "verify"  # 核实
    FILING = "filing"  # 立案
    DISPATCH = "dispatch"  # 派遣
    CHECK = "check"  # 核查
    CLOSE = "close"  # 结案
    REVIEW = "review"  # 自处理审核


STAGE_OF_STATUS: dict[Status, Stage] = {
    Status.PENDING_INTAKE: Stage.INTAKE,
    Status.PENDING_VERIFY: Stage.VERIFY,
    Status.PENDING_FILING: Stage.FILING,
    Status.PENDING_DISPATCH: Stage.DISPATCH,
    Status.PENDING_CHECK: Stage.CHECK,
    Status.PENDING_CLOSE: Stage.CLOSE,
    Status.SELF_HANDLE_REVIEW: Stage.REVIEW,
}


class Source(StrEnum):
    """Report channel (案件来源)."""

    INSPECTOR = "inspector"  # 监督员上报
    HOTLINE = "hotline"  # 12345 热线
    WEB = "web"  # 网络上报: web form and Open311
    VIDEO = "video"  # 视频发现
    SENSOR = "sensor"  # 物联感知
    LEADER = "leader"  # 领导交办
    MEDIA = "media"  # 媒体曝光


class ClosingType(StrEnum):
    NORMAL = "normal"  # 正常结案
    OVERDUE = "overdue"  # 超时结案
    ERROR = "error"  # 差错结案
    SPECIAL = "special"  # 特殊结案


class WarningLevel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"  # ≥ yellow_ratio of the limit used
    RED = "red"  # overdue


class Action(StrEnum):
    REPORT = "report"  # 上报 / 登记
    ACCEPT_REPORT = "accept_report"  # 受理
    VERIFY = "verify"  # 核实
    RECLASSIFY = "reclassify"  # 改类
    FILE = "file"  # 立案
    NOT_FILE = "not_file"  # 不予立案
    VOID = "void"  # 作废
    DISPATCH = "dispatch"  # 派遣
    DEPARTMENT_ACCEPT = "department_accept"  # 签收
    RETURN = "return"  # 回退
    FEEDBACK = "feedback"  # 处置反馈
    APPLY_EXTENSION = "apply_extension"  # 延期申请
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    APPLY_SUSPENSION = "apply_suspension"  # 挂账申请
    APPROVE_SUSPENSION = "approve_suspension"
    REJECT_SUSPENSION = "reject_suspension"
    RESUME = "resume"  # 挂账恢复
    CHECK_PASS = "check_pass"  # 核查通过
    CHECK_FAIL = "check_fail"  # 核查不通过 → 返工
    CLOSE = "close"  # 结案
    FORCE_CLOSE = "force_close"  # 强制结案
    SUPERVISE = "supervise"  # 督办
    APPROVE_SELF_HANDLING = "approve_self_handling"  # 自处理审核通过 (结案存档)
    REJECT_SELF_HANDLING = "reject_self_handling"  # 自处理无效
    WARN = "warn"  # SLA watcher: warning level changed
    FORWARD = "forward"  # 转派 (二级派遣): department → one of its sub-units
    ASSIGN_INSPECTOR = "assign_inspector"  # 派发: 核实 / 核查 task to a named inspector
    TRANSFER = "transfer"  # 派遣到区: city platform → the district platform

    @property
    def label_zh(self) -> str:
        return ACTION_LABELS_ZH[self]


ACTION_LABELS_ZH: dict[Action, str] = {
    Action.REPORT: "上报",
    Action.ACCEPT_REPORT: "受理",
    Action.VERIFY: "核实",
    Action.RECLASSIFY: "改类",
    Action.FILE: "立案",
    Action.NOT_FILE: "不予立案",
    Action.VOID: "作废",
    Action.DISPATCH: "派遣",
    Action.DEPARTMENT_ACCEPT: "签收",
    Action.RETURN: "回退",
    Action.FEEDBACK: "处置反馈",
    Action.APPLY_EXTENSION: "延期申请",
    Action.APPROVE_EXTENSION: "延期批准",
    Action.REJECT_EXTENSION: "延期驳回",
    Action.APPLY_SUSPENSION: "挂账申请",
    Action.APPROVE_SUSPENSION: "挂账批准",
    Action.REJECT_SUSPENSION: "挂账驳回",
    Action.RESUME: "挂账恢复",
    Action.CHECK_PASS: "核查通过",
    Action.CHECK_FAIL: "返工",
    Action.CLOSE: "结案",
    Action.FORCE_CLOSE: "强制结案",
    Action.SUPERVISE: "督办",
    Action.APPROVE_SELF_HANDLING: "自处理通过",
    Action.REJECT_SELF_HANDLING: "自处理无效",
    Action.WARN: "预警",
    Action.FORWARD: "转派",
    Action.ASSIGN_INSPECTOR: "派发",
    Action.TRANSFER: "派遣到区",
}

# The role name recorded for the SLA watcher's events.
SYSTEM_ROLE = "system"


def _minutes(n: int) -> TimeLimit:
    return TimeLimit(Decimal(n) / Decimal(60), TimeUnit.URGENT_HOUR)


DEFAULT_STAGE_LIMITS: dict[Stage, TimeLimit] = {
    Stage.INTAKE: _minutes(15),
    Stage.VERIFY: _minutes(30),
    Stage.FILING: _minutes(15),
    Stage.DISPATCH: _minutes(15),
    Stage.CHECK: _minutes(30),
    Stage.CLOSE: _minutes(30),
    Stage.REVIEW: _minutes(30),
}

DEFAULT_VERIFY_SOURCES = frozenset(
    {Source.HOTLINE, Source.WEB, Source.VIDEO, Source.SENSOR, Source.MEDIA}
)


@dataclass(frozen=True)
class WorkflowConfig:
    """Which steps a jurisdiction uses, and its stage limits — data, not code.

    Stored as JSON in ``jurisdictions.settings["workflow"]`` (see :meth:`from_dict`).
    """

    # Reports skip the 受理 confirmation and go straight to 核实 / 立案.
    skip_intake: bool = False
    # Channels whose reports an inspector must verify (核实) before 立案.
    verify_sources: frozenset[Source] = DEFAULT_VERIFY_SOURCES
    # Departments confirm receipt (签收) before handling; off: 派遣 goes straight to 处置中.
    require_department_accept: bool = True
    # 自处理 cases wait for a review; off: they close at once.
    review_self_handling: bool = True
    # 自处理 and 反馈 need at least one photo attached.
    self_handling_needs_photo: bool = True
    feedback_needs_photo: bool = False
    # Extensions a case may get (None: unlimited).
    max_extensions: int | None = None
    stage_limits: Mapping[Stage, TimeLimit] = field(
        default_factory=lambda: dict(DEFAULT_STAGE_LIMITS)
    )
    # Share of a limit after which the case turns yellow.
    yellow_ratio: Decimal = Decimal("0.8")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> WorkflowConfig:
        """Build from JSON settings; unknown keys are errors so typos do not pass silently."""
        raw = dict(raw or {})
        known = {
            "skip_intake",
            "verify_sources",
            "require_department_accept",
            "review_self_handling",
            "self_handling_needs_photo",
            "feedback_needs_photo",
            "max_extensions",
            "stage_limits",
            "yellow_ratio",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown workflow setting(s): {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for key in (
            "skip_intake",
            "require_department_accept",
            "review_self_handling",
            "self_handling_needs_photo",
            "feedback_needs_photo",
        ):
            if key in raw:
                kwargs[key] = bool(raw[key])
        if "verify_sources" in raw:
            kwargs["verify_sources"] = frozenset(Source(s) for s in raw["verify_sources"])
        if raw.get("max_extensions") is not None:
            kwargs["max_extensions"] = int(raw["max_extensions"])
        if "yellow_ratio" in raw:
            ratio = Decimal(str(raw["yellow_ratio"]))
            if not Decimal(0) < ratio <= Decimal(1):
                raise ValueError("yellow_ratio must be in (0, 1]")
            kwargs["yellow_ratio"] = ratio
        limits = dict(DEFAULT_STAGE_LIMITS)
        for stage, spec in (raw.get("stage_limits") or {}).items():
            limits[Stage(stage)] = _limit_from_json(spec)
        kwargs["stage_limits"] = limits
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "skip_intake": self.skip_intake,
            "verify_sources": sorted(s.value for s in self.verify_sources),
            "require_department_accept": self.require_department_accept,
            "review_self_handling": self.review_self_handling,
            "self_handling_needs_photo": self.self_handling_needs_photo,
            "feedback_needs_photo": self.feedback_needs_photo,
            "max_extensions": self.max_extensions,
            "stage_limits": {s.value: _limit_to_json(lim) for s, lim in self.stage_limits.items()},
            "yellow_ratio": str(self.yellow_ratio),
        }


def _limit_from_json(spec: Any) -> TimeLimit:
    """``{"value": "0.5", "unit": "urgent_hour_continuous"}`` or ``{"minutes": 15}``."""
    if isinstance(spec, Mapping) and "minutes" in spec:
        return _minutes(int(spec["minutes"]))
    if isinstance(spec, Mapping):
        value = Decimal(str(spec["value"]))
        if not value.is_finite() or value <= 0:
            raise ValueError(f"time limit value {spec['value']!r} must be positive")
        return TimeLimit(value, TimeUnit(spec["unit"]))
    raise ValueError(f"bad time limit {spec!r}: expected {{'value', 'unit'}} or {{'minutes'}}")


def _limit_to_json(limit: TimeLimit) -> dict[str, str]:
    return {"value": str(limit.value), "unit": limit.unit.value}


@dataclass(frozen=True)
class Actor:
    """Who acts: a user with roles, or the system (SLA watcher, ``user_id`` None)."""

    user_id: int | None
    roles: frozenset[str]
    department_id: int | None = None
    # The actor's department and its sub-units (a handler acts on cases any of them holds).
    department_ids: frozenset[int] = frozenset()

    @classmethod
    def system(cls) -> Actor:
        return cls(None, frozenset({SYSTEM_ROLE}))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


@dataclass(frozen=True)
class Command:
    action: Action
    comment: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Event:
    """One immutable audit entry. ``data`` is JSON-safe (times as ISO strings)."""

    action: Action
    at: datetime
    actor_id: int | None
    actor_role: str
    from_state: Status | None
    to_state: Status
    comment: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True)
class CaseState:
    """Everything the workflow knows about a case, rebuilt from its events."""

    status: Status
    source: Source
    version: int = 0
    reporter_id: int | None = None
    self_handled: bool = False
    category_id: int | None = None
    filing_condition_id: int | None = None
    # Disposal limit of the filing condition (处置时限).
    limit: TimeLimit | None = None
    department_id: int | None = None
    departments: tuple[int, ...] = ()  # every department the case went to, in order
    # Current assignment: start (派遣) and deadline, extensions granted, closed pauses.
    assigned_at: datetime | None = None
    disposal_deadline: datetime | None = None
    extension_total: Decimal = Decimal(0)
    pauses: tuple[Pause, ...] = ()
    suspended_since: datetime | None = None
    requested_extension: Decimal | None = None
    # Centre stage: start and deadline.
    stage_started_at: datetime | None = None
    stage_deadline: datetime | None = None
    # The deadline that counts now and when it turns yellow.
    due_at: datetime | None = None
    warn_at: datetime | None = None
    warning_level: WarningLevel = WarningLevel.GREEN
    # Counters used by evaluation.
    returns: int = 0
    reworks: int = 0
    extensions: int = 0
    suspensions: int = 0
    dispatch_count: int = 0
    wrong_dispatches: int = 0
    supervised: bool = False
    supervision_count: int = 0
    # The inspector the current 核实 / 核查 task was sent to (派发), if any.
    task_inspector_id: int | None = None
    verified_ok: bool | None = None
    handled_overdue: bool = False
    closing_type: ClosingType | None = None
    # Key timestamps.
    reported_at: datetime | None = None
    accepted_at: datetime | None = None
    verified_at: datetime | None = None
    filed_at: datetime | None = None
    dispatched_at: datetime | None = None
    first_dispatched_at: datetime | None = None
    department_accepted_at: datetime | None = None
    handled_at: datetime | None = None
    checked_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def is_closed(self) -> bool:
        return self.status.is_terminal

    @property
    def effective_limit(self) -> TimeLimit | None:
        if self.limit is None:
            return None
        return TimeLimit(self.limit.value + self.extension_total, self.limit.unit)


@dataclass(frozen=True)
class Context:
    config: WorkflowConfig
    clock: Clock


class ActionRefused(Exception):
    """An action that may not happen. ``kind``: ``role`` (the caller may not do it: 403),
    ``state`` (not in this state: 409) or ``input`` (missing reason, bad data: 422).
    ``code`` and ``params``: the machine code of the refusal (``urbangrid.kit.errors.CODES``)
    and what its message names, when more precise than the kind."""

    def __init__(
        self,
        kind: str,
        reason: str,
        action: Action | str,
        allowed: Sequence[Action],
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.action = str(action)
        self.allowed = [a.value for a in allowed]
        self.code = code
        self.params = dict(params or {})


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[Status]
    roles: frozenset[str]
    needs_reason: bool = False
    # Department handlers may only act on their own department's cases.
    department_scoped: bool = False


_OPEN = frozenset(Status) - TERMINAL
_R = Role

RULES: dict[Action, Rule] = {
    Action.ACCEPT_REPORT: Rule(
        frozenset({Status.PENDING_INTAKE}), frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD})
    ),
    Action.VERIFY: Rule(frozenset({Status.PENDING_VERIFY}), frozenset({_R.INSPECTOR})),
    Action.RECLASSIFY: Rule(
        frozenset(
            {
                Status.PENDING_INTAKE,
                Status.PENDING_VERIFY,
                Status.PENDING_FILING,
                Status.PENDING_DISPATCH,
            }
        ),
        frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD, _R.DISPATCHER}),
    ),
    Action.FILE: Rule(frozenset({Status.PENDING_FILING}), frozenset({_R.SHIFT_LEAD})),
    Action.NOT_FILE: Rule(
        frozenset({Status.PENDING_FILING}), frozenset({_R.SHIFT_LEAD}), needs_reason=True
    ),
    Action.VOID: Rule(
        frozenset({Status.PENDING_INTAKE, Status.PENDING_VERIFY, Status.PENDING_FILING}),
        frozenset({_R.SHIFT_LEAD}),
        needs_reason=True,
    ),
    Action.DISPATCH: Rule(frozenset({Status.PENDING_DISPATCH}), frozenset({_R.DISPATCHER})),
    Action.DEPARTMENT_ACCEPT: Rule(
        frozenset({Status.DISPATCHED}),
        frozenset({_R.DEPARTMENT_HANDLER}),
        department_scoped=True,
    ),
    # 回退: department → dispatcher (from its queue) and dispatcher → intake.
    Action.RETURN: Rule(
        frozenset({Status.DISPATCHED, Status.HANDLING, Status.PENDING_DISPATCH}),
        frozenset({_R.DEPARTMENT_HANDLER, _R.DISPATCHER}),
        needs_reason=True,
        department_scoped=True,
    ),
    Action.FEEDBACK: Rule(
        frozenset({Status.HANDLING}), frozenset({_R.DEPARTMENT_HANDLER}), department_scoped=True
    ),
    Action.APPLY_EXTENSION: Rule(
        frozenset({Status.HANDLING}),
        frozenset({_R.DEPARTMENT_HANDLER}),
        needs_reason=True,
        department_scoped=True,
    ),
    Action.APPROVE_EXTENSION: Rule(
        frozenset({Status.EXTENSION_PENDING}), frozenset({_R.DISPATCHER, _R.SHIFT_LEAD})
    ),
    Action.REJECT_EXTENSION: Rule(
        frozenset({Status.EXTENSION_PENDING}),
        frozenset({_R.DISPATCHER, _R.SHIFT_LEAD}),
        needs_reason=True,
    ),
    Action.APPLY_SUSPENSION: Rule(
        frozenset({Status.HANDLING}),
        frozenset({_R.DEPARTMENT_HANDLER}),
        needs_reason=True,
        department_scoped=True,
    ),
    Action.APPROVE_SUSPENSION: Rule(
        frozenset({Status.SUSPENSION_PENDING}), frozenset({_R.DISPATCHER, _R.SHIFT_LEAD})
    ),
    Action.REJECT_SUSPENSION: Rule(
        frozenset({Status.SUSPENSION_PENDING}),
        frozenset({_R.DISPATCHER, _R.SHIFT_LEAD}),
        needs_reason=True,
    ),
    Action.RESUME: Rule(
        frozenset({Status.SUSPENDED}),
        frozenset({_R.DISPATCHER, _R.SHIFT_LEAD, _R.DEPARTMENT_HANDLER}),
        department_scoped=True,
    ),
    Action.CHECK_PASS: Rule(frozenset({Status.PENDING_CHECK}), frozenset({_R.INSPECTOR})),
    Action.CHECK_FAIL: Rule(
        frozenset({Status.PENDING_CHECK}), frozenset({_R.INSPECTOR}), needs_reason=True
    ),
    Action.CLOSE: Rule(frozenset({Status.PENDING_CLOSE}), frozenset({_R.SHIFT_LEAD})),
    Action.FORCE_CLOSE: Rule(_OPEN, frozenset({_R.SHIFT_LEAD, _R.LEADER}), needs_reason=True),
    Action.SUPERVISE: Rule(_OPEN, frozenset({_R.SHIFT_LEAD, _R.LEADER}), needs_reason=True),
    Action.APPROVE_SELF_HANDLING: Rule(
        frozenset({Status.SELF_HANDLE_REVIEW}), frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD})
    ),
    Action.REJECT_SELF_HANDLING: Rule(
        frozenset({Status.SELF_HANDLE_REVIEW}),
        frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD}),
        needs_reason=True,
    ),
    Action.WARN: Rule(_OPEN - {Status.SUSPENDED}, frozenset({SYSTEM_ROLE})),
    Action.FORWARD: Rule(
        frozenset({Status.DISPATCHED, Status.HANDLING}),
        frozenset({_R.DEPARTMENT_HANDLER}),
        department_scoped=True,
    ),
    Action.ASSIGN_INSPECTOR: Rule(
        frozenset({Status.PENDING_VERIFY, Status.PENDING_CHECK}),
        frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD, _R.DISPATCHER}),
    ),
    Action.TRANSFER: Rule(
        frozenset({Status.PENDING_INTAKE, Status.PENDING_FILING, Status.PENDING_DISPATCH}),
        frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD, _R.DISPATCHER}),
    ),
}

# Who may report on which channel: inspectors report their own finds, the centre registers
# every other channel (登记); a leader assignment may come from the leader directly.
REPORT_ROLES: dict[Source, frozenset[str]] = {
    Source.INSPECTOR: frozenset({_R.INSPECTOR}),
    Source.LEADER: frozenset({_R.LEADER, _R.INTAKE_OPERATOR, _R.SHIFT_LEAD}),
}
_CENTRE_REPORTERS = frozenset({_R.INTAKE_OPERATOR, _R.SHIFT_LEAD, SYSTEM_ROLE})


def action_roles(*actions: Action) -> frozenset[str]:
    """The roles that may take any of ``actions`` (by ``RULES``): who a screen is for."""
    return frozenset(role for action in actions for role in RULES[action].roles)


def role_actions(roles: Iterable[str]) -> list[Action]:
    """The actions ``roles`` may take on some case (by ``RULES``; admins: all but the
    system's): what a UI offers at all, before the case's state and scope narrow it."""
    held = set(roles)
    return [
        action
        for action, rule in RULES.items()
        if action is not Action.WARN and (_R.ADMIN in held or held & rule.roles)
    ]


def report_roles(source: Source) -> frozenset[str]:
    return REPORT_ROLES.get(source, _CENTRE_REPORTERS)


def _role_ok(actor: Actor, roles: frozenset[str]) -> bool:
    return actor.is_admin or bool(actor.roles & roles)


def _scope_ok(actor: Actor, state: CaseState, rule: Rule) -> bool:
    """A department handler acts only on cases its department (or a sub-unit) holds."""
    if not rule.department_scoped or actor.is_admin:
        return True
    if actor.roles & (rule.roles - {_R.DEPARTMENT_HANDLER}):
        return True  # acting in another role of the rule (e.g. dispatcher)
    if actor.department_id is None or state.department_id is None:
        return False
    return state.department_id == actor.department_id or state.department_id in (
        actor.department_ids
    )


# The inspector's task steps (核实, 核查通过, 返工).
TASK_ACTIONS = frozenset({Action.VERIFY, Action.CHECK_PASS, Action.CHECK_FAIL})


def _state_ok(action: Action, state: CaseState, actor: Actor, config: WorkflowConfig) -> bool:
    """Finer state conditions beyond the rule's from-states."""
    if action is Action.RETURN:
        # Department returns from its queue; the dispatcher returns a case not yet dispatched.
        if state.status is Status.PENDING_DISPATCH:
            return actor.is_admin or _R.DISPATCHER in actor.roles
        return actor.is_admin or _R.DEPARTMENT_HANDLER in actor.roles
    if action is Action.APPLY_EXTENSION:
        return config.max_extensions is None or state.extensions < config.max_extensions
    if action in TASK_ACTIONS and state.task_inspector_id is not None and not actor.is_admin:
        # A task sent (派发) to a named inspector is that inspector's alone.
        return state.task_inspector_id == actor.user_id
    return True


def allowed_actions(state: CaseState, actor: Actor, config: WorkflowConfig) -> list[Action]:
    """Actions ``actor`` may take on the case now (what a UI shows as buttons)."""
    out: list[Action] = []
    for action, rule in RULES.items():
        if (
            state.status in rule.from_states
            and _role_ok(actor, rule.roles)
            and _scope_ok(actor, state, rule)
            and _state_ok(action, state, actor, config)
        ):
            if action is Action.WARN and not actor.roles & {SYSTEM_ROLE}:
                continue
            out.append(action)
    return out


def _actor_role(actor: Actor, roles: Iterable[str]) -> str:
    """The role the actor acts in: the first of theirs the rule accepts."""
    wanted = set(roles)
    for role in sorted(actor.roles):
        if role in wanted:
            return role
    return Role.ADMIN.value if actor.is_admin else next(iter(sorted(actor.roles)), "")


# ---------------------------------------------------------------- time helpers


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_iso(value: Any) -> datetime | None:
    if value is None:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _scaled(limit: TimeLimit, ratio: Decimal) -> TimeLimit:
    return TimeLimit(limit.value * ratio, limit.unit)


def level_at(now: datetime, warn_at: datetime | None, due_at: datetime | None) -> WarningLevel:
    if due_at is None:
        return WarningLevel.GREEN
    if now >= due_at:
        return WarningLevel.RED
    if warn_at is not None and now >= warn_at:
        return WarningLevel.YELLOW
    return WarningLevel.GREEN


def _stage_times(
    status: Status, now: datetime, ctx: Context
) -> tuple[datetime | None, datetime | None]:
    """(deadline, yellow time) of the centre stage ``status`` entered at ``now``."""
    stage = STAGE_OF_STATUS.get(status)
    if stage is None or stage not in ctx.config.stage_limits:
        return None, None
    limit = ctx.config.stage_limits[stage]
    due = ctx.clock.deadline(now, limit)
    warn = ctx.clock.deadline(now, _scaled(limit, ctx.config.yellow_ratio))
    return due, warn


def _disposal_times(
    start: datetime, limit: TimeLimit, pauses: Sequence[Pause], ctx: Context
) -> tuple[datetime, datetime]:
    due = ctx.clock.deadline_with_pauses(start, limit, pauses)
    warn = ctx.clock.deadline_with_pauses(start, _scaled(limit, ctx.config.yellow_ratio), pauses)
    # Only closed pauses are passed in, so the clock always runs out somewhere.
    assert due is not None and warn is not None
    return due, warn


# ---------------------------------------------------------------- decide


def _refuse(
    kind: str,
    reason: str,
    action: Action | str,
    state: CaseState | None,
    actor: Actor,
    ctx: Context,
    code: str | None = None,
    **params: Any,
) -> ActionRefused:
    allowed = allowed_actions(state, actor, ctx.config) if state is not None else []
    return ActionRefused(kind, reason, action, allowed, code, params)


def _need(
    data: Mapping[str, Any], key: str, action: Action, state: CaseState, actor: Actor, ctx: Context
) -> Any:
    if data.get(key) is None:
        raise _refuse(
            "input",
            f"{action.value} needs '{key}'",
            action,
            state,
            actor,
            ctx,
            "field_required",
            field=key,
        )
    return data[key]


def start_case(command: Command, actor: Actor, now: datetime, ctx: Context) -> Event:
    """The first event of a case (上报 / 登记). ``command.data``: ``source`` (required),
    ``category_id``, ``filing_condition_id``, ``limit`` ({value, unit}) and ``self_handled``."""
    data = dict(command.data)
    try:
        source = Source(data.get("source"))
    except ValueError:
        raise ActionRefused(
            "input", f"unknown source {data.get('source')!r}", Action.REPORT, []
        ) from None
    roles = report_roles(source)
    if not _role_ok(actor, roles):
        raise ActionRefused(
            "role",
            f"reporting on channel {source.value} needs one of the roles: "
            + ", ".join(sorted(roles)),
            Action.REPORT,
            [],
        )
    self_handled = bool(data.get("self_handled"))
    if self_handled:
        if source is not Source.INSPECTOR:
            raise ActionRefused(
                "input",
                "only an inspector's own report can be self-handled (自处理)",
                Action.REPORT,
                [],
            )
        if ctx.config.self_handling_needs_photo and not command.attachments:
            raise ActionRefused(
                "input",
                "a self-handled case (自处理) needs a photo of the result",
                Action.REPORT,
                [],
            )
        target = Status.SELF_HANDLE_REVIEW if ctx.config.review_self_handling else Status.CLOSED
    elif not ctx.config.skip_intake:
        target = Status.PENDING_INTAKE
    elif source in ctx.config.verify_sources:
        target = Status.PENDING_VERIFY
    else:
        target = Status.PENDING_FILING
    try:
        _limit_of(data.get("limit"))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise ActionRefused(
            "input", f"bad disposal limit {data.get('limit')!r}", Action.REPORT, []
        ) from None
    out: dict[str, Any] = {
        "source": source.value,
        "self_handled": self_handled,
        "category_id": data.get("category_id"),
        "filing_condition_id": data.get("filing_condition_id"),
        "limit": data.get("limit"),
    }
    if target is Status.CLOSED:
        out["closing_type"] = ClosingType.NORMAL.value
    out.update(_stage_fields(target, now, ctx))
    return Event(
        Action.REPORT,
        now,
        actor.user_id,
        _actor_role(actor, roles),
        None,
        target,
        command.comment,
        out,
        tuple(command.attachments),
    )


def _stage_fields(status: Status, now: datetime, ctx: Context) -> dict[str, Any]:
    due, warn = _stage_times(status, now, ctx)
    return {
        "stage_deadline": iso(due),
        "due_at": iso(due),
        "warn_at": iso(warn),
        "warning_level": level_at(now, warn, due).value,
    }


def decide(state: CaseState, command: Command, actor: Actor, now: datetime, ctx: Context) -> Event:
    """Check and perform ``command`` on a case; return the event to record."""
    action = command.action
    if action is Action.REPORT:
        raise _refuse("state", "the case has already been reported", action, state, actor, ctx)
    rule = RULES[action]
    if state.status not in rule.from_states:
        why = "is closed" if state.is_closed else f"is {state.status.value}"
        raise _refuse(
            "state",
            f"{action.value} ({action.label_zh}) is not possible: the case {why}",
            action,
            state,
            actor,
            ctx,
            "action_not_possible",
            status=state.status.value,
        )
    if not _role_ok(actor, rule.roles) or (
        action is Action.WARN and SYSTEM_ROLE not in actor.roles
    ):
        raise _refuse(
            "role",
            f"{action.value} ({action.label_zh}) needs one of the roles: "
            + ", ".join(sorted(rule.roles)),
            action,
            state,
            actor,
            ctx,
            "action_role_required",
            roles=sorted(rule.roles),
        )
    if not _scope_ok(actor, state, rule):
        raise _refuse(
            "role",
            f"{action.value}: the case belongs to another department",
            action,
            state,
            actor,
            ctx,
            "other_department",
        )
    if not _state_ok(action, state, actor, ctx.config):
        if action in TASK_ACTIONS:
            raise _refuse(
                "role",
                f"{action.value} ({action.label_zh}): the task was sent to another inspector",
                action,
                state,
                actor,
                ctx,
            )
        raise _refuse(
            "state",
            f"{action.value} is not possible for this case now",
            action,
            state,
            actor,
            ctx,
            "action_not_now",
        )
    if rule.needs_reason and not command.comment.strip():
        raise _refuse(
            "input",
            f"{action.value} ({action.label_zh}) needs a reason in 'comment'",
            action,
            state,
            actor,
            ctx,
            "reason_required",
        )
    data = dict(command.data)
    out: dict[str, Any] = {}
    target = state.status

    if action is Action.ACCEPT_REPORT:
        target = (
            Status.PENDING_VERIFY
            if state.source in ctx.config.verify_sources
            else Status.PENDING_FILING
        )
    elif action is Action.VERIFY:
        out["confirmed"] = bool(data.get("confirmed", True))
        target = Status.PENDING_FILING
    elif action is Action.RECLASSIFY:
        out["category_id"] = _need(data, "category_id", action, state, actor, ctx)
        out["filing_condition_id"] = _need(data, "filing_condition_id", action, state, actor, ctx)
        out["limit"] = _need(data, "limit", action, state, actor, ctx)
        try:
            _limit_of(out["limit"])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise _refuse(
                "input", f"bad disposal limit {out['limit']!r}", action, state, actor, ctx
            ) from None
    elif action is Action.FILE:
        if state.filing_condition_id is None or state.limit is None:
            raise _refuse(
                "input",
                "立案 needs a category and filing condition: reclassify the case first",
                action,
                state,
                actor,
                ctx,
            )
        target = Status.PENDING_DISPATCH
    elif action is Action.NOT_FILE:
        target = Status.NOT_FILED
    elif action is Action.VOID:
        target = Status.VOIDED
    elif action is Action.DISPATCH:
        department_id = int(_need(data, "department_id", action, state, actor, ctx))
        if state.limit is None:
            raise _refuse("input", "the case has no disposal limit", action, state, actor, ctx)
        out["department_id"] = department_id
        # 错误派遣: the case goes to another department than the one it came back from.
        out["wrong_dispatch"] = bool(state.departments) and department_id != state.departments[-1]
        target = Status.DISPATCHED if ctx.config.require_department_accept else Status.HANDLING
        due, warn = _disposal_times(now, state.limit, (), ctx)
        out.update(disposal_deadline=iso(due), due_at=iso(due), warn_at=iso(warn))
        out["warning_level"] = level_at(now, warn, due).value
    elif action is Action.DEPARTMENT_ACCEPT:
        target = Status.HANDLING
    elif action is Action.RETURN:
        if state.status is Status.PENDING_DISPATCH:
            target = Status.PENDING_INTAKE
        else:
            target = Status.PENDING_DISPATCH
            out["department_id"] = state.department_id
    elif action is Action.FEEDBACK:
        if ctx.config.feedback_needs_photo and not command.attachments:
            raise _refuse("input", "反馈 needs a photo of the result", action, state, actor, ctx)
        out["handled_overdue"] = (
            state.disposal_deadline is not None and now > state.disposal_deadline
        )
        target = Status.PENDING_CHECK
    elif action is Action.APPLY_EXTENSION:
        extra = _decimal(_need(data, "extra", action, state, actor, ctx))
        if extra is None or extra <= 0:
            raise _refuse(
                "input",
                f"'extra' must be a positive number of the limit's unit, at most {MAX_EXTENSION}",
                action,
                state,
                actor,
                ctx,
            )
        out["extra"] = str(extra)
        target = Status.EXTENSION_PENDING
    elif action is Action.APPROVE_EXTENSION:
        extra = state.requested_extension or Decimal(0)
        if data.get("extra") is not None:
            granted = _decimal(data["extra"])
            if granted is None or granted <= 0:
                raise _refuse("input", "'extra' must be positive", action, state, actor, ctx)
            extra = granted
        out["extra"] = str(extra)
        assert state.effective_limit is not None and state.assigned_at is not None
        limit = TimeLimit(state.effective_limit.value + extra, state.effective_limit.unit)
        due, warn = _disposal_times(state.assigned_at, limit, state.pauses, ctx)
        out.update(disposal_deadline=iso(due), due_at=iso(due), warn_at=iso(warn))
        out["warning_level"] = level_at(now, warn, due).value
        target = Status.HANDLING
    elif action in (Action.REJECT_EXTENSION, Action.REJECT_SUSPENSION):
        target = Status.HANDLING
    elif action is Action.APPLY_SUSPENSION:
        target = Status.SUSPENSION_PENDING
    elif action is Action.APPROVE_SUSPENSION:
        target = Status.SUSPENDED
    elif action is Action.RESUME:
        assert state.suspended_since is not None and state.assigned_at is not None
        assert state.effective_limit is not None
        pauses = (*state.pauses, (state.suspended_since, now))
        due, warn = _disposal_times(state.assigned_at, state.effective_limit, pauses, ctx)
        out.update(disposal_deadline=iso(due), due_at=iso(due), warn_at=iso(warn))
        out["warning_level"] = level_at(now, warn, due).value
        target = Status.HANDLING
    elif action is Action.CHECK_PASS:
        target = Status.PENDING_CLOSE
    elif action is Action.CHECK_FAIL:
        # 返工: back to the same department; its deadline has kept running.
        target = Status.DISPATCHED if ctx.config.require_department_accept else Status.HANDLING
        out["department_id"] = state.department_id
        out["due_at"] = iso(state.disposal_deadline)
        assert state.assigned_at is not None and state.effective_limit is not None
        warn = _disposal_times(state.assigned_at, state.effective_limit, state.pauses, ctx)[1]
        out["warn_at"] = iso(warn)
        out["warning_level"] = level_at(now, warn, state.disposal_deadline).value
    elif action is Action.CLOSE:
        out["closing_type"] = _closing_type(data, state, command, action, actor, ctx).value
        target = Status.CLOSED
    elif action is Action.FORCE_CLOSE:
        out["closing_type"] = ClosingType(data.get("closing_type") or ClosingType.SPECIAL).value
        target = Status.CLOSED
    elif action is Action.SUPERVISE:
        pass
    elif action is Action.APPROVE_SELF_HANDLING:
        out["closing_type"] = ClosingType.NORMAL.value
        target = Status.CLOSED
    elif action is Action.REJECT_SELF_HANDLING:
        target = Status.VOIDED
    elif action is Action.FORWARD:
        unit = int(_need(data, "department_id", action, state, actor, ctx))
        own = actor.department_ids | ({actor.department_id} if actor.department_id else set())
        if unit == state.department_id:
            raise _refuse("input", "the case is already with that unit", action, state, actor, ctx)
        if not actor.is_admin and unit not in own:
            raise _refuse(
                "input",
                "转派 goes to your department or one of its sub-units",
                action,
                state,
                actor,
                ctx,
            )
        out["department_id"] = unit
        # The receiving unit confirms receipt like a department; the deadline keeps running.
        target = Status.DISPATCHED if ctx.config.require_department_accept else Status.HANDLING
    elif action is Action.ASSIGN_INSPECTOR:
        out["inspector_id"] = int(_need(data, "inspector_id", action, state, actor, ctx))
    elif action is Action.TRANSFER:
        out["jurisdiction_id"] = int(_need(data, "jurisdiction_id", action, state, actor, ctx))
        for key in ("from_jurisdiction_id", "from_number", "number"):
            if data.get(key) is not None:
                out[key] = data[key]
        # The district receives it as a new report (its own 受理 and clock).
        target = Status.PENDING_INTAKE
    elif action is Action.WARN:
        level = WarningLevel(_need(data, "level", action, state, actor, ctx))
        if level == state.warning_level:
            raise _refuse("state", f"the case is already {level.value}", action, state, actor, ctx)
        out["level"] = level.value
        out["warning_level"] = level.value

    # Entering a centre stage starts its clock; leaving one clears it (派遣到区 enters the
    # district's 受理 afresh, on the district's clock given in ``ctx``).
    if (target != state.status or action is Action.TRANSFER) and target in STAGE_OF_STATUS:
        out.update(_stage_fields(target, now, ctx))
    return Event(
        action,
        now,
        actor.user_id,
        _actor_role(actor, rule.roles),
        state.status,
        target,
        command.comment,
        out,
        tuple(command.attachments),
    )


# The most an extension (延期) may add, in the limit's own unit (work days, hours …): more
# than any real extension, and within the 10-digit column that keeps it.
MAX_EXTENSION = Decimal(1000)


def _decimal(value: Any) -> Decimal | None:
    """A positive-or-not finite number no larger than MAX_EXTENSION, or None."""
    try:
        out = Decimal(str(value))
    except ArithmeticError:
        return None
    return out if out.is_finite() and abs(out) <= MAX_EXTENSION else None


def _closing_type(
    data: Mapping[str, Any],
    state: CaseState,
    command: Command,
    action: Action,
    actor: Actor,
    ctx: Context,
) -> ClosingType:
    """正常 / 超时 from the disposal time, unless the shift lead names 差错 / 特殊 with a
    reason."""
    computed = ClosingType.OVERDUE if state.handled_overdue else ClosingType.NORMAL
    raw = data.get("closing_type")
    if raw is None:
        return computed
    try:
        chosen = ClosingType(raw)
    except ValueError:
        raise _refuse("input", f"unknown closing_type {raw!r}", action, state, actor, ctx) from None
    if chosen in (ClosingType.ERROR, ClosingType.SPECIAL) and not command.comment.strip():
        raise _refuse(
            "input",
            f"closing as {chosen.value} needs a reason in 'comment'",
            action,
            state,
            actor,
            ctx,
        )
    if chosen in (ClosingType.NORMAL, ClosingType.OVERDUE) and chosen != computed:
        raise _refuse(
            "input",
            f"the case is {computed.value} by its disposal time, not {chosen.value}",
            action,
            state,
            actor,
            ctx,
        )
    return chosen


# ---------------------------------------------------------------- evolve


def _limit_of(raw: Any) -> TimeLimit | None:
    if raw is None:
        return None
    if isinstance(raw, TimeLimit):
        return raw
    return TimeLimit(Decimal(str(raw["value"])), TimeUnit(raw["unit"]))


def limit_json(limit: TimeLimit | None) -> dict[str, str] | None:
    return _limit_to_json(limit) if limit is not None else None


def evolve(state: CaseState | None, event: Event) -> CaseState:
    """Fold one event into the state. Uses only the event: no clock, no configuration."""
    d = event.data
    at = event.at
    if state is None:
        if event.action is not Action.REPORT:
            raise ValueError("the first event of a case must be a report")
        state = CaseState(
            status=event.to_state,
            source=Source(d["source"]),
            reporter_id=event.actor_id,
            self_handled=bool(d.get("self_handled")),
            category_id=d.get("category_id"),
            filing_condition_id=d.get("filing_condition_id"),
            limit=_limit_of(d.get("limit")),
            reported_at=at,
        )
    elif state.is_closed:
        raise ValueError("a closed case takes no more events")
    if event.from_state is not None and event.from_state != state.status:
        raise ValueError(
            f"event {event.action.value} starts from {event.from_state}, case is {state.status}"
        )
    changes: dict[str, Any] = {"status": event.to_state, "version": state.version + 1}
    a = event.action
    if a is Action.ACCEPT_REPORT:
        changes["accepted_at"] = at
    elif a is Action.VERIFY:
        changes.update(verified_at=at, verified_ok=bool(d.get("confirmed", True)))
    elif a is Action.RECLASSIFY:
        changes.update(
            category_id=d["category_id"],
            filing_condition_id=d["filing_condition_id"],
            limit=_limit_of(d["limit"]),
        )
    elif a is Action.FILE:
        changes["filed_at"] = at
    elif a is Action.DISPATCH:
        dep = int(d["department_id"])
        changes.update(
            department_id=dep,
            departments=(*state.departments, dep),
            assigned_at=at,
            extension_total=Decimal(0),
            pauses=(),
            dispatched_at=at,
            first_dispatched_at=state.first_dispatched_at or at,
            dispatch_count=state.dispatch_count + 1,
            wrong_dispatches=state.wrong_dispatches + (1 if d.get("wrong_dispatch") else 0),
            handled_overdue=False,
        )
    elif a is Action.DEPARTMENT_ACCEPT:
        changes["department_accepted_at"] = at
    elif a is Action.RETURN:
        changes["returns"] = state.returns + 1
        # The department's assignment ends; the next 派遣 starts a new one.
        changes.update(
            department_id=None,
            assigned_at=None,
            disposal_deadline=None,
            pauses=(),
            extension_total=Decimal(0),
        )
    elif a is Action.FEEDBACK:
        changes.update(handled_at=at, handled_overdue=bool(d.get("handled_overdue")))
    elif a is Action.APPLY_EXTENSION:
        changes["requested_extension"] = Decimal(d["extra"])
    elif a is Action.APPROVE_EXTENSION:
        changes.update(
            extension_total=state.extension_total + Decimal(d["extra"]),
            extensions=state.extensions + 1,
            requested_extension=None,
        )
    elif a is Action.REJECT_EXTENSION:
        changes["requested_extension"] = None
    elif a is Action.APPROVE_SUSPENSION:
        changes.update(suspended_since=at, suspensions=state.suspensions + 1)
    elif a is Action.RESUME:
        assert state.suspended_since is not None
        changes.update(pauses=(*state.pauses, (state.suspended_since, at)), suspended_since=None)
    elif a is Action.CHECK_PASS:
        changes["checked_at"] = at
    elif a is Action.CHECK_FAIL:
        changes.update(reworks=state.reworks + 1, dispatch_count=state.dispatch_count + 1)
    elif a is Action.SUPERVISE:
        changes.update(supervised=True, supervision_count=state.supervision_count + 1)
    elif a is Action.FORWARD:
        # Not a 派遣: ``departments`` keeps the centre's dispatches (evaluation, 错误派遣).
        changes["department_id"] = int(d["department_id"])
    elif a is Action.ASSIGN_INSPECTOR:
        changes["task_inspector_id"] = int(d["inspector_id"])
    for key in ("disposal_deadline", "stage_deadline", "due_at", "warn_at"):
        if key in d:
            changes[key] = parse_iso(d[key])
    if "warning_level" in d:
        changes["warning_level"] = WarningLevel(d["warning_level"])
    if event.to_state != state.status or a is Action.TRANSFER:
        # A 派发 task is for one step: the next state's task goes to whoever it is sent to.
        changes["task_inspector_id"] = None
        changes["stage_started_at"] = at if event.to_state in STAGE_OF_STATUS else None
        if event.to_state not in STAGE_OF_STATUS:
            changes["stage_deadline"] = None
        if event.to_state in DEPARTMENT_STATES and "due_at" not in d:
            changes["due_at"] = changes.get("disposal_deadline", state.disposal_deadline)
        if event.to_state is Status.SUSPENDED:
            # The clock is stopped: nothing is due while suspended.
            changes.update(due_at=None, warn_at=None)
    if event.to_state.is_terminal:
        changes.update(due_at=None, warn_at=None, stage_deadline=None)
        if event.to_state is Status.CLOSED:
            changes["closed_at"] = at
        if d.get("closing_type"):
            changes["closing_type"] = ClosingType(d["closing_type"])
    return replace(state, **changes)


def rebuild(events: Iterable[Event]) -> CaseState:
    """The state of a case from its events, oldest first."""
    state: CaseState | None = None
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise ValueError("a case has at least one event")
    return state


def perform(
    state: CaseState, command: Command, actor: Actor, now: datetime, ctx: Context
) -> tuple[CaseState, Event]:
    """decide + evolve: the new state and the event to store."""
    event = decide(state, command, actor, now, ctx)
    return evolve(state, event), event
