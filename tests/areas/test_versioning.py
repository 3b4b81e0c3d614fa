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


def test_a_database_made_again_has_another_stamp_for_the_same_version() -> None:
    from datetime import timedelta

    from gebiedskompas.areas.models import DataVersion

    versioning.changed()
    before = versioning.stamp()
    version = versioning.current()
    # The database made again from scratch: its counter row is new, its count the same.
    row = DataVersion.objects.get(pk=1)
    DataVersion.objects.filter(pk=1).delete()
    DataVersion.objects.create(pk=1, version=version)
    DataVersion.objects.filter(pk=1).update(changed_at=row.changed_at + timedelta(seconds=5))
    assert versioning.current() == version
    assert versioning.stamp() != before
    assert versioning.stamp().startswith(f"{version}.")
