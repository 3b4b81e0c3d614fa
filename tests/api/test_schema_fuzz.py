"""schemathesis against the served OpenAPI schema: no server errors and no response that breaks
the schema, anonymous and with an API key; bounded in examples and time."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gebiedskompas.accounts.services import issue_token
from tests.accounts.conftest import build_world
from tests.accounts.helpers import user_with

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_key(db: None) -> str:
    world = build_world()
    user = user_with("analist", world.town.gemeente, username="fuzz-api")
    return issue_token(user, "fuzz")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Calls go straight to the WSGI app, not through Django's test client, so switch off what
    the client switches off: closing the database connection (and with it the test's
    transaction) at the end of each request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttle(settings: Any) -> None:
    settings.API_RATES = {"anon": "100000/minute", "user": "100000/minute"}


@schema.parametrize()
@FUZZ
def test_anonymous_calls_never_break_the_server_or_the_schema(case: Any, api_key: str) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_authenticated_calls_never_break_the_server_or_the_schema(case: Any, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {api_key}"}, checks=CHECKS)
