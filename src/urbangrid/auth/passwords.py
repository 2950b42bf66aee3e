"""Password hashing with argon2id."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from urbangrid.settings import get_settings


@lru_cache
def _hasher() -> PasswordHasher:
    # The cost is configurable so that test suites can hash quickly; a stored hash
    # carries its own parameters, so changing the cost never locks anyone out.
    s = get_settings()
    return PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache
def _stand_in_hash() -> str:
    return _hasher().hash("no such account: the same argon2 work as a real one")


def verify_nobody(password: str) -> bool:
    """Spend on an unknown account the work a known one costs (no user enumeration by
    timing); always False."""
    verify_password(_stand_in_hash(), password)
    return False


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
