"""The category suggestion (trained on a small synthetic corpus) and the signals figures
written as indicators."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from gebiedskompas.indicators.models import Observation
from gebiedskompas.signals import classifier, services, stats
from gebiedskompas.signals.models import Category, Signal
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
AMS = ZoneInfo("Europe/Amsterdam")

LITTER = ["zakken vuilnis naast de container", "afval op straat bij de container",
          "volle container met vuilniszakken ernaast", "zwerfafval en vuilnis in de berm",
          "vuilniszakken opengescheurd door meeuwen", "grofvuil en afval gedumpt bij container",
          "container vol, vuilnis ligt op straat", "afval rondom de glasbak"]  # fmt: skip
LIGHTS = ["lantaarnpaal brandt niet meer", "straatverlichting kapot in de straat",
          "lamp van de lantaarnpaal knippert", "verlichting uit bij het fietspad",
          "lantaarnpaal is donker sinds gisteren", "straatlamp defect bij de brug",
          "kapotte straatverlichting, het is erg donker",
          "lantaarn brandt overdag en 's nachts"]  # fmt: skip


@pytest.fixture
def corpus(place: Place, settings: Any, tmp_path: Path) -> Place:
    settings.DATA_DIR = tmp_path
    light = Category.objects.create(municipality=place.town.gemeente, code="verlichting",
                                    name="Straatverlichting", handling_days=5)  # fmt: skip
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    lat, lon = place.inside()
    for n, (text, code) in enumerate([(t, "zwerfafval") for t in LITTER] +
                                     [(t, light.code) for t in LIGHTS]):  # fmt: skip
        signal = services.create_signal(services.SignalInput(
            code, f"c-{n}", text, lat=lat, lon=lon))  # fmt: skip
        services.change_status(signal.signal, "closed", by=handler)
    return place


def test_train_prints_cross_validated_scores_and_stores_the_model(
    corpus: Place, capsys: pytest.CaptureFixture[str]
) -> None:
    from gebiedskompas.cli import main

    assert main(["signals", "train", "--municipality", "GM9999", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["signals"] == 16 and result["categories"] == 2 and result["folds"] == 5
    assert len(result["accuracy"]) == 5 and len(result["macro_f1"]) == 5
    assert 0 <= result["macro_f1_mean"] <= 1
    assert Path(result["model"]).is_file()


def test_suggestion_only_above_the_threshold(corpus: Place) -> None:
    classifier.train("GM9999")
    text = "de lantaarnpaal in onze straat brandt niet"
    found = classifier.suggest(text, threshold=0.5)
    assert found is not None and found.choice == "GM9999/verlichting"
    assert classifier.suggest(text, threshold=found.confidence + 0.01) is None
    assert classifier.suggest(text, threshold=found.confidence) == found


def test_public_form_preselects_the_suggested_category_above_the_threshold(
    corpus: Place, settings: Any
) -> None:
    classifier.train("GM9999")
    lat, lon = corpus.inside()
    form = {"description": "lantaarnpaal kapot, straatverlichting brandt niet", "lat": lat,
            "lon": lon, "token": "t-1"}  # fmt: skip
    settings.SIGNAL_SUGGEST_THRESHOLD = 0.5
    page = Client().post("/meldingen/nieuw/", form).content.decode()
    assert "Wij denken dat uw melding gaat over" in page
    assert '<option value="GM9999/verlichting" selected>' in page
    settings.SIGNAL_SUGGEST_THRESHOLD = 0.999
    page = Client().post("/meldingen/nieuw/", {**form, "token": "t-2"}).content.decode()
    assert "Wij denken dat uw melding gaat over" not in page
    assert Signal.objects.filter(idempotency_key__startswith="form:").count() == 0


def test_train_refuses_too_little_to_learn_from(
    place: Place, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    with pytest.raises(services.KompasError, match="two or more"):
        classifier.train("GM9999")


def test_stats_per_wijk_written_as_indicators(place: Place) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    town = place.town
    wijk1, wijk2 = town.buurten[0].parent, town.buurten[3].parent
    start = datetime(2025, 3, 3, 10, tzinfo=AMS)  # Monday; 3 working days → Thu 6 March

    def make(key: str, index: int, closed_after: timedelta | None) -> None:
        lat, lon = place.inside(index)
        signal = services.create_signal(services.SignalInput(
            "zwerfafval", key, "afval", lat=lat, lon=lon, reported_at=start)).signal  # fmt: skip
        if closed_after is not None:
            services.change_status(signal, "closed", by=handler, now=start + closed_after)

    make("a", 0, timedelta(days=1))  # on time
    make("b", 1, timedelta(days=5))  # late
    make("c", 2, None)  # open
    make("d", 3, timedelta(days=2))
    out = stats.stats("wijk", "2025", "GM9999")
    rows = {r["area"]: r for r in out["areas"]}
    people1 = Observation.objects.get(area=wijk1, indicator__key="inwoners").value  # published
    assert rows[wijk1.code]["signals"] == 3
    assert rows[wijk1.code]["per_1000"] == pytest.approx(round(3000 / people1, 2))
    assert rows[wijk1.code]["median_handling_days"] == 3.0
    assert rows[wijk1.code]["share_on_time"] == 50.0
    assert rows[wijk1.code]["open_backlog"] == 1
    assert rows[wijk2.code]["open_backlog"] == 0 and rows[wijk2.code]["share_on_time"] == 100.0
    stored = dict(Observation.objects.filter(area=wijk1, period="2025").values_list(
        "indicator__key", "value"))  # fmt: skip
    assert stored["meldingen-open"] == 1 and stored["meldingen-op-tijd"] == 50.0
    assert stored["meldingen-per-1000-afval"] == pytest.approx(round(3000 / people1, 2))
    again = stats.stats("wijk", "2025", "GM9999")
    assert again["written"]["new"] == 0 and again["written"]["updated"] == 0
    assert stats.stats("wijk", "2024", "GM9999", store=False)["areas"][0]["signals"] == 0


def test_stats_refuses_a_bad_period(place: Place) -> None:
    with pytest.raises(services.KompasError, match="expected YYYY, YYYY-Qn or YYYY-MM"):
        stats.stats("wijk", "2025-13")
