"""派遣规则 administration: create, change, delete the routing rules of a platform, and try
them ("which department gets it?"). Every change is audited in the caller's transaction.

A rule lives on the platform of its department; the department, the area and the category
must all be that platform's: a department or an area outside the caller's platforms, or of
another platform than the rule's, is 404; a category the platform does not use is 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth import audit
from urbangrid.auth.principal import Principal
from urbangrid.cases.models import RoutingRule
from urbangrid.cases.routing import AreaLevel, CaseSite
from urbangrid.cases.service import Suggestion, route_site
from urbangrid.catalog.models import Category
from urbangrid.catalog.service import check_category_for
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.org import service as org
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street

_FIELDS = (
    "category_id",
    "kind",
    "big_code",
    "area_level",
    "area_id",
    "department_id",
    "priority",
    "note",
)


def _id_ok(value: int | None) -> bool:
    return value is not None and 0 < value < 2**63


def _rule(session: Session, principal: Principal, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id) if _id_ok(rule_id) else None
    readable = org.readable_jurisdictions(session, principal)
    if rule is None or (readable is not None and rule.jurisdiction_id not in readable):
        raise NotFound(
            f"no routing rule {rule_id}", code="rule_not_found", params={"rule_id": rule_id}
        )
    return rule


def _department(session: Session, platform: Jurisdiction, department_id: int) -> Department:
    dep = session.get(Department, department_id) if _id_ok(department_id) else None
    if dep is None or dep.jurisdiction_id != platform.id:
        raise NotFound(
            f"no department {department_id} on platform {platform.code}",
            code="department_not_found",
            params={"department_id": department_id},
            field="department_id",
        )
    return dep


def _area_in(session: Session, platform: Jurisdiction, level: str, area_id: int | None) -> None:
    """404 unless ``area_id`` is a street / community / grid of ``platform``."""
    if level == AreaLevel.JURISDICTION:
        return
    owner: int | None = None
    if _id_ok(area_id):
        if level == AreaLevel.STREET:
            street = session.get(Street, area_id)
            owner = street.jurisdiction_id if street else None
        elif level == AreaLevel.COMMUNITY:
            owner = session.scalar(
                select(Street.jurisdiction_id)
                .join(Community, Community.street_id == Street.id)
                .where(Community.id == area_id)
            )
        else:
            grid = session.get(Grid, area_id)
            owner = grid.jurisdiction_id if grid else None
    if owner != platform.id:
        raise NotFound(
            f"no {level} {area_id} on platform {platform.code}",
            code="area_not_found",
            params={"area_level": level, "area_id": area_id},
            field="area_id",
        )


def _category(session: Session, platform: Jurisdiction, category_id: int) -> Category:
    category = session.get(Category, category_id) if _id_ok(category_id) else None
    if category is None:
        raise InvalidInput(
            f"unknown category {category_id}",
            code="unknown_category",
            params={"category_id": category_id},
            field="category_id",
        )
    check_category_for(session, category, platform.id)
    return category


def _checked(session: Session, platform: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    """The rule's columns after every check (nothing is written before)."""
    if (data["area_level"] == AreaLevel.JURISDICTION) != (data["area_id"] is None):
        raise InvalidInput(
            "give area_id exactly when area_level is not jurisdiction",
            code="area_required",
            field="area_id",
        )
    if data["category_id"] is not None and data["big_code"] is not None:
        raise InvalidInput(
            "name a category_id or a big_code, not both", code="category_or_big", field="big_code"
        )
    _department(session, platform, data["department_id"])
    _area_in(session, platform, data["area_level"], data["area_id"])
    if data["category_id"] is not None:
        category = _category(session, platform, data["category_id"])
        data["kind"] = category.kind
    elif data["big_code"] is not None:
        q = select(Category.id).where(Category.big_code == data["big_code"]).limit(1)
        if data["kind"] is not None:
            q = q.where(Category.kind == data["kind"])
        if session.scalar(q) is None:
            raise InvalidInput(
                f"no 大类 {data['big_code']}",
                code="unknown_big_category",
                params={"big_code": data["big_code"]},
                field="big_code",
            )
    return data


def _platform_of(
    session: Session, principal: Principal, jurisdiction_id: int | None, department_id: int
) -> Jurisdiction:
    """The rule's platform: the one named, else the department's when the caller reads it,
    else the caller's own (then the department check says 404)."""
    if jurisdiction_id is None and _id_ok(department_id):
        dep = session.get(Department, department_id)
        readable = org.readable_jurisdictions(session, principal)
        if dep is not None and (readable is None or dep.jurisdiction_id in readable):
            jurisdiction_id = dep.jurisdiction_id
    return org.resolve_jurisdiction(session, principal, jurisdiction_id, field="jurisdiction_id")


def create_rule(session: Session, principal: Principal, body: dict[str, Any]) -> RoutingRule:
    platform = _platform_of(session, principal, body.get("jurisdiction_id"), body["department_id"])
    data = _checked(session, platform, {k: body.get(k) for k in _FIELDS})
    rule = RoutingRule(**data, jurisdiction_id=platform.id, is_active=body.get("is_active", True))
    session.add(rule)
    session.flush()
    audit.add(
        session,
        "admin",
        principal=principal,
        detail={
            "change": "routing rule created",
            "rule_id": rule.id,
            "jurisdiction": platform.code,
            **_snapshot(rule),
        },
    )
    return rule


def _snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {k: getattr(rule, k) for k in (*_FIELDS, "is_active")}


def update_rule(
    session: Session, principal: Principal, rule_id: int, body: dict[str, Any]
) -> RoutingRule:
    """Replace a rule's fields (``is_active`` false deactivates it) on its own platform."""
    rule = _rule(session, principal, rule_id)
    platform = session.get(Jurisdiction, rule.jurisdiction_id)
    assert platform is not None
    wanted = body.get("jurisdiction_id")
    if wanted is not None and wanted != rule.jurisdiction_id:
        raise InvalidInput(
            "a rule stays on its platform", code="rule_platform_fixed", field="jurisdiction_id"
        )
    data = _checked(session, platform, {k: body.get(k) for k in _FIELDS})
    before = _snapshot(rule)
    for key, value in data.items():
        setattr(rule, key, value)
    rule.is_active = bool(body.get("is_active", rule.is_active))
    session.flush()
    after = _snapshot(rule)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.add(
        session,
        "admin",
        principal=principal,
        detail={
            "change": "routing rule changed",
            "rule_id": rule.id,
            "jurisdiction": platform.code,
            "changed": changed,
        },
    )
    return rule


def delete_rule(session: Session, principal: Principal, rule_id: int) -> None:
    rule = _rule(session, principal, rule_id)
    snapshot = _snapshot(rule)
    session.delete(rule)
    audit.add(
        session,
        "admin",
        principal=principal,
        detail={"change": "routing rule deleted", "rule_id": rule_id, **snapshot},
    )


@dataclass(frozen=True)
class Trial:
    """Where the tester's site lies, and what the rules give it."""

    street_id: int | None
    community_id: int | None
    grid_id: int | None
    suggestion: Suggestion | None


def try_rules(
    session: Session,
    principal: Principal,
    *,
    jurisdiction_id: int | None,
    category_id: int | None,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> Trial:
    """Which department a case of ``category_id`` at the most precise area given would be
    suggested (the same choice as a real case's 派遣建议)."""
    platform = org.resolve_jurisdiction(
        session, principal, jurisdiction_id, field="jurisdiction_id"
    )
    category = _category(session, platform, category_id) if category_id is not None else None
    if grid_id is not None:
        _area_in(session, platform, AreaLevel.GRID, grid_id)
        grid = session.get(Grid, grid_id)
        assert grid is not None
        community_id = grid.community_id
        street_id = None
    if community_id is not None:
        _area_in(session, platform, AreaLevel.COMMUNITY, community_id)
        community = session.get(Community, community_id)
        assert community is not None
        street_id = community.street_id
    if street_id is not None:
        _area_in(session, platform, AreaLevel.STREET, street_id)
    site = CaseSite(
        category_id=category.id if category else None,
        kind=category.kind if category else None,
        big_code=category.big_code if category else None,
        street_id=street_id,
        community_id=community_id,
        grid_id=grid_id,
    )
    return Trial(street_id, community_id, grid_id, route_site(session, platform.id, site, category))
