"""Intake suggestions (智能分类): the bureau's own text classifier proposes a category and a
department with a confidence, top 3, for the operator to confirm.

The model file is named in the jurisdiction's settings
(``{"intake": {"classifier_model": "/path/model.zip"}}``); its labels are our service codes
(``M06010``) or category names, as the bureau trained it. Departments come from the case
service's routing suggestion for the proposed category at the case's place.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category
from urbangrid.catalog.service import categories_in
from urbangrid.intake.open311_service import category_for, service_code
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Jurisdiction


@lru_cache(maxsize=4)
def _model(path: str, mtime: float) -> Any:
    from urbangrid.intake.classifier.store import load_model

    return load_model(path)


def model_path(jurisdiction: Jurisdiction) -> Path | None:
    raw = ((jurisdiction.settings or {}).get("intake") or {}).get("classifier_model")
    return Path(raw) if raw else None


def _category(session: Session, label: str, jurisdiction: Jurisdiction) -> Category | None:
    """The category of the jurisdiction's catalogue a model label names (service code or
    name)."""
    found = category_for(session, label, jurisdiction)
    if found is not None:
        return found
    named = [c for c in categories_in(session, jurisdiction.id) if label in (c.name, c.local_name)]
    return min(named, key=lambda c: (c.kind != "matter", c.code), default=None)


def suggest(session: Session, case: Case, *, k: int = 3) -> list[dict[str, Any]]:
    """Top ``k`` (category, department, confidence) for the case's description."""
    jurisdiction = session.get(Jurisdiction, case.jurisdiction_id)
    assert jurisdiction is not None
    return suggest_text(
        session,
        jurisdiction,
        case.description or "",
        street_id=case.street_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        k=k,
    )


def suggest_text(
    session: Session,
    jurisdiction: Jurisdiction,
    text: str,
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
    k: int = 3,
) -> list[dict[str, Any]]:
    """Top ``k`` (category, department, confidence) for ``text`` in ``jurisdiction`` — for a
    case or for a report still being registered (登记); the department is routed at the
    given place (street / community / grid), or by the category alone without one."""
    from urbangrid.intake.classifier.model import predict_top_k

    path = model_path(jurisdiction)
    if path is None:
        raise InvalidInput(
            "no classifier model is configured for this jurisdiction "
            '(settings {"intake": {"classifier_model": PATH}})',
            field="settings",
        )
    if not path.is_file():
        raise InvalidInput(f"the classifier model {path} is missing", field="settings")
    if not text.strip():
        return []
    model = _model(str(path), path.stat().st_mtime)
    [ranked] = predict_top_k(model, [text], k=k)
    out = []
    for label, confidence in ranked:
        category = _category(session, label, jurisdiction)
        item: dict[str, Any] = {
            "label": label,
            "confidence": round(confidence, 4),
            "category_id": category.id if category else None,
            "service_code": service_code(category) if category else None,
            "category_name": (category.local_name or category.name) if category else None,
            "category_kind": category.kind if category else None,
            "category_code": category.code if category else None,
            "department_id": None,
            "department_name": None,
        }
        if category is not None:
            probe = Case(
                jurisdiction_id=jurisdiction.id,
                category_id=category.id,
                filing_condition_id=None,
                street_id=street_id,
                community_id=community_id,
                grid_id=grid_id,
            )
            hint = cases.suggest_department(session, probe)
            if hint is not None:
                item["department_id"] = hint.department_id
                item["department_name"] = hint.department_name
        out.append(item)
    return out
