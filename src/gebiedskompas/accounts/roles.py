"""The roles and the actions they allow, as plain data.

A data migration stores these as `Role` rows; an installation may change a role's actions in the
admin afterwards, and `can()` reads the rows, not this table. Action codes are stable English
identifiers; role codes are the Dutch names users know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

VIEW_PUBLIC: Final = "view_public"  # what anyone, signed in or not, may see
VIEW_INTERNAL: Final = "view_internal"  # true figures behind disclosure control, internal pages
VIEW_ANALYSIS: Final = "view_analysis"
RUN_ANALYSIS: Final = "run_analysis"
WRITE_OBSERVATIONS: Final = "write_observations"
IMPORT_DATA: Final = "import_data"
EDIT_AREA: Final = "edit_area"
VIEW_HISTORY: Final = "view_history"
MANAGE_ROLES: Final = "manage_roles"
MODERATE_STORIES: Final = "moderate_stories"
ADD_STORY: Final = "add_story"
EDIT_PLAN: Final = "edit_plan"
EDIT_ACTIVITY: Final = "edit_activity"
SUBMIT_SIGNAL: Final = "submit_signal"
HANDLE_SIGNAL: Final = "handle_signal"  # change a signal's status, see its queue
VIEW_REPORTER: Final = "view_reporter"  # a reporter's name, e-mail and phone
PARTICIPATE: Final = "participate"  # submit an idea, vote with a code, apply for an initiative
MANAGE_BUDGET_ROUND: Final = "manage_budget_round"  # check ideas, change phases, make voting codes
ASSESS_INITIATIVE: Final = "assess_initiative"  # assess, decide, pay out, record the report

ACTIONS: Final = frozenset(
    {
        VIEW_PUBLIC,
        VIEW_INTERNAL,
        VIEW_ANALYSIS,
        RUN_ANALYSIS,
        WRITE_OBSERVATIONS,
        IMPORT_DATA,
        EDIT_AREA,
        VIEW_HISTORY,
        MANAGE_ROLES,
        MODERATE_STORIES,
        ADD_STORY,
        EDIT_PLAN,
        EDIT_ACTIVITY,
        SUBMIT_SIGNAL,
        HANDLE_SIGNAL,
        VIEW_REPORTER,
        PARTICIPATE,
        MANAGE_BUDGET_ROUND,
        ASSESS_INITIATIVE,
    }
)
# The public (anonymous readers and residents) may do these anywhere; every role adds to them.
PUBLIC_ACTIONS: Final = frozenset({VIEW_PUBLIC, SUBMIT_SIGNAL, PARTICIPATE})


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    description: str
    actions: frozenset[str]


def _spec(code: str, name: str, description: str, *actions: str) -> RoleSpec:
    return RoleSpec(code, name, description, frozenset(actions) | PUBLIC_ACTIONS)


DEFAULT_ROLES: Final[Mapping[str, RoleSpec]] = {
    spec.code: spec
    for spec in (
        _spec(
            "operator",
            "Operator",
            "Beheert de hele installatie, alle gemeenten.",
            *ACTIONS,
        ),
        _spec(
            "beheerder",
            "Functioneel beheerder",
            "Functioneel beheer van een gemeente: gebieden, cijfers, rechten.",
            MANAGE_BUDGET_ROUND,
            ASSESS_INITIATIVE,
            VIEW_INTERNAL,
            VIEW_ANALYSIS,
            RUN_ANALYSIS,
            WRITE_OBSERVATIONS,
            IMPORT_DATA,
            EDIT_AREA,
            VIEW_HISTORY,
            MANAGE_ROLES,
            MODERATE_STORIES,
            ADD_STORY,
            EDIT_PLAN,
            HANDLE_SIGNAL,
            VIEW_REPORTER,
        ),  # fmt: skip
        _spec(
            "analist",
            "Analist",
            "Leest alle cijfers, leest cijfers in en maakt gebiedsanalyses.",
            VIEW_INTERNAL,
            VIEW_ANALYSIS,
            RUN_ANALYSIS,
            WRITE_OBSERVATIONS,
            IMPORT_DATA,
            VIEW_HISTORY,
            ADD_STORY,
        ),  # fmt: skip
        _spec(
            "gebiedsmanager",
            "Gebiedsmanager",
            "Strategisch verantwoordelijk voor een gebied: agenda, plan, verhalen.",
            MANAGE_BUDGET_ROUND,
            ASSESS_INITIATIVE,
            VIEW_INTERNAL,
            VIEW_ANALYSIS,
            VIEW_HISTORY,
            MODERATE_STORIES,
            ADD_STORY,
            EDIT_PLAN,
            HANDLE_SIGNAL,
        ),  # fmt: skip
        _spec(
            "gebiedsverbinder",
            "Gebiedsverbinder / wijkcoördinator",
            "Werkt in de wijk: acties, verhalen, contact met bewoners en partners.",
            MANAGE_BUDGET_ROUND,
            ASSESS_INITIATIVE,
            VIEW_INTERNAL,
            VIEW_ANALYSIS,
            MODERATE_STORIES,
            ADD_STORY,
            EDIT_PLAN,
            HANDLE_SIGNAL,
            VIEW_REPORTER,
        ),  # fmt: skip
        _spec(
            "afdeling",
            "Medewerker lijnafdeling",
            "Leest interne cijfers en beheert de activiteiten van de eigen afdeling.",
            VIEW_INTERNAL,
            ADD_STORY,
            EDIT_ACTIVITY,
            HANDLE_SIGNAL,
            VIEW_REPORTER,
        ),  # fmt: skip
        _spec(
            "teamleider",
            "Teamleider",
            "Leidt een team van een lijnafdeling: krijgt te late meldingen als eerste te horen.",
            VIEW_INTERNAL,
            HANDLE_SIGNAL,
            VIEW_REPORTER,
        ),  # fmt: skip
        _spec(
            "partner",
            "Partnerorganisatie",
            "Corporatie, politie, welzijn of GGD: deelt activiteiten en verhalen.",
            ADD_STORY,
            EDIT_ACTIVITY,
        ),  # fmt: skip
        _spec(
            "wethouder",
            "Wethouder",
            "Alleen lezen: het overzicht van de eigen gebieden.",
            VIEW_INTERNAL,
            VIEW_ANALYSIS,
            VIEW_HISTORY,
        ),  # fmt: skip
    )
}
