"""Hypotheses scored ACH-style from indicator results (SPEC §7, §13).

Each indicator a hypothesis uses is read with the hypothesis's `bind` fixed;
free variables take the strongest assignment.  A fired indicator moves the
log-odds by c·ln(LR) (soft evidence: confidence c weights the ratio); a
possible one moves nothing but reports what it would move; one that did not
fire applies its absent likelihood ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from iandw.assessment.arithmetic import likelihood_term, posterior, warning_level
from iandw.choices import IndicatorStatus, Level
from iandw.dates import Truth
from iandw.engine.assignments import vars_key
from iandw.engine.results import GroupResult, IndicatorResult
from iandw.model.case import Case
from iandw.model.documents import Hypothesis, HypothesisIndicator, Indicator
from iandw.model.registry import EntityRegistry
from iandw.model.scoring import ScoringTables


@dataclass
class IndicatorAssessment:
    """One indicator's contribution to one hypothesis."""

    indicator_id: str
    result: IndicatorResult
    group: GroupResult | None  # the chosen assignment; None if nothing agrees with `bind`
    vars: dict[str, str]
    likelihood_ratio: float
    absent_likelihood_ratio: float

    @property
    def status(self) -> IndicatorStatus:
        return self.group.status if self.group else "not-fired"

    @property
    def confidence(self) -> float:
        return self.group.confidence if self.group else 0.0

    @property
    def delta_log_odds(self) -> float:
        truth = self.group.truth if self.group else Truth.FALSE
        if truth == Truth.DEFINITE:
            return self.confidence * math.log(self.likelihood_ratio) + 0.0  # + 0.0: never -0.0
        if truth == Truth.POSSIBLE:
            return 0.0
        return math.log(self.absent_likelihood_ratio)

    @property
    def what_if_delta_log_odds(self) -> float | None:
        if self.group is None or self.group.truth != Truth.POSSIBLE:
            return None
        return self.confidence * math.log(self.likelihood_ratio)

    @property
    def unmatched_reasons(self) -> dict[str, str]:
        """Why each selection nothing met under `vars` matched nothing, when no group agrees with them.

        Read from the result as summarized for a report (`IndicatorResult.unmatched_reasons`).
        """
        return {} if self.group else self.result.unmatched_reasons[vars_key(self.vars)]


@dataclass
class HypothesisAssessment:
    hypothesis: Hypothesis
    indicators: list[IndicatorAssessment]
    posterior: float
    level: Level
    likelihood: str
    sensitivity: list[tuple[str, float]]
    shared_evidence: list[tuple[str, list[str]]]


def choose_group(result: IndicatorResult, fixed: dict[str, str]) -> GroupResult | None:
    """The strongest assignment agreeing with `fixed`.

    Fired ones first by c, then possible ones by c′ (SPEC §13).  Among
    assignments that did not fire, the one with the closest near miss is
    shown (docs/semantics.md: it does not change the score, and it answers
    "why not?" best); remaining ties go to the smallest `vars`.
    """
    groups = result.agreeing(fixed)
    if not groups:
        return None

    def strength(group: GroupResult) -> tuple[float, ...]:
        truth = group.truth
        if truth == Truth.FALSE:
            failed, violation = group.closeness
            return (0.0, 0.0, -failed, -violation)
        return (float(truth), group.confidence, 0.0, 0.0)

    best = max(strength(g) for g in groups)
    return min((g for g in groups if strength(g) == best), key=lambda g: sorted(g.vars.items()))


def fixed_variables(
    hypothesis: Hypothesis, indicators: Mapping[str, Indicator], registry: EntityRegistry
) -> list[tuple[HypothesisIndicator, dict[str, str]]]:
    """Each indicator the hypothesis uses, with the variables its `bind` fixes there (entity ids)."""
    entries = hypothesis.entries()
    if entries is None:
        entries = [HypothesisIndicator(id=indicator_id) for indicator_id in sorted(indicators)]
    return [(entry, bound_variables(hypothesis.bind, indicators[entry.id], registry)) for entry in entries]


def bound_variables(
    bind: Mapping[str, str], indicator: Indicator, registry: EntityRegistry
) -> dict[str, str]:
    """The indicator's variables that a `bind` fixes, each to an entity id.

    A value that names no entity is kept as written: it then matches nothing.
    """
    return {
        name: registry.resolve_id(value) or value for name, value in bind.items() if name in indicator.vars
    }


def assess(
    hypothesis: Hypothesis,
    results: dict[str, IndicatorResult],
    registry: EntityRegistry,
    tables: ScoringTables,
) -> HypothesisAssessment:
    assessments = []
    indicators = {indicator_id: result.indicator.indicator for indicator_id, result in results.items()}
    for entry, fixed in fixed_variables(hypothesis, indicators, registry):
        result = results[entry.id]
        indicator = result.indicator.indicator
        group = choose_group(result, fixed)
        assessments.append(
            IndicatorAssessment(
                indicator_id=entry.id,
                result=result,
                group=group,
                vars=dict(sorted((group.vars if group else fixed).items())),
                likelihood_ratio=entry.likelihood_ratio or indicator.likelihood_ratio,
                absent_likelihood_ratio=entry.absent_likelihood_ratio or indicator.absent_likelihood_ratio,
            )
        )
    deltas = [a.delta_log_odds for a in assessments]
    probability = posterior(hypothesis.prior, deltas)
    sensitivity = [
        (a.indicator_id, posterior(hypothesis.prior, deltas[:i] + deltas[i + 1 :]))
        for i, a in enumerate(assessments)
        if a.delta_log_odds != 0.0
    ]
    return HypothesisAssessment(
        hypothesis=hypothesis,
        indicators=assessments,
        posterior=probability,
        level=warning_level(probability, tables),
        likelihood=likelihood_term(probability),
        sensitivity=sorted(sensitivity),
        shared_evidence=_shared_evidence(assessments),
    )


def assess_all(case: Case, results: dict[str, IndicatorResult]) -> dict[str, HypothesisAssessment]:
    """Every hypothesis of the case, by id."""
    return {
        hypothesis_id: assess(hypothesis, results, case.registry, case.tables)
        for hypothesis_id, hypothesis in sorted(case.hypotheses.items())
    }


def _shared_evidence(assessments: list[IndicatorAssessment]) -> list[tuple[str, list[str]]]:
    """Observations behind the best binding of two or more contributing fired indicators.

    Contributing: Δ ≠ 0, as for sensitivity (SPEC §7, §13).  A fired
    indicator with LR 1 (or confidence 0) adds nothing to the posterior, so
    an observation behind it is not counted again through it.
    """
    users: dict[str, set[str]] = {}
    for assessment in assessments:
        if assessment.group is None or assessment.group.truth != Truth.DEFINITE:
            continue
        if assessment.delta_log_odds == 0.0:
            continue
        best = assessment.group.best_binding()
        assert best is not None
        for observation in best.observations.values():
            users.setdefault(observation.id, set()).add(assessment.indicator_id)
    return [(obs, sorted(ids)) for obs, ids in sorted(users.items()) if len(ids) > 1]
