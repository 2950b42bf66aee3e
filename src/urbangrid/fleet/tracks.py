"""Stops at geofenced sites and trips between them, from vehicle position fixes (pure, numpy).

A *site* is a circle around a place a vehicle is meant to stop at: a drop point, a transfer
station, a treatment facility, a construction site, a disposal site. A *visit* is a stay at
one site: consecutive fixes of one vehicle inside the same site's circle, allowing gaps of
at most ``max_gap_s`` between them (a fix lost to noise, a missed report); it is a *stop*
when it lasted at least ``min_dwell_s`` from its first fix to its last. A vehicle that drives
past a site leaves one fix or none inside and makes no stop. A *trip* is the run of a
vehicle's stops that ends with a stop at a site of the closing kind (a facility): the points
it served, then where it delivered.

Coordinates are metres in a local projection (``geo.projection.LocalEqualArea``); a fix
inside several circles belongs to the nearest site. Everything runs on whole arrays: a
month of 200 vehicles reporting every 30 s (17 million fixes) is one pass.

Invariants (tested): visits of a vehicle never overlap in time and are ordered; every stop
lasts at least ``min_dwell_s``; reordering the input fixes does not change the result (it
is sorted by vehicle and time first); a vehicle's stops all belong to one trip or to the
open tail after its last delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

OUTSIDE = -1


@dataclass(frozen=True)
class Geofences:
    """Circular sites in projected metres; ``kinds`` is any small integer code per site."""

    x: FloatArray
    y: FloatArray
    radius: FloatArray
    kinds: IntArray

    @classmethod
    def of(
        cls, x: ArrayLike, y: ArrayLike, radius: ArrayLike | float, kinds: ArrayLike | int = 0
    ) -> Geofences:
        xs = np.asarray(x, dtype=np.float64)
        r = np.broadcast_to(np.asarray(radius, dtype=np.float64), xs.shape).copy()
        k = np.broadcast_to(np.asarray(kinds, dtype=np.int64), xs.shape).copy()
        if np.any(r <= 0):
            raise ValueError("every geofence needs a positive radius")
        return cls(xs, np.asarray(y, dtype=np.float64), r, k)

    def __len__(self) -> int:
        return len(self.x)

    def locate(self, x: ArrayLike, y: ArrayLike) -> IntArray:
        """The index of the nearest site whose circle holds each point, else ``OUTSIDE``."""
        px = np.asarray(x, dtype=np.float64)
        py = np.asarray(y, dtype=np.float64)
        if len(self) == 0 or px.size == 0:
            return np.full(px.shape, OUTSIDE, dtype=np.int64)
        tree = cKDTree(np.column_stack([self.x, self.y]))
        dist, idx = tree.query(
            np.column_stack([px, py]), k=1, distance_upper_bound=float(self.radius.max())
        )
        found = np.isfinite(dist)
        idx = np.where(found, idx, 0)
        inside = found & (dist <= self.radius[idx])
        return np.where(inside, idx, OUTSIDE).astype(np.int64)


@dataclass(frozen=True)
class Visits:
    """Stops, one row each, ordered by vehicle then time."""

    vehicle: IntArray
    site: IntArray
    start: IntArray  # epoch seconds of the first fix inside
    end: IntArray  # … of the last
    fixes: IntArray  # fixes inside during the stop

    def __len__(self) -> int:
        return len(self.vehicle)

    @property
    def dwell(self) -> IntArray:
        return self.end - self.start


def order(vehicle: ArrayLike, t: ArrayLike) -> IntArray:
    """The permutation that sorts fixes by vehicle, then time."""
    return np.lexsort((np.asarray(t), np.asarray(vehicle))).astype(np.int64)


def stops(
    vehicle: ArrayLike,
    t: ArrayLike,
    site: ArrayLike,
    *,
    min_dwell_s: int = 60,
    max_gap_s: int = 120,
) -> Visits:
    """The stops in fixes given as parallel arrays (any order): vehicle id, epoch seconds and
    the site each fix is in (``Geofences.locate``)."""
    v = np.asarray(vehicle, dtype=np.int64)
    tt = np.asarray(t, dtype=np.int64)
    s = np.asarray(site, dtype=np.int64)
    perm = order(v, tt)
    v, tt, s = v[perm], tt[perm], s[perm]
    inside = s != OUTSIDE
    v, tt, s = v[inside], tt[inside], s[inside]
    if v.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Visits(empty, empty, empty, empty, empty)
    # A visit starts where the vehicle or the site changes, or after a gap longer than allowed
    # (fixes outside the circle in between are not here: only inside fixes were kept).
    new = np.ones(v.size, dtype=bool)
    new[1:] = (v[1:] != v[:-1]) | (s[1:] != s[:-1]) | (tt[1:] - tt[:-1] > max_gap_s)
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, v.size - 1]
    start, end = tt[first], tt[last]
    keep = end - start >= min_dwell_s
    return Visits(
        vehicle=v[first][keep],
        site=s[first][keep],
        start=start[keep],
        end=end[keep],
        fixes=(last - first + 1)[keep],
    )


@dataclass(frozen=True)
class Trips:
    """Each stop's trip: ``trip[i]`` numbers the trips of all vehicles from 0, ``-1`` for the
    stops after a vehicle's last delivery (a trip still open). ``closing[i]`` marks the stop
    that ends its trip (the delivery)."""

    trip: IntArray
    closing: BoolArray

    def count(self) -> int:
        return int(self.closing.sum())


def trips(visits: Visits, closes: ArrayLike) -> Trips:
    """Group a vehicle's stops into trips, each ending at a stop whose site ``closes`` (a
    boolean per site: a facility, a disposal site)."""
    closes_by_site = np.asarray(closes, dtype=bool)
    closing = closes_by_site[visits.site] if len(visits) else np.zeros(0, dtype=bool)
    n = len(visits)
    if n == 0:
        return Trips(np.zeros(0, dtype=np.int64), closing)
    vehicle = visits.vehicle
    # Trips closed before each stop, counted over all vehicles: a stop belongs to the trip
    # numbered by the deliveries before it, provided its vehicle delivers again later.
    closed_before = np.cumsum(closing) - closing
    # Whether a later stop of the same vehicle closes (or this one does).
    rev_closing = closing[::-1]
    rev_vehicle = vehicle[::-1]
    # running "seen a closing stop" from the end, reset at vehicle boundaries
    group_start = np.ones(n, dtype=bool)
    group_start[1:] = rev_vehicle[1:] != rev_vehicle[:-1]
    seen = _running_any(rev_closing, group_start)[::-1]
    trip = np.where(seen, closed_before, -1).astype(np.int64)
    return Trips(trip, closing)


def _running_any(flags: BoolArray, resets: BoolArray) -> BoolArray:
    """``out[i]`` = any(flags[j]) for j from the last reset at or before i up to i."""
    group = np.cumsum(resets) - 1
    hits = np.cumsum(flags)
    base = np.r_[0, hits][np.flatnonzero(resets)]  # hits before each group
    return (hits - base[group]) > 0
