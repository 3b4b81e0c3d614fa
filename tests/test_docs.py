"""The reference pages and the settings table cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gebiedskompas.core import config
from gebiedskompas.docs import pages

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["settings.md", "kompas.md"])
def test_committed_reference_page_is_current(name: str) -> None:
    committed = REPO / "docs" / "reference" / name
    assert committed.exists(), f"docs/reference/{name} is missing; run 'kompas docs'"
    assert committed.read_text(encoding="utf-8") == pages()[name], (
        f"docs/reference/{name} is stale; run 'kompas docs'"
    )


def test_every_kompas_setting_used_in_the_code_is_declared() -> None:
    used = set()
    for path in (REPO / "src").rglob("*.py"):
        used.update(re.findall(r"\bKOMPAS_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    undeclared = sorted(n for n in used if n not in config.BY_NAME)
    assert not undeclared, f"declare these in core/config.py: {undeclared}"


def test_a_wrongly_typed_setting_names_the_variable() -> None:
    with pytest.raises(ValueError, match="KOMPAS_DEBUG: expected true or false"):
        config.get("KOMPAS_DEBUG", {"KOMPAS_DEBUG": "misschien"})
