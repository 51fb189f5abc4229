"""The report (SPEC §8): one model, the single source of every renderer.

Field names are contract.  A few fields beyond the SPEC make the trace
complete (counts of matches before capping, selections that nothing met,
the observations behind every match with their confidence arithmetic);
docs/reports.md lists them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

IndicatorStatus = Literal["fired", "possible", "not-fired"]
CheckStatus = Literal["definite", "possible", "false"]
Level = Literal["none", "watch", "warning", "alert"]


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
    weight: float
    url: str | None


class ObservationTrace(ReportModel):
    """An observation a match or near miss uses, with its confidence arithmetic."""

    id: str
    type: str
    date: str
    reported: str | None
    summary: str | None
    place: str | None
    confidence: float
    sources: list[SourceWeight]


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
    inputs: Inputs
    indicators: list[IndicatorReport]
    hypotheses: list[HypothesisReport]
    observations: list[ObservationTrace]
    diagnostics: list[DiagnosticReport]
