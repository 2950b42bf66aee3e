"""Indicators by level, the monthly assessment with 红黑榜, the ledger by street, drill-down
and xlsx exports on the hand-computed month of ``report_town`` (figures written out)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.evaluation.ranking import list_sizes
from urbangrid.waste import report
from urbangrid.waste.models import WasteInspection, WeighTicket
from waste.report_town import NOVEMBER, build_month

pytestmark = pytest.mark.db

Town = dict[str, dict[str, str]]


@pytest.fixture
def month(client: TestClient, session: Session, town: Town) -> Town:
    build_month(client, session, town)
    return town


def rows_of(client: TestClient, headers: dict[str, str], level: str) -> dict[str, Any]:
    r = client.get("/api/v1/waste/indicators", params={**NOVEMBER, "level": level}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def by_key(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in out["rows"]}


def test_street_figures(client: TestClient, month: Town) -> None:
    out = rows_of(client, month["329901/disp"], "street")
    rows = by_key(out)
    assert {k: r["name"] for k, r in rows.items()} == {"001": "江滨街道", "002": "临江街道"}
    s1, s2 = rows["001"], rows["002"]
    # 001: V1 6 t 其他 at F1 (× 0.3) and V2 (street by name) 4 t 厨余 at F2 (× 0.5).
    q1 = s1["quantities"]
    assert q1["collected_t"] == pytest.approx(10) and q1["kitchen_t"] == pytest.approx(4)
    assert q1["treated_converted_t"] == pytest.approx(6 * 0.3 + 4 * 0.5)
    assert s1["values"]["kitchen_separation"] == pytest.approx(40.0)  # 4 / 10
    assert s1["values"]["resource_rate"] == pytest.approx(38.0)  # (0 + 3.8) / (0 + 10)
    assert s1["values"]["recycling_rate"] == pytest.approx(0.0)
    # inspections I1, I2, I3: bins 4 + 5 + 10 = 19, wrong 1 + 2 = 3; 3 failed; cases c1 (on
    # time), c2 (overdue), c3 (open).
    assert (q1["bins_checked"], q1["bins_wrong"]) == (19, 3)
    assert s1["values"]["drop_accuracy"] == pytest.approx(16 / 19 * 100)
    assert s1["values"]["problem_rate"] == pytest.approx(100.0)
    assert s1["values"]["rectified_on_time_rate"] == pytest.approx(100 / 3)
    assert (q1["estates"], q1["estates_sorting"], q1["estates_compliant"]) == (2, 2, 1)
    assert s1["values"]["three_fixed_coverage"] == pytest.approx(50.0)  # P2 of P1, P2
    # 002: V3 5 t 其他; I4 passes (2 bins, none wrong, no case: no rectification figure).
    assert s2["values"]["kitchen_separation"] == pytest.approx(0.0)
    assert s2["values"]["resource_rate"] == pytest.approx(30.0)  # 1.5 / 5
    assert s2["values"]["drop_accuracy"] == pytest.approx(100.0)
    assert s2["values"]["problem_rate"] == pytest.approx(0.0)
    assert s2["values"]["rectified_on_time_rate"] is None
    assert s2["values"]["estate_coverage"] == pytest.approx(0.0)
    assert s2["values"]["reduction_rate"] is None  # no baseline
    # T4 (V4 without a service street) and T5 (no vehicle): 3 t unattributed.
    assert out["unattributed_t"] == pytest.approx(3.0)
    # The platform's figures are still at the top (the old answer), from every ticket.
    assert out["quantities"]["collected_t"] == pytest.approx(16)
    assert out["quantities"]["generated_t"] == pytest.approx(18)
    values = {i["name"]: i["value"] for i in out["indicators"]}
    assert values["kitchen_separation"] == pytest.approx(5 / 16 * 100)
    assert values["resource_rate"] == pytest.approx((2 + 5.8) / 18 * 100)
    assert values["drop_accuracy"] == pytest.approx(18 / 21 * 100)
    assert values["problem_rate"] == pytest.approx(75.0)


def test_company_figures(client: TestClient, month: Town) -> None:
    out = rows_of(client, month["329901/leader"], "company")
    rows = by_key(out)
    assert {k: r["name"] for k, r in rows.items()} == {"C1": "城东清运", "C2": "城西清运"}
    c1, c2 = rows["C1"], rows["C2"]
    assert c1["values"]["kitchen_separation"] == pytest.approx(40.0)
    # C2: V3 5 t 其他 (× 0.3 = 1.5) and V4 2 t 可回收物.
    assert c2["quantities"]["generated_t"] == pytest.approx(7)
    assert c2["values"]["resource_rate"] == pytest.approx(50.0)  # (2 + 1.5) / (2 + 5)
    assert c2["values"]["recycling_rate"] == pytest.approx(200 / 7)
    # a company has no inspections: its inspection figures are null, not 0
    assert c2["values"]["drop_accuracy"] is None and "bins_checked" not in c2["quantities"]
    assert out["unattributed_t"] == pytest.approx(1.0) and not out["inspections_attributed"]


def test_estate_and_community_figures(client: TestClient, month: Town) -> None:
    estates = by_key(rows_of(client, month["329901/admin"], "estate"))
    assert sorted(estates) == ["E1", "E2", "E3"]
    e1, e2, e3 = (estates[k]["values"] for k in ("E1", "E2", "E3"))
    assert e1["drop_accuracy"] == pytest.approx(75.0)  # (4 − 1) / 4
    assert e1["rectified_on_time_rate"] == pytest.approx(100.0)
    assert e2["drop_accuracy"] == pytest.approx(13 / 15 * 100)
    assert e2["rectified_on_time_rate"] == pytest.approx(0.0)  # c2 overdue, c3 open
    assert e2["system_compliance"] == pytest.approx(0.0)
    assert e3["problem_rate"] == pytest.approx(0.0) and e3["estate_coverage"] == 0.0
    # tonnage is not attributed to estates: null, not 0
    assert e1["kitchen_separation"] is None and e1["resource_rate"] is None
    communities = by_key(rows_of(client, month["329901/admin"], "community"))
    assert {k: r["name"] for k, r in communities.items()} == {
        "001-001": "江滨街道滨河社区",
        "002-001": "临江街道临江社区",
    }
    assert communities["001-001"]["values"]["drop_accuracy"] == pytest.approx(16 / 19 * 100)
    assert communities["002-001"]["quantities"]["inspections"] == 1
    platform = rows_of(client, month["329901/admin"], "platform")["rows"]
    district = rows_of(client, month["329901/admin"], "district")["rows"]
    assert [r["key"] for r in platform] == [r["key"] for r in district] == ["329901"]
    assert platform[0]["values"]["problem_rate"] == pytest.approx(75.0)


def test_assessment_grades_and_lists(client: TestClient, month: Town) -> None:
    disp = month["329901/disp"]
    url = "/api/v1/waste/assessment"
    # formulas.json: at most 3 per list, at least 2 inspections in the month to be ranked.
    r = client.get(url, params={"month": "2026-11", "level": "street"}, headers=disp)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["size"], out["min_inspections"]) == (3, 2)
    items = {i["key"]: i for i in out["items"]}
    # 001: 厨余分出率 40 % ≥ 20 % target → 100; 达标率 1/2 → 50; 准确率 16/19; no 减量率:
    # weights 30 / 30 / 30 renormalised.
    assert items["001"]["total"] == pytest.approx((3000 + 1500 + 30 * 1600 / 19) / 90)
    assert items["001"]["grade"] == "B"  # 78.07
    assert items["002"]["total"] == pytest.approx(100 / 3)  # 0, 0, 100
    assert items["002"]["grade"] == "E"
    # 002 has one inspection: assessed but not ranked; one ranked object is the red list
    # alone (evaluation.ranking: with fewer than three nobody is "the worst")
    assert items["002"]["eligible"] is False and items["002"]["rank"] is None
    assert items["001"]["rank"] == 1
    assert [i["key"] for i in out["red"]] == ["001"] and out["black"] == []
    r = client.get(
        url, params={"month": "2026-11", "level": "street", "min_inspections": 1}, headers=disp
    )
    out = r.json()
    assert [i["key"] for i in out["red"]] == ["001"]
    assert out["black"] == []  # two ranked streets: no black list
    # estates, everyone ranked: E1 87.5 (B), E3 50 (D), E2 43.3 (D); a list takes a third
    # of the ranked, so 3 estates give one red and one black, never the same.
    r = client.get(
        url,
        params={"month": "2026-11", "level": "estate", "min_inspections": 0, "size": 5},
        headers=disp,
    )
    out = r.json()
    assert [(i["key"], i["rank"], i["grade"]) for i in out["items"]] == [
        ("E1", 1, "B"),
        ("E3", 2, "D"),
        ("E2", 3, "D"),
    ]
    assert out["items"][0]["total"] == pytest.approx((3000 + 30 * 75) / 60)
    assert [i["key"] for i in out["red"]] == ["E1"] and [i["key"] for i in out["black"]] == ["E2"]
    # another month has no inspections: nothing ranked
    r = client.get(url, params={"month": "2026-10", "level": "estate"}, headers=disp)
    assert r.status_code == 200 and r.json()["red"] == r.json()["black"] == []


def assessed(key: str, total: float | None, inspections: int) -> report.ObjectRow:
    # drop_accuracy = total: a single-term assessment scores exactly the accuracy
    checked = 100 if total is not None else 0
    wrong = 100 - int(total) if total is not None else 0
    return report.ObjectRow(
        key, key, {"bins_checked": checked, "bins_wrong": wrong, "inspections": inspections}
    )


@pytest.mark.parametrize("count", range(0, 9))
@pytest.mark.parametrize("size", [1, 2, 3, 10])
def test_an_object_is_never_on_both_lists(count: int, size: int) -> None:
    from urbangrid.waste import indicators

    formulas = indicators.load(
        {
            "formulas": {
                "acc": {
                    "numerator": ["bins_checked", {"quantity": "bins_wrong", "coefficient": -1}],
                    "denominator": ["bins_checked"],
                    "scale": 100,
                }
            },
            "assessment": {"terms": [{"formula": "acc", "weight": 1}]},
        }
    )
    rows = [assessed(f"O{n}", 50 + n * 5, n % 3) for n in range(count)]
    rows.append(assessed("NONE", None, 5))  # nothing to assess
    items, red, black = report.assess_rows(rows, formulas, report.Ranking(size, 1))
    eligible = [i for i in items if i.eligible]
    assert all(i.rank is not None for i in eligible) and not any(
        i.rank for i in items if not i.eligible
    )
    assert {i.key for i in red}.isdisjoint({i.key for i in black})
    assert (len(red), len(black)) == list_sizes(len(eligible), size)
    assert all(i.scored.total is not None and i.eligible for i in red + black)
    if red and black:
        assert min(i.scored.total for i in red) > max(i.scored.total for i in black)  # type: ignore[type-var]


def test_drill_down_rows_add_up_to_the_figure(client: TestClient, month: Town) -> None:
    disp = month["329901/disp"]
    out = rows_of(client, disp, "street")
    for row in out["rows"]:
        r = client.get(
            "/api/v1/waste/sources",
            params={**NOVEMBER, "kind": "tickets", "level": "street", "key": row["key"]},
            headers=disp,
        )
        assert r.status_code == 200, r.text
        src = r.json()
        assert sum(t["net_t"] for t in src["tickets"]) == pytest.approx(
            row["quantities"]["collected_t"] + row["quantities"]["recyclables_t"]
        )
        assert src["sums"]["厨余垃圾"] == pytest.approx(row["quantities"]["kitchen_t"])
    # inspections of street 001, two per page: the pages together are the figure's inputs
    seen: list[dict[str, Any]] = []
    for page in (1, 2):
        r = client.get(
            "/api/v1/waste/sources",
            params={
                **NOVEMBER,
                "kind": "inspections",
                "level": "street",
                "key": "001",
                "page": page,
                "page_size": 2,
            },
            headers=disp,
        )
        assert r.status_code == 200, r.text
        seen += r.json()["inspections"]
        assert r.json()["total"] == 3
    s1 = by_key(out)["001"]["quantities"]
    assert len({i["id"] for i in seen}) == 3 == s1["inspections"]
    assert sum(i["bins_checked"] for i in seen) == s1["bins_checked"]
    assert sum(i["bins_wrong"] for i in seen) == s1["bins_wrong"]
    cases = [c for i in seen for c in i["cases"]]
    assert len(cases) == s1["rectifications_due"] == 3
    assert sum(bool(c["rectified_on_time"]) for c in cases) == s1["rectified_on_time"] == 1
    assert all(c["number"] for c in cases)  # the dispatcher reads these cases
    # estate E2: two inspections, two cases
    r = client.get(
        "/api/v1/waste/sources",
        params={**NOVEMBER, "kind": "inspections", "level": "estate", "key": "E2"},
        headers=disp,
    )
    assert r.json()["sums"]["inspections"] == 2 and r.json()["sums"]["rectifications_due"] == 2


def test_bad_input_gets_a_precise_code(client: TestClient, month: Town) -> None:
    disp = month["329901/disp"]

    def code(url: str, **params: Any) -> tuple[int, str]:
        r = client.get(url, params=params, headers=disp)
        return r.status_code, r.json().get("code", "")

    assert code("/api/v1/waste/indicators", **NOVEMBER, level="galaxy") == (
        422,
        "waste_level_unknown",
    )
    assert code("/api/v1/waste/assessment", month="2026-13") == (422, "waste_month_invalid")
    assert code("/api/v1/waste/assessment", month="2026-11", level="company")[0] == 422
    src = "/api/v1/waste/sources"
    assert code(src, **NOVEMBER, kind="cars", level="street", key="001") == (
        422,
        "waste_source_kind_unknown",
    )
    assert code(src, **NOVEMBER, kind="tickets", level="estate", key="E1") == (
        422,
        "waste_level_has_no_source",
    )
    assert code(src, **NOVEMBER, kind="inspections", level="company", key="C1")[1] == (
        "waste_level_has_no_source"
    )
    assert code(src, **NOVEMBER, kind="tickets", level="street", key="999")[0] == 404
    assert code("/api/v1/waste/ledger", start=NOVEMBER["end"], end=NOVEMBER["start"])[0] == 422
    assert code("/api/v1/waste/ledger")[0] == 422


def test_scope_other_platform(client: TestClient, session: Session, month: Town) -> None:
    other = month["440199/admin"]
    # its own estates only, and 329901's objects are not found
    r = client.get(
        "/api/v1/waste/indicators", params={**NOVEMBER, "level": "estate"}, headers=other
    )
    assert r.status_code == 200 and r.json()["rows"] == []
    r = client.get(
        "/api/v1/waste/sources",
        params={**NOVEMBER, "kind": "inspections", "level": "estate", "key": "E1"},
        headers=other,
    )
    assert r.status_code == 404
    for url, params in (
        ("/api/v1/waste/indicators", {**NOVEMBER, "level": "street"}),
        ("/api/v1/waste/assessment", {"month": "2026-11"}),
        ("/api/v1/waste/ledger", NOVEMBER),
    ):
        r = client.get(url, params={**params, "jurisdiction": "329901"}, headers=other)
        assert r.status_code == 404, url
    # the inspector reads no figures
    r = client.get(
        "/api/v1/waste/assessment", params={"month": "2026-11"}, headers=month["329901/insp"]
    )
    assert r.status_code == 403
    # nothing was changed by reading
    assert session.scalar(select(func.count()).select_from(WeighTicket)) == 5
    assert session.scalar(select(func.count()).select_from(WasteInspection)) == 4


def test_ledger_by_street_and_day(client: TestClient, month: Town) -> None:
    r = client.get(
        "/api/v1/waste/ledger",
        params={"from": "2026-11-02", "to": "2026-11-03"},
        headers=month["329901/disp"],
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["by_street"] == {
        "未归属": {"可回收物": 2.0},
        "临江街道": {"其他垃圾": 5.0},
        "江滨街道": {"其他垃圾": 6.0, "厨余垃圾": 4.0},
    }
    assert out["by_day"] == {
        "2026-11-02": {"其他垃圾": 6.0, "厨余垃圾": 4.0},
        "2026-11-03": {"其他垃圾": 5.0, "可回收物": 2.0},
    }
    assert out["total_t"] == 17.0  # T5 (4 November) is outside the days
    assert out["by_facility"]["焚烧厂"] == {"其他垃圾": 11.0}


def sheet_rows(content: bytes, index: int = 0) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in wb.worksheets[index].iter_rows(values_only=True)]


def test_xlsx_exports_read_back(client: TestClient, month: Town) -> None:
    disp = month["329901/disp"]
    r = client.get(
        "/api/v1/waste/indicators",
        params={**NOVEMBER, "level": "street", "format": "xlsx"},
        headers=disp,
    )
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    rows = sheet_rows(r.content)
    assert "按街道" in rows[0][0] and "2026-11-01 00:00" in rows[1][0]  # local time
    header = next(r for r in rows if r[0] == "编码")
    table = {r[0]: dict(zip(header, r, strict=True)) for r in rows[rows.index(header) + 1 :]}
    assert table["001"]["名称"] == "江滨街道"
    assert table["001"]["厨余垃圾分出率"] == pytest.approx(0.40)  # a fraction, shown as %
    assert table["001"]["投放准确率"] == pytest.approx(16 / 19)
    assert table["002"]["按期整改率"] is None
    assert table["001"]["抽查桶数"] == 19
    wb = load_workbook(io.BytesIO(r.content))
    cell = wb.worksheets[0].cell(
        row=rows.index(header) + 2, column=header.index("厨余垃圾分出率") + 1
    )
    assert cell.number_format == "0.0%"

    r = client.get(
        "/api/v1/waste/assessment",
        params={"month": "2026-11", "level": "street", "min_inspections": 1, "format": "xlsx"},
        headers=disp,
    )
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert [ws.title for ws in wb.worksheets] == ["考核_街道", "红榜", "黑榜"]
    red = sheet_rows(r.content, 1)
    black = sheet_rows(r.content, 2)
    assert red[-1][1:3] == ("001", "江滨街道")
    assert not any(row[1:3] == ("002", "临江街道") for row in black)  # two streets: no 黑榜
    main = sheet_rows(r.content, 0)
    assert any("厨余垃圾分出率 30" in str(line[0]) for line in main[:3])

    r = client.get("/api/v1/waste/ledger", params={**NOVEMBER, "format": "xlsx"}, headers=disp)
    assert r.status_code == 200
    streets = sheet_rows(r.content, 2)
    street_header = streets.index(next(s for s in streets if s[0] == "街道"))
    totals = {s[0]: s[-1] for s in streets[street_header + 1 :]}
    assert totals == {"临江街道": 5.0, "未归属": 3.0, "江滨街道": 10.0}


def test_a_city_ranks_its_districts(client: TestClient, session: Session, month: Town) -> None:
    from urbangrid.auth.service import issue_token
    from urbangrid.org.models import Jurisdiction
    from urbangrid.org.roles import Role
    from worldkit import add_users

    city = Jurisdiction(code="320000", name="市平台")
    session.add(city)
    session.flush()
    for code in ("329901", "440199"):
        child = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        assert child is not None
        child.parent_id = city.id
    leader = add_users(session, city, [("cityleader", Role.LEADER, None)])["cityleader"]
    headers = {"Authorization": f"Bearer {issue_token(session, leader).token}"}
    session.commit()
    out = rows_of(client, headers, "district")
    rows = by_key(out)
    assert sorted(rows) == ["329901", "440199"]
    assert rows["329901"]["quantities"]["collected_t"] == pytest.approx(16)
    assert rows["329901"]["values"]["problem_rate"] == pytest.approx(75.0)
    assert rows["440199"]["values"]["kitchen_separation"] is None  # nothing weighed there
    # a district's own figures through ?jurisdiction=, by street
    r = client.get(
        "/api/v1/waste/indicators",
        params={**NOVEMBER, "level": "street", "jurisdiction": "329901"},
        headers=headers,
    )
    assert r.status_code == 200 and sorted(by_key(r.json())) == ["001", "002"]
    # the district's leader does not read the city
    r = client.get(
        "/api/v1/waste/indicators",
        params={**NOVEMBER, "jurisdiction": "320000"},
        headers=month["329901/admin"],
    )
    assert r.status_code == 404
