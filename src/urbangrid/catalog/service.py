"""Catalogue service: national directory loading, city table import / export, search."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from urbangrid.catalog.directory import Kind, national_directory
from urbangrid.catalog.filing_table import (
    ParsedTable,
    condition_export_row,
    read_table,
    write_table,
)
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import NotFound
from urbangrid.kit.text import pinyin_initials


@dataclass(frozen=True)
class ImportSummary:
    categories_created: int
    categories_updated: int
    conditions_created: int
    conditions_updated: int
    conditions_retired: int
    warnings: list[dict[str, object]]


def load_national_directory(session: Session) -> int:
    """Insert the GB/T 47678.5-2026 categories that are missing; returns how many were added.
    Running it again adds nothing and changes no city data."""
    existing = {(k, c) for k, c in session.execute(select(Category.kind, Category.code))}
    added = 0
    for entry in national_directory().values():
        if (entry.kind.value, entry.code) in existing:
            continue
        session.add(
            Category(
                kind=entry.kind.value,
                code=entry.code,
                big_code=entry.big_code,
                big_name=entry.big_name,
                name=entry.name,
                is_national=True,
                pinyin=pinyin_initials(entry.name),
            )
        )
        added += 1
    session.flush()
    return added


def import_table(session: Session, table: ParsedTable) -> ImportSummary:
    """Apply a validated table in the caller's transaction.

    For every category in the table its active filing conditions become exactly the table's
    rows (matched by the condition text); conditions no longer listed are retired, not
    deleted, because cases cite them.
    """
    load_national_directory(session)
    cats = {
        (c.kind, c.code): c
        for c in session.scalars(select(Category).options(selectinload(Category.conditions)))
    }
    created = updated = c_created = c_updated = c_retired = 0
    for rows in table.categories:
        cat = cats.get((rows.kind.value, rows.code))
        if cat is None:
            cat = Category(
                kind=rows.kind.value,
                code=rows.code,
                big_code=rows.big_code,
                big_name=rows.big_name,
                name=rows.name,
                is_national=rows.is_national,
                pinyin=pinyin_initials(rows.name),
                conditions=[],
            )
            session.add(cat)
            created += 1
        else:
            changed = (cat.legacy_code, cat.local_name) != (rows.legacy_code, rows.local_name)
            if not rows.is_national and (cat.name, cat.big_name) != (rows.name, rows.big_name):
                cat.name, cat.big_name = rows.name, rows.big_name
                cat.pinyin = pinyin_initials(rows.name)
                changed = True
            updated += int(changed)
        cat.legacy_code = rows.legacy_code
        cat.local_name = rows.local_name
        by_text = {fc.description: fc for fc in cat.conditions}
        listed: set[str] = set()
        for seq, row in enumerate(rows.conditions, start=1):
            listed.add(row.description)
            fc = by_text.get(row.description)
            values = {
                "seq": seq,
                "time_limit_value": row.value,
                "time_limit_unit": row.unit.value,
                "time_limit_raw": row.raw,
                "closing_condition": row.closing,
                "default_department_code": row.default_department,
                "is_active": True,
            }
            if fc is None:
                cat.conditions.append(FilingCondition(description=row.description, **values))
                c_created += 1
            else:
                if any(getattr(fc, k) != v for k, v in values.items()):
                    c_updated += 1
                for k, v in values.items():
                    setattr(fc, k, v)
        for fc in cat.conditions:
            if fc.description not in listed and fc.is_active:
                fc.is_active = False
                c_retired += 1
    session.flush()
    return ImportSummary(created, updated, c_created, c_updated, c_retired, table.warnings)


def import_file(session: Session, path: Path) -> ImportSummary:
    return import_table(session, read_table(path))


def export_rows(session: Session) -> list[dict[str, str]]:
    stmt = (
        select(Category, FilingCondition)
        .join(FilingCondition, FilingCondition.category_id == Category.id)
        .where(FilingCondition.is_active.is_(True))
        .order_by(Category.kind, Category.code, FilingCondition.seq, FilingCondition.id)
    )
    rows = []
    for cat, fc in session.execute(stmt):
        rows.append(
            condition_export_row(
                kind=cat.kind,
                code=cat.code,
                big_code=cat.big_code,
                big_name=cat.big_name,
                name=cat.name,
                is_national=cat.is_national,
                legacy_code=cat.legacy_code,
                local_name=cat.local_name,
                description=fc.description,
                value=fc.time_limit_value,
                unit=fc.time_limit_unit,
                raw=fc.time_limit_raw,
                closing=fc.closing_condition,
                default_department=fc.default_department_code,
            )
        )
    return rows


def export_file(session: Session, path: Path) -> int:
    rows = export_rows(session)
    with path.open("w", encoding="utf-8", newline="") as fh:
        write_table(rows, fh)
    return len(rows)


def search(
    session: Session, query: str = "", kind: Kind | None = None, limit: int = 50
) -> list[Category]:
    """Search by code prefix, name (national or local) or pinyin initials."""
    stmt = select(Category).order_by(Category.kind, Category.code).limit(limit)
    if kind is not None:
        stmt = stmt.where(Category.kind == kind.value)
    q = query.strip()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                Category.code.startswith(q),
                Category.name.like(like),
                Category.local_name.like(like),
                Category.big_name.like(like),
                Category.pinyin.startswith(q.lower()),
            )
        )
    return list(session.scalars(stmt))


def get_category(session: Session, kind: str, code: str) -> Category:
    cat = session.scalar(
        select(Category)
        .where(Category.kind == kind, Category.code == code)
        .options(selectinload(Category.conditions))
    )
    if cat is None:
        raise NotFound(f"no {kind} category with code {code}")
    return cat


def category_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Category)) or 0


def tree(session: Session) -> list[dict[str, object]]:
    """大类 → 小类 tree per kind, with the number of active filing conditions."""
    counts = dict(
        session.execute(
            select(FilingCondition.category_id, func.count())
            .where(FilingCondition.is_active.is_(True))
            .group_by(FilingCondition.category_id)
        ).all()
    )
    out: dict[tuple[str, str], dict[str, object]] = {}
    for cat in session.scalars(select(Category).order_by(Category.kind, Category.code)):
        big = out.setdefault(
            (cat.kind, cat.big_code),
            {"kind": cat.kind, "code": cat.big_code, "name": cat.big_name, "children": []},
        )
        big["children"].append(  # type: ignore[union-attr]
            {
                "code": cat.code,
                "name": cat.name,
                "local_name": cat.local_name,
                "is_national": cat.is_national,
                "conditions": counts.get(cat.id, 0),
            }
        )
    return list(out.values())
