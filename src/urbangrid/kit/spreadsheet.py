"""Text cells that spreadsheet programs will not run (CSV / formula injection).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel and WPS; exports put an apostrophe in front (shown as text, not run), and
imports of our own exports take it off again, so an export re-imports unchanged."""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV or xlsx cell."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The text :func:`safe_cell` wrote, as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
