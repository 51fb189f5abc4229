"""An indicator's result cut down to what the report and the hypotheses read.

The report shows, per assignment that fired or may have, its counts and its
first `--max-matches` matches and near misses; a hypothesis chooses among
the assignments agreeing with its `bind` (iandw.assess.choose_group) and
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
from iandw.engine.compile import CompiledIndicator
from iandw.engine.evaluate import (
    Assignment,
    Binding,
    CheckResult,
    GroupResult,
    IndicatorResult,
    VarsKey,
    vars_key,
)
from iandw.model.case import ObservationRecord


@dataclass
class KeptGroup(GroupResult):
    """A group's status and counts, with its first `kept` matches and near misses."""

    vars: Assignment
    found: Truth
    matches_found: int
    near_misses_found: int
    matches: list[Binding]
    near_misses: list[Binding]
    kept: int

    @property
    def truth(self) -> Truth:
        return self.found

    @property
    def match_count(self) -> int:
        return self.matches_found

    @property
    def near_miss_count(self) -> int:
        return self.near_misses_found

    def top_matches(self, limit: int | None = None) -> list[Binding]:
        return self._first(self.matches, self.matches_found, limit)

    def top_near_misses(self, limit: int | None = None) -> list[Binding]:
        return self._first(self.near_misses, self.near_misses_found, limit)

    def _first(self, kept: list[Binding], found: int, limit: int | None) -> list[Binding]:
        if found > len(kept) and (limit is None or limit > len(kept)):
            raise ValueError(f"a summary keeps {self.kept} bindings per list, not {limit}")
        return kept[:limit]


def summarize(result: IndicatorResult, fixed: Iterable[Assignment], keep: int) -> IndicatorResult:
    """The groups a report shows, and every group agreeing with one of `fixed`, each kept to `keep`.

    `fixed`: the variables each hypothesis using the indicator fixes (its
    `bind`, iandw.assess.fixed_variables).
    """
    needed = {key for key, group in result.groups.items() if group.truth != Truth.FALSE}
    for assignment in fixed:
        needed.update(vars_key(group.vars) for group in result.agreeing(assignment))
    groups: dict[VarsKey, GroupResult] = {}
    for key in sorted(needed):
        group = result.groups[key]
        groups[key] = KeptGroup(
            vars=group.vars,
            found=group.truth,
            matches_found=group.match_count,
            near_misses_found=group.near_miss_count,
            matches=group.top_matches(keep),
            near_misses=group.top_near_misses(keep),
            kept=keep,
        )
    return IndicatorResult(result.indicator, groups, result.selected)


# A summary as plain data: per group, its key, truth, counts, kept and bindings;
# per binding, (selection, observation id) pairs, its truth and its checks as
# (require, truth, distance, detail).  Plain tuples pickle fastest.
Packed = tuple[list[tuple[Any, ...]], dict[str, list[Assignment]]]


def pack(summary: IndicatorResult) -> Packed:
    """`summary` (made by `summarize`) as plain data."""

    def binding(found: Binding) -> tuple[Any, ...]:
        observations = tuple((name, o.id) for name, o in found.observations.items())
        checks = tuple((c.require, int(c.truth), c.distance, c.detail) for c in found.checks)
        return observations, int(found.truth), checks

    groups = []
    for key, group in summary.groups.items():
        assert isinstance(group, KeptGroup)
        groups.append(
            (
                key,
                int(group.found),
                group.matches_found,
                group.near_misses_found,
                group.kept,
                [binding(b) for b in group.matches],
                [binding(b) for b in group.near_misses],
            )
        )
    return groups, summary.selected


def unpack(
    packed: Packed, indicator: CompiledIndicator, observation: Callable[[str], ObservationRecord]
) -> IndicatorResult:
    """The summary `pack` was given, with `observation(id)` for each observation it names."""
    packed_groups, selected = packed
    groups: dict[VarsKey, GroupResult] = {}
    for key, truth, matches_found, near_misses_found, kept, matches, near_misses in packed_groups:
        assignment = dict(key)

        def binding(data: tuple[Any, ...], assignment: Assignment = assignment) -> Binding:
            chosen, found, checks = data
            return Binding(
                {name: observation(observation_id) for name, observation_id in chosen},
                assignment,
                [
                    # the detail was written in the worker: explaining it again returns it
                    CheckResult(require, Truth(truth), distance, functools.partial(str, detail))
                    for require, truth, distance, detail in checks
                ],
                Truth(found),
            )

        groups[key] = KeptGroup(
            assignment,
            Truth(truth),
            matches_found,
            near_misses_found,
            [binding(b) for b in matches],
            [binding(b) for b in near_misses],
            kept,
        )
    return IndicatorResult(indicator, groups, selected)
