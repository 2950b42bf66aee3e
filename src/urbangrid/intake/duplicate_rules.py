"""Duplicate detection (重复案件识别) — pure scoring of a new report against open cases.

A candidate must be in the same 小类 or the same 大类 (same kind), within ``radius_m`` of
the report and within ``window`` of its time. Its score (0–1) weighs category, distance,
time and text similarity (rapidfuzz on characters, so it works for Chinese without word
segmentation); candidates at or above ``min_score`` are shown, best first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Rules:
    radius_m: float = 100.0
    window: timedelta = timedelta(days=7)
    min_score: float = 0.5
    same_category: float = 0.4
    same_big_category: float = 0.25
    distance_weight: float = 0.3
    time_weight: float = 0.1
    text_weight: float = 0.2


@dataclass(frozen=True)
class Report:
    id: int
    kind: str | None
    category_id: int | None
    big_code: str | None
    lon: float
    lat: float
    at: datetime
    text: str


@dataclass(frozen=True)
class Candidate:
    case_id: int
    score: float
    distance_m: float
    hours_apart: float
    text_similarity: float
    same_category: bool


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def text_similarity(a: str, b: str) -> float:
    a, b = a.strip(), b.strip()
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b)) / 100.0


def related(new: Report, old: Report) -> bool | None:
    """True: same 小类; False: same 大类; None: unrelated (or unclassified)."""
    if new.category_id is not None and new.category_id == old.category_id:
        return True
    if new.big_code is not None and (new.kind, new.big_code) == (old.kind, old.big_code):
        return False
    return None


def score(new: Report, old: Report, rules: Rules = Rules()) -> Candidate | None:
    relation = related(new, old)
    if relation is None:
        return None
    d = distance_m(new.lon, new.lat, old.lon, old.lat)
    if d > rules.radius_m:
        return None
    dt = abs((new.at - old.at).total_seconds())
    window = rules.window.total_seconds()
    if dt > window:
        return None
    sim = text_similarity(new.text, old.text)
    value = (
        (rules.same_category if relation else rules.same_big_category)
        + rules.distance_weight * (1 - d / rules.radius_m if rules.radius_m else 1)
        + rules.time_weight * (1 - dt / window if window else 1)
        + rules.text_weight * sim
    )
    return Candidate(
        old.id, round(value, 4), round(d, 1), round(dt / 3600, 2), round(sim, 3), relation
    )


def rank(new: Report, olds: Iterable[Report], rules: Rules = Rules()) -> list[Candidate]:
    found = [c for old in olds if old.id != new.id and (c := score(new, old, rules)) is not None]
    found = [c for c in found if c.score >= rules.min_score]
    return sorted(found, key=lambda c: (-c.score, c.distance_m, c.case_id))
