"""Confidence, posterior, ICD 203 terms and warning levels (SPEC §7).

Pure functions over numbers and small records: no files, no rendering.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import get_args

from iandw.choices import LEVELS, Level
from iandw.model.documents import Reliability
from iandw.model.scoring import UNGRADED_CREDIBILITY, UNGRADED_RELIABILITY, ScoringTables

# ICD 203 expressions of likelihood; each band includes its lower bound.
LIKELIHOOD_TERMS: tuple[tuple[float, str], ...] = (
    (0.95, "almost certain"),
    (0.80, "very likely"),
    (0.55, "likely"),
    (0.45, "roughly even chance"),
    (0.20, "unlikely"),
    (0.05, "very unlikely"),
    (0.0, "almost no chance"),
)

RELIABILITY_RANK = {letter: rank for rank, letter in enumerate(get_args(Reliability))}  # 0 is best


def source_weight(reliability: str | None, credibility: int | None, tables: ScoringTables) -> float:
    """p = R[reliability] × C[credibility], a missing grade counting as F or 6."""
    return tables.weights[reliability][credibility]


def best_weight_by_origin(
    sources: Iterable[tuple[str, str | None, int | None]], tables: ScoringTables
) -> dict[str, float]:
    """For (origin, reliability, credibility) triples: each origin's best weight."""
    weights = tables.weights  # source_weight, without a call per source
    best: dict[str, float] = {}
    for origin, reliability, credibility in sources:
        weight = weights[reliability][credibility]
        if weight > best.get(origin, -1.0):
            best[origin] = weight
    return best


def counted_sources(sources: Sequence[tuple[str, float]]) -> list[bool]:
    """For (origin, weight) pairs: whether each is the source its origin counts, the best of it
    (the first of equal weights); the others repeat their origin (circular reporting)."""
    best: dict[str, int] = {}
    for index, (origin, weight) in enumerate(sources):
        if origin not in best or weight > sources[best[origin]][1]:
            best[origin] = index
    counted = set(best.values())
    return [index in counted for index in range(len(sources))]


def noisy_or(weights: Iterable[float]) -> float:
    """1 − Π(1 − p): independent origins corroborate one another."""
    miss = 1.0
    for weight in sorted(weights):  # sorted: the same bytes whatever the source order
        miss *= 1.0 - weight
    return 1.0 - miss


def origins_and_confidence(
    sources: Sequence[tuple[str, str | None, int | None]], tables: ScoringTables
) -> tuple[tuple[str, ...], float]:
    """An observation's distinct origins, sorted, and its confidence: noisy-OR over
    them of each origin's best source weight.

    The origins are the keys of the best weights, found in the same pass
    (every weight is at least 0, so every origin has one).  A third of a
    large file's observations have one source: its weight needs no pass.
    """
    if len(sources) == 1:
        ((origin, reliability, credibility),) = sources
        return (origin,), 1.0 - (1.0 - tables.weights[reliability][credibility])  # noisy_or's bytes
    best = best_weight_by_origin(sources, tables)
    return tuple(sorted(best)), noisy_or(best.values())


def product(values: Iterable[float]) -> float:
    result = 1.0
    for value in sorted(values):
        result *= value
    return result


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def posterior(prior: float, deltas: Iterable[float]) -> float:
    """σ(logit(prior) + ΣΔ), with ΣΔ summed exactly (so in any order).

    With no net evidence the posterior is the prior itself: the round trip
    through log-odds would otherwise move 0.45 to 0.44999999999999996 and
    across an ICD 203 band edge.
    """
    total = math.fsum(deltas)
    return prior if total == 0.0 else sigmoid(logit(prior) + total)


def likelihood_term(probability: float) -> str:
    for lower, term in LIKELIHOOD_TERMS[:-1]:
        if probability >= lower:
            return term
    return LIKELIHOOD_TERMS[-1][1]  # the lowest band: below every other


def warning_level(probability: float, tables: ScoringTables) -> Level:
    if probability >= tables.alert:
        return "alert"
    if probability >= tables.warning:
        return "warning"
    if probability >= tables.watch:
        return "watch"
    return "none"


def highest_level(levels: Iterable[Level]) -> Level:
    return max(levels, key=LEVELS.index, default="none")


def meets_grade(reliability: str | None, credibility: int | None, minimum: str) -> bool:
    """`min_grade: B2`: both grades at least as good, from one source; F and 6 never qualify."""
    if reliability in (None, UNGRADED_RELIABILITY) or credibility in (None, UNGRADED_CREDIBILITY):
        return False
    return RELIABILITY_RANK[reliability] <= RELIABILITY_RANK[minimum[0]] and credibility <= int(minimum[1])
