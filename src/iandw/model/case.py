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
from iandw.diagnostics import counted
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
    # errors found while loading it: what they were found in is missing from the case
    load_errors: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "entities": len(self.registry.entities),
            "observations": len(self.observations),
            "indicators": len(self.indicators),
            "hypotheses": len(self.hypotheses),
        }


class IncompleteCase(ValueError):
    """A case loaded with errors: what they were found in is missing, so no score of it can be trusted."""


def check_case(case: object, caller: str) -> None:
    """Refuse what is not a Case, or a Case whose load failed, as the command line does (exit 2).

    Scoring what was left of a case after errors would give a report that
    looks complete and is not: a left-out observation moves no odds.
    """
    if not isinstance(case, Case):
        hint = ": pass result.case, once result.ok" if hasattr(case, "case") else ""
        raise TypeError(f"{caller} takes a Case, not {type(case).__name__}{hint}")
    if case.load_errors:
        raise IncompleteCase(
            f"the case was loaded with {counted(case.load_errors, 'error')}, so what they were found "
            "in is left out of it and no score of it could be trusted: fix what result.errors lists "
            "and load it again"
        )
