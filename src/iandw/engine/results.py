"""What evaluating an indicator gives: bindings with their checks, one result per assignment.

Every way of evaluating a group (enumerating its bindings, a band join, a
scan, a summary of any of them) answers through `GroupResult`, and orders
its matches and near misses by `match_order` and `near_miss_order`, so that
the report reads them all alike.
"""

from __future__ import annotations

import heapq
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from iandw.assessment.arithmetic import product
from iandw.choices import IndicatorStatus
from iandw.dates import Truth
from iandw.engine.assignments import Assignment, VarsKey, agrees
from iandw.engine.compile import CompiledIndicator
from iandw.model.case import ObservationRecord

STATUS_OF_TRUTH: dict[Truth, IndicatorStatus] = {
    Truth.DEFINITE: "fired",
    Truth.POSSIBLE: "possible",
    Truth.FALSE: "not-fired",
}
CHECK_STATUS = {Truth.DEFINITE: "definite", Truth.POSSIBLE: "possible", Truth.FALSE: "false"}

Members = dict[str, list[ObservationRecord]]  # per selection, the observations of one group


@dataclass(frozen=True)
class CheckResult:
    require: str
    truth: Truth
    distance: float  # how far outside the requirement (0 when it can hold)
    explain: Callable[[], str]  # the detail, written only if a report shows this check

    @property
    def detail(self) -> str:
        return self.explain()


@dataclass
class Binding:
    """One way the indicator's selections are met, with its checks."""

    observations: dict[str, ObservationRecord]
    assignment: Assignment
    checks: list[CheckResult] = field(default_factory=list)
    truth: Truth = Truth.DEFINITE

    @property
    def confidence(self) -> float:
        return product(o.confidence for o in self.observations.values())

    @property
    def failed(self) -> int:
        return sum(1 for check in self.checks if check.truth == Truth.FALSE)

    @property
    def violation(self) -> float:
        return sum(check.distance for check in self.checks)

    def observation_ids(self) -> tuple[str, ...]:
        return observation_ids(self.observations)


def observation_ids(chosen: dict[str, ObservationRecord]) -> tuple[str, ...]:
    """A binding's observations by selection name: the last key of its order."""
    return tuple(chosen[name].id for name in sorted(chosen))


NO_NEAR_MISS = (1 << 30, math.inf)


class GroupResult(ABC):
    """The indicator for one variable assignment.

    Four implementations: `EnumeratedGroup` holds every binding (simple, the
    reference); `iandw.engine.bandjoin.BandJoinGroup` computes the same
    answers from sorted date arrays without enumerating bindings, for large
    groups of stars; `iandw.engine.scan.ScannedGroup` checks every binding
    without holding them, for large groups of other indicators;
    `iandw.engine.summary.KeptGroup` keeps only a group's status, counts and
    first bindings, for reports and for sending between processes.
    """

    vars: Assignment

    @property
    def nested_tops(self) -> bool:
        """The first k of `top_matches` are `top_matches(k)`, and the same for near misses.

        A band join may break ties otherwise.
        """
        return True

    @property
    @abstractmethod
    def truth(self) -> Truth: ...

    @property
    @abstractmethod
    def match_count(self) -> int:
        """Bindings that hold or may hold."""

    @property
    @abstractmethod
    def near_miss_count(self) -> int:
        """Bindings some check rules out."""

    @abstractmethod
    def top_matches(self, limit: int | None = None) -> list[Binding]:
        """The best matches: definite first, then by confidence."""

    @abstractmethod
    def top_near_misses(self, limit: int | None = None) -> list[Binding]:
        """The closest near misses: fewest failed checks, then smallest violation, then confidence."""

    @property
    def status(self) -> IndicatorStatus:
        return STATUS_OF_TRUTH[self.truth]

    @property
    def confidence(self) -> float:
        """c for fired, c′ for possible, 0 for not fired (SPEC §13)."""
        best = self.best_binding()
        return 0.0 if best is None else best.confidence

    def best_binding(self) -> Binding | None:
        found = self.top_matches(1)
        return found[0] if found else None

    @property
    def closeness(self) -> tuple[int, float]:
        """(failed checks, violation) of the nearest miss, for choosing what to show."""
        misses = self.top_near_misses(1)
        return (misses[0].failed, misses[0].violation) if misses else NO_NEAR_MISS


def match_order(binding: Binding) -> tuple[int, float, tuple[str, ...]]:
    return (-binding.truth, -binding.confidence, binding.observation_ids())


def near_miss_order(binding: Binding) -> tuple[int, float, float, tuple[str, ...]]:
    return (binding.failed, binding.violation, -binding.confidence, binding.observation_ids())


@dataclass
class EnumeratedGroup(GroupResult):
    """A group whose bindings were all enumerated."""

    vars: Assignment
    bindings: list[Binding]

    @property
    def truth(self) -> Truth:
        return max((b.truth for b in self.bindings), default=Truth.FALSE)

    @property
    def match_count(self) -> int:
        return sum(1 for b in self.bindings if b.truth != Truth.FALSE)

    @property
    def near_miss_count(self) -> int:
        return sum(1 for b in self.bindings if b.truth == Truth.FALSE)

    def top_matches(self, limit: int | None = None) -> list[Binding]:
        return _first_of((b for b in self.bindings if b.truth != Truth.FALSE), match_order, limit)

    def top_near_misses(self, limit: int | None = None) -> list[Binding]:
        return _first_of((b for b in self.bindings if b.truth == Truth.FALSE), near_miss_order, limit)


def _first_of(
    bindings: Iterable[Binding], order: Callable[[Binding], Any], limit: int | None
) -> list[Binding]:
    """`sorted(bindings, key=order)[:limit]`, without sorting them all for the first few."""
    return sorted(bindings, key=order) if limit is None else heapq.nsmallest(limit, bindings, key=order)


@dataclass
class IndicatorResult:
    indicator: CompiledIndicator
    groups: dict[VarsKey, GroupResult]
    # per selection, the distinct assignments some observation meets it under:
    # enough to say why not, without keeping every candidate (millions at scale)
    assignments_by_selection: dict[str, list[Assignment]]
    # per assignment a hypothesis fixes that no group agrees with, why each selection
    # nothing met under it matched nothing (iandw.engine.unmatched): worked out only
    # for a report, as the indicator is summarized for it (iandw.api)
    unmatched_reasons: dict[VarsKey, dict[str, str]] = field(default_factory=dict)

    def agreeing(self, fixed: Assignment) -> list[GroupResult]:
        """Groups whose assignment agrees with the fixed variables."""
        return [group for key, group in sorted(self.groups.items()) if agrees(group.vars, fixed)]

    def unmatched(self, fixed: Assignment) -> list[str]:
        """Selections no observation meets under the fixed variables (a "why not")."""
        return [
            name
            for name, found in self.assignments_by_selection.items()
            if not any(agrees(a, fixed) for a in found)
        ]
