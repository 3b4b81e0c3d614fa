"""Build the shipped indicator catalogue from CBS metadata.

Reads the DataProperties of the KWB table (CBS StatLine metadata: titles, definitions, units and
the theme tree) and the headers of the CBS theme tables, and writes
``src/gebiedskompas/indicators/data/catalogue.json``. The choices CBS metadata cannot make for us
(stable Dutch key, domain, direction, aggregation rule) are the tables below; rerun after changing
them:  python scripts/build_catalogue.py ../shared/data
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

SUFFIX = re.compile(r"_(\d+)$")

# Stable keys where the generic snake_case of the CBS key would read badly.
KEY_OVERRIDES = {
    "AantalInwoners": "inwoners",
    "k_0Tot15Jaar": "leeftijd_0_15",
    "k_15Tot25Jaar": "leeftijd_15_25",
    "k_25Tot45Jaar": "leeftijd_25_45",
    "k_45Tot65Jaar": "leeftijd_45_65",
    "k_65JaarOfOuder": "leeftijd_65_plus",
    "k_40PersonenMetLaagsteInkomen": "personen_40_laagste_inkomen",
    "k_20PersonenMetHoogsteInkomen": "personen_20_hoogste_inkomen",
    "k_40HuishoudensMetLaagsteInkomen": "huishoudens_40_laagste_inkomen",
    "k_20HuishoudensMetHoogsteInkomen": "huishoudens_20_hoogste_inkomen",
    "GemiddeldeWOZWaardeVanWoningen": "woz_waarde",
    "HuishOnderOfRondSociaalMinimum": "huishoudens_rond_sociaal_minimum",
    "PersonenautoSTotaal": "personenautos",
}
# Keys that repeat within a table get the prefix of their group in the CBS theme tree.
GROUP_PREFIX = {
    "Herkomstland": "herkomst",
    "Geboren in Nederland": "geboren_nl",
    "Geboren buiten Nederland": "geboren_buiten_nl",
    "Naar woningtype": None,  # resolved by the group's parent below
    "Naar eigendom": None,
    "Gemiddelde elektriciteitslevering": "elektriciteit",
    "Gemiddeld aardgasverbruik": "aardgas",
}
DOMAIN_BY_GROUP = {
    "Bevolking": "demografie",
    "Wonen en vastgoed": "wonen",
    "Energie": "energie",
    "Onderwijs": "onderwijs",
    "Arbeid": "economie",
    "Inkomen": "economie",
    "Sociale zekerheid": "sociaal",
    "Zorg": "zorg",
    "Bedrijfsvestigingen, SBI 2008": "economie",
    "Motorvoertuigen": "mobiliteit",
    "Nabijheid voorzieningen": "voorzieningen",
    "Oppervlakte": "gebied",
    "Postcode": "gebied",
    "Stedelijkheid": "gebied",
}
WORSE = {
    "huishoudens_met_een_laag_inkomen",
    "huishoudens_rond_sociaal_minimum",
    "huishoudens_tot110_van_sociaal_minimum",
    "huishoudens_tot120_van_sociaal_minimum",
    "personen_40_laagste_inkomen",
    "huishoudens_40_laagste_inkomen",
    "personen_per_soort_uitkering_bijstand",
    "personen_per_soort_uitkering_ao",
    "personen_per_soort_uitkering_ww",
    "onbewoonde_woningen",
    "percentage_jongeren_met_jeugdzorg",
    "afstand_tot_huisartsenpraktijk",
    "afstand_tot_grote_supermarkt",
    "afstand_tot_kinderdagverblijf",
    "afstand_tot_school",
}
BETTER = {
    "gemiddeld_inkomen_per_inkomensontvanger",
    "gemiddeld_inkomen_per_inwoner",
    "gem_gestandaardiseerd_inkomen_van_huish",
    "nettoarbeidsparticipatie",
    "mediaan_vermogen_van_particuliere_huish",
    "personen_20_hoogste_inkomen",
    "huishoudens_20_hoogste_inkomen",
    "scholen_binnen3_km",
}
# Aggregation of relative figures: (rule, numerator, denominator, weight, scale).
RELATIVE_RULES = {
    "geboorte_relatief": ("ratio", "geboorte_totaal", "inwoners", "", 1000.0),
    "sterfte_relatief": ("ratio", "sterfte_totaal", "inwoners", "", 1000.0),
    "bevolkingsdichtheid": ("ratio", "inwoners", "oppervlakte_land", "", 100.0),
    "wmo_clienten_relatief": ("ratio", "wmo_clienten", "inwoners", "", 1000.0),
    "personenauto_s_per_huishouden": ("ratio", "personenautos", "huishoudens_totaal", "", 1.0),
    "personenauto_s_naar_oppervlakte": ("ratio", "personenautos", "oppervlakte_land", "", 100.0),
    "gemiddelde_huishoudensgrootte": ("weighted_mean", "", "", "huishoudens_totaal", 1.0),
    "mediaan_vermogen_van_particuliere_huish": ("none", "", "", "", 1.0),
    "percentage_jongeren_met_jeugdzorg": ("none", "", "", "", 1.0),
    "omgevingsadressendichtheid": ("none", "", "", "", 1.0),
    "mate_van_stedelijkheid": ("none", "", "", "", 1.0),
    "dekkingspercentage": ("none", "", "", "", 1.0),
    "scholen_binnen3_km": ("weighted_mean", "", "", "inwoners", 1.0),
}
HOUSING_BASE = "woningvoorraad"
HOUSEHOLD_GROUPS = {"Inkomen van huishoudens"}

THEME_FILES = {
    "criminaliteit": ("veiligheid", "higher_is_worse", "CBS Geregistreerde misdrijven"),
    "uitkeringen": ("sociaal", "higher_is_worse", "CBS Uitkeringsontvangers per wijk en buurt"),
    "energie": ("energie", "neutral", "CBS Energieverbruik woningen"),
    "zonnepanelen": ("energie", "higher_is_better", "CBS Zonnestroom bij woningen"),
    "bodemgebruik": ("gebied", "neutral", "CBS Bodemgebruik"),
    "personenautos": ("mobiliteit", "neutral", "CBS Motorvoertuigen"),
    "wmo": ("zorg", "neutral", "CBS Wmo-cliënten per wijk"),
    "jeugdzorg": ("zorg", "neutral", "CBS Jeugdzorg per wijk"),
}
# Theme-table keys that repeat: counts first, then per 1 000 inhabitants (uitkeringen tables).
THEME_REPEATS = {
    "Werkloosheidsuitkering": ["werkloosheidsuitkeringen", "werkloosheidsuitkeringen_per_1000"],
    "Bijstandsuitkering": ["bijstandsuitkeringen", "bijstandsuitkeringen_per_1000"],
    "Arbeidsongeschiktheidsuitkering": [
        "arbeidsongeschiktheidsuitkeringen",
        "arbeidsongeschiktheidsuitkeringen_per_1000",
    ],
    "AOWUitkering": ["aow_uitkeringen", "aow_uitkeringen_per_1000"],
    # criminaliteit: totals as counts (_6, _7, _13) and per 1 000 inhabitants (_26 … _28)
    "TotaalVermogenVernielingEnGeweld": [
        "misdrijven_vermogen_vernieling_geweld",
        "misdrijven_vermogen_vernieling_geweld_per_1000",
    ],
    "TotaalVermogensmisdrijven": ["vermogensmisdrijven", "vermogensmisdrijven_per_1000"],
    "TotaalDiefstalUitWoningSchuurED": ["woninginbraken", "woninginbraken_per_1000"],
}
# Single columns of the criminaliteit tables that CBS gives per 1 000 inhabitants.
THEME_PER_1000 = {"VernielingMisdrijfTegenOpenbareOrde", "GeweldsEnSeksueleMisdrijven"}
NOT_MEASURES = re.compile(
    r"^(ID|Gemeentenaam|SoortRegio|Codering|Indelingswijziging|MeestVoorkomendePostcode)"
)


def snake(cbs_key: str) -> str:
    if cbs_key in KEY_OVERRIDES:
        return KEY_OVERRIDES[cbs_key]
    text = re.sub(r"^k_", "", cbs_key)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    return re.sub(r"_+", "_", text).lower().strip("_")


def clean(text: object) -> str:
    value = str(text or "").strip()
    return "" if value == "None" else value


def kwb_entries(properties: list[dict[str, str]]) -> list[dict[str, object]]:
    by_id = {p["ID"]: p for p in properties}

    def chain(p: dict[str, str]) -> list[dict[str, str]]:
        out = []
        while p.get("ParentID") not in (None, "None", ""):
            p = by_id[p["ParentID"]]
            out.append(p)
        return out

    topics = [p for p in properties if p["Type"] == "Topic" and not NOT_MEASURES.match(p["Key"])]
    prefix_count: dict[str, int] = {}
    for p in topics:
        prefix = SUFFIX.sub("", p["Key"])
        prefix_count[prefix] = prefix_count.get(prefix, 0) + 1
    entries = []
    for position, p in enumerate(topics):
        prefix = SUFFIX.sub("", p["Key"])
        parents = chain(p)
        # The path of theme groups from the top down: "Energie / Gemiddeld aardgasverbruik /
        # Naar woningtype" tells the gas Appartement_62 from the electricity Appartement_54.
        group_path = " / ".join(clean(g["Title"]) for g in reversed(parents))
        group = clean(parents[0]["Title"]) if parents else ""
        top = clean(parents[-1]["Title"]) if parents else ""
        key = snake(prefix)
        if prefix_count[prefix] > 1:
            g = parents[0]
            label = GROUP_PREFIX.get(clean(g["Title"]), "")
            if label is None:
                label = GROUP_PREFIX.get(clean(by_id[g["ParentID"]]["Title"]), "")
            key = f"{label or snake(clean(g['Title']).replace(' ', ''))}_{key}"
        unit = clean(p.get("Unit"))
        relative = p.get("PresentationType") == "Relative" or unit.startswith(("%", "per", "x 1"))
        is_count = unit == "aantal" and not relative and not prefix.startswith("Gemiddeld")
        additive = p.get("PresentationType") == "Absolute" and unit in ("aantal", "ha")
        if key in RELATIVE_RULES:
            rule, num, den, weight, scale = RELATIVE_RULES[key]
        elif is_count or (additive and not prefix.startswith(("Gemiddeld", "Afstand"))):
            rule, num, den, weight, scale = "sum", "", "", "", 1.0
        elif top == "Wonen en vastgoed" or top == "Energie":
            rule, num, den, weight, scale = "weighted_mean", "", "", HOUSING_BASE, 1.0
        elif group in HOUSEHOLD_GROUPS:
            rule, num, den, weight, scale = "weighted_mean", "", "", "huishoudens_totaal", 1.0
        elif unit in ("code",):
            rule, num, den, weight, scale = "none", "", "", "", 1.0
        else:
            rule, num, den, weight, scale = "weighted_mean", "", "", "inwoners", 1.0
        direction = (
            "higher_is_worse"
            if key in WORSE
            else "higher_is_better"
            if key in BETTER
            else "neutral"
        )
        title = clean(p["Title"])
        if prefix_count[prefix] > 1:
            title = f"{title} ({group.lower()})"
        entries.append(
            {
                "key": key,
                "name": title,
                "name_cbs": clean(p["Title"]),
                "definition": clean(p.get("Description")),
                "unit": unit,
                "domain": DOMAIN_BY_GROUP.get(top, "overig"),
                "direction": direction,
                "kind": "objective",
                "source": "CBS Kerncijfers wijken en buurten",
                "aggregation": rule,
                "numerator": num,
                "denominator": den,
                "weight": weight,
                "scale": scale,
                "is_count": is_count,
                "min_population": 0 if is_count else 50,
                "decimals": int(clean(p.get("Decimals")) or 0),
                "cbs_key": prefix,
                "cbs_group": group_path,
                "position": position,
            }
        )
    return entries


def theme_entries(data_dir: Path, known: set[str], start: int) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    position = start
    for path in sorted((data_dir / "cbs_buurt_thema").glob("*.csv")):
        family = path.name.split("_")[0]
        domain, direction, source = THEME_FILES[family]
        with path.open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        for column in header:
            match = SUFFIX.search(column)
            if not match or NOT_MEASURES.match(column):
                continue
            prefix = SUFFIX.sub("", column)
            default = snake(prefix) + ("_per_1000" if prefix in THEME_PER_1000 else "")
            keys = THEME_REPEATS.get(prefix, [default])
            for occurrence, key in enumerate(keys):
                if key in known:
                    continue
                known.add(key)
                per_1000 = key.endswith("_per_1000") or "Per1000" in prefix
                base_population = prefix.startswith(("Inwoners", "AantalInwoners"))
                words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", prefix).lower()
                entries.append(
                    {
                        "key": key,
                        "name": words.capitalize() + (" per 1 000 inwoners" if per_1000 else ""),
                        "definition": "",
                        "unit": "per 1 000 inwoners" if per_1000 else "",
                        "domain": domain,
                        "direction": "neutral" if base_population else direction,
                        "kind": "objective",
                        "source": source,
                        "aggregation": "none" if per_1000 or family == "energie" else "sum",
                        "numerator": "",
                        "denominator": "",
                        "weight": "",
                        "scale": 1.0,
                        "is_count": not per_1000 and family != "energie",
                        "min_population": 50 if per_1000 or family == "energie" else 0,
                        "decimals": 0,
                        "cbs_key": prefix,
                        "cbs_group": "",
                        "occurrence": occurrence,
                        "position": position,
                    }
                )
                position += 1
    return entries


def main() -> None:
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    props = json.loads(
        (data_dir / "kerncijfers" / "kwb2024_85984NED_DataProperties.json").read_text()
    )
    kwb = kwb_entries(props)
    keys = [e["key"] for e in kwb]
    assert len(keys) == len(set(keys)), "duplicate keys in the KWB catalogue"
    themes = theme_entries(data_dir, set(keys), len(kwb))
    out = Path(__file__).resolve().parents[1] / "src/gebiedskompas/indicators/data/catalogue.json"
    out.write_text(json.dumps(kwb + themes, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(kwb)} KWB and {len(themes)} theme entries to {out}")


if __name__ == "__main__":
    main()
