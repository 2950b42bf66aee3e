"""Area accounting reconciles exactly across levels, and the figures of a hand-made district
are the ones worked out below."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.construction.accounting import (
    PATCH_MEASURES,
    RECORD_MEASURES,
    PatchFacts,
    RecordFacts,
    figures_by,
    indicators,
    stock_area,
)
from urbangrid.construction.config import CleanAreaRule

START, END = date(2026, 1, 1), date(2026, 3, 31)
COMMUNITY_STREET = {11: 1, 12: 1, 21: 2}


def rec(
    i: int,
    community: int,
    *,
    new: bool,
    found: str,
    area: float,
    open_: bool = True,
    demolished: str | None = None,
    m2: float = 0.0,
    forced: bool = False,
    stopped: str | None = None,
) -> RecordFacts:
    return RecordFacts(
        id=i,
        code=f"W{i}",
        community_id=community,
        street_id=COMMUNITY_STREET[community],
        new=new,
        discovered=date.fromisoformat(found),
        area_m2=area,
        open=open_,
        settled=demolished is not None,
        demolished_on=date.fromisoformat(demolished) if demolished else None,
        demolished_m2=m2,
        forced=forced,
        stopped_on=date.fromisoformat(stopped) if stopped else None,
    )


HAND = [
    rec(
        1, 11, new=False, found="2023-05-01", area=120, open_=False, demolished="2026-02-10", m2=100
    ),
    rec(2, 11, new=False, found="2023-06-01", area=80),
    rec(
        3,
        12,
        new=True,
        found="2026-01-10",
        area=60,
        stopped="2026-01-11",
        open_=False,
        demolished="2026-03-01",
        m2=60,
        forced=True,
    ),
    rec(4, 12, new=True, found="2026-02-01", area=30, stopped="2026-02-04"),
    rec(5, 21, new=True, found="2025-12-20", area=40, open_=False, demolished="2025-12-30", m2=40),
    rec(
        6, 21, new=False, found="2022-01-01", area=200, open_=False, demolished="2026-04-02", m2=200
    ),
]
PATCHES = [
    PatchFacts(1, 11, 1, date(2026, 1, 5), False, date(2026, 1, 8), True),
    PatchFacts(2, 21, 2, date(2026, 1, 5), True, None, False),
    PatchFacts(3, 21, 2, date(2025, 11, 5), False, date(2025, 11, 6), False),  # before
]
RULE = CleanAreaRule(max_new=0, min_stock_cleared=1.0)


def test_hand_district() -> None:
    district = figures_by(HAND, PATCHES, START, END, "district")[None]
    out = indicators(district, stock_area(HAND, "district")[None], RULE)
    # new: W3, W4 found in Q1 (W5 in December); both stopped (1 and 3 days); W3 demolished
    assert (out["new_found"], out["new_stopped"], out["days_to_stop_median"]) == (2, 2, 2.0)
    assert out["new_stopped_share"] == 1.0 and out["new_demolished_share"] == 0.5
    # stock: W1 120 + W2 80 + W6 200 = 400 m²; W1 lost 100 m² in Q1 (W6 only in April)
    assert (out["stock"], out["stock_area_m2"], out["stock_reduced_m2"]) == (3, 400.0, 100.0)
    assert out["stock_reduced_share"] == 0.25
    assert (out["demolished_self_m2"], out["demolished_forced_m2"]) == (100.0, 60.0)
    # patches of Q1: 1 and 2; one verified (3 days), confirmed; one rebuild among the
    # 3 sites demolished by the end of March (W1, W3, W5)
    assert out["patches_tasks"] == 2 and out["patches_verified_share"] == 0.5
    assert out["days_to_verify_median"] == 3 and out["patches_confirmed_share"] == 1.0
    assert out["rebuild_rate"] == 1 / 3
    assert out["clean"] is False
    communities = figures_by(HAND, PATCHES, START, END, "community")
    areas = stock_area(HAND, "community")
    clean = {k: indicators(f, areas.get(k, 0.0), RULE)["clean"] for k, f in communities.items()}
    # 11: W2 still open; 12: W4 open; 21: no open record, none new in Q1, stock W6 settled
    assert clean == {11: False, 12: False, 21: True}
    loose = indicators(communities[12], 0.0, CleanAreaRule(max_new=2, min_stock_cleared=0))
    assert loose["clean"] is False  # W4 is still open


def facts() -> st.SearchStrategy[list[RecordFacts]]:
    day = st.integers(0, 800).map(lambda n: date(2025, 1, 1) + timedelta(days=n))
    one = st.builds(
        lambda i, c, new, found, area, dem, share, forced, stop: RecordFacts(
            id=i,
            code=f"W{i}",
            community_id=c,
            street_id=COMMUNITY_STREET[c],
            new=new,
            discovered=found,
            area_m2=area,
            open=dem is None,
            settled=dem is not None,
            demolished_on=dem,
            demolished_m2=round(area * share, 2),
            forced=forced,
            stopped_on=(found + timedelta(days=stop)) if stop is not None else None,
        ),
        st.integers(0, 10**6),
        st.sampled_from(list(COMMUNITY_STREET)),
        st.booleans(),
        day,
        st.floats(1, 5000).map(lambda a: round(a, 2)),
        st.none() | day,
        st.floats(0.1, 1),
        st.booleans(),
        st.none() | st.integers(0, 30),
    )
    return st.lists(one, max_size=40, unique_by=lambda r: r.id)


@settings(max_examples=100, deadline=None)
@given(records=facts(), day_a=st.integers(0, 400), span=st.integers(0, 400))
def test_levels_reconcile_exactly(records: list[RecordFacts], day_a: int, span: int) -> None:
    start = date(2025, 1, 1) + timedelta(days=day_a)
    end = start + timedelta(days=span)
    patches = [
        PatchFacts(r.id, r.community_id, r.street_id, r.discovered, r.new, r.stopped_on, r.forced)
        for r in records
    ]
    levels = {
        lv: figures_by(records, patches, start, end, lv)
        for lv in ("community", "street", "district")
    }
    district = levels["district"].get(None)
    for measure in RECORD_MEASURES:
        whole = district.records.get(measure, set()) if district else set()
        for level in ("community", "street"):
            parts = [f.records.get(measure, set()) for f in levels[level].values()]
            assert set().union(*parts) == whole
            assert sum(len(p) for p in parts) == len(whole)  # no record in two areas
            m2 = sum(f.m2(measure) for f in levels[level].values())
            assert abs(m2 - (district.m2(measure) if district else 0.0)) < 1e-6
    for measure in PATCH_MEASURES:
        whole = district.patches.get(measure, set()) if district else set()
        parts = [f.patches.get(measure, set()) for f in levels["community"].values()]
        assert set().union(*parts) == whole and sum(len(p) for p in parts) == len(whole)


def test_settings_are_checked_whole() -> None:
    import pytest

    from urbangrid.construction.config import parse_settings
    from urbangrid.kit.errors import InvalidInput

    ok = parse_settings({"baseline_date": "2025-01-01", "ranking": {"size": 2}})
    assert ok.baseline_date == date(2025, 1, 1) and ok.ranking.size == 2
    with pytest.raises(InvalidInput) as info:
        parse_settings(
            {
                "baseline_date": "someday",
                "match": {"min_patch_share": 2},
                "ranking": {"weights": {"luck": 1}},
            }
        )
    assert info.value.code == "construction_settings_invalid"
    assert len(info.value.params["problems"]) == 3
