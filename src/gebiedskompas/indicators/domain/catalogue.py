"""The shipped indicator catalogue (CBS KWB columns and theme tables) and column mapping.

CBS StatLine keys carry a numeric suffix that changes between table years (``AantalInwoners_5``
in 2024), so columns are matched by the key without its suffix. Some keys repeat within a table
(``Nederland_17`` under *Herkomstland*, ``Nederland_20`` under *Geboren in Nederland*): with the
table's metadata (DataProperties) the group in the CBS theme tree tells them apart; without it the
repeated columns are matched in order, and only when the table has exactly as many of them as the
catalogue knows.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gebiedskompas.core.errors import fill, gettext_noop

SUFFIX = re.compile(r"_(\d+)$")


def strip_suffix(column: str) -> str:
    return SUFFIX.sub("", column)


@dataclass(frozen=True)
class Entry:
    key: str
    name: str
    cbs_key: str = ""
    cbs_group: str = ""
    occurrence: int = 0
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


def load_catalogue() -> list[Entry]:
    raw = json.loads(
        resources.files("gebiedskompas.indicators")
        .joinpath("data/catalogue.json")
        .read_text("utf-8")
    )
    return [entry_from_dict(item) for item in raw]


def entry_from_dict(item: Mapping[str, Any]) -> Entry:
    return Entry(
        key=str(item["key"]),
        name=str(item["name"]),
        cbs_key=str(item.get("cbs_key", "")),
        cbs_group=str(item.get("cbs_group", "")),
        occurrence=int(item.get("occurrence", 0)),
        data=dict(item),
    )


@dataclass(frozen=True)
class ColumnMeta:
    """What a table's metadata (DataProperties) says about one column.

    ``group`` is the path of theme groups from the top down, e.g. "Bevolking / Bevolking naar
    herkomst / Herkomstland".
    """

    title: str
    group: str
    description: str = ""
    unit: str = ""
    datatype: str = ""


def metadata_by_column(properties: Iterable[Mapping[str, Any]]) -> dict[str, ColumnMeta]:
    """Columns of a CBS DataProperties list (as the OData API or ``cbsodata`` give it)."""
    props = list(properties)
    by_id = {str(p.get("ID")): p for p in props}
    out: dict[str, ColumnMeta] = {}
    for p in props:
        if p.get("Type") != "Topic":
            continue
        titles: list[str] = []
        parent = by_id.get(str(p.get("ParentID")))
        while parent is not None and len(titles) < 10:
            titles.append(_clean(parent.get("Title")))
            parent = by_id.get(str(parent.get("ParentID")))
        group = " / ".join(reversed(titles))
        out[str(p["Key"])] = ColumnMeta(
            title=_clean(p.get("Title")),
            group=group,
            description=_clean(p.get("Description")),
            unit=_clean(p.get("Unit")),
            datatype=_clean(p.get("Datatype")),
        )
    return out


def _clean(value: object) -> str:
    text = str(value or "").strip()
    return "" if text == "None" else text


@dataclass(frozen=True)
class Mapping_:
    column: str
    key: str
    entry: Entry | None  # None: a new indicator made from the column (and its metadata)


class UnmappableColumns(Exception):
    """Columns the catalogue cannot map; `reason` is a message template filled by `params`."""

    def __init__(self, columns: list[str], reason: str, /, **params: object) -> None:
        self.columns = columns
        self.reason = reason
        self.params: dict[str, Any] = params  # Any: passed on as **params to a KompasError
        super().__init__(fill(reason, params))


def snake_key(cbs_key: str) -> str:
    text = re.sub(r"^k_", "", cbs_key)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    return re.sub(r"_+", "_", text).lower().strip("_")[:80]


def map_columns(
    columns: list[str],
    catalogue: list[Entry],
    metadata: Mapping[str, ColumnMeta] | None = None,
) -> list[Mapping_]:
    """Map measure columns to catalogue keys; raises ``UnmappableColumns`` naming the columns."""
    by_prefix: dict[str, list[Entry]] = defaultdict(list)
    for entry in catalogue:
        if entry.cbs_key:
            by_prefix[entry.cbs_key].append(entry)
    groups: dict[str, list[str]] = defaultdict(list)
    for column in columns:
        groups[strip_suffix(column)].append(column)
    result: list[Mapping_] = []
    for prefix, cols in groups.items():
        cols = sorted(cols, key=_suffix_number)
        known = sorted(by_prefix.get(prefix, []), key=lambda e: e.data.get("position", 0))
        if metadata is not None:
            result.extend(_map_with_metadata(prefix, cols, known, metadata))
            continue
        if len(cols) == 1 and len(known) <= 1:
            only = known[0] if known else None
            result.append(Mapping_(cols[0], only.key if only else snake_key(prefix), only))
        elif len(cols) == len(known):
            result.extend(Mapping_(c, e.key, e) for c, e in zip(cols, known, strict=True))
        else:
            raise UnmappableColumns(
                cols,
                gettext_noop(
                    "the columns {columns} share the CBS key {prefix} and cannot be told apart "
                    "without the table's metadata; pass --metadata DataProperties.json"
                ),
                columns=", ".join(cols),
                prefix=prefix,
            )
    return result


def _suffix_number(column: str) -> int:
    match = SUFFIX.search(column)
    return int(match.group(1)) if match else 0


def _map_with_metadata(
    prefix: str, cols: list[str], known: list[Entry], metadata: Mapping[str, ColumnMeta]
) -> list[Mapping_]:
    missing = [c for c in cols if c not in metadata]
    if missing:
        raise UnmappableColumns(
            missing,
            gettext_noop("the metadata does not describe {columns}"),
            columns=", ".join(missing),
        )
    out: list[Mapping_] = []
    for column in cols:
        meta = metadata[column]
        candidates = [e for e in known if not e.cbs_group or e.cbs_group == meta.group]
        if len(known) > 1:
            candidates = [e for e in known if e.cbs_group == meta.group]
        if len(candidates) == 1:
            entry = candidates[0]
            expected = _norm(entry.data.get("name_cbs") or entry.name.split(" (")[0])
            if (
                expected
                and _norm(meta.title) != expected
                and not _norm(meta.title).startswith(expected)
            ):
                raise UnmappableColumns(
                    [column],
                    gettext_noop(
                        'the CBS title of {column} is "{title}", but the catalogue entry {key} is '
                        '"{name}"'
                    ),
                    column=column,
                    title=meta.title,
                    key=entry.key,
                    name=entry.name,
                )
            out.append(Mapping_(column, entry.key, entry))
        elif not candidates and (len(cols) == 1 and not known):
            out.append(Mapping_(column, snake_key(prefix), None))
        elif not candidates and len(cols) > 1 and not known:
            group_key = snake_key(re.sub(r"[^A-Za-z0-9]", "", meta.group.title())) or "groep"
            out.append(Mapping_(column, f"{group_key}_{snake_key(prefix)}"[:80], None))
        else:
            raise UnmappableColumns(
                [column],
                gettext_noop(
                    '{column} (group "{group}") matches {n} catalogue entries for {prefix}'
                ),
                column=column,
                group=meta.group,
                n=len(candidates),
                prefix=prefix,
            )
    keys = [m.key for m in out]
    if len(set(keys)) != len(keys):
        raise UnmappableColumns(cols, f"the columns {', '.join(cols)} map to the same indicator")
    return out


def _norm(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())
