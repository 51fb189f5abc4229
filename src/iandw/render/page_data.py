"""What the HTML page and its charts both derive from the report: days, windows, effects.

Plain data, no matplotlib: the page's tables read these whether or not a
chart is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iandw.dates import DayInterval
from iandw.model.report import Report


@dataclass(frozen=True)
class Window:
    """A fired or possible match drawn as the band from its first to its last observation."""

    indicator: str
    vars: dict[str, str]
    status: str
    observations: tuple[str, ...]
    span: DayInterval


def observation_days(report: Report) -> dict[str, DayInterval]:
    """The day interval of every observation in the trace, as the case read its date."""
    return {trace.id: trace.days for trace in report.observations}


def evidence_windows(report: Report, days: dict[str, DayInterval]) -> list[Window]:
    """Every fired or possible match of the report, once, ordered by when it starts."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    windows = []
    for indicator in report.indicators:
        for group in indicator.groups:
            for match in group.matches:
                if match.status == "not-fired":
                    continue
                ids = tuple(match.observations.values())
                key = (indicator.id, tuple(sorted(ids)))
                if key in seen or not all(i in days for i in ids):
                    continue
                seen.add(key)
                span = DayInterval(min(days[i].lo for i in ids), max(days[i].hi for i in ids))
                windows.append(Window(indicator.id, dict(group.vars), match.status, ids, span))
    windows.sort(key=lambda w: (w.span.lo, w.span.hi, w.indicator, w.observations))
    return windows


def by_effect(posterior: float, without: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """(indicator, posterior without it), the largest change first: the chart's rows and the page's table."""
    return sorted(without, key=lambda item: (-abs(posterior - item[1]), item[0]))
