"""An adopted agenda is public, but the latest values its targets are measured against are
figures like any other: the public sees them through disclosure control, staff see the true
values."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from gebiedskompas.cycle import selectors, services
from tests.cycle.conftest import World

pytestmark = [pytest.mark.web, pytest.mark.django_db]

PCT = "percentage_eenpersoonshuishoudens"


def _adopted_agenda_on_the_small_buurt(world: World) -> tuple[str, int]:
    # The small buurt has 20 inhabitants: its percentage (35.0) is below the disclosure base,
    # so the public never sees it; the count of inhabitants (20) is public.
    code = world.town.small_buurt.code
    year = timezone.localdate().year
    agenda = services.create_agenda(code, title="Buurtagenda", start_year=year,
                                    end_year=year + 3, by=world.manager)  # fmt: skip
    priority = services.add_priority(agenda.pk, title="Minder alleen", by=world.manager)
    services.add_target(priority.pk, indicator_key=PCT, value=30, year=year + 3,
                        direction="down", by=world.manager)  # fmt: skip
    services.add_target(priority.pk, indicator_key="inwoners", value=25, year=year + 3,
                        direction="up", by=world.manager)  # fmt: skip
    for step in ("proposed", "adopted"):
        services.change_agenda_status(agenda.pk, step, by=world.manager)
    return code, agenda.pk


def _latest(agenda_id: int, *, public: bool) -> dict[str, float | None]:
    from gebiedskompas.cycle.models import AreaAgenda

    rows = selectors.target_rows(AreaAgenda.objects.get(pk=agenda_id), public=public)
    return {r.target.indicator.key: r.assessment.latest for _, targets in rows for r in targets}


def test_public_target_values_go_through_disclosure_control(world: World) -> None:
    code, agenda_id = _adopted_agenda_on_the_small_buurt(world)
    assert _latest(agenda_id, public=False) == {PCT: 35.0, "inwoners": 20.0}
    assert _latest(agenda_id, public=True) == {PCT: None, "inwoners": 20.0}

    public = Client().get(f"/gebieden/{code}/agenda/").content.decode()
    assert "Buurtagenda" in public and "Minder alleen" in public
    assert "35" not in public.split("Minder alleen", 1)[1]
    staff = Client()
    staff.force_login(world.manager)
    page = staff.get(f"/gebieden/{code}/agenda/").content.decode()
    assert "35 (" in page.split("Minder alleen", 1)[1]
