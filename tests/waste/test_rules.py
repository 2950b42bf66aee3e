"""The collection rules on a generated week: every planted violation found once, nothing else."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from urbangrid.fleet import tracks
from urbangrid.waste import rules, simulate


def detect(chain: simulate.Chain) -> list[rules.Violation]:
    kinds = [s.kind for s in chain.sites]
    fences = tracks.Geofences.of(chain.site_x, chain.site_y, 50.0)
    site = fences.locate(chain.x, chain.y)
    stops = tracks.stops(chain.vehicle, chain.t, site, min_dwell_s=60, max_gap_s=120)
    trips = tracks.trips(stops, np.array([k == "facility" for k in kinds]))
    return rules.check_collection(
        stops, trips, chain.sites, chain.vehicle_category, chain.days, chain.tickets
    )


def score(found: list[rules.Violation], planted: set) -> dict[str, tuple[float, float]]:
    keys = [v.key for v in found]
    assert len(keys) == len(set(keys)), "a violation reported twice"
    out = {}
    for rule in rules.Rule:
        got = {k for k in keys if k[0] is rule}
        want = {k for k in planted if k[0] is rule}
        hit = len(got & want)
        out[rule.value] = (hit / len(got) if got else 1.0, hit / len(want) if want else 1.0)
    return out


def test_a_clean_week_raises_nothing() -> None:
    chain = simulate.generate(plant=0, days=3)
    assert detect(chain) == []


def test_every_planted_violation_is_found_once() -> None:
    chain = simulate.generate(plant=3, days=7, noise_m=30.0)
    assert Counter(k[0] for k in chain.planted) == {rule: 3 for rule in rules.Rule}
    figures = score(detect(chain), chain.planted)
    assert figures == {rule.value: (1.0, 1.0) for rule in rules.Rule}


@pytest.mark.parametrize("interval_s", [60, 120])
def test_sparser_reports_lose_short_stops(interval_s: int) -> None:
    # Stops last 2–5 minutes: at 120 s a stop may leave fewer than two fixes inside its
    # fence, so it is not seen (missed collections and mixing are then misjudged).
    chain = simulate.generate(plant=3, days=3, interval_s=interval_s, noise_m=20.0)
    figures = score(detect(chain), chain.planted)
    if interval_s == 60:
        assert figures == {rule.value: (1.0, 1.0) for rule in rules.Rule}
    else:
        assert figures[rules.Rule.MISSED_COLLECTION.value][0] < 1.0
