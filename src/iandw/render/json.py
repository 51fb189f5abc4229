"""The report (and the timeline) as JSON: sorted keys, stable bytes."""

from __future__ import annotations

import json

from iandw.model.report import Report, ReportModel


def model_json(model: ReportModel) -> str:
    """Sorted keys, two-space indents, UTF-8 text as written: the same model gives the same bytes."""
    return json.dumps(model.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def render_json(report: Report) -> str:
    return model_json(report)
