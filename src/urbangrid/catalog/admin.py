"""分类与立案条件 administration: change one category field or one filing condition, enable
or disable a category, for one platform.

A platform never changes another's rows: when the version it uses is the shared one (or its
city's), the change makes the platform its own version first (the same kind and code, a copy
of the names and of the active 立案条件) — as an import for the platform does — and changes
that. Cases keep citing the rows they cite. Every change is audited in the caller's
transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from urbangrid.auth import audit
from urbangrid.auth.principal import Principal
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import category_in
from urbangrid.catalog.timelimits import parse_time_limit, parse_unit, parse_value
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.text import pinyin_initials
from urbangrid.org.models import Jurisdiction


def _used(session: Session, platform: Jurisdiction, kind: str, code: str) -> Category:
    cat = category_in(session, platform.id, kind, code)
    if cat is None:
        raise NotFound(
            f"no {kind} category with code {code}", code="category_not_found", params={"code": code}
        )
    return cat


def own_version(session: Session, platform: Jurisdiction, cat: Category) -> Category:
    """The platform's own version of ``cat`` (the version it uses), made if needed."""
    if cat.jurisdiction_id == platform.id:
        return cat
    mine = Category(
        jurisdiction_id=platform.id,
        kind=cat.kind,
        code=cat.code,
        big_code=cat.big_code,
        big_name=cat.big_name,
        name=cat.name,
        is_national=cat.is_national,
        legacy_code=cat.legacy_code,
        local_name=cat.local_name,
        pinyin=cat.pinyin,
        default_department_code=cat.default_department_code,
        is_active=cat.is_active,
        conditions=[
            FilingCondition(
                seq=fc.seq,
                description=fc.description,
                time_limit_value=fc.time_limit_value,
                time_limit_unit=fc.time_limit_unit,
                time_limit_raw=fc.time_limit_raw,
                closing_condition=fc.closing_condition,
                default_department_code=fc.default_department_code,
            )
            for fc in cat.conditions
            if fc.is_active
        ],
    )
    session.add(mine)
    session.flush()
    return mine


def _text(value: Any, field: str, *, required: bool, limit: int) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None or (required and not text) or (text and len(text) > limit):
        raise InvalidInput(
            f"{field}: give a text of 1 to {limit} characters",
            code="text_invalid",
            params={"field": field},
            field=field,
        )
    return text or None


def update_category(
    session: Session,
    principal: Principal,
    platform: Jurisdiction,
    kind: str,
    code: str,
    changes: dict[str, Any],
) -> Category:
    """Change ``local_name``, ``default_department_code`` and/or ``is_active`` (启用/停用)."""
    cat = _used(session, platform, kind, code)
    values: dict[str, Any] = {}
    if "local_name" in changes:
        values["local_name"] = _text(changes["local_name"], "local_name", required=False, limit=100)
    if "default_department_code" in changes:
        values["default_department_code"] = _text(
            changes["default_department_code"], "default_department_code", required=False, limit=32
        )
    if "is_active" in changes:
        values["is_active"] = bool(changes["is_active"])
    mine = own_version(session, platform, cat)
    before = {k: getattr(mine, k) for k in values}
    for key, value in values.items():
        setattr(mine, key, value)
    if "local_name" in values and not mine.is_national:
        mine.pinyin = pinyin_initials(values["local_name"] or mine.name)
    session.flush()
    audit.add(
        session,
        "admin",
        principal=principal,
        detail={
            "change": "category changed",
            "jurisdiction": platform.code,
            "kind": kind,
            "code": code,
            "changed": {k: [before[k], values[k]] for k in values},
        },
    )
    return mine


def _limit(changes: dict[str, Any]) -> tuple[Decimal, str, str | None]:
    """The new time limit from ``time_limit_raw`` (``2紧急工作时``) or value + unit."""
    try:
        if changes.get("time_limit_raw"):
            parsed = parse_time_limit(str(changes["time_limit_raw"]))
            return parsed.value, parsed.unit.value, str(changes["time_limit_raw"]).strip()
        value = parse_value(str(changes.get("time_limit_value", "")))
        unit = parse_unit(str(changes.get("time_limit_unit", "")))
        return value, unit.value, None
    except ValueError as exc:
        raise InvalidInput(str(exc), code="time_limit_invalid", field="time_limit") from None


def update_condition(
    session: Session,
    principal: Principal,
    platform: Jurisdiction,
    condition_id: int,
    changes: dict[str, Any],
) -> tuple[Category, FilingCondition]:
    """Change one active 立案条件 of a category the platform uses: its text, time limit,
    结案条件 or default department."""
    fc = session.get(FilingCondition, condition_id) if 0 < condition_id < 2**63 else None
    cat = fc.category if fc is not None and fc.is_active else None
    if cat is None or category_in(session, platform.id, cat.kind, cat.code) is not cat:
        raise NotFound(
            f"no filing condition {condition_id}",
            code="condition_not_found",
            params={"condition_id": condition_id},
        )
    assert fc is not None
    values: dict[str, Any] = {}
    if "description" in changes:
        values["description"] = _text(
            changes["description"], "description", required=True, limit=2000
        )
        clash = any(
            other.description == values["description"] and other.id != fc.id
            for other in cat.conditions
        )
        if clash:
            raise InvalidInput(
                "another filing condition of the category has this text",
                code="condition_exists",
                field="description",
            )
    if "closing_condition" in changes:
        values["closing_condition"] = (
            _text(changes["closing_condition"], "closing_condition", required=False, limit=2000)
            or ""
        )
    if "default_department_code" in changes:
        values["default_department_code"] = _text(
            changes["default_department_code"], "default_department_code", required=False, limit=32
        )
    if {"time_limit_raw", "time_limit_value", "time_limit_unit"} & set(changes):
        value, unit, raw = _limit(changes)
        values |= {"time_limit_value": value, "time_limit_unit": unit, "time_limit_raw": raw}
    mine = own_version(session, platform, cat)
    target = next(c for c in mine.conditions if c.description == fc.description and c.is_active)
    before = {k: getattr(target, k) for k in values}
    for key, value in values.items():
        setattr(target, key, value)
    session.flush()
    audit.add(
        session,
        "admin",
        principal=principal,
        detail={
            "change": "filing condition changed",
            "jurisdiction": platform.code,
            "kind": cat.kind,
            "code": cat.code,
            "condition_id": target.id,
            "changed": {k: [str(before[k]), str(values[k])] for k in values},
        },
    )
    return mine, target
