"""Large groups the band join cannot take: every binding checked, none kept.

An indicator that is not a star (two selections of one type, a `count`, an
`as_of` window, a selection tied by two windows) is evaluated binding by
binding, and a group has as many bindings as the product of its member
lists: 3,000 meetings paired with one another make nine million.  Holding
each as a `Binding`, as `enumerate_group` does, took 199 s and 9.5 GB.

Here the largest selections are laid out as arrays (numpy), one position per
choice of an observation for each, and every choice of observations for the
others is a row: a row's checks are computed for the
whole array at once, and the group keeps only its status, its counts and
the sets of observations its `count` items need.  Its first matches and
near misses are found on demand, by a second pass keeping the best few of
each row.  Time still grows with the number of bindings, at numpy's pace
rather than Python's, and memory with one row.

Every answer is `enumerate_group`'s, down to which bindings fill the first
places and in which order (tests/test_scan.py checks it).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iandw.dates import DayInterval, Truth
from iandw.engine import dates_np
from iandw.engine.assignments import Assignment
from iandw.engine.compile import CompiledIndicator, WindowSpec
from iandw.engine.requirements import add_counts, checked_binding, count_check
from iandw.engine.results import Binding, CheckResult, GroupResult, Members, observation_ids
from iandw.model.case import ObservationRecord
from iandw.model.documents import AS_OF

if TYPE_CHECKING:
    import numpy as np

# Scanning pays numpy's overhead, about half a millisecond, once per row: it
# is faster than enumerating when the rows are long (3,000 × 3,000: 9 s
# against 330 s), slower when they are short.  A row is therefore the product
# of as many of the largest selections as fit in SCAN_MAX_ROW positions
# (forty meetings under a chain of four: 64,000 rows of 40 were 40 rows of
# 40 × 40 × 40), a few dozen arrays of that length held at once.
SCAN_MIN_BINDINGS = 2_000
SCAN_MIN_ROW = 64  # a largest selection this long scans whatever its other selections
SCAN_MAX_ROW = 1 << 18  # bindings checked at once, at most (unless one selection alone is longer)
FIRST_KEPT = 8  # first matches and near misses found at least, so that asking for 1, then 5, is one pass


SCAN_MIN_DISTINCT = 0.25  # the share of a row's bindings that pick distinct observations, at least
ENUMERATED_MAX = 200_000  # bindings held by `enumerate_group`: about 200 MB


def scans(members: Members) -> bool:
    """Whether a group (not a star) is better scanned than enumerated.

    A row is checked whole, so its bindings that pick one observation twice
    are checked for nothing: eight selections of one type over eight
    observations keep 1 binding in 400 and scan twice as slowly as they
    enumerate. Long selections (64 observations or more) always scan, and so do
    groups of more distinct bindings than enumerating should hold (ENUMERATED_MAX).
    """
    sizes = [len(found) for found in members.values()]
    bindings = math.prod(sizes)
    if bindings < SCAN_MIN_BINDINGS:
        return False
    if max(sizes) >= SCAN_MIN_ROW:
        return True
    share = _distinct_share(members)
    return share >= SCAN_MIN_DISTINCT or bindings * share >= ENUMERATED_MAX


def _distinct_share(members: Members) -> float:
    """About how many bindings pick distinct observations: exact when the selections share
    one pool (n!/(n-k)!/n^k), less than that when they overlap in part."""
    pools = [{o.id for o in found} for found in members.values()]
    share = 1.0
    for index, pool in enumerate(pools):
        taken = sum(1 for earlier in pools[:index] if earlier & pool)  # each may take one of these
        share *= max(0, len(pool) - taken) / len(pool)
    return share


@dataclass
class _Row:
    """One choice of the outer selections' observations, checked with every choice of the inner ones."""

    chosen: dict[str, ObservationRecord]  # the outer selections
    valid: np.ndarray  # the inner observations differ from one another and from every chosen one
    truth: np.ndarray  # the weakest window check
    failed: np.ndarray  # window checks that rule the binding out
    violation: np.ndarray  # their distances, summed in the order of the checks
    confidence: np.ndarray


class ScannedGroup(GroupResult):
    """A group whose bindings were all checked, a row at a time, and not kept.

    The inner selections (the largest, as many as fit in a row of `max_row`
    positions, and at least one) are laid out as flat arrays, one position
    per choice of an observation for each; every choice for the outer
    selections is a row.
    """

    def __init__(
        self,
        compiled: CompiledIndicator,
        assignment: Assignment,
        members: Members,
        as_of_interval: DayInterval,
        max_row: int = SCAN_MAX_ROW,
    ) -> None:
        import numpy as np

        self.vars = dict(assignment)
        self._compiled = compiled
        self._members = members
        self._as_of_interval = as_of_interval
        names = [selection.name for selection in compiled.selections]
        self._inner: list[str] = []
        length = 1
        for name in sorted(names, key=lambda name: -len(members[name])):
            if not self._inner or length * len(members[name]) <= max_row:
                self._inner.append(name)
                length *= len(members[name])
        self._outer = [name for name in names if name not in self._inner]
        shape = tuple(len(members[name]) for name in self._inner)
        self._length = length
        positions = np.unravel_index(np.arange(length), shape)
        self._position = dict(zip(self._inner, positions, strict=True))  # each inner selection's observation
        ids = {o.id: None for found in members.values() for o in found}
        self._code = codes = {observation_id: code for code, observation_id in enumerate(ids)}
        self._codes = {}
        self._lo, self._hi, self._confidence = {}, {}, {}
        for name, position in self._position.items():
            found = members[name]
            self._codes[name] = np.array([codes[o.id] for o in found], dtype=np.int64)[position]
            self._lo[name] = np.array([o.date.lo for o in found], dtype=float)[position]
            self._hi[name] = np.array([o.date.hi for o in found], dtype=float)[position]
            self._confidence[name] = np.array([o.confidence for o in found], dtype=float)[position]
        self._distinct = np.ones(length, dtype=bool)  # a binding picks distinct observations
        for first, second in itertools.combinations(self._inner, 2):
            self._distinct &= self._codes[first] != self._codes[second]
        # ties between bindings of a row are broken by their inner observations' ids, as
        # `observation_ids` orders them: by selection name
        self._id_rank = np.zeros(length, dtype=np.int64)
        for name in sorted(self._inner):
            found = members[name]
            ranks = np.empty(len(found), dtype=np.int64)
            ranks[sorted(range(len(found)), key=lambda index: found[index].id)] = np.arange(len(found))
            self._id_rank = self._id_rank * len(found) + ranks[self._position[name]]
        self._counts = self._count_checks()
        self._count_truth = min((check.truth for check in self._counts), default=Truth.DEFINITE)
        count_truth = self._count_truth
        best, matched, total = Truth.FALSE, 0, 0
        for row in self._rows():
            total += int(row.valid.sum())
            some = row.valid & (row.truth != Truth.FALSE)
            matched += int(some.sum())
            if some.any():
                best = max(best, Truth(int(row.truth[some].max())))
        self._truth = min(best, count_truth)
        self._match_count = matched if count_truth != Truth.FALSE else 0
        self._near_miss_count = total - self._match_count
        self._tops: tuple[int | None, list[Binding], list[Binding]] | None = None

    @property
    def truth(self) -> Truth:
        return self._truth

    @property
    def match_count(self) -> int:
        return self._match_count

    @property
    def near_miss_count(self) -> int:
        return self._near_miss_count

    def top_matches(self, limit: int | None = None) -> list[Binding]:
        return self._top(limit)[0]

    def top_near_misses(self, limit: int | None = None) -> list[Binding]:
        return self._top(limit)[1]

    # --- rows -------------------------------------------------------------

    def _rows(self) -> Iterator[_Row]:
        import numpy as np

        length = self._length
        for picked in _distinct_choices([self._members[name] for name in self._outer]):
            ids = [o.id for o in picked]
            chosen = dict(zip(self._outer, picked, strict=True))
            valid = self._distinct.copy()
            for observation_id in ids:
                for codes in self._codes.values():
                    valid &= codes != self._code[observation_id]
            truth = np.full(length, int(Truth.DEFINITE), dtype=np.int8)
            failed = np.zeros(length, dtype=np.int64)
            violation = np.zeros(length)
            for window in self._compiled.windows:
                window_truth, distance = self._check(window, chosen)
                truth = np.minimum(truth, window_truth)
                failed = failed + (window_truth == Truth.FALSE)
                violation = violation + distance
            yield _Row(chosen, valid, truth, failed, violation, self._row_confidence(picked))

    def _row_confidence(self, picked: tuple[ObservationRecord, ...]) -> np.ndarray:
        """`iandw.assessment.arithmetic.product` of each binding's confidences, bit for bit: sorted,
        multiplied from 1.0."""
        import numpy as np

        length = self._length
        factors = np.sort(
            np.vstack([np.full(length, o.confidence) for o in picked] + list(self._confidence.values())),
            axis=0,
        )
        result = np.ones(length)
        for factor in factors:
            result = result * factor
        return result

    def _dates(
        self, name: str, chosen: dict[str, ObservationRecord]
    ) -> tuple[np.ndarray | float, np.ndarray | float]:
        if name in self._position:
            return self._lo[name], self._hi[name]
        date = self._as_of_interval if name == AS_OF else chosen[name].date
        return date.lo, date.hi

    def _check(
        self, window: WindowSpec, chosen: dict[str, ObservationRecord]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The truth and distance of one window for every binding of a row (`check_window`, vectorised)."""
        gap = dates_np.gap_range(self._dates(window.first, chosen), self._dates(window.then, chosen))
        if window.absolute:
            truth = dates_np.truth_abs_within(gap, window.low, window.high)
            distance = dates_np.abs_distance_outside(gap, window.low, window.high)
        else:
            truth = dates_np.truth_within(gap, window.low, window.high)
            distance = dates_np.distance_outside(gap, window.low, window.high)
        return truth, distance

    # --- what the report reads ----------------------------------------------

    def _count_checks(self) -> list[CheckResult]:
        """Each `count` item over the bindings that meet every window (`count_check`)."""
        import numpy as np

        if not self._compiled.counts:
            return []
        inner_definite = np.zeros(self._length, dtype=bool)
        inner_eligible = np.zeros(self._length, dtype=bool)
        definite: dict[str, dict[str, ObservationRecord]] = {name: {} for name in self._outer}
        eligible: dict[str, dict[str, ObservationRecord]] = {name: {} for name in self._outer}
        for row in self._rows():
            sure = row.valid & (row.truth == Truth.DEFINITE)
            maybe = row.valid & (row.truth != Truth.FALSE)
            inner_definite |= sure
            inner_eligible |= maybe
            for name, observation in row.chosen.items():
                if sure.any():
                    definite[name][observation.id] = observation
                if maybe.any():
                    eligible[name][observation.id] = observation
        for name, position in self._position.items():
            found = self._members[name]
            for kept, flat in ((definite, inner_definite), (eligible, inner_eligible)):
                chosen = np.zeros(len(found), dtype=bool)
                chosen[position[flat]] = True
                kept[name] = {o.id: o for o, taken in zip(found, chosen, strict=True) if taken}
        return [
            count_check(spec, definite[spec.selection].values(), eligible[spec.selection].values())
            for spec in self._compiled.counts
        ]

    def _top(self, limit: int | None) -> tuple[list[Binding], list[Binding]]:
        """The first `limit` matches and near misses (all of them for None), from one pass over the rows."""
        if self._tops is not None:
            kept, matches, misses = self._tops
            if kept is None or (limit is not None and limit <= kept):
                return matches[:limit], misses[:limit]
        kept = None if limit is None else max(limit, FIRST_KEPT)
        matches, misses = self._first(kept)
        self._tops = (kept, matches, misses)
        return matches[:limit], misses[:limit]

    def _first(self, limit: int | None) -> tuple[list[Binding], list[Binding]]:
        import numpy as np

        count_truth = self._count_truth
        count_failed = sum(1 for check in self._counts if check.truth == Truth.FALSE)
        found: list[tuple[tuple[object, ...], dict[str, ObservationRecord]]] = []
        missed: list[tuple[tuple[object, ...], dict[str, ObservationRecord]]] = []
        for row in self._rows():
            truth = np.minimum(row.truth, int(count_truth))
            failed = row.failed + count_failed
            violation = row.violation
            for check in self._counts:
                violation = violation + check.distance
            confidence = row.confidence
            for kept, wanted, keys in (
                (found, truth != Truth.FALSE, (self._id_rank, -confidence, -truth)),
                (missed, truth == Truth.FALSE, (self._id_rank, -confidence, violation, failed)),
            ):
                chosen_indices = np.flatnonzero(row.valid & wanted)
                order = chosen_indices[np.lexsort(tuple(key[chosen_indices] for key in keys))][:limit]
                for index in order.tolist():
                    binding = {**row.chosen, **self._inner_at(index)}
                    key: tuple[object, ...]
                    if kept is found:
                        key = (-int(truth[index]), -float(confidence[index]), observation_ids(binding))
                    else:
                        key = (
                            int(failed[index]),
                            float(violation[index]),
                            -float(confidence[index]),
                            observation_ids(binding),
                        )
                    kept.append((key, binding))
                if limit is not None and len(kept) > 4 * limit:
                    kept[:] = heapq.nsmallest(limit, kept, key=lambda item: item[0])
        return self._bindings(found, limit), self._bindings(missed, limit)

    def _inner_at(self, index: int) -> dict[str, ObservationRecord]:
        return {name: self._members[name][int(position[index])] for name, position in self._position.items()}

    def _bindings(
        self, kept: list[tuple[tuple[object, ...], dict[str, ObservationRecord]]], limit: int | None
    ) -> list[Binding]:
        """The first `limit` as `Binding`s, checked as `enumerate_group` checks them."""
        first = sorted(kept, key=lambda item: item[0])[:limit]
        names = [selection.name for selection in self._compiled.selections]
        bindings = []
        for _, chosen in first:
            binding = checked_binding(
                self._compiled, {name: chosen[name] for name in names}, self.vars, self._as_of_interval
            )
            add_counts(binding, self._counts)
            bindings.append(binding)
        return bindings


def _distinct_choices(
    lists: list[list[ObservationRecord]], taken: frozenset[str] = frozenset()
) -> Iterator[tuple[ObservationRecord, ...]]:
    """`itertools.product` of the lists, in its order, without the choices that take one
    observation twice (or one in `taken`): pruned as they are built, since seven
    selections of one type over eight observations make 2 million choices, 40,320 distinct.
    """
    if not lists:
        yield ()
        return
    for observation in lists[0]:
        if observation.id not in taken:
            for tail in _distinct_choices(lists[1:], taken | {observation.id}):
                yield (observation, *tail)
