"""Every error message template has its translation, so no user reads a message in the other
language than the page (ADR 0009). A template written in English needs its Dutch in locale/nl;
one written in Dutch needs its English in locale/en."""

from __future__ import annotations

import ast
import string
from functools import cache
from pathlib import Path

import polib
import pytest

import gebiedskompas

pytestmark = pytest.mark.unit

PACKAGE = Path(gebiedskompas.__file__).parent
# The classes whose first argument is a message users read.
ERRORS = {
    "KompasError", "InputError", "NotFound", "PermissionDenied", "UploadRefused", "Problem",
    "OutsideMunicipality", "NotAllowed", "TransitionRefused", "RateLimited", "AgendaLocked",
    "PhaseError", "BallotError", "StatusError", "Refusal", "PhaseRefused", "StatusRefused",
    "BallotRefused", "UnmappableColumns",
}  # fmt: skip
# Messages still written ready-made, and why.
READY_MADE = {
    "participation/domain/pabulib.py": "Pabulib files are read by `kompas pb`; not yet converted",
    "participation/views.py": "internal reasons; the page shows its own translated text",
    "api/services.py": "Django's PermissionDenied, answered with the generic 403 text",
    "accounts/permissions.py": "Django's PermissionDenied, answered with the generic 403 text",
}


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _marked(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.args[0].value, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "gettext_noop"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


@cache
def _catalogue(language: str) -> dict[str, str]:
    po = polib.pofile(str(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"))
    return {e.msgid: e.msgstr for e in po if e.msgstr and "fuzzy" not in e.flags}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _translates(node: ast.AST) -> bool:
    """A call of Django's gettext (as ``_`` or by name): text translated where it is raised."""
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "gettext")


def test_the_code_marks_error_templates() -> None:
    templates = {t for path in _sources() for t, _ in _marked(path)}
    assert "unknown area {code}" in templates  # the scan sees the kernel's marker
    assert "{base}: het bestand is leeg" in templates


def test_every_marked_template_is_translated_with_the_same_fields() -> None:
    english, dutch = _catalogue("en"), _catalogue("nl")
    untranslated, mismatched = [], []
    for path in _sources():
        for template, line in _marked(path):
            where = f"{path.relative_to(PACKAGE)}:{line}: {template!r}"
            translations = [t for t in (english.get(template), dutch.get(template)) if t]
            if not translations:
                untranslated.append(where)
            elif "%(" not in template and any(
                _fields(t) != _fields(template) for t in translations
            ):
                mismatched.append(where)
    assert not untranslated, "no translation in locale/en or locale/nl:\n" + "\n".join(untranslated)
    assert not mismatched, "translation names other fields:\n" + "\n".join(mismatched)


def test_error_messages_are_written_as_marked_templates() -> None:
    """A message passed ready-made (a literal, an f-string, pieces added up) cannot be translated;
    write it as ``gettext_noop("... {name} ...")`` with the parameters beside it. (Django code may
    also pass a message it translated itself, ``_("...") % {...}``.)"""
    ready_made = []
    for path in _sources():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in READY_MADE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            joined = (
                isinstance(first, ast.BinOp)
                and isinstance(first.op, ast.Add)
                and not any(_translates(n) for n in ast.walk(first))
            )
            if (isinstance(first, ast.Constant | ast.JoinedStr) or joined) and name in ERRORS:
                ready_made.append(f"{relative}:{node.lineno}: {ast.unparse(first)[:70]}")
    assert not ready_made, "messages not written as templates:\n" + "\n".join(ready_made)
