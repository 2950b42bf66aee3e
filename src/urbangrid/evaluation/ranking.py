"""红榜 / 黑榜 from a ranking (pure): one rule for every programme — the case evaluation's
objects, 垃圾分类 estates and streets, 违法建设 streets.

Each list takes a third of the ranked objects (at most ``n``), so the middle third is on
neither; with one or two objects the best is on the red list and nobody on the black list
(one of two is not "the worst" of anything). An object is on at most one list, and every
black-listed score is below every red-listed one: an object tied with a red-listed one is
not black-listed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TypeVar

T = TypeVar("T")


def list_sizes(m: int, n: int) -> tuple[int, int]:
    """How many of ``m`` ranked objects go on the red and on the black list."""
    if m <= 0 or n <= 0:
        return 0, 0
    if m < 3:
        return 1, 0
    k = min(n, m // 3)
    return k, k


def red_and_black(
    ranked: Sequence[T], score: Callable[[T], Fraction | float | None], n: int
) -> tuple[list[T], list[T]]:
    """The red list (best first) and the black list (worst first) of ``ranked``, which holds
    only rankable objects, best first."""
    n_red, n_black = list_sizes(len(ranked), n)
    red = list(ranked[:n_red])
    floor = min((s for e in red if (s := score(e)) is not None), default=None)
    black = [
        e
        for e in reversed(ranked[n_red:])
        if floor is None or ((s := score(e)) is not None and s < floor)
    ][:n_black]
    return red, black
