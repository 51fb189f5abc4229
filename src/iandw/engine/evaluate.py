"""Bindings, three-valued checks and per-assignment results for one indicator.

A binding assigns one distinct observation to each selection and one entity
to each variable, consistently (SPEC §6).  Candidates are first partitioned
by full variable assignment (a hash join of the selections on their shared
variables), so observations are only paired within one group.  Each group's
bindings are then enumerated and every `require` item checked three-valued
over day intervals, or, for a large group of a star-shaped indicator, the
same answers come from a band join (iandw.engine.bandjoin), and for a large
group of any other indicator from a scan that checks them a row at a time
without keeping them (iandw.engine.scan).  Each group then says fired /
possible / not fired for its assignment.
"""

from __future__ import annotations

import functools
import heapq
import math
import operator
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from iandw.dates import (
    DayInterval,
    Truth,
    abs_distance_outside,
    day_to_iso,
    distance_outside,
    gap_range,
    truth_abs_within,
    truth_within,
)
from iandw.diagnostics import counted
from iandw.engine.compile import CompiledIndicator, CountSpec, WindowSpec
from iandw.engine.match import (
    Assignment,
    TooManyAssignments,
    Unreported,
    VarsKey,
    World,
    distinct_assignments,
    selection_assignments,
    unmatched_reason,
    vars_key,
)
from iandw.limits import MAX_ASSIGNMENTS
from iandw.model.case import ObservationRecord, Reference
from iandw.model.documents import AS_OF
from iandw.score import product

STATUS_OF_TRUTH = {Truth.DEFINITE: "fired", Truth.POSSIBLE: "possible", Truth.FALSE: "not-fired"}
CHECK_STATUS = {Truth.DEFINITE: "definite", Truth.POSSIBLE: "possible", Truth.FALSE: "false"}

Candidates = dict[str, list[tuple[ObservationRecord, Assignment]]]  # per selection


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
    def status(self) -> str:
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
    selected: dict[str, list[Assignment]]

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
            for name, found in self.selected.items()
            if not any(all(a.get(k, v) == v for k, v in fixed.items()) for a in found)
        ]


def unmatched_reasons(
    result: IndicatorResult,
    fixed: Assignment,
    by_type: dict[str, list[ObservationRecord]],
    world: World,
    unreported: Unreported,
) -> dict[str, str]:
    """Per selection no observation meets under `fixed` (`IndicatorResult.unmatched`), why.

    `by_type`: the observations reported by the evaluation date, grouped by
    `observations_by_type`; `unreported`: those it left out (`not_reported_by`).
    Each selection is checked again over its own pool (`unmatched_reason`),
    only here, so that matching counts nothing.
    """
    unmatched = result.unmatched(fixed)
    reasons = {}
    for selection in result.indicator.selections:
        if selection.name in unmatched:
            kinds = selection.types or by_type.keys()
            pool = [o for kind in sorted(kinds) for o in by_type.get(kind, ())]
            reasons[selection.name] = unmatched_reason(selection, pool, world, fixed, unreported)
    return {name: reasons[name] for name in unmatched}


def match_candidates(
    compiled: CompiledIndicator,
    observations: Iterable[ObservationRecord],
    world: World,
    by_type: dict[str, list[ObservationRecord]] | None = None,
) -> Candidates:
    """Per selection, the observations that meet it and under which variable values.

    Matching does not depend on the evaluation date, so a timeline computes
    this once and re-joins only what each date can see.  `by_type`, the
    same observations grouped by `observations_by_type`, spares grouping
    them again for every indicator.
    """
    try:
        return _match_candidates(compiled, list(observations), world, by_type)
    except TooManyAssignments as exc:
        exc.indicator = compiled.id
        raise


def _match_candidates(
    compiled: CompiledIndicator,
    every: list[ObservationRecord],
    world: World,
    by_type: dict[str, list[ObservationRecord]] | None,
) -> Candidates:
    if by_type is None:
        by_type = observations_by_type(every)
    candidates: Candidates = {}
    for selection in compiled.selections:
        if not selection.types:
            pool = every
        elif len(selection.types) == 1:
            pool = by_type.get(next(iter(selection.types)), [])
        else:
            pool = sorted((o for t in selection.types for o in by_type.get(t, ())), key=record_id)
        cache: dict[tuple[Reference, ...], list[Assignment]] = {}
        candidates[selection.name] = [
            (observation, assignment)
            for observation in pool
            for assignment in selection_assignments(selection, observation, world, cache)
        ]
    return candidates


def observations_by_type(observations: Iterable[ObservationRecord]) -> dict[str, list[ObservationRecord]]:
    """The observations of each type, in id order (what matching visits)."""
    by_type: dict[str, list[ObservationRecord]] = defaultdict(list)
    for observation in sorted(observations, key=record_id):
        by_type[observation.type].append(observation)
    return by_type


record_id = operator.attrgetter("id")


def reported_by(observations: Iterable[ObservationRecord], as_of_day: int) -> list[ObservationRecord]:
    """No hindsight: only what had been reported by the evaluation date."""
    return [o for o in observations if o.reported_hi <= as_of_day]


def not_reported_by(observations: Sequence[ObservationRecord], as_of_day: int, reported: int) -> Unreported:
    """What `reported_by` leaves out, counted per type: for saying why a selection matched nothing.

    One pass over the case (0.2 s for a million), made only when a report has
    such a selection to explain; none when `reported`, the number `reported_by`
    kept, is all of them, as when evaluating as of today.
    """
    late = (
        Counter(o.type for o in observations if o.reported_hi > as_of_day)
        if reported < len(observations)
        else {}
    )
    return Unreported(day_to_iso(as_of_day), late)


def evaluate_indicator(
    compiled: CompiledIndicator,
    observations: Iterable[ObservationRecord],
    world: World,
    as_of: int,
    by_type: dict[str, list[ObservationRecord]] | None = None,
    settle: Settle | None = None,
) -> IndicatorResult:
    """Every binding of the indicator over the observations, grouped by assignment."""
    candidates = match_candidates(compiled, observations, world, by_type)
    return evaluate_candidates(compiled, candidates, as_of, world.max_assignments, settle=settle)


Members = dict[str, list[ObservationRecord]]  # per selection, the observations of one group

# What a caller keeps of each group as soon as it is evaluated (a summary of
# it, iandw.engine.summary): an enumerated group holds up to ENUMERATED_MAX
# bindings and a scanned one its rows' arrays, and an indicator may have
# thousands of groups.
Settle = Callable[[GroupResult], GroupResult]


class GroupMemo:
    """One indicator's groups of its last evaluation, by what each was computed from.

    A group's result depends only on its assignment, its observations and,
    through an `as_of` window, the evaluation date.  A replay evaluates an
    indicator again and again over a few more reports each time: with a
    memo, only the groups those reports joined are computed again.
    """

    def __init__(self) -> None:
        self._last: dict[object, GroupResult] = {}
        self._now: dict[object, GroupResult] = {}

    @staticmethod
    def key(compiled: CompiledIndicator, key: VarsKey, members: Members, as_of: int) -> object:
        ids = tuple(tuple(o.id for o in members[s.name]) for s in compiled.selections)
        return key, ids, as_of if compiled.uses_as_of else None

    def get(self, key: object) -> GroupResult | None:
        return self._last.get(key)

    def put(self, key: object, group: GroupResult) -> None:
        self._now[key] = group

    def done(self) -> None:
        """The groups just computed or reused are the ones the next evaluation may reuse."""
        self._last, self._now = self._now, {}


def evaluate_candidates(
    compiled: CompiledIndicator,
    candidates: Candidates,
    as_of: int,
    max_assignments: int = MAX_ASSIGNMENTS,
    memo: GroupMemo | None = None,
    settle: Settle | None = None,
) -> IndicatorResult:
    """Partition, join, check and group already matched candidates as of one date.

    Candidates are first partitioned by variable assignment, so observations
    are only ever paired within one group.  A large group of an indicator
    shaped for it is evaluated by a band join on sorted dates instead of by
    enumerating its bindings (iandw.engine.bandjoin); a large group of any
    other indicator is checked a row of bindings at a time, none of them kept
    (iandw.engine.scan).  A group `memo` holds from the last evaluation is
    reused as it is.  With `settle`, each enumerated or scanned group is
    replaced by what `settle` keeps of it as soon as it is evaluated, so
    that one group's bindings at most are held at a time, however many
    groups there are.
    """
    from iandw.engine.bandjoin import BAND_JOIN_MIN_BINDINGS, band_join_groups, star_plan
    from iandw.engine.scan import ScannedGroup, scans

    as_of_interval = DayInterval(as_of, as_of)
    plan = star_plan(compiled)
    slots: dict[VarsKey, GroupResult | None] = {}  # in partition order; None until band-joined
    joinable: list[tuple[Assignment, Members]] = []
    memo_keys: dict[VarsKey, object] = {}
    for assignment, members in partition(compiled, candidates, max_assignments):
        key = vars_key(assignment)
        if memo is not None:
            memo_keys[key] = memo_key = GroupMemo.key(compiled, key, members, as_of)
            slots[key] = memo.get(memo_key)
            if slots[key] is not None:
                continue
        size = math.prod(len(found) for found in members.values())
        if plan is not None and size >= BAND_JOIN_MIN_BINDINGS:
            slots[key] = None
            joinable.append((assignment, members))
        else:
            evaluated: GroupResult = (
                ScannedGroup(compiled, assignment, members, as_of_interval)
                if scans(members)
                else enumerate_group(compiled, assignment, members, as_of_interval)
            )
            slots[key] = evaluated if settle is None else settle(evaluated)
    if plan is not None and joinable:  # all together: groups that share their spokes share the work
        joined = band_join_groups(plan, compiled, joinable, as_of_interval)
        for (assignment, _), group in zip(joinable, joined, strict=True):
            slots[vars_key(assignment)] = group
    groups = {key: group for key, group in slots.items() if group is not None}
    if memo is not None:
        for key, computed in groups.items():
            memo.put(memo_keys[key], computed)
        memo.done()
    # matching shares one assignment among observations with the same references:
    # identity drops nearly every repeat before the keys are built
    selected = {
        name: distinct_assignments({id(a): a for _, a in found}.values())
        for name, found in candidates.items()
    }
    return IndicatorResult(compiled, groups, selected)


def partition(
    compiled: CompiledIndicator, candidates: Candidates, max_assignments: int = MAX_ASSIGNMENTS
) -> list[tuple[Assignment, Members]]:
    """Every full variable assignment with, per selection, the observations agreeing with it.

    A hash join of the selections' distinct sub-assignments on their shared
    variables: observations never meet observations of another assignment.
    Past `max_assignments` of them, partial or full, `TooManyAssignments`.
    """
    partial: list[tuple[Assignment, Members]] = [({}, {})]
    bound: set[str] = set()
    for selection in compiled.selections:
        shared = tuple(sorted(selection.variables & bound))
        buckets: dict[tuple[tuple[str, str], ...], list[ObservationRecord]] = {}
        # matching shares one assignment object among many observations; the
        # candidates keep every one alive, so their ids stay unique here
        keys: dict[int, VarsKey] = {}
        for observation, assignment in candidates[selection.name]:
            key = keys.get(id(assignment))
            if key is None:
                key = keys[id(assignment)] = vars_key(assignment)
            buckets.setdefault(key, []).append(observation)
        index: dict[tuple[str, ...], list[tuple[Assignment, list[ObservationRecord]]]] = defaultdict(list)
        for key, found in buckets.items():
            extra = dict(key)
            index[tuple(extra[v] for v in shared)].append((extra, found))
        joined = []
        for assignment, members in partial:
            for extra, found in index.get(tuple(assignment[v] for v in shared), ()):
                if _distinct(assignment, extra):
                    joined.append(({**assignment, **extra}, {**members, selection.name: found}))
            if len(joined) > max_assignments:
                raise TooManyAssignments(max_assignments, compiled.id)
        partial = joined
        bound |= selection.variables
        if not partial:
            break
    return partial


def enumerate_group(
    compiled: CompiledIndicator, assignment: Assignment, members: Members, as_of: DayInterval
) -> EnumeratedGroup:
    """Every binding of one group: distinct observations, one per selection, each checked."""
    group = EnumeratedGroup(dict(assignment), [])
    chosen_sets: list[dict[str, ObservationRecord]] = [{}]
    for selection in compiled.selections:
        chosen_sets = [
            {**chosen, selection.name: observation}
            for chosen in chosen_sets
            for observation in members[selection.name]
            if all(observation.id != other.id for other in chosen.values())
        ]
    group.bindings = [checked_binding(compiled, chosen, group.vars, as_of) for chosen in chosen_sets]
    if compiled.counts:
        _apply_counts(compiled.counts, group)
    return group


def checked_binding(
    compiled: CompiledIndicator,
    chosen: dict[str, ObservationRecord],
    variables: Assignment,
    as_of: DayInterval,
) -> Binding:
    """A binding with every window checked; its truth is the weakest check's."""
    binding = Binding(chosen, variables)
    binding.checks = [check_window(window, binding, as_of) for window in compiled.windows]
    binding.truth = min((check.truth for check in binding.checks), default=Truth.DEFINITE)
    return binding


def _distinct(assignment: Assignment, extra: Assignment) -> bool:
    """Distinct variables bind distinct entities, across selections too."""
    for name, value in extra.items():
        for other, bound in assignment.items():
            if other != name and bound == value:
                return False
    return True


def _interval(binding: Binding, name: str, as_of: DayInterval) -> DayInterval:
    return as_of if name == AS_OF else binding.observations[name].date


def check_window(window: WindowSpec, binding: Binding, as_of: DayInterval) -> CheckResult:
    gap = gap_range(_interval(binding, window.first, as_of), _interval(binding, window.then, as_of))
    if window.absolute:
        truth = truth_abs_within(gap, window.low, window.high)
        distance = abs_distance_outside(gap, window.low, window.high)
    else:
        truth = truth_within(gap, window.low, window.high)
        distance = distance_outside(gap, window.low, window.high)
    return CheckResult(window.text, truth, distance, functools.partial(describe_gap, window, gap))


def _days(count: float) -> str:
    return f"{int(count)} day" + ("" if count == 1 else "s")


def _amount(low: float, high: float) -> str:
    """'205 days', '20–51 days', 'at least 1 day', 'any number of days'."""
    if low == high:
        return _days(low)
    if math.isinf(high):
        return "any number of days" if math.isinf(low) else f"at least {_days(low)}"
    return f"{int(low)}–{int(high)} days"


def _band(low: float, high: float) -> str:
    if math.isinf(high):
        return f"at least {_days(low)}"
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
    elif math.isinf(low) and math.isinf(high):
        relation = f"{first} and {then} in either order (gap unbounded)"
    elif math.isinf(low):
        relation = f"{first} at most {_amount(high, high)} before {then}, or any time after"
    elif math.isinf(high):
        relation = f"{first} at most {_amount(-low, -low)} after {then}, or any time before"
    else:
        relation = f"{first} and {then} in either order (gap {int(low)}..{int(high)} days)"
    band = _band(window.low, window.high)
    return f"{relation} (window {'|gap| ' if window.absolute else ''}{band})"


def _apply_counts(counts: tuple[CountSpec, ...], group: EnumeratedGroup) -> None:
    """`count` items: over the bindings that meet every other check (SPEC §6, §13)."""
    definite = [b for b in group.bindings if b.truth == Truth.DEFINITE]
    eligible = [b for b in group.bindings if b.truth != Truth.FALSE]
    results = [
        count_check(
            spec,
            [b.observations[spec.selection] for b in definite],
            [b.observations[spec.selection] for b in eligible],
        )
        for spec in counts
    ]
    for binding in group.bindings:
        add_counts(binding, results)


def add_counts(binding: Binding, results: list[CheckResult]) -> None:
    """A group's `count` results are every binding's last checks."""
    binding.checks = binding.checks + results
    binding.truth = min([binding.truth, *(r.truth for r in results)])


def _distinct_values(spec: CountSpec, observations: Iterable[ObservationRecord]) -> int:
    if spec.distinct == "origins":
        return len({origin for o in observations for origin in o.origins})
    return len({o.id for o in observations})


def count_check(
    spec: CountSpec, definite: Iterable[ObservationRecord], eligible: Iterable[ObservationRecord]
) -> CheckResult:
    """One `count` item, from its selection's observations in definite and in eligible bindings."""
    sure, maybe = _distinct_values(spec, definite), _distinct_values(spec, eligible)
    unit = "distinct origin" if spec.distinct == "origins" else "distinct observation"
    if sure >= spec.at_least:
        truth = Truth.DEFINITE
    elif maybe >= spec.at_least:
        truth = Truth.POSSIBLE
    else:
        truth = Truth.FALSE
    # the definite ones are among the possible ones: said as a total and its parts, never
    # "1 definite, 2 possible", which reads as 3
    detail = (
        f"{counted(maybe, unit)} for {spec.selection}: {sure} definite, {maybe - sure} only possible "
        f"(need {spec.at_least})"
    )
    return CheckResult(spec.text, truth, _shortfall(spec.at_least - maybe), lambda: detail)


def _shortfall(missing: int) -> float:
    """How far a `count` is from its `at_least`, as a distance: an `at_least` of 400 digits is a
    valid whole number that no float can hold, and is as far as can be."""
    try:
        return float(max(0, missing))
    except OverflowError:
        return math.inf
