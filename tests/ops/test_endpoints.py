"""The health endpoint and Prometheus metrics."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from gebiedskompas.ops import checks
from gebiedskompas.ops.models import Heartbeat

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_health_reports_database_migrations_and_worker_age() -> None:
    body = Client().get("/gezondheid/").json()
    assert body == {
        "database": True,
        "migrations": True,
        "worker_heartbeat_age_seconds": None,
        "status": "degraded",
    }
    now = timezone.now()
    Heartbeat.objects.create(worker_id="w", host="h", pid=1, started_at=now, beat_at=now)
    body = Client().get("/gezondheid/").json()
    assert body["status"] == "ok" and body["worker_heartbeat_age_seconds"] < 5


def test_health_is_503_with_pending_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "_MIGRATED_AT", [])
    monkeypatch.setattr(checks, "pending_migrations", lambda alias="default": ["ops.0002_new"])
    response = Client().get("/gezondheid/")
    assert response.status_code == 503
    assert response.json()["migrations"] is False and response.json()["status"] == "failed"


@override_settings(KOMPAS_METRICS_TOKEN="geheim-token-123")
def test_metrics_need_the_bearer_token() -> None:
    assert Client().get("/metrics").status_code == 401
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nee")
    assert wrong.status_code == 401
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer geheim-token-123")
    assert response.status_code == 200
    text = response.content.decode()
    assert "kompas_database_up 1.0" in text
    assert 'kompas_tasks{status="ready"} 0.0' in text
    assert "kompas_worker_heartbeat_age_seconds NaN" in text


def test_metrics_without_a_configured_token_refuse_any_token() -> None:
    with override_settings(KOMPAS_METRICS_TOKEN=""):
        response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 401
