"""The web UI served by the API app: login / logout with a cookie session, the pages (one
single-page app shell, built by ``scripts/build_frontend.sh`` into ``static/dist``), and
small read-only endpoints only the UI needs (``/api/v1/web/...``)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from pydantic import BaseModel
from sqlalchemy import select, true
from sqlalchemy.orm import Session
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from urbangrid.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentPrincipal,
    DbSession,
    check_csrf,
    client_address,
    csrf_token_for,
    require_roles,
)
from urbangrid.api.downloads import xlsx_download
from urbangrid.auth.principal import Principal
from urbangrid.auth.service import login, principal_from_token, principal_if_valid, revoke_token
from urbangrid.cases.queries import CaseFilters
from urbangrid.cases.workflow import role_actions
from urbangrid.geo.routes import tile_package
from urbangrid.kit.errors import (
    InvalidInput,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)
from urbangrid.kit.pagination import PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.text import is_digits
from urbangrid.kit.types import CalendarDate
from urbangrid.kit.xlsx import XLSX_MEDIA_TYPE
from urbangrid.org import service as org
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import ROLE_LABELS_ZH, Role
from urbangrid.settings import get_settings
from urbangrid.web import case_export, map_areas, queries
from urbangrid.web.landing import landing_path, may_open, screens_for
from urbangrid.web.schemas import AreaStatsOut

DIST_DIR = Path(__file__).resolve().parent / "static" / "dist"
ASSETS_PREFIX = "/static/dist"

router = APIRouter(prefix="/api/v1/web", tags=["web"])
pages = APIRouter(include_in_schema=False)


class ScreenOut(BaseModel):
    path: str
    title_key: str


class SessionOut(BaseModel):
    """Who is logged in and what the UI should offer them."""

    user_id: int
    username: str
    display_name: str
    roles: list[str]
    role_labels: list[str]
    jurisdiction_id: int | None
    # city | district (None for a user bound to no platform).
    jurisdiction_level: str | None = None
    # The platforms the user reads (a city: itself and its districts), id → name.
    jurisdictions: dict[str, str] = {}
    department_id: int | None
    grid_ids: list[int]
    landing: str
    screens: list[ScreenOut]
    # The actions the roles may take at all (the workflow's rules): which quick buttons a
    # work list offers; a case's own list is its ``allowed_actions``.
    actions: list[str] = []
    map_tile_url: str | None
    # The offline tile package's zoom range and bounds (离线底图), when it draws the base map.
    map_tile_minzoom: int | None = None
    map_tile_maxzoom: int | None = None
    map_tile_bounds: list[float] | None = None


def _base_map() -> dict[str, Any]:
    """The base map's tile URL: the online one if configured, else the offline package."""
    settings = get_settings()
    if settings.map_tile_url:
        return {"map_tile_url": settings.map_tile_url}
    package = tile_package()
    if package is None:
        return {"map_tile_url": None}
    info = package.info()
    return {
        "map_tile_url": f"/api/v1/geo/tiles/{{z}}/{{x}}/{{y}}.{info.format}",
        "map_tile_minzoom": info.minzoom,
        "map_tile_maxzoom": info.maxzoom,
        "map_tile_bounds": list(info.bounds) if info.bounds else None,
    }


def session_out(principal: Principal, db: Session) -> SessionOut:
    roles = sorted(principal.roles)
    readable = org.readable_jurisdictions(db, principal)
    rows = db.execute(
        select(Jurisdiction.id, Jurisdiction.name, Jurisdiction.level)
        .where(Jurisdiction.id.in_(sorted(readable)) if readable is not None else true())
        .order_by(Jurisdiction.code)
    ).all()
    return SessionOut(
        jurisdictions={str(i): name for i, name, _level in rows},
        jurisdiction_level=next(
            (level for i, _name, level in rows if i == principal.jurisdiction_id), None
        ),
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        roles=[r.value for r in roles],
        role_labels=[ROLE_LABELS_ZH[r] for r in roles],
        jurisdiction_id=principal.jurisdiction_id,
        department_id=principal.department_id,
        grid_ids=sorted(principal.grid_ids),
        landing=landing_path(roles),
        screens=[ScreenOut(path=s.path, title_key=s.title_key) for s in screens_for(roles)],
        actions=[a.value for a in role_actions(r.value for r in roles)],
        **_base_map(),
    )


@router.get(
    "/session",
    response_model=SessionOut,
    summary="The logged-in user and their screens",
    **scoped(RouteScope.AUTHENTICATED),
)
def get_session(principal: CurrentPrincipal, db: DbSession) -> SessionOut:
    return session_out(principal, db)


def list_filters(
    principal: CurrentPrincipal,
    db: DbSession,
    status: Annotated[list[str] | None, Query(description="repeatable")] = None,
    category_id: int | None = None,
    big_class: str | None = Query(
        None, pattern=r"^(component|matter):\d{2}$", description="大类, e.g. component:01"
    ),
    jurisdiction_id: int | None = Query(None, description="one platform of your subtree"),
    department_id: int | None = None,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_code: str | None = Query(None, pattern=r"^\d{15}$"),
    source: str | None = Query(None, max_length=16),
    warning_level: str | None = Query(None, pattern="^(green|yellow|red)$"),
    reported_from: CalendarDate | None = Query(None, description="first local day"),
    reported_to: CalendarDate | None = Query(None, description="last local day, inclusive"),
    q: str | None = Query(
        None,
        max_length=100,
        description="words (all must match) in the number, description, address, street or "
        "community name, or a grid code",
    ),
    open_only: bool = False,
    supervised: bool | None = Query(None, description="督办"),
    overdue: str | None = Query(
        None,
        description="open (超时未结) | closed_late (超时结案) | due_soon (即将超时)",
    ),
    returned: bool | None = Query(None, description="回退过 (returned at least once)"),
    reworked: bool | None = Query(None, description="返工过 (核查 failed at least once)"),
    date_field: str = Query(
        "reported", description="which time reported_from/to bound: reported | filed | closed"
    ),
) -> CaseFilters:
    return CaseFilters(
        statuses=status or [],
        category_id=category_id,
        big_class=big_class,
        jurisdiction_id=jurisdiction_id,
        department_id=department_id,
        street_id=street_id,
        grid_code=grid_code,
        source=source,
        warning_level=warning_level,
        reported_from=reported_from,
        reported_to=reported_to,
        text=q,
        open_only=open_only,
        community_id=community_id,
        supervised=supervised,
        overdue=overdue or None,
        returned=returned,
        reworked=reworked,
        date_field=date_field,
        timezone=org.jurisdiction_timezone(db, principal),
    )


Filters = Annotated[CaseFilters, Depends(list_filters)]
SortParam = Annotated[
    str | None,
    Query(
        max_length=32,
        description="number | status | reported_at | due_at | closed_at; -name: descending",
    ),
]


@router.get(
    "/worklists",
    summary="How many cases wait in each of the user's work lists",
    **scoped(RouteScope.CASES),
)
def worklist_counts(principal: CurrentPrincipal, db: DbSession) -> dict[str, int]:
    return queries.queue_counts(db, principal)


@router.get(
    "/worklists/{queue}",
    summary="One page of a work list, earliest deadline first",
    responses={403: {"description": "not your role"}, 404: {"description": "no such list"}},
    **scoped(RouteScope.CASES),
)
def worklist(
    queue: str,
    principal: CurrentPrincipal,
    db: DbSession,
    filters: Filters,
    paging: Annotated[PageParams, Depends(page_params)],
    sort: SortParam = None,
) -> dict[str, Any]:
    return queries.worklist(
        db, principal, queue, filters, page=paging.page, page_size=paging.page_size, sort=sort
    )


@router.get(
    "/worklists/{queue}/export",
    summary="The cases of a list (its filters and order) as an xlsx workbook",
    response_class=StreamingResponse,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}},
        403: {"description": "not your role"},
        404: {"description": "no such list"},
        422: {"description": "bad filters, or too many cases (export_too_large)"},
    },
    **scoped(RouteScope.CASES),
)
def worklist_export(
    queue: str,
    principal: CurrentPrincipal,
    db: DbSession,
    filters: Filters,
    sort: SortParam = None,
) -> StreamingResponse:
    sheet = case_export.case_sheet(db, principal, queue, filters, sort=sort)
    tz = ZoneInfo(filters.timezone)
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    return xlsx_download([sheet], f"案件查询-{stamp}.xlsx", tz=tz)


@router.get(
    "/cases/{case_id}/context",
    summary="Names and geometry for the case page",
    **scoped(RouteScope.CASE),
)
def case_context(case_id: int, principal: CurrentPrincipal, db: DbSession) -> dict[str, Any]:
    return queries.case_context(db, principal, case_id)


@router.get(
    "/map/points", summary="Case points for the command map (columns)", **scoped(RouteScope.CASES)
)
def map_points(principal: CurrentPrincipal, db: DbSession, filters: Filters) -> Response:
    body = queries.map_points(db, principal, filters)
    # Tens of thousands of points: skip the response-model round trip.
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


@router.get("/map/grids", summary="Open and overdue cases per grid", **scoped(RouteScope.CASES))
def map_grids(principal: CurrentPrincipal, db: DbSession, filters: Filters) -> dict[str, Any]:
    return queries.grid_counts(db, principal, filters)


@router.get(
    "/map/area-stats",
    response_model=AreaStatsOut,
    summary="一张图: open, overdue and closed-in-period cases of one street, community or grid",
    responses={404: {"description": "no such area on a platform you read"}},
    **scoped(RouteScope.CASES),
)
def map_area_stats(
    principal: CurrentPrincipal,
    db: DbSession,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_code: str | None = Query(None, pattern=r"^\d{15}$"),
    period_from: CalendarDate | None = Query(None, description="first local day (default: 1st)"),
    period_to: CalendarDate | None = Query(None, description="last local day (default: today)"),
) -> dict[str, Any]:
    named = [
        (level, key)
        for level, key in (("street", street_id), ("community", community_id), ("grid", grid_code))
        if key is not None
    ]
    if len(named) != 1:
        raise InvalidInput("give exactly one of street_id, community_id, grid_code", field="area")
    level, key = named[0]
    return map_areas.area_stats(
        db, principal, level, key, period_from=period_from, period_to=period_to
    )


@router.get(
    "/dashboard", summary="Today, this month, trend and breakdowns", **scoped(RouteScope.CASES)
)
def dashboard(
    principal: Annotated[
        Principal, Depends(require_roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER))
    ],
    db: DbSession,
    period: str = Query("today", description="today | week | month | custom"),
    start: CalendarDate | None = Query(None, description="custom: first local day"),
    end: CalendarDate | None = Query(None, description="custom: last local day, inclusive"),
) -> dict[str, Any]:
    return queries.dashboard(db, principal, period=period, start=start, end=end)


# Live feed: each stream polls the case_events table by id, so it sees changes made by any
# process. Streams end after a while; EventSource reconnects with Last-Event-ID.
SSE_POLL_SECONDS = 1.0
SSE_HEARTBEAT_SECONDS = 15.0
SSE_MAX_SECONDS = 300.0


@router.get(
    "/events",
    summary="Server-sent events: cases changed since Last-Event-ID",
    response_class=StreamingResponse,
    **scoped(RouteScope.CASES),
)
async def case_events_stream(
    request: Request,
    after: int | None = Query(None, ge=0, description="start after this event id"),
) -> StreamingResponse:
    # No DbSession dependency: it would hold a pooled connection for the stream's whole
    # life. Authenticate (bearer or cookie; a GET needs no CSRF token) on a short session.
    factory = request.app.state.session_factory
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    token = token or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("send 'Authorization: Bearer <token>' or log in", code="login_required")
    header = request.headers.get("last-event-id", "")
    if after is None and is_digits(header):
        after = int(header)

    def start() -> tuple[Principal, int]:
        with factory() as session:
            principal = principal_from_token(session, token)
            return principal, after if after is not None else queries.last_event_id(session)

    principal, first_cursor = await run_in_threadpool(start)
    poll = float(getattr(request.app.state, "sse_poll_seconds", SSE_POLL_SECONDS))

    def fetch(cursor: int) -> tuple[int, list[dict[str, Any]]]:
        with factory() as session:
            return queries.changes_since(session, principal, cursor)

    async def stream() -> AsyncIterator[str]:
        cursor = first_cursor
        started = last_sent = time.monotonic()
        yield f'retry: 2000\nid: {cursor}\nevent: hello\ndata: {{"cursor": {cursor}}}\n\n'
        while time.monotonic() - started < SSE_MAX_SECONDS:
            if await request.is_disconnected():
                return
            cursor_new, rows = await run_in_threadpool(fetch, cursor)
            if rows:
                cursor = cursor_new
                data = json.dumps({"cases": rows}, ensure_ascii=False, separators=(",", ":"))
                yield f"id: {cursor}\nevent: cases\ndata: {data}\n\n"
                last_sent = time.monotonic()
            elif cursor_new != cursor:
                cursor = cursor_new
            elif time.monotonic() - last_sent > SSE_HEARTBEAT_SECONDS:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
            await asyncio.sleep(poll)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# --------------------------------------------------------------------------- login / logout


def _wants_json(request: Request) -> bool:
    ctype = request.headers.get("content-type", "")
    return ctype.startswith("application/json") or "application/json" in request.headers.get(
        "accept", ""
    )


async def _read_fields(request: Request) -> dict[str, str]:
    """Login and logout take a JSON object (from the app) or a plain HTML form."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if ctype == "application/json":
        try:
            data: Any = await request.json()
        except (ValueError, RecursionError) as exc:  # nested beyond the parser's depth
            raise InvalidInput("the request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise InvalidInput("send a JSON object")
        return {k: v for k, v in data.items() if isinstance(v, str)}
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form(max_files=0)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    if ctype == "" and not await request.body():
        return {}
    raise UnsupportedMediaType("send application/json or an HTML form")


def safe_next(value: str | None) -> str | None:
    """Only same-site absolute paths are followed after login (no open redirect). Browsers
    drop tabs and line breaks from a URL and read a backslash as a slash, so "/\t/evil" and
    "/\\evil" would leave the site: any control character, space or backslash refuses."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if any(ord(c) < 33 or ord(c) == 127 or c == "\\" for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def _set_session_cookies(response: Response, request: Request, token: str, max_age: int) -> str:
    secure = request.url.scheme == "https"
    csrf = csrf_token_for(token)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    # Readable by the page's script, which echoes it in the X-CSRF-Token header.
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="lax", secure=secure, path="/"
    )
    return csrf


def _clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@pages.post("/login", **scoped(RouteScope.PUBLIC))
async def post_login(request: Request, session: DbSession) -> Response:
    as_json = _wants_json(request)
    fields = await _read_fields(request)
    username = fields.get("username", "").strip()
    password = fields.get("password", "")
    next_path = safe_next(fields.get("next"))
    if not username or not password:
        if as_json:
            raise InvalidInput("enter a username and a password")
        return RedirectResponse("/login?error=missing", status_code=303)
    try:
        issued = login(
            session,
            username,
            password,
            kind="session",
            engine=request.app.state.engine,
            address=client_address(request),
        )
    except Unauthorized:
        if as_json:
            raise
        return RedirectResponse("/login?error=credentials", status_code=303)
    except TooManyRequests:
        if as_json:
            raise
        return RedirectResponse("/login?error=locked", status_code=303)
    # Commit before answering: the browser follows the redirect at once, and the request
    # dependency's own commit may only run after the response has been sent.
    session.commit()
    info = session_out(issued.principal, session)
    target = next_path if next_path and may_open(issued.principal.roles, next_path) else None
    target = target or info.landing
    max_age = get_settings().token_ttl_hours * 3600
    response: Response
    if as_json:
        response = JSONResponse({"landing": target, "session": info.model_dump()})
    else:
        response = RedirectResponse(target, status_code=303)
    _set_session_cookies(response, request, issued.token, max_age)
    return response


@pages.post("/logout", **scoped(RouteScope.PUBLIC))
async def post_logout(request: Request, session: DbSession) -> Response:
    as_json = _wants_json(request)
    fields = await _read_fields(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        # Same double-submit rule as the API: another site cannot log a user out.
        check_csrf(request, token, fields.get("csrf_token"))
        revoke_token(session, token)
        session.commit()
    response: Response = (
        Response(status_code=204) if as_json else RedirectResponse("/login", status_code=303)
    )
    _clear_session_cookies(response)
    return response


# --------------------------------------------------------------------------- pages

_NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>UrbanGrid</title><body style="font-family:sans-serif;padding:2rem">
<h1>界面尚未构建 / The web UI is not built</h1>
<p>运行 / run <code>scripts/build_frontend.sh</code> (npm ci &amp;&amp; npm run build).</p>
<p>API: <a href="/docs">/docs</a></p></body></html>"""


def index_response() -> Response:
    index = DIST_DIR / "index.html"
    if not index.is_file():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    # The shell is tiny and names hashed assets: always revalidate it.
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


def _principal_from_cookie(request: Request, session: DbSession) -> Principal | None:
    return principal_if_valid(session, request.cookies.get(SESSION_COOKIE))


def _page(request: Request, session: DbSession) -> Response:
    principal = _principal_from_cookie(request, session)
    path = request.url.path
    if principal is None:
        target = path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if not may_open(principal.roles, path):
        return RedirectResponse(landing_path(principal.roles), status_code=303)
    return index_response()


@pages.get("/", **scoped(RouteScope.PUBLIC))
def home(request: Request, session: DbSession) -> Response:
    principal = _principal_from_cookie(request, session)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(landing_path(principal.roles), status_code=303)


@pages.get("/login", **scoped(RouteScope.PUBLIC))
def login_page() -> Response:
    return index_response()


# The page shell holds no data: each screen loads what its user reads through the API.
@pages.get("/m", **scoped(RouteScope.PUBLIC))
@pages.get("/map", **scoped(RouteScope.PUBLIC))
@pages.get("/dashboard", **scoped(RouteScope.PUBLIC))
@pages.get("/evaluation", **scoped(RouteScope.PUBLIC))
@pages.get("/stats", **scoped(RouteScope.PUBLIC))
@pages.get("/register", **scoped(RouteScope.PUBLIC))
@pages.get("/cases", **scoped(RouteScope.PUBLIC))
@pages.get("/cases/{case_id}", **scoped(RouteScope.PUBLIC))
@pages.get("/cases/{case_id}/sheet", **scoped(RouteScope.PUBLIC))  # 案件处理单 / 审批单
@pages.get("/work/{queue}", **scoped(RouteScope.PUBLIC))
@pages.get("/admin", **scoped(RouteScope.PUBLIC))
@pages.get("/admin/{section}", **scoped(RouteScope.PUBLIC))
@pages.get("/password", **scoped(RouteScope.PUBLIC))
@pages.get("/waste", **scoped(RouteScope.PUBLIC))
@pages.get("/waste/{section}", **scoped(RouteScope.PUBLIC))
@pages.get("/construction", **scoped(RouteScope.PUBLIC))  # 违法建设
@pages.get("/construction/{section}", **scoped(RouteScope.PUBLIC))
@pages.get("/construction/records/{code}", **scoped(RouteScope.PUBLIC))
def app_page(request: Request, session: DbSession) -> Response:
    return _page(request, session)


class _Assets(StaticFiles):
    """Hashed build assets never change under the same name: cache them for a year."""

    async def check_config(self) -> None:
        # Before the first build the folder is missing: answer 404s, not a server error.
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.startswith("assets/") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def install(app: FastAPI) -> None:
    app.include_router(pages)
    app.mount(ASSETS_PREFIX, _Assets(directory=DIST_DIR, check_dir=False), name="web-assets")
