"""Roles as data, assigned per user per area; organisations; API tokens for integrations.

A `RoleAssignment` on an area covers that area and everything below it (a stadsdeel covers its
wijken and buurten); on a gemeente the whole municipality; with no area the whole installation.
`accounts.permissions.can` is the one check that reads them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gebiedskompas.accounts import audit
from gebiedskompas.areas.models import Area


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    description = models.TextField(_("omschrijving"), blank=True, default="")
    # Action codes (see accounts.roles.ACTIONS) this role allows within its assignment's scope.
    permissions = models.JSONField(_("rechten"), default=list)

    class Meta:
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    DEPARTMENT = "department", _("lijnafdeling")
    PARTNER = "partner", _("partnerorganisatie")


class Organisation(models.Model):
    """A line department or an external partner (corporatie, politie, welzijn, GGD)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=12, choices=OrganisationKind.choices)
    municipality = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssignmentSource(models.TextChoices):
    LOCAL = "local", _("in Gebiedskompas")
    OIDC = "oidc", _("uit de identity provider")


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    # None: installation-wide (operator). A gemeente: that municipality. Lower: that subtree.
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("gebied"),
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    # Assignments from the identity provider are replaced at every sign-in; local ones stay.
    source = models.CharField(
        max_length=8, choices=AssignmentSource.choices, default=AssignmentSource.LOCAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("roltoewijzing")
        verbose_name_plural = _("roltoewijzingen")
        ordering = ["user_id", "role__code"]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        where = self.area.code if self.area_id else _("hele installatie")
        return f"{self.user} — {self.role} @ {where}"


class ApiToken(models.Model):
    """A key for an integration, acting as its (service) user: scoped by that user's roles.

    Only a SHA-256 hash is stored; the key itself is shown once, when issued.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


audit.register_area_models()
audit.register_catalogue_models()
