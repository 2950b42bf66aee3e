"""Password hashing with argon2id."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from urbangrid.kit.errors import InvalidInput
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


MIN_PASSWORD_LENGTH = 8


def password_weakness(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is too weak (None: it is acceptable). One rule for every password
    set (creation, reset by an administrator, a user's own change): at least 8 characters,
    of at least two kinds (letters, digits, others), and not containing the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    kinds = {"letter" if c.isalpha() else "digit" if c.isdigit() else "other" for c in password}
    if len(kinds) < 2:
        return "a password needs at least two kinds of characters (letters, digits, others)"
    if username and len(username) >= 3 and username.lower() in password.lower():
        return "a password must not contain the username"
    return None


def check_password(password: str, username: str | None = None, *, field: str = "password") -> None:
    """Refuse a weak password (422, code ``weak_password``)."""
    reason = password_weakness(password, username)
    if reason is not None:
        raise InvalidInput(
            reason, code="weak_password", field=field, params={"min_length": MIN_PASSWORD_LENGTH}
        )
