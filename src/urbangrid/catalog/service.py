"""Catalogue service: national directory loading, city table import / export, search.

Categories are shared (the national directory, ``jurisdiction_id`` None) or a platform's own
(a local category, or a local version of a shared one with its own names and 立案条件). A
platform sees, per kind and code, the nearest version up its chain — its own, else its
city's, else the shared one (:func:`categories_in`): a city's apply to its districts unless a
district has its own. Every read for a platform goes through that function."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.catalog.directory import Kind, national_directory
from urbangrid.catalog.filing_table import (
    ParsedTable,
    condition_export_row,
    read_table,
    write_table,
)
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.text import full_pinyin, pinyin_initials
from urbangrid.org import service as org


@dataclass(frozen=True)
class ImportSummary:
    categories_created: int
    categories_updated: int
    conditions_created: int
    conditions_updated: int
    conditions_retired: int
    warnings: list[dict[str, object]]


# ---------------------------------------------------------------- which version a platform uses


def _chain(session: Session, jurisdiction_id: int | None) -> list[int]:
    return org.jurisdiction_chain(session, jurisdiction_id) if jurisdiction_id else []


def _visible(chain: list[int]) -> ColumnElement[bool]:
    shared = Category.jurisdiction_id.is_(None)
    return or_(shared, Category.jurisdiction_id.in_(chain)) if chain else shared


def _nearest(rows: Iterable[Category], chain: list[int]) -> list[Category]:
    """Per (kind, code) the version nearest up the chain (then shared), in code order."""
    rank = {jid: i for i, jid in enumerate(chain)}
    best: dict[tuple[str, str], Category] = {}
    for cat in rows:
        key = (cat.kind, cat.code)
        mine = rank.get(cat.jurisdiction_id, len(chain)) if cat.jurisdiction_id else len(chain)
        held = best.get(key)
        if held is None:
            best[key] = cat
            continue
        theirs = rank.get(held.jurisdiction_id, len(chain)) if held.jurisdiction_id else len(chain)
        if mine < theirs:
            best[key] = cat
    return sorted(best.values(), key=lambda c: (c.kind, c.code))


def categories_in(session: Session, jurisdiction_id: int | None) -> list[Category]:
    """The categories a platform uses (None: the shared directory alone)."""
    chain = _chain(session, jurisdiction_id)
    rows = session.scalars(select(Category).where(_visible(chain))).all()
    return _nearest(rows, chain)


def category_in(
    session: Session, jurisdiction_id: int | None, kind: str, code: str
) -> Category | None:
    """The version of ``kind``/``code`` a platform uses, or None."""
    chain = _chain(session, jurisdiction_id)
    rows = session.scalars(
        select(Category).where(Category.kind == kind, Category.code == code, _visible(chain))
    ).all()
    found = _nearest(rows, chain)
    return found[0] if found else None


def check_category_for(session: Session, category: Category, jurisdiction_id: int) -> None:
    """422 unless ``category`` is the version the platform uses: another platform's local
    category, or a shared one the platform has its own version of, is not its category."""
    used = category_in(session, jurisdiction_id, category.kind, category.code)
    if used is None or used.id != category.id:
        raise InvalidInput(
            f"unknown category {category.id}",
            code="unknown_category",
            params={"category_id": category.id},
            field="category_id",
        )
    if not category.is_active:
        raise InvalidInput(
            f"category {category.code} is disabled",
            code="category_disabled",
            params={"category": category.local_name or category.name},
            field="category_id",
        )


def load_national_directory(session: Session) -> int:
    """Insert the GB/T 47678.5-2026 categories that are missing; returns how many were added.
    Running it again adds nothing and changes no city data."""
    existing = {
        (k, c)
        for k, c in session.execute(
            select(Category.kind, Category.code).where(Category.jurisdiction_id.is_(None))
        )
    }
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


def import_table(
    session: Session, table: ParsedTable, jurisdiction_id: int | None = None
) -> ImportSummary:
    """Apply a validated table in the caller's transaction.

    For every category in the table its active filing conditions become exactly the table's
    rows (matched by the condition text); conditions no longer listed are retired, not
    deleted, because cases cite them. With ``jurisdiction_id`` the table is that platform's
    (and the platforms' below it): its categories become the platform's own versions and
    the shared directory is left as it is; without, the shared rows are written.
    """
    load_national_directory(session)
    cats = {
        (c.kind, c.code): c
        for c in session.scalars(
            select(Category)
            .where(
                Category.jurisdiction_id == jurisdiction_id
                if jurisdiction_id is not None
                else Category.jurisdiction_id.is_(None)
            )
            .options(selectinload(Category.conditions))
        )
    }
    created = updated = c_created = c_updated = c_retired = 0
    for rows in table.categories:
        cat = cats.get((rows.kind.value, rows.code))
        if cat is None:
            cat = Category(
                jurisdiction_id=jurisdiction_id,
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


def import_file(session: Session, path: Path, jurisdiction_id: int | None = None) -> ImportSummary:
    return import_table(session, read_table(path), jurisdiction_id)


def export_rows(session: Session, jurisdiction_id: int | None = None) -> list[dict[str, str]]:
    """The active filing conditions of the categories a platform uses (None: the shared
    directory), re-importable unchanged."""
    used = {c.id: c for c in categories_in(session, jurisdiction_id)}
    stmt = (
        select(FilingCondition)
        .where(FilingCondition.is_active.is_(True), FilingCondition.category_id.in_(list(used)))
        .order_by(FilingCondition.seq, FilingCondition.id)
    )
    conditions = sorted(
        session.scalars(stmt),
        key=lambda fc: (used[fc.category_id].kind, used[fc.category_id].code),
    )
    rows = []
    for fc in conditions:
        cat = used[fc.category_id]
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


def export_file(session: Session, path: Path, jurisdiction_id: int | None = None) -> int:
    rows = export_rows(session, jurisdiction_id)
    with path.open("w", encoding="utf-8", newline="") as fh:
        write_table(rows, fh)
    return len(rows)


def search(
    session: Session,
    query: str = "",
    kind: Kind | None = None,
    limit: int = 50,
    jurisdiction_id: int | None = None,
) -> list[Category]:
    """Search the categories a platform uses by code prefix, name (national or local),
    pinyin initials (``gsjg``) or full pinyin (``jinggai`` → 井盖)."""
    chain = _chain(session, jurisdiction_id)
    stmt = select(Category).where(_visible(chain)).order_by(Category.kind, Category.code)
    if kind is not None:
        stmt = stmt.where(Category.kind == kind.value)
    q = query.strip()
    if len(q) >= 2 and q.isascii() and q.isalpha():
        # Letters: initials or full pinyin, matched in Python (a directory is a few hundred
        # categories; the stored column holds the initials only).
        word = q.lower()
        return [
            c
            for c in _nearest(session.scalars(stmt), chain)
            if c.is_active
            and (
                c.pinyin.startswith(word)
                or word in full_pinyin(c.local_name or c.name)
                or word in full_pinyin(c.name)
            )
        ][:limit]
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
    # A disabled version hides the versions further up the chain too (so after _nearest).
    return [c for c in _nearest(session.scalars(stmt), chain) if c.is_active][:limit]


def get_category(
    session: Session, kind: str, code: str, jurisdiction_id: int | None = None
) -> Category:
    cat = category_in(session, jurisdiction_id, kind, code)
    if cat is None:
        raise NotFound(f"no {kind} category with code {code}")
    return cat


def category_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Category)) or 0


def tree(session: Session, jurisdiction_id: int | None = None) -> list[dict[str, object]]:
    """大类 → 小类 tree per kind of the categories a platform uses, with the number of active
    filing conditions."""
    counts = dict(
        session.execute(
            select(FilingCondition.category_id, func.count())
            .where(FilingCondition.is_active.is_(True))
            .group_by(FilingCondition.category_id)
        ).all()
    )
    out: dict[tuple[str, str], dict[str, object]] = {}
    for cat in categories_in(session, jurisdiction_id):
        big = out.setdefault(
            (cat.kind, cat.big_code),
            {"kind": cat.kind, "code": cat.big_code, "name": cat.big_name, "children": []},
        )
        big["children"].append(  # type: ignore[union-attr]
            {
                "id": cat.id,
                "code": cat.code,
                "name": cat.name,
                "pinyin": cat.pinyin,
                "is_active": cat.is_active,
                "jurisdiction_id": cat.jurisdiction_id,
                "local_name": cat.local_name,
                "is_national": cat.is_national,
                "conditions": counts.get(cat.id, 0),
            }
        )
    return list(out.values())
