"""Small CBS-style tables written by the tests (fictitious codes GM9998…)."""

from __future__ import annotations

from pathlib import Path

HEADER = [
    "ID",
    "WijkenEnBuurten",
    "Gemeentenaam_1",
    "SoortRegio_2",
    "Codering_3",
    "IndelingswijzigingGemeenteWijkBuurt_4",
    "AantalInwoners_5",
    "Mannen_6",
    "Vrouwen_7",
    "GemiddeldeWOZWaardeVanWoningen_39",
]
ROWS = [
    ["1", "Testgemeente", "Testgemeente", "Gemeente", "GM9998", "1", "1000", "490", "510", "250"],
    ["2", "Wijk 01 Noord", "Testgemeente", "Wijk", "WK999801", "1", "600", "290", "310", "240"],
    ["3", "Noordbuurt", "Testgemeente", "Buurt", "BU99980101", "1", "400", "195", "205", "230"],
    ["4", "Kleine buurt", "Testgemeente", "Buurt", "BU99980102", "1", "200", "95", "105", ""],
    ["5", "Wijk 02 Zuid", "Testgemeente", "Wijk", "WK999802", "1", "400", "200", "200", "265"],
    ["6", "Zuidbuurt", "Testgemeente", "Buurt", "BU99980201", "1", "400", "200", "200", "265"],
]


def write_cbs(
    path: Path,
    rows: list[list[str]] | None = None,
    *,
    sep: str = ",",
    bom: bool = False,
    header: list[str] | None = None,
) -> Path:
    lines = [sep.join(header or HEADER)] + [sep.join(r) for r in (rows or ROWS)]
    text = "\n".join(lines) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# A theme table with a dimension (Financieringsvorm) and half-year periods, as CBS's Wmo table.
WMO_HEADER = [
    "ID",
    "Financieringsvorm",
    "Wijken",
    "Perioden",
    "SoortRegio_2",
    "Codering_3",
    "WmoClienten_5",
]
WMO_ROWS = [
    ["1", "Totaal", "Testgemeente", "1e halfjaar 2024", "Gemeente", "GM9998", "100"],
    ["2", "PGB", "Testgemeente", "1e halfjaar 2024", "Gemeente", "GM9998", "30"],
    ["3", "Totaal", "Testgemeente", "2013 maart", "Gemeente", "GM9998", "90"],
    ["4", "Totaal", "Noord", "1e halfjaar 2024", "Wijk", "WK999801", ""],
    ["5", "PGB", "Noord", "1e halfjaar 2024", "Wijk", "WK999801", "12.5"],
]
