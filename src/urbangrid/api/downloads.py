"""File downloads from routes: one xlsx response for every export endpoint."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO
from zoneinfo import ZoneInfo

from fastapi.responses import StreamingResponse

from urbangrid.kit.xlsx import XLSX_MEDIA_TYPE, Sheet, attachment_header, workbook_file

CHUNK = 256 * 1024


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def xlsx_download(
    sheets: Iterable[Sheet], filename: str, *, tz: ZoneInfo | None
) -> StreamingResponse:
    """The workbook as an attachment, sent in chunks with its Content-Length (the browser
    shows progress from it). ``filename`` may be Chinese and should end in .xlsx."""
    spool, size = workbook_file(sheets, tz=tz)
    return StreamingResponse(
        _chunks(spool),
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": attachment_header(filename),
            "Content-Length": str(size),
        },
    )
