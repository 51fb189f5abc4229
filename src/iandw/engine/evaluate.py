"""Bindings, three-valued checks and per-assignment results for one indicator.

A binding assigns one distinct observation to each selection and one entity
to each variable, consistently (SPEC §6).  Selections are joined on their
shared variables (a hash join: observations are only paired with those
agreeing on every shared variable), then every `require` item is checked
three-valued over day intervals, then bindings are grouped by their variable
assignment to decide fired / possible / not fired per assignment.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from iandw.dates import (
    DayInterval,
    Truth,
    abs_distance_outside,
    distance_outside,
    gap_range,
    truth_abs_within,
    truth_within,
)
from iandw.engine.compile import AS_OF, CompiledIndicator, CountSpec, WindowSpec
from iandw.engine.match import Assignment, World, selection_assignments
from iandw.model.case import ObservationRecord
from iandw.score import product

STATUS_OF_TRUTH = {Truth.DEFINITE: "fired", Truth.POSSIBLE: "possible", Truth.FALSE: "not-fired"}
CHECK_STATUS = {Truth.DEFINITE: "definite", Truth.POSSIBLE: "possible", Truth.FALSE: "false"}

VarsKey = tuple[tuple[str, str], ...]
Candidates = dict[str, list[tuple[ObservationRecord, Assignment]]]  # per selection


@dataclass(frozen=True)
class CheckResult:
    require: str
    truth: Truth
    detail: str
    distance: float  # how far outside the requirement (0 when it can hold)


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
        return tuple(self.observations[name].id for name in sorted(self.observations))


@dataclass
class GroupResult:
    """The indicator for one variable assignment."""

    vars: Assignment
    bindings: list[Binding]

    @property
    def truth(self) -> Truth:
        return max((b.truth for b in self.bindings), default=Truth.FALSE)

    @property
    def status(self) -> str:
        return STATUS_OF_TRUTH[self.truth]

    def best_confidence(self, truth: Truth) -> float:
        return max((b.confidence for b in self.bindings if b.truth == truth), default=0.0)

    @property
    def confidence(self) -> float:
        """c for fired, c′ for possible, 0 for not fired (SPEC §13)."""
        truth = self.truth
        return 0.0 if truth == Truth.FALSE else self.best_confidence(truth)

    def matches(self) -> list[Binding]:
        """Bindings that hold or may hold, best first."""
        found = [b for b in self.bindings if b.truth != Truth.FALSE]
        return sorted(found, key=lambda b: (-b.truth, -b.confidence, b.observation_ids()))

    def near_misses(self) -> list[Binding]:
        """Bindings some check rules out, closest first."""
        missed = [b for b in self.bindings if b.truth == Truth.FALSE]
        return sorted(missed, key=lambda b: (b.failed, b.violation, -b.confidence, b.observation_ids()))

    def best_binding(self) -> Binding | None:
        found = self.matches()
        return found[0] if found else None

    @property
    def closeness(self) -> tuple[int, float]:
        misses = self.near_misses()
        return (misses[0].failed, misses[0].violation) if misses else (1 << 30, float("inf"))


@dataclass
class IndicatorResult:
    indicator: CompiledIndicator
    groups: dict[VarsKey, GroupResult]
    candidates: Candidates

    def agreeing(self, fixed: Assignment) -> list[GroupResult]:
        """Groups whose assignment agrees with the fixed variables."""
        return [
            group
            for key, group in sorted(self.groups.items())
            if all(group.vars.get(name) == value for name, value in fixed.items())
        ]

    def unmatched(self, fixed: Assignment) -> list[str]:
        """Selections no observation meets under the fixed variables (a "why not")."""
        return [
            name
            for name, found in self.candidates.items()
            if not any(all(a.get(k, v) == v for k, v in fixed.items()) for _, a in found)
        ]


def vars_key(assignment: Assignment) -> VarsKey:
    return tuple(sorted(assignment.items()))


def match_candidates(
    compiled: CompiledIndicator, observations: Iterable[ObservationRecord], world: World
) -> Candidates:
    """Per selection, the observations that meet it and under which variable values.

    Matching does not depend on the evaluation date, so a timeline computes
    this once and re-joins only what each date can see.
    """
    observations = list(observations)
    return {
        selection.name: [
            (observation, assignment)
            for observation in observations
            for assignment in selection_assignments(selection, observation, world)
        ]
        for selection in compiled.selections
    }


def visible_candidates(candidates: Candidates, as_of: int) -> Candidates:
    """No hindsight: only candidates reported by `as_of`."""
    return {
        name: [(o, a) for o, a in found if o.reported_hi <= as_of] for name, found in candidates.items()
    }


def evaluate_indicator(
    compiled: CompiledIndicator,
    observations: Iterable[ObservationRecord],
    world: World,
    as_of: int,
) -> IndicatorResult:
    """Every binding of the indicator over the observations, grouped by assignment."""
    return evaluate_candidates(compiled, match_candidates(compiled, observations, world), as_of)


def evaluate_candidates(compiled: CompiledIndicator, candidates: Candidates, as_of: int) -> IndicatorResult:
    """Join, check and group already matched candidates as of one date."""
    bindings = _join(compiled, candidates)
    as_of_interval = DayInterval(as_of, as_of)
    groups: dict[VarsKey, GroupResult] = {}
    for binding in bindings:
        binding.checks = [_window(window, binding, as_of_interval) for window in compiled.windows]
        binding.truth = min((c.truth for c in binding.checks), default=Truth.DEFINITE)
        key = vars_key(binding.assignment)
        groups.setdefault(key, GroupResult(dict(binding.assignment), [])).bindings.append(binding)
    if compiled.counts:
        for group in groups.values():
            _apply_counts(compiled.counts, group)
    return IndicatorResult(compiled, groups, candidates)


def _join(compiled: CompiledIndicator, candidates: Candidates) -> list[Binding]:
    """Hash-join the selections on their shared variables."""
    partial: list[tuple[dict[str, ObservationRecord], Assignment]] = [({}, {})]
    bound: set[str] = set()
    for selection in compiled.selections:
        shared = tuple(sorted(selection.variables & bound))
        index: dict[tuple[str, ...], list[tuple[ObservationRecord, Assignment]]] = defaultdict(list)
        for observation, assignment in candidates[selection.name]:
            index[tuple(assignment[v] for v in shared)].append((observation, assignment))
        joined = []
        for chosen, assignment in partial:
            used_ids = {o.id for o in chosen.values()}
            for observation, extra in index.get(tuple(assignment[v] for v in shared), ()):
                if observation.id in used_ids:
                    continue  # the selections of one binding are distinct observations
                if not _distinct(assignment, extra):
                    continue
                joined.append(({**chosen, selection.name: observation}, {**assignment, **extra}))
        partial = joined
        bound |= selection.variables
        if not partial:
            break
    return [Binding(chosen, assignment) for chosen, assignment in partial]


def _distinct(assignment: Assignment, extra: Assignment) -> bool:
    """Distinct variables bind distinct entities, across selections too."""
    for name, value in extra.items():
        for other, bound in assignment.items():
            if other != name and bound == value:
                return False
    return True


def _interval(binding: Binding, name: str, as_of: DayInterval) -> DayInterval:
    return as_of if name == AS_OF else binding.observations[name].date


def _window(window: WindowSpec, binding: Binding, as_of: DayInterval) -> CheckResult:
    gap = gap_range(_interval(binding, window.first, as_of), _interval(binding, window.then, as_of))
    if window.absolute:
        truth = truth_abs_within(gap, window.low, window.high)
        distance = abs_distance_outside(gap, window.low, window.high)
    else:
        truth = truth_within(gap, window.low, window.high)
        distance = distance_outside(gap, window.low, window.high)
    return CheckResult(window.text, truth, describe_gap(window, gap), distance)


def _amount(low: float, high: float) -> str:
    """'205 days', '20–51 days', 'at least 1 day', 'any number of days'."""
    if low == high:
        return f"{int(low)} day" + ("" if low == 1 else "s")
    if math.isinf(high):
        return (
            "any number of days"
            if math.isinf(low)
            else f"at least {int(low)} day" + ("" if low == 1 else "s")
        )
    return f"{int(low)}–{int(high)} days"


def _band(low: float, high: float) -> str:
    if math.isinf(high):
        return f"at least {int(low)} days"
    return f"{int(low)}..{int(high)} days"


def describe_gap(window: WindowSpec, gap: tuple[float, float]) -> str:
    """'meeting 205 days before attack (window 0..84 days)'."""
    low, high = gap
    first = "as of" if window.first == AS_OF else window.first
    then = "as of" if window.then == AS_OF else window.then
    if low >= 0:
        relation = f"{first} {_amount(low, high)} before {then}"
    elif high <= 0:
        relation = f"{first} {_amount(-high, -low)} after {then}"
    else:
        shown = "unbounded" if math.isinf(low) and math.isinf(high) else f"{_days(low)}..{_days(high)}"
        relation = f"{first} and {then} in either order (gap {shown} days)"
    band = _band(window.low, window.high)
    return f"{relation} (window {'|gap| ' if window.absolute else ''}{band})"


def _days(value: float) -> str:
    return ".." if math.isinf(value) else str(int(value))


def _apply_counts(counts: tuple[CountSpec, ...], group: GroupResult) -> None:
    """`count` items: over the bindings that meet every other check (SPEC §6, §13)."""
    definite = [b for b in group.bindings if b.truth == Truth.DEFINITE]
    eligible = [b for b in group.bindings if b.truth != Truth.FALSE]
    results = [_count(spec, definite, eligible) for spec in counts]
    for binding in group.bindings:
        binding.checks = binding.checks + results
        binding.truth = min([binding.truth, *(r.truth for r in results)])


def _distinct_values(spec: CountSpec, bindings: list[Binding]) -> int:
    if spec.distinct == "origins":
        return len({origin for b in bindings for origin in b.observations[spec.selection].origins})
    return len({b.observations[spec.selection].id for b in bindings})


def _count(spec: CountSpec, definite: list[Binding], eligible: list[Binding]) -> CheckResult:
    sure, maybe = _distinct_values(spec, definite), _distinct_values(spec, eligible)
    unit = "origins" if spec.distinct == "origins" else "observations"
    if sure >= spec.at_least:
        truth = Truth.DEFINITE
    elif maybe >= spec.at_least:
        truth = Truth.POSSIBLE
    else:
        truth = Truth.FALSE
    detail = f"{sure} definite, {maybe} possible distinct {unit} for {spec.selection} (need {spec.at_least})"
    return CheckResult(spec.text, truth, detail, float(max(0, spec.at_least - maybe)))
