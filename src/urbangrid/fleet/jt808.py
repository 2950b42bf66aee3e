"""JT/T 808 terminal messages: framing and the position report (位置信息汇报, 0x0200).

Vehicles of sanitation and muck-haulage companies report over JT/T 808 (2013 and 2019
editions). This module reads a captured byte stream — what a gateway writes to a file or
forwards — and yields positions; it does not talk to terminals.

A frame is ``0x7E | header | body | check code | 0x7E``. Inside the delimiters 0x7E is sent as
``0x7D 0x02`` and 0x7D as ``0x7D 0x01``; the check code is the XOR of header and body bytes.
The header: message id (WORD), body properties (WORD: bits 0–9 body length, bit 13 split
package, bit 14 the 2019 version flag), in 2019 a protocol version (BYTE), the terminal's
phone number (BCD[6], 2019: BCD[10]), a serial number (WORD) and, when split, the package
count and index (WORD each). Multi-byte integers are big-endian.

The 0x0200 body: alarm flags (DWORD), status (DWORD; bit 1 positioned, bit 2 south, bit 3
west), latitude and longitude (DWORD, degrees × 10⁶), altitude (WORD, m), speed (WORD,
0.1 km/h), heading (WORD, 0–359), time (BCD[6] YYMMDDhhmmss, Beijing time, GMT+8), then
additional items ``id (BYTE) | length (BYTE) | value`` (0x01 odometer, DWORD 0.1 km).

Invariants (tested): ``decode_frame(encode_position(p)) == p`` for every representable
position; a frame with a wrong check code, a bad escape or a short body is refused with the
reason, never half-read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

POSITION_REPORT = 0x0200
FLAG = 0x7E
ESCAPE = 0x7D
BEIJING = timezone(timedelta(hours=8))


class FrameError(ValueError):
    """A frame that cannot be read; the message says why."""


@dataclass(frozen=True)
class Header:
    message_id: int
    phone: str  # the terminal's SIM number, the vehicle's identity on the wire
    serial: int
    version: int | None = None  # 2019 protocol version, None for the 2013 edition
    packages: tuple[int, int] | None = None  # (count, index) of a split message


@dataclass(frozen=True)
class Position:
    """One 0x0200 report. Coordinates as sent (WGS-84 degrees per the standard)."""

    phone: str
    serial: int
    time: datetime  # aware, UTC
    lon: float
    lat: float
    altitude_m: int = 0
    speed_kmh: float = 0.0
    heading: int = 0
    alarm: int = 0
    status: int = 0b10  # positioned
    odometer_km: float | None = None
    extra: dict[int, bytes] = field(default_factory=dict)

    @property
    def positioned(self) -> bool:
        return bool(self.status & 0b10)


# -- framing ---------------------------------------------------------------------------------


def unescape(data: bytes) -> bytes:
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == ESCAPE:
            nxt = next(it, None)
            if nxt == 0x01:
                out.append(ESCAPE)
            elif nxt == 0x02:
                out.append(FLAG)
            else:
                raise FrameError(f"bad escape 0x7d {'end' if nxt is None else hex(nxt)}")
        elif b == FLAG:
            raise FrameError("0x7e inside a frame")
        else:
            out.append(b)
    return bytes(out)


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def checksum(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def split_frames(stream: bytes) -> Iterator[bytes]:
    """The frames of a byte stream (delimiters removed, still escaped); bytes outside
    frames are skipped, an unterminated tail is left out."""
    start = None
    for i, b in enumerate(stream):
        if b != FLAG:
            continue
        if start is not None and i > start + 1:
            yield stream[start + 1 : i]
            start = None
        else:
            start = i  # an opening flag, or two flags in a row (an empty frame)


def _bcd(data: bytes) -> str:
    digits = []
    for b in data:
        hi, lo = b >> 4, b & 0x0F
        if hi > 9 or lo > 9:
            raise FrameError(f"not BCD: {data.hex()}")
        digits.append(f"{hi}{lo}")
    return "".join(digits)


def _to_bcd(digits: str, size: int) -> bytes:
    if not digits.isdigit() or len(digits) > size * 2:
        raise ValueError(f"{digits!r} does not fit BCD[{size}]")
    digits = digits.rjust(size * 2, "0")
    return bytes(int(digits[i]) << 4 | int(digits[i + 1]) for i in range(0, len(digits), 2))


def parse_header(data: bytes) -> tuple[Header, bytes]:
    """The header and the body of an unescaped frame without its check code."""
    if len(data) < 12:
        raise FrameError(f"frame of {len(data)} bytes is shorter than a header")
    message_id, props = struct.unpack_from(">HH", data)
    length = props & 0x03FF
    split = bool(props & 0x2000)
    offset = 4
    version = None
    phone_size = 6
    if props & 0x4000:  # 2019 edition
        version = data[offset]
        offset += 1
        phone_size = 10
    if len(data) < offset + phone_size + 2:
        raise FrameError("frame ends inside its header")
    phone = _bcd(data[offset : offset + phone_size]).lstrip("0") or "0"
    offset += phone_size
    (serial,) = struct.unpack_from(">H", data, offset)
    offset += 2
    packages = None
    if split:
        if len(data) < offset + 4:
            raise FrameError("frame ends inside its package fields")
        packages = struct.unpack_from(">HH", data, offset)
        offset += 4
    body = data[offset:]
    if len(body) != length:
        raise FrameError(f"body is {len(body)} bytes, the header says {length}")
    return Header(message_id, phone, serial, version, packages), body


def decode_frame(frame: bytes) -> Position:
    """A position from one frame (escaped, without the 0x7E delimiters)."""
    data = unescape(frame)
    if len(data) < 2:
        raise FrameError("empty frame")
    content, check = data[:-1], data[-1]
    if checksum(content) != check:
        raise FrameError(f"check code {check:#04x}, computed {checksum(content):#04x}")
    header, body = parse_header(content)
    if header.message_id != POSITION_REPORT:
        raise FrameError(f"message {header.message_id:#06x} is not a position report")
    return parse_position(header, body)


def parse_position(header: Header, body: bytes) -> Position:
    if len(body) < 28:
        raise FrameError(f"position body of {len(body)} bytes, at least 28 needed")
    alarm, status, lat_e6, lon_e6, altitude, speed, heading = struct.unpack_from(">IIIIHHH", body)
    stamp = _bcd(body[22:28])
    try:  # two-digit years are 20YY (the protocol dates from 2011)
        y, mo, d, h, mi, sec = (int(stamp[i : i + 2]) for i in range(0, 12, 2))
        local = datetime(2000 + y, mo, d, h, mi, sec, tzinfo=BEIJING)
    except ValueError:
        raise FrameError(f"time {stamp} is not YYMMDDhhmmss") from None
    lat = lat_e6 / 1e6 * (-1 if status & 0b100 else 1)
    lon = lon_e6 / 1e6 * (-1 if status & 0b1000 else 1)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise FrameError(f"position {lon}, {lat} is not on the earth")
    extra: dict[int, bytes] = {}
    offset = 28
    while offset < len(body):
        if offset + 2 > len(body):
            raise FrameError("an additional item is cut short")
        item, size = body[offset], body[offset + 1]
        value = body[offset + 2 : offset + 2 + size]
        if len(value) != size:
            raise FrameError(f"additional item {item:#04x} is cut short")
        extra[item] = value
        offset += 2 + size
    odometer = None
    if 0x01 in extra and len(extra[0x01]) == 4:
        odometer = struct.unpack(">I", extra.pop(0x01))[0] / 10
    return Position(
        phone=header.phone,
        serial=header.serial,
        time=local.astimezone(UTC),
        lon=lon,
        lat=lat,
        altitude_m=altitude,
        speed_kmh=speed / 10,
        heading=heading,
        alarm=alarm,
        status=status,
        odometer_km=odometer,
        extra=extra,
    )


@dataclass(frozen=True)
class StreamResult:
    positions: list[Position]
    errors: list[tuple[int, str]]  # (frame index, reason)
    skipped: int  # frames of other message types


def decode_stream(stream: bytes) -> StreamResult:
    """Every position report of a captured stream; bad frames are listed, not fatal, and
    other message types (heartbeats, registrations) are counted and skipped."""
    positions: list[Position] = []
    errors: list[tuple[int, str]] = []
    skipped = 0
    for index, frame in enumerate(split_frames(stream)):
        try:
            data = unescape(frame)
            if len(data) >= 2 and int.from_bytes(data[:2], "big") != POSITION_REPORT:
                skipped += 1
                continue
            positions.append(decode_frame(frame))
        except FrameError as exc:
            errors.append((index, str(exc)))
    return StreamResult(positions, errors, skipped)


# -- encoding (gateways in tests, the demo generator) ---------------------------------------


def encode_position(p: Position, *, version: int | None = None) -> bytes:
    """A whole 0x0200 frame with delimiters. Coordinates are rounded to 10⁻⁶ degree, speed to
    0.1 km/h and the time to the second; the 2019 edition when ``version`` is given."""
    status = p.status & ~0b1100
    if p.lat < 0:
        status |= 0b100
    if p.lon < 0:
        status |= 0b1000
    local = p.time.astimezone(BEIJING)
    if not 2000 <= local.year <= 2099:
        raise ValueError("JT/T 808 times are in the years 2000–2099")
    body = struct.pack(
        ">IIIIHHH",
        p.alarm,
        status,
        round(abs(p.lat) * 1e6),
        round(abs(p.lon) * 1e6),
        p.altitude_m,
        round(p.speed_kmh * 10),
        p.heading,
    ) + _to_bcd(local.strftime("%y%m%d%H%M%S"), 6)
    if p.odometer_km is not None:
        body += b"\x01\x04" + struct.pack(">I", round(p.odometer_km * 10))
    for item, value in sorted(p.extra.items()):
        body += bytes([item, len(value)]) + value
    if len(body) > 0x03FF:
        raise ValueError("position body longer than 1023 bytes")
    props = len(body)
    head = struct.pack(">H", POSITION_REPORT)
    if version is None:
        head += struct.pack(">H", props) + _to_bcd(p.phone, 6)
    else:
        head += struct.pack(">HB", props | 0x4000, version) + _to_bcd(p.phone, 10)
    content = head + struct.pack(">H", p.serial) + body
    return bytes([FLAG]) + escape(content + bytes([checksum(content)])) + bytes([FLAG])
