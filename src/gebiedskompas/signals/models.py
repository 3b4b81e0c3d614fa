"""Signals (meldingen): categories, routing rules, the signal with its history, the reporter's
personal data apart, and the escalations recorded once per rung."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gebiedskompas.accounts.models import Organisation
from gebiedskompas.areas.models import Area
from gebiedskompas.signals.domain.deadlines import DayKind
from gebiedskompas.signals.domain.workflow import LABELS, Status

STATUS_CHOICES = [(s.value, LABELS[s]) for s in Status]


class Channel(models.TextChoices):
    WEB = "web", _("webformulier")
    PHONE = "phone", _("telefoon")
    COUNTER = "counter", _("balie")
    PARTNER = "partner", _("partner")
    OPEN311 = "open311", _("Open311")
    APP = "app", _("app")
    SOCIAL = "social", _("sociale media")
    EMAIL = "email", _("e-mail")
    IMPORT = "import", _("import")
    OTHER = "other", _("anders")


class Category(models.Model):
    """A main category (parent empty) or a sub category, per municipality, as in Signalen."""

    municipality = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=100)
    name = models.CharField(_("naam"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(_("omschrijving"), blank=True, default="")
    default_department = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handling_days = models.PositiveSmallIntegerField(_("afhandeltermijn"), default=5)
    handling_day_kind = models.CharField(
        max_length=8,
        choices=[
            (DayKind.WORKING.value, _("werkdagen")),
            (DayKind.CALENDAR.value, _("kalenderdagen")),
        ],
        default=DayKind.WORKING.value,
    )
    reporter_text = models.TextField(_("tekst voor de melder"), blank=True, default="")
    is_active = models.BooleanField(default=True)
    # The audit trail (django-simple-history): staff change categories in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("categorie")
        verbose_name_plural = _("categorieën")
        ordering = ["municipality_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="category_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name


class RoutingRule(models.Model):
    """Ordered per municipality; the first active one matching category, area and time wins."""

    municipality = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    starts = models.TimeField(null=True, blank=True)
    ends = models.TimeField(null=True, blank=True)
    department = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("routeringsregel")
        verbose_name_plural = _("routeringsregels")
        ordering = ["municipality_id", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}: → {self.department_id}"


class Signal(models.Model):
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    # The buurt holding the point; the municipality itself when only an address or a region
    # name was given (location_verified False).
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="signals")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="signals")
    description = models.TextField(blank=True, default="")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True, default="")
    location_verified = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=Status.REPORTED.value)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WEB)
    department = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Unique: a retried create (double submit, client retry, re-import) finds the first one.
    idempotency_key = models.CharField(max_length=200, unique=True)
    # A child signal: one part of a report split over departments.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # A duplicate merged into another signal (and cancelled).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    photo = models.FileField(upload_to="signals/%Y/%m/", blank=True, default="")
    # Set by staff: the photo shows persons, so it is personal data and is removed with the
    # reporter's contact details when the retention period runs out (signals/retention.py).
    photo_shows_persons = models.BooleanField(_("foto toont personen"), default=False)
    reported_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The audit trail: every change of status, assignment, area or text, with who and when.
    # `history` is the status log (StatusChange, with notes), so the records are `audit`. The
    # reporter's personal data is in Reporter, which keeps no history, so none of it is copied
    # here; the idempotency key and the update time are left out as noise.
    audit = HistoricalRecords(excluded_fields=["idempotency_key", "updated_at"])

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["area", "reported_at"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.category} ({self.reference})"


class StatusChange(models.Model):
    """Append-only history: one row per status change, never edited (see save)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=STATUS_CHOICES, blank=True, default="")
    to_status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    note = models.TextField(blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["signal_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a status change is history and is never edited")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # passed through unchanged


class Reporter(models.Model):
    """The reporter's personal data, apart from the signal so it can be shown only to roles with
    view_reporter and purged on its own, the municipality's retention period after the signal
    was closed (signals/retention.py)."""

    signal = models.OneToOneField(Signal, on_delete=models.CASCADE, related_name="reporter")
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    # A postal address to write to, where the reporter gives one (not the signal's location).
    address = models.CharField(max_length=300, blank=True, default="")
    consent_updates = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("melder")
        verbose_name_plural = _("melders")

    def __str__(self) -> str:
        return f"melder van {self.signal_id}"


class Escalation(models.Model):
    """One rung of the ladder reached by one signal; unique, so the job escalates once."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    escalated_at = models.DateTimeField()
    # Who was told, as usernames (or the role when nobody holds it): kept as written then.
    recipients = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["signal_id", "due_at"]
        constraints = [
            models.UniqueConstraint(fields=["signal", "step"], name="escalation_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.signal_id}: {self.step}"


class NoteKind(models.TextChoices):
    NOTE = "note", _("notitie")
    ASSIGN = "assign", _("toegewezen")
    SPLIT = "split", _("gesplitst")
    MERGE = "merge", _("samengevoegd")
    INTAKE = "intake", _("aangenomen")


class Note(models.Model):
    """Append-only log of what staff did besides status changes: notes, assignments, splits,
    merges, each with who and when."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=8, choices=NoteKind.choices, default=NoteKind.NOTE)
    text = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("notitie")
        verbose_name_plural = _("notities")
        ordering = ["signal_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a note is history and is never edited")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # passed through unchanged


class EscalationStep(models.Model):
    """One rung of a municipality's escalation ladder, as data. Without rows the default ladder
    (domain/escalation.py) applies. `after_working_days` counts from the previous rung, the first
    from the deadline; `role` is the role code whose holders for the signal's area are told."""

    municipality = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=40)
    label = models.CharField(_("omschrijving"), max_length=200)
    after_working_days = models.PositiveSmallIntegerField(_("na werkdagen"), default=0)
    role = models.SlugField(_("rol"), max_length=40)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("escalatiestap")
        verbose_name_plural = _("escalatiestappen")
        ordering = ["municipality_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="escalation_step_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.label} (+{self.after_working_days})"
