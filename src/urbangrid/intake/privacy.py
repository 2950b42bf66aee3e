"""What of a case the public sees (Open311 GET, anonymous). Pure: no I/O.

The rule, as FixMyStreet keeps it:

- never the reporter: no name, phone or e-mail of whoever reported (those fields are never
  published), and none written into the text: mobile and landline numbers, Chinese identity
  card numbers and e-mail addresses in a description, address or note are masked;
- nothing before the centre has taken the report in: a case still waiting for 受理 shows
  its category, place and status, not its text or photos (a 12345 call is written down as
  the caller said it, personal details and all);
- no internal note: a comment marked internal (it starts with 内部, 【内部】, [内部] or
  "internal") never leaves; the closing comment of a refused or voided case is published
  otherwise, masked, as the reply to the public.
"""

from __future__ import annotations

import re

WITHHELD = "（待受理，内容暂不公开）"
MASK = "***"

_PATTERNS = (
    re.compile(r"(?<!\d)[1-9]\d{16}[\dXx](?!\d)"),  # 居民身份证号码
    re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"),  # landline with area code
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
)
_INTERNAL = re.compile(r"^\s*(?:【内部】|\[内部\]|内部|internal\b)", re.IGNORECASE)


def mask_personal(text: str | None) -> str | None:
    """``text`` with phone numbers, ID card numbers and e-mail addresses masked."""
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def is_internal(comment: str | None) -> bool:
    return bool(comment) and bool(_INTERNAL.match(comment or ""))


def public_comment(comment: str | None) -> str | None:
    """A workflow comment as the public may read it, or None when it is internal."""
    if not comment or is_internal(comment):
        return None
    return mask_personal(comment)
