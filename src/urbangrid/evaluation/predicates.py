"""A small predicate language over case facts.

Each base count of the evaluation is "the cases whose anchor time falls in the period and
whose facts satisfy P". P is written once in this language and then either evaluated in
Python (``test``) or compiled to SQL (``urbangrid.evaluation.sql``), so the pure engine and
the database can only disagree if the data does.

Comparisons are two-valued: a comparison involving a missing value is false (in SQL every
comparison is guarded with IS NOT NULL, so NULL never leaks into NOT).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from urbangrid.evaluation.facts import CaseFacts

AS_OF = "@as_of"  # operand standing for the evaluation time

Op = Literal["<", "<=", ">", ">=", "==", "!="]


class Pred:
    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        raise NotImplementedError

    def __and__(self, other: Pred) -> Pred:
        return And((self, other))

    def __or__(self, other: Pred) -> Pred:
        return Or((self, other))

    def __invert__(self) -> Pred:
        return Not(self)


@dataclass(frozen=True)
class Always(Pred):
    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        return True


@dataclass(frozen=True)
class Done(Pred):
    """The step happened by the evaluation time: ``field IS NOT NULL AND field <= as_of``."""

    field: str

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        value = getattr(facts, self.field)
        return value is not None and value <= as_of


@dataclass(frozen=True)
class Cmp(Pred):
    """``left op right``; ``right`` is a field name, ``AS_OF``, or a constant."""

    left: str
    op: Op
    right: str | int | bool
    right_is_field: bool = True

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        a = getattr(facts, self.left)
        if not self.right_is_field:
            b: object = self.right
        elif self.right == AS_OF:
            b = as_of
        else:
            b = getattr(facts, str(self.right))
        if a is None or b is None:
            return False
        return _compare(a, self.op, b)


@dataclass(frozen=True)
class Present(Pred):
    """``field IS NOT NULL`` (a deadline was set, an actor is known ...)."""

    field: str

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        return getattr(facts, self.field) is not None


@dataclass(frozen=True)
class In(Pred):
    field: str
    values: tuple[str, ...]

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        return getattr(facts, self.field) in self.values


@dataclass(frozen=True)
class And(Pred):
    parts: tuple[Pred, ...]

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        return all(p.test(facts, as_of) for p in self.parts)


@dataclass(frozen=True)
class Or(Pred):
    parts: tuple[Pred, ...]

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        return any(p.test(facts, as_of) for p in self.parts)


@dataclass(frozen=True)
class Not(Pred):
    part: Pred

    def test(self, facts: CaseFacts, as_of: datetime) -> bool:
        return not self.part.test(facts, as_of)


def _compare(a: object, op: Op, b: object) -> bool:
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    if op == ">=":
        return a >= b  # type: ignore[operator]
    if op == "==":
        return a == b
    return a != b


# Shorthands used by the indicator definitions.
def done(field: str) -> Pred:
    return Done(field)


def on_time(field: str, deadline: str) -> Pred:
    """The step happened by the evaluation time and not after its deadline (no deadline
    means no limit, so on time); with ``later`` it splits ``done(field)`` in two."""
    return Done(field) & ~Cmp(field, ">", deadline)


def later(field: str, deadline: str) -> Pred:
    return Done(field) & Cmp(field, ">", deadline)


def const(field: str, op: Op, value: int | bool) -> Pred:
    return Cmp(field, op, value, right_is_field=False)


def before_as_of(field: str) -> Pred:
    return Cmp(field, "<", AS_OF)
