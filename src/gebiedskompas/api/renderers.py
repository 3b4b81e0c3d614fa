from __future__ import annotations

import csv
import io
from typing import Any

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Observation rows as CSV (``?format=csv``); the licence travels in the Link header."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        rows = data.get("resultaten", data) if isinstance(data, dict) else data
        out = io.StringIO()
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        elif isinstance(data, dict) and "detail" in data:  # a problem
            out.write(f"{data.get('title', '')}: {data['detail']}\n")
        return out.getvalue().encode("utf-8")
