"""The gebiedscyclus: stories, area agendas with priorities and targets, yearly area plans with
actions and budgets, the activity registry with koppelkansen, and the barrier log.

Stories (verhalen) are the observations beside the numbers.

"Tellen en vertellen": a professional's, partner's or resident's dated observation about one or
more areas, optionally about indicators. Residents' stories wait for a staff member's approval
before anyone sees them; professionals' and partners' stories entered by staff are approved on
entry. Only a hash of a submitter's IP address is kept (for the rate limit), never the address.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.areas.models import Area
from gebiedskompas.cycle.domain.workflow import ActionStatus, AgendaStatus
from gebiedskompas.indicators.models import Domain, Indicator


class AuthorRole(models.TextChoices):
    PROFESSIONAL = "professional", _("professional")
    PARTNER = "partner", _("partner")
    RESIDENT = "resident", _("bewoner")


class StoryStatus(models.TextChoices):
    PENDING = "pending", _("wacht op beoordeling")
    APPROVED = "approved", _("goedgekeurd")
    REJECTED = "rejected", _("afgewezen")


class Story(models.Model):
    areas = models.ManyToManyField(Area, related_name="stories", verbose_name=_("gebieden"))
    indicators = models.ManyToManyField(
        Indicator, related_name="stories", blank=True, verbose_name=_("indicatoren")
    )
    author = models.CharField(_("auteur"), max_length=120, blank=True, default="")
    author_role = models.CharField(_("rol"), max_length=20, choices=AuthorRole.choices)
    organisation = models.CharField(_("organisatie"), max_length=160, blank=True, default="")
    date = models.DateField(_("datum"))
    title = models.CharField(_("titel"), max_length=160, blank=True, default="")
    text = models.TextField(_("verhaal"))
    theme = models.CharField(_("thema"), max_length=20, choices=Domain.choices)
    is_resident = models.BooleanField(_("van een bewoner"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=StoryStatus.choices, default=StoryStatus.PENDING
    )
    created_at = models.DateTimeField(_("ingediend op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ingevoerd door"),
    )
    moderated_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("beoordeeld door"),
    )
    submitter_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = _("verhaal")
        verbose_name_plural = _("verhalen")
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["status", "theme"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(is_resident=True) | models.Q(author_role="resident"),
                name="story_resident_role",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:60]


# --- area agenda --------------------------------------------------------------------------------

AGENDA_STATUS_CHOICES = [
    (AgendaStatus.CONCEPT.value, _("concept")),
    (AgendaStatus.CONSULTATION.value, _("in consultatie")),
    (AgendaStatus.PROPOSED.value, _("voorgelegd")),
    (AgendaStatus.ADOPTED.value, _("vastgesteld")),
    (AgendaStatus.SUPERSEDED.value, _("vervangen")),
]
ACTION_STATUS_CHOICES = [
    (ActionStatus.PLANNED.value, _("gepland")),
    (ActionStatus.IN_PROGRESS.value, _("in uitvoering")),
    (ActionStatus.ON_HOLD.value, _("gepauzeerd")),
    (ActionStatus.DONE.value, _("afgerond")),
    (ActionStatus.CANCELLED.value, _("geannuleerd")),
]


class _AppendOnly(models.Model):
    """History rows: written once, never edited."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a status change is history and is never edited")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # passed through unchanged


class AreaAgenda(models.Model):
    """A multi-year agenda (gebiedsagenda) for one area. Adopted versions are never edited: a
    change is a new version that `supersedes` the adopted one."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="agendas")
    title = models.CharField(_("titel"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("vanaf jaar"))
    end_year = models.PositiveSmallIntegerField(_("tot en met jaar"))
    status = models.CharField(
        _("status"), max_length=14, choices=AGENDA_STATUS_CHOICES, default=AgendaStatus.CONCEPT
    )
    version = models.PositiveSmallIntegerField(_("versie"), default=1)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("vervangt"),
    )
    decision_reference = models.CharField(_("besluit"), max_length=200, blank=True, default="")
    adopted_on = models.DateField(_("vastgesteld op"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gebiedsagenda")
        verbose_name_plural = _("gebiedsagenda's")
        ordering = ["area__code", "-start_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "start_year", "version"], name="agenda_area_period_version"
            ),
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")), name="agenda_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.start_year}–{self.end_year} (v{self.version})"


class PriorityStatus(models.TextChoices):
    ACTIVE = "active", _("actief")
    ACHIEVED = "achieved", _("bereikt")
    DROPPED = "dropped", _("vervallen")


class Priority(models.Model):
    """A speerpunt of an agenda, motivated by an analysis run and/or indicators."""

    agenda = models.ForeignKey(AreaAgenda, on_delete=models.CASCADE, related_name="priorities")
    title = models.CharField(_("titel"), max_length=200)
    motivation = models.TextField(_("motivering"), blank=True, default="")
    analysis_run = models.ForeignKey(
        AnalysisRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="priorities",
        verbose_name=_("gebiedsanalyse"),
    )
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="priorities", verbose_name=_("indicatoren")
    )
    owner = models.CharField(_("eigenaar"), max_length=160, blank=True, default="")
    organisation = models.CharField(_("organisatie"), max_length=160, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=PriorityStatus.choices, default=PriorityStatus.ACTIVE
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("speerpunt")
        verbose_name_plural = _("speerpunten")
        ordering = ["agenda_id", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Direction(models.TextChoices):
    UP = "up", _("omhoog")
    DOWN = "down", _("omlaag")
    HOLD = "hold", _("gelijk houden")


class Target(models.Model):
    """A priority's target: an indicator's value to reach by a year, and which way is better."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("streefwaarde"), max_digits=14, decimal_places=3)
    year = models.PositiveSmallIntegerField(_("jaar"))
    direction = models.CharField(_("richting"), max_length=4, choices=Direction.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "indicator", "year"], name="target_priority_indicator_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.direction} {self.value} ({self.year})"


class AgendaStatusChange(_AppendOnly):
    """Append-only history of an agenda's status."""

    agenda = models.ForeignKey(AreaAgenda, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        max_length=14, choices=AGENDA_STATUS_CHOICES, blank=True, default=""
    )
    to_status = models.CharField(max_length=14, choices=AGENDA_STATUS_CHOICES)
    note = models.TextField(blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["agenda_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class DocumentKind(models.TextChoices):
    DECISION = "decision", _("besluit")
    ATTACHMENT = "attachment", _("bijlage")


class AgendaDocument(models.Model):
    """A document of an agenda: the decision adopting it (attached on the adoption step, with
    that step's history row) or any other attachment. Stored under the data folder's uploads
    (and so in every backup); served only to readers of the agenda, so an adopted agenda's
    documents are public and a concept's are not."""

    agenda = models.ForeignKey(AreaAgenda, on_delete=models.CASCADE, related_name="documents")
    status_change = models.ForeignKey(
        AgendaStatusChange,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        verbose_name=_("bij statuswijziging"),
    )
    kind = models.CharField(_("soort"), max_length=10, choices=DocumentKind.choices)
    title = models.CharField(_("titel"), max_length=200)
    file = models.FileField(_("bestand"), upload_to="agendas/%Y/%m/")
    file_name = models.CharField(_("bestandsnaam"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("grootte (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document bij een agenda")
        verbose_name_plural = _("documenten bij agenda's")
        ordering = ["agenda_id", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


# --- area plan ----------------------------------------------------------------------------------


class AreaPlan(models.Model):
    """The yearly plan (gebiedsplan) of one area."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField(_("jaar"))
    agenda = models.ForeignKey(
        AreaAgenda, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    title = models.CharField(_("titel"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gebiedsplan")
        verbose_name_plural = _("gebiedsplannen")
        ordering = ["area__code", "-year"]
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="plan_area_year")]

    def __str__(self) -> str:
        return self.title or f"Gebiedsplan {self.year}"


class Action(models.Model):
    """A concrete action in a plan, tied to a priority, with its budget in euros."""

    plan = models.ForeignKey(AreaPlan, on_delete=models.CASCADE, related_name="actions")
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True, default="")
    owner = models.CharField(_("eigenaar"), max_length=160)
    start = models.DateField(_("start"))
    end = models.DateField(_("einde"), null=True, blank=True)
    budget_planned = models.DecimalField(
        _("begroot"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    budget_committed = models.DecimalField(
        _("verplicht"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    budget_spent = models.DecimalField(
        _("besteed"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    budget_source = models.CharField(_("bron"), max_length=120, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=ACTION_STATUS_CHOICES, default=ActionStatus.PLANNED
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["plan_id", "start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="action_period",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_planned__gte=0)
                & models.Q(budget_committed__gte=0)
                & models.Q(budget_spent__gte=0),
                name="action_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ActionStatusChange(_AppendOnly):
    """Append-only history of an action's status."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        max_length=12, choices=ACTION_STATUS_CHOICES, blank=True, default=""
    )
    to_status = models.CharField(max_length=12, choices=ACTION_STATUS_CHOICES)
    note = models.TextField(blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["action_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


# --- activities and koppelkansen ----------------------------------------------------------------


class Activity(models.Model):
    """Any department's or partner's project in the municipality, with owner, period and place
    (an area, and/or a geometry in RD New as WKB)."""

    municipality = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(_("kenmerk"), max_length=80, blank=True, default="")
    title = models.CharField(_("titel"), max_length=200)
    owner = models.CharField(_("eigenaar"), max_length=160)
    start = models.DateField(_("start"))
    end = models.DateField(_("einde"), null=True, blank=True)  # None: open-ended
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    geometry_rd = models.BinaryField(null=True, blank=True, editable=False)
    # An action of an area plan placed on the map takes part in the koppelkansen as this
    # activity (kept in step by `services.place_action`).
    action = models.OneToOneField(
        "Action", null=True, blank=True, on_delete=models.CASCADE, related_name="activity"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activiteit")
        verbose_name_plural = _("activiteiten")
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "external_id"],
                condition=~models.Q(external_id=""),
                name="activity_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="activity_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CouplingStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("benut")
    DISMISSED = "dismissed", _("afgewezen")


class CouplingOutcome(models.TextChoices):
    ACTION = "action", _("gezamenlijke actie")
    NOTE = "note", _("notitie")


class CouplingOpportunity(models.Model):
    """A koppelkans: two activities of different owners overlapping in place and time. The pair
    is stored once, lower id first."""

    municipality = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    activity_a = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    activity_b = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("overlap"))
    distance_m = models.FloatField(_("afstand (m)"), default=0)
    gap_days = models.PositiveIntegerField(_("tussenruimte (dagen)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=CouplingStatus.choices, default=CouplingStatus.OPEN
    )
    reason = models.TextField(_("toelichting"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # What an accepted koppelkans became: a joint action in a plan, or a note.
    outcome = models.CharField(
        _("uitkomst"), max_length=8, choices=CouplingOutcome.choices, blank=True, default=""
    )
    joint_action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="couplings"
    )
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("koppelkans")
        verbose_name_plural = _("koppelkansen")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity_a", "activity_b"], name="coupling_pair"),
            models.CheckConstraint(
                condition=models.Q(activity_a__lt=models.F("activity_b")),
                name="coupling_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_a_id} × {self.activity_b_id}"


# --- barriers -----------------------------------------------------------------------------------


class BarrierCategory(models.TextChoices):
    REGELGEVING = "regelgeving", _("regelgeving")
    FINANCIERING = "financiering", _("financiering")
    SAMENWERKING = "samenwerking", _("samenwerking")
    CAPACITEIT = "capaciteit", _("capaciteit")
    DATA = "data", _("data")
    OVERIG = "overig", _("overig")


class Barrier(models.Model):
    """A knelpunt met in practice, for an area and optionally one action, with its resolution."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="barriers")
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="barriers"
    )
    category = models.CharField(_("categorie"), max_length=14, choices=BarrierCategory.choices)
    description = models.TextField(_("omschrijving"))
    raised_by = models.CharField(_("gemeld door"), max_length=160)
    raised_on = models.DateField(_("gemeld op"))
    escalated_to = models.CharField(_("geëscaleerd naar"), max_length=160, blank=True, default="")
    escalated_on = models.DateField(_("geëscaleerd op"), null=True, blank=True)
    resolution = models.TextField(_("oplossing"), blank=True, default="")
    resolved_on = models.DateField(_("opgelost op"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("knelpunt")
        verbose_name_plural = _("knelpunten")
        ordering = ["-raised_on", "pk"]
        indexes = [models.Index(fields=["category"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"


# --- the cycle's configuration ------------------------------------------------------------------

PHASE_CHOICES = [
    ("analyse", _("analyse")),
    ("keuzes", _("keuzes")),
    ("agenda", _("agenda")),
    ("uitvoering", _("uitvoering")),
    ("monitoring", _("monitoring en verantwoording")),
]


class CyclePhase(models.Model):
    """One phase of a municipality's gebiedscyclus: its place in the order, how long it takes,
    how often it recurs within the agenda period and which roles own it. A municipality without
    rows follows `domain.phases.ENSCHEDE_LIKE`."""

    municipality = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="cycle_phases")
    phase = models.CharField(_("fase"), max_length=12, choices=PHASE_CHOICES)
    order = models.PositiveSmallIntegerField(_("volgorde"))
    length_months = models.PositiveSmallIntegerField(_("duur (maanden)"))
    every_months = models.PositiveSmallIntegerField(_("herhaalt elke (maanden)"), default=0)
    owner_roles = models.JSONField(_("eigenaars (rollen)"), default=list)
    deliverable = models.CharField(_("product"), max_length=120, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fase van de cyclus")
        verbose_name_plural = _("fasen van de cyclus")
        ordering = ["municipality_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "phase"], name="cycle_phase_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_phase_display()}"


# --- actions: progress, milestones, funding -----------------------------------------------------


class ActionUpdate(models.Model):
    """A progress update on an action: what happened, when, by whom."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("datum"))
    text = models.TextField(_("voortgang"))
    author = models.CharField(_("auteur"), max_length=160)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("voortgangsbericht")
        verbose_name_plural = _("voortgangsberichten")
        ordering = ["action_id", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.text[:60]}"


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("mijlpaal"), max_length=200)
    due = models.DateField(_("uiterlijk"))
    done_on = models.DateField(_("behaald op"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mijlpaal")
        verbose_name_plural = _("mijlpalen")
        ordering = ["action_id", "due", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def done(self) -> bool:
        return self.done_on is not None


class ActionFunding(models.Model):
    """An action's budget from one source (gebiedsbudget, a department's budget, a subsidy).
    The action's own budget fields hold the sums over its sources."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("bron"), max_length=120)
    planned = models.DecimalField(_("begroot"), max_digits=12, decimal_places=2, default=0)
    committed = models.DecimalField(_("verplicht"), max_digits=12, decimal_places=2, default=0)
    spent = models.DecimalField(_("besteed"), max_digits=12, decimal_places=2, default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("financiering")
        verbose_name_plural = _("financiering")
        ordering = ["action_id", "source"]
        constraints = [
            models.UniqueConstraint(fields=["action", "source"], name="funding_action_source"),
            models.CheckConstraint(
                condition=models.Q(planned__gte=0)
                & models.Q(committed__gte=0)
                & models.Q(spent__gte=0),
                name="funding_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.planned}"


# --- area budgets and handgeld ------------------------------------------------------------------


class BudgetKind(models.TextChoices):
    AREA = "area", _("gebiedsbudget")
    HANDGELD = "handgeld", _("handgeld")


class AreaBudget(models.Model):
    """The money an area has to spend in a year, as gebiedsbudget or handgeld."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("jaar"))
    kind = models.CharField(_("soort"), max_length=10, choices=BudgetKind.choices)
    amount = models.DecimalField(_("bedrag"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gebiedsbudget")
        verbose_name_plural = _("gebiedsbudgetten")
        ordering = ["area__code", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year", "kind"], name="budget_area_year_kind"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.area_id} {self.year}"


class BudgetAllocation(models.Model):
    """Part of an area budget given to an action, or to something else through the generic hook
    (`target_type`/`target_id`: e.g. a participation initiative, without cycle importing it)."""

    budget = models.ForeignKey(AreaBudget, on_delete=models.CASCADE, related_name="allocations")
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    label = models.CharField(_("omschrijving"), max_length=200, blank=True, default="")
    planned = models.DecimalField(_("toegekend"), max_digits=12, decimal_places=2)
    spent = models.DecimalField(_("besteed"), max_digits=12, decimal_places=2, default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("toekenning")
        verbose_name_plural = _("toekenningen")
        ordering = ["budget_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned__gte=0) & models.Q(spent__gte=0),
                name="allocation_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(target_type__isnull=True, target_id__isnull=True)
                | models.Q(target_type__isnull=False, target_id__isnull=False),
                name="allocation_target_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(self.action or self.target_id)
