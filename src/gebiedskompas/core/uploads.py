"""Checks on an uploaded file before anything reads it: its type by suffix and its size."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePath

from gebiedskompas.core.errors import KompasError


class UploadRefused(KompasError):
    """An upload of a type or size the page does not take."""


def check_upload(name: str, size: int, allowed_suffixes: Collection[str], max_bytes: int) -> str:
    """The file's suffix (lower case, with its dot) when `name` has one of `allowed_suffixes`
    and `size` is within 1 … `max_bytes`; raises UploadRefused saying what was expected."""
    base = PurePath(name.replace("\\", "/")).name
    suffix = PurePath(base).suffix.lower()
    allowed = sorted(
        {s.lower() if s.startswith(".") else f".{s.lower()}" for s in allowed_suffixes}
    )
    if suffix not in allowed:
        raise UploadRefused(
            f"{base or '(geen naam)'}: file type {suffix or '(none)'} is not accepted; "
            f"expected {', '.join(allowed)}"
        )
    if size <= 0:
        raise UploadRefused(f"{base}: the file is empty")
    if size > max_bytes:
        raise UploadRefused(f"{base}: {size} bytes is more than the {max_bytes} bytes accepted")
    return suffix
