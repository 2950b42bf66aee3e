"""GET /construction/records: the register as the 违法建设 screens list and map it — status,
next step and overdue, filtered; only the platform's own records."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.db

API = "/api/v1/construction/records"


def test_records_with_status_next_step_and_overdue(
    client: TestClient, district: dict[str, dict[str, str]]
) -> None:
    zf = district["329901/zf"]
    res = client.get(API, headers=zf)
    assert res.status_code == 200, res.text
    page = res.json()
    rows = {r["code"]: r for r in page["items"]}
    assert page["total"] == 3 and set(rows) == {"W1", "W2", "W3"}
    # W1: stock, found 2023, nothing done: its investigation is overdue
    assert rows["W1"]["status"] == "在查" and rows["W1"]["kind"] == "stock"
    assert rows["W1"]["next_step"] == "investigate" and rows["W1"]["overdue"] is True
    assert rows["W1"]["geometry"]["type"] == "Polygon" and rows["W1"]["area_m2"] == 120
    # W3: new, found 2026-03-02: a stop order was due the next day
    assert rows["W3"]["kind"] == "new" and rows["W3"]["next_step"] == "stop_order"
    # W2: demolished, no acceptance recorded yet (imported as such, no steps)
    assert rows["W2"]["status"] == "已拆除"
    assert rows["W2"]["next_step"] is None and rows["W2"]["overdue"] is False
    w2 = client.get("/api/v1/construction/records/W2/steps", headers=zf).json()
    assert w2["pending"] == [] and w2["next_due"] is None and w2["overdue"] is False
    only = client.get(API, params={"status": "已拆除"}, headers=zf).json()
    assert [r["code"] for r in only["items"]] == ["W2"]
    late = client.get(API, params={"overdue": "true"}, headers=zf).json()
    assert {r["code"] for r in late["items"]} == {r for r, v in rows.items() if v["overdue"]}
    assert client.get(API, params={"q": "3号"}, headers=zf).json()["total"] == 1
    paged = client.get(API, params={"page_size": 2, "page": 2}, headers=zf).json()
    assert paged["total"] == 3 and [r["code"] for r in paged["items"]] == ["W3"]
    # another platform sees none of them
    assert client.get(API, headers=district["440199/admin"]).json()["total"] == 0
    # recording a step moves the next step on
    step = client.post(
        "/api/v1/construction/records/W1/steps",
        json={"code": "investigate", "day": "2026-03-02"},
        headers=zf,
    )
    assert step.status_code == 201, step.text
    after = {r["code"]: r for r in client.get(API, headers=zf).json()["items"]}
    assert after["W1"]["next_step"] == "determine"
