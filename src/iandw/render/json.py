"""The report (and the timeline) as JSON: sorted keys, stable bytes."""

from __future__ import annotations

import json
from typing import Any

from iandw.model.report import Report, ReportModel


def pretty_json(value: Any) -> str:
    """Sorted keys, two-space indents, UTF-8 text as written: exactly `json.dumps(indent=2)`'s bytes.

    With an indent, `json.dumps` leaves its C encoder for a Python one,
    three times slower on a large report; so the value is encoded compactly
    in C and msgspec lays the whitespace out, keeping every token as it is.
    """
    try:
        compact = json.dumps(
            value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except ValueError:  # NaN or an infinity, which msgspec would not read back
        return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    import msgspec

    return msgspec.json.format(compact, indent=2)


def model_json(model: ReportModel) -> str:
    """The same model gives the same bytes."""
    return pretty_json(model.model_dump(mode="json")) + "\n"


def render_json(report: Report) -> str:
    return model_json(report)
