"""Engine and assessment results to the report model (SPEC §8)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from iandw.assessment.arithmetic import counted_sources, highest_level, source_weight
from iandw.assessment.hypotheses import HypothesisAssessment
from iandw.dates import Day, day_to_iso
from iandw.diagnostics import Diagnostic
from iandw.engine.evaluate import reported_by
from iandw.engine.results import CHECK_STATUS, STATUS_OF_TRUTH, Binding, GroupResult, IndicatorResult
from iandw.model import report as r
from iandw.model.case import Case, ObservationRecord
from iandw.model.documents import Source
from iandw.model.scoring import UNGRADED_CREDIBILITY, UNGRADED_RELIABILITY, ScoringTables


def build_report(
    case: Case,
    results: dict[str, IndicatorResult],
    assessments: list[HypothesisAssessment],
    as_of_day: int,
    max_matches: int,
    diagnostics: Iterable[Diagnostic] = (),
) -> r.Report:
    """The report of `results` (summarized: iandw.api) and of the hypotheses assessed from them."""
    used: dict[str, ObservationRecord] = {}

    def matches(shown: list[Binding]) -> list[r.Match]:
        for binding in shown:
            for observation in binding.observations.values():
                used[observation.id] = observation
        return [match_of(binding) for binding in shown]

    indicators = []
    for indicator_id in sorted(results):
        result = results[indicator_id]
        indicator = result.indicator.indicator
        groups = []
        for _, group in sorted(result.groups.items()):
            if group.status == "not-fired":
                continue
            groups.append(
                r.Group(
                    vars=group.vars,
                    status=group.status,
                    confidence=group.confidence,
                    matches=matches(group.top_matches(max_matches)),
                    match_count=group.match_count,
                    near_misses=matches(group.top_near_misses(max_matches)),
                    near_miss_count=group.near_miss_count,
                )
            )
        indicators.append(
            r.IndicatorReport(
                id=indicator_id,
                title=indicator.title,
                likelihood_ratio=indicator.likelihood_ratio,
                absent_likelihood_ratio=indicator.absent_likelihood_ratio,
                groups=groups,
            )
        )

    hypotheses = []
    for assessment in sorted(assessments, key=lambda a: a.hypothesis.id):
        entries = []
        for item in assessment.indicators:
            chosen: GroupResult | None = item.group
            entries.append(
                r.HypothesisIndicator(
                    id=item.indicator_id,
                    status=item.status,
                    confidence=item.confidence,
                    likelihood_ratio=item.likelihood_ratio,
                    absent_likelihood_ratio=item.absent_likelihood_ratio,
                    delta_log_odds=item.delta_log_odds,
                    what_if_delta_log_odds=item.what_if_delta_log_odds,
                    vars=item.vars,
                    matches=matches(chosen.top_matches(max_matches) if chosen else []),
                    match_count=chosen.match_count if chosen else 0,
                    near_misses=matches(chosen.top_near_misses(max_matches) if chosen else []),
                    near_miss_count=chosen.near_miss_count if chosen else 0,
                    unmatched_selections=list(item.unmatched_reasons),  # in the order `unmatched` gives them
                    unmatched_reasons=item.unmatched_reasons,
                )
            )
        hypothesis = assessment.hypothesis
        hypotheses.append(
            r.HypothesisReport(
                id=hypothesis.id,
                statement=hypothesis.statement,
                prior=hypothesis.prior,
                posterior=assessment.posterior,
                likelihood=assessment.likelihood,
                level=assessment.level,
                indicators=entries,
                sensitivity=[
                    r.Sensitivity(indicator=i, posterior_without=p) for i, p in assessment.sensitivity
                ],
                shared_evidence=[
                    r.SharedEvidence(observation=o, indicators=ids) for o, ids in assessment.shared_evidence
                ],
            )
        )

    reported = len(reported_by(case.observations, as_of_day))
    return r.Report(
        as_of=day_to_iso(as_of_day),
        level=highest_level(h.level for h in hypotheses),
        levels=r.LevelThresholds.of(case.tables),
        inputs=r.Inputs(**case.counts(), observations_reported=reported),
        indicators=indicators,
        hypotheses=hypotheses,
        observations=[_trace(used[i], case) for i in sorted(used)],
        diagnostics=[r.DiagnosticReport(**d.as_dict()) for d in sorted(diagnostics)],
    )


def match_of(binding: Binding) -> r.Match:
    """A binding as the report shows it: its observations by id, its checks in words."""
    return r.Match(
        status=STATUS_OF_TRUTH[binding.truth],
        confidence=binding.confidence,
        observations={name: o.id for name, o in binding.observations.items()},
        checks=[
            r.Check(require=c.require, status=CHECK_STATUS[c.truth], detail=c.detail) for c in binding.checks
        ],
    )


def _source_order(weighed: tuple[Source, float]) -> tuple[str, float, str, str, str, int, str]:
    """One origin's sources together, its best first (the one counted), however each spells it."""
    source, weight = weighed
    return (
        source.origin_key,
        -weight,
        source.origin_written,
        source.name,
        source.reliability or UNGRADED_RELIABILITY,
        source.credibility or UNGRADED_CREDIBILITY,
        source.url or "",
    )


def _source_weights(sources: list[Source], tables: ScoringTables) -> list[r.SourceWeight]:
    weighed = sorted(
        ((s, source_weight(s.reliability, s.credibility, tables)) for s in sources), key=_source_order
    )
    counted = counted_sources([(s.origin_key, weight) for s, weight in weighed])
    return [
        r.SourceWeight(
            name=s.name,
            origin=s.origin_written,
            reliability=s.reliability or UNGRADED_RELIABILITY,
            credibility=s.credibility or UNGRADED_CREDIBILITY,
            defaulted=[part for part in ("reliability", "credibility") if getattr(s, part) is None],
            weight=weight,
            url=s.url,
            counted=is_counted,
        )
        for (s, weight), is_counted in zip(weighed, counted, strict=True)
    ]


def _day_or_open(day: Day) -> str | None:
    return day_to_iso(day) if math.isfinite(day) else None


def _trace(observation: ObservationRecord, case: Case) -> r.ObservationTrace:
    document = observation.document
    return r.ObservationTrace(
        id=observation.id,
        type=observation.type,
        date=document.date,
        first_day=_day_or_open(observation.date.lo),
        last_day=_day_or_open(observation.date.hi),
        reported=document.reported,
        used_from=_day_or_open(observation.reported_hi),
        summary=document.summary,
        place=document.place,
        confidence=observation.confidence,
        sources=_source_weights(document.sources, case.tables),
    )
