"""Decision documents on a gebiedsagenda: which files are taken, checked by name, size and
content before anything is stored.

Accepted: PDF (starting with ``%PDF-``) and the open office formats a municipality's decisions
come in (.docx, .xlsx, .odt, .ods: zip packages holding ``[Content_Types].xml`` or an ODF
``mimetype``). Old binary office files (.doc, .xls) are refused: they may carry macros. The size
limit is the ``KOMPAS_DOCUMENT_MAX_MB`` setting.

`validate_document` stands in for the shared content validator that is to come in
`core.uploads`; switch to it once that is there.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.utils.translation import gettext as _

from gebiedskompas.core.uploads import UploadRefused, check_upload

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
    """The document when its name, size and content are of an accepted kind; raises
    UploadRefused saying what is wrong."""
    suffix = check_upload(name, len(data), CONTENT_TYPES, max_document_bytes())
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if suffix == PDF:
        if not data.startswith(b"%PDF-"):
            raise UploadRefused(
                _("%(name)s: dit bestand is geen PDF (het begint niet met %%PDF-).")
                % {"name": base}
            )
    else:
        _check_package(base, suffix, data)
    return Document(name=base[:200], content_type=CONTENT_TYPES[suffix], data=data)


def _check_package(base: str, suffix: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if suffix in OOXML:
                ok = "[Content_Types].xml" in names
            else:
                ok = (
                    "mimetype" in names
                    and package.read("mimetype").decode("ascii", "replace").strip() == ODF[suffix]
                )
    except (zipfile.BadZipFile, KeyError, OSError):
        ok = False
    if not ok:
        raise UploadRefused(
            _("%(name)s: dit bestand is geen %(kind)s-document.") % {"name": base, "kind": suffix}
        )
