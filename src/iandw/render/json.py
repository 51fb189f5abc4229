"""The report as JSON: sorted keys, stable bytes."""

from __future__ import annotations

import json

from iandw.model.report import Report


def render_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
