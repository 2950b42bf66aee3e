"""Photo checks by content, not by name or declared type. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from urbangrid.kit.errors import PayloadTooLarge, UnsupportedMediaType


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extension: str


JPEG = ImageType("image/jpeg", "jpg")
PNG = ImageType("image/png", "png")
GIF = ImageType("image/gif", "gif")
WEBP = ImageType("image/webp", "webp")
HEIC = ImageType("image/heic", "heic")

# ISO-BMFF brands of HEIF/HEIC photos taken by phones.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1"}


def sniff_image(head: bytes) -> ImageType | None:
    """The image type from the first bytes (magic numbers), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def check_photo(content: bytes, max_bytes: int) -> ImageType:
    """Raise 413 for a file over ``max_bytes`` and 415 for anything that is not an image."""
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"the file has {len(content)} bytes; the limit is {max_bytes}",
            max_bytes=max_bytes,
        )
    if not content:
        raise UnsupportedMediaType("the file is empty")
    kind = sniff_image(content[:16])
    if kind is None:
        raise UnsupportedMediaType(
            "the file is not a JPEG, PNG, GIF, WebP or HEIC image",
            accepted=[t.content_type for t in (JPEG, PNG, GIF, WEBP, HEIC)],
        )
    return kind
