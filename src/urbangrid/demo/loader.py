"""Load the demo city: 示范市 (a city platform) over two district platforms, 滨江示范区 and
海湾新区 — areas and grids, departments (with a sub-unit and street offices), users of each
platform, routing defaults and (optionally) a month of cases in each district plus 12345
cases the city registered and sent down (派遣到区). Idempotent: a second run changes nothing.

The district usernames of the first demo stay as they were (``admin``, ``leader``,
``intake`` …); the second district's carry ``d2_``, the city's ``city_``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases.models import RoutingRule
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import load_national_directory
from urbangrid.construction.demo import load_construction_demo
from urbangrid.demo.routing_defaults import default_department_for
from urbangrid.geo.demo_area import (
    DEMO_CITY_CODE,
    DEMO_CITY_NAME,
    DEMO_DISTRICTS,
    DistrictSpec,
    make_demo_area,
)
from urbangrid.org import service as org
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street, User
from urbangrid.org.roles import Role

DEMO_CODE = DEMO_DISTRICTS[0].code  # 329901: not a real GB/T 2260 code
DEMO_NAME = DEMO_DISTRICTS[0].name
DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    kind: str
    phone: str
    parent: str | None = None
    street: str | None = None  # a street office (街道): the street's 3-digit code


# (code, trade, parent): the same departments on each district platform, under its own
# names (routing defaults name departments by code).
_TRADES: tuple[tuple[str, str, str | None], ...] = (
    ("HW", "环卫", None),
    ("HW1", "环卫", "HW"),
    ("HW2", "环卫", "HW"),
    ("SZ", "市政", None),
    ("YL", "园林", None),
    ("ZF", "城管执法", None),
    ("ZF1", "城管执法", "ZF"),
    ("GS", "供水", None),
    ("PS", "排水", None),
    ("GD", "供电", None),
    ("RQ", "燃气", None),
    ("TX", "通信", None),
    ("JT", "交通", None),
)
_NAMES_D1 = (
    "区环境卫生管理处", "环卫一所", "环卫二所", "区市政设施管理处", "区园林绿化管理处",
    "区城管执法大队", "执法一中队", "示范区供水公司", "示范区排水公司", "示范区供电公司",
    "示范区燃气公司", "示范区通信管线办", "交警示范区大队",
)  # fmt: skip
_NAMES_D2 = (
    "新区环境卫生管理所", "新区环卫一所", "新区环卫二所", "新区市政设施所", "新区园林绿化所",
    "新区城管执法中队", "新区执法一分队", "新区供水所", "新区排水所", "新区供电所",
    "新区燃气所", "新区通信管线所", "交警新区中队",
)  # fmt: skip


def _departments(
    names: tuple[str, ...], phone_prefix: str, spec: DistrictSpec
) -> tuple[DemoDepartment, ...]:
    trades = tuple(
        DemoDepartment(code, name, kind, f"{phone_prefix}{n + 1:02d}01", parent)
        for n, ((code, kind, parent), name) in enumerate(zip(_TRADES, names, strict=True))
    )
    # 属地管理: each street's office handles its street's order (街面秩序) cases.
    offices = tuple(
        DemoDepartment(
            f"JD{n}", f"{name}办事处", "街道", f"{phone_prefix}9{n:02d}", street=f"{n:03d}"
        )
        for n, name in enumerate(spec.streets, start=1)
    )
    return trades + offices


# (username, display name, roles, department code, patrols grids (>0: an even share))
UserSpec = tuple[str, str, tuple[Role, ...], str | None, int]


def _staff(prefix: str, names: tuple[str, str, str, str, str]) -> tuple[UserSpec, ...]:
    """The centre of a platform: admin, leader, intake operator, shift lead, dispatcher."""
    roles = (Role.ADMIN, Role.LEADER, Role.INTAKE_OPERATOR, Role.SHIFT_LEAD, Role.DISPATCHER)
    logins = ("admin", "leader", "intake", "shiftlead", "dispatcher")
    return tuple(
        (f"{prefix}{login}", name, (role,), None, 0)
        for login, name, role in zip(logins, names, roles, strict=True)
    )


def _handlers(p: str, departments: tuple[DemoDepartment, ...]) -> tuple[UserSpec, ...]:
    # a handler per department and street office, and one for a sub-unit (二级派遣)
    return tuple(
        (f"{p}h_{d.code.lower()}", f"{d.name}处置员", (Role.DEPARTMENT_HANDLER,), d.code, 0)
        for d in departments
        if d.parent is None or d.code == "HW1"
    )


@dataclass(frozen=True)
class DemoDistrict:
    spec: DistrictSpec
    departments: tuple[DemoDepartment, ...]
    users: tuple[UserSpec, ...]
    cases_per_day: float
    seed: int


_D1, _D2 = DEMO_DISTRICTS
DEPARTMENTS = _departments(_NAMES_D1, "0523-81", _D1)
_D2_DEPARTMENTS = _departments(_NAMES_D2, "0523-83", _D2)
DISTRICTS: tuple[DemoDistrict, ...] = (
    DemoDistrict(
        _D1,
        DEPARTMENTS,
        (
            *_staff("", ("系统管理员", "王局长", "李受理", "赵值班", "钱派遣")),
            ("inspector1", "孙监督", (Role.INSPECTOR,), None, 40),
            ("inspector2", "周监督", (Role.INSPECTOR,), None, 40),
            ("inspector3", "吴监督", (Role.INSPECTOR,), None, 40),
            *_handlers("", DEPARTMENTS),
        ),
        cases_per_day=20,
        seed=20261122,
    ),
    DemoDistrict(
        _D2,
        _D2_DEPARTMENTS,
        (
            *_staff("d2_", ("新区系统管理员", "陈局长", "何受理", "吕值班", "施派遣")),
            ("d2_inspector1", "郑监督", (Role.INSPECTOR,), None, 60),
            ("d2_inspector2", "冯监督", (Role.INSPECTOR,), None, 60),
            *_handlers("d2_", _D2_DEPARTMENTS),
        ),
        cases_per_day=8,
        seed=20261203,
    ),
)
CITY_USERS: tuple[UserSpec, ...] = _staff(
    "city_", ("市系统管理员", "市局刘局长", "市12345受理员", "市值班长", "市派遣员")
)
USERS = DISTRICTS[0].users  # the first district's (README, benchmarks)


def _load_areas(session: Session, jurisdiction: Jurisdiction, spec: DistrictSpec) -> list[str]:
    """Boundary, streets, communities and unit grids of a generated demo district."""
    if session.scalar(select(func.count()).where(Grid.jurisdiction_id == jurisdiction.id)):
        return [f"{spec.name}: areas already loaded"]
    area = make_demo_area(spec=spec)
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
        f"{spec.name}: {len(area.streets)} streets, {len(area.communities)} communities, "
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


def _create_users(session: Session, jurisdiction: Jurisdiction, users: tuple[UserSpec, ...]) -> int:
    existing = set(session.scalars(select(User.username)))
    grid_codes = list(
        session.scalars(
            select(Grid.code).where(Grid.jurisdiction_id == jurisdiction.id).order_by(Grid.code)
        )
    )
    created = 0
    # The platform's inspectors share all its grids in contiguous blocks (a patrol area
    # each), so every grid's 核实 / 核查 task has an inspector; the pool (待派发) then holds
    # what an absence (请假) or a new grid leaves uncovered.
    patrols = sum(1 for spec in users if spec[4])
    share = -(-len(grid_codes) // patrols) if patrols else 0
    offset = 0
    for username, name, roles, dept, n_grids in users:
        grids = grid_codes[offset : offset + share] if n_grids else []
        offset += share if n_grids else 0
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


def _platform(
    session: Session, code: str, name: str, report: list[str], parent: Jurisdiction | None
) -> Jurisdiction:
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if jurisdiction is None:
        jurisdiction = org.upsert_jurisdiction(
            session, code, name, timezone="Asia/Shanghai", source_crs="gcj02"
        )
        report.append(f"created jurisdiction {code} {name}")
    if parent is not None and jurisdiction.parent_id != parent.id:
        org.set_parent_jurisdiction(session, jurisdiction, parent)
    return jurisdiction


def _load_departments(
    session: Session, jurisdiction: Jurisdiction, departments: tuple[DemoDepartment, ...]
) -> None:
    for d in departments:
        exists = session.scalar(
            select(func.count()).where(
                Department.jurisdiction_id == jurisdiction.id, Department.code == d.code
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
                street_code=d.street,
            )


def _street_office_rules(session: Session, jurisdiction: Jurisdiction) -> int:
    """属地管理: 街面秩序类 (matter 09) cases go to the street office of their street."""
    made = 0
    offices = session.scalars(
        select(Department).where(
            Department.jurisdiction_id == jurisdiction.id, Department.street_id.is_not(None)
        )
    ).all()
    for office in offices:
        exists = session.scalar(
            select(RoutingRule.id).where(
                RoutingRule.jurisdiction_id == jurisdiction.id,
                RoutingRule.department_id == office.id,
            )
        )
        if exists is None:
            session.add(
                RoutingRule(
                    jurisdiction_id=jurisdiction.id,
                    kind="matter",
                    big_code="09",
                    area_level="street",
                    area_id=office.street_id,
                    department_id=office.id,
                    priority=10,
                    note="属地管理: 街面秩序由街道办事处处置",
                )
            )
            made += 1
    session.flush()
    return made


def load_demo(
    session: Session,
    *,
    with_cases: bool = True,
    with_waste: bool | None = None,
    with_construction: bool | None = None,
) -> list[str]:
    """The demo city; ``with_waste`` (default: as ``with_cases``) adds the first district's
    generated month of waste collection (垃圾分类), ``with_construction`` (the same default)
    its 违法建设 register, steps and patch batches — both bring cases of their own."""
    report: list[str] = []
    load_national_directory(session)
    city = _platform(session, DEMO_CITY_CODE, DEMO_CITY_NAME, report, None)
    districts: list[Jurisdiction] = []
    created = 0
    for district in DISTRICTS:
        jurisdiction = _platform(session, district.spec.code, district.spec.name, report, city)
        districts.append(jurisdiction)
        report.extend(_load_areas(session, jurisdiction, district.spec))
        _load_departments(session, jurisdiction, district.departments)
        rules = _street_office_rules(session, jurisdiction)
        report.append(
            f"{district.spec.name}: {len(district.departments)} departments and street "
            f"offices, {rules} street-office routing rules"
        )
        created += _create_users(session, jurisdiction, district.users)
    created += _create_users(session, city, CITY_USERS)
    report.append(f"routing defaults set on {_assign_routing_defaults(session)} categories")
    report.append(f"{created} demo users created (password {DEMO_PASSWORD})")
    session.flush()
    if with_cases:
        report.extend(_load_cases(session, city, districts))
    # after the cases, which bring their own specific conditions for common categories
    report.append(
        f"generic filing conditions added to {_fill_generic_conditions(session)} categories"
    )
    if with_cases if with_waste is None else with_waste:
        report.extend(_load_waste(session, districts[0], DISTRICTS[0].spec))
    if with_cases if with_construction is None else with_construction:
        report.extend(load_construction_demo(session, districts[0]))  # 违法建设
    return report


def _load_waste(session: Session, jurisdiction: Jurisdiction, spec: DistrictSpec) -> list[str]:
    try:
        waste_demo = importlib.import_module("urbangrid.waste.demo")
    except ModuleNotFoundError:
        return ["waste package not installed: demo has no waste month"]
    lines: list[str] = waste_demo.generate_demo_waste_month(session, jurisdiction, spec.centre)
    return [f"{spec.name}: {line}" for line in lines]


def _load_cases(session: Session, city: Jurisdiction, districts: list[Jurisdiction]) -> list[str]:
    try:
        cases_demo = importlib.import_module("urbangrid.cases.demo")
    except ModuleNotFoundError:
        return ["case package not installed: demo has no cases"]
    lines: list[str] = []
    for district, jurisdiction in zip(DISTRICTS, districts, strict=True):
        made = cases_demo.generate_demo_month(
            session, jurisdiction, cases_per_day=district.cases_per_day, seed=district.seed
        )
        lines.extend(f"{district.spec.name}: {line}" for line in made)
    lines.extend(cases_demo.generate_city_cases(session, city))
    return lines
