"""15-digit grid codes and 17-digit component ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.geo.codes import (
    CodeError,
    is_grid_code,
    make_component_id,
    make_grid_code,
    parse_component_id,
    parse_grid_code,
)


@given(st.integers(1, 999), st.integers(1, 999), st.integers(1, 999))
def test_grid_code_round_trip(street: int, community: int, seq: int) -> None:
    code = make_grid_code("321202", street, community, seq)
    assert len(code) == 15
    parsed = parse_grid_code(code)
    assert (int(parsed.street), int(parsed.community), int(parsed.sequence)) == (
        street,
        community,
        seq,
    )
    assert parsed.community_code == code[:12]


@pytest.mark.parametrize(
    "code",
    [
        "32120200100100",
        "3212020010010011",
        "32120200100100A",
        "321202000001001",
        "321202001000001",
        "321202001001000",
        "320000001001001",
        "",
    ],
)
def test_bad_grid_codes(code: str) -> None:
    assert not is_grid_code(code)
    with pytest.raises(CodeError):
        parse_grid_code(code)


def test_field_overflow_is_rejected() -> None:
    with pytest.raises(CodeError, match="3 digits"):
        make_grid_code("321202", 1, 1, 1000)


def test_component_id() -> None:
    cid = make_component_id("321202", "01001", 42)
    assert cid == "32120201001000042"
    parsed = parse_component_id(cid)
    assert parsed.class_code == "01001" and parsed.serial == "000042"
    for bad in ["3212020100100004", "32120200001000042", "32120201001000000", "x" * 17]:
        with pytest.raises(CodeError):
            parse_component_id(bad)
    with pytest.raises(CodeError):
        make_component_id("321202", "0100", 1)
