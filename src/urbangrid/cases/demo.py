"""A realistic month of demo cases, produced through the service layer (so every case has
a true event history, deadlines from the working-time clock and SLA warnings recorded at
the moment they happened). Called by ``urbangrid demo`` via
``generate_demo_month(session, jurisdiction)``.

Cases are reported through the month with a daily rhythm (more on weekdays, mostly in the
daytime), from every channel, and each follows a fate: the standard flow, with now and then
a 回退 and re-dispatch (错误派遣), a 延期, a 挂账, a 返工, a 督办, a late fix (超时结案); or
不予立案 / 作废 / 自处理 / 强制结案. Steps that would happen after ``end`` are not taken, so
the recent cases sit in every open state.
"""

from __future__ import annotations

import contextlib
import random
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.cases import service
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Case, CaseCounter
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import DomainError
from urbangrid.kit.types import utcnow
from urbangrid.org import service as org
from urbangrid.org.models import Grid, Jurisdiction, User
from urbangrid.org.roles import Role

# Demo filing conditions (立案条件) for common categories, with limits of the kind city
# tables publish (see docs: STANDARDS §6). Only added to categories that have none.
# (kind, code, description, value, unit, closing condition, weight)
DEMO_CONDITIONS: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    ("matter", "06010", "公共场所未入容器的生活垃圾", "4", "work_hour", "清理", 30),
    ("matter", "06012", "路面散落垃圾、油污积灰", "2", "work_hour", "清理", 20),
    ("matter", "06011", "长时间堆积的建筑垃圾、渣土", "5", "work_day", "查处、清除", 6),
    ("matter", "06001", "正在建设的违法建筑", "2", "urgent_day_continuous", "制止", 3),
    ("matter", "09005", "店外摆卖、超出门窗经营", "2", "urgent_hour_continuous", "取缔", 14),
    ("matter", "09006", "占用道路摆摊经营", "2", "urgent_hour_continuous", "取缔", 10),
    ("matter", "09001", "流动商贩无照经营", "2", "urgent_hour_continuous", "取缔", 6),
    ("matter", "07001", "张贴、涂写、刻画的小广告", "1", "work_day", "清除", 12),
    ("matter", "01001", "井盖缺失、移位、开裂", "2", "urgent_hour_continuous", "恢复", 4),
    ("matter", "01037", "路灯单盏不亮", "2", "work_day", "修复", 8),
    ("matter", "04013", "绿地黄土裸露、杂物堆积", "3", "work_day", "整治", 5),
    ("matter", "08004", "工地未落实扬尘防治措施", "1", "work_day", "整改", 4),
)

SOURCES: tuple[tuple[wf.Source, int], ...] = (
    (wf.Source.INSPECTOR, 60),
    (wf.Source.HOTLINE, 18),
    (wf.Source.WEB, 10),
    (wf.Source.VIDEO, 5),
    (wf.Source.SENSOR, 2),
    (wf.Source.LEADER, 3),
    (wf.Source.MEDIA, 2),
)


def _tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x40\x80\x40")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def ensure_demo_conditions(session: Session) -> list[tuple[FilingCondition, int]]:
    """The demo filing conditions with their weights, creating those that are missing."""
    out: list[tuple[FilingCondition, int]] = []
    for kind, code, text, value, unit, closing, weight in DEMO_CONDITIONS:
        category = session.scalar(
            select(Category).where(
                Category.kind == kind, Category.code == code, Category.jurisdiction_id.is_(None)
            )
        )
        if category is None:
            continue
        active = [c for c in category.conditions if c.is_active]
        if not active:
            condition = FilingCondition(
                description=text,
                seq=1,
                time_limit_value=Decimal(value),
                time_limit_unit=unit,
                closing_condition=closing,
            )
            category.conditions.append(condition)
            session.flush()
            active = [condition]
        out.append((active[0], weight))
    return out


@dataclass
class _Cast:
    inspectors: list[Principal]
    intake: Principal
    lead: Principal
    dispatcher: Principal
    leader: Principal
    handlers: dict[int, Principal]  # department id -> handler


def _cast(session: Session, jurisdiction: Jurisdiction) -> _Cast:
    users = session.scalars(
        select(User).where(User.jurisdiction_id == jurisdiction.id, User.is_active)
    ).all()
    by_role: dict[str, list[Principal]] = {}
    for user in users:
        principal = principal_for(user)
        for role in principal.roles:
            by_role.setdefault(role.value, []).append(principal)

    def one(role: Role) -> Principal:
        found = by_role.get(role.value)
        if not found:
            raise DomainError(f"the demo needs a user with role {role.value} in the jurisdiction")
        return found[0]

    handlers = {
        p.department_id: p
        for p in by_role.get(Role.DEPARTMENT_HANDLER.value, [])
        if p.department_id is not None
    }
    inspectors = by_role.get(Role.INSPECTOR.value, [])
    if not inspectors:
        one(Role.INSPECTOR)
    return _Cast(
        inspectors,
        one(Role.INTAKE_OPERATOR),
        one(Role.SHIFT_LEAD),
        one(Role.DISPATCHER),
        one(Role.LEADER),
        handlers,
    )


class _Stop(Exception):
    """The next step would happen after the end of the demo period."""


class _Driver:
    """Runs one case through the service, keeping time and recording SLA warnings."""

    def __init__(self, session: Session, case: Case, t: datetime, end: datetime) -> None:
        self.session = session
        self.case = case
        self.t = t
        self.end = end

    def _warn_until(self, t: datetime) -> None:
        """Record what the SLA watcher would have recorded before ``t``."""
        for _ in range(2):
            case = self.case
            if case.status == wf.Status.SUSPENDED.value or wf.Status(case.status).is_terminal:
                return
            warn, due = case.warn_at, case.due_at
            if case.warning_level == "green" and warn is not None and warn <= t:
                at = warn
            elif case.warning_level != "red" and due is not None and due <= t:
                at = due
            else:
                return
            at = max(at, self.t)
            level = wf.level_at(at, warn, due)
            if level.value == case.warning_level:
                return
            service.perform_action(
                self.session, None, case.id, wf.Action.WARN, version=case.version,
                data={"level": level.value}, now=at, actor=wf.Actor.system(),
            )  # fmt: skip
            self.t = at

    def at(self, t: datetime) -> datetime:
        if t > self.end:
            raise _Stop
        return t

    def do(
        self,
        who: Principal,
        action: wf.Action,
        after: timedelta,
        comment: str = "",
        **data: object,
    ) -> None:
        t = self.at(self.t + after)
        self._warn_until(t)
        service.perform_action(
            self.session, who, self.case.id, action, version=self.case.version,
            comment=comment, data=data, now=t,
        )  # fmt: skip
        self.t = t

    def finish(self) -> None:
        self._warn_until(self.end)


def _inspector_for(rng: random.Random, cast: _Cast, case: Case) -> tuple[Principal, bool]:
    """The inspector for the case's 核实 / 核查: the one patrolling its grid, else any one,
    to whom the centre must first send the task (派发: an inspector acts only in its grids
    and on its tasks). Returns (inspector, needs 派发)."""
    covering = [p for p in cast.inspectors if case.grid_id in p.grid_ids]
    if covering:
        return covering[0], False
    return cast.inspectors[rng.randrange(len(cast.inspectors))], True


def _minutes(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(minutes=rng.uniform(lo, hi))


def _handling_time(rng: random.Random, case: Case, now: datetime, late: bool) -> timedelta:
    """How long after ``now`` the department reports back: most within the limit."""
    assert case.disposal_deadline is not None and case.assigned_at is not None
    span = case.disposal_deadline - case.assigned_at
    share = rng.uniform(1.1, 2.2) if late else rng.uniform(0.15, 0.85)
    return max(case.assigned_at + span * share - now, timedelta(minutes=10))


def _run_case(
    rng: random.Random,
    d: _Driver,
    cast: _Cast,
    departments: list[int],
) -> None:
    case = d.case
    if wf.Status(case.status).is_terminal:
        return
    inspector, needs_task = _inspector_for(rng, cast, case)

    def send_task() -> None:
        if needs_task:
            d.do(cast.intake, wf.Action.ASSIGN_INSPECTOR, _minutes(rng, 1, 8),
                 inspector_id=inspector.user_id)  # fmt: skip

    if case.status == wf.Status.SELF_HANDLE_REVIEW.value:
        d.do(cast.intake, wf.Action.APPROVE_SELF_HANDLING, _minutes(rng, 5, 40))
        return
    fate = rng.random()
    if case.status == wf.Status.PENDING_INTAKE.value:
        d.do(cast.intake, wf.Action.ACCEPT_REPORT, _minutes(rng, 1, 12))
    if case.status == wf.Status.PENDING_VERIFY.value:
        send_task()
        d.do(inspector, wf.Action.VERIFY, _minutes(rng, 8, 45), confirmed=fate >= 0.04)
    if fate < 0.04:
        d.do(cast.lead, wf.Action.NOT_FILE, _minutes(rng, 3, 15), "核实不属实")
        return
    if fate < 0.07:
        d.do(cast.lead, wf.Action.VOID, _minutes(rng, 3, 15), "重复上报")
        return
    d.do(cast.lead, wf.Action.FILE, _minutes(rng, 2, 14))
    if fate < 0.09:  # 回退 to intake: not for the bureau
        d.do(cast.dispatcher, wf.Action.RETURN, _minutes(rng, 2, 10), "非我局职责")
        return
    d.do(cast.dispatcher, wf.Action.DISPATCH, _minutes(rng, 2, 14))
    if rng.random() < 0.06 and len(departments) > 1:  # wrong department: 回退 and re-dispatch
        own = cast.handlers.get(case.department_id or 0)
        if own is not None:
            d.do(own, wf.Action.DEPARTMENT_ACCEPT, _minutes(rng, 5, 60))
            d.do(own, wf.Action.RETURN, _minutes(rng, 5, 60), "非本单位职责")
            others = [x for x in departments if x in cast.handlers and x != own.department_id]
            target = others[rng.randrange(len(others))] if others else own.department_id
            d.do(cast.dispatcher, wf.Action.DISPATCH, _minutes(rng, 3, 20), department_id=target)
    handler = cast.handlers.get(case.department_id or 0)
    if handler is None:
        return  # a department without a handler account: stays dispatched
    if rng.random() < 0.05:
        d.do(cast.leader, wf.Action.SUPERVISE, _minutes(rng, 30, 300), "尽快处置，按时反馈")
    if case.status == wf.Status.DISPATCHED.value:
        d.do(handler, wf.Action.DEPARTMENT_ACCEPT, _minutes(rng, 5, 90))
    side = rng.random()
    if side < 0.06:
        d.do(handler, wf.Action.APPLY_EXTENSION, _minutes(rng, 30, 120), "需协调施工",
             extra=str(case.limit_value or 1))  # fmt: skip
        if rng.random() < 0.8:
            d.do(cast.dispatcher, wf.Action.APPROVE_EXTENSION, _minutes(rng, 10, 60))
        else:
            d.do(cast.dispatcher, wf.Action.REJECT_EXTENSION, _minutes(rng, 10, 60), "理由不足")
    elif side < 0.09:
        d.do(handler, wf.Action.APPLY_SUSPENSION, _minutes(rng, 30, 120), "需列入改造计划")
        d.do(cast.dispatcher, wf.Action.APPROVE_SUSPENSION, _minutes(rng, 10, 60))
        d.do(cast.dispatcher, wf.Action.RESUME, timedelta(days=rng.uniform(2, 12)))
    if rng.random() < 0.01:
        d.do(cast.lead, wf.Action.FORCE_CLOSE, _minutes(rng, 60, 600), "问题已由上级统一整治")
        return
    late = rng.random() < 0.12
    d.do(handler, wf.Action.FEEDBACK, _handling_time(rng, case, d.t, late))
    if rng.random() < 0.07:  # 返工
        send_task()
        d.do(inspector, wf.Action.CHECK_FAIL, _minutes(rng, 10, 90), "现场未处置到位")
        if case.status == wf.Status.DISPATCHED.value:
            d.do(handler, wf.Action.DEPARTMENT_ACCEPT, _minutes(rng, 5, 60))
        d.do(handler, wf.Action.FEEDBACK, _minutes(rng, 30, 240))
    send_task()
    d.do(inspector, wf.Action.CHECK_PASS, _minutes(rng, 10, 90))
    d.do(cast.lead, wf.Action.CLOSE, _minutes(rng, 3, 30))


# Open states a fresh demo should show, and the steps that lead there from the report.
_SHOWCASE: tuple[tuple[wf.Status, wf.Source, bool, tuple[wf.Action, ...]], ...] = (
    (wf.Status.PENDING_INTAKE, wf.Source.HOTLINE, False, ()),
    (wf.Status.PENDING_VERIFY, wf.Source.WEB, False, (wf.Action.ACCEPT_REPORT,)),
    (wf.Status.PENDING_FILING, wf.Source.INSPECTOR, False, (wf.Action.ACCEPT_REPORT,)),
    (wf.Status.SELF_HANDLE_REVIEW, wf.Source.INSPECTOR, True, ()),
)
_DEPARTMENT_PATH = (wf.Action.ACCEPT_REPORT, wf.Action.FILE, wf.Action.DISPATCH)
_SHOWCASE_DEPARTMENT: tuple[tuple[wf.Status, tuple[wf.Action, ...]], ...] = (
    (wf.Status.PENDING_DISPATCH, (wf.Action.ACCEPT_REPORT, wf.Action.FILE)),
    (wf.Status.DISPATCHED, _DEPARTMENT_PATH),
    (wf.Status.HANDLING, (*_DEPARTMENT_PATH, wf.Action.DEPARTMENT_ACCEPT)),
    (
        wf.Status.EXTENSION_PENDING,
        (*_DEPARTMENT_PATH, wf.Action.DEPARTMENT_ACCEPT, wf.Action.APPLY_EXTENSION),
    ),
    (
        wf.Status.SUSPENSION_PENDING,
        (*_DEPARTMENT_PATH, wf.Action.DEPARTMENT_ACCEPT, wf.Action.APPLY_SUSPENSION),
    ),
    (
        wf.Status.SUSPENDED,
        (
            *_DEPARTMENT_PATH,
            wf.Action.DEPARTMENT_ACCEPT,
            wf.Action.APPLY_SUSPENSION,
            wf.Action.APPROVE_SUSPENSION,
        ),
    ),
    (wf.Status.PENDING_CHECK, (*_DEPARTMENT_PATH, wf.Action.DEPARTMENT_ACCEPT, wf.Action.FEEDBACK)),
    (
        wf.Status.PENDING_CLOSE,
        (*_DEPARTMENT_PATH, wf.Action.DEPARTMENT_ACCEPT, wf.Action.FEEDBACK, wf.Action.CHECK_PASS),
    ),
)


def _showcase_steps(
    status: wf.Status,
) -> tuple[wf.Source, bool, tuple[wf.Action, ...]] | None:
    for target, source, self_handled, steps in _SHOWCASE:
        if target is status:
            return source, self_handled, steps
    for target, steps in _SHOWCASE_DEPARTMENT:
        if target is status:
            return wf.Source.INSPECTOR, False, steps
    return None


def _performer(action: wf.Action, cast: _Cast, case: Case, inspector: Principal) -> Principal:
    if action in (wf.Action.ACCEPT_REPORT, wf.Action.APPROVE_SELF_HANDLING):
        return cast.intake
    if action in (wf.Action.FILE, wf.Action.CLOSE):
        return cast.lead
    if action in (wf.Action.DISPATCH, wf.Action.APPROVE_SUSPENSION, wf.Action.APPROVE_EXTENSION):
        return cast.dispatcher
    if action in (wf.Action.VERIFY, wf.Action.CHECK_PASS, wf.Action.CHECK_FAIL):
        return inspector
    return cast.handlers[case.department_id or 0]


_REASONS = {
    wf.Action.APPLY_EXTENSION: "需协调相关单位",
    wf.Action.APPLY_SUSPENSION: "需列入改造计划",
}


def _report_times(
    rng: random.Random, start: datetime, end: datetime, per_day: float, tz: ZoneInfo
) -> Iterator[datetime]:
    day = start.astimezone(tz).date()
    while True:
        weekend = day.weekday() >= 5
        n = max(0, round(rng.gauss(per_day * (0.6 if weekend else 1.1), per_day * 0.15)))
        moments = sorted(
            datetime(day.year, day.month, day.day, tzinfo=tz)
            + timedelta(hours=min(22.5, max(6.5, rng.gauss(12.5, 3.2))))
            for _ in range(n)
        )
        for m in moments:
            if m > end:
                return
            if m >= start:
                yield m
        day += timedelta(days=1)


def generate_demo_month(
    session: Session,
    jurisdiction: Jurisdiction,
    *,
    days: int = 30,
    cases_per_day: float = 20,
    seed: int = 20261122,
    end: datetime | None = None,
    strict: bool = False,
) -> list[str]:
    """Fill ``jurisdiction`` with ``days`` of cases ending at ``end`` (default now).
    Does nothing when the jurisdiction already has cases. Returns report lines."""
    existing = session.scalar(
        select(func.count(Case.id)).where(Case.jurisdiction_id == jurisdiction.id)
    )
    if existing:
        return [f"{existing} cases already present: no demo cases added"]
    rng = random.Random(seed)
    end = (end or utcnow()).replace(microsecond=0)
    start = end - timedelta(days=days)
    tz = ZoneInfo(jurisdiction.timezone or "Asia/Shanghai")
    conditions = ensure_demo_conditions(session)
    if not conditions:
        return ["no demo categories in the catalogue (run 'urbangrid init'): no cases"]
    cast = _cast(session, jurisdiction)
    grids = session.execute(
        select(Grid.id, Grid.geometry).where(Grid.jurisdiction_id == jurisdiction.id)
    ).all()
    if not grids:
        return ["the jurisdiction has no grids: no demo cases"]
    points = [shapely.geometry.shape(g.geometry).representative_point() for g in grids]
    # Inspectors report what they find on patrol: in their own grids.
    patrolled = {
        p.user_id: [i for i, g in enumerate(grids) if g.id in p.grid_ids] for p in cast.inspectors
    }
    # Some grids are hot spots: a market street, a station square.
    hot = rng.sample(range(len(points)), k=max(1, len(points) // 25))
    departments = sorted(cast.handlers)
    photo = _tiny_png()
    made = failed = 0
    weights = [w for _, w in conditions]
    source_weights = [w for _, w in SOURCES]
    for t in _report_times(rng, start, end, cases_per_day, tz):
        condition = rng.choices([c for c, _ in conditions], weights)[0]
        source = rng.choices([s for s, _ in SOURCES], source_weights)[0]
        spot = hot[rng.randrange(len(hot))] if rng.random() < 0.3 else rng.randrange(len(points))
        inspector = cast.inspectors[rng.randrange(len(cast.inspectors))]
        own_grids = patrolled[inspector.user_id]
        if source is wf.Source.INSPECTOR and own_grids and spot not in own_grids:
            spot = own_grids[rng.randrange(len(own_grids))]
        point = points[spot]
        reporter = {
            wf.Source.INSPECTOR: inspector,
            wf.Source.LEADER: cast.leader,
        }.get(source, cast.intake)
        self_handled = source is wf.Source.INSPECTOR and rng.random() < 0.06
        try:
            with session.begin_nested():
                attachments: list[int] = []
                if self_handled:
                    attachments.append(
                        service.store_photo(session, reporter, photo, "现场处理.png").id
                    )
                case = service.create_case(
                    session,
                    reporter,
                    service.NewCase(
                        source=source.value,
                        lon=point.x,
                        lat=point.y,
                        description=f"{condition.category.name}：{condition.description}",
                        address=f"示范区网格附近 {rng.randint(1, 300)} 号",
                        filing_condition_id=condition.id,
                        reporter_name=None if source is wf.Source.INSPECTOR else "市民",
                        self_handled=self_handled,
                        attachments=attachments,
                    ),
                    now=t,
                )
                driver = _Driver(session, case, t, end)
                with contextlib.suppress(_Stop):
                    _run_case(rng, driver, cast, departments)
                driver.finish()
            made += 1
        except DomainError:
            if strict:
                raise
            failed += 1
    session.flush()
    made += _showcase(session, rng, cast, conditions, points, end, jurisdiction.id)
    states = session.execute(
        select(Case.status, func.count())
        .where(Case.jurisdiction_id == jurisdiction.id)
        .group_by(Case.status)
    ).all()
    summary = ", ".join(f"{s} {n}" for s, n in sorted(states))
    lines = [f"{made} demo cases over {days} days ({summary})"]
    if failed:
        lines.append(f"{failed} demo cases could not be generated")
    return lines


def _showcase(
    session: Session,
    rng: random.Random,
    cast: _Cast,
    conditions: list[tuple[FilingCondition, int]],
    points: list[shapely.Point],
    end: datetime,
    jurisdiction_id: int,
) -> int:
    """Add a recent case for every open state the month left empty."""
    mine = select(Case.status).where(Case.jurisdiction_id == jurisdiction_id)
    present = set(session.scalars(mine.distinct()))
    departments = sorted(cast.handlers)
    made = 0
    for n, status in enumerate(wf.Status):
        steps = _showcase_steps(status)
        if status.value in present or steps is None or not departments:
            continue
        source, self_handled, actions = steps
        inspector = cast.inspectors[n % len(cast.inspectors)]
        reporter = inspector if source is wf.Source.INSPECTOR else cast.intake
        condition = conditions[n % len(conditions)][0]
        point = points[rng.randrange(len(points))]
        t = end - timedelta(minutes=5 * (len(actions) + 1))
        with session.begin_nested():
            attachments: list[int] = []
            if self_handled:
                photo = service.store_photo(session, reporter, _tiny_png(), "现场.png")
                attachments.append(photo.id)
            case = service.create_case(
                session,
                reporter,
                service.NewCase(
                    source=source.value, lon=point.x, lat=point.y,
                    description=f"{condition.category.name}：{condition.description}",
                    filing_condition_id=condition.id, self_handled=self_handled,
                    attachments=attachments,
                ),
                now=t,
            )  # fmt: skip
            for action in actions:
                t += timedelta(minutes=5)
                if action is wf.Action.CHECK_PASS and case.grid_id not in inspector.grid_ids:
                    service.perform_action(
                        session, cast.intake, case.id, wf.Action.ASSIGN_INSPECTOR,
                        version=case.version, data={"inspector_id": inspector.user_id}, now=t,
                    )  # fmt: skip
                data: dict[str, object] = {}
                if action is wf.Action.DISPATCH:
                    data["department_id"] = departments[n % len(departments)]
                if action is wf.Action.APPLY_EXTENSION:
                    data["extra"] = "1"
                service.perform_action(
                    session, _performer(action, cast, case, inspector), case.id, action,
                    version=case.version, comment=_REASONS.get(action, ""), data=data, now=t,
                )  # fmt: skip
        made += 1
    return made


def generate_city_cases(
    session: Session,
    city: Jurisdiction,
    *,
    count: int = 12,
    waiting: int = 3,
    seed: int = 20261203,
    end: datetime | None = None,
) -> list[str]:
    """12345 calls the city platform registered itself over the last three days: all but
    the latest ``waiting`` sent down (派遣到区) to the district they lie in, which takes them
    in at its own 受理; the latest wait at the city's. Does nothing if the city has cases."""
    if session.scalar(select(CaseCounter.last).where(CaseCounter.jurisdiction_id == city.id)):
        return ["city cases already present: none added"]
    intake = next(
        (
            principal_for(u)
            for u in session.scalars(
                select(User).where(User.jurisdiction_id == city.id).order_by(User.id)
            )
            if Role.INTAKE_OPERATOR.value in u.role_names
        ),
        None,
    )
    below = org.jurisdiction_subtree(session, city.id) - {city.id}
    grids = session.execute(
        select(Grid.geometry).where(Grid.jurisdiction_id.in_(sorted(below))).order_by(Grid.code)
    ).all()
    conditions = ensure_demo_conditions(session)
    if intake is None or not grids or not conditions:
        return ["the city has no intake operator, no districts with grids or no categories"]
    rng = random.Random(seed)
    end = (end or utcnow()).replace(microsecond=0)
    times = sorted(end - timedelta(hours=rng.uniform(0.2, 72)) for _ in range(count))
    sent = 0
    for n, t in enumerate(times):
        condition = conditions[rng.randrange(len(conditions))][0]
        point = shapely.geometry.shape(grids[rng.randrange(len(grids))][0]).representative_point()
        case = service.create_case(
            session,
            intake,
            service.NewCase(
                source=wf.Source.HOTLINE.value,
                lon=point.x,
                lat=point.y,
                description=f"市民来电反映：{condition.category.name}，{condition.description}",
                address=f"示范市 {rng.randint(1, 300)} 号附近",
                filing_condition_id=condition.id,
                reporter_name="市民",
                reporter_phone=f"1380000{rng.randint(1000, 9999)}",
            ),
            now=t,
        )
        if n < count - waiting:
            at = min(t + timedelta(minutes=rng.uniform(3, 25)), end)
            service.transfer_to_district(
                session, intake, case.id, version=case.version, comment="属地办理", now=at
            )
            sent += 1
    session.flush()
    return [
        f"{count} city 12345 cases: {sent} sent down to their districts, {count - sent} waiting"
    ]
