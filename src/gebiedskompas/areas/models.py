"""The area registry: gemeente › stadsdeel › wijk › buurt, clusters, geometry, code changes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gebiedskompas.areas.domain.codes import AreaLevel


class Level(models.TextChoices):
    LAND = AreaLevel.LAND.value, _("land")
    GEMEENTE = AreaLevel.GEMEENTE.value, _("gemeente")
    STADSDEEL = AreaLevel.STADSDEEL.value, _("stadsdeel")
    WIJK = AreaLevel.WIJK.value, _("wijk")
    BUURT = AreaLevel.BUURT.value, _("buurt")


class Area(models.Model):
    """One area at one level. Codes are CBS codes or, for stadsdelen, the municipality's own."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The gemeente at the root of this area's tree (itself for a gemeente): scopes every query
    # and every right to one municipality in a shared installation.
    municipality = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Geometry without a spatial extension: WKB in RD New (EPSG:28992) for areas and distances,
    # GeoJSON in WGS84 (simplified) for maps, and its bounding box for quick neighbour search.
    geometry_rd = models.BinaryField(null=True, blank=True, editable=False)
    geojson_wgs84 = models.TextField(blank=True, default="", editable=False)
    area_m2 = models.FloatField(null=True, blank=True)
    min_x = models.FloatField(null=True, blank=True)
    min_y = models.FloatField(null=True, blank=True)
    max_x = models.FloatField(null=True, blank=True)
    max_y = models.FloatField(null=True, blank=True)
    valid_from = models.PositiveSmallIntegerField(_("geldig vanaf"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("geldig tot en met"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gebied")
        verbose_name_plural = _("gebieden")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["municipality", "level"]),
            models.Index(fields=["parent"]),
            models.Index(fields=["name"]),
            # Bounding-box look-ups within one level (neighbours: see selectors.touching).
            models.Index(fields=["level", "min_x"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def has_geometry(self) -> bool:
        return bool(self.geojson_wgs84)


class AreaYear(models.Model):
    """An area's presence in one year's CBS division, with the CBS change indicator."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField()
    # IndelingswijzigingGemeenteWijkBuurt: "1" = figures comparable with the previous year's
    # division, "2"/"3" = the area changed; "." = not applicable. Kept as CBS wrote it.
    change_indicator = models.CharField(max_length=4, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="area_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} in {self.year}"


class CodeMapping(models.Model):
    """Old → new area code after a redivision, with the share of the old area that moved."""

    old_code = models.CharField(max_length=40)
    new_code = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField(help_text=_("Jaar waarin de nieuwe indeling geldt"))
    share = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["old_code", "new_code", "year"], name="code_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code} ({self.year})"


class Cluster(models.Model):
    """A named set of buurten, e.g. a focus area (focusgebied) of a pilot."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    municipality = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="clusters")
    members = models.ManyToManyField(Area, related_name="member_of_clusters", blank=True)
    description = models.TextField(_("omschrijving"), blank=True, default="")

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DataVersion(models.Model):
    """One row counting committed changes to what the public pages show (areas, figures,
    stories). Pages rendered from those are cached under the version, so a change is visible
    on the next request without purging anything (see ``areas.versioning``)."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gegevensversie")
        verbose_name_plural = _("gegevensversies")

    def __str__(self) -> str:
        return f"v{self.version}"
