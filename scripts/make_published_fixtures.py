"""Make the published-data fixtures in ``tests/fixtures/published/`` from the original files.

Each fixture keeps the first N data rows of a published file (in the file's own order) and only
the columns the checks in ``tests/analysis/test_published.py`` read, with every value copied as
text (no re-formatting of numbers), gzipped reproducibly (no name, mtime 0). Usage::

    python scripts/make_published_fixtures.py svi2020 SVI2020_US_COUNTY.csv --rows 20
    python scripts/make_published_fixtures.py imd2019 imd2019_lsoa.csv --rows 90
    python scripts/make_published_fixtures.py imd2025 imd.csv --rows 30

Where the originals were taken from is in ``tests/fixtures/published/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "published"

SVI_VARIABLES = (
    "POV150", "UNEMP", "HBURD", "NOHSDP", "UNINSUR",  # theme 1
    "AGE65", "AGE17", "DISABL", "SNGPNT", "LIMENG",  # theme 2
    "MINRTY",  # theme 3
    "MUNIT", "MOBILE", "CROWD", "NOVEH", "GROUPQ",  # theme 4
)  # fmt: skip
SVI_COLUMNS = (
    "FIPS",
    "COUNTY",
    "E_HBURD",  # the 2020 release before the 22 Dec 2022 correction ranked E_, not EP_HBURD
    *(f"EP_{v}" for v in SVI_VARIABLES),
    *(f"EPL_{v}" for v in SVI_VARIABLES),
    *(f"SPL_THEME{k}" for k in range(1, 5)),
    *(f"RPL_THEME{k}" for k in range(1, 5)),
    "SPL_THEMES",
    "RPL_THEMES",
    *(f"F_{v}" for v in SVI_VARIABLES),
    *(f"F_THEME{k}" for k in range(1, 5)),
    "F_TOTAL",
)

IMD_DOMAINS = (
    "Income",
    "Employment",
    "Education, Skills and Training",
    "Health Deprivation and Disability",
    "Crime",
    "Barriers to Housing and Services",
    "Living Environment",
)
IMD_SCORE_NAMES = {"Income": "Income Score (rate)", "Employment": "Employment Score (rate)"}


def imd_columns(code_column: str) -> tuple[str, ...]:
    return (
        code_column,
        "Index of Multiple Deprivation (IMD) Score",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        *(IMD_SCORE_NAMES.get(d, f"{d} Score") for d in IMD_DOMAINS),
        *(f"{d} Rank (where 1 is most deprived)" for d in IMD_DOMAINS),
    )


DATASETS = {
    "svi2020": ("svi2020_us_county_head.csv.gz", SVI_COLUMNS),
    "imd2019": ("iod2019_lsoa_head.csv.gz", imd_columns("LSOA code (2011)")),
    "imd2025": ("iod2025_lsoa_head.csv.gz", imd_columns("LSOA code (2021)")),
}


def extract(source: Path, columns: tuple[str, ...], rows: int) -> str:
    """The first ``rows`` data rows of ``source``, only ``columns``, as CSV text."""
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{source}: missing columns {missing}")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for i, row in enumerate(reader):
            if i == rows:
                break
            writer.writerow([row[c] for c in columns])
    return out.getvalue()


def write_gzip(path: Path, text: str) -> None:
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("source", type=Path, help="the original published CSV")
    parser.add_argument("--rows", type=int, required=True, help="how many leading rows to keep")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    name, columns = DATASETS[args.dataset]
    text = extract(args.source, columns, args.rows)
    args.out.mkdir(parents=True, exist_ok=True)
    write_gzip(args.out / name, text)
    print(f"wrote {text.count(chr(10)) - 1} rows to {args.out / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
