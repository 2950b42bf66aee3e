"""Stops and trips: the vectorised inference against a plain loop, and on simulated tracks
with noise whose true stops are known."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.fleet import tracks
from urbangrid.fleet.simulate import Leg, drive


def reference_stops(
    vehicle: list[int], t: list[int], site: list[int], min_dwell: int, max_gap: int
) -> list[tuple[int, int, int, int, int]]:
    """One fix at a time, the obvious way."""
    rows = sorted(zip(vehicle, t, site, strict=True), key=lambda r: (r[0], r[1]))
    rows = [r for r in rows if r[2] != tracks.OUTSIDE]
    out: list[tuple[int, int, int, int, int]] = []
    current: list[tuple[int, int, int]] = []
    for r in rows:
        if current and (
            r[0] != current[-1][0] or r[2] != current[-1][2] or r[1] - current[-1][1] > max_gap
        ):
            out.append(_close(current))
            current = []
        current.append(r)
    if current:
        out.append(_close(current))
    return [o for o in out if o[3] - o[2] >= min_dwell]


def _close(run: list[tuple[int, int, int]]) -> tuple[int, int, int, int, int]:
    return (run[0][0], run[0][2], run[0][1], run[-1][1], len(run))


fixes = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 5000), st.integers(-1, 3)), max_size=200
).map(lambda rows: list({(v, t): (v, t, s) for v, t, s in rows}.values()))  # one fix per instant


@settings(max_examples=200)
@given(fixes, st.integers(0, 300), st.integers(1, 300))
def test_vectorised_stops_equal_the_plain_loop(
    rows: list[tuple[int, int, int]], min_dwell: int, max_gap: int
) -> None:
    vehicle = [r[0] for r in rows]
    t = [r[1] for r in rows]
    site = [r[2] for r in rows]
    got = tracks.stops(vehicle, t, site, min_dwell_s=min_dwell, max_gap_s=max_gap)
    table = list(
        zip(
            got.vehicle.tolist(),
            got.site.tolist(),
            got.start.tolist(),
            got.end.tolist(),
            got.fixes.tolist(),
            strict=True,
        )
    )
    assert table == reference_stops(vehicle, t, site, min_dwell, max_gap)
    assert np.all(got.dwell >= min_dwell)


@given(fixes, st.lists(st.booleans(), min_size=4, max_size=4))
def test_every_stop_is_in_the_trip_its_next_delivery_closes(
    rows: list[tuple[int, int, int]], closes: list[bool]
) -> None:
    v = [r[0] for r in rows]
    got = tracks.stops(v, [r[1] for r in rows], [r[2] for r in rows], min_dwell_s=0)
    result = tracks.trips(got, closes)
    assert result.count() == sum(closes[s] for s in got.site.tolist())
    for i in range(len(got)):
        later = [j for j in range(i, len(got)) if got.vehicle[j] == got.vehicle[i]]
        delivery = next((j for j in later if closes[got.site[j]]), None)
        if delivery is None:
            assert result.trip[i] == -1
        else:
            assert result.trip[i] == result.trip[delivery] >= 0


def test_geofences_take_the_nearest_site_holding_the_point() -> None:
    fences = tracks.Geofences.of([0, 100, 1000], [0, 0, 0], [60, 60, 10])
    where = fences.locate([10, 55, 49, 200, 1005, 1011], [0, 0, 0, 0, 0, 0])
    assert where.tolist() == [0, 1, 0, -1, 2, -1]


def scenario(noise_m: float, interval_s: int, seed: int = 7) -> dict[str, float]:
    """Five vehicles, two rounds each of eight drop points then a facility, on a 200 m
    lattice; precision and recall of the inferred stops and trips against the truth."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(6) * 200.0, np.arange(5) * 200.0)
    site_x = np.r_[gx.ravel(), 3000.0, -2000.0]
    site_y = np.r_[gy.ravel(), 500.0, 800.0]
    facility = np.zeros(site_x.size, dtype=bool)
    facility[-2:] = True
    fences = tracks.Geofences.of(site_x, site_y, 50.0)
    vs, ts, xs, ys, truth = [], [], [], [], set()
    true_trips: list[tuple[int, frozenset[int], int]] = []
    for vehicle in range(5):
        route: list[Leg] = []
        for _ in range(2):
            points = rng.choice(30, size=8, replace=False)
            route += [Leg(int(p), int(rng.integers(120, 300))) for p in points]
            fac = 30 + int(rng.integers(0, 2))
            route.append(Leg(fac, 600))
            true_trips.append((vehicle, frozenset(int(p) for p in points), fac))
        track = drive(
            site_x, site_y, route, start_s=6 * 3600, interval_s=interval_s, noise_m=noise_m, rng=rng
        )
        vs.append(np.full(track.t.size, vehicle))
        ts.append(track.t), xs.append(track.x), ys.append(track.y)
        truth |= {(vehicle, site) for site, _, _ in track.truth}
    v, t = np.concatenate(vs), np.concatenate(ts)
    site = fences.locate(np.concatenate(xs), np.concatenate(ys))
    found = tracks.stops(v, t, site, min_dwell_s=60, max_gap_s=120)
    inferred = set(zip(found.vehicle.tolist(), found.site.tolist(), strict=True))
    trip = tracks.trips(found, facility)
    got_trips = set()
    for k in range(trip.count()):
        members = np.flatnonzero(trip.trip == k)
        end = members[trip.closing[members]][0]
        points = frozenset(found.site[members[~trip.closing[members]]].tolist())
        got_trips.add((int(found.vehicle[end]), points, int(found.site[end])))
    return {
        "stop_precision": len(inferred & truth) / max(len(inferred), 1),
        "stop_recall": len(inferred & truth) / len(truth),
        "trips_exact": len(got_trips & set(true_trips)) / len(true_trips),
    }


def test_simulated_collection_rounds_are_recovered_exactly() -> None:
    figures = scenario(noise_m=30.0, interval_s=30)
    assert figures == {"stop_precision": 1.0, "stop_recall": 1.0, "trips_exact": 1.0}


def test_noise_larger_than_the_fence_costs_recall() -> None:
    # 120 m noise around a 50 m fence: most fixes of a stop fall outside; the figure drops.
    figures = scenario(noise_m=120.0, interval_s=30)
    assert figures["stop_recall"] < 1.0
