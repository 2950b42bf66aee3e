"""Load the demo jurisdiction: areas and grids, departments, users, routing defaults and
(optionally) a month of cases. Idempotent: a second run changes nothing."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import load_national_directory
from urbangrid.demo.routing_defaults import default_department_for
from urbangrid.geo.demo_area import DEMO_DISTRICT_CODE, DEMO_DISTRICT_NAME, make_demo_area
from urbangrid.org import service as org
from urbangrid.org.models import Community, Grid, Jurisdiction, Street, User
from urbangrid.org.roles import Role

DEMO_CODE = DEMO_DISTRICT_CODE  # 329901: not a real GB/T 2260 code
DEMO_NAME = DEMO_DISTRICT_NAME
DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    kind: str
    phone: str
    parent: str | None = None


DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment("HW", "区环境卫生管理处", "环卫", "0523-8100101"),
    DemoDepartment("HW1", "环卫一所", "环卫", "0523-8100102", parent="HW"),
    DemoDepartment("HW2", "环卫二所", "环卫", "0523-8100103", parent="HW"),
    DemoDepartment("SZ", "区市政设施管理处", "市政", "0523-8100201"),
    DemoDepartment("YL", "区园林绿化管理处", "园林", "0523-8100301"),
    DemoDepartment("ZF", "区城管执法大队", "城管执法", "0523-8100401"),
    DemoDepartment("ZF1", "执法一中队", "城管执法", "0523-8100402", parent="ZF"),
    DemoDepartment("GS", "示范区供水公司", "供水", "0523-8100501"),
    DemoDepartment("PS", "示范区排水公司", "排水", "0523-8100601"),
    DemoDepartment("GD", "示范区供电公司", "供电", "0523-8100701"),
    DemoDepartment("RQ", "示范区燃气公司", "燃气", "0523-8100801"),
    DemoDepartment("TX", "示范区通信管线办", "通信", "0523-8100901"),
    DemoDepartment("JT", "交警示范区大队", "交通", "0523-8101001"),
)

# (username, display name, roles, department code, number of grids patrolled)
_STAFF: tuple[tuple[str, str, tuple[Role, ...], str | None, int], ...] = (
    ("admin", "系统管理员", (Role.ADMIN,), None, 0),
    ("leader", "王局长", (Role.LEADER,), None, 0),
    ("intake", "李受理", (Role.INTAKE_OPERATOR,), None, 0),
    ("shiftlead", "赵值班", (Role.SHIFT_LEAD,), None, 0),
    ("dispatcher", "钱派遣", (Role.DISPATCHER,), None, 0),
    ("inspector1", "孙监督", (Role.INSPECTOR,), None, 40),
    ("inspector2", "周监督", (Role.INSPECTOR,), None, 40),
    ("inspector3", "吴监督", (Role.INSPECTOR,), None, 40),
)
_HANDLERS = tuple(
    (f"h_{d.code.lower()}", f"{d.name}处置员", (Role.DEPARTMENT_HANDLER,), d.code, 0)
    for d in DEPARTMENTS
    if d.parent is None
)
USERS = _STAFF + _HANDLERS


def _load_areas(session: Session, jurisdiction: Jurisdiction) -> list[str]:
    """Boundary, streets, communities and unit grids of the generated demo district."""
    if session.scalar(select(func.count()).where(Grid.jurisdiction_id == jurisdiction.id)):
        return ["areas already loaded"]
    area = make_demo_area()
    jurisdiction.geometry = area.boundary
    streets: dict[str, Street] = {}
    for st in area.streets:
        streets[st.code] = Street(
            jurisdiction_id=jurisdiction.id, code=st.code, name=st.name, geometry=st.geometry
        )
        session.add(streets[st.code])
    session.flush()
    communities: dict[tuple[str, str], Community] = {}
    for cm in area.communities:
        communities[(cm.street_code, cm.code)] = Community(
            street_id=streets[cm.street_code].id, code=cm.code, name=cm.name, geometry=cm.geometry
        )
        session.add(communities[(cm.street_code, cm.code)])
    session.flush()
    for g in area.grids:
        session.add(
            Grid(
                jurisdiction_id=jurisdiction.id,
                community_id=communities[(g.street_code, g.community_code)].id,
                code=g.code,
                geometry=g.geometry,
                area_m2=g.area_m2,
                centroid_lon=g.centroid_lon,
                centroid_lat=g.centroid_lat,
                # the first street is the busy centre: 一类区域
                area_class=1 if g.street_code == area.streets[0].code else 2,
            )
        )
    session.flush()
    return [
        f"{len(area.streets)} streets, {len(area.communities)} communities, "
        f"{len(area.grids)} unit grids"
    ]


# A generic filing condition per 大类 for categories the demo has no specific condition for,
# so that every category can be filed (立案) in the demo. Limits are typical of published
# city tables, not any city's real values: (condition text, value, unit, closing condition).
_GENERIC_CONDITIONS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("component", ""): ("部件破损、缺失或存在安全隐患", "3", "work_day", "修复"),
    ("matter", "01"): ("设施损坏、缺失，影响使用或安全", "2", "work_day", "修复"),
    ("matter", "06"): ("影响市容环境", "1", "work_day", "清理、整改"),
    ("matter", "07"): ("违规设置或破损", "1", "work_day", "清除、整改"),
    ("matter", "08"): ("违反施工管理规定", "2", "work_day", "整改"),
    ("matter", "09"): ("影响街面秩序", "2", "urgent_hour_continuous", "制止、取缔"),
    ("matter", ""): ("影响城市运行", "1", "work_day", "处置"),
}


def _generic_condition(kind: str, big_code: str) -> tuple[str, str, str, str]:
    if kind == "matter" and big_code in ("02", "03", "04", "05"):
        big_code = "01"  # component-anomaly classes share one rule
    return _GENERIC_CONDITIONS.get((kind, big_code)) or _GENERIC_CONDITIONS[(kind, "")]


def _fill_generic_conditions(session: Session) -> int:
    added = 0
    with_conditions = set(
        session.scalars(
            select(FilingCondition.category_id).where(FilingCondition.is_active.is_(True))
        )
    )
    for cat in session.scalars(select(Category).order_by(Category.id)):
        if cat.id in with_conditions:
            continue
        text, value, unit, closing = _generic_condition(cat.kind, cat.big_code)
        session.add(
            FilingCondition(
                category_id=cat.id,
                seq=1,
                description=text,
                time_limit_value=Decimal(value),
                time_limit_unit=unit,
                closing_condition=closing,
            )
        )
        added += 1
    session.flush()
    return added


def _assign_routing_defaults(session: Session) -> int:
    changed = 0
    for cat in session.scalars(select(Category)):
        code = default_department_for(cat.kind, cat.big_code, cat.local_name or cat.name)
        if cat.default_department_code is None:
            cat.default_department_code = code
            changed += 1
    return changed


def _create_users(session: Session, jurisdiction: Jurisdiction) -> int:
    existing = set(session.scalars(select(User.username)))
    grid_codes = list(
        session.scalars(
            select(Grid.code).where(Grid.jurisdiction_id == jurisdiction.id).order_by(Grid.code)
        )
    )
    created = 0
    offset = 0
    for username, name, roles, dept, n_grids in USERS:
        grids = grid_codes[offset : offset + n_grids] if n_grids else []
        offset += n_grids
        if username in existing:
            continue
        org.create_user(
            session,
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            roles=roles,
            jurisdiction=jurisdiction,
            department_code=dept,
            grid_codes=grids,
        )
        created += 1
    return created


def _load_cases(session: Session, jurisdiction: Jurisdiction) -> list[str]:
    try:
        cases_demo = importlib.import_module("urbangrid.cases.demo")
    except ModuleNotFoundError:
        return ["case package not installed: demo has no cases"]
    return list(cases_demo.generate_demo_month(session, jurisdiction))


def load_demo(session: Session, *, with_cases: bool = True) -> list[str]:
    report: list[str] = []
    load_national_directory(session)
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
    if jurisdiction is None:
        jurisdiction = org.upsert_jurisdiction(
            session, DEMO_CODE, DEMO_NAME, timezone="Asia/Shanghai", source_crs="gcj02"
        )
        report.append(f"created jurisdiction {DEMO_CODE} {DEMO_NAME}")
    report.extend(_load_areas(session, jurisdiction))
    for d in DEPARTMENTS:
        exists = session.scalar(
            select(func.count()).where(
                org.Department.jurisdiction_id == jurisdiction.id, org.Department.code == d.code
            )
        )
        if not exists:
            org.upsert_department(
                session,
                jurisdiction.id,
                d.code,
                d.name,
                parent_code=d.parent,
                kind=d.kind,
                phone=d.phone,
                contact_name=f"{d.kind}值班室",
            )
    report.append(f"{len(DEPARTMENTS)} departments")
    report.append(f"routing defaults set on {_assign_routing_defaults(session)} categories")
    created = _create_users(session, jurisdiction)
    report.append(f"{created} demo users created (password {DEMO_PASSWORD})")
    session.flush()
    if with_cases:
        report.extend(_load_cases(session, jurisdiction))
    # after the cases, which bring their own specific conditions for common categories
    report.append(
        f"generic filing conditions added to {_fill_generic_conditions(session)} categories"
    )
    return report
