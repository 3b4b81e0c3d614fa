"""Template context for every page: which menu entries the user may use, decided by the one
permission check (a user sees an entry when they may do its action for some area)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gebiedskompas.accounts.permissions import can_somewhere
from gebiedskompas.accounts.roles import (
    EDIT_ACTIVITY,
    EDIT_PLAN,
    IMPORT_DATA,
    MODERATE_STORIES,
    RUN_ANALYSIS,
    VIEW_ANALYSIS,
    VIEW_INTERNAL,
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "run_analysis": can_somewhere(user, RUN_ANALYSIS),
            "view_analysis": can_somewhere(user, VIEW_ANALYSIS),
            "moderate_stories": can_somewhere(user, MODERATE_STORIES),
            "import_data": can_somewhere(user, IMPORT_DATA),
            # The municipality's budgets and progress report; an owner's own work.
            "cycle_overviews": can_somewhere(user, VIEW_INTERNAL),
            "my_work": can_somewhere(user, EDIT_ACTIVITY) or can_somewhere(user, EDIT_PLAN),
        }
    }
