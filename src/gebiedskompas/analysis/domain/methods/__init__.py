"""The registry of analysis methods: a stable key per method, read by the CLI, config and web.

Filled by explicit imports (no loading by dotted string) so type checkers can follow.
"""

from __future__ import annotations

from typing import Final

from gebiedskompas.analysis.domain.methods import baseline, imd, svi, zscore
from gebiedskompas.analysis.domain.model import Method

METHODS: Final[dict[str, Method]] = {
    baseline.METHOD.key: baseline.METHOD,
    zscore.METHOD.key: zscore.METHOD,
    imd.METHOD.key: imd.METHOD,
    svi.METHOD.key: svi.METHOD,
}
