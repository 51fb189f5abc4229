"""The scoring tables a case is scored with: SPEC §7's defaults, a rule set's `kind: scoring` applied.

Data, not arithmetic: the arithmetic that reads them is iandw.assessment.arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from iandw.model.documents import Scoring

DEFAULT_RELIABILITY: Mapping[str, float] = MappingProxyType(
    {"A": 0.9, "B": 0.7, "C": 0.5, "D": 0.3, "E": 0.1, "F": 0.5}
)
# Admiralty credibility → weight: the STIX 2.1 Appendix A mapping.
DEFAULT_CREDIBILITY: Mapping[int, float] = MappingProxyType({1: 0.9, 2: 0.7, 3: 0.5, 4: 0.3, 5: 0.1, 6: 0.5})

Grade = TypeVar("Grade", str, int)

# A source without a grade counts as one that "cannot be judged".
UNGRADED_RELIABILITY = "F"
UNGRADED_CREDIBILITY = 6

_UNCHANGED = Scoring(kind="scoring")  # the document's defaults are the tables' defaults


@dataclass(frozen=True)
class ScoringTables:
    """The scoring defaults, with a rule set's `kind: scoring` overrides applied."""

    reliability: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RELIABILITY))
    credibility: Mapping[int, float] = field(default_factory=lambda: dict(DEFAULT_CREDIBILITY))
    qualifier_pad: int = _UNCHANGED.qualifier_pad
    watch: float = _UNCHANGED.levels.watch
    warning: float = _UNCHANGED.levels.warning
    alert: float = _UNCHANGED.levels.alert

    # reliability → credibility → a source's weight, None for a missing
    # grade: a million observations' sources are weighed with one lookup
    # each, not two lookups and a product (iandw.assessment.arithmetic.source_weight)
    weights: Mapping[str | None, Mapping[int | None, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A weight is a probability.  The scoring document's schema says so;
        # tables built through the API are held to it too, as the noisy-OR
        # and `origins_and_confidence` rely on it.
        for name, weights in (("reliability", self.reliability), ("credibility", self.credibility)):
            for grade, weight in weights.items():
                if not 0.0 <= weight <= 1.0:
                    raise ValueError(f"{name} weight of {grade!r} is {weight!r}, not a probability in [0, 1]")
        rows = _with_ungraded(self.reliability, UNGRADED_RELIABILITY)
        columns = _with_ungraded(self.credibility, UNGRADED_CREDIBILITY)
        table = {
            reliability: {credibility: r * c for credibility, c in columns.items()}
            for reliability, r in rows.items()
        }
        object.__setattr__(self, "weights", table)

    @classmethod
    def from_document(cls, scoring: Scoring | None) -> ScoringTables:
        if scoring is None:
            return cls()
        return cls(
            reliability={
                **DEFAULT_RELIABILITY,
                **{str(grade): weight for grade, weight in scoring.reliability.items()},
            },
            credibility={**DEFAULT_CREDIBILITY, **scoring.credibility},
            qualifier_pad=scoring.qualifier_pad,
            watch=scoring.levels.watch,
            warning=scoring.levels.warning,
            alert=scoring.levels.alert,
        )


def _with_ungraded(weights: Mapping[Grade, float], ungraded: Grade) -> dict[Grade | None, float]:
    """The weights, and a missing grade's (None) as the ungraded grade's, if the table has one."""
    found: dict[Grade | None, float] = {grade: weight for grade, weight in weights.items()}
    if ungraded in weights:
        found[None] = weights[ungraded]
    return found
