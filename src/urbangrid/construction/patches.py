"""A batch of change patches (图斑) as it arrives: a GeoJSON or shapefile layer of polygons
with dates, confidence and image links, checked whole (pure apart from reading the file).

The layer goes through :func:`geo.features.check_layer` (coordinate system plausibility,
conversion to WGS-84, invalid or self-intersecting polygons repaired where ``make_valid``
gives a polygon, reported); then each patch must lie in the jurisdiction — one partly
outside is kept and reported, one wholly outside is refused — and its properties must
parse. Every bad feature is listed in one refusal; nothing is half-imported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from urbangrid.geo.crs import Crs
from urbangrid.geo.features import Feature, check_layer
from urbangrid.kit.errors import ImportRejected

# Property names accepted for each field (English, then the Chinese labels in use).
ALIASES: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "id", "patch_id", "图斑编号", "编号"),
    "t1": ("t1", "before", "前时相", "前时相日期"),
    "t2": ("t2", "after", "后时相", "后时相日期"),
    "confidence": ("confidence", "score", "置信度"),
    "image_before": ("image_before", "img_t1", "前时相影像"),
    "image_after": ("image_after", "img_t2", "后时相影像"),
}


@dataclass(frozen=True)
class PatchIn:
    index: int  # 0-based position in the file
    geometry: BaseGeometry  # WGS-84
    ref: str
    t1: date | None
    t2: date | None
    confidence: float | None
    image_before: str | None
    image_after: str | None


@dataclass
class CheckedBatch:
    patches: list[PatchIn]  # the good ones
    notes: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"line", "message"}

    def raise_for_errors(self, more: Sequence[dict[str, Any]] = ()) -> None:
        """ImportRejected listing these errors and ``more`` (by feature), if any."""
        errors = sorted([*self.errors, *more], key=lambda e: e["line"])
        if errors:
            raise ImportRejected(f"{len(errors)} bad patch(es); nothing was imported", errors)


def _pick(props: Mapping[str, Any], name: str) -> Any:
    for key in ALIASES[name]:
        if key in props and props[key] not in (None, ""):
            return props[key]
    return None


def _date(raw: Any, what: str, problems: list[str]) -> date | None:
    if raw is None:
        return None
    text = str(raw).strip().replace("/", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        problems.append(f"{what} {raw!r} is not a date (YYYY-MM-DD)")
        return None


def _confidence(raw: Any, problems: list[str]) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        problems.append(f"confidence {raw!r} is not a number")
        return None
    if 1.0 < value <= 100.0:  # given in percent
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        problems.append(f"confidence {raw!r} is outside 0–1 (or 0–100 %)")
        return None
    return value


def check_batch(
    features: list[Feature],
    crs: Crs | str,
    jurisdiction: BaseGeometry | None,
    jurisdiction_name: str,
) -> CheckedBatch:
    """The batch's good patches and a line per bad feature (``raise_for_errors``). A layer
    that is wrong as a whole (not polygons, wrong coordinate system) is refused at once.
    Without the jurisdiction's outline the inside checks are left to the caller (grids)."""
    layer = check_layer(features, crs, expected_area=jurisdiction, area_name=jurisdiction_name)
    notes = list(layer.notes)
    errors: list[dict[str, Any]] = []
    geoms = np.asarray([f.geometry for f in layer.features], dtype=object)
    if jurisdiction is not None:
        shapely.prepare(jurisdiction)
        inside = shapely.within(geoms, jurisdiction)
        touches = shapely.intersects(geoms, jurisdiction)
    else:
        inside = touches = np.ones(len(geoms), dtype=bool)
    out: list[PatchIn] = []
    seen_refs: dict[str, int] = {}
    for f, whole, some in zip(layer.features, inside, touches, strict=True):
        n = f.index + 1
        problems: list[str] = []
        if not some:
            problems.append(f"lies outside {jurisdiction_name}")
        elif not whole:
            notes.append(f"feature {n}: partly outside {jurisdiction_name}, kept")
        ref = str(_pick(f.properties, "ref") or f"#{n}")
        if ref in seen_refs:
            problems.append(f"patch number {ref} repeats feature {seen_refs[ref]}")
        seen_refs.setdefault(ref, n)
        t1 = _date(_pick(f.properties, "t1"), "t1", problems)
        t2 = _date(_pick(f.properties, "t2"), "t2", problems)
        if t1 and t2 and t2 < t1:
            problems.append(f"t2 {t2} is before t1 {t1}")
        confidence = _confidence(_pick(f.properties, "confidence"), problems)
        if problems:
            errors.append({"line": n, "message": f"feature {n}: " + "; ".join(problems)})
            continue
        before, after = _pick(f.properties, "image_before"), _pick(f.properties, "image_after")
        out.append(
            PatchIn(
                f.index,
                f.geometry,
                ref,
                t1,
                t2,
                confidence,
                str(before) if before else None,
                str(after) if after else None,
            )
        )
    return CheckedBatch(out, notes, errors)
