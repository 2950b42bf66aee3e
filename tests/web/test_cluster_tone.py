"""一张图 cluster colours: the pure rule of frontend/src/lib/clusters.ts (run in Node with
the front end's own Vite and MapLibre style-spec), and the MapLibre paint expression
built from the same thresholds gives the same colour for every cluster."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from functools import cache
from typing import Any

import pytest
from web_harness import REPO_ROOT

FRONTEND = REPO_ROOT / "frontend"
CHECK = REPO_ROOT / "tests" / "web" / "js" / "cluster_tone_check.mjs"
SEVERITY = {"closed": 0, "calm": 1, "watch": 2, "alarm": 3}


def run(cases: list[dict[str, int]]) -> list[dict[str, str]]:
    if shutil.which("node") is None or not (FRONTEND / "node_modules" / "vite").is_dir():
        pytest.skip("node and the front end's node_modules are needed (scripts/setup.sh)")
    res = subprocess.run(
        ["node", str(CHECK), str(FRONTEND)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    out: list[dict[str, str]] = json.loads(res.stdout)["out"]
    return out


def cluster(count: int, overdue: int = 0, warning: int = 0, closed: int = 0) -> dict[str, int]:
    return {"count": count, "overdue": overdue, "warning": warning, "closed": closed}


@cache
def random_clusters() -> tuple[dict[str, int], ...]:
    rnd = random.Random(20261204)
    out = []
    for _ in range(400):
        count = rnd.randint(2, 3000)
        closed = rnd.choice([0, 0, rnd.randint(0, count), count])
        open_ = count - closed
        overdue = rnd.randint(0, open_)
        warning = rnd.randint(0, open_ - overdue)
        out.append(cluster(count, overdue, warning, closed))
    return tuple(out)


def test_tones_of_typical_clusters() -> None:
    table: list[tuple[dict[str, int], str]] = [
        (cluster(12, closed=12), "closed"),  # closed cases only: grey
        (cluster(50, overdue=2, warning=5), "calm"),  # 4 % overdue under load: not red
        (cluster(50, overdue=6), "watch"),  # 12 % overdue
        (cluster(50, overdue=1, warning=20), "watch"),  # many about to be overdue
        (cluster(50, overdue=20), "alarm"),  # 40 % overdue
        (cluster(2, overdue=1), "alarm"),
        (cluster(30, overdue=3, closed=25), "alarm"),  # shares count open cases only
        (cluster(40), "calm"),
    ]
    got = run([c for c, _ in table])
    assert [g["tone"] for g in got] == [want for _, want in table]


def test_under_load_clusters_are_not_all_red() -> None:
    """A loaded map: every cluster of 200 holds some overdue cases (1-15 %), some more."""
    rnd = random.Random(7)
    load = [cluster(200, overdue=rnd.randint(2, 30), warning=rnd.randint(0, 40)) for _ in range(60)]
    tones = [g["tone"] for g in run(load)]
    assert tones.count("alarm") == 0
    assert {"calm", "watch"} <= set(tones)


def test_expression_draws_the_tone_of_the_pure_rule() -> None:
    got = run(list(random_clusters()))
    pairs = zip(random_clusters(), got, strict=True)
    mismatched = [(c, g) for c, g in pairs if g["colour"] != g["toneColour"]]
    assert not mismatched, mismatched[:5]
    assert {g["tone"] for g in got} == set(SEVERITY)


def test_more_overdue_never_looks_better() -> None:
    base = [c for c in random_clusters() if c["count"] - c["closed"] - c["overdue"] > 0][:150]
    worse: list[dict[str, Any]] = [{**c, "overdue": c["overdue"] + 1} for c in base]
    got = run(base + worse)
    before, after = got[: len(base)], got[len(base) :]
    for c, b, a in zip(base, before, after, strict=True):
        assert SEVERITY[a["tone"]] >= SEVERITY[b["tone"]], (c, b, a)
