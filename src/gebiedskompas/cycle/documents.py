"""Decision documents on a gebiedsagenda: which files are taken, checked by name, size and
content before anything is stored.

Accepted: PDF (starting with ``%PDF-``) and the open office formats a municipality's decisions
come in (.docx, .xlsx, .odt, .ods: zip packages holding ``[Content_Types].xml`` or an ODF
``mimetype``). Old binary office files (.doc, .xls) are refused: they may carry macros. The size
limit is the ``KOMPAS_DOCUMENT_MAX_MB`` setting. The checks are those of every upload
(`core.uploads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.conf import settings

from gebiedskompas.core.uploads import check_bytes

PDF: Final = ".pdf"
OOXML: Final = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ODF: Final = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
CONTENT_TYPES: Final = {PDF: "application/pdf", **OOXML, **ODF}


@dataclass(frozen=True)
class Document:
    """A checked document: its base name, content type and bytes."""

    name: str
    content_type: str
    data: bytes


def max_document_bytes() -> int:
    return int(settings.KOMPAS_DOCUMENT_MAX_MB) * 1024 * 1024


def validate_document(name: str, data: bytes) -> Document:
    """The document when its name, size and content are of an accepted kind (the checks of
    `core.uploads`); raises UploadRefused saying what is wrong."""
    suffix = check_bytes(name, data, CONTENT_TYPES, max_document_bytes())
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return Document(name=base[:200], content_type=CONTENT_TYPES[suffix], data=data)
