"""The report as one self-contained HTML page, for a browser, a brief or an archive.

A Jinja2 template with autoescaping renders the report model: every string
from an observation file is untrusted and reaches the page only escaped.  The
CSS is inline and the charts are matplotlib SVG inline, so the page needs no
network and no other file; it has no script, and its Content-Security-Policy
forbids any as a second line of defence.  This module gathers what the
template shows into views (safe links, which observations each indicator
uses, the charts drawn and the tables in their place); the wording itself
lives in the templates, in words.py and in iandw.explain.  Charts are
bounded (MAX_SENSITIVITY_CHARTS here, rows and lines in charts.py) and every
number they leave out is on the page as text, so a case of thousands of
hypotheses renders in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from iandw import __version__
from iandw.dates import DayInterval
from iandw.diagnostics import counted, visible
from iandw.explain import evidence, failed_checks, uncertain_checks, vars_text
from iandw.model.report import (
    HypothesisIndicator,
    HypothesisReport,
    Match,
    ObservationTrace,
    Report,
    SourceWeight,
)
from iandw.model.timeline import Timeline
from iandw.render import charts
from iandw.render.page_data import by_effect, evidence_windows, observation_days
from iandw.render.words import (
    NEAR_MISSES_SHOWN,
    STATUS_LABEL,
    band_edges,
    confidence_arithmetic,
    contribution,
    crossing_reason,
    days_in_words,
    inputs_read,
    levels_text,
    more_matches,
    more_near_misses,
    percent,
    strongest_first,
)

# Sensitivity charts on one page: each costs about 40 ms and 10 KB, so 5,000
# hypotheses took minutes; past these the page gives the same numbers as a table.
MAX_SENSITIVITY_CHARTS = 50


@dataclass(frozen=True)
class SourceView:
    source: SourceWeight
    href: str | None  # only http(s): a javascript: or data: URL never becomes a link


@dataclass(frozen=True)
class ObservationView:
    trace: ObservationTrace
    when: str
    arithmetic: str
    sources: list[SourceView]
    used_by: list[tuple[str, str]]  # (indicator, "match" | "near miss")


@dataclass(frozen=True)
class HypothesisView:
    hypothesis: HypothesisReport
    indicators: list[HypothesisIndicator]  # strongest effect first
    sensitivity_svg: Markup | None
    # (indicator, posterior without it), largest effect first: the numbers as text
    # where the chart is left out or does not draw them all; else empty
    sensitivity_table: list[tuple[str, float]]


def render_html(
    report: Report, timeline: Timeline | None = None, near_misses: int = NEAR_MISSES_SHOWN
) -> str:
    """The page; a timeline adds the posterior over time.

    `near_misses`: listed per indicator of a hypothesis that did not fire,
    the rest counted.
    """
    days = observation_days(report)
    windows = evidence_windows(report, days)
    evidence_svg = (
        Markup(charts.inline_svg(charts.evidence_chart(report, days, windows)))
        if report.observations
        else None
    )
    posterior_svg = (
        Markup(charts.inline_svg(charts.posterior_chart(timeline))) if timeline is not None else None
    )
    used_by = _used_by(report)
    edges = band_edges(report.levels)
    hypotheses = _hypothesis_views(report.hypotheses, edges)
    left_out = sum(1 for view in hypotheses if view.hypothesis.sensitivity and view.sensitivity_svg is None)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            version=__version__,
            hypotheses=hypotheses,
            sensitivity_charts=MAX_SENSITIVITY_CHARTS,
            sensitivity_left_out=left_out,
            posterior_lines=charts.MAX_POSTERIOR_LINES,
            observations=[
                _observation_view(t, days[t.id], used_by.get(t.id, [])) for t in report.observations
            ],
            observation_dates={t.id: t.date for t in report.observations},
            windows=windows,
            evidence_svg=evidence_svg,
            timeline=timeline,
            posterior_svg=posterior_svg,
            edges=edges,
            near_misses_shown=near_misses,
        )
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("iandw.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_shown,
    )
    environment.filters.update(
        percent=_percent,
        levels_text=levels_text,
        vars_text=vars_text,
        status_label=STATUS_LABEL.__getitem__,
        contribution=contribution,
        failed_checks=failed_checks,
        uncertain_checks=uncertain_checks,
        more_near_misses=more_near_misses,
        more_matches=more_matches,
        inputs_read=inputs_read,
        counted=counted,
        points=lambda value: f"{value * 100:+.1f}",
        width=lambda value: f"{max(0.0, min(1.0, value)) * 100:.1f}%",
    )
    environment.globals.update(crossing_reason=crossing_reason, evidence=evidence)
    return environment


@jinja2.pass_context
def _percent(context: jinja2.runtime.Context, value: float) -> str:
    """`percent`, never rounded across a threshold of the report's `levels`."""
    return percent(value, context["edges"])


def _shown(value: object) -> object:
    """Every value the template prints, control characters as escapes, as in the text report.

    Escaping keeps untrusted text from becoming markup; this keeps a
    bidirectional override in a summary from making the page read otherwise
    than it is, and an invisible character from making two names look alike.
    """
    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _hypothesis_views(hypotheses: list[HypothesisReport], edges: tuple[float, ...]) -> list[HypothesisView]:
    """Each hypothesis's view; the first MAX_SENSITIVITY_CHARTS with a sensitivity get their chart."""
    views = []
    drawn = 0
    for index, hypothesis in enumerate(hypotheses):
        draw = bool(hypothesis.sensitivity) and drawn < MAX_SENSITIVITY_CHARTS
        drawn += draw
        views.append(_hypothesis_view(hypothesis, index, draw, edges))
    return views


def _hypothesis_view(
    hypothesis: HypothesisReport, index: int, draw: bool, edges: tuple[float, ...]
) -> HypothesisView:
    without = [(s.indicator, s.posterior_without) for s in hypothesis.sensitivity]
    svg = None
    if draw:
        chart = charts.sensitivity_chart(hypothesis.prior, hypothesis.posterior, without, f"s{index}", edges)
        svg = Markup(charts.inline_svg(chart))
    complete = draw and len(without) <= charts.MAX_SENSITIVITY_ROWS
    table = [] if complete else by_effect(hypothesis.posterior, without)
    return HypothesisView(hypothesis, strongest_first(hypothesis.indicators), svg, table)


def _observation_view(
    trace: ObservationTrace, days: DayInterval, used_by: list[tuple[str, str]]
) -> ObservationView:
    sources = [SourceView(source, safe_href(source.url)) for source in trace.sources]
    best = [source.weight for source in trace.sources if source.counted]  # one per origin
    arithmetic = confidence_arithmetic(best, trace.confidence)
    return ObservationView(trace, days_in_words(days), arithmetic, sources, used_by)


def safe_href(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (shown as text, not linked)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def _used_by(report: Report) -> dict[str, list[tuple[str, str]]]:
    """For each observation, the indicators whose shown matches or near misses use it."""
    found: dict[str, set[tuple[str, str]]] = {}

    def note(indicator: str, matches: list[Match], kind: str) -> None:
        for match in matches:
            for observation in match.observations.values():
                found.setdefault(observation, set()).add((indicator, kind))

    for indicator in report.indicators:
        for group in indicator.groups:
            note(indicator.id, group.matches, "match")
            note(indicator.id, group.near_misses, "near miss")
    for hypothesis in report.hypotheses:
        for item in hypothesis.indicators:
            note(item.id, item.matches, "match")
            note(item.id, item.near_misses, "near miss")
    return {observation: sorted(uses) for observation, uses in found.items()}
