"""Periods of observations: a year, a half-year or a quarter, in one canonical text form.

Canonical forms sort as text: ``2024``, ``2024-H1``, ``2024-Q3``. Parsing accepts what CBS and
municipal files write: ``2024``, ``2024JJ00``, ``2015KW01``, ``2024HJ01``, ``2013 maart`` (the
uitkeringen tables label quarters by their last month), ``1e halfjaar 2024``, ``2024Q1``,
``2024-H2``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from gebiedskompas.core.errors import Refusal, gettext_noop


class PeriodKind(StrEnum):
    YEAR = "year"
    HALF_YEAR = "half_year"
    QUARTER = "quarter"


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: PeriodKind
    part: int = 0  # 1-2 for half-years, 1-4 for quarters, 0 for years

    def __str__(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.year}"
        prefix = "H" if self.kind is PeriodKind.HALF_YEAR else "Q"
        return f"{self.year}-{prefix}{self.part}"

    @property
    def label_nl(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        if self.kind is PeriodKind.HALF_YEAR:
            return f"{self.part}e halfjaar {self.year}"
        return f"{self.part}e kwartaal {self.year}"


_QUARTER_MONTHS = {"maart": 1, "juni": 2, "september": 3, "december": 4}
_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(\d{4})(?:JJ00)?$"), PeriodKind.YEAR),
    (re.compile(r"^(\d{4})(?:KW0?|-?Q)([1-4])$", re.I), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})(?:HJ0?|-?H)([12])$", re.I), PeriodKind.HALF_YEAR),
)


def parse_period(text: object) -> Period:
    """Read a period; raises ``ValueError`` with the text when it is none of the known forms."""
    raw = str(text).strip()
    if isinstance(text, float) and text.is_integer():
        raw = str(int(text))
    for pattern, kind in _PATTERNS:
        match = pattern.match(raw)
        if match:
            year = int(match.group(1))
            part = int(match.group(2)) if kind is not PeriodKind.YEAR else 0
            return Period(year, kind, part)
    match = re.match(r"^(\d{4})\s+([a-z]+)$", raw, re.I)
    if match and match.group(2).lower() in _QUARTER_MONTHS:
        return Period(
            int(match.group(1)), PeriodKind.QUARTER, _QUARTER_MONTHS[match.group(2).lower()]
        )
    match = re.match(r"^([12])e\s+halfjaar\s+(\d{4})$", raw, re.I)
    if match:
        return Period(int(match.group(2)), PeriodKind.HALF_YEAR, int(match.group(1)))
    match = re.match(r"^([1-4])e\s+kwartaal\s+(\d{4})$", raw, re.I)
    if match:
        return Period(int(match.group(2)), PeriodKind.QUARTER, int(match.group(1)))
    raise Refusal(
        gettext_noop(
            '"{raw}" is not a period (expected e.g. 2024, 2024-H1, 2024-Q3, 2015KW01 or '
            '"2013 maart")'
        ),
        raw=raw,
    )
