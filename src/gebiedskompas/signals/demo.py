"""Demo signals for the fictitious municipality GM9999: deterministic from the seed, idempotent
(every signal has the idempotency key demo:<seed>:<n>), spread over the buurten and the last two
years with plausible handling, so the staff pages, the area map, `kompas signals stats` and
`kompas signals train` have something to show. No reporters: no personal data in the demo."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.db import transaction

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.signals import services
from gebiedskompas.signals.domain.workflow import Status
from gebiedskompas.signals.models import Category, Signal

COUNT: Final = 160
TEXTS: Final = {
    "zwerfafval": ["Zwerfafval langs de stoep", "Vuilniszakken op straat naast de container",
                   "Veel afval in de berm bij het speelveld", "Blikjes en plastic in de struiken"],
    "volle-container": ["Container zit vol, zakken ernaast", "Glasbak vol, flessen op de grond",
                        "Papiercontainer puilt uit", "Ondergrondse container kan niet open"],
    "lantaarnpaal-kapot": ["Lantaarnpaal brandt niet", "Straatverlichting uit op het fietspad",
                           "Lamp knippert de hele nacht", "Lantaarnpaal scheef na aanrijding"],
    "boom-of-struik": ["Tak hangt over het fietspad", "Boom lijkt ziek en laat takken vallen",
                       "Struiken belemmeren het zicht op de kruising", "Omgewaaide boom"],
    "gras": ["Gras in het park is niet gemaaid", "Berm te hoog, zicht weg bij de uitrit",
             "Grasveld bij de school moet gemaaid", "Onkruid en hoog gras op de stoep"],
    "losse-stoeptegel": ["Losse stoeptegel, struikelgevaar", "Tegels liggen schots en scheef",
                         "Stoeptegel kapot voor nummer 12", "Opstaande tegels door boomwortels"],
    "gat-in-de-weg": ["Gat in het wegdek", "Diepe kuil in de fietsstraat",
                      "Asfalt brokkelt af bij de drempel", "Put verzakt in de rijbaan"],
}  # fmt: skip


def _points(municipality: Area) -> list[tuple[float, float]]:
    """An inner point (lat, lon) of every buurt with a WGS84 outline, in code order."""
    points = []
    for geojson in (
        Area.objects.filter(municipality=municipality, level=Level.BUURT)
        .exclude(geojson_wgs84="")
        .order_by("code")
        .values_list("geojson_wgs84", flat=True)
    ):
        inner = shapely.from_geojson(geojson).representative_point()
        points.append((inner.y, inner.x))
    return points


def build_signal_demo(municipality: Area, seed: int = 2026) -> int:
    """Create the demo signals that are missing; the number created."""
    categories = {
        c.code: c
        for c in Category.objects.filter(municipality=municipality, parent__isnull=False)
        if c.code in TEXTS
    }
    points = _points(municipality)
    if not categories or not points:
        return 0
    prefix = f"demo:{seed}:"
    if Signal.objects.filter(idempotency_key__startswith=prefix).count() >= COUNT:
        return 0
    rng = np.random.default_rng(seed)
    zone = ZoneInfo("Europe/Amsterdam")
    end = datetime(2026, 11, 1, tzinfo=zone)
    codes = sorted(categories)
    created = 0
    with transaction.atomic():
        for n in range(COUNT):
            code = codes[int(rng.integers(len(codes)))]
            lat, lon = points[int(rng.integers(len(points)))]
            lat += float(rng.normal(0, 0.0003))
            lon += float(rng.normal(0, 0.0003))
            texts = TEXTS[code]
            reported = end - timedelta(days=float(rng.uniform(0, 700)))
            reported = reported.replace(hour=int(rng.integers(7, 22)), microsecond=0)
            days = float(rng.gamma(2.0, categories[code].handling_days / 2))
            fate = float(rng.uniform())
            try:
                result = services.create_signal(services.SignalInput(
                    code, f"{prefix}{n}", texts[int(rng.integers(len(texts)))],
                    municipality_code=municipality.code, lat=lat, lon=lon,
                    channel=["web", "web", "phone", "open311", "counter"][n % 5],
                    reported_at=reported))  # fmt: skip
            except services.KompasError:
                continue  # a jittered point just outside the municipality
            if not result.created:
                continue
            created += 1
            signal = result.signal
            if fate < 0.08 or reported + timedelta(days=days) > end:
                continue  # still open
            services.demo_status(signal, Status.IN_PROGRESS, reported + timedelta(hours=4))
            final = Status.CANCELLED if fate > 0.95 else Status.CLOSED
            services.demo_status(signal, final, reported + timedelta(days=days))
    return created
