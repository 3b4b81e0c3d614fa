"""Routing rules as data: the first active rule that matches assigns the department.

After Signalen's routing expressions (ordered, first match wins), without a DSL: a rule names a
category, an area (matching the area itself and everything inside it), a time-of-day window, or
any combination; an empty condition matches everything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class Rule:
    order: int
    department_id: int
    category_id: int | None = None
    area_id: int | None = None
    starts: time | None = None
    ends: time | None = None
    user_id: int | None = None


def in_window(moment: time, starts: time | None, ends: time | None) -> bool:
    """Whether `moment` falls in [starts, ends); a window may wrap midnight (22:00–06:00)."""
    if starts is None or ends is None:
        return True
    if starts <= ends:
        return starts <= moment < ends
    return moment >= starts or moment < ends


def first_match(
    rules: Iterable[Rule], *, category_id: int, area_ids: Collection[int], moment: time
) -> Rule | None:
    """The first rule by `order` matching the signal's category, area (`area_ids`: the area and
    its ancestors) and local time of day; None when no rule matches."""
    for rule in sorted(rules, key=lambda r: r.order):
        if rule.category_id is not None and rule.category_id != category_id:
            continue
        if rule.area_id is not None and rule.area_id not in area_ids:
            continue
        if not in_window(moment, rule.starts, rule.ends):
            continue
        return rule
    return None
