"""A loaded case: the checked, resolved world the engine evaluates.

Documents are kept as the user wrote them (for reports); observations also
get a lean, resolved record with their day intervals, resolved entity ids and
confidence, so the engine never re-parses a date or re-resolves a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from iandw.dates import Day, DayInterval
from iandw.model.documents import Hypothesis, Indicator, Observation
from iandw.model.registry import EntityRegistry
from iandw.model.scoring import ScoringTables

SourceGrade = tuple[str, str | None, int | None]  # a source's (origin, reliability, credibility)


class Reference(NamedTuple):
    """A resolved mention of an entity in an observation.

    A tuple, because millions are hashed as dictionary keys while matching.
    """

    entity: str
    role: str | None


@dataclass(slots=True)
class ObservationRecord:
    """An observation as the engine sees it: lean, with the full document on demand.

    Not frozen, though nothing changes it after loading: a frozen dataclass
    is built four times slower, and a million are built per large case.
    """

    id: str
    type: str
    date: DayInterval
    reported_hi: Day  # upper bound of `reported` (default: of `date`)
    refs: tuple[Reference, ...]
    origins: tuple[str, ...]  # distinct origins, sorted
    sources: tuple[SourceGrade, ...]  # as read: kept, not copied, for `min_grade`
    confidence: float
    model: Observation | Callable[[str], Observation]  # the model, or how to read it again (given its id)

    @property
    def document(self) -> Observation:
        """The observation as written (re-read from its file for JSONL inputs)."""
        return self.model if isinstance(self.model, Observation) else self.model(self.id)


@dataclass
class Case:
    """Everything `evaluate` needs, already checked."""

    registry: EntityRegistry
    tables: ScoringTables = field(default_factory=ScoringTables)
    scales: dict[str, tuple[str, ...]] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    hypotheses: dict[str, Hypothesis] = field(default_factory=dict)
    observations: list[ObservationRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "entities": len(self.registry.entities),
            "observations": len(self.observations),
            "indicators": len(self.indicators),
            "hypotheses": len(self.hypotheses),
        }
