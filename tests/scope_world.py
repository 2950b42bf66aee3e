"""A city with two districts and an unrelated jurisdiction, for the visibility tests.

    示范市 C (329900, city platform)
      ├─ 一区 D1 (329901)      departments HW (sub-unit HW1), SZ; inspectors i1 (grids 1-2),
      └─ 二区 D2 (329902)      i2 (grids 3-4); one user per role
    外市 X (440199, a platform of its own)

Every organisation object of a jurisdiction carries the marker ``ZONE<code>`` in its name
and every case ``CASEMARK-<label>`` in its text, so a test can search any answer for what
the caller must not see. ``READS`` and ``ACTS`` state by hand which cases each user reads
and may act on: the expectation is written down, not computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import issue_token, principal_for
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case, RoutingRule
from urbangrid.cases.workflow import Action
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.geo.models import Component
from urbangrid.intake import hotline, keys, webhooks
from urbangrid.intake.models import ClientKey
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Department, Grid, Jurisdiction, User
from urbangrid.org.roles import Role
from urbangrid.registers.models import RegisterRecord
from worldkit import add_garbage_category, add_grids, add_users, square

CITY, D1, D2, X = "329900", "329901", "329902", "440199"
CODES = (CITY, D1, D2, X)
# A small PNG (1x1) for photos.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000200aa6dbe8d0000000049454e44ae426082"
)
CENTRE = ("intake", "lead", "dispatcher", "leader", "admin")
DISTRICT_USERS = (*CENTRE, "hw", "hw1", "sz", "i1", "i2")
CITY_USERS = CENTRE

D1_CASES = frozenset(
    {"own_hw", "sub_hw1", "sz", "verify_g3", "task_i1", "i1_report_g3", "transferred"}
)
ALL_CASES = D1_CASES | {"d2", "city", "x"}

# Who reads which case (by hand, from docs/scope.md).
READS: dict[str, frozenset[str]] = {
    **{f"{D1}/{u}": D1_CASES for u in CENTRE},
    f"{D1}/hw": frozenset({"own_hw", "sub_hw1"}),
    f"{D1}/hw1": frozenset({"sub_hw1"}),
    f"{D1}/sz": frozenset({"sz"}),
    # grids 1-2, the task sent to it, its own report in grid 3
    f"{D1}/i1": frozenset({"own_hw", "sub_hw1", "task_i1", "i1_report_g3"}),
    # grids 3-4
    f"{D1}/i2": frozenset({"sz", "verify_g3", "task_i1", "i1_report_g3", "transferred"}),
    **{f"{CITY}/{u}": ALL_CASES - {"x"} for u in CITY_USERS},
    **{f"{D2}/{u}": frozenset({"d2"}) for u in CENTRE},
    f"{D2}/i1": frozenset({"d2"}),
    **{f"{X}/{u}": frozenset({"x"}) for u in CENTRE},
}
# Who may act on which (as far as scope goes; the workflow then checks role and state).
ACTS: dict[str, frozenset[str]] = {
    **{f"{D1}/{u}": D1_CASES for u in CENTRE},
    f"{D1}/hw": frozenset({"own_hw", "sub_hw1"}),
    f"{D1}/hw1": frozenset({"sub_hw1"}),
    f"{D1}/sz": frozenset({"sz"}),
    f"{D1}/i1": frozenset({"own_hw", "sub_hw1", "task_i1"}),  # not its report in grid 3
    f"{D1}/i2": frozenset({"sz", "verify_g3", "task_i1", "i1_report_g3", "transferred"}),
    **{f"{CITY}/{u}": frozenset({"city"}) for u in CITY_USERS},  # districts: 督办 only
    **{f"{D2}/{u}": frozenset({"d2"}) for u in CENTRE},
    f"{D2}/i1": frozenset({"d2"}),
    **{f"{X}/{u}": frozenset({"x"}) for u in CENTRE},
}


def subtree_codes(code: str) -> frozenset[str]:
    return frozenset({CITY, D1, D2}) if code == CITY else frozenset({code})


@dataclass
class ScopeWorld:
    jurisdictions: dict[str, Jurisdiction]
    users: dict[str, User]  # "<code>/<name>"
    cases: dict[str, Case]  # label → case
    category: Category
    condition: FilingCondition
    departments: dict[str, Department]  # "<code>/<dept code>"
    grids: dict[str, list[Grid]]
    orders: dict[str, str]  # order id → case label
    photos: dict[str, int]  # label → attachment id ("upload_i1": an upload not on a case)
    components: dict[str, str]  # jurisdiction code → component code
    rules: dict[str, int]  # jurisdiction code → routing rule id
    keys: dict[str, tuple[int, str]]  # jurisdiction code → (hotline key id, key)
    hooks: dict[str, int]  # jurisdiction code → webhook subscription id
    tokens: dict[str, str] = field(default_factory=dict)

    def who(self, user: str) -> Principal:
        return principal_for(self.users[user])

    def header(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def code_of(self, user: str) -> str:
        return user.split("/")[0]

    def marker(self, label: str) -> str:
        return f"CASEMARK-{label}"


def _district(
    session: Session, j: Jurisdiction, x0: float, users_out: dict[str, User]
) -> tuple[list[Grid], dict[str, Department]]:
    _street, _community, grids = add_grids(
        session,
        j,
        [square(x0 + i * 0.001, 30.0, 0.001) for i in range(4)],
        street_name=f"ZONE{j.code}街道",
        community_name=f"ZONE{j.code}社区",
    )
    hw = Department(jurisdiction_id=j.id, code="HW", name=f"ZONE{j.code}环卫处")
    sz = Department(jurisdiction_id=j.id, code="SZ", name=f"ZONE{j.code}市政处")
    session.add_all([hw, sz])
    session.flush()
    hw1 = Department(
        jurisdiction_id=j.id, code="HW1", name=f"ZONE{j.code}环卫一所", parent_id=hw.id
    )
    session.add(hw1)
    session.flush()
    made = add_users(
        session,
        j,
        [
            ("intake", Role.INTAKE_OPERATOR, None),
            ("lead", Role.SHIFT_LEAD, None),
            ("dispatcher", Role.DISPATCHER, None),
            ("leader", Role.LEADER, None),
            ("admin", Role.ADMIN, None),
            ("hw", Role.DEPARTMENT_HANDLER, hw.id),
            ("hw1", Role.DEPARTMENT_HANDLER, hw1.id),
            ("sz", Role.DEPARTMENT_HANDLER, sz.id),
        ],
        display_name=lambda name: f"用户{name}",
    )
    made |= add_users(session, j, [("i1", Role.INSPECTOR, None)], inspector_grids=grids[:2])
    made |= add_users(session, j, [("i2", Role.INSPECTOR, None)], inspector_grids=grids[2:])
    users_out.update({f"{j.code}/{k}": v for k, v in made.items()})
    return grids, {"HW": hw, "HW1": hw1, "SZ": sz}


def make_scope_world(session: Session) -> ScopeWorld:
    now = utcnow() - timedelta(hours=2)
    settings = {"case_number_pattern": "{district}-{year}-{seq:06d}"}
    js: dict[str, Jurisdiction] = {}
    for code, name, level in (
        (CITY, "示范市", "city"),
        (D1, "一区", "district"),
        (D2, "二区", "district"),
        (X, "外市", "district"),
    ):
        j = Jurisdiction(code=code, name=f"ZONE{code} {name}", level=level, settings=settings)
        session.add(j)
        js[code] = j
    session.flush()
    js[D1].parent_id = js[CITY].id
    js[D2].parent_id = js[CITY].id
    users: dict[str, User] = {}
    grids: dict[str, list[Grid]] = {}
    departments: dict[str, Department] = {}
    for i, code in enumerate((D1, D2, X)):
        grids[code], deps = _district(session, js[code], 120.0 + i * 0.01, users)
        departments |= {f"{code}/{k}": v for k, v in deps.items()}
    users |= {
        f"{CITY}/{k}": v
        for k, v in add_users(
            session,
            js[CITY],
            [
                ("intake", Role.INTAKE_OPERATOR, None),
                ("lead", Role.SHIFT_LEAD, None),
                ("dispatcher", Role.DISPATCHER, None),
                ("leader", Role.LEADER, None),
                ("admin", Role.ADMIN, None),
            ],
            display_name=lambda name: f"市用户{name}",
        ).items()
    }
    category, condition = add_garbage_category(session)

    def point(code: str, grid: int) -> tuple[float, float]:
        i = (D1, D2, X).index(code)
        return 120.0 + i * 0.01 + (grid + 0.5) * 0.001, 30.0005

    def who(user: str) -> Principal:
        return principal_for(users[user])

    made: dict[str, Case] = {}

    def report(label: str, user: str, code: str, grid: int, source: str = "inspector") -> Case:
        lon, lat = point(code, grid)
        case = cases.create_case(
            session,
            who(user),
            cases.NewCase(
                source=source,
                lon=lon,
                lat=lat,
                description=f"CASEMARK-{label} 垃圾",
                address=f"ZONE{code} 路{grid + 1}号",
                filing_condition_id=condition.id,
            ),
            now=now,
        )
        made[label] = case
        return case

    def act(label: str, user: str, action: Action, **data: Any) -> None:
        case = made[label]
        cases.perform_action(
            session, who(user), case.id, action, version=case.version, data=data, now=now
        )

    def dispatch_to(label: str, department: Department) -> None:
        act(label, f"{D1}/intake", Action.ACCEPT_REPORT)
        act(label, f"{D1}/lead", Action.FILE)
        act(label, f"{D1}/dispatcher", Action.DISPATCH, department_id=department.id)

    # D1
    report("own_hw", f"{D1}/i1", D1, 0)
    dispatch_to("own_hw", departments[f"{D1}/HW"])
    report("sub_hw1", f"{D1}/i1", D1, 1)
    dispatch_to("sub_hw1", departments[f"{D1}/HW"])
    act("sub_hw1", f"{D1}/hw", Action.FORWARD, department_id=departments[f"{D1}/HW1"].id)
    report("sz", f"{D1}/i2", D1, 2)
    dispatch_to("sz", departments[f"{D1}/SZ"])
    report("task_i1", f"{D1}/intake", D1, 3, source="hotline")
    act("task_i1", f"{D1}/intake", Action.ACCEPT_REPORT)
    act("task_i1", f"{D1}/intake", Action.ASSIGN_INSPECTOR, inspector_id=users[f"{D1}/i1"].id)
    report("i1_report_g3", f"{D1}/i1", D1, 2)
    # D2 and X
    report("d2", f"{D2}/i1", D2, 0)
    session.flush()

    # Keys, hotline orders (their cases carry markers too), photos.
    key_rows: dict[str, tuple[int, str]] = {}
    key_objects: dict[str, ClientKey] = {}
    for code in (CITY, D1, X):
        row, key = keys.create_key(
            session, f"12345 {code}", channel="hotline", jurisdiction_code=code
        )
        key_rows[code], key_objects[code] = (row.id, key), row
    orders: dict[str, str] = {}
    for code, label, grid_code, grid in (
        (D1, "verify_g3", D1, 2),
        (X, "x", X, 0),
        (CITY, "city", D1, 0),
    ):
        lon, lat = point(grid_code, grid)
        got = hotline.receive(
            session,
            key_objects[code],
            hotline.WorkOrderIn(
                order_id=f"ORD-{code}",
                content=f"CASEMARK-{label} 热线",
                address=f"ZONE{grid_code if code != CITY else CITY} 热线地址",
                lon=lon,
                lat=lat,
                citizen_name="市民",
                citizen_phone="13800000000",
                service_code="M06001",
            ),
            now=now,
        )
        made[label] = got.case
        orders[f"ORD-{code}"] = label
    act("verify_g3", f"{D1}/intake", Action.ACCEPT_REPORT)
    # 派遣到区: a city case sent down to D1 (it lands in grid 4 of D1).
    lon, lat = point(D1, 3)
    city_case = cases.create_case(
        session,
        who(f"{CITY}/intake"),
        cases.NewCase(
            source="hotline",
            lon=lon,
            lat=lat,
            description="CASEMARK-transferred 市级受理",
            address=f"ZONE{D1} 市转区",
            filing_condition_id=condition.id,
        ),
        now=now,
    )
    made["transferred"] = cases.transfer_to_district(
        session, who(f"{CITY}/intake"), city_case.id, version=city_case.version, now=now
    )
    photos: dict[str, int] = {}
    for label, user in (("own_hw", f"{D1}/i1"), ("x", f"{X}/intake"), ("city", f"{CITY}/intake")):
        photos[label] = cases.store_photo(
            session, who(user), PNG, "p.png", case_id=made[label].id, kind="before"
        ).id
    photos["upload_i1"] = cases.store_photo(session, who(f"{D1}/i1"), PNG, "mine.png").id

    components: dict[str, str] = {}
    rules: dict[str, int] = {}
    hooks: dict[str, int] = {}
    for n, code in enumerate((D1, D2, X)):
        lon, lat = point(code, 0)
        comp_code = f"{code}06001{n + 1:06d}"
        session.add(
            Component(
                jurisdiction_id=js[code].id,
                code=comp_code,
                class_code="06001",
                name=f"ZONE{code}果皮箱",
                lon=lon,
                lat=lat,
                grid_id=grids[code][0].id,
                owner_department_id=departments[f"{code}/HW"].id,
            )
        )
        components[code] = comp_code
        # A register record (台账) per platform, the same code everywhere.
        session.add(
            RegisterRecord(
                jurisdiction_id=js[code].id,
                register="waste.drop_points",
                code="P1",
                name=f"ZONE{code}投放点",
                attributes={"bins": ["其他垃圾"]},
                geometry={"type": "Point", "coordinates": [lon, lat]},
                lon=lon,
                lat=lat,
                grid_id=grids[code][0].id,
            )
        )
        rule = RoutingRule(
            jurisdiction_id=js[code].id,
            category_id=category.id,
            department_id=departments[f"{code}/HW"].id,
            note=f"ZONE{code}规则",
        )
        session.add(rule)
        session.flush()
        rules[code] = rule.id
        hooks[code] = webhooks.subscribe(
            session,
            f"ZONE{code}订阅",
            "http://127.0.0.1:9/hook",
            ["*"],
            jurisdiction_id=js[code].id,
        ).id
    session.flush()
    for case in made.values():
        session.refresh(case)
    world = ScopeWorld(
        jurisdictions=js,
        users=users,
        cases=made,
        category=category,
        condition=condition,
        departments=departments,
        grids=grids,
        orders=orders,
        photos=photos,
        components=components,
        rules=rules,
        keys=key_rows,
        hooks=hooks,
    )
    for name, user in users.items():
        world.tokens[name] = issue_token(session, user).token
    session.commit()
    return world


def photo_case(world: ScopeWorld, attachment_id: int) -> str | None:
    for label, aid in world.photos.items():
        if aid == attachment_id:
            return None if label == "upload_i1" else label
    return None
