"""Photos from the public: the check lives in core (participation uses it too)."""

from gebiedskompas.core.photos import FORMATS, MAX_PHOTO_BYTES, PHOTO_SUFFIXES, clean_photo

__all__ = ["FORMATS", "MAX_PHOTO_BYTES", "PHOTO_SUFFIXES", "clean_photo"]
