"""The authorisation matrix: every URL pattern × every role × an area inside and outside the
role's scope → the expected status.

The patterns come from the URL configuration itself; a pattern without an entry in TABLE fails
`test_every_url_pattern_has_an_entry`, naming it. Roles are given on municipality GM9999; the area
inside is its wijk WK999901, the one outside a wijk of GM8888 in the same installation. The
operator role is installation-wide, so "outside" does not exist for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gebiedskompas.analysis.models import AnalysisRun
from tests.accounts.conftest import World, build_world
from tests.accounts.helpers import user_with

pytestmark = [pytest.mark.web, pytest.mark.django_db]

ANONYMOUS, NO_ROLE = "anoniem", "zonder-rol"
SCOPED_ROLES = ("beheerder", "analist", "gebiedsmanager", "gebiedsverbinder", "afdeling",
                "partner", "wethouder")  # fmt: skip
ROLES = (ANONYMOUS, NO_ROLE, "operator", *SCOPED_ROLES)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}

# Who may do what, written out here rather than read from accounts.roles, so a change to a
# role's rights shows up as a failing row.
ANALYSIS_READERS = frozenset({"operator", "beheerder", "analist", "gebiedsmanager",
                              "gebiedsverbinder", "wethouder"})  # fmt: skip
ANALYSIS_RUNNERS = frozenset({"operator", "beheerder", "analist"})
MODERATORS = frozenset({"operator", "beheerder", "gebiedsmanager", "gebiedsverbinder"})
IMPORTERS = frozenset({"operator", "beheerder", "analist"})
PARTICIPATION_STAFF = frozenset({"operator", "beheerder", "gebiedsmanager", "gebiedsverbinder"})
HISTORY_READERS = frozenset({"operator", "beheerder", "analist", "gebiedsmanager", "wethouder"})
SIGNAL_HANDLERS = frozenset({"operator", "beheerder", "gebiedsmanager", "gebiedsverbinder",
                             "afdeling"})  # fmt: skip
INTERNAL_READERS = frozenset({"operator", "beheerder", "analist", "gebiedsmanager",
                              "gebiedsverbinder", "afdeling", "wethouder"})  # fmt: skip
# The cycle's internal pages: view_internal, edit_plan or edit_activity (partners see the plans
# holding their actions); the municipality's overviews: view_internal.
PLAN_READERS = frozenset(SCOPED_ROLES) | {"operator"}
INTERNAL_READERS = PLAN_READERS - {"partner"}
INTERNAL_READERS = frozenset({"operator", "beheerder", "analist", "gebiedsmanager",
                              "gebiedsverbinder", "afdeling", "wethouder"})  # fmt: skip
# Departments and partners also read (and write) their own activities; these have no
# organisation in the matrix, so every activity in their scope counts as their own.
ACTIVITY_READERS = INTERNAL_READERS | {"partner"}


@dataclass(frozen=True)
class Rule:
    """`everyone`: the one status all roles get (public pages). Otherwise roles in `allowed` get
    `ok` (inside their scope, or anywhere when `scoped` is False), other signed-in users
    `denied`, anonymous users `anonymous` (302: sent to sign in)."""

    kwargs: dict[str, str] = field(default_factory=dict)
    query: str = ""
    everyone: int | None = None
    allowed: frozenset[str] = frozenset()
    ok: int = 200
    denied: int = 403
    anonymous: int = 302
    scoped: bool = True

    def expected(self, role: str, inside: bool) -> int:
        if self.everyone is not None:
            return self.everyone
        if role == ANONYMOUS:
            return self.anonymous
        if role in self.allowed and (inside or not self.scoped or role == "operator"):
            return self.ok
        return self.denied


def public(status: int = 200, **kwargs: Any) -> Rule:
    return Rule(everyone=status, **kwargs)


AREA = {"code": "{area}"}
ROUND = {"round_id": "{round}"}
TABLE: dict[str, Rule] = {
    # Django's admin: one rule for all its patterns (checked on admin:index); staff only, and
    # no role makes a user staff.
    "admin:*": Rule(allowed=frozenset(), denied=302),
    "set_language": public(302),
    # Single sign-on is off unless KOMPAS_OIDC_* is configured.
    "oidc_authentication_init": public(404),
    "oidc_authentication_callback": public(404),
    # accounts
    "accounts:login": public(),
    "accounts:verify": Rule(allowed=SIGNED_IN, scoped=False),
    "accounts:logout": public(405),  # POST only
    "accounts:second-factor": Rule(allowed=SIGNED_IN, scoped=False),
    "accounts:history": Rule(
        kwargs={"model": "gebied", "pk": "{area_pk}"}, allowed=HISTORY_READERS
    ),
    # analysis: runs of GM9999 (inside) and GM8888 (outside); the runs have no result rows
    "analysis:start": Rule(allowed=ANALYSIS_RUNNERS, scoped=False),
    "analysis:runs": Rule(allowed=ANALYSIS_READERS, scoped=False),
    "analysis:run": Rule(kwargs={"run_id": "{run}"}, allowed=ANALYSIS_READERS),
    "analysis:run-geojson": Rule(kwargs={"run_id": "{run}"}, allowed=ANALYSIS_READERS),
    "analysis:why": Rule(
        kwargs={"run_id": "{run}", "code": "{area}"}, allowed=ANALYSIS_READERS, ok=404
    ),
    "analysis:early-warning": Rule(allowed=ANALYSIS_READERS, scoped=False),
    # Any importer may open the form; the import itself checks each municipality in the file.
    "indicators:upload": Rule(allowed=IMPORTERS, scoped=False),
    # web: public pages; readers with view_internal see true figures (tested in tests/web)
    "web:home": public(),
    "web:search": public(query="q=Zonnehoek"),
    "web:area": public(kwargs=AREA),
    "web:area-geojson": public(kwargs=AREA),
    "web:area-map": public(kwargs={**AREA, "fmt": "svg"}),
    "web:area-pdf": public(kwargs=AREA),
    "web:trend": public(kwargs={**AREA, "key": "inwoners"}),
    "web:trend-image": public(kwargs={**AREA, "key": "inwoners", "fmt": "svg"}),
    "web:area-stories": public(kwargs=AREA),
    "web:story-new": public(kwargs=AREA),
    "web:compare": public(query="gebieden={area}"),
    "web:ranking": public(query="gemeente={municipality}"),
    "web:ranking-geojson": public(query="gemeente={municipality}"),
    "web:ranking-image": public(kwargs={"fmt": "svg"}, query="gemeente={municipality}"),
    "web:moderation": Rule(allowed=MODERATORS, scoped=False),
    # web: the gebiedscyclus (the matrix world has no agendas, actions or activities)
    "web:area-agenda": public(kwargs=AREA),
    "web:agenda-status": public(405, kwargs={**AREA, "agenda_id": "0"}),  # POST only
    "web:agenda-documents": public(405, kwargs={**AREA, "agenda_id": "0"}),  # POST only
    # A concept agenda's document: for those who see the concept (an adopted agenda's documents
    # are public: tests/cycle/test_agenda_documents.py).
    "web:agenda-document": Rule(
        kwargs={**AREA, "agenda_id": "{agenda}", "document_id": "{document}"},
        allowed=INTERNAL_READERS,
    ),
    "web:area-plan": Rule(kwargs=AREA, allowed=PLAN_READERS),
    "web:action": Rule(kwargs={**AREA, "action_id": "0"}, allowed=PLAN_READERS, ok=404),
    "web:area-activities": Rule(kwargs=AREA, allowed=PLAN_READERS),
    "web:area-activities-geojson": Rule(kwargs=AREA, allowed=PLAN_READERS),
    "web:area-couplings": Rule(kwargs=AREA, allowed=PLAN_READERS),
    "web:area-barriers": Rule(kwargs=AREA, allowed=PLAN_READERS),
    "web:recurring-barriers": Rule(query="gemeente={municipality}", allowed=INTERNAL_READERS),
    "web:budgets": Rule(query="gemeente={municipality}", allowed=INTERNAL_READERS),
    "web:progress": Rule(query="gemeente={municipality}", allowed=INTERNAL_READERS),
    "web:progress-pdf": Rule(query="gemeente={municipality}", allowed=INTERNAL_READERS),
    "web:my-work": Rule(allowed=SIGNED_IN, scoped=False),
    "web:open-data": public(),
    "web:open-data-download": public(kwargs={"code": "{municipality}", "fmt": "csv"}),
    # api (401 instead of a redirect for anonymous callers)
    "api:gebieden": public(),
    "api:gebied": public(kwargs=AREA),
    "api:indicatoren": public(),
    "api:indicator": public(kwargs={"key": "inwoners"}),
    "api:waarnemingen": public(query="gebied={area}"),
    "api:analyses": Rule(allowed=SIGNED_IN, scoped=False, anonymous=401),
    "api:analyse": Rule(kwargs={"run_id": "{run}"}, allowed=ANALYSIS_READERS, anonymous=401),
    # the gebiedscyclus: lists keep what the caller may read; objects in GM9999 / GM8888
    # Adopted agendas are public documents (anyone lists them); the matrix's agenda is a concept.
    "api:gebiedsagendas": public(),
    "api:gebiedsagenda": Rule(
        kwargs={"agenda_id": "{agenda}"}, allowed=INTERNAL_READERS, anonymous=401
    ),
    "api:speerpunten": public(405, kwargs={"agenda_id": "{agenda}"}),  # POST only
    "api:gebiedsplannen": Rule(allowed=SIGNED_IN, scoped=False, anonymous=401),
    "api:gebiedsplan": Rule(kwargs={"plan_id": "{plan}"}, allowed=INTERNAL_READERS, anonymous=401),
    "api:acties": Rule(allowed=SIGNED_IN, scoped=False, anonymous=401),
    "api:actie": Rule(kwargs={"action_id": "{action}"}, allowed=INTERNAL_READERS, anonymous=401),
    "api:activiteiten": Rule(allowed=SIGNED_IN, scoped=False, anonymous=401),
    "api:activiteit": Rule(
        kwargs={"activity_id": "{activity}"}, allowed=ACTIVITY_READERS, anonymous=401
    ),
    "api:koppelkansen": Rule(allowed=SIGNED_IN, scoped=False, anonymous=401),
    "api:koppelkans": Rule(
        kwargs={"coupling_id": "{coupling}"}, allowed=ACTIVITY_READERS, anonymous=401
    ),
    "api:knelpunten": Rule(allowed=SIGNED_IN, scoped=False, anonymous=401),
    "api:knelpunt": Rule(
        kwargs={"barrier_id": "{barrier}"}, allowed=INTERNAL_READERS, anonymous=401
    ),
    "api:openapi": public(),
    "api:docs": public(),
    "api:unknown": public(404, kwargs={"rest": "onbekend"}),
    # signals: the public intake form and Open311 (the matrix world has no categories)
    "signals:new": public(),
    "signals:open311-services": public(kwargs={"fmt": "json"}),
    "signals:open311-service": public(404, kwargs={"code": "onbekend", "fmt": "json"}),
    "signals:open311-requests": public(kwargs={"fmt": "json"}),
    "signals:open311-request": public(404, kwargs={"request_id": "onbekend", "fmt": "json"}),
    # ops: health is public (load balancers); metrics for operators or the metrics bearer token
    "ops:health": public(),
    "ops:metrics": Rule(allowed=frozenset({"operator"}), scoped=False, anonymous=401),
    # ops: a municipality's retention periods, for who manages its roles (each sees only the
    # municipalities they manage; another's code answers 403, tested in tests/ops)
    "ops:retention": Rule(allowed=frozenset({"operator", "beheerder"}), scoped=False),
    "signals:open311-discovery": public(kwargs={"fmt": "json"}),
    "signals:suggest": public(query="omschrijving=afval"),
    # signals: staff pages (the queue, intake; a signal's page answers 404 for an unknown one to
    # those who may read signals at all; tests/signals/test_staff.py checks scope per signal)
    "signals:work-list": Rule(allowed=SIGNAL_HANDLERS, scoped=False),
    "signals:intake": Rule(allowed=SIGNAL_HANDLERS, scoped=False),
    "signals:detail": Rule(
        kwargs={"reference": "onbekend"}, allowed=INTERNAL_READERS, ok=404, scoped=False
    ),  # fmt: skip
    "signals:status": public(405, kwargs={"reference": "onbekend"}),  # POST only
    "signals:note": public(405, kwargs={"reference": "onbekend"}),
    "signals:assign": public(405, kwargs={"reference": "onbekend"}),
    "signals:split": public(405, kwargs={"reference": "onbekend"}),
    "signals:merge": public(405, kwargs={"reference": "onbekend"}),
    "signals:photo": public(405, kwargs={"reference": "onbekend"}),
    "signals:photo-file": Rule(
        kwargs={"reference": "onbekend"}, allowed=INTERNAL_READERS, ok=404, scoped=False
    ),  # fmt: skip
    "signals:area-map": Rule(kwargs=AREA, allowed=INTERNAL_READERS),
    "signals:area-points": Rule(kwargs=AREA, allowed=INTERNAL_READERS),
    # participation: a round in its voting phase and an initiative per municipality
    "participation:rounds": public(),
    "participation:round": public(kwargs=ROUND),
    "participation:idea-new": public(kwargs=ROUND),
    "participation:vote": public(kwargs=ROUND),
    "participation:vote-email": public(kwargs=ROUND),
    # Voting with the municipal login needs single sign-on, which is off here.
    "participation:vote-login": public(404, kwargs=ROUND),
    # An unknown link: the same 404 for everyone (a real link is the verification itself).
    "participation:vote-email-link": public(404, kwargs=ROUND | {"token": "onbekend"}),
    "participation:results": public(kwargs=ROUND),
    "participation:initiative-new": public(),
    "participation:initiative-status": public(kwargs={"token": "{token}"}),
    "participation:manage-round": Rule(kwargs=ROUND, allowed=PARTICIPATION_STAFF),
    "participation:initiatives": Rule(allowed=PARTICIPATION_STAFF, scoped=False),
    "participation:initiative": Rule(
        kwargs={"initiative_id": "{initiative}"}, allowed=PARTICIPATION_STAFF
    ),
    # The matrix's initiative has no report photo: staff get 404, others are refused first.
    "participation:initiative-photo": Rule(
        kwargs={"initiative_id": "{initiative}"}, allowed=PARTICIPATION_STAFF, ok=404
    ),
}


def _patterns(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(name, route) of every pattern, names qualified by namespace."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _patterns(entry, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"(unnamed) {prefix}{entry.pattern}"
            yield (f"{namespace}:{name}" if namespace and entry.name else name,
                   prefix + str(entry.pattern))  # fmt: skip


PATTERNS = sorted(set(_patterns(get_resolver())))
ADMIN = {name for name, route in PATTERNS if route.startswith("admin/")}


def _key(name: str) -> str:
    return "admin:*" if name in ADMIN else name


def test_every_url_pattern_has_an_entry() -> None:
    missing = sorted({f"{name} ({route})" for name, route in PATTERNS if _key(name) not in TABLE})
    assert not missing, (
        "add these URL patterns to TABLE in tests/test_authorisation_matrix.py: "
        + (", ".join(missing))
    )
    stale = sorted(set(TABLE) - {_key(name) for name, _ in PATTERNS})
    assert not stale, f"TABLE names URL patterns that no longer exist: {stale}"


def _run(municipality: Any) -> AnalysisRun:
    return AnalysisRun.objects.create(
        method="zscore", level="buurt", municipality=municipality, period="2024",
        data_fingerprint="0" * 64, software_version="test",
    )  # fmt: skip


def _participation(area_code: str) -> dict[str, str]:
    """A round in its voting phase and an initiative in the area, made through the services."""
    from gebiedskompas.participation import services

    system = services.SYSTEM
    budget_round = services.create_round(
        services.RoundInput(
            area_code=area_code, name="Buurtbudget", budget=1000, email_voting=True
        ),
        by=system,
    )
    services.change_phase(budget_round.pk, "ideas", by=system)
    idea = services.submit_idea(budget_round.pk, title="Bankje")
    services.change_phase(budget_round.pk, "check", by=system)
    services.check_idea(idea.pk, feasible=True, cost=100, by=system)
    services.change_phase(budget_round.pk, "voting", by=system)
    initiative, token = services.apply_initiative(
        services.InitiativeInput(area_code, "Straatfeest", "Een feest", budget_asked=500)
    )
    return {"round": str(budget_round.pk), "initiative": str(initiative.pk), "token": token}


def _cycle(area: Any, municipality: Any) -> dict[str, str]:
    """One of each gebiedscyclus object in `area` (a wijk of `municipality`), as URL values."""
    from datetime import date

    from django.core.files.base import ContentFile

    from gebiedskompas.cycle.models import (
        Action,
        Activity,
        AgendaDocument,
        AreaAgenda,
        AreaPlan,
        Barrier,
        CouplingOpportunity,
    )

    agenda = AreaAgenda.objects.create(area=area, title="Agenda", start_year=2025, end_year=2028)
    document = AgendaDocument(
        agenda=agenda,
        kind="decision",
        title="Besluit",
        file_name="besluit.pdf",
        content_type="application/pdf",
        size=9,
    )
    document.file.save("besluit.pdf", ContentFile(b"%PDF-1.4\n"), save=True)  # fmt: skip
    plan = AreaPlan.objects.create(area=area, year=2025, agenda=agenda)
    action = Action.objects.create(
        plan=plan, title="Actie", owner="Wijkteam", start=date(2025, 1, 1)
    )
    barrier = Barrier.objects.create(area=area, category="data", description="Geen cijfers",
                                     raised_by="Wijkteam", raised_on=date(2025, 1, 1))  # fmt: skip
    a, b = (Activity.objects.create(municipality=municipality, area=area, title=f"Activiteit {n}",
                                    owner=f"Eigenaar {n}", start=date(2025, 1, 1))
            for n in (1, 2))  # fmt: skip
    coupling = CouplingOpportunity.objects.create(
        municipality=municipality, activity_a=a, activity_b=b, score=0.5
    )
    found = {"agenda": agenda, "plan": plan, "action": action, "barrier": barrier,
             "activity": a, "coupling": coupling, "document": document}  # fmt: skip
    return {name: str(obj.pk) for name, obj in found.items()}


def _clients(world: World) -> dict[str, Client]:
    clients = {ANONYMOUS: Client()}
    for role in ROLES[1:]:
        area = None if role == "operator" else world.town.gemeente
        user = user_with(None if role == NO_ROLE else role, area, username=f"m-{role}")
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def _url(name: str, rule: Rule, values: dict[str, str]) -> str:
    from django.urls import reverse

    target = "admin:index" if name == "admin:*" else name
    kwargs = {k: v.format(**values) for k, v in rule.kwargs.items()}
    url = reverse(target, kwargs=kwargs or None)
    return f"{url}?{rule.query.format(**values)}" if rule.query else url


@pytest.mark.parametrize("name", sorted(TABLE), ids=sorted(TABLE))
def test_status_per_role_inside_and_outside_scope(name: str) -> None:
    world = build_world()
    rule = TABLE[name]
    places = {
        True: {"area": world.town.wijk.code, "area_pk": str(world.town.wijk.pk),
               "municipality": world.town.gemeente.code,
               "run": str(_run(world.town.gemeente).pk),
               **_cycle(world.town.wijk, world.town.gemeente)},
        False: {"area": "WK888801", "area_pk": str(world.other_buurt.parent_id),
                "municipality": world.other.code, "run": str(_run(world.other).pk),
                **_cycle(world.other_buurt.parent, world.other)},
    }  # fmt: skip
    if any(k in v for v in rule.kwargs.values() for k in ("{round}", "{initiative}", "{token}")):
        places[True] |= _participation(world.town.wijk.code)
        places[False] |= _participation("WK888801")
    wrong = []
    for role, client in _clients(world).items():
        for inside in (True, False):
            url = _url(name, rule, places[inside])
            got = client.get(url).status_code
            want = rule.expected(role, inside)
            if got != want:
                where = "inside" if inside else "outside"
                wrong.append(f"{role} {where} {url}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


# Who may record a knelpunt (POST), in the web page and the API: plan editors, and departments
# and partners for an area in their scope (these have no organisation here, so no actions of
# their own: tests/cycle and tests/api check a partner's own actions).
BARRIER_RECORDERS = frozenset({"operator", "beheerder", "gebiedsmanager", "gebiedsverbinder",
                               "afdeling", "partner"})  # fmt: skip


@pytest.mark.parametrize("via", ["web", "api"])
def test_recording_a_knelpunt_per_role_inside_and_outside_scope(via: str) -> None:
    from gebiedskompas.cycle.models import Barrier

    world = build_world()
    wrong = []
    for role, client in _clients(world).items():
        for inside in (True, False):
            code = world.town.wijk.code if inside else "WK888801"
            before = Barrier.objects.count()
            if via == "web":
                got = client.post(f"/gebieden/{code}/knelpunten/", {
                    "form": "record", "category": "data", "description": "Geen cijfers",
                    "raised_by": role,
                }).status_code  # fmt: skip
            else:
                got = client.post("/api/v1/knelpunten", {
                    "gebied": code, "categorie": "data", "omschrijving": "Geen cijfers",
                    "gemeldDoor": role, "gemeldOp": "2025-01-01",
                }, content_type="application/json").status_code  # fmt: skip
            recorded = Barrier.objects.count() - before
            allowed = role in BARRIER_RECORDERS and (inside or role == "operator")
            want = (302 if via == "web" else 201) if allowed else (
                (302 if via == "web" else 401) if role == ANONYMOUS else 403
            )  # fmt: skip
            if got != want or recorded != int(allowed):
                where = "inside" if inside else "outside"
                wrong.append(f"{role} {where}: {got} ({recorded} recorded), expected {want}")
    assert not wrong, "\n".join(wrong)
