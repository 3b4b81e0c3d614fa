"""The demo municipality (``kompas demo``): "Gemeente Voorbeeld", code GM9999, fictitious.

Built deterministically from a seed and idempotently: a second build with the same seed changes
nothing and is fast. Everything goes through the real services: the areas through the boundary
import (``areas.geo_import.store_area_features``, so stadsdelen are placed spatially), the buurt
figures through the observation pipeline (``indicators.services.write_observations``), and the
wijk, stadsdeel and gemeente figures through ``indicators.aggregation.recompute_municipality``.

The geometry is a Voronoi tessellation in RD New around x = 200 000, y = 450 000: ten wijken,
each cut into five to seven buurten, grouped into five stadsdelen by direction from the centre.
The figures follow a latent, spatially smooth deprivation factor (two hotspots, one in the east)
plus urbanity (distance to the centre), so a few buurten are clearly worse on several domains,
with trends over 2015–2024 shaped like the national ones (WOZ values rising, burglaries and gas
use falling). Counts add up (the five age groups sum to the inhabitants, the household types to
the households); three outlying buurten have fewer than 50 inhabitants, so disclosure control
shows. Two subjective indicators from a fictitious biennial resident survey carry margins.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from django.contrib.auth import get_user_model
from django.db import transaction

from gebiedskompas.accounts.services import assign_role, ensure_default_roles
from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.domain.geometry import AreaFeature, Geometry, describe_geometry
from gebiedskompas.areas.geo_import import store_area_features
from gebiedskompas.areas.models import Area, AreaYear, Cluster
from gebiedskompas.cycle.demo import build_cycle
from gebiedskompas.indicators.aggregation import recompute_municipality
from gebiedskompas.indicators.domain.catalogue import load_catalogue
from gebiedskompas.indicators.models import Observation
from gebiedskompas.indicators.services import ImportSummary, ensure_indicators, write_observations
from gebiedskompas.participation.demo import build_participation_demo
from gebiedskompas.signals.demo import build_signal_demo

Progress = Callable[[str, int, int], None]

MUNICIPALITY_CODE: Final = "GM9999"
MUNICIPALITY_NAME: Final = "Gemeente Voorbeeld"
CLUSTER_CODE: Final = "CL9999-focusgebied-oost"
CLUSTER_NAME: Final = "Focusgebied Oost"
YEARS: Final = tuple(range(2015, 2025))
SURVEY_YEARS: Final = tuple(range(2015, 2025, 2))
CENTRE: Final = (200_000.0, 450_000.0)
RADIUS_M: Final = 4_200.0
SOURCE: Final = "Demo (fictieve gegevens)"
NOTE: Final = (
    "Gemeente Voorbeeld (GM9999) is fictief: gebieden, namen en cijfers zijn verzonnen voor de "
    "demonstratie en zeggen niets over een echte gemeente."
)

# Stadsdelen by the direction of their wijken from the centre; the two central wijken form Centrum.
STADSDELEN: Final = (
    ("SD9999-centrum", "Stadsdeel Centrum"),
    ("SD9999-noord", "Stadsdeel Noord"),
    ("SD9999-oost", "Stadsdeel Oost"),
    ("SD9999-zuid", "Stadsdeel Zuid"),
    ("SD9999-west", "Stadsdeel West"),
)
WIJK_NAMES: Final = (
    "Binnenstad",
    "Stationskwartier",
    "Oosterpark",
    "Molenbroek",
    "Noorderhout",
    "Vogelwijk",
    "Westerkwartier",
    "Dijkzicht",
    "Zuiderveld",
    "Bloemenwijk",
)
# Buurten per wijk: 60 in all, the centre cut finer.
BUURTEN_PER_WIJK: Final = (6, 6, 7, 6, 5, 6, 5, 6, 7, 6)
_NAME_HEADS: Final = (
    "Eiken", "Beuken", "Linden", "Essen", "Berken", "Wilgen", "Merel", "Lijster", "Zwaluw",
    "Reiger", "Molen", "Kerk", "Brink", "Haven", "Spoor", "Sluis", "Dijk", "Akker", "Hazel",
    "Vlier", "Heide", "Zon", "Klaver", "Rozen", "Tulpen", "Kastanje", "Populier", "Kievit",
    "Meeuwen", "Fazant",
)  # fmt: skip
_NAME_TAILS: Final = (
    "hof", "veld", "kamp", "laan", "park", "hoek", "es", "weide", "rijk", "kwartier",
)  # fmt: skip

SUBJECTIVE_SPECS: Final[Mapping[str, Mapping[str, Any]]] = {
    "rapportcijfer_leefbaarheid": {
        "name": "Rapportcijfer leefbaarheid buurt",
        "definition": "Gemiddeld rapportcijfer (1–10) dat bewoners hun buurt geven als plek om "
        "te wonen. Fictieve bewonerspeiling, tweejaarlijks, met 95%-betrouwbaarheidsinterval.",
        "unit": "rapportcijfer",
        "domain": "leefbaarheid",
        "direction": "higher_is_better",
        "kind": "subjective",
        "source": "Demo bewonerspeiling",
        "aggregation": "weighted_mean",
        "weight": "inwoners",
        "min_population": 50,
        "decimals": 1,
    },
    "ervaart_overlast": {
        "name": "Ervaart veel overlast in de buurt",
        "definition": "Percentage bewoners dat zegt vaak overlast te ervaren (geluid, "
        "rommel, jongeren). Fictieve bewonerspeiling, tweejaarlijks, met 95%-interval.",
        "unit": "%",
        "domain": "leefbaarheid",
        "direction": "higher_is_worse",
        "kind": "subjective",
        "source": "Demo bewonerspeiling",
        "aggregation": "weighted_mean",
        "weight": "inwoners",
        "min_population": 50,
        "decimals": 1,
    },
}

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    is_superuser: bool


DEMO_USERS: Final = (
    DemoUser("beheerder", "demo-beheerder", "beheerder (alle rechten, beheerscherm)", True),
    DemoUser("analist", "demo-analist", "analist (medewerker)", False),
    DemoUser("gebiedsmanager", "demo-gebiedsmanager", "gebiedsmanager Stadsdeel Oost", False),
    DemoUser("wethouder", "demo-wethouder", "wethouder (alleen lezen)", False),
)
# The role (accounts.roles) and area each demo user gets; None: the whole installation.
DEMO_ROLES: Final = {
    "beheerder": ("beheerder", MUNICIPALITY_CODE),
    "analist": ("analist", MUNICIPALITY_CODE),
    "gebiedsmanager": ("gebiedsmanager", "SD9999-oost"),
    "wethouder": ("wethouder", MUNICIPALITY_CODE),
}


@dataclass
class DemoSummary:
    """What `build_demo` did; ``str()`` is what ``kompas demo`` prints, log-ins included."""

    municipality: str = MUNICIPALITY_CODE
    name: str = MUNICIPALITY_NAME
    seed: int = 2026
    areas_created: int = 0
    areas_updated: int = 0
    areas_unchanged: int = 0
    indicators_created: int = 0
    observations_new: int = 0
    observations_updated: int = 0
    observations_unchanged: int = 0
    aggregates_written: int = 0
    clusters_created: int = 0
    users_created: int = 0
    users: list[DemoUser] = field(default_factory=list)
    note: str = NOTE
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(
            self.areas_created
            or self.areas_updated
            or self.indicators_created
            or self.observations_new
            or self.observations_updated
            or self.clusters_created
            or self.users_created
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lines = [
            f"{self.name} ({self.municipality}, seed {self.seed}): "
            f"{self.areas_created} new, {self.areas_updated} updated, "
            f"{self.areas_unchanged} unchanged areas; {self.observations_new} new, "
            f"{self.observations_updated} updated, {self.observations_unchanged} unchanged "
            f"observations; {self.aggregates_written} aggregated values "
            f"({self.seconds:.1f} s)",
            self.note,
            "Demo log-ins (alleen voor de demo, niet voor echt gebruik):",
        ]
        lines += [f"  {u.username} / {u.password}  — {u.role}" for u in self.users]
        return "\n".join(lines)


# --- geometry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoArea:
    code: str
    name: str
    level: AreaLevel
    shape: Geometry  # RD New
    stadsdeel: str = ""  # stadsdeel code, for wijken and buurten
    wijk: str = ""  # wijk code, for buurten


def _outline(rng: np.random.Generator) -> Geometry:
    """A smooth, irregular municipality outline around `CENTRE`."""
    phases = rng.uniform(0, 2 * math.pi, 3)
    theta = np.linspace(0, 2 * math.pi, 96, endpoint=False)
    radius = RADIUS_M * (
        1
        + 0.12 * np.sin(2 * theta + phases[0])
        + 0.07 * np.sin(3 * theta + phases[1])
        + 0.04 * np.sin(5 * theta + phases[2])
    )
    x = CENTRE[0] + radius * np.cos(theta)
    y = CENTRE[1] + radius * np.sin(theta)
    return shapely.Polygon(np.column_stack([np.round(x), np.round(y)]))


def _cells(points: FloatArray, clip: Geometry) -> list[Geometry]:
    """Voronoi cells of `points` cut to `clip`, in the order of the points."""
    diagram = shapely.voronoi_polygons(
        shapely.MultiPoint(points), extend_to=clip.buffer(2_000).envelope
    )
    cells = list(shapely.get_parts(diagram))
    out = []
    for x, y in points:
        point = shapely.Point(x, y)
        cell = next(c for c in cells if c.contains(point))
        # A 1 cm grid keeps shared edges identical and the tessellation free of slivers.
        out.append(shapely.set_precision(shapely.intersection(cell, clip), 0.01))
    return out


def _points_inside(
    rng: np.random.Generator, shape: Geometry, count: int, min_distance: float
) -> FloatArray:
    """`count` seeded points inside `shape`, at least `min_distance` apart where possible."""
    min_x, min_y, max_x, max_y = shape.bounds
    inner = shape.buffer(-min_distance / 3)
    chosen: list[tuple[float, float]] = []
    distance = min_distance
    attempts = 0
    while len(chosen) < count:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        attempts += 1
        if attempts % 400 == 0:
            distance *= 0.85  # a narrow wijk: accept closer points rather than loop forever
        if not inner.contains(shapely.Point(x, y)):
            continue
        if all(math.hypot(x - a, y - b) >= distance for a, b in chosen):
            chosen.append((x, y))
    return np.array(chosen, dtype=np.float64)


def _buurt_names(rng: np.random.Generator, count: int) -> list[str]:
    pairs = [(h, t) for h in _NAME_HEADS for t in _NAME_TAILS]
    picked = rng.choice(len(pairs), size=count, replace=False)
    return [pairs[i][0] + pairs[i][1] for i in picked]


def demo_layout(seed: int = 2026) -> list[DemoArea]:
    """Gemeente, stadsdelen, wijken and buurten of the demo, in that order (pure, no database)."""
    rng = np.random.default_rng(seed)
    outline = _outline(rng)
    # Two central wijken, and eight on a ring at -22.5° + k·45° (k = 0: east-south-east), two per
    # direction.
    seeds = [
        (CENTRE[0] - 450 + rng.normal(0, 80), CENTRE[1] + 250 + rng.normal(0, 80)),
        (CENTRE[0] + 450 + rng.normal(0, 80), CENTRE[1] - 250 + rng.normal(0, 80)),
    ]
    for k in range(8):
        angle = math.radians(-22.5 + 45 * k + rng.normal(0, 6))
        ring = 2_600 + rng.normal(0, 150)
        seeds.append((CENTRE[0] + ring * math.cos(angle), CENTRE[1] + ring * math.sin(angle)))
    wijk_points = np.array(seeds, dtype=np.float64)
    wijk_shapes = _cells(wijk_points, outline)
    direction_of_ring = ("oost", "oost", "noord", "noord", "west", "west", "zuid", "zuid")

    gemeente = DemoArea(MUNICIPALITY_CODE, MUNICIPALITY_NAME, AreaLevel.GEMEENTE, outline)
    wijken: list[DemoArea] = []
    buurten: list[DemoArea] = []
    names = _buurt_names(rng, sum(BUURTEN_PER_WIJK))
    name_iter = iter(names)
    # Wijk numbering in reading order: centre first, then the ring from the east.
    for index, shape in enumerate(wijk_shapes):
        stadsdeel = "centrum" if index < 2 else direction_of_ring[index - 2]
        wijk = DemoArea(
            f"WK9999{index:02d}",
            WIJK_NAMES[index],
            AreaLevel.WIJK,
            shape,
            stadsdeel=f"SD9999-{stadsdeel}",
        )
        wijken.append(wijk)
        count = BUURTEN_PER_WIJK[index]
        spacing = math.sqrt(shape.area / count) * 0.6
        points = _points_inside(rng, shape, count, spacing)
        for number, cell in enumerate(_cells(points, shape)):
            buurten.append(
                DemoArea(
                    f"BU9999{index:02d}{number:02d}",
                    next(name_iter),
                    AreaLevel.BUURT,
                    cell,
                    stadsdeel=wijk.stadsdeel,
                    wijk=wijk.code,
                )
            )
    stadsdelen = [
        DemoArea(
            code,
            name,
            AreaLevel.STADSDEEL,
            shapely.set_precision(
                shapely.union_all([w.shape for w in wijken if w.stadsdeel == code]), 0.01
            ),
        )
        for code, name in STADSDELEN
    ]
    return [gemeente, *stadsdelen, *wijken, *buurten]


# --- figures -------------------------------------------------------------------------------------

# National-like yearly paths, 2015 = 1 (WOZ: steady rise, a pause in 2024; gas use: down, with
# the 2022 energy-price drop; burglaries roughly halved over the decade).
WOZ_INDEX: Final = (1.00, 1.03, 1.08, 1.16, 1.25, 1.34, 1.45, 1.63, 1.77, 1.78)
GAS_INDEX: Final = (1.00, 0.99, 0.97, 0.95, 0.93, 0.92, 0.92, 0.78, 0.74, 0.72)
INCOME_INDEX: Final = (1.00, 1.02, 1.04, 1.07, 1.10, 1.12, 1.14, 1.17, 1.24, 1.30)
BURGLARY_INDEX: Final = (1.00, 0.90, 0.80, 0.72, 0.66, 0.55, 0.50, 0.52, 0.54, 0.53)


def _split(total: int, shares: FloatArray) -> list[int]:
    """`total` split over `shares` in whole numbers that add up to it (largest remainder)."""
    raw = total * shares / shares.sum()
    counts = np.floor(raw).astype(int)
    rest = total - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    return [int(c) for c in counts]


def _latent(rng: np.random.Generator, xy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Deprivation (standardised, spatially smooth) and urbanity (0–1) per buurt centroid."""
    dx, dy = xy[:, 0] - CENTRE[0], xy[:, 1] - CENTRE[1]
    distance = np.hypot(dx, dy)
    urbanity = np.clip(1 - distance / (RADIUS_M * 1.05), 0, 1)
    hotspots = (  # (angle°, distance m, sigma m, strength): the east one is Focusgebied Oost
        (5.0, 2_500.0, 900.0, 2.2),
        (150.0, 1_900.0, 700.0, 1.3),
    )
    deprivation = np.zeros(len(xy))
    for angle, ring, sigma, strength in hotspots:
        hx = CENTRE[0] + ring * math.cos(math.radians(angle))
        hy = CENTRE[1] + ring * math.sin(math.radians(angle))
        deprivation += strength * np.exp(-((xy[:, 0] - hx) ** 2 + (xy[:, 1] - hy) ** 2) / sigma**2)
    for _ in range(5):  # smooth background: random waves 3–7 km long
        wavelength = rng.uniform(3_000, 7_000)
        direction = rng.uniform(0, 2 * math.pi)
        phase = rng.uniform(0, 2 * math.pi)
        deprivation += 0.15 * np.cos(
            2 * math.pi * (dx * math.cos(direction) + dy * math.sin(direction)) / wavelength + phase
        )
    deprivation += rng.normal(0, 0.1, len(xy))
    deprivation = (deprivation - deprivation.mean()) / deprivation.std()
    return deprivation, urbanity


def hotspot_oost() -> tuple[float, float]:
    angle, ring = math.radians(5.0), 2_500.0
    return CENTRE[0] + ring * math.cos(angle), CENTRE[1] + ring * math.sin(angle)


def demo_values(layout: list[DemoArea], seed: int = 2026) -> pd.DataFrame:
    """Buurt figures: columns code, key, period, value, margin_lower, margin_upper (pure)."""
    rng = np.random.default_rng(seed + 1)
    buurten = [a for a in layout if a.level is AreaLevel.BUURT]
    n = len(buurten)
    xy = np.array([(a.shape.centroid.x, a.shape.centroid.y) for a in buurten])
    area_ha = np.array([a.shape.area / 10_000 for a in buurten])
    deprivation, urbanity = _latent(rng, xy)
    distance = np.hypot(xy[:, 0] - CENTRE[0], xy[:, 1] - CENTRE[1]) / RADIUS_M

    def noise(scale: float) -> FloatArray:
        return rng.normal(0, scale, n)

    # Three outlying buurten are buitengebied with a few dozen inhabitants; one growing
    # buurt is new-build (a wijk on the edge, low deprivation).
    outer = np.argsort(-distance, kind="stable")
    small = set(int(i) for i in outer[:3])
    candidates = [int(i) for i in np.argsort(deprivation, kind="stable") if int(i) not in small]
    new_build = next(i for i in candidates if distance[i] > 0.55)

    base_population = np.clip(
        (area_ha / 100) * (1_400 + 5_600 * urbanity**1.5) * np.exp(noise(0.2)), 450, 5_200
    )
    growth = 0.003 + 0.006 * urbanity + noise(0.002)
    share_young = np.clip(
        0.16 + 0.04 * (1 - urbanity) + 0.015 * deprivation + noise(0.01), 0.08, 0.3
    )
    share_student = np.clip(0.10 + 0.10 * urbanity**2 + noise(0.015), 0.05, 0.3)
    share_old = np.clip(0.19 + noise(0.04) - 0.03 * urbanity, 0.08, 0.35)
    household_size = np.clip(2.45 - 0.6 * urbanity + 0.08 * deprivation + noise(0.06), 1.5, 2.9)
    single_share = np.clip(0.22 + 0.35 * urbanity + 0.05 * deprivation + noise(0.03), 0.12, 0.7)
    child_share = np.clip(0.36 - 0.2 * urbanity + 0.03 * deprivation + noise(0.03), 0.08, 0.5)
    owner = np.clip(68 - 14 * deprivation - 25 * urbanity + noise(5), 4, 95)
    corporation = np.clip(0.55 + 0.12 * deprivation + noise(0.05), 0.15, 0.92)
    flats = np.clip(12 + 65 * urbanity + 8 * deprivation + noise(6), 0, 98)
    vacancy = np.clip(3 + 3 * urbanity + noise(0.8), 0.5, 12)
    woz = np.clip(205 - 45 * deprivation + 0.9 * (owner - 50) + noise(15), 120, 650)
    income = np.clip(28 - 4.2 * deprivation + 1.5 * (1 - urbanity) + noise(1.2), 15, 48)
    low_income = np.clip(8 + 4.5 * deprivation + 2.5 * urbanity + noise(1), 1.5, 32)
    lowest_40 = np.clip(38 + 11 * deprivation + 4 * urbanity + noise(2.5), 12, 78)
    participation = np.clip(68 - 5.5 * deprivation + noise(1.5), 45, 82)
    welfare = np.clip(0.025 + 0.022 * deprivation + noise(0.004), 0.002, 0.13)
    unemployment = np.clip(0.016 + 0.006 * deprivation + noise(0.002), 0.002, 0.05)
    disability = np.clip(0.045 + 0.016 * deprivation + noise(0.004), 0.01, 0.12)
    youth_care = np.clip(0.10 + 0.035 * deprivation + noise(0.01), 0.03, 0.3)
    businesses = np.clip(0.07 + 0.13 * urbanity**2 + noise(0.015), 0.02, 0.4)
    crime = np.clip(30 + 45 * urbanity**2 + 14 * deprivation + noise(4), 8, 160)
    burglary = np.clip(4.5 + 1.8 * deprivation + noise(0.6), 0.5, 14)
    doctor = np.clip(0.4 + 2.4 * distance**2 + noise(0.15), 0.2, 6)
    supermarket = np.clip(0.5 + 2.0 * distance**2 + noise(0.15), 0.2, 6)
    school = np.clip(0.3 + 1.4 * distance**2 + noise(0.1), 0.2, 4)
    gas = np.clip(1_250 + 420 * (1 - urbanity) - 3 * (flats - 40) + noise(60), 550, 2_300)
    power = np.clip(2_650 + 450 * (1 - urbanity) + noise(120), 1_700, 4_000)
    cars = np.clip(0.36 + 0.22 * (1 - urbanity) - 0.04 * deprivation + noise(0.03), 0.15, 0.75)
    liveability = np.clip(7.55 - 0.5 * deprivation - 0.2 * urbanity + noise(0.12), 5.2, 8.6)
    nuisance = np.clip(17 + 7 * deprivation + 8 * urbanity + noise(2), 3, 60)

    rows: list[tuple[str, str, str, float, float, float]] = []

    def put(i: int, key: str, year: int, value: float, lower: float = math.nan,
            upper: float = math.nan) -> None:  # fmt: skip
        rows.append((buurten[i].code, key, str(year), float(value), lower, upper))

    for i in range(n):
        for t, year in enumerate(YEARS):
            if i in small:
                people = int(22 + (i * 7) % 20 + (t % 3))
            elif i == new_build:
                people = int(round(520 + 240 * t))
            else:
                people = int(round(base_population[i] * (1 + growth[i]) ** t))
            old = share_old[i] + 0.003 * t
            ages = _split(
                people,
                np.array([share_young[i], share_student[i], 0.27, 0.26, old]),
            )
            men = int(round(people * (0.492 + 0.01 * urbanity[i])))
            households = max(1, int(round(people / max(household_size[i] - 0.006 * t, 1.3))))
            singles, no_children, with_children = _split(
                households,
                np.array([single_share[i], 1 - single_share[i] - child_share[i], child_share[i]]),
            )
            dwellings = int(round(households * (1 + vacancy[i] / 100 + 0.01)))
            owned = float(np.clip(owner[i] + 0.3 * t, 0, 99))
            unknown_owner = 0.4 if i % 3 == 0 else 0.0
            rented = 100 - owned - unknown_owner
            by_corporation = rented * corporation[i]
            welfare_t = welfare[i] * (1 - 0.025 * t)
            wmo = people * (0.03 + 0.16 * (ages[4] / max(people, 1))) * (1.03**t)
            wmo = wmo * (1 + 0.12 * deprivation[i])
            youth = (ages[0] + 0.5 * ages[1]) * youth_care[i] * (1 + 0.02 * t)
            crime_t = crime[i] * (1 - 0.025 * t) * (0.9 if year in (2020, 2021) else 1)
            crimes = people * crime_t / 1_000
            autos = people * (cars[i] + 0.003 * t)
            land_ha = max(1.0, round(area_ha[i]))
            unemployment_t = (
                unemployment[i] * (1 - 0.06 * min(t, 4)) * (1.25 if year == 2020 else 1)
            )
            values = {
                "inwoners": people,
                "mannen": men,
                "vrouwen": people - men,
                "leeftijd_0_15": ages[0],
                "leeftijd_15_25": ages[1],
                "leeftijd_25_45": ages[2],
                "leeftijd_45_65": ages[3],
                "leeftijd_65_plus": ages[4],
                "huishoudens_totaal": households,
                "eenpersoonshuishoudens": singles,
                "huishoudens_zonder_kinderen": no_children,
                "huishoudens_met_kinderen": with_children,
                "gemiddelde_huishoudensgrootte": round(people / households, 1),
                "bevolkingsdichtheid": round(people / (land_ha / 100)),
                "oppervlakte_land": land_ha,
                "woningvoorraad": dwellings,
                "onbewoonde_woningen": round(vacancy[i] - 0.1 * t, 1),
                "koopwoningen": round(owned, 1),
                "huurwoningen_totaal": round(rented, 1),
                "in_bezit_woningcorporatie": round(by_corporation, 1),
                "in_bezit_overige_verhuurders": round(rented - round(by_corporation, 1), 1),
                "percentage_meergezinswoning": round(flats[i], 1),
                "woz_waarde": round(woz[i] * WOZ_INDEX[t]),
                "gemiddeld_inkomen_per_inwoner": round(income[i] * INCOME_INDEX[t], 1),
                "huishoudens_met_een_laag_inkomen": round(max(low_income[i] - 0.25 * t, 0.5), 1),
                "personen_40_laagste_inkomen": round(lowest_40[i], 1),
                "nettoarbeidsparticipatie": round(
                    participation[i] + 0.4 * t - (0.8 if year == 2020 else 0), 1
                ),
                "bedrijfsvestigingen_totaal": round(people * businesses[i] * 1.03**t),
                "personen_per_soort_uitkering_bijstand": round(people * welfare_t),
                "personen_per_soort_uitkering_ww": round(people * unemployment_t),
                "personen_per_soort_uitkering_ao": round(people * disability[i]),
                "wmo_clienten": round(wmo),
                "wmo_clienten_relatief": round(1_000 * round(wmo) / people),
                "jongeren_met_jeugdzorg_in_natura": round(youth),
                "leerlingen_po": round(ages[0] * 0.55),
                "misdrijven_vermogen_vernieling_geweld": round(crimes),
                "totaal_vernieling": round(crimes * 0.24),
                "totaal_gewelds_en_seksuele_misdrijven": round(crimes * 0.19),
                "fietsendiefstal": round(crimes * (0.08 + 0.12 * urbanity[i])),
                "woninginbraken": round(households * burglary[i] / 1_000 * BURGLARY_INDEX[t]),
                "afstand_tot_huisartsenpraktijk": round(doctor[i], 1),
                "afstand_tot_grote_supermarkt": round(supermarket[i], 1),
                "afstand_tot_school": round(school[i], 1),
                "gemiddeld_aardgasverbruik_totaal": round(gas[i] * GAS_INDEX[t]),
                "gemiddelde_elektriciteitslevering_totaal": round(
                    power[i] * (1 - 0.01 * t) * (0.93 if year >= 2022 else 1)
                ),
                "personenautos": round(autos),
                "personenauto_s_per_huishouden": round(round(autos) / households, 1),
            }
            for key, value in values.items():
                put(i, key, year, value)
            respondents = people * 0.05
            if year in SURVEY_YEARS and respondents >= 10:
                grade = float(np.clip(liveability[i] + 0.03 * t, 1, 10))
                half = 1.96 * 1.3 / math.sqrt(respondents)
                put(i, "rapportcijfer_leefbaarheid", year, round(grade, 1),
                    round(grade - half, 1), round(grade + half, 1))  # fmt: skip
                share = float(np.clip(nuisance[i] - 0.2 * t, 1, 99))
                half = 196 * math.sqrt(share / 100 * (1 - share / 100) / respondents)
                put(i, "ervaart_overlast", year, round(share, 1),
                    round(max(share - half, 0), 1), round(min(share + half, 100), 1))  # fmt: skip
    return pd.DataFrame(
        rows, columns=["code", "key", "period", "value", "margin_lower", "margin_upper"]
    )


def demo_specs(keys: list[str]) -> dict[str, Mapping[str, Any]]:
    """Indicator specs for these keys: the shipped catalogue's, and the demo's subjective ones."""
    catalogue = {e.key: e.data for e in load_catalogue()}
    out: dict[str, Mapping[str, Any]] = {}
    for key in keys:
        if key in SUBJECTIVE_SPECS:
            out[key] = {"key": key, **SUBJECTIVE_SPECS[key]}
        elif key in catalogue:
            out[key] = catalogue[key]
        else:  # a programming error in this module, not a user's
            raise LookupError(f"demo indicator {key} is not in the catalogue")
    return out


# --- building --------------------------------------------------------------------------------


def _features(layout: list[DemoArea]) -> list[AreaFeature]:
    return [
        AreaFeature(n, a.code, a.name, a.level, describe_geometry(a.shape))
        for n, a in enumerate(layout, start=1)
    ]


def _ensure_years(codes: list[str]) -> None:
    areas = dict(Area.objects.filter(code__in=codes).values_list("code", "id"))
    present = set(
        AreaYear.objects.filter(area_id__in=list(areas.values()), year__in=YEARS).values_list(
            "area_id", "year"
        )
    )
    AreaYear.objects.bulk_create(
        [
            AreaYear(area_id=pk, year=year, change_indicator="1")
            for pk in areas.values()
            for year in YEARS
            if (pk, year) not in present
        ]
    )


def _ensure_cluster(layout: list[DemoArea], gemeente: Area) -> int:
    hx, hy = hotspot_oost()
    oost = [a for a in layout if a.level is AreaLevel.BUURT and a.stadsdeel == "SD9999-oost"]
    oost.sort(key=lambda a: (a.shape.centroid.distance(shapely.Point(hx, hy)), a.code))
    wanted = sorted(a.code for a in oost[:6])
    cluster, created = Cluster.objects.get_or_create(
        code=CLUSTER_CODE,
        defaults={
            "name": CLUSTER_NAME,
            "municipality": gemeente,
            "description": "Zes buurten in Stadsdeel Oost met een opeenstapeling van sociale "
            "opgaven; focusgebied van de (fictieve) wijkaanpak. " + NOTE,
        },
    )
    members = sorted(cluster.members.values_list("code", flat=True))
    if members != wanted:
        cluster.members.set(Area.objects.filter(code__in=wanted))
    return int(created)


# Signal categories of the demo: main category → (sub code, name, handling working days).
DEMO_CATEGORIES: Final = {
    ("afval", "Afval"): [
        ("zwerfafval", "Zwerfafval", 5),
        ("volle-container", "Volle container", 2),
    ],
    ("openbare-verlichting", "Openbare verlichting"): [
        ("lantaarnpaal-kapot", "Lantaarnpaal kapot", 10),
    ],
    ("groen", "Groen"): [("boom-of-struik", "Boom of struik", 15), ("gras", "Gras maaien", 15)],
    ("wegen", "Wegen, straten en fietspaden"): [
        ("losse-stoeptegel", "Losse stoeptegel", 10),
        ("gat-in-de-weg", "Gat in de weg", 5),
    ],
}


def _ensure_signal_categories(gemeente: Area) -> None:
    """A small category tree so the demo's meldingen form and Open311 have services."""
    from gebiedskompas.signals.models import Category

    for (main_code, main_name), subs in DEMO_CATEGORIES.items():
        main, _ = Category.objects.get_or_create(
            municipality=gemeente, code=main_code, defaults={"name": main_name}
        )
        for code, name, days in subs:
            Category.objects.get_or_create(
                municipality=gemeente,
                code=code,
                defaults={
                    "name": name,
                    "parent": main,
                    "handling_days": days,
                    "reporter_text": f"We handelen uw melding binnen {days} werkdagen af.",
                },
            )


def _ensure_users(summary: DemoSummary) -> None:
    users = get_user_model()
    for demo in DEMO_USERS:
        user = users.objects.filter(username=demo.username).first()
        if user is None:
            user = users(
                username=demo.username,
                is_staff=True,
                is_superuser=demo.is_superuser,
                first_name="Demo",
                last_name=demo.username.capitalize(),
            )
            user.set_password(demo.password)
            user.save()
            summary.users_created += 1
        elif not user.check_password(demo.password):
            # An account of that name that is not (or no longer) the demo's: leave it alone and
            # do not print a password that does not work.
            summary.users.append(
                DemoUser(demo.username, "(bestaand account, wachtwoord niet gewijzigd)", demo.role,
                         user.is_superuser)
            )  # fmt: skip
            continue
        role, area = DEMO_ROLES[demo.username]
        ensure_default_roles()
        assign_role(user, role, area)
        summary.users.append(demo)


def build_demo(
    *, seed: int = 2026, progress: Progress | None = None, figures_only: bool = False
) -> DemoSummary:
    """Build (or confirm) the demo municipality; see the module docstring.

    `figures_only` stops after the areas, figures, signal categories and users: without the
    gebiedscyclus, the signals and the budget rounds (for tests that only read figures).

    `progress` is called as ``progress(step, done, total)``. Idempotent: a second call with the
    same seed writes nothing. Returns counts, the demo log-ins and a note that it is fictitious.
    """
    started = time.perf_counter()
    summary = DemoSummary(seed=seed)
    steps = 5

    def step(name: str, done: int) -> None:
        if progress:
            progress(name, done, steps)

    layout = demo_layout(seed)
    values = demo_values(layout, seed)
    step("generated", 1)
    with transaction.atomic():
        areas = store_area_features(_features(layout), year=None, file="demo")
        summary.areas_created = areas.created
        summary.areas_updated = areas.updated + areas.moved
        summary.areas_unchanged = areas.unchanged
        _ensure_years([a.code for a in layout])
        gemeente = Area.objects.get(code=MUNICIPALITY_CODE)
        summary.clusters_created = _ensure_cluster(layout, gemeente)
        step("areas", 2)

        keys = list(dict.fromkeys(values["key"]))
        summary.indicators_created, indicators = ensure_indicators(demo_specs(keys))
        area_ids = dict(
            Area.objects.filter(code__in=list(values["code"].unique())).values_list("code", "id")
        )
        frame = values.assign(
            area_id=values["code"].map(area_ids),
            indicator_id=values["key"].map({k: i.pk for k, i in indicators.items()}),
            source_key=values["key"],
        )
        written = ImportSummary(file="demo", kind="demo")
        write_observations(
            frame,
            written,
            kind="demo",
            file_name=f"{SOURCE}: {MUNICIPALITY_NAME}, seed {seed}",
            sha=hashlib.sha256(f"gebiedskompas-demo-{seed}".encode()).hexdigest(),
        )
        summary.observations_new = written.new
        summary.observations_updated = written.updated
        summary.observations_unchanged = written.unchanged
        step("observations", 3)

        aggregated = Observation.objects.filter(
            area=gemeente, indicator=indicators["inwoners"]
        ).exists()
        if written.new or written.updated or areas.created or areas.moved or not aggregated:
            summary.aggregates_written = recompute_municipality(gemeente)
        step("aggregated", 4)
        _ensure_signal_categories(gemeente)
        _ensure_users(summary)
        if not figures_only:
            build_cycle(seed=seed)
            build_signal_demo(gemeente, seed)
            build_participation_demo(gemeente, seed=seed)
    step("done", 5)
    summary.seconds = time.perf_counter() - started
    return summary
