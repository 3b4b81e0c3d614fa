"""Neighbourhood budget rounds (buurtbegroting) and residents' initiatives.

Secrecy of the vote is a property of the schema: a ``Ballot`` has no foreign key, no timestamp
and no sequential id, so nothing in the database joins it to a ``VotingCode`` or to the address a
code was sent to. A ``VotingCode`` stores only a keyed hash of the code and whether it was used.
Residents' contact details live in ``ResidentContact``, apart and purgeable.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gebiedskompas.areas.models import Area
from gebiedskompas.cycle.models import Action
from gebiedskompas.participation.domain.ballots import BallotType
from gebiedskompas.participation.domain.initiatives import InitiativeStatus
from gebiedskompas.participation.domain.phases import Phase

PHASE_CHOICES = [
    (Phase.PREPARATION.value, _("voorbereiding")),
    (Phase.IDEAS.value, _("ideeën indienen")),
    (Phase.CHECK.value, _("toets op haalbaarheid en kosten")),
    (Phase.VOTING.value, _("stemmen")),
    (Phase.RESULTS.value, _("uitslag")),
    (Phase.EXECUTION.value, _("uitvoering")),
]
BALLOT_TYPE_CHOICES = [
    (BallotType.APPROVAL.value, _("kies ideeën")),
    (BallotType.KNAPSACK.value, _("kies ideeën binnen het budget")),
    (BallotType.CUMULATIVE.value, _("verdeel punten")),
    (BallotType.RANKING.value, _("zet ideeën op volgorde")),
]
METHOD_CHOICES = [
    ("greedy", _("meeste stemmen")),
    ("mes", _("methode van gelijke delen")),
    ("mes-complete", _("methode van gelijke delen, aangevuld")),
]
STATUS_CHOICES = [
    (InitiativeStatus.SUBMITTED.value, _("ingediend")),
    (InitiativeStatus.ASSESSING.value, _("in beoordeling")),
    (InitiativeStatus.GRANTED.value, _("toegekend")),
    (InitiativeStatus.PARTLY_GRANTED.value, _("deels toegekend")),
    (InitiativeStatus.REFUSED.value, _("afgewezen")),
    (InitiativeStatus.PAID.value, _("uitbetaald")),
    (InitiativeStatus.REPORTED.value, _("verantwoord")),
]


class BudgetRound(models.Model):
    """One buurtbegroting: an area, a budget, the ballot rules, who may vote, and the phase."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="budget_rounds")
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True, default="")
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    ballot_type = models.CharField(
        _("soort stembiljet"), max_length=12, choices=BALLOT_TYPE_CHOICES
    )
    min_choices = models.PositiveSmallIntegerField(_("minimaal aantal keuzes"), default=1)
    max_choices = models.PositiveSmallIntegerField(
        _("maximaal aantal keuzes"), null=True, blank=True
    )
    points = models.PositiveSmallIntegerField(_("te verdelen punten"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimumleeftijd"), null=True, blank=True)
    residents_only = models.BooleanField(_("alleen bewoners van het gebied"), default=True)
    may_change_ballot = models.BooleanField(_("stem wijzigen toegestaan"), default=False)
    email_voting = models.BooleanField(
        _("stemmen met e-mailadres"),
        default=False,
        help_text=_(
            "Bewoners kunnen ook stemmen via een eenmalige link per e-mail in plaats van een "
            "stemcode per brief."
        ),
    )
    login_voting = models.BooleanField(
        _("stemmen met gemeentelijke inlog"),
        default=False,
        help_text=_(
            "Alleen waar de installatie inloggen via OpenID Connect heeft: wie zo is ingelogd, "
            "kan één keer per account stemmen."
        ),
    )
    method = models.CharField(
        _("verdeelmethode"), max_length=12, choices=METHOD_CHOICES, default="mes-complete"
    )
    phase = models.CharField(
        _("fase"), max_length=12, choices=PHASE_CHOICES, default=Phase.PREPARATION.value
    )
    # Where an imported .pb came from (empty for rounds run here).
    source = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("buurtbegroting")
        verbose_name_plural = _("buurtbegrotingen")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_choices__isnull=True)
                | models.Q(max_choices__gte=models.F("min_choices")),
                name="round_max_choices_at_least_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PhasePlan(models.Model):
    """The planned dates of one phase of a round (shown to residents)."""

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="plan")
    phase = models.CharField(max_length=12, choices=PHASE_CHOICES)
    starts_on = models.DateField(_("begint op"))
    ends_on = models.DateField(_("eindigt op"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round_id", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["round", "phase"], name="phase_plan_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.phase} {self.starts_on}"


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("ingediend")
    ACCEPTED = "accepted", _("op het stembiljet")
    REJECTED = "rejected", _("gaat niet door")


class Idea(models.Model):
    """A resident's idea in a round; after the check it goes on the ballot or gets a public
    reason why not. ``project_id`` is its id in Pabulib exports and in tie-breaking."""

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="ideas")
    project_id = models.CharField(max_length=40, blank=True, default="")
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True, default="")
    location = models.CharField(_("plek"), max_length=300, blank=True, default="")
    estimated_cost = models.DecimalField(
        _("geschatte kosten"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    cost = models.DecimalField(
        _("kosten na toets"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        max_length=12, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED
    )
    public_reason = models.TextField(_("reden (openbaar)"), blank=True, default="")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected = models.BooleanField(_("gekozen"), default=False)
    # Execution is tracked as an action in the area plan once the round moves to execution.
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    submitted_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("idee")
        verbose_name_plural = _("ideeën")
        ordering = ["round_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(cost__isnull=False),
                name="idea_accepted_has_cost",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(public_reason=""),
                name="idea_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def pb_id(self) -> str:
        return self.project_id or str(self.pk)


class VotingCode(models.Model):
    """A one-time voting code, stored only as a keyed hash; ``is_used`` once a ballot is cast.

    ``register_ref`` is a keyed hash of the register row the code was made for, so importing the
    same register again makes no second code for anyone. No timestamp: when a code was used
    would, set beside ballots, narrow down who cast which.
    """

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    register_ref = models.CharField(max_length=64)
    # Keyed hash of the row's postcode + house number: e-mail voting checks an address here.
    address_key = models.CharField(max_length=64, blank=True, default="")
    is_used = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["round", "address_key"], name="code_by_address")]
        constraints = [
            models.UniqueConstraint(fields=["round", "code_hash"], name="code_once"),
            models.UniqueConstraint(fields=["round", "register_ref"], name="code_per_register_row"),
        ]

    def __str__(self) -> str:
        return f"code {self.pk} ({'used' if self.is_used else 'unused'})"


class EmailVerification(models.Model):
    """A one-time voting link sent by e-mail: only keyed hashes, never the address itself.

    ``email_key`` is a keyed hash of the e-mail address (one ballot per address per round:
    unique among used links), or for a resident signed in with the municipal login (OIDC) a
    keyed hash of their account under another key (one ballot per account); ``address_key``
    that of the postcode + house number checked
    against the register (empty where the round's eligibility needs no register).
    ``token_hash`` is a plain hash of the link's random token. When the link is used it claims
    one unused ``VotingCode`` of that address in the same transaction as the ballot, so letter
    and e-mail together still give one ballot per register row. No time of use is kept;
    ``expires_at`` is the request time plus the link's validity. Unused links are deleted when
    the round closes.
    """

    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="email_links")
    token_hash = models.CharField(max_length=64, unique=True)
    email_key = models.CharField(max_length=64)
    address_key = models.CharField(max_length=64, blank=True, default="")
    expires_at = models.DateTimeField()
    is_used = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "email_key"],
                condition=models.Q(is_used=True),
                name="one_vote_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"e-mail link {self.pk} ({'used' if self.is_used else 'unused'})"


class Ballot(models.Model):
    """A cast ballot: the round and the choices, nothing else that could identify the voter.

    Random id (no order of casting), no timestamp, no link to the code. ``choices`` is a list of
    ``[idea project id, value]`` (value: 1, the points, or the rank). ``change_key`` is set only
    in rounds that let voters change their ballot: a keyed hash of the code under a different
    key than ``VotingCode.code_hash``, so only someone holding the code itself finds the ballot
    again (see docs/adr/0008-secret-ballots.md).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(BudgetRound, on_delete=models.CASCADE, related_name="ballots")
    choices = models.JSONField()
    change_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "change_key"], name="ballot_change_key_once"),
        ]

    def __str__(self) -> str:
        return f"ballot in round {self.round_id}"


class Initiative(models.Model):
    """A residents' initiative asking for support or money (bewonersinitiatief)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="initiatives")
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("wat"))
    location = models.CharField(_("waar"), max_length=300, blank=True, default="")
    starts_on = models.DateField(_("vanaf"), null=True, blank=True)
    ends_on = models.DateField(_("tot en met"), null=True, blank=True)
    budget_asked = models.DecimalField(_("gevraagd bedrag"), max_digits=12, decimal_places=2)
    participants = models.TextField(_("wie doen mee"), blank=True, default="")
    status = models.CharField(
        max_length=16, choices=STATUS_CHOICES, default=InitiativeStatus.SUBMITTED.value
    )
    criteria = models.JSONField(_("beoordeling per criterium"), default=dict, blank=True)
    connector_advice = models.TextField(_("advies gebiedsverbinder"), blank=True, default="")
    decision_reason = models.TextField(_("motivering besluit"), blank=True, default="")
    amount_granted = models.DecimalField(
        _("toegekend bedrag"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(_("uitbetaald op"), null=True, blank=True)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    report = models.TextField(_("verslag achteraf"), blank=True, default="")
    spending = models.TextField(_("besteding (samenvatting)"), blank=True, default="")
    # A photo with the applicant's report: re-encoded without metadata (signals' photo check).
    report_photo = models.FileField(upload_to="initiatives/%Y/%m/", blank=True, default="")
    # Who filed the report: the applicant through their status link, or staff for them.
    reported_by_applicant = models.BooleanField(default=False)
    # A granted initiative appears in the area plan (and its budget) as an action.
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_on = models.DateField(null=True, blank=True)
    # The applicant's private status link carries a token; only its hash is kept.
    token_hash = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    submitted_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bewonersinitiatief")
        verbose_name_plural = _("bewonersinitiatieven")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ResidentContact(models.Model):
    """Contact details of an idea's submitter or an initiative's applicant: apart, minimal, and
    purged the municipality's retention period after the round's voting closed or the
    initiative was finished (participation/retention.py). Never exported; shown only to roles
    with view_reporter."""

    idea = models.OneToOneField(
        Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="contact"
    )
    initiative = models.OneToOneField(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="contact"
    )
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idea__isnull=True) ^ models.Q(initiative__isnull=True),
                name="contact_of_idea_or_initiative",
            ),
        ]

    def __str__(self) -> str:
        return f"contact {self.pk}"
