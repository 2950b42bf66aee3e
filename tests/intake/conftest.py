"""Fixtures of the intake tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from .town import Town, build_town


@pytest.fixture
def town(session: Session) -> Town:
    t = build_town(session)
    session.commit()
    return t
