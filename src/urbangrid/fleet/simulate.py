"""Synthetic vehicle tracks with known stops, for the demo, the tests and the benchmarks.

A vehicle drives straight lines between the sites of its route at a constant speed, stays
``dwell_s`` at each, and reports every ``interval_s`` seconds with Gaussian position noise
(σ chosen so that the given ``noise_m`` is the 95th percentile of the error distance). The
true stops are returned with the fixes, so stop and trip inference can be scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# The 95th percentile of a 2-D Gaussian error distance is σ·√(−2 ln 0.05) ≈ 2.4477 σ.
_P95 = float(np.sqrt(-2.0 * np.log(0.05)))


@dataclass(frozen=True)
class Leg:
    """Stay ``dwell_s`` at site ``site`` (index into the site arrays), then drive on."""

    site: int
    dwell_s: int


@dataclass(frozen=True)
class Track:
    t: IntArray
    x: FloatArray
    y: FloatArray
    # the true stops: (site, arrival, departure)
    truth: list[tuple[int, int, int]]


def drive(
    site_x: FloatArray,
    site_y: FloatArray,
    route: list[Leg],
    *,
    start_s: int,
    speed_mps: float = 8.0,
    interval_s: int = 30,
    noise_m: float = 20.0,
    rng: np.random.Generator,
) -> Track:
    """Fixes of one vehicle following ``route`` from its first site, starting at ``start_s``."""
    # Piecewise-linear timeline of the true position: (time, x, y) breakpoints.
    times: list[float] = []
    xs: list[float] = []
    ys: list[float] = []
    truth: list[tuple[int, int, int]] = []
    now = float(start_s)
    prev = None
    for leg in route:
        x, y = float(site_x[leg.site]), float(site_y[leg.site])
        if prev is not None:
            now += float(np.hypot(x - prev[0], y - prev[1])) / speed_mps
        times += [now, now + leg.dwell_s]
        xs += [x, x]
        ys += [y, y]
        truth.append((leg.site, int(now), int(now + leg.dwell_s)))
        now += leg.dwell_s
        prev = (x, y)
    # Reports at a random phase of the interval, as a terminal's clock would give.
    first = start_s + int(rng.integers(0, interval_s))
    t = np.arange(first, int(now) + 1, interval_s, dtype=np.int64)
    px = np.interp(t, times, xs)
    py = np.interp(t, times, ys)
    sigma = noise_m / _P95
    px = px + rng.normal(0.0, sigma, t.size)
    py = py + rng.normal(0.0, sigma, t.size)
    return Track(t, px, py, truth)
