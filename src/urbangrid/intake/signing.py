"""Webhook signatures and retry back-off — pure.

A delivery carries ``X-UrbanGrid-Timestamp`` (Unix seconds) and ``X-UrbanGrid-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>." + body`` under the subscription's
secret. Receivers recompute it, compare in constant time and refuse old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

SIGNATURE_HEADER = "X-UrbanGrid-Signature"
TIMESTAMP_HEADER = "X-UrbanGrid-Timestamp"
EVENT_HEADER = "X-UrbanGrid-Event"
DELIVERY_HEADER = "X-UrbanGrid-Delivery"
# The same on every attempt of one delivery: a receiver that got it once drops the repeats.
IDEMPOTENCY_HEADER = "Idempotency-Key"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: int, body: bytes, signature: str, *, now: int, tolerance: int = 300
) -> bool:
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff(attempts: int, *, base: float = 10.0, cap: float = 3600.0) -> timedelta:
    """Wait before retry number ``attempts`` (1 = after the first failure): 10 s, 20 s,
    40 s ... doubling up to an hour."""
    if attempts < 1:
        return timedelta(0)
    return timedelta(seconds=min(cap, base * 2 ** (attempts - 1)))


def matches(patterns: list[str], event_type: str) -> bool:
    """``*`` matches everything, ``case.*`` every event type starting with ``case.``."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False
