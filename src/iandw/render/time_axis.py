"""A chart's time axis: days to positions, long empty stretches squeezed into breaks, calendar ticks.

Arithmetic alone, no matplotlib, so that the layout is tested without drawing.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from iandw.dates import Day, day_to_iso

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class _Segment:
    lo: float  # days shown, padded
    hi: float
    first: float  # days of data: ticks stay within them, away from the breaks
    last: float
    x_lo: float  # axis fraction
    x_hi: float


class TimeAxis:
    """Days → x in [0, 1]; long empty stretches are squeezed into marked breaks.

    Evidence often spans decades (a 2001 attack, 2015 designations, 2023
    meetings); on a linear axis the recent weeks that matter would be a few
    pixels wide.  Clusters of dates separated by more than a fifth of the span
    (and at least two years) each get a linear segment, sized mostly by how
    many dates they hold and partly by their length.
    """

    GAP_WIDTH = 0.035

    def __init__(self, days: Iterable[Day], breaks: bool = True) -> None:
        finite = sorted({d for d in days if math.isfinite(d)}) or [0.0]
        span = finite[-1] - finite[0]
        clusters: list[list[float]] = [[finite[0]]]
        for day in finite[1:]:
            if breaks and day - clusters[-1][-1] > max(730.0, 0.2 * span):
                clusters.append([])
            clusters[-1].append(day)
        pads = [max(15.0, 0.04 * (c[-1] - c[0])) for c in clusters]
        total_days = sum(c[-1] - c[0] + 2 * pad for c, pad in zip(clusters, pads, strict=True))
        room = 1.0 - self.GAP_WIDTH * (len(clusters) - 1)
        x = 0.0
        self.segments: list[_Segment] = []
        for cluster, pad in zip(clusters, pads, strict=True):
            share = 0.3 * (cluster[-1] - cluster[0] + 2 * pad) / total_days + 0.7 * len(cluster) / len(finite)
            self.segments.append(
                _Segment(cluster[0] - pad, cluster[-1] + pad, cluster[0], cluster[-1], x, x + room * share)
            )
            x += room * share + self.GAP_WIDTH
        self._days = [d for s in self.segments for d in (s.lo, s.hi)]
        self._xs = [x for s in self.segments for x in (s.x_lo, s.x_hi)]

    def x(self, day: Day) -> float:
        """Piecewise-linear position; days beyond the ends (and open ends) go to the edge."""
        if day <= self._days[0]:
            return 0.0
        if day >= self._days[-1]:
            return 1.0
        i = bisect_right(self._days, day) - 1
        d0, d1, x0, x1 = self._days[i], self._days[i + 1], self._xs[i], self._xs[i + 1]
        return x0 + (x1 - x0) * (day - d0) / (d1 - d0)

    def ticks(self, width_inches: float) -> tuple[list[float], list[str]]:
        """Month or year ticks per segment, as many as fit without overlapping."""
        positions: list[float] = []
        labels: list[str] = []
        for segment in self.segments:
            capacity = max(1, int((segment.x_hi - segment.x_lo) * width_inches / 0.6))
            first, last = (
                (segment.lo, segment.hi) if len(self.segments) == 1 else (segment.first, segment.last)
            )
            days, names = _calendar_ticks(first, last, capacity)
            positions += [self.x(d) for d in days]
            labels += names
        return positions, labels

    def breaks(self) -> list[tuple[float, float]]:
        return [(a.x_hi, b.x_lo) for a, b in zip(self.segments, self.segments[1:], strict=False)]


def _calendar_ticks(lo: float, hi: float, capacity: int) -> tuple[list[float], list[str]]:
    """Firsts of months every 1, 2, 3, 6 months or 1, 2, 5 … years; a lone date when none fits."""
    first = _calendar_date(math.ceil(lo))
    last = _calendar_date(math.floor(hi))
    start = first.year * 12 + first.month - 1 + (first.day > 1)
    end = last.year * 12 + last.month - 1
    for step in (1, 2, 3, 6, 12, 24, 60, 120, 240, 600):
        months = [m for m in range(start, end + 1) if m % step == 0]
        if months and len(months) <= capacity:
            break
    else:
        middle = (lo + hi) / 2
        return [middle], [day_to_iso(middle)]
    days = [float(dt.date(m // 12, m % 12 + 1, 1).toordinal()) for m in months]
    if step >= 12:
        return days, [str(m // 12) for m in months]
    labels = [
        f"{MONTHS[m % 12]}\n{m // 12}" if i == 0 or m % 12 == 0 else MONTHS[m % 12]
        for i, m in enumerate(months)
    ]
    return days, labels


def _calendar_date(day: int) -> dt.date:
    """The date of an ordinal day, held within 0001-01-01 … 9999-12-31 (an axis pads past its data)."""
    return dt.date.fromordinal(min(max(1, day), dt.date.max.toordinal()))
