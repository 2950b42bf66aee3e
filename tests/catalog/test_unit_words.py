"""Every time-limit unit has words in both languages that say how it counts (working time
or round the clock), so 2 紧急 days are never read as 2 working days (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from urbangrid.catalog.timelimits import TimeUnit

LOCALES = Path(__file__).resolve().parents[2] / "frontend" / "src" / "locales"


def _texts(name: str) -> dict[str, str]:
    text = (LOCALES / f"{name}.ts").read_text(encoding="utf-8")
    return dict(re.findall(r'^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",', text, flags=re.M))


@pytest.mark.parametrize("unit", list(TimeUnit))
def test_each_unit_is_worded_in_both_languages(unit: TimeUnit) -> None:
    zh, en = _texts("zh"), _texts("en")
    for prefix in ("unit", "limit", "limitOne", "extension.unitHelp"):
        key = f"{prefix}.{unit.value}"
        assert key in zh and key in en, key
        assert unit.value not in zh[key] and "_" not in en[key], key
    for table in (zh, en):
        assert "{n}" in table[f"limit.{unit.value}"] and "{n}" in table[f"limitOne.{unit.value}"]
    amount = zh[f"limit.{unit.value}"]
    if unit.is_continuous:
        # Round the clock: never called 工作日 / 工作时; calendar days are named as such.
        assert "工作" not in amount and "工作" not in zh[f"unit.{unit.value}"], amount
        assert "working" not in en[f"limit.{unit.value}"]
        if unit in (TimeUnit.URGENT_DAY, TimeUnit.NATURAL_DAY):
            assert "自然日" in amount and "calendar day" in en[f"limit.{unit.value}"]
    else:
        assert "工作" in amount and "working" in en[f"limit.{unit.value}"], amount
    if unit in (TimeUnit.URGENT_HOUR, TimeUnit.URGENT_DAY):
        assert "紧急" in amount and "urgent" in en[f"limit.{unit.value}"]
