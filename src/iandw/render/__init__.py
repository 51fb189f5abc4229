"""Renderers: a report or a timeline, for programs (json, csv) and for people (text, markdown, html, images).

`render` and `render_timeline` pick the renderer of a format.  Each is a
pure function of the model it renders, and of options such as how many
near misses to list: the report and the timeline carry all else they are
rendered with (their level thresholds, each observation's days).  A text
format gives a string, an image the bytes of its file.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from iandw.choices import FORMATS, TIMELINE_FORMATS
from iandw.model.report import Report

if TYPE_CHECKING:
    from iandw.model.scoring import ScoringTables
    from iandw.model.timeline import Timeline


def render(
    report: Report, format: str = "text", tables: ScoringTables | None = None, near_misses: int | None = None
) -> str:
    """The report in one of FORMATS; the command line prints exactly this.

    The report holds all it is rendered from: its level thresholds, which
    no percentage is rounded across (`words.percent`), and the days each
    observation's date may denote.  `tables` is accepted for the callers
    that passed the case's scoring tables when the report did not carry
    them; it is ignored, with a DeprecationWarning.  `near_misses` (at
    least 1): how many near misses text, Markdown and HTML list per
    indicator of a hypothesis that did not fire, the rest counted; by
    default 3, for a summary read at a glance.  The report holds at most
    its `max_matches` of them; the command line passes `--max-matches` when
    it is given.  JSON lists what the report holds.
    """
    if tables is not None:
        warnings.warn(
            "render() no longer needs the case's scoring tables: the report carries its level thresholds",
            DeprecationWarning,
            stacklevel=2,
        )
    if format == "json":
        from iandw.render.json import render_json

        return render_json(report)
    from iandw.render.words import NEAR_MISSES_SHOWN

    if near_misses is not None and near_misses < 1:
        raise ValueError(f"near_misses is at least 1, not {near_misses}")
    shown = NEAR_MISSES_SHOWN if near_misses is None else near_misses
    if format == "markdown":
        from iandw.render.markdown import render_markdown

        return render_markdown(report, shown)
    if format == "text":
        from iandw.render.text import render_text

        return render_text(report, shown)
    if format == "html":
        from iandw.render.html import render_html

        return render_html(report, near_misses=shown)
    raise ValueError(f"unknown format {format!r}; formats are: {', '.join(FORMATS)}")


def render_timeline(timeline: Timeline, format: str = "text", report: Report | None = None) -> str | bytes:
    """The timeline in one of TIMELINE_FORMATS; `iandw timeline` writes exactly this.

    Text, CSV and JSON are strings; PNG and SVG are the posterior chart
    alone, as the bytes of an image file, titled with its period.  HTML is
    `report`'s page with the posterior over time added: the report as of the
    timeline's last date (`iandw.evaluate(case, as_of=…)`), as the command's
    is; a report of another date or other hypotheses is a ValueError.
    """
    if format == "html":
        if report is None:
            raise ValueError("an HTML timeline is a report's page: pass the report as of the timeline's end")
        # a page whose report and chart disagree at their common date would mislead whoever briefs from it
        if report.as_of != timeline.end:
            raise ValueError(
                f"the report is as of {report.as_of} and the timeline ends on {timeline.end}: "
                f"pass the report as of {timeline.end}"
            )
        if sorted(h.id for h in report.hypotheses) != sorted(h.id for h in timeline.hypotheses):
            raise ValueError("the report and the timeline are of different hypotheses: pass the same case's")
        from iandw.render.html import render_html

        return render_html(report, timeline=timeline)
    if format in ("png", "svg"):
        from iandw.render.charts import posterior_chart

        return posterior_chart(timeline, "png" if format == "png" else "svg", standalone=True)
    from iandw.render.timeline import render_timeline_csv, render_timeline_json, render_timeline_text

    if format == "text":
        return render_timeline_text(timeline)
    if format == "csv":
        return render_timeline_csv(timeline)
    if format == "json":
        return render_timeline_json(timeline)
    raise ValueError(f"unknown format {format!r}; formats are: {', '.join(TIMELINE_FORMATS)}")
