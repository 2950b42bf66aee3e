"""Which screens each role gets and where it lands (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from urbangrid.org.roles import Role
from urbangrid.web.landing import SCREENS, landing_path, may_open, screens_for
from urbangrid.web.routes import safe_next

role_sets = st.frozensets(st.sampled_from(list(Role)))


def test_each_role_lands_on_its_own_work_list() -> None:
    assert landing_path([Role.INSPECTOR]) == "/m"
    assert landing_path([Role.INTAKE_OPERATOR]) == "/work/intake"
    assert landing_path([Role.DISPATCHER]) == "/work/dispatch"
    assert landing_path([Role.DEPARTMENT_HANDLER]) == "/work/department"
    assert landing_path([Role.LEADER]) == "/map"
    assert landing_path([Role.ADMIN]) == "/dashboard"
    # A shift lead's first queue is intake / filing, not the map.
    assert landing_path([Role.SHIFT_LEAD]).startswith("/work/")


@given(role_sets)
def test_landing_is_a_screen_the_user_may_open(roles: frozenset[Role]) -> None:
    path = landing_path(roles)
    if roles:
        assert may_open(roles, path)
        assert path in {s.path for s in screens_for(roles)}


@given(role_sets)
def test_screens_only_for_held_roles(roles: frozenset[Role]) -> None:
    shown = screens_for(roles)
    if Role.ADMIN in roles:
        assert {s.path for s in SCREENS if s.menu is None} <= {s.path for s in shown}
        if Role.INSPECTOR not in roles:  # a phone page, an inspector's only
            assert "/construction/verify" not in {s.path for s in shown}
        assert shown[0].path == "/admin"  # 管理 first, the rest may go under 更多
    for screen in shown:
        assert Role.ADMIN in roles or screen.roles & roles


def test_department_handler_may_not_open_the_dispatch_queue() -> None:
    assert not may_open([Role.DEPARTMENT_HANDLER], "/work/dispatch")
    assert may_open([Role.DEPARTMENT_HANDLER], "/cases/12")
    assert not may_open([Role.INSPECTOR], "/map")
    # 违法建设: the inspector verifies patches on the phone, the desk roles see the rest
    assert may_open([Role.INSPECTOR], "/construction/verify")
    assert not may_open([Role.INSPECTOR], "/construction/batches")
    assert may_open([Role.DEPARTMENT_HANDLER], "/construction/records/W1")
    assert may_open([Role.ADMIN], "/construction/verify")


def test_safe_next_refuses_other_sites() -> None:
    assert safe_next("/work/intake?x=1") == "/work/intake?x=1"
    for bad in ("//evil.example/", "https://evil.example/", "\\\\evil", "/\\evil", "", None):
        assert safe_next(bad) is None


def test_waste_report_pages_open_for_the_evaluation_readers() -> None:
    for path in ("/waste/indicators", "/waste/assessment", "/waste/ledger"):
        assert may_open([Role.LEADER], path) and may_open([Role.DISPATCHER], path)
        assert may_open([Role.ADMIN], path)
        assert not may_open([Role.INSPECTOR], path)
        assert not may_open([Role.DEPARTMENT_HANDLER], path)
    assert not may_open([Role.LEADER], "/wasteland")  # a prefix of a path is no section
    assert may_open([Role.INSPECTOR], "/waste/inspect")  # the hub's other pages: its roles


def test_statistics_in_the_header_of_leaders_and_shift_leads() -> None:
    assert "/stats" in {s.path for s in screens_for([Role.LEADER])}
    assert "/stats" in {s.path for s in screens_for([Role.SHIFT_LEAD])}
    assert "/stats" in {s.path for s in screens_for([Role.ADMIN])}  # admins see every screen
    assert may_open([Role.SHIFT_LEAD], "/stats") and may_open([Role.ADMIN], "/stats")
    assert not may_open([Role.DISPATCHER], "/stats")
