"""The demo municipality, built once per test module inside a transaction that is rolled back
at the module's end (each test inside it is rolled back to that state too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def new_runs() -> Any:
    """The analysis runs a test made: all but the demo's own, which its priorities cite."""
    from gebiedskompas.analysis.models import AnalysisRun

    return AnalysisRun.objects.filter(priorities__isnull=True)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    from django.db import transaction

    from gebiedskompas.demo import build_demo

    with django_db_blocker.unblock(), transaction.atomic():
        summary = build_demo(figures_only=True)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def focus_buurten(demo: Any, db: None) -> set[str]:
    from gebiedskompas.areas.models import Cluster
    from gebiedskompas.demo import CLUSTER_CODE

    return set(Cluster.objects.get(code=CLUSTER_CODE).members.values_list("code", flat=True))
