"""CBS area codes: ``GM0153`` (gemeente), ``WK015301`` (wijk), ``BU01530101`` (buurt).

A wijk code is the gemeente's four digits plus two; a buurt code the wijk's six plus two, so the
parent of any CBS code follows from the code itself.
"""

from __future__ import annotations

import re
from enum import StrEnum


class AreaLevel(StrEnum):
    GEMEENTE = "gemeente"
    STADSDEEL = "stadsdeel"
    WIJK = "wijk"
    BUURT = "buurt"

    @property
    def depth(self) -> int:
        return _DEPTH[self]


_DEPTH = {AreaLevel.GEMEENTE: 0, AreaLevel.STADSDEEL: 1, AreaLevel.WIJK: 2, AreaLevel.BUURT: 3}

_CBS_CODE = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")
_LEVEL_BY_PREFIX = {"GM": AreaLevel.GEMEENTE, "WK": AreaLevel.WIJK, "BU": AreaLevel.BUURT}

# CBS SoortRegio labels (the KWB tables write them in Dutch, some exports in lower case).
SOORT_REGIO = {
    "gemeente": AreaLevel.GEMEENTE,
    "wijk": AreaLevel.WIJK,
    "buurt": AreaLevel.BUURT,
}


def is_cbs_code(code: str) -> bool:
    return bool(_CBS_CODE.match(code))


def level_of(code: str) -> AreaLevel:
    """The level a CBS code denotes; ``ValueError`` naming the code when it is no CBS code."""
    if not is_cbs_code(code):
        raise ValueError(f'"{code}" is not a CBS area code (GM + 4, WK + 6 or BU + 8 digits)')
    return _LEVEL_BY_PREFIX[code[:2]]


def parent_code(code: str) -> str | None:
    """The CBS parent of a CBS code: buurt → wijk → gemeente → None."""
    level = level_of(code)
    if level is AreaLevel.BUURT:
        return "WK" + code[2:8]
    if level is AreaLevel.WIJK:
        return "GM" + code[2:6]
    return None


def municipality_code(code: str) -> str:
    """The gemeente code a CBS code belongs to."""
    level_of(code)
    return "GM" + code[2:6]
