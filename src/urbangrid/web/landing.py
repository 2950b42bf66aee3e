"""Which screens each role sees, and where it lands after login. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from urbangrid.org.roles import Role
from urbangrid.web.worklists import QUEUES


@dataclass(frozen=True)
class Screen:
    """A page of the web UI: its path, the i18n key of its title and who may open it."""

    path: str
    title_key: str
    roles: frozenset[Role]
    # Who has it in the header (None: everyone in ``roles``; an admin only when None). The
    # others open it from a page of theirs (a link), so that their header stays one row.
    menu: frozenset[Role] | None = None


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


# Order matters: a user with several roles lands on the first screen one of them opens,
# so the most operational (time-critical) queues come first.
SCREENS: tuple[Screen, ...] = (
    Screen("/m", "nav.inspector", _roles(Role.INSPECTOR)),
    # 违法建设 核查 on the phone (an admin reaches it from the 违建 section).
    Screen(
        "/construction/verify",
        "nav.constructionVerify",
        _roles(Role.INSPECTOR),
        menu=_roles(Role.INSPECTOR),
    ),
    # The work lists: for the roles that may take their actions (``web.worklists``).
    *(
        Screen(f"/work/{name}", f"nav.{name}", QUEUES[name].roles)
        for name in ("intake", "filing", "dispatch", "department", "approvals", "pool", "checks")
    ),
    # 登记: the centre registers calls, walk-ins and media reports; a leader his assignments
    # (the channels ``cases.workflow.report_roles`` lets them report on).
    Screen("/register", "nav.register", _roles(Role.INTAKE_OPERATOR, Role.SHIFT_LEAD, Role.LEADER)),
    Screen("/map", "nav.map", _roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER)),
    Screen("/dashboard", "nav.dashboard", _roles(Role.LEADER, Role.SHIFT_LEAD)),
    # 综合评价: the evaluation API's readers
    Screen("/evaluation", "nav.evaluation", _roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER)),
    # 统计分析: leaders and 值班长 (an admin opens it from the 管理 hub).
    Screen("/stats", "nav.stats", _roles(Role.LEADER, Role.SHIFT_LEAD)),
    # 违法建设: the register, map, patch batches and indicators (records, steps).
    Screen(
        "/construction",
        "nav.construction",
        _roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER, Role.DEPARTMENT_HANDLER),
    ),
    Screen("/cases", "nav.cases", frozenset(Role) - {Role.INSPECTOR}),
    # 垃圾分类: one menu entry; its hub links to the map, the replay, the inspection form
    # (inspectors), the indicators, the assessment and the daily ledger (/waste/...).
    Screen(
        "/waste",
        "nav.waste",
        _roles(Role.INSPECTOR, Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER, Role.ADMIN),
    ),
    # 管理: the administration hub (users, departments, grids, settings, audit log …); one
    # menu entry, its sections are links on the hub page (/admin/...).
    Screen("/admin", "nav.admin", _roles(Role.ADMIN)),
)

# Pages served to anyone with a session whatever the role (the API still checks rights).
# 修改密码 (/password) is everyone's, reached from the user menu rather than the navigation.
COMMON_PAGE_PREFIXES: tuple[str, ...] = ("/cases/", "/password")

# Pages reached from a hub rather than the menu, and who may open them: the 垃圾分类 reports
# (指标, 月度考核, 分类日报) for the readers of the case evaluation (admins open every page).
HUB_PAGES: dict[str, frozenset[Role]] = {
    path: _roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER)
    for path in ("/waste/indicators", "/waste/assessment", "/waste/ledger")
}

# A leader's day starts on the map (一张图), an admin's on the dashboard, whatever the
# order of SCREENS says.
_PREFERRED_LANDING: dict[Role, str] = {Role.LEADER: "/map", Role.ADMIN: "/dashboard"}


def screens_for(roles: Iterable[Role]) -> list[Screen]:
    """The screens a user with ``roles`` sees in the navigation. Admins see all."""
    held = frozenset(roles)
    if Role.ADMIN in held:
        # 管理 first: the rest of an admin's long menu may go under 更多 on a narrow screen
        shown = [s for s in SCREENS if s.menu is None or s.menu & held]
        return sorted(shown, key=lambda s: s.path != "/admin")
    return [s for s in SCREENS if (s.roles if s.menu is None else s.menu) & held]


def landing_path(roles: Iterable[Role]) -> str:
    """Where a user lands after login: their first work list."""
    held = frozenset(roles)
    for role, path in _PREFERRED_LANDING.items():
        if role in held:
            return path
    for screen in SCREENS:
        if screen.roles & held:
            return screen.path
    # A user with no role at all still gets a page that explains itself.
    return "/cases"


def may_open(roles: Iterable[Role], path: str) -> bool:
    """Whether a page path belongs to the user's screens (for the server-side redirect)."""
    held = frozenset(roles)
    if Role.ADMIN in held:
        return True
    if any(path.startswith(p) for p in COMMON_PAGE_PREFIXES):
        return True
    if path in HUB_PAGES:  # reached from a hub, for its own readers only
        return bool(HUB_PAGES[path] & held)
    return any(
        (path == s.path or path.startswith(s.path + "/")) and s.roles & held for s in SCREENS
    )
