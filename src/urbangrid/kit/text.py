"""Chinese-aware text helpers: pinyin initials for pickers and searches."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=8192)
def pinyin_initials(text: str) -> str:
    """Lower-case pinyin initials, e.g. 供水井盖 → ``gsjg``; other characters are kept."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part).lower()


@lru_cache(maxsize=8192)
def full_pinyin(text: str) -> str:
    """Lower-case full pinyin without tones or spaces, e.g. 供水井盖 → ``gongshuijinggai``."""
    return "".join(lazy_pinyin(text, errors="default")).lower()


def normalise_query(text: str) -> str:
    return text.strip().lower()


def is_digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also takes "³" and "٣", which ``int`` refuses or
    reads as other numbers)."""
    return text.isascii() and text.isdigit()
