"""``kompas analyse table``: the function behind it, with every bad-input message."""

from __future__ import annotations

from pathlib import Path

import pytest

from gebiedskompas.analysis.domain.table import analyse_table
from gebiedskompas.core.errors import InputError, KompasError

pytestmark = pytest.mark.unit

CSV = """FIPS,EP_POV150,EP_UNEMP,EP_AGE65
01001,20.1,4.2,15.0
01003,15.5,3.1,20.2
01005,33.0,8.5,18.7
01007,25.2,5.0,16.1
"""

SVI_CONFIG = """
method = "svi"
id = "FIPS"

[[domains]]
name = "theme1"
indicators = [
  { column = "EP_POV150", direction = "higher_is_worse" },
  { column = "EP_UNEMP", direction = "higher_is_worse" },
]

[[domains]]
name = "theme2"
indicators = [ { column = "EP_AGE65", direction = "higher_is_worse" } ]
"""


def write(tmp_path: Path, csv: str, config: str) -> tuple[Path, Path]:
    data = tmp_path / "data.csv"
    data.write_text(csv, encoding="utf-8")
    cfg = tmp_path / "config.toml"
    cfg.write_text(config, encoding="utf-8")
    return data, cfg


def test_svi_table_has_exactly_the_documented_columns_and_keeps_ids_as_text(
    tmp_path: Path,
) -> None:
    out = analyse_table(*write(tmp_path, CSV, SVI_CONFIG))
    assert list(out.columns) == [
        "FIPS",
        "theme1_score",
        "theme1_rank",
        "theme2_score",
        "theme2_rank",
        "score",
        "rank",
        "flags",
    ]
    assert out["FIPS"].tolist() == ["01001", "01003", "01005", "01007"]
    # 01005 is highest on both theme-1 variables: 1 + 1 = 2 → RPL 1, two flags.
    row = out.set_index("FIPS").loc["01005"]
    assert row["theme1_score"] == 2.0 and row["theme1_rank"] == 1.0 and row["flags"] == 2


@pytest.mark.parametrize("method", ["baseline", "zscore", "imd"])
def test_other_methods_give_score_and_rank_one_for_most_in_need(
    tmp_path: Path, method: str
) -> None:
    out = analyse_table(*write(tmp_path, CSV, SVI_CONFIG.replace('"svi"', f'"{method}"')))
    assert "flags" not in out.columns
    assert sorted(out["rank"]) == [1, 2, 3, 4]
    assert out.set_index("FIPS").at["01005", "theme1_rank"] == 1


def test_missing_column_names_the_file_header_row_and_column(tmp_path: Path) -> None:
    csv = CSV.replace("EP_UNEMP", "EP_UNEMPLOYED")
    with pytest.raises(InputError) as err:
        analyse_table(*write(tmp_path, csv, SVI_CONFIG))
    assert str(err.value).startswith(
        "data.csv, row 1, column EP_UNEMP: column 'EP_UNEMP' is not in the header"
    )


def test_missing_id_column_is_reported_too(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="row 1, column GEOID: column 'GEOID' is not in"):
        analyse_table(*write(tmp_path, CSV, SVI_CONFIG.replace('"FIPS"', '"GEOID"')))


def test_non_numeric_cells_are_all_reported_with_row_column_and_value(tmp_path: Path) -> None:
    csv = CSV.replace("15.5,3.1", "twaalf,3.1").replace("8.5,18.7", "8.5,n.v.t.")
    with pytest.raises(InputError) as err:
        analyse_table(*write(tmp_path, csv, SVI_CONFIG))
    assert str(err.value) == (
        'data.csv, row 3, column EP_POV150: "twaalf" is not a number; '
        'data.csv, row 4, column EP_AGE65: "n.v.t." is not a number'
    )
    assert [p.row for p in err.value.problems] == [3, 4]


def test_unknown_method_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(KompasError) as err:
        analyse_table(*write(tmp_path, CSV, SVI_CONFIG.replace('"svi"', '"topsis"')))
    assert str(err.value) == (
        'config.toml: unknown method "topsis"; expected one of baseline, imd, svi, zscore'
    )


def test_unknown_direction_names_domain_indicator_and_value(tmp_path: Path) -> None:
    config = SVI_CONFIG.replace('direction = "higher_is_worse" } ]', 'direction = "up" } ]')
    with pytest.raises(KompasError) as err:
        analyse_table(*write(tmp_path, CSV, config))
    assert str(err.value) == (
        "config.toml, column EP_AGE65: domain 'theme2', indicator EP_AGE65: unknown direction "
        '"up"; expected one of higher_is_better, higher_is_worse, neutral'
    )


def test_empty_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(KompasError, match="^data.csv: the file is empty; expected a header row"):
        analyse_table(*write(tmp_path, "", SVI_CONFIG))


def test_header_only_file_says_there_are_no_data_rows(tmp_path: Path) -> None:
    with pytest.raises(KompasError, match="^data.csv, row 2: the file has a header but no data"):
        analyse_table(*write(tmp_path, CSV.splitlines()[0] + "\n", SVI_CONFIG))


def test_bad_toml_names_the_config_and_the_position(tmp_path: Path) -> None:
    with pytest.raises(KompasError, match=r"^config.toml: not valid TOML: .*line 2"):
        analyse_table(*write(tmp_path, CSV, 'method = "svi"\nid = FIPS\n'))


def test_config_without_domains_or_id_is_explained(tmp_path: Path) -> None:
    with pytest.raises(KompasError, match='config.toml: the config lacks "id"'):
        analyse_table(*write(tmp_path, CSV, 'method = "svi"\n'))
    with pytest.raises(KompasError, match=r"at least one \[\[domains\]\]"):
        analyse_table(*write(tmp_path, CSV, 'method = "svi"\nid = "FIPS"\n'))


def test_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    csv = CSV + "01003,1.0,1.0,1.0\n"
    with pytest.raises(
        InputError, match='row 6, column FIPS: id "01003" occurs again .first in row 3'
    ):
        analyse_table(*write(tmp_path, csv, SVI_CONFIG))


def test_missing_file_is_a_kompas_error_not_a_traceback(tmp_path: Path) -> None:
    _, cfg = write(tmp_path, CSV, SVI_CONFIG)
    with pytest.raises(KompasError, match="^nope.csv: cannot read the file"):
        analyse_table(tmp_path / "nope.csv", cfg)


def test_empty_cells_follow_the_missing_value_policy(tmp_path: Path) -> None:
    csv = CSV.replace("15.5,3.1", ",3.1")
    out = analyse_table(*write(tmp_path, csv, SVI_CONFIG))
    assert "01003" not in out["FIPS"].tolist()
    out = analyse_table(*write(tmp_path, csv, 'missing = "impute_median"\n' + SVI_CONFIG))
    assert "01003" in out["FIPS"].tolist()


def test_semicolons_and_decimal_commas_as_dutch_spreadsheets_write_them(tmp_path: Path) -> None:
    csv = CSV.replace(",", ";").replace(".", ",")
    config = 'separator = ";"\ndecimal = ","\n' + SVI_CONFIG
    out = analyse_table(*write(tmp_path, csv, config))
    assert out.set_index("FIPS").at["01005", "flags"] == 2


def test_a_method_error_names_the_data_file(tmp_path: Path) -> None:
    csv = "FIPS,EP_POV150,EP_UNEMP,EP_AGE65\n01001,1,1,1\n01003,1,2,3\n"
    config = SVI_CONFIG.replace('"svi"', '"zscore"')
    with pytest.raises(
        KompasError, match="^data.csv, column EP_POV150: zscore: column 'EP_POV150'"
    ):
        analyse_table(*write(tmp_path, csv, config))
