"""The default indicator set of a stored-area analysis, and the structural profile for peers.

Used when a run names no indicators (``kompas analyse`` without ``--indicators``, the web form).
Each domain lists catalogue indicators with the direction in which they are good. The direction
is set here rather than read from the catalogue, because the catalogue marks some indicators
``neutral`` as descriptions (the average WOZ value, Wmo clients) that an analysis of need does
read one way: a low WOZ value and many Wmo clients per 1 000 inhabitants point to more need, as
in the Leefbaarometer and the Rotterdam Wijkprofiel.

**Counts become rates.** A count (``personen_per_soort_uitkering_bijstand``: people on social
assistance) grows with the size of the area, so ranking areas on it would rank their size. Every
count in the set therefore names a denominator (``per``) and a ``scale``: the value analysed is
``scale · count / denominator`` of the same area and period, e.g. bijstand per 1 000 inhabitants
or burglaries per 1 000 households. An area whose denominator is missing or 0 gets no value
(the missing-value policy of the run decides). Percentages, averages and rates from the source
are used as they are (``per`` empty).

**Periods.** A survey indicator is not measured every year (the demo's resident survey is
biennial). For each indicator the run uses the requested period or, if the municipality has no
value at all for it then, the latest earlier period within ``MAX_PERIOD_AGE_YEARS``; the run
stores which period each indicator came from. An indicator without any value in that window is
left out (and listed as skipped); a domain left without indicators is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gebiedskompas.analysis.domain.model import Direction

MAX_PERIOD_AGE_YEARS: Final = 2
RATE_SCALE: Final = 1000.0


@dataclass(frozen=True)
class IndicatorChoice:
    """One indicator of the set: catalogue ``key``, ``direction``, and for a count the
    denominator key ``per`` and the ``scale`` of the rate (value = scale · key / per)."""

    key: str
    direction: Direction
    per: str = ""
    scale: float = RATE_SCALE

    @property
    def column(self) -> str:
        """The column name in the analysis table (``key`` or ``key_per_<scale>_<per>``)."""
        if not self.per:
            return self.key
        return f"{self.key}_per_{int(self.scale)}_{self.per}"

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "direction": self.direction.value,
            "per": self.per,
            "scale": self.scale,
            "column": self.column,
        }


@dataclass(frozen=True)
class DomainChoice:
    name: str
    indicators: tuple[IndicatorChoice, ...]


WORSE = Direction.HIGHER_IS_WORSE
BETTER = Direction.HIGHER_IS_BETTER

DEFAULT_INDICATOR_SET: Final[tuple[DomainChoice, ...]] = (
    DomainChoice(
        "sociaal",
        (
            IndicatorChoice("personen_per_soort_uitkering_bijstand", WORSE, per="inwoners"),
            IndicatorChoice("personen_per_soort_uitkering_ww", WORSE, per="inwoners"),
            IndicatorChoice("personen_per_soort_uitkering_ao", WORSE, per="inwoners"),
            # Already a rate per 1 000 inhabitants in the catalogue.
            IndicatorChoice("wmo_clienten_relatief", WORSE),
        ),
    ),
    DomainChoice(
        "economie",
        (
            IndicatorChoice("gemiddeld_inkomen_per_inwoner", BETTER),
            IndicatorChoice("huishoudens_met_een_laag_inkomen", WORSE),
            IndicatorChoice("nettoarbeidsparticipatie", BETTER),
        ),
    ),
    DomainChoice(
        "veiligheid",
        (
            IndicatorChoice("misdrijven_vermogen_vernieling_geweld", WORSE, per="inwoners"),
            # Burglaries happen to dwellings: per 1 000 households, not inhabitants.
            IndicatorChoice("woninginbraken", WORSE, per="huishoudens_totaal"),
        ),
    ),
    DomainChoice(
        "wonen",
        (
            IndicatorChoice("woz_waarde", BETTER),
            IndicatorChoice("onbewoonde_woningen", WORSE),
        ),
    ),
    DomainChoice(
        "leefbaarheid",
        (
            IndicatorChoice("rapportcijfer_leefbaarheid", BETTER),
            IndicatorChoice("ervaart_overlast", WORSE),
        ),
    ),
)

STRUCTURAL_PROFILE: Final[tuple[IndicatorChoice, ...]] = (
    # What an area is, not how it is doing: peers are compared on outcomes, so outcomes must
    # not decide who the peers are. Age mix as shares of the inhabitants.
    IndicatorChoice("bevolkingsdichtheid", Direction.NEUTRAL),
    IndicatorChoice("gemiddelde_huishoudensgrootte", Direction.NEUTRAL),
    IndicatorChoice("koopwoningen", Direction.NEUTRAL),
    IndicatorChoice("percentage_meergezinswoning", Direction.NEUTRAL),
    IndicatorChoice("woz_waarde", Direction.NEUTRAL),
    IndicatorChoice("leeftijd_0_15", Direction.NEUTRAL, per="inwoners", scale=100.0),
    IndicatorChoice("leeftijd_65_plus", Direction.NEUTRAL, per="inwoners", scale=100.0),
    IndicatorChoice(
        "eenpersoonshuishoudens", Direction.NEUTRAL, per="huishoudens_totaal", scale=100.0
    ),
)


def domain_names() -> tuple[str, ...]:
    return tuple(d.name for d in DEFAULT_INDICATOR_SET)
