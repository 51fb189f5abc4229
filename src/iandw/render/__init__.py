"""Renderers: the same report for programs (json) and for people (text, markdown).

Each renderer is a pure function from the report model to a string.
"""

from __future__ import annotations

from collections.abc import Callable

from iandw.model.report import Report

FORMATS = ("text", "markdown", "json")


def render(report: Report, format: str = "text") -> str:
    return _renderer(format)(report)


def _renderer(format: str) -> Callable[[Report], str]:
    if format == "json":
        from iandw.render.json import render_json

        return render_json
    if format == "markdown":
        from iandw.render.markdown import render_markdown

        return render_markdown
    if format == "text":
        from iandw.render.text import render_text

        return render_text
    raise ValueError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}")
