"""JT/T 808 position reports: a frame written out byte by byte, round trips, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.fleet import jt808

# 7E | 0200 (position report) | 0022 (body 34 bytes, 2013 edition) | 013912345678 (phone, BCD)
# | 007E (serial 126: its 0x7E byte travels escaped as 7D 02) | body | check code 94 | 7E
# body: alarm 0 | status 2 (positioned, north, east) | lat 30.123456 (01CBA5C0)
# | lon 120.654321 (073109F1) | altitude 50 m | speed 50.0 km/h (01F4) | heading 90
# | 2026-12-04 08:30:00 Beijing time | item 01 (odometer), 4 bytes, 12345 → 1234.5 km
HAND_FRAME = bytes.fromhex(
    "7e"
    "0200"
    "0022"
    "013912345678"
    "007d02"
    "00000000"
    "00000002"
    "01cba5c0"
    "073109f1"
    "0032"
    "01f4"
    "005a"
    "261204083000"
    "010400003039"
    "94"
    "7e"
)


def test_a_frame_written_out_by_hand_decodes() -> None:
    result = jt808.decode_stream(b"\x00garbage" + HAND_FRAME + HAND_FRAME[:10])
    assert result.errors == [] and result.skipped == 0
    [p] = result.positions
    assert p.phone == "13912345678" and p.serial == 126
    assert (p.lat, p.lon) == (30.123456, 120.654321)
    assert p.time == datetime(2026, 12, 4, 0, 30, tzinfo=UTC)
    assert (p.altitude_m, p.speed_kmh, p.heading, p.odometer_km) == (50, 50.0, 90, 1234.5)
    assert p.positioned
    # and the encoder writes exactly those bytes
    assert jt808.encode_position(p) == HAND_FRAME


def test_bad_frames_are_listed_with_their_reason_and_good_ones_kept() -> None:
    bad_check = HAND_FRAME[:-2] + b"\x95\x7e"
    bad_escape = HAND_FRAME.replace(b"\x7d\x02", b"\x7d\x05")
    short = b"\x7e" + bytes.fromhex("0200000501391234567800010000000000") + b"\x7e"
    heartbeat = (
        b"\x7e" + jt808.escape(bytes.fromhex("000200000139123456780001") + b"\x00") + b"\x7e"
    )
    stream = bad_check + HAND_FRAME + bad_escape + short + heartbeat
    result = jt808.decode_stream(stream)
    assert len(result.positions) == 1 and result.skipped == 1
    reasons = dict(result.errors)
    assert "check code 0x95, computed 0x94" in reasons[0]
    assert "bad escape 0x7d 0x5" in reasons[2]
    assert "body is" in reasons[3] or "check code" in reasons[3]


def test_the_2019_edition_and_southern_western_positions() -> None:
    p = jt808.Position(
        phone="12345678901234567890",
        serial=65535,
        time=datetime(2030, 1, 1, 23, 59, 59, tzinfo=UTC),
        lon=-70.5,
        lat=-33.25,
        speed_kmh=12.3,
    )
    frame = jt808.encode_position(p, version=1)
    [q] = jt808.decode_stream(frame).positions
    assert (q.phone, q.lon, q.lat, q.speed_kmh, q.time) == (p.phone, -70.5, -33.25, 12.3, p.time)


positions = st.builds(
    jt808.Position,
    phone=st.from_regex(r"1[0-9]{10}", fullmatch=True),
    serial=st.integers(0, 0xFFFF),
    time=st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)).map(
        lambda t: t.replace(microsecond=0, tzinfo=UTC)
    ),
    lon=st.integers(-180_000_000, 180_000_000).map(lambda v: v / 1e6),
    lat=st.integers(-90_000_000, 90_000_000).map(lambda v: v / 1e6),
    altitude_m=st.integers(0, 0xFFFF),
    speed_kmh=st.integers(0, 0xFFFF).map(lambda v: v / 10),
    heading=st.integers(0, 359),
    alarm=st.integers(0, 2**32 - 1),
    status=st.integers(0, 2**32 - 1).map(lambda s: s & ~0b1100),
    odometer_km=st.none() | st.integers(0, 2**32 - 1).map(lambda v: v / 10),
    extra=st.dictionaries(st.integers(0x02, 0xFF), st.binary(max_size=8), max_size=3),
)


@given(positions, st.sampled_from([None, 1]))
def test_encode_then_decode_is_the_identity(p: jt808.Position, version: int | None) -> None:
    frame = jt808.encode_position(p, version=version)
    assert frame.count(b"\x7e") == 2  # the delimiters only: every other 0x7E is escaped
    result = jt808.decode_stream(frame)
    assert result.errors == []
    [q] = result.positions
    expected_status = p.status | (0b100 if p.lat < 0 else 0) | (0b1000 if p.lon < 0 else 0)
    assert q == jt808.Position(**{**p.__dict__, "status": expected_status})


@given(st.binary(max_size=200))
def test_any_bytes_give_positions_or_listed_errors_never_an_exception(data: bytes) -> None:
    result = jt808.decode_stream(data)
    assert len(result.positions) + len(result.errors) + result.skipped <= data.count(b"\x7e")


def test_a_time_that_is_no_date_is_refused() -> None:
    p = jt808.Position(phone="1", serial=1, time=datetime(2026, 1, 1, tzinfo=UTC), lon=1, lat=1)
    frame = bytearray(jt808.unescape(jt808.encode_position(p)[1:-1]))
    frame[12 + 22 : 12 + 28] = bytes.fromhex("261341000000")  # month 13
    frame[-1] = jt808.checksum(bytes(frame[:-1]))
    with pytest.raises(jt808.FrameError, match="not YYMMDDhhmmss"):
        jt808.decode_frame(jt808.escape(bytes(frame)))
