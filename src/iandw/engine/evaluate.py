"""One indicator evaluated: its bindings, checked, grouped by variable assignment.

A binding assigns one distinct observation to each selection and one entity
to each variable, consistently (SPEC §6).  Candidates are first partitioned
by full variable assignment (a hash join of the selections on their shared
variables), so observations are only paired within one group.  Each group's
bindings are then enumerated and every `require` item checked three-valued
over day intervals (iandw.engine.requirements), or, for a large group of a
star-shaped indicator, the same answers come from a band join
(iandw.engine.bandjoin), and for a large group of any other indicator from
a scan that checks them a row at a time without keeping them
(iandw.engine.scan).  Each group then says fired / possible / not fired for
its assignment (iandw.engine.results).
"""

from __future__ import annotations

import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable

from iandw.dates import DayInterval, Truth
from iandw.engine.assignments import Assignment, VarsKey, distinct_assignments, vars_key
from iandw.engine.bandjoin import BAND_JOIN_MIN_BINDINGS, band_join_groups, star_plan
from iandw.engine.compile import CompiledIndicator, CountSpec
from iandw.engine.match import MatchContext, TooManyAssignments, selection_assignments
from iandw.engine.requirements import add_counts, checked_binding, count_check
from iandw.engine.results import EnumeratedGroup, GroupResult, IndicatorResult, Members
from iandw.engine.scan import ScannedGroup, scans
from iandw.limits import MAX_ASSIGNMENTS
from iandw.model.case import ObservationRecord, Reference

Candidates = dict[str, list[tuple[ObservationRecord, Assignment]]]  # per selection


def match_candidates(
    compiled: CompiledIndicator,
    observations: Iterable[ObservationRecord],
    context: MatchContext,
    by_type: dict[str, list[ObservationRecord]] | None = None,
) -> Candidates:
    """Per selection, the observations that meet it and under which variable values.

    Matching does not depend on the evaluation date, so a timeline computes
    this once and re-joins only what each date can see.  `by_type`, the
    same observations grouped by `observations_by_type`, spares grouping
    them again for every indicator.
    """
    try:
        return _match_candidates(compiled, list(observations), context, by_type)
    except TooManyAssignments as exc:
        exc.indicator = compiled.id
        raise


def _match_candidates(
    compiled: CompiledIndicator,
    every: list[ObservationRecord],
    context: MatchContext,
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
            for assignment in selection_assignments(selection, observation, context, cache)
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


def evaluate_indicator(
    compiled: CompiledIndicator,
    observations: Iterable[ObservationRecord],
    context: MatchContext,
    as_of_day: int,
    by_type: dict[str, list[ObservationRecord]] | None = None,
    settle: Settle | None = None,
) -> IndicatorResult:
    """Every binding of the indicator over the observations, grouped by assignment."""
    candidates = match_candidates(compiled, observations, context, by_type)
    return evaluate_candidates(compiled, candidates, as_of_day, context.max_assignments, settle=settle)


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
    def key(compiled: CompiledIndicator, key: VarsKey, members: Members, as_of_day: int) -> object:
        ids = tuple(tuple(o.id for o in members[s.name]) for s in compiled.selections)
        return key, ids, as_of_day if compiled.uses_as_of else None

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
    as_of_day: int,
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
    as_of_interval = DayInterval(as_of_day, as_of_day)
    plan = star_plan(compiled)
    slots: dict[VarsKey, GroupResult | None] = {}  # in partition order; None until band-joined
    joinable: list[tuple[Assignment, Members]] = []
    memo_keys: dict[VarsKey, object] = {}
    for assignment, members in partition(compiled, candidates, max_assignments):
        key = vars_key(assignment)
        if memo is not None:
            memo_keys[key] = memo_key = GroupMemo.key(compiled, key, members, as_of_day)
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
    assignments_by_selection = {
        name: distinct_assignments({id(a): a for _, a in found}.values())
        for name, found in candidates.items()
    }
    return IndicatorResult(compiled, groups, assignments_by_selection)


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
    compiled: CompiledIndicator, assignment: Assignment, members: Members, as_of_interval: DayInterval
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
    group.bindings = [checked_binding(compiled, chosen, group.vars, as_of_interval) for chosen in chosen_sets]
    if compiled.counts:
        _apply_counts(compiled.counts, group)
    return group


def _distinct(assignment: Assignment, extra: Assignment) -> bool:
    """Distinct variables bind distinct entities, across selections too."""
    for name, value in extra.items():
        for other, bound in assignment.items():
            if other != name and bound == value:
                return False
    return True


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
