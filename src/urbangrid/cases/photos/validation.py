"""Photos are decoded and written again before they are stored. Pure: bytes in, bytes out.

Checking the first bytes is not enough: a file can be a valid JPEG and a valid HTML page at
once (a polyglot), a small PNG can claim 50,000 × 50,000 pixels (a decompression bomb), and
a phone's photo carries its GPS position, make and model in EXIF. So every upload is:

1. refused over ``max_bytes`` (413) or when its first bytes are no image we take (415);
2. refused when its header claims more than ``MAX_PIXELS`` (413), before any pixel is decoded;
3. decoded with Pillow (415 when that fails), turned upright by its EXIF orientation, and
   encoded again — JPEG for photos, PNG for PNG and GIF — with no metadata at all.

What is stored is only pixels: no trailing bytes, no EXIF, no XMP, no comments. The place of
a case is the case's (its point and grid), not the photo's.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from urbangrid.kit.errors import PayloadTooLarge, UnsupportedMediaType

try:  # HEIC / HEIF photos of phones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - the package is a dependency
    pass

# A 64-megapixel photo is the largest a phone takes; a bigger claim is a bomb, not a photo.
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
JPEG_QUALITY = 88


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extension: str


JPEG = ImageType("image/jpeg", "jpg")
PNG = ImageType("image/png", "png")
GIF = ImageType("image/gif", "gif")
WEBP = ImageType("image/webp", "webp")
HEIC = ImageType("image/heic", "heic")
ACCEPTED = (JPEG, PNG, GIF, WEBP, HEIC)

# ISO-BMFF brands of HEIF/HEIC photos taken by phones.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1"}


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes  # the re-encoded image
    kind: ImageType  # what was stored (JPEG or PNG)
    width: int
    height: int


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
            accepted=[t.content_type for t in ACCEPTED],
        )
    return kind


def clean_photo(content: bytes, max_bytes: int) -> CleanPhoto:
    """The photo as it is stored (see the module doc); 413 / 415 otherwise."""
    kind = check_photo(content, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise PayloadTooLarge(
                        f"the image has {width} × {height} pixels; the limit is "
                        f"{MAX_PIXELS:,} pixels",
                        max_pixels=MAX_PIXELS,
                    )
                opened.seek(0)  # the first frame of an animation
                image = ImageOps.exif_transpose(opened)
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PayloadTooLarge(
            f"the image has more than {MAX_PIXELS:,} pixels", max_pixels=MAX_PIXELS
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise UnsupportedMediaType(
            f"the file looks like {kind.content_type} but cannot be read as an image"
        ) from None
    keep_png = kind in (PNG, GIF)
    out = io.BytesIO()
    if keep_png:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        image.save(out, format="PNG", optimize=False)
    else:
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), PNG if keep_png else JPEG, image.width, image.height)
