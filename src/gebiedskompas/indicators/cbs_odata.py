"""Download a CBS table and its metadata from the CBS OData API, then import it.

For servers with internet access. The OData v3 API (``…/ODataApi/odata/<TABLE>``) serves
``TypedDataSet`` (the rows, with codes in the region dimension), ``DataProperties`` (the columns)
and one collection per dimension (e.g. ``WijkenEnBuurten`` with Key and Title). Results come in
pages that link on with ``odata.nextLink``. The rows are written as the ``cbsodata`` client
would export them (labels in dimension columns, ``Codering_N`` holding codes) and handed to the
same importer as a file.
"""

from __future__ import annotations

import json
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pandas as pd

from gebiedskompas.core.errors import KompasError, gettext_noop
from gebiedskompas.indicators.services import ImportSummary, import_cbs

TIMEOUT_S = 60
MAX_PAGES = 10_000


def _get_json(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310 - https API
            return json.loads(response.read().decode("utf-8"))  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        raise KompasError(
            gettext_noop("CBS answered {code} for {url}"), code=exc.code, url=url
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise KompasError(
            gettext_noop("cannot reach CBS at {url} ({exc})"), url=url, exc=exc
        ) from exc
    except ValueError as exc:
        raise KompasError(
            gettext_noop("CBS sent something that is not JSON for {url}"), url=url
        ) from exc


def _collection(url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    pages = 0
    while next_url and pages < MAX_PAGES:
        payload = _get_json(next_url)
        rows.extend(payload.get("value", []))
        next_url = payload.get("odata.nextLink")
        pages += 1
    return rows


def fetch_table(
    table_id: str, *, base_url: str, gemeente: str | None = None
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The table's rows (labels in dimension columns) and its DataProperties."""
    if not table_id.replace("_", "").isalnum():
        raise KompasError(
            gettext_noop('"{table_id}" is not a CBS table identifier (e.g. 85984NED)'),
            table_id=table_id,
        )
    root = f"{base_url.rstrip('/')}/{table_id}"
    properties = _collection(f"{root}/DataProperties?$format=json")
    if not properties:
        raise KompasError(
            gettext_noop("CBS table {table_id} has no DataProperties"), table_id=table_id
        )
    dimensions = [
        p["Key"]
        for p in properties
        if p.get("Type") in ("Dimension", "GeoDimension", "GeoDetail", "TimeDimension")
    ]
    query = "$format=json"
    code_key = next(
        (p["Key"] for p in properties if str(p.get("Key", "")).startswith("Codering")), None
    )
    if gemeente and code_key:
        digits = gemeente.upper().removeprefix("GM")
        filt = " or ".join(
            f"substringof('{prefix}{digits}',{code_key})" for prefix in ("GM", "WK", "BU")
        )
        query += "&$filter=" + urllib.parse.quote(filt)
    rows = _collection(f"{root}/TypedDataSet?{query}")
    frame = pd.DataFrame(rows)
    for dim in dimensions:
        if dim in frame.columns:
            labels = {
                d["Key"]: d.get("Title", d["Key"])
                for d in _collection(f"{root}/{dim}?$format=json")
            }
            frame[dim] = frame[dim].map(lambda k, labels=labels: labels.get(k, k))
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame, properties


def fetch_and_import(
    table_id: str,
    *,
    base_url: str,
    gemeente: str | None = None,
    year: int | None = None,
) -> ImportSummary:
    frame, properties = fetch_table(table_id, base_url=base_url, gemeente=gemeente)
    if frame.empty:
        if gemeente:
            raise KompasError(
                gettext_noop("CBS table {table_id} returned no rows for {gemeente}"),
                table_id=table_id,
                gemeente=gemeente,
            )
        raise KompasError(gettext_noop("CBS table {table_id} returned no rows"), table_id=table_id)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"{table_id}.csv"
        meta = Path(tmp) / f"{table_id}_DataProperties.json"
        frame.to_csv(data, index=False)
        meta.write_text(json.dumps(properties), encoding="utf-8")
        return import_cbs(data, year=year, metadata_path=meta, display_name=f"CBS {table_id}")
