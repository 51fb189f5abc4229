"""A backtest: each hypothesis's posterior as of successive dates, and when it crossed each level."""

from __future__ import annotations

import datetime as dt

from iandw.choices import Level
from iandw.model.report import LevelThresholds, ReportModel


class TimelinePoint(ReportModel):
    date: str
    posterior: float
    likelihood: str
    level: Level


class Crossing(ReportModel):
    """The first date a level was reached, and the report that tipped it."""

    level: Level
    date: str
    posterior: float
    observation: str | None  # None: held from the first date, or reached as time passed (an as_of window)
    summary: str | None
    reported: str | None


class HypothesisTimeline(ReportModel):
    id: str
    statement: str
    prior: float
    points: list[TimelinePoint]
    crossings: list[Crossing]


class Timeline(ReportModel):
    start: str
    end: str
    step_days: int
    levels: LevelThresholds  # the thresholds each point's level was read against
    hypotheses: list[HypothesisTimeline]

    @property
    def evaluations(self) -> int:
        """The dates evaluated: every `step_days` from the start, and the end itself.

        Counted from the period, not from a hypothesis's points: a case
        without hypotheses is evaluated on as many dates.
        """
        span = (dt.date.fromisoformat(self.end) - dt.date.fromisoformat(self.start)).days
        return evaluation_count(span, self.step_days)


def evaluation_count(span: int, step: int) -> int:
    """Dates evaluated over `span` days every `step` days: the start, each step, and the end itself."""
    return span // step + 1 + (span % step != 0)
