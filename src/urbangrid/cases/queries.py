"""The one visibility policy for case data (谁能看到、谁能办理哪些案件).

Every route that returns a case, a list of cases or anything derived from cases — the case
API, work lists and their counters, map points and grid counts, the live feed, the case
page's context, photos, hotline work orders, exports, evaluation drill-downs, Open311 —
selects them through this module: :func:`visible_cases` / :func:`visible_condition` in
queries, :func:`get_visible_case` for one case. ``docs/scope.md`` states the policy as a
table; this module is its code.

**Reading.** A caller bound to a jurisdiction reads inside that jurisdiction's subtree (a
city platform reads its districts); a caller bound to none is at the root and reads every
jurisdiction. Within it:

- centre roles (受理员, 值班长, 派遣员, 领导, 管理员) read every case;
- a department handler reads the cases its department or one of its sub-units holds
  (a street office is a department of its street);
- an inspector reads the cases in its patrol grids, the tasks sent to it (派发) and its
  own reports;
- a caller with several roles reads what any of them reads.

**Acting.** Only on the caller's own platform: a city reads its districts' cases and may only
督办 (supervise) them; an inspector acts in its grids and on its tasks, not on its own reports
elsewhere. The workflow then decides which actions the role may take in the case's state.

**Refusal.** A case outside what the caller reads is 404 ("no case N") on every route, exactly
like a case that does not exist; one it reads but may not act on is 403.

The rule is written twice — as SQL (:meth:`CaseScope.condition`) and in Python
(:meth:`CaseScope.reads`) — one rule, two interpreters, as ``evaluation.predicates`` and
``evaluation.sql`` are; ``tests/cases/test_visibility.py`` keeps them equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.auth.principal import Principal
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Attachment, Case
from urbangrid.cases.overdue import Overdue, overdue_condition
from urbangrid.cases.search import case_text_matches, escape_like
from urbangrid.cases.tasks import TASK_STATE_VALUES
from urbangrid.catalog.models import Category
from urbangrid.kit.errors import Forbidden, InvalidInput, NotFound
from urbangrid.kit.types import in_calendar, utcnow
from urbangrid.org import service as org
from urbangrid.org.models import (
    Community,
    Department,
    Grid,
    Jurisdiction,
    Street,
    User,
    UserGrid,
    UserRole,
)
from urbangrid.org.roles import Role

# Roles that read every case of their jurisdiction subtree.
CENTRE_ROLES = frozenset(
    {Role.ADMIN, Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER, Role.INTAKE_OPERATOR}
)
# What a parent platform may do on a case a child platform holds: 督办 (supervise) only.
PARENT_ACTIONS = frozenset({wf.Action.SUPERVISE.value})


class CaseLike(Protocol):
    """The columns the policy reads (a ``Case`` row or anything shaped like one)."""

    jurisdiction_id: int
    department_id: int | None
    grid_id: int | None
    task_inspector_id: int | None
    reporter_id: int | None


def _in(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    values = sorted(ids)
    if not values:
        return false()
    # One value as "=": the same plans (and index use) as before the policy existed.
    return column == values[0] if len(values) == 1 else column.in_(values)


@dataclass(frozen=True)
class CaseScope:
    """What one caller reads and where it acts (built by :func:`case_scope`)."""

    # Jurisdictions read (the subtree of the caller's own); None: every jurisdiction.
    jurisdiction_ids: frozenset[int] | None = None
    # The caller's own platform, where it acts; None: at the root (acts everywhere).
    home_jurisdiction_id: int | None = None
    # Reads every case of those jurisdictions (centre roles; the public Open311 view).
    whole: bool = False
    # A department handler's department and its sub-units.
    department_ids: frozenset[int] = frozenset()
    # An inspector's patrol grids, and the inspector (its tasks and its own reports).
    grid_ids: frozenset[int] = frozenset()
    inspector_id: int | None = None
    # False for the public view: reads, never acts.
    may_write: bool = True

    @classmethod
    def everything(cls) -> CaseScope:
        """The system (SLA watcher, importers): every case."""
        return cls(whole=True)

    @classmethod
    def public(cls, jurisdiction_ids: frozenset[int] | None) -> CaseScope:
        """The anonymous Open311 view of a jurisdiction subtree (its own fields are chosen
        by the Open311 formatter: nothing private)."""
        return cls(jurisdiction_ids=jurisdiction_ids, whole=True, may_write=False)

    # ------------------------------------------------------------ SQL

    def jurisdiction_condition(self, column: Any = Case.jurisdiction_id) -> ColumnElement[bool]:
        """``column`` (a jurisdiction id) is one the caller reads; also used on tables
        derived from cases (evaluation facts, events)."""
        if self.jurisdiction_ids is None:
            return true()
        return _in(column, self.jurisdiction_ids)

    def condition(self) -> ColumnElement[bool]:
        """Cases the caller reads."""
        if self.whole:
            return self.jurisdiction_condition()
        own: list[ColumnElement[bool]] = []
        if self.department_ids:
            own.append(_in(Case.department_id, self.department_ids))
        if self.grid_ids:
            own.append(_in(Case.grid_id, self.grid_ids))
        if self.inspector_id is not None:
            own.append(Case.task_inspector_id == self.inspector_id)
            own.append(Case.reporter_id == self.inspector_id)
        if not own:
            return false()
        return and_(self.jurisdiction_condition(), or_(*own))

    def acting_condition(self) -> ColumnElement[bool]:
        """Cases the caller may act on (what its work lists hold)."""
        if not self.may_write:
            return false()
        home = (
            Case.jurisdiction_id == self.home_jurisdiction_id
            if self.home_jurisdiction_id is not None
            else true()
        )
        if self.whole:
            return home
        own: list[ColumnElement[bool]] = []
        if self.department_ids:
            own.append(_in(Case.department_id, self.department_ids))
        if self.inspector_id is not None:
            if self.grid_ids:
                own.append(_in(Case.grid_id, self.grid_ids))
            own.append(Case.task_inspector_id == self.inspector_id)
        if not own:
            return false()
        return and_(home, or_(*own))

    # ------------------------------------------------------------ Python (same rule)

    def _reads_jurisdiction(self, jurisdiction_id: int) -> bool:
        return self.jurisdiction_ids is None or jurisdiction_id in self.jurisdiction_ids

    def reads(self, case: CaseLike) -> bool:
        if not self._reads_jurisdiction(case.jurisdiction_id):
            return False
        if self.whole:
            return True
        return (
            (case.department_id is not None and case.department_id in self.department_ids)
            or (case.grid_id is not None and case.grid_id in self.grid_ids)
            or (
                self.inspector_id is not None
                and self.inspector_id in (case.task_inspector_id, case.reporter_id)
            )
        )

    def acts_on(self, case: CaseLike) -> bool:
        if not self.may_write:
            return False
        if self.home_jurisdiction_id is not None and case.jurisdiction_id != (
            self.home_jurisdiction_id
        ):
            return False
        if self.whole:
            return True
        return (case.department_id is not None and case.department_id in self.department_ids) or (
            self.inspector_id is not None
            and (
                (case.grid_id is not None and case.grid_id in self.grid_ids)
                or case.task_inspector_id == self.inspector_id
            )
        )

    def may_act(self, case: CaseLike, action: str) -> bool:
        """May the caller take ``action`` on ``case`` as far as scope goes (the workflow
        still checks role and state)? A parent platform may 督办 its districts' cases."""
        if self.acts_on(case):
            return True
        return self.may_write and action in PARENT_ACTIONS and self.reads(case)


# ---------------------------------------------------------------- task assignment (派发)
# The SQL form of ``cases.tasks.task_holder``: who holds a 核实 / 核查 task.


def present_inspectors() -> Select[tuple[int]]:
    """Ids of the inspectors who may take a task now (active, not on leave)."""
    return (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.INSPECTOR.value,
            User.is_active.is_(True),
            User.on_leave.is_(False),
        )
    )


def task_pool_condition() -> ColumnElement[bool]:
    """Cases in the shift lead's pool (待派发核实核查): a task sent to nobody present, in a
    grid without a present inspector (or in no grid)."""
    grid_covered = exists().where(
        UserGrid.grid_id == Case.grid_id, UserGrid.user_id.in_(present_inspectors())
    )
    return and_(
        Case.status.in_(TASK_STATE_VALUES),
        or_(
            and_(Case.task_inspector_id.is_(None), ~grid_covered),
            and_(
                Case.task_inspector_id.is_not(None),
                Case.task_inspector_id.not_in(present_inspectors()),
            ),
        ),
    )


def inspector_task_condition(inspector_id: int, grid_ids: Iterable[int]) -> ColumnElement[bool]:
    """An inspector's tasks (我的任务): those sent to it, and those of its grids sent to
    nobody (a task sent to another inspector is that inspector's); none while it is on
    leave (they are in the pool then)."""
    own: list[ColumnElement[bool]] = [Case.task_inspector_id == inspector_id]
    grids = sorted(grid_ids)
    if grids:
        own.append(and_(Case.task_inspector_id.is_(None), _in(Case.grid_id, grids)))
    present = exists(present_inspectors().where(User.id == inspector_id))
    return and_(present, or_(*own))


# ---------------------------------------------------------------- building the scope


def case_scope(session: Session, principal: Principal | None) -> CaseScope:
    """The scope of ``principal`` from the organisation trees; None is the system."""
    if principal is None:
        return CaseScope.everything()
    jurisdictions = org.readable_jurisdictions(session, principal)
    home = principal.jurisdiction_id
    if principal.roles & CENTRE_ROLES or wf.SYSTEM_ROLE in principal.roles:
        # The centre, and a channel registering for its platform (intake.adapters).
        return CaseScope(jurisdictions, home, whole=True)
    departments: frozenset[int] = frozenset()
    if Role.DEPARTMENT_HANDLER in principal.roles and principal.department_id is not None:
        departments = org.department_subtree(session, principal.department_id)
    inspector = Role.INSPECTOR in principal.roles
    return CaseScope(
        jurisdictions,
        home,
        department_ids=departments,
        grid_ids=principal.grid_ids if inspector else frozenset(),
        inspector_id=principal.user_id if inspector else None,
    )


@dataclass(frozen=True)
class CaseReader:
    """A reader of case figures (evaluation, statistics): who, what it reads (the
    visibility policy) and its platform's time zone (local days and months)."""

    principal: Principal
    cases: CaseScope
    timezone: str


def case_reader(session: Session, principal: Principal) -> CaseReader:
    return CaseReader(
        principal, case_scope(session, principal), org.jurisdiction_timezone(session, principal)
    )


def visible_condition(session: Session, principal: Principal | None) -> ColumnElement[bool]:
    return case_scope(session, principal).condition()


def visible_cases(session: Session, principal: Principal | None) -> Select[tuple[Case]]:
    """``SELECT cases`` limited to what ``principal`` reads: the start of every case query."""
    return select(Case).where(visible_condition(session, principal))


def get_visible_case(session: Session, principal: Principal | None, case_id: int) -> Case:
    """One case the caller reads; 404 otherwise (also for ids that do not exist)."""
    case = session.get(Case, case_id) if -(2**63) <= case_id < 2**63 else None
    if case is None or not case_scope(session, principal).reads(case):
        raise NotFound(f"no case {case_id}", code="case_not_found", params={"case_id": case_id})
    return case


# Who calls a case's caller back (答复 / 回访) and so reads the caller's details registered
# with it (name, phone, wish to be called back): nobody else, whatever else they read.
CALLBACK_ROLES: tuple[Role, ...] = (Role.INTAKE_OPERATOR, Role.SHIFT_LEAD)


def reads_caller(principal: Principal) -> bool:
    return principal.has(*CALLBACK_ROLES)


def check_may_act(scope: CaseScope, case: Case, action: str) -> None:
    """403 when the caller reads the case but may not take ``action`` on it for its scope
    (a city on a district's case, an inspector on its report in another's grid)."""
    if scope.may_act(case, action):
        return
    if scope.home_jurisdiction_id is not None and case.jurisdiction_id != (
        scope.home_jurisdiction_id
    ):
        raise Forbidden(
            f"case {case.number} is handled by another platform; you may only 督办 (supervise)",
            code="other_platform",
            params={"number": case.number},
            action=action,
        )
    raise Forbidden(
        f"case {case.number} is outside your grids, department or tasks",
        code="case_out_of_scope",
        params={"number": case.number},
        action=action,
    )


def allowed_in_scope(scope: CaseScope, case: Case, actions: Iterable[str]) -> list[str]:
    """The workflow's allowed actions narrowed to what the scope permits."""
    return [a for a in actions if scope.may_act(case, a)]


def get_visible_attachment(
    session: Session, principal: Principal | None, attachment_id: int
) -> Attachment:
    """A photo of a case the caller reads, or an upload of its own not yet cited by a case;
    404 otherwise."""
    row = session.get(Attachment, attachment_id) if 0 < attachment_id < 2**63 else None
    if row is not None:
        if row.case_id is not None:
            case = session.get(Case, row.case_id)
            if case is not None and case_scope(session, principal).reads(case):
                return row
        elif principal is None or row.uploaded_by == principal.user_id:
            return row
    raise NotFound(f"no attachment {attachment_id}")


# ---------------------------------------------------------------- filters


def open_condition() -> ColumnElement[bool]:
    """The case is not closed, voided or refused (written once, as the IN the index uses)."""
    return Case.status.in_(wf.OPEN_VALUES)


# A whole case number (2026-000123, the load generator's 2026-L0000123, or a long numeric
# one): the unique index answers at once, whatever the table size.
CASE_NUMBER = re.compile(r"\d{4}-[A-Za-z]?\d{3,}|\d{10,20}")
# A grid code (单元网格编码): 15 digits, a whole code or its leading part (street, community).
GRID_CODE = re.compile(r"\d{6,15}")
_STATUS_VALUES = frozenset(s.value for s in wf.Status)
# Which time the date range bounds: 上报 / 立案 / 结案.
DATE_FIELDS: dict[str, Any] = {
    "reported": Case.reported_at,
    "filed": Case.filed_at,
    "closed": Case.closed_at,
}


@dataclass
class CaseFilters:
    """The filters of every case list (case API, work lists, map, exports). They only ever
    narrow what the caller reads: each is one condition ANDed to the visibility policy."""

    statuses: Sequence[str] = ()
    open_only: bool = False
    category_id: int | None = None
    # 大类 as ``kind:code`` (e.g. ``component:01``): big codes repeat across the two kinds.
    big_class: str | None = None
    department_id: int | None = None
    jurisdiction_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    grid_code: str | None = None
    source: str | None = None
    warning_level: str | None = None
    supervised: bool | None = None
    # 超时未结 / 超时结案 / 即将超时 (``cases.overdue``: one definition for every screen).
    overdue: str | None = None
    # 回退过 (returned by a department at least once) / 返工过 (核查 failed at least once).
    returned: bool | None = None
    reworked: bool | None = None
    # Which time ``reported_from`` / ``reported_to`` bound (a key of DATE_FIELDS).
    date_field: str = "reported"
    # The moment "overdue" is judged at (None: now).
    now: datetime | None = None
    # Local days (inclusive) in ``timezone``, or aware instants.
    reported_from: date | datetime | None = None
    reported_to: date | datetime | None = None
    text: str | None = None
    timezone: str = "Asia/Shanghai"
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        bad = [s for s in self.statuses if s not in _STATUS_VALUES]
        if bad:
            raise InvalidInput(f"unknown status {bad[0]!r}", field="status")
        if self.overdue is not None and self.overdue not in Overdue.__members__.values():
            raise InvalidInput(
                "overdue is open, closed_late or due_soon", field="overdue", code="bad_overdue"
            )
        if self.date_field not in DATE_FIELDS:
            raise InvalidInput(
                "date_field is reported, filed or closed", field="date_field", code="bad_date_field"
            )
        if self.warning_level and self.warning_level not in ("green", "yellow", "red"):
            raise InvalidInput("warning_level is green, yellow or red", field="warning_level")
        if self.big_class is not None and not re.fullmatch(
            r"(component|matter):\d{2}", self.big_class
        ):
            raise InvalidInput("big_class is kind:code, e.g. component:01", field="big_class")
        in_calendar(self.reported_from, "reported_from")
        in_calendar(self.reported_to, "reported_to")
        if (
            self.reported_from is not None
            and self.reported_to is not None
            and type(self.reported_from) is type(self.reported_to)
            and self.reported_from > self.reported_to  # type: ignore[operator]
        ):
            raise InvalidInput("reported_from is after reported_to", field="reported_from")

    def has_text(self) -> bool:
        return bool((self.text or "").strip())


def _instant(value: date | datetime, tz: str, *, end: bool = False) -> datetime:
    """The first instant of a local day (the day after, for an inclusive end)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("give times with a zone (e.g. ...Z)", field="reported_from/to")
        return value
    try:
        day = value + timedelta(days=1) if end else value
    except OverflowError:
        raise InvalidInput("the date is out of range", field="reported_to") from None
    local = datetime.combine(day, datetime.min.time(), ZoneInfo(tz))
    try:
        return local.astimezone(UTC)
    except OverflowError:
        raise InvalidInput("the date is out of range", field="reported_from/to") from None


def check_filters_in_scope(session: Session, scope: CaseScope, f: CaseFilters) -> None:
    """A filter naming a platform, department or area the caller does not read is 404, as
    naming any other object outside its scope is (an empty list would say it exists)."""
    if scope.jurisdiction_ids is None:
        return
    readable = scope.jurisdiction_ids
    owners: list[tuple[str, Any, Any]] = []
    if f.jurisdiction_id is not None:
        owners.append(("jurisdiction_id", Jurisdiction.id, f.jurisdiction_id))
    if f.department_id is not None:
        owners.append(("department_id", Department.jurisdiction_id, f.department_id))
    if f.street_id is not None:
        owners.append(("street_id", Street.jurisdiction_id, f.street_id))
    if f.grid_code:
        owners.append(("grid_code", Grid.jurisdiction_id, f.grid_code))
    for name, owner_column, value in owners:
        table = owner_column.class_
        key = table.code if name == "grid_code" else table.id
        if isinstance(value, int) and not 0 < value < 2**63:
            raise NotFound(f"no {name.removesuffix('_id')} {value}", field=name)
        found = session.scalar(select(owner_column).where(key == value))
        if name == "jurisdiction_id":
            found = value if found is not None else None
        if found is None or found not in readable:
            raise NotFound(f"no {name.removesuffix('_id')} {value}", field=name)
    if f.community_id is not None:
        found = session.scalar(
            select(Street.jurisdiction_id)
            .join(Community, Community.street_id == Street.id)
            .where(Community.id == f.community_id)
        ) if 0 < f.community_id < 2**63 else None  # fmt: skip
        if found is None or found not in readable:
            raise NotFound(f"no community {f.community_id}", field="community_id")


def apply_filters(q: Select[Any], f: CaseFilters, *, text_index: bool = True) -> Select[Any]:
    """``q`` narrowed by the filters, each ANDed (the free text is one parenthesised
    condition). ``text_index``: see ``cases.search.case_text_matches``."""
    f.check()
    if f.statuses:
        q = q.where(Case.status.in_(list(f.statuses)))
    if f.open_only:
        q = q.where(open_condition())
    if f.category_id is not None:
        q = q.where(Case.category_id == f.category_id)
    if f.big_class:
        kind, _, big = f.big_class.partition(":")
        q = q.where(
            Case.category_id.in_(
                select(Category.id).where(Category.kind == kind, Category.big_code == big)
            )
        )
    if f.department_id is not None:
        q = q.where(Case.department_id == f.department_id)
    if f.jurisdiction_id is not None:
        q = q.where(Case.jurisdiction_id == f.jurisdiction_id)
    if f.street_id is not None:
        q = q.where(Case.street_id == f.street_id)
    if f.community_id is not None:
        q = q.where(Case.community_id == f.community_id)
    if f.grid_code:
        q = q.where(Case.grid_code == f.grid_code)
    if f.source:
        q = q.where(Case.source == f.source)
    if f.warning_level:
        q = q.where(Case.warning_level == f.warning_level)
    if f.supervised is not None:
        q = q.where(Case.supervised.is_(f.supervised))
    if f.overdue:
        q = q.where(overdue_condition(f.overdue, f.now or utcnow()))
    if f.returned is not None:
        q = q.where(Case.returns > 0 if f.returned else Case.returns == 0)
    if f.reworked is not None:
        q = q.where(Case.reworks > 0 if f.reworked else Case.reworks == 0)
    when = DATE_FIELDS[f.date_field]
    if f.reported_from is not None:
        q = q.where(when >= _instant(f.reported_from, f.timezone))
    if f.reported_to is not None:
        q = q.where(when < _instant(f.reported_to, f.timezone, end=True))
    for word in search_words(f.text):
        q = q.where(word_condition(word, text_index=text_index))
    return q


def search_words(text: str | None) -> list[str]:
    """The words of a search (separated by spaces, full-width ones too); each must match."""
    return [w for w in re.split(r"\s+", (text or "").replace("\u3000", " ").strip()) if w][:8]


def word_condition(word: str, *, text_index: bool = True) -> ColumnElement[bool]:
    """One search word: the case number (whole), or text in the description or address, or
    the name of the case's street or community (江滨街道), or its grid code (or the code's
    leading digits)."""
    if CASE_NUMBER.fullmatch(word):
        by_number: ColumnElement[bool] = Case.number == word.upper()
        if GRID_CODE.fullmatch(word):
            return or_(by_number, Case.grid_code.startswith(word))
        return by_number
    if GRID_CODE.fullmatch(word):
        return Case.grid_code.startswith(word)
    pattern = f"%{escape_like(word.lower())}%"
    streets = select(Street.id).where(func.lower(Street.name).like(pattern, escape="\\"))
    communities = select(Community.id).where(func.lower(Community.name).like(pattern, escape="\\"))
    return or_(
        case_text_matches(word, use_index=text_index),
        Case.street_id.in_(streets),
        Case.community_id.in_(communities),
    )
