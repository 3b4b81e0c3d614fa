"""Real CBS figures (Kerncijfers wijken en buurten 2024, Enschede) on the wijkfoto and ranking."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import number_format
from pypdf import PdfReader

from gebiedskompas.indicators.services import import_cbs

pytestmark = [pytest.mark.realdata, pytest.mark.web, pytest.mark.django_db]

CBS_COLUMNS = {
    "inwoners": "AantalInwoners_5",
    "huishoudens_totaal": "HuishoudensTotaal_29",
    "woz_waarde": "GemiddeldeWOZWaardeVanWoningen_39",
}


@pytest.fixture
def enschede(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "kerncijfers" / "kwb2024_85984NED_enschede.csv"
    import_cbs(path, year=2024)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["Codering_3"] = frame["Codering_3"].str.strip()
    return frame.set_index("Codering_3")


def cbs_text(value: str) -> str:
    number = float(value)
    return number_format(number, decimal_pos=0, use_l10n=True, force_grouping=True)


def test_enschede_wijk_wijkfoto_shows_the_cbs_values(
    client: Client, enschede: pd.DataFrame
) -> None:
    code = "WK015300"
    html = client.get(reverse("web:area", args=[code])).content.decode()
    for key, column in CBS_COLUMNS.items():
        if column not in enschede.columns or not enschede.loc[code, column].strip():
            continue
        row = re.search(rf'<tr[^>]*id="indicator-{key}".*?</tr>', html, re.S)
        assert row, key
        cells = re.findall(r'<td class="[^"]* figure figure--[^"]*">(.*?)</td>', row.group(0), re.S)
        first = re.sub(r"<[^>]+>", "", cells[0]).replace("\xa0", " ").strip()
        assert first.startswith(cbs_text(enschede.loc[code, column])), (key, first)
        # The gemeente column holds Enschede's own CBS value.
        last = re.sub(r"<[^>]+>", "", cells[-1 if len(cells) == 2 else 1]).replace("\xa0", " ")
        assert cbs_text(enschede.loc["GM0153", column]) in last, (key, last)
    pdf = client.get(reverse("web:area-pdf", args=[code])).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert cbs_text(enschede.loc[code, "AantalInwoners_5"]) in text


def test_ranking_of_enschede_wijken_by_inhabitants_is_cbs_order(
    client: Client, enschede: pd.DataFrame
) -> None:
    wijken = enschede[enschede["SoortRegio_2"].str.strip() == "Wijk"]
    expected = (
        wijken.assign(n=wijken["AantalInwoners_5"].astype(float))
        .sort_values("n", ascending=False, kind="stable")
        .index.tolist()
    )
    url = f"{reverse('web:ranking')}?indicator=inwoners&niveau=wijk&gemeente=GM0153&format=csv"
    lines = client.get(url).content.decode().splitlines()[1:]
    codes = [line.split(",")[1] for line in lines]
    assert codes == expected
    values = [float(line.split(",")[3]) for line in lines]
    assert values == sorted(values, reverse=True)
