"""The report (SPEC §8): one model, the single source of every renderer.

Field names are contract.  A few fields beyond the SPEC make the trace
complete (counts of matches before capping, selections that nothing met,
the observations behind every match with their confidence arithmetic);
docs/reports.md lists them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

from iandw.choices import IndicatorStatus, Level
from iandw.dates import Day, DayInterval, date_to_day
from iandw.model.scoring import ScoringTables

CheckStatus = Literal["definite", "possible", "false"]


class ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Inputs(ReportModel):
    entities: int
    observations: int  # every one read, used or not
    # of those, the ones reported by `as_of`: the only ones used (no hindsight)
    observations_reported: int
    indicators: int
    hypotheses: int


class Check(ReportModel):
    require: str
    status: CheckStatus
    detail: str


class Match(ReportModel):
    """One binding: which observation stands for each selection, and its checks."""

    status: IndicatorStatus
    confidence: float
    observations: dict[str, str]
    checks: list[Check]


class Group(ReportModel):
    """The indicator for one variable assignment."""

    vars: dict[str, str]
    status: IndicatorStatus
    confidence: float
    matches: list[Match]
    match_count: int
    near_misses: list[Match]
    near_miss_count: int


class IndicatorReport(ReportModel):
    """An indicator over every variable assignment under which it fired or was possible (`groups`)."""

    id: str
    title: str
    likelihood_ratio: float
    absent_likelihood_ratio: float
    groups: list[Group]


class HypothesisIndicator(ReportModel):
    """One indicator as a hypothesis sees it: its status under the hypothesis's `bind`, and its Δ log-odds."""

    id: str
    status: IndicatorStatus
    confidence: float
    likelihood_ratio: float
    absent_likelihood_ratio: float
    delta_log_odds: float
    what_if_delta_log_odds: float | None
    vars: dict[str, str]
    matches: list[Match]
    match_count: int
    near_misses: list[Match]
    near_miss_count: int
    unmatched_selections: list[str]
    # per unmatched selection, the first of its filters nothing got past, with counts
    unmatched_reasons: dict[str, str]


class Sensitivity(ReportModel):
    indicator: str
    posterior_without: float


class SharedEvidence(ReportModel):
    observation: str
    indicators: list[str]


class HypothesisReport(ReportModel):
    """A hypothesis: prior → posterior, its level, and the indicators behind the change."""

    id: str
    statement: str
    prior: float
    posterior: float
    likelihood: str
    level: Level
    indicators: list[HypothesisIndicator]
    sensitivity: list[Sensitivity]
    shared_evidence: list[SharedEvidence]


class SourceWeight(ReportModel):
    name: str
    origin: str
    reliability: str
    credibility: int
    # the parts of the grade the source did not give, read as ungraded (F, 6): so that a
    # default is not taken for an analyst's judgement
    defaulted: list[Literal["reliability", "credibility"]]
    weight: float
    url: str | None
    # the best of its origin, the one the confidence counts; the others repeat it (circular reporting)
    counted: bool


class ObservationTrace(ReportModel):
    """An observation a match or near miss uses, with its confidence arithmetic."""

    id: str
    type: str
    date: str
    # the first and last day `date` may denote, as the case read it (with its qualifier pad); None: open
    first_day: str | None
    last_day: str | None
    reported: str | None
    # the first evaluation date that uses it: the last day `reported` may denote, or `date`'s
    # when it has none; None: never (an open end)
    used_from: str | None
    summary: str | None
    place: str | None
    confidence: float
    sources: list[SourceWeight]

    @property
    def days(self) -> DayInterval:
        """`first_day` to `last_day` as day numbers, an open end unbounded."""
        return DayInterval(_day(self.first_day, -math.inf), _day(self.last_day, math.inf))


def _day(iso: str | None, open_end: Day) -> Day:
    return open_end if iso is None else date_to_day(dt.date.fromisoformat(iso))


class LevelThresholds(ReportModel):
    """Where each warning level begins: SPEC §7's, or as a rule set's `kind: scoring` moved them."""

    watch: float
    warning: float
    alert: float

    @classmethod
    def of(cls, tables: ScoringTables) -> LevelThresholds:
        return cls(watch=tables.watch, warning=tables.warning, alert=tables.alert)


class DiagnosticReport(ReportModel):
    severity: Literal["error", "warning"]
    file: str
    line: int
    column: int
    message: str


class Report(ReportModel):
    """What `iandw.evaluate` returns: the overall `level`, every indicator and hypothesis, and the trace.

    The same fields as `iandw evaluate --format json` (docs/reports.md);
    `iandw.render(report, "text")` writes it as the command does.
    """

    as_of: str
    level: Level
    levels: LevelThresholds  # the thresholds `level` was read against
    inputs: Inputs
    indicators: list[IndicatorReport]
    hypotheses: list[HypothesisReport]
    observations: list[ObservationTrace]
    diagnostics: list[DiagnosticReport]
