"""Abuse limits: counters per key (an account's logins, a client address, an API key) in a
fixed window, and a block once a key goes over. Stored in ``rate_limits``, so every API
process and the CLI see the same counters, and written in their own short transaction on
the engine, so a refused request (whose own work is rolled back) still counts.

The decision is pure (:func:`step`); :class:`Limiter` keeps the state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from urbangrid.auth.models import RateLimit
from urbangrid.kit.errors import TooManyRequests
from urbangrid.kit.types import utcnow

T = RateLimit.__table__


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` in ``window``; one more blocks the key for ``block``."""

    attempts: int
    window: timedelta
    block: timedelta


@dataclass(frozen=True)
class State:
    window_start: datetime
    count: int
    blocked_until: datetime | None = None


# Failed logins of one account (known or not: unknown names count the same, so the answer
# never tells whether an account exists), and of one client address.
LOGIN_ACCOUNT = Limit(10, timedelta(minutes=15), timedelta(minutes=15))
LOGIN_ADDRESS = Limit(50, timedelta(minutes=10), timedelta(minutes=10))


def per_minute(n: int) -> Limit:
    """``n`` requests a minute; the next waits for the minute to end."""
    return Limit(n, timedelta(minutes=1), timedelta(minutes=1))


def step(state: State | None, limit: Limit, now: datetime) -> tuple[State, int]:
    """Count one attempt: the new state and the seconds to wait (0: this one is allowed).
    The attempt that reaches the limit is allowed and blocks the key, so the next one waits:
    30 requests a minute pass, the 31st does not; the 10th failed login locks the account."""
    if state is not None and state.blocked_until is not None and now < state.blocked_until:
        return state, math.ceil((state.blocked_until - now).total_seconds())
    if state is None or now >= state.window_start + limit.window:
        state = State(now, 0)
    count = state.count + 1
    if count > limit.attempts:  # the block ran out in the same window: block again
        until = now + limit.block
        return State(state.window_start, count, until), math.ceil(limit.block.total_seconds())
    if count == limit.attempts:
        return State(state.window_start, count, now + limit.block), 0
    return State(state.window_start, count), 0


def wait(state: State | None, now: datetime) -> int:
    """Seconds a key is still blocked for (0: not blocked)."""
    if state is None or state.blocked_until is None or now >= state.blocked_until:
        return 0
    return math.ceil((state.blocked_until - now).total_seconds())


class Limiter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self, conn: sa.Connection, key: str) -> State | None:
        row = conn.execute(
            sa.select(T.c.window_start, T.c.count, T.c.blocked_until).where(T.c.key == key)
        ).first()
        return State(row.window_start, row.count, row.blocked_until) if row else None

    def blocked(self, key: str, now: datetime | None = None) -> int:
        with self.engine.connect() as conn:
            return wait(self._read(conn, key), now or utcnow())

    def hit(self, key: str, limit: Limit, now: datetime | None = None) -> int:
        """Count one attempt of ``key``; the seconds to wait when it is over the limit (0
        when allowed; ``blocked`` then says whether it was the last one)."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            before = self._read(conn, key)
            after, retry = step(before, limit, now)
            values = {
                "window_start": after.window_start,
                "count": after.count,
                "blocked_until": after.blocked_until,
            }
            if before is None:
                conn.execute(sa.insert(T).values(key=key, **values))
            else:
                conn.execute(sa.update(T).where(T.c.key == key).values(**values))
        return retry

    def check(self, key: str, limit: Limit, what: str, now: datetime | None = None) -> None:
        """Count one attempt and refuse it (429) when the key is over its limit."""
        retry = self.hit(key, limit, now)
        if retry:
            raise TooManyRequests(f"too many {what}; try again in {retry} s", retry_after=retry)

    def clear(self, key: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(T).where(T.c.key == key)).rowcount > 0

    def blocked_keys(self, prefix: str, now: datetime | None = None) -> frozenset[str]:
        """The keys starting with ``prefix`` blocked now, without the prefix."""
        now = now or utcnow()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(T.c.key).where(
                    T.c.key.startswith(prefix, autoescape=True), T.c.blocked_until > now
                )
            )
            return frozenset(r.key[len(prefix) :] for r in rows)
