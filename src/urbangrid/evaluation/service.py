"""Evaluation over the database: object lists from the org tables, counts in SQL, scoring
by the pure engine, early-warning alerts, and the monthly report model.

Every function takes the reader's ``scope`` (``cases.queries.CaseScope``; None: the whole
installation, for the CLI and the report job): the objects listed are those of the
jurisdictions it reads, and the facts counted are those of the cases in them."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.cases.queries import CaseScope
from urbangrid.evaluation.config import EvaluationConfig, default_config
from urbangrid.evaluation.engine import (
    DEFAULT_TZ,
    Change,
    Evaluation,
    ObjectInfo,
    Period,
    evaluate,
    month_over_month,
    ranked,
    rate,
    red_black_lists,
)
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.sql import FACTS, compile_pred, count_expr, in_period
from urbangrid.evaluation.sql import count_sql as _count_sql
from urbangrid.evaluation.warning import (
    Occurrence,
    Recurrence,
    Surge,
    SurgeRule,
    daily_counts,
    hot_spots,
    recurring,
    surges,
)
from urbangrid.kit.text import is_digits
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street, User, UserRole

ROLE_OF_KIND = {
    ObjectKind.INSPECTOR: "inspector",
    ObjectKind.INTAKE_OPERATOR: "intake_operator",
    ObjectKind.SHIFT_LEAD: "shift_lead",
    ObjectKind.DISPATCHER: "dispatcher",
}


def facts_condition(conn: Connection, scope: CaseScope | None) -> ColumnElement[bool] | None:
    """The facts of the cases ``scope`` reads; None when that is every fact (no other
    platform exists), so a single-platform installation keeps its plain, index-only
    statements."""
    if scope is None or scope.jurisdiction_ids is None:
        return None
    every = set(conn.execute(sa.select(Jurisdiction.id)).scalars())
    if every <= scope.jurisdiction_ids:
        return None
    return scope.jurisdiction_condition(FACTS.c.jurisdiction_id)


def _facts_in_scope(conn: Connection, scope: CaseScope | None) -> ColumnElement[bool]:
    found = facts_condition(conn, scope)
    return sa.true() if found is None else found


def _in_scope(column: Any, scope: CaseScope | None) -> ColumnElement[bool]:
    if scope is None or scope.jurisdiction_ids is None:
        return sa.true()
    return scope.jurisdiction_condition(column)


def object_infos(
    conn: Connection, kind: ObjectKind, scope: CaseScope | None = None
) -> dict[Hashable, ObjectInfo]:
    """Every object of the kind known to the org tables of the jurisdictions ``scope``
    reads, so objects without cases are listed (with zero counts) too."""
    if kind is ObjectKind.DEPARTMENT:
        rows = conn.execute(
            sa.select(Department.id, Department.name).where(
                Department.is_active, _in_scope(Department.jurisdiction_id, scope)
            )
        )
        return {r.id: ObjectInfo(r.id, r.name) for r in rows}
    if kind is ObjectKind.DISTRICT:
        rows = conn.execute(
            sa.select(Jurisdiction.code, Jurisdiction.name).where(
                Jurisdiction.level != "city", _in_scope(Jurisdiction.id, scope)
            )
        )
        return {r.code: ObjectInfo(r.code, r.name) for r in rows}
    grids = sa.select(Grid.code, Grid.name, Grid.area_class).where(
        _in_scope(Grid.jurisdiction_id, scope)
    )
    if kind is ObjectKind.GRID:
        rows = conn.execute(grids)
        return {r.code: ObjectInfo(r.code, r.name or r.code, 1, str(r.area_class)) for r in rows}
    if kind in (ObjectKind.STREET, ObjectKind.COMMUNITY):
        # area code = the grid code prefix; grid count and the most common class per area
        n = 9 if kind is ObjectKind.STREET else 12
        infos: dict[Hashable, ObjectInfo] = {}
        names = _area_names(conn, kind)
        per: dict[str, list[int]] = {}
        for code, _name, cls in conn.execute(grids):
            per.setdefault(code[:n], []).append(cls)
        for code, classes in per.items():
            top = max(set(classes), key=lambda c: (classes.count(c), -c))
            infos[code] = ObjectInfo(code, names.get(code, code), len(classes), str(top))
        return infos
    role = ROLE_OF_KIND[kind]
    rows = conn.execute(
        sa.select(User.id, User.display_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, _in_scope(User.jurisdiction_id, scope))
    )
    return {r.id: ObjectInfo(r.id, r.display_name) for r in rows}


def object_in_scope(
    conn: Connection, kind: ObjectKind, key: Hashable, scope: CaseScope | None
) -> bool:
    """Whether the object ``key`` of ``kind`` belongs to a jurisdiction ``scope`` reads (a
    department, an area, a user of another platform is "no such object")."""
    if kind is ObjectKind.DEPARTMENT:
        stmt = sa.select(Department.id).where(
            Department.id == key, _in_scope(Department.jurisdiction_id, scope)
        )
    elif kind is ObjectKind.DISTRICT:
        stmt = sa.select(Jurisdiction.id).where(
            Jurisdiction.code == key, _in_scope(Jurisdiction.id, scope)
        )
    elif kind.is_area:
        # A grid, or the street / community a grid code starts with.
        text = str(key)
        if not is_digits(text):
            return False
        stmt = sa.select(Grid.id).where(
            Grid.code.startswith(text), _in_scope(Grid.jurisdiction_id, scope)
        )
    else:
        stmt = sa.select(User.id).where(User.id == key, _in_scope(User.jurisdiction_id, scope))
    return conn.execute(stmt.limit(1)).first() is not None


def _area_names(conn: Connection, kind: ObjectKind) -> dict[str, str]:
    j, s, c = Jurisdiction.__table__, Street.__table__, Community.__table__
    if kind is ObjectKind.STREET:
        stmt = sa.select((j.c.code + s.c.code).label("code"), s.c.name).join(
            j, j.c.id == s.c.jurisdiction_id
        )
    else:
        stmt = (
            sa.select((j.c.code + s.c.code + c.c.code).label("code"), c.c.name)
            .join(s, s.c.id == c.c.street_id)
            .join(j, j.c.id == s.c.jurisdiction_id)
        )
    return {r.code: r.name for r in conn.execute(stmt)}


def evaluate_kind(
    conn: Connection,
    kind: ObjectKind,
    period: Period,
    config: EvaluationConfig | None = None,
    as_of: datetime | None = None,
    with_org: bool = True,
    scope: CaseScope | None = None,
) -> list[Evaluation]:
    """Counts in SQL, scored by the pure engine, best first."""
    config = config or default_config()
    infos = object_infos(conn, kind, scope) if with_org else {}
    counts = _count_sql(
        conn, kind, period, as_of, keys=infos.keys(), extra_where=facts_condition(conn, scope)
    )
    if with_org and kind.is_position:
        # actors who did a step without holding the role (a leader closing a case ...)
        missing = [k for k in counts if k not in infos]
        if missing:
            rows = conn.execute(sa.select(User.id, User.display_name).where(User.id.in_(missing)))
            infos = {**infos, **{r.id: ObjectInfo(r.id, r.display_name) for r in rows}}
    return ranked((evaluate(c, config, infos.get(k)) for k, c in counts.items()), config.min_cases)


CITIZEN_COUNTS = ("citizen_cases", "replied", "replied_on_time", "completed", "rated", "satisfied")


def citizen_summary_sql(
    conn: Connection,
    period: Period,
    as_of: datetime | None = None,
    scope: CaseScope | None = None,
) -> dict[str, Any]:
    as_of = as_of or period.end
    defs = [d for d in COUNT_DEFS[ObjectKind.DEPARTMENT] if d.name in CITIZEN_COUNTS]
    stmt = sa.select(*(count_expr(d, FACTS, as_of) for d in defs)).where(
        in_period(FACTS, "reported_at", period), _facts_in_scope(conn, scope)
    )
    row = conn.execute(stmt).one()
    c = {d.name: int(getattr(row, d.name) or 0) for d in defs}
    return {
        **c,
        "reply_rate": rate(c["replied"], c["citizen_cases"]),
        "on_time_reply_rate": rate(c["replied_on_time"], c["citizen_cases"]),
        "completion_rate": rate(c["completed"], c["citizen_cases"]),
        "satisfaction_rate": rate(c["satisfied"], c["rated"]),
    }


@dataclass
class Alerts:
    recurring: list[Recurrence]
    surges: list[Surge]
    hot_spots: list[tuple[Hashable, int]]


def alerts(
    conn: Connection,
    period: Period,
    tz: str = DEFAULT_TZ,
    rule: SurgeRule | None = None,
    recur_times: int = 3,
    recur_days: int = 7,
    scope: CaseScope | None = None,
) -> Alerts:
    """Recurring problems and surges among the reports of the period (baseline from the
    ``rule.window`` days before it)."""
    rule = rule or SurgeRule()
    zone = ZoneInfo(tz)
    start = period.start - timedelta(days=rule.window)
    stmt = sa.select(
        FACTS.c.case_id, FACTS.c.grid_code, FACTS.c.category_code, FACTS.c.reported_at
    ).where(
        FACTS.c.reported_at >= start,
        FACTS.c.reported_at < period.end,
        FACTS.c.grid_code.is_not(None),
        FACTS.c.category_code.is_not(None),
        _facts_in_scope(conn, scope),
    )
    occ = [
        Occurrence(r.case_id, r.grid_code, r.category_code, r.reported_at.astimezone(zone).date())
        for r in conn.execute(stmt)
    ]
    first = period.start.astimezone(zone).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
    in_period_occ = [o for o in occ if first <= o.day <= last]
    return Alerts(
        recurring=[r for r in recurring(occ, recur_times, recur_days) if r.last_day >= first],
        surges=surges(daily_counts(occ, "grid_category"), first, last, rule)
        + surges(daily_counts(occ, "category"), first, last, rule),
        hot_spots=hot_spots(in_period_occ, 10),
    )


@dataclass(frozen=True)
class AlertNames:
    """What an alert's codes and ids mean in words: category and grid names, case numbers."""

    categories: dict[str, str]
    grids: dict[str, str]
    cases: dict[int, str]

    def category(self, code: str) -> str:
        return self.categories.get(code, code)

    def grid(self, code: str) -> str:
        name = self.grids.get(code)
        return f"{name}（{code}）" if name and name != code else code

    def series(self, series: Any) -> str:
        """A surge series in words: a category, or a grid and a category."""
        if isinstance(series, tuple | list) and len(series) == 2:
            return f"{self.grid(str(series[0]))} · {self.category(str(series[1]))}"
        return self.category(str(series))

    def case(self, case_id: int) -> str:
        return self.cases.get(case_id, "")


def alert_names(conn: Connection, found: Alerts) -> AlertNames:
    from urbangrid.catalog.models import Category
    from urbangrid.evaluation.adapter import case_numbers

    cats: set[str] = set()
    grids: set[str] = set()
    for sg in found.surges:
        if isinstance(sg.series, tuple):
            grids.add(str(sg.series[0]))
            cats.add(str(sg.series[1]))
        else:
            cats.add(str(sg.series))
    for r in found.recurring:
        grids.add(r.grid_code)
        cats.add(r.category_code)
    for key, _n in found.hot_spots:
        if isinstance(key, tuple):
            grids.add(str(key[0]))
            cats.add(str(key[1]))
    categories = (
        {
            code: name
            for code, name in conn.execute(
                sa.select(Category.code, Category.name).where(Category.code.in_(cats))
            )
        }
        if cats
        else {}
    )
    grid_names = (
        {
            code: name
            for code, name in conn.execute(
                sa.select(Grid.code, Grid.name).where(Grid.code.in_(grids))
            )
            if name
        }
        if grids
        else {}
    )
    ids = [i for r in found.recurring for i in r.case_ids]
    return AlertNames(categories, grid_names, case_numbers(conn, ids))


def surge_level(p_value: float) -> str:
    """A surge's strength in words (the rule's α is 0.001): 显著, or 极显著 when the count
    would happen less than once in a million days at the usual rate."""
    return "very_significant" if p_value < 1e-6 else "significant"


SURGE_LEVEL_ZH = {"significant": "异常升高（显著）", "very_significant": "异常升高（极显著）"}


@dataclass
class MonthlyReport:
    period: Period
    generated_at: datetime
    config: EvaluationConfig
    sections: dict[ObjectKind, list[Evaluation]]
    changes: dict[ObjectKind, list[Change]]
    citizen: dict[str, Any]
    alerts: Alerts
    totals: dict[str, int] = field(default_factory=dict)
    tz: str = DEFAULT_TZ  # the jurisdiction's zone: times in the report are local
    names: AlertNames | None = None

    def lists(self, kind: ObjectKind, n: int = 5) -> Any:
        return red_black_lists(self.sections[kind], n, self.config.min_cases)


def monthly_report(
    conn: Connection,
    period: Period,
    config: EvaluationConfig | None = None,
    as_of: datetime | None = None,
    now: datetime | None = None,
    scope: CaseScope | None = None,
    tz: str = DEFAULT_TZ,
) -> MonthlyReport:
    config = config or default_config()
    previous = period.previous_month(tz) if period.label[4:5] == "-" else None
    sections: dict[ObjectKind, list[Evaluation]] = {}
    changes: dict[ObjectKind, list[Change]] = {}
    for kind in ObjectKind:
        sections[kind] = evaluate_kind(conn, kind, period, config, as_of, scope=scope)
        if previous is not None:
            prev = evaluate_kind(conn, kind, previous, config, scope=scope)
            changes[kind] = month_over_month(sections[kind], prev, config.min_cases)
    in_scope = _facts_in_scope(conn, scope)
    reported = conn.execute(
        sa.select(sa.func.count()).where(in_period(FACTS, "reported_at", period), in_scope)
    ).scalar_one()
    filed = conn.execute(
        sa.select(sa.func.count()).where(in_period(FACTS, "filed_at", period), in_scope)
    ).scalar_one()
    report = MonthlyReport(
        period=period,
        generated_at=now or datetime.now(ZoneInfo("UTC")),
        config=config,
        sections=sections,
        changes=changes,
        citizen=citizen_summary_sql(conn, period, as_of, scope),
        alerts=alerts(conn, period, tz, scope=scope),
        totals={"reported": int(reported), "filed": int(filed)},
        tz=tz,
        names=None,
    )
    report.names = alert_names(conn, report.alerts)
    return report


def as_percent(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value) * 100, 2)


__all__ = [
    "Alerts",
    "MonthlyReport",
    "alerts",
    "citizen_summary_sql",
    "compile_pred",
    "evaluate_kind",
    "monthly_report",
    "object_infos",
]
