"""CBS area codes: ``GM0153`` (gemeente), ``WK015301`` (wijk), ``BU01530101`` (buurt), and
``NL00`` (the Netherlands, the first row of a national KWB table).

A wijk code is the gemeente's four digits plus two; a buurt code the wijk's six plus two, so the
parent of any CBS code follows from the code itself. The Netherlands is a reference area of its
own: no municipality's tree hangs under it (each gemeente stays the root of its tree and of its
rights), it is what figures are compared with.
"""

from __future__ import annotations

import re
from enum import StrEnum


class AreaLevel(StrEnum):
    LAND = "land"
    GEMEENTE = "gemeente"
    STADSDEEL = "stadsdeel"
    WIJK = "wijk"
    BUURT = "buurt"

    @property
    def depth(self) -> int:
        return _DEPTH[self]


_DEPTH = {
    AreaLevel.LAND: -1,
    AreaLevel.GEMEENTE: 0,
    AreaLevel.STADSDEEL: 1,
    AreaLevel.WIJK: 2,
    AreaLevel.BUURT: 3,
}

NETHERLANDS = "NL00"
_CBS_CODE = re.compile(r"^(NL00|GM\d{4}|WK\d{6}|BU\d{8})$")
_LEVEL_BY_PREFIX = {
    "NL": AreaLevel.LAND,
    "GM": AreaLevel.GEMEENTE,
    "WK": AreaLevel.WIJK,
    "BU": AreaLevel.BUURT,
}

# CBS SoortRegio labels (the KWB tables write them in Dutch, some exports in lower case).
SOORT_REGIO = {
    "land": AreaLevel.LAND,
    "gemeente": AreaLevel.GEMEENTE,
    "wijk": AreaLevel.WIJK,
    "buurt": AreaLevel.BUURT,
}


def is_cbs_code(code: str) -> bool:
    return bool(_CBS_CODE.match(code))


def level_of(code: str) -> AreaLevel:
    """The level a CBS code denotes; ``ValueError`` naming the code when it is no CBS code."""
    if not is_cbs_code(code):
        raise ValueError(
            f'"{code}" is not a CBS area code (NL00, or GM + 4, WK + 6 or BU + 8 digits)'
        )
    return _LEVEL_BY_PREFIX[code[:2]]


def parent_code(code: str) -> str | None:
    """The CBS parent of a CBS code: buurt → wijk → gemeente → None (and NL00 → None)."""
    level = level_of(code)
    if level is AreaLevel.BUURT:
        return "WK" + code[2:8]
    if level is AreaLevel.WIJK:
        return "GM" + code[2:6]
    return None


def municipality_code(code: str) -> str:
    """The gemeente code a CBS code belongs to (``ValueError`` for the Netherlands)."""
    if level_of(code) is AreaLevel.LAND:
        raise ValueError("the Netherlands belongs to no municipality")
    return "GM" + code[2:6]
