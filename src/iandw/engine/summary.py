"""An indicator's result cut down to what the report and the hypotheses read.

The report shows, per assignment that fired or may have, its counts and its
first `--max-matches` matches and near misses; a hypothesis chooses among
the assignments agreeing with its `bind` (iandw.assessment.hypotheses.choose_group) and
shows the chosen one the same way.  `summarize` keeps exactly those
assignments, each as a `KeptGroup`, so that a report built from the summary
is the report built from the whole result (tests/test_summary.py).

A summary is small, so it can be sent between processes: `pack` turns it
into plain data naming observations by id, and `unpack` rebuilds it with
the observations of the process it arrives in.  This is how indicators
evaluated in a forked worker come back (iandw.api).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from iandw.dates import Truth
from iandw.engine.assignments import Assignment, VarsKey, vars_key
from iandw.engine.compile import CompiledIndicator
from iandw.engine.results import Binding, CheckResult, GroupResult, IndicatorResult
from iandw.model.case import ObservationRecord


@dataclass
class KeptGroup(GroupResult):
    """A group's status and counts, with its first matches and near misses for the limits kept.

    Kept per limit, not as one list: for a band-joined group, the first of
    five matches need not be the first match asked for alone, when several
    tie (iandw.engine.bandjoin); the summary answers as the group did.
    """

    vars: Assignment
    truth_found: Truth
    matches_found: int
    near_misses_found: int
    matches: dict[int, list[Binding]]  # per limit kept
    near_misses: dict[int, list[Binding]]
    nested: bool  # its group's `nested_tops`

    @property
    def nested_tops(self) -> bool:
        return self.nested

    @property
    def truth(self) -> Truth:
        return self.truth_found

    @property
    def match_count(self) -> int:
        return self.matches_found

    @property
    def near_miss_count(self) -> int:
        return self.near_misses_found

    def top_matches(self, limit: int | None = None) -> list[Binding]:
        return _kept(self.matches, self.matches_found, limit, self.nested)

    def top_near_misses(self, limit: int | None = None) -> list[Binding]:
        return _kept(self.near_misses, self.near_misses_found, limit, self.nested)


def _kept(kept: dict[int, list[Binding]], found: int, limit: int | None, nested: bool) -> list[Binding]:
    if limit in kept:
        return list(kept[limit])
    longest = kept[max(kept)]
    if limit is None or limit >= found:  # asked for all there is
        if len(longest) == found:
            return list(longest)
    elif nested and limit <= len(longest):
        return longest[:limit]
    raise ValueError(f"a summary keeps the first {sorted(kept)} bindings, not {limit}")


def summarize(
    result: IndicatorResult,
    chosen: Iterable[GroupResult],
    keep: int,
    unmatched_reasons: dict[VarsKey, dict[str, str]],
) -> IndicatorResult:
    """The groups a report shows, and those `chosen` by hypotheses, each kept to its first `keep`.

    Also kept, where it may not be the first of those: a group's first
    match alone, which decides its confidence, and, for a group that did
    not fire, its first near miss alone, which tells how close it came
    (`GroupResult.confidence`, `GroupResult.closeness`).  The hypotheses'
    choices are the same from the summary: the chosen group is in it, and
    whatever else is can only be weaker (iandw.assessment.hypotheses.choose_group).  A
    hypothesis whose variables no group agrees with reads
    `unmatched_reasons` instead (`IndicatorResult.unmatched_reasons`).
    """
    needed = {key for key, group in result.groups.items() if group.truth != Truth.FALSE}
    needed.update(vars_key(group.vars) for group in chosen)
    groups: dict[VarsKey, GroupResult] = {key: kept_group(result.groups[key], keep) for key in sorted(needed)}
    return IndicatorResult(result.indicator, groups, result.assignments_by_selection, unmatched_reasons)


def kept_group(group: GroupResult, keep: int) -> KeptGroup:
    """What a summary keeps of one group: its status, counts and first `keep` bindings.

    Kept again, a kept group is the same: so a group may be cut down as
    soon as it is evaluated (`evaluate_candidates`' `settle`), before the
    indicator's others are, and summarized with them later.
    """
    return KeptGroup(
        vars=group.vars,
        truth_found=group.truth,
        matches_found=group.match_count,
        near_misses_found=group.near_miss_count,
        matches=_first(group.top_matches, keep, group.nested_tops, read_alone=True),
        # alone, the closest near miss only tells how close a group that did not fire came
        near_misses=_first(
            group.top_near_misses, keep, group.nested_tops, read_alone=group.truth == Truth.FALSE
        ),
        nested=group.nested_tops,
    )


def _first(
    top: Callable[[int], list[Binding]], keep: int, nested: bool, read_alone: bool
) -> dict[int, list[Binding]]:
    """The first `keep` bindings, and the first alone where it is read and may not be the first of those."""
    kept = {keep: top(keep)}
    if read_alone and not nested and keep != 1:
        kept[1] = top(1)
    return kept


# A summary as plain data: per group, its variables, truth, counts, its
# bindings per limit kept and whether they nest; per binding, (selection,
# observation id) pairs, its truth and its checks as (require, truth,
# distance, detail); then what each selection is met under, and the
# unmatched reasons.  Plain data, as what a worker sends back must be
# (iandw.both_ends).
Packed = tuple[list[tuple[Any, ...]], dict[str, list[Assignment]], dict[VarsKey, dict[str, str]]]


def pack(summary: IndicatorResult) -> Packed:
    """`summary` (made by `summarize`) as plain data."""

    def binding(found: Binding) -> tuple[Any, ...]:
        observations = tuple((name, o.id) for name, o in found.observations.items())
        checks = tuple((c.require, int(c.truth), c.distance, c.detail) for c in found.checks)
        return observations, int(found.truth), checks

    def per_limit(kept: dict[int, list[Binding]]) -> dict[int, list[tuple[Any, ...]]]:
        return {limit: [binding(b) for b in bindings] for limit, bindings in kept.items()}

    groups = []
    for group in summary.groups.values():
        assert isinstance(group, KeptGroup)
        groups.append(
            (
                tuple(group.vars.items()),  # in the group's own order, not sorted
                int(group.truth_found),
                group.matches_found,
                group.near_misses_found,
                per_limit(group.matches),
                per_limit(group.near_misses),
                group.nested,
            )
        )
    return groups, summary.assignments_by_selection, summary.unmatched_reasons


def unpack(
    packed: Packed, indicator: CompiledIndicator, observation: Callable[[str], ObservationRecord]
) -> IndicatorResult:
    """The summary `pack` was given, with `observation(id)` for each observation it names."""
    packed_groups, assignments_by_selection, unmatched_reasons = packed
    groups: dict[VarsKey, GroupResult] = {}
    for items, truth, matches_found, near_misses_found, matches, near_misses, nested in packed_groups:
        assignment = dict(items)

        def per_limit(
            kept: dict[int, list[tuple[Any, ...]]], vars: Assignment = assignment
        ) -> dict[int, list[Binding]]:
            return {
                limit: [_binding(data, vars, observation) for data in found] for limit, found in kept.items()
            }

        groups[vars_key(assignment)] = KeptGroup(
            assignment,
            Truth(truth),
            matches_found,
            near_misses_found,
            per_limit(matches),
            per_limit(near_misses),
            nested,
        )
    return IndicatorResult(indicator, groups, assignments_by_selection, unmatched_reasons)


def _binding(
    data: tuple[Any, ...], assignment: Assignment, observation: Callable[[str], ObservationRecord]
) -> Binding:
    chosen, truth, checks = data
    return Binding(
        {name: observation(observation_id) for name, observation_id in chosen},
        assignment,
        [
            # the detail was written where the check was made: explaining it again returns it
            CheckResult(require, Truth(found), distance, functools.partial(str, detail))
            for require, found, distance, detail in checks
        ],
        Truth(truth),
    )
