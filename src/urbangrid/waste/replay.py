"""What the 垃圾分类 screens show, computed from stored facts (pure): the colour of a drop point
on the map (投放点状态) and a vehicle's day thinned for the replay (轨迹回放).

A drop point's status comes from its latest inspection only:

- ``never``: never inspected;
- ``open``: the latest inspection failed and one of its cases is not closed (整改中) — a case
  the caller may not read counts as not closed (not known to be rectified);
- ``stale``: the latest inspection is older than ``stale_days`` (and nothing is open);
- ``passed``: the latest inspection found nothing;
- ``rectified``: the latest inspection failed and every case it opened is closed.

Thinning keeps at most ``max_points`` fixes of a day's track, evenly in index, and always
the first and last fix and the first and last fix of every stop (so the replay's stops sit
on the drawn line). Invariants (tested): the kept fixes are in time order, include the
forced ones, and number at most ``max_points`` plus the forced ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray


class PointStatus(StrEnum):
    NEVER = "never"
    OPEN = "open"
    STALE = "stale"
    PASSED = "passed"
    RECTIFIED = "rectified"


def point_status(
    inspected_at: datetime | None,
    failed: bool,
    cases_closed: Iterable[bool | None],
    now: datetime,
    stale_days: int,
) -> PointStatus:
    """The map colour of a point; ``cases_closed`` is one entry per case its latest
    inspection opened (None: the caller may not read the case)."""
    if inspected_at is None:
        return PointStatus.NEVER
    if failed and not all(c is True for c in cases_closed):
        return PointStatus.OPEN
    if now - inspected_at > timedelta(days=stale_days):
        return PointStatus.STALE
    return PointStatus.RECTIFIED if failed else PointStatus.PASSED


def thin(n: int, forced: ArrayLike, max_points: int) -> NDArray[np.int64]:
    """Indices (sorted) of the fixes to keep of ``n``: about ``max_points`` evenly spread,
    plus the ``forced`` indices."""
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    must = np.asarray(forced, dtype=np.int64)
    must = must[(must >= 0) & (must < n)]
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    step = n / max(max_points - 1, 1)
    even = np.unique(np.minimum(np.round(np.arange(max_points) * step), n - 1).astype(np.int64))
    return np.unique(np.concatenate([even, must, np.array([0, n - 1], dtype=np.int64)]))
