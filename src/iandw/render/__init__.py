"""Renderers: the same report for programs (json) and for people (text, markdown, html).

Each renderer is a pure function from the report model to a string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iandw.choices import FORMATS
from iandw.model.report import Report

if TYPE_CHECKING:
    from iandw.model.scoring import ScoringTables


def render(report: Report, format: str = "text", tables: ScoringTables | None = None) -> str:
    """The report in one of FORMATS; the command line prints exactly this.

    `tables` are the case's scoring tables (`result.case.tables`): the HTML
    page states their level thresholds and draws qualified dates with their
    pad, which a rule set's `kind: scoring` may change; text, Markdown and
    HTML never round a percentage across a threshold (`words.percent`).
    JSON does not need them.
    """
    if format == "json":
        from iandw.render.json import render_json

        return render_json(report)
    if format == "markdown":
        from iandw.render.markdown import render_markdown

        return render_markdown(report, tables)
    if format == "text":
        from iandw.render.text import render_text

        return render_text(report, tables)
    if format == "html":
        from iandw.render.html import render_html

        return render_html(report, tables=tables)
    raise ValueError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}")
