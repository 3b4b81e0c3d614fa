"""Aggregates of an import: summed while the chunks pass for municipalities that get their first
buurt figures, recomputed from the database for the others; both ways must store the same."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gebiedskompas.areas.models import Area
from gebiedskompas.areas.services import assign_stadsdelen
from gebiedskompas.indicators import aggregation, services
from gebiedskompas.indicators.aggregation import recompute_municipalities
from gebiedskompas.indicators.models import ImportBatch, Observation
from gebiedskompas.indicators.services import import_cbs
from tests.indicators.cbs_files import write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A sum, a ratio of sums (births per 1000 inhabitants) and a mean weighted by the dwellings.
HEADER = [
    "ID",
    "WijkenEnBuurten",
    "Gemeentenaam_1",
    "SoortRegio_2",
    "Codering_3",
    "AantalInwoners_5",
    "GeboorteTotaal_25",
    "GeboorteRelatief_26",
    "Woningvoorraad_34",
    "GemiddeldeWOZWaardeVanWoningen_35",
]


def municipality(digits: str, seed: int) -> list[list[str]]:
    """A gemeente with two wijken of two and three buurten; one buurt keeps its WOZ value
    secret and one its births, as CBS does for small buurten."""
    rows = [["", f"Gemeente {digits}", f"Gemeente {digits}", "Gemeente", f"GM{digits}"]]
    for w in (1, 2):
        rows.append(["", f"Wijk {w}", f"Gemeente {digits}", "Wijk", f"WK{digits}0{w}"])
        for b in range(1, 2 + w):
            rows.append(["", f"Buurt {w}{b}", f"Gemeente {digits}", "Buurt", f"BU{digits}0{w}0{b}"])
    out = []
    for i, row in enumerate(rows):
        people = 100 + (seed * 37 + i * 53) % 900
        births = "" if i == 3 else str(people // 40)
        dwellings = people // 2 + i
        woz = "" if i == 4 else str(180 + (seed + i * 7) % 90)
        out.append([*row, str(people), births, "", str(dwellings), woz])
    return out


def snapshot() -> dict[tuple[str, str, str], tuple[object, ...]]:
    return {
        (o.area.code, o.indicator.key, o.period): (
            o.value,
            o.computed_value,
            o.is_published,
            o.status,
            o.source_key,
        )
        for o in Observation.objects.select_related("area", "indicator")
    }


def assert_same(
    left: dict[tuple[str, str, str], tuple[object, ...]],
    right: dict[tuple[str, str, str], tuple[object, ...]],
) -> None:
    assert sorted(left) == sorted(right)
    for key, row in left.items():
        other = right[key]
        for a, b in zip(row, other, strict=True):
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-12), (key, row, other)
            else:
                assert a == b, (key, row, other)


def without_summing_along(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every municipality counts as one holding buurt figures: all are recomputed at the end."""

    def all_have_values(ids: list[int], periods: set[str]) -> tuple[set[int], set[int], set[int]]:
        return set(ids), set(), set()

    monkeypatch.setattr(aggregation, "_stored_figures", all_have_values)


def clear() -> None:
    Observation.objects.all().delete()
    ImportBatch.objects.all().delete()


def test_summing_along_stores_what_a_recompute_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two municipalities, their rows interleaved and read three at a time: each municipality
    # is met again after the other, and wijken come in other chunks than their buurten.
    first, second = municipality("9901", 1), municipality("9902", 2)
    rows = [row for pair in zip(first, second, strict=True) for row in pair]
    rows = [[str(i + 1), *row[1:]] for i, row in enumerate(rows)]
    path = write_cbs(tmp_path / "kwb.csv", rows, header=HEADER)
    monkeypatch.setattr(services, "CBS_CHUNK_ROWS", 3)

    summary = import_cbs(path, year=2024)
    assert summary.new == len(rows) * 5
    streamed = snapshot()
    # The wijk's value as CBS gives it, the computed one beside it; a stadsdeel-less gemeente
    # and its wijken get the ratio and the weighted mean computed from the buurten.
    wijk = streamed[("WK990101", "inwoners", "2024")]
    assert wijk[2] is True and wijk[1] == sum(
        streamed[(f"BU99010{1}0{b}", "inwoners", "2024")][0] for b in (1, 2)
    )
    woz = streamed[("GM9902", "woz_waarde", "2024")]
    assert woz[1] is not None  # weighted over the buurten that have a value

    clear()
    without_summing_along(monkeypatch)
    import_cbs(path, year=2024)
    assert_same(streamed, snapshot())


def test_a_stadsdeel_made_before_the_first_buurt_figures_gets_its_aggregates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = municipality("9903", 3)
    higher = [r for r in rows if r[3] != "Buurt"]
    import_cbs(write_cbs(tmp_path / "wijken.csv", higher, header=HEADER), year=2023)
    assign_stadsdelen([(2, "WK990301", "Oost"), (3, "WK990302", "Oost")], file="sd.csv")
    path = write_cbs(tmp_path / "kwb.csv", rows, header=HEADER)

    import_cbs(path, year=2024)
    streamed = snapshot()
    stadsdeel = Area.objects.get(level="stadsdeel").code
    people = sum(
        v[0]
        for (code, key, _p), v in streamed.items()
        if key == "inwoners" and code.startswith("BU")
    )
    assert streamed[(stadsdeel, "inwoners", "2024")][:3] == (people, people, False)

    recompute_municipalities([Area.objects.get(code="GM9903").pk])
    assert_same(streamed, snapshot())


def test_a_second_year_is_summed_along_and_leaves_the_first_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = municipality("9904", 4)
    import_cbs(write_cbs(tmp_path / "2023.csv", rows, header=HEADER), year=2023)
    first = snapshot()
    changed = [r.copy() for r in rows]
    changed[2][5] = str(int(changed[2][5]) + 100)  # a buurt grows by 100 in 2024
    recomputed: list[object] = []
    monkeypatch.setattr(
        aggregation, "recompute_municipalities", lambda *a, **k: recomputed.append(a) or 0
    )
    import_cbs(write_cbs(tmp_path / "2024.csv", changed, header=HEADER), year=2024)
    assert recomputed == []  # nothing read back: 2024 was summed along
    after = snapshot()
    assert {k: v for k, v in after.items() if k[2] == "2023"} == first
    assert (
        after[("WK990401", "inwoners", "2024")][1]
        == after[("WK990401", "inwoners", "2023")][1] + 100
    )
    monkeypatch.undo()
    recompute_municipalities([Area.objects.get(code="GM9904").pk])
    assert_same(after, snapshot())


def test_a_newer_release_of_the_same_year_is_recomputed_for_that_year(tmp_path: Path) -> None:
    rows = municipality("9905", 5)
    import_cbs(write_cbs(tmp_path / "2023.csv", rows, header=HEADER), year=2023)
    import_cbs(write_cbs(tmp_path / "2024.csv", rows, header=HEADER), year=2024)
    newer = [r.copy() for r in rows]
    newer[2][5] = str(int(newer[2][5]) + 10)
    summary = import_cbs(write_cbs(tmp_path / "2024b.csv", newer, header=HEADER), year=2024)
    assert (summary.new, summary.updated) == (0, 1)
    after = snapshot()
    assert after[("GM9905", "inwoners", "2024")][1] == after[("GM9905", "inwoners", "2023")][1] + 10
    recompute_municipalities([Area.objects.get(code="GM9905").pk])
    assert_same(after, snapshot())


def test_a_buurt_added_in_a_later_year_recomputes_the_earlier_years(tmp_path: Path) -> None:
    rows = municipality("9906", 6)
    without_last = rows[:-1]
    import_cbs(write_cbs(tmp_path / "2023.csv", without_last, header=HEADER), year=2023)
    complete_2023 = snapshot()[("WK990602", "inwoners", "2023")]
    assert complete_2023[1] is not None  # every buurt of the wijk had a value
    import_cbs(write_cbs(tmp_path / "2024.csv", rows, header=HEADER), year=2024)
    after = snapshot()
    # The new buurt has no 2023 figure: the wijk's 2023 sum can no longer be given.
    assert after[("WK990602", "inwoners", "2023")][1] is None
    recompute_municipalities([Area.objects.get(code="GM9906").pk])
    assert_same(after, snapshot())


@pytest.mark.realdata
def test_enschede_summed_along_equals_the_recompute(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shared_data / "kerncijfers" / "kwb2024_85984NED_enschede.csv"
    import_cbs(path, year=2024)
    streamed = snapshot()
    assert streamed[("GM0153", "inwoners", "2024")][0] == 161_738
    clear()
    without_summing_along(monkeypatch)
    import_cbs(path, year=2024)
    assert_same(streamed, snapshot())
