"""Open311 GeoReport v2 on top of the catalogue and the case service.

- Services are the catalogue's 小类 (``M06001`` = 管理事项 06001, ``C01001`` = 管理部件
  01001); the group is the 大类; a category with filing conditions (立案条件) has metadata
  and one ``filing_condition`` single-value-list attribute.
- A posted request is registered through :func:`urbangrid.cases.service.create_case` as a
  ``web`` report by the system, so it enters the normal intake queue (待受理).
- ``service_request_id`` is the case number; internal states map to open / closed with
  ``status_notes`` naming the state (and the reason of a 不予立案 / 作废 / merge).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.queries import CaseScope
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import categories_in, category_in
from urbangrid.intake import open311_format as fmt
from urbangrid.intake.adapters import channel_principal, stand_in_point
from urbangrid.intake.models import ClientKey, DuplicateLink, Report
from urbangrid.intake.privacy import WITHHELD, mask_personal, public_comment
from urbangrid.kit.errors import DomainError
from urbangrid.kit.types import utcnow
from urbangrid.org import service as org
from urbangrid.org.models import Department, Jurisdiction

FILING_ATTRIBUTE = "filing_condition"
_KIND_PREFIX = {"matter": "M", "component": "C"}
_PREFIX_KIND = {v: k for k, v in _KIND_PREFIX.items()}
_KIND_LABEL = {"matter": "管理事项 (matter)", "component": "管理部件 (component)"}
TERMINAL = frozenset(s.value for s in wf.TERMINAL)


def service_code(category: Category) -> str:
    return f"{_KIND_PREFIX.get(category.kind, 'X')}{category.code}"


def open311_settings(jurisdiction: Jurisdiction) -> dict[str, Any]:
    return dict((jurisdiction.settings or {}).get("open311") or {})


def service_type(jurisdiction: Jurisdiction | None) -> str:
    """realtime (the id at once) unless the jurisdiction chose batch (a token first)."""
    if jurisdiction is None:
        return "realtime"
    kind = open311_settings(jurisdiction).get("service_type", "realtime")
    return kind if kind in ("realtime", "batch") else "realtime"


# ---------------------------------------------------------------- jurisdiction


def resolve_jurisdiction(
    session: Session, given: str | None, *, key: ClientKey | None = None, required: bool = False
) -> Jurisdiction | None:
    """``jurisdiction_id`` is the 6-digit code or the alias in settings["open311"]
    ["jurisdiction_id"] (e.g. ``lacity.org``). Absent: the key's jurisdiction, or the only
    one; GETs over several jurisdictions then cover them all (``required`` False)."""
    given = (given or "").strip()
    if given:
        for j in session.scalars(select(Jurisdiction)):
            if given in (j.code, open311_settings(j).get("jurisdiction_id")):
                if key is not None and key.jurisdiction_id not in (None, j.id):
                    raise fmt.Open311Error(403, "this api_key is not valid for that jurisdiction")
                return j
        raise fmt.Open311Error(404, f"jurisdiction_id {given!r} was not found")
    if key is not None and key.jurisdiction_id is not None:
        return session.get(Jurisdiction, key.jurisdiction_id)
    found = list(session.scalars(select(Jurisdiction).limit(2)))
    if len(found) == 1:
        return found[0]
    if required or not found:
        raise fmt.Open311Error(400, "jurisdiction_id was not provided")
    return None


# ---------------------------------------------------------------- services


def _service(category: Category, jurisdiction: Jurisdiction | None) -> dict[str, Any]:
    name = category.local_name or category.name
    return {
        "service_code": service_code(category),
        "service_name": name,
        "description": f"{_KIND_LABEL.get(category.kind, category.kind)}: "
        f"{category.big_name} / {name}",
        "metadata": any(c.is_active for c in category.conditions),
        "type": service_type(jurisdiction),
        "keywords": ", ".join(k for k in (category.big_name, name, category.pinyin) if k),
        "group": category.big_name,
    }


def list_services(session: Session, jurisdiction: Jurisdiction | None) -> list[dict[str, Any]]:
    """The services of a jurisdiction: the categories its catalogue holds (the shared
    directory with its own versions in place)."""
    rows = categories_in(session, jurisdiction.id if jurisdiction is not None else None)
    return [
        _service(c, jurisdiction) for c in sorted(rows, key=lambda c: (c.kind != "matter", c.code))
    ]


def category_for(
    session: Session, code: str | None, jurisdiction: Jurisdiction | None = None
) -> Category | None:
    """The category behind a service code, in ``jurisdiction``'s catalogue (None: shared)."""
    code = (code or "").strip()
    kind = _PREFIX_KIND.get(code[:1])
    if kind is None or len(code) != 6:
        return None
    return category_in(session, jurisdiction.id if jurisdiction else None, kind, code[1:])


def service_definition(
    session: Session, code: str, jurisdiction: Jurisdiction | None = None
) -> dict[str, Any]:
    category = category_for(session, code, jurisdiction)
    if category is None:
        raise fmt.Open311Error(404, f"service_code {code!r} was not found")
    conditions = [c for c in category.conditions if c.is_active]
    attributes = []
    if conditions:
        attributes.append(
            {
                "variable": True,
                "code": FILING_ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "pick the description that fits best (立案条件)",
                "order": 1,
                "description": "Which of these describes the problem? (立案条件)",
                "values": [{"key": str(c.id), "name": c.description} for c in conditions],
            }
        )
    return {"service_code": service_code(category), "attributes": attributes}


# ---------------------------------------------------------------- POST requests

_TEXT_LIMITS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "device_id": 100,
    "account_id": 100,
    "address_id": 100,
    "address_string": 1000,
}


@dataclass(frozen=True)
class Posted:
    case: Case
    report: Report


def _text(fields: Mapping[str, str], name: str) -> str | None:
    value = (fields.get(name) or "").strip()
    if not value:
        return None
    if len(value) > _TEXT_LIMITS.get(name, 4000):
        raise fmt.Open311Error(400, f"{name} is longer than {_TEXT_LIMITS[name]} characters")
    return value


def _filing_condition(
    category: Category, attributes: Mapping[str, list[str]]
) -> FilingCondition | None:
    unknown = sorted(set(attributes) - {FILING_ATTRIBUTE})
    if unknown:
        raise fmt.Open311Error(
            400, f"service {service_code(category)} has no attribute {', '.join(unknown)}"
        )
    values = attributes.get(FILING_ATTRIBUTE) or []
    values = [v for v in values if v.strip()]
    if not values:
        return None
    if len(values) > 1:
        raise fmt.Open311Error(400, f"attribute[{FILING_ATTRIBUTE}] takes a single value")
    for condition in category.conditions:
        if condition.is_active and str(condition.id) == values[0].strip():
            return condition
    raise fmt.Open311Error(
        400, f"attribute[{FILING_ATTRIBUTE}]={values[0]!r} is not one of the listed values"
    )


def create_request(
    session: Session,
    jurisdiction: Jurisdiction,
    key: ClientKey,
    fields: Mapping[str, str],
    attributes: Mapping[str, list[str]],
    *,
    now: datetime | None = None,
) -> Posted:
    """Check everything, then register the case and the report in the caller's
    transaction. Any refusal raises :class:`Open311Error` before or instead of a write; the
    caller rolls back on error so nothing of a refused request is kept."""
    now = now or utcnow()
    code = (fields.get("service_code") or "").strip()
    if not code:
        raise fmt.Open311Error(400, "service_code was not provided")
    category = category_for(session, code, jurisdiction)
    if category is None:
        raise fmt.Open311Error(400, f"service_code {code!r} is not a service of this endpoint")
    description = (fields.get("description") or "").replace("\r\n", "\n")
    if len(description) > fmt.MAX_DESCRIPTION:
        raise fmt.Open311Error(
            400, f"description is {len(description)} characters; the limit is 4000"
        )
    location = fmt.parse_location(fields)
    media_url = fmt.check_media_url(fields.get("media_url"))
    condition = _filing_condition(category, attributes)
    texts = {name: _text(fields, name) for name in _TEXT_LIMITS}
    exact = location.lat is not None
    if exact:
        assert location.lon is not None and location.lat is not None
        lon, lat = location.lon, location.lat
        try:
            cases.locate(session, jurisdiction, lon, lat)
        except DomainError:
            raise fmt.Open311Error(
                400,
                f"lat/long ({location.lat}, {location.lon}) is outside the jurisdiction "
                f"{jurisdiction.name} ({jurisdiction.code})",
            ) from None
    else:
        point = stand_in_point(session, jurisdiction)
        if point is None:
            raise fmt.Open311Error(400, f"{jurisdiction.name} needs lat and long with each request")
        lon, lat = point
    name = " ".join(p for p in (texts["first_name"], texts["last_name"]) if p) or None
    new = cases.NewCase(
        source=wf.Source.WEB.value,
        lon=lon,
        lat=lat,
        description=description,
        address=location.address_string or "",
        category_id=category.id,
        filing_condition_id=condition.id if condition else None,
        reporter_name=name[:64] if name else None,
        reporter_phone=texts["phone"][:32] if texts["phone"] else None,
        jurisdiction_id=jurisdiction.id,
        comment="Open311" + ("" if exact else " (address only: place to be verified)"),
    )
    try:
        case = cases.create_case(session, channel_principal(jurisdiction, "open311"), new, now=now)
    except DomainError as exc:
        raise fmt.Open311Error(400, exc.detail) from None
    report = Report(
        jurisdiction_id=jurisdiction.id,
        channel="open311",
        case_id=case.id,
        original_case_id=case.id,
        client_key_id=key.id,
        token=secrets.token_hex(16),
        media_url=media_url,
        attributes={k: v for k, v in attributes.items()},
        location_exact=exact,
        received_at=now,
        **{k: v for k, v in texts.items() if k != "address_string"},
        address_string=location.address_string,
    )
    session.add(report)
    session.flush()
    return Posted(case, report)


def post_response(posted: Posted, jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    notice = "已登记，待受理 (registered; waiting for intake)"
    if service_type(jurisdiction) == "batch":
        item: dict[str, Any] = {"token": posted.report.token}
    else:
        item = {"service_request_id": posted.case.number}
    item.update(service_notice=notice, account_id=posted.report.account_id)
    return [item]


# ---------------------------------------------------------------- GET requests


@dataclass
class RequestQuery:
    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    statuses: set[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = fmt.MAX_PAGE_SIZE
    extensions: bool = False


def public_scope(session: Session, jurisdiction: Jurisdiction | None) -> CaseScope:
    """The anonymous view of the visibility policy: the cases of ``jurisdiction`` and the
    platforms below it (every jurisdiction when None)."""
    if jurisdiction is None:
        return CaseScope.public(None)
    return CaseScope.public(org.jurisdiction_subtree(session, jurisdiction.id))


def query_requests(
    session: Session, jurisdiction: Jurisdiction | None, q: RequestQuery, *, now: datetime
) -> list[dict[str, Any]]:
    stmt = select(Case).where(
        public_scope(session, jurisdiction).condition(), Case.category_id.is_not(None)
    )
    if q.ids:
        stmt = stmt.where(Case.number.in_(list(q.ids)))
    else:
        if q.service_codes:
            ids = []
            for code in q.service_codes:
                category = category_for(session, code, jurisdiction)
                if category is None:
                    raise fmt.Open311Error(400, f"service_code {code!r} is not a service")
                ids.append(category.id)
            stmt = stmt.where(Case.category_id.in_(ids))
        if q.statuses and len(q.statuses) == 1:
            closed = Case.status.in_(sorted(TERMINAL))
            stmt = stmt.where(closed if "closed" in q.statuses else ~closed)
        if q.updated_after is not None or q.updated_before is not None:
            if q.updated_after is not None:
                stmt = stmt.where(Case.updated_at >= q.updated_after)
            if q.updated_before is not None:
                stmt = stmt.where(Case.updated_at <= q.updated_before)
        if q.updated_after is None or q.start is not None or q.end is not None:
            start, end = fmt.date_window(q.start, q.end, now)
            stmt = stmt.where(Case.reported_at >= start, Case.reported_at <= end)
    stmt = (
        stmt.order_by(Case.reported_at.desc(), Case.id.desc())
        .offset((q.page - 1) * q.page_size)
        .limit(q.page_size)
    )
    return describe(session, list(session.scalars(stmt)), extensions=q.extensions)


def find_request(
    session: Session, jurisdiction: Jurisdiction | None, number: str, *, extensions: bool
) -> list[dict[str, Any]]:
    stmt = select(Case).where(
        public_scope(session, jurisdiction).condition(),
        Case.number == number,
        Case.category_id.is_not(None),
    )
    found = list(session.scalars(stmt.limit(2)))
    if not found:
        raise fmt.Open311Error(404, f"service_request_id {number!r} was not found")
    if len(found) > 1:
        raise fmt.Open311Error(400, "several jurisdictions have this id: give jurisdiction_id")
    return describe(session, found, extensions=extensions)


def find_token(session: Session, token: str) -> list[dict[str, Any]]:
    report = session.scalar(select(Report).where(Report.token == token))
    if report is None:
        raise fmt.Open311Error(404, f"token {token!r} was not found")
    case = session.get(Case, report.original_case_id)
    assert case is not None
    return [{"service_request_id": case.number, "token": token}]


def _status_notes(case: Case, closing_comment: str | None, master_number: str | None) -> str | None:
    status = wf.Status(case.status)
    label = f"{status.label_zh} ({status.value})"
    if master_number is not None:
        return f"重复，已合并到 {master_number} (duplicate of {master_number})"
    reply = public_comment(closing_comment)
    if status in (wf.Status.NOT_FILED, wf.Status.VOIDED) and reply:
        return f"{label}: {reply}"
    return label


def describe(
    session: Session, rows: Sequence[Case], *, extensions: bool = False
) -> list[dict[str, Any]]:
    """The spec's request objects for ``rows`` (a few batched queries, not one per row)."""
    if not rows:
        return []
    ids = [c.id for c in rows]
    categories = {
        c.id: c
        for c in session.scalars(
            select(Category).where(Category.id.in_({r.category_id for r in rows}))
        )
    }
    dep_ids = {r.department_id for r in rows if r.department_id}
    departments = (
        dict(
            session.execute(
                select(Department.id, Department.name).where(Department.id.in_(dep_ids))
            ).all()
        )
        if dep_ids
        else {}
    )
    cond_ids = {r.filing_condition_id for r in rows if r.filing_condition_id}
    limits = (
        dict(
            session.execute(
                select(FilingCondition.id, FilingCondition.time_limit_raw).where(
                    FilingCondition.id.in_(cond_ids)
                )
            ).all()
        )
        if cond_ids
        else {}
    )
    zones = dict(session.execute(select(Jurisdiction.id, Jurisdiction.timezone)).all())
    reports: dict[int, Report] = {}
    for report in session.scalars(
        select(Report).where(Report.original_case_id.in_(ids)).order_by(Report.id.desc())
    ):
        reports[report.original_case_id] = report
    masters: dict[int, str] = {}
    links = list(session.scalars(select(DuplicateLink).where(DuplicateLink.case_id.in_(ids))))
    if links:
        numbers = dict(
            session.execute(
                select(Case.id, Case.number).where(
                    Case.id.in_({link.master_case_id for link in links})
                )
            ).all()
        )
        masters = {link.case_id: numbers.get(link.master_case_id, "?") for link in links}
    closing: dict[int, str] = {}
    terminal_ids = [c.id for c in rows if c.status in TERMINAL]
    if terminal_ids:
        for case_id, comment in session.execute(
            select(CaseEvent.case_id, CaseEvent.comment)
            .where(CaseEvent.case_id.in_(terminal_ids), CaseEvent.to_state.in_(sorted(TERMINAL)))
            .order_by(CaseEvent.seq)
        ):
            closing[case_id] = comment
    timelines: dict[int, list[CaseEvent]] = {}
    if extensions:
        for event in session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id.in_(ids))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ):
            timelines.setdefault(event.case_id, []).append(event)
    out = []
    for case in rows:
        tz = zones.get(case.jurisdiction_id) or "UTC"
        category = categories[case.category_id]
        report = reports.get(case.id)
        closed = case.status in TERMINAL
        # Nothing of the report's own words before the centre took it in (intake.privacy).
        taken_in = case.status != wf.Status.PENDING_INTAKE.value
        raw_limit = limits.get(case.filing_condition_id) if case.filing_condition_id else None
        item: dict[str, Any] = {
            "service_request_id": case.number,
            "status": "closed" if closed else "open",
            "status_notes": _status_notes(case, closing.get(case.id), masters.get(case.id)),
            "service_name": category.local_name or category.name,
            "service_code": service_code(category),
            "description": (mask_personal(case.description) or None) if taken_in else WITHHELD,
            "agency_responsible": departments.get(case.department_id)
            if case.department_id
            else None,
            "service_notice": f"处置时限 {raw_limit}" if raw_limit else None,
            "requested_datetime": fmt.w3c_datetime(case.reported_at, tz),
            "updated_datetime": fmt.w3c_datetime(
                (case.closed_at or case.updated_at) if closed else case.updated_at, tz
            ),
            "expected_datetime": None if closed else fmt.w3c_datetime(case.disposal_deadline, tz),
            "address": (mask_personal(case.address) or None) if taken_in else None,
            "address_id": report.address_id if report else None,
            "zipcode": None,
            "lat": case.lat,
            "long": case.lon,
            "media_url": report.media_url if report and taken_in else None,
        }
        if extensions:
            status = wf.Status(case.status)
            item["extended_attributes"] = {
                "case_number": case.number,
                "internal_status": status.value,
                "internal_status_label": status.label_zh,
                "source": case.source,
                "grid_code": case.grid_code,
                "warning_level": case.warning_level,
                "duplicate_of": masters.get(case.id),
            }
            item["notes"] = [
                {
                    "datetime": fmt.w3c_datetime(e.at, tz),
                    "description": f"{wf.Action(e.action).label_zh} → "
                    f"{wf.Status(e.to_state).label_zh}",
                    "type": e.action,
                }
                for e in timelines.get(case.id, [])
                if e.action != wf.Action.WARN.value
            ]
        out.append(item)
    return out
