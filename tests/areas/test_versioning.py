"""The data version: raised by changes, and after a restore above every number used before."""

from __future__ import annotations

import pytest

from gebiedskompas.areas import versioning
from gebiedskompas.areas.models import Area

pytestmark = pytest.mark.django_db


def test_a_change_raises_the_version() -> None:
    before = versioning.current()
    Area.objects.create(code="GM9998", name="Gemeente Proef", level="gemeente")
    assert versioning.current() > before


def test_after_a_restore_the_version_is_above_the_restored_and_the_previous_one() -> None:
    # A restore put back an older counter (3) where the installation had reached 40: pages
    # cached under 4 … 40 would otherwise be taken for the restored figures.
    versioning.raise_above(2)  # counter now 3, as restored
    assert versioning.raise_above(40) == 41 and versioning.current() == 41
    # A restore of a newer counter keeps its order too.
    assert versioning.raise_above(7) == 42
