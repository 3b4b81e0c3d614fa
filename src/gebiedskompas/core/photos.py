"""Photos from the public (signals, initiative reports): check the type, content and size, then
re-encode without metadata.

Re-encoding drops EXIF (GPS position, camera serial, time) and any other embedded text; the
orientation EXIF carried is applied to the pixels first, so the photo still stands upright.
"""

from __future__ import annotations

import io
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from gebiedskompas.core.errors import gettext_noop
from gebiedskompas.core.uploads import UploadRefused, check_bytes

PHOTO_SUFFIXES: Final = (".jpg", ".jpeg", ".png", ".webp")
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
FORMATS: Final = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def clean_photo(name: str, data: bytes, max_bytes: int = MAX_PHOTO_BYTES) -> tuple[str, bytes]:
    """The photo's suffix and its bytes re-encoded without metadata. Raises UploadRefused when
    the name, size or content is not an accepted image."""
    check_bytes(name, data, PHOTO_SUFFIXES, max_bytes)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in FORMATS:
                raise UploadRefused(
                    gettext_noop("{name}: {kind} is geen JPEG-, PNG- of WebP-foto"),
                    name=name,
                    kind=kind or gettext_noop("dit bestand"),
                )
            upright = ImageOps.exif_transpose(image)
            upright.info = {}
            if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=kind)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRefused(
            gettext_noop("{name}: de afbeelding is niet te lezen"), name=name
        ) from exc
    return FORMATS[kind], out.getvalue()
