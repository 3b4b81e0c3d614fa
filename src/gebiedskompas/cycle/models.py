"""The gebiedscyclus. For now: stories (verhalen), the observations beside the numbers.

"Tellen en vertellen": a professional's, partner's or resident's dated observation about one or
more areas, optionally about indicators. Residents' stories wait for a staff member's approval
before anyone sees them; professionals' and partners' stories entered by staff are approved on
entry. Only a hash of a submitter's IP address is kept (for the rate limit), never the address.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gebiedskompas.areas.models import Area
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
