"""Large groups the band join cannot take: every binding checked, none kept.

An indicator that is not a star (two selections of one type, a `count`, an
`as_of` window, a selection tied by two windows) is evaluated binding by
binding, and a group has as many bindings as the product of its member
lists: 3,000 meetings paired with one another make nine million.  Holding
each as a `Binding`, as `enumerate_group` does, took 199 s and 9.5 GB.

Here the largest selection is laid out as arrays (numpy) and every choice of
observations for the others is a row: a row's checks are computed for the
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
from iandw.engine.compile import CompiledIndicator, WindowSpec
from iandw.engine.evaluate import (
    Assignment,
    Binding,
    CheckResult,
    GroupResult,
    Members,
    add_counts,
    checked_binding,
    count_check,
    observation_ids,
)
from iandw.model.case import ObservationRecord
from iandw.model.documents import AS_OF

if TYPE_CHECKING:
    import numpy as np

# Scanning pays numpy's overhead once per row: it is faster than enumerating
# when the rows are long (3,000 × 3,000: 9 s against 330 s), slower when they
# are short (six selections of 8: 9.9 s against 2.0 s).
SCAN_MIN_BINDINGS = 2_000
SCAN_MIN_ROW = 64  # observations of the largest selection, each row's length
FIRST_KEPT = 8  # first matches and near misses found at least, so that asking for 1, then 5, is one pass


def scans(members: Members) -> bool:
    """Whether a group (not a star) is better scanned than enumerated."""
    sizes = [len(found) for found in members.values()]
    return math.prod(sizes) >= SCAN_MIN_BINDINGS and max(sizes) >= SCAN_MIN_ROW


@dataclass
class _Row:
    """One choice of the other selections' observations, checked with every observation of the inner one."""

    chosen: dict[str, ObservationRecord]  # the other selections
    valid: np.ndarray  # the inner observation differs from every chosen one
    truth: np.ndarray  # the weakest window check
    failed: np.ndarray  # window checks that rule the binding out
    violation: np.ndarray  # their distances, summed in the order of the checks
    confidence: np.ndarray


class ScannedGroup(GroupResult):
    """A group whose bindings were all checked, a row at a time, and not kept."""

    def __init__(
        self, compiled: CompiledIndicator, assignment: Assignment, members: Members, as_of: DayInterval
    ) -> None:
        import numpy as np

        self.vars = dict(assignment)
        self._compiled = compiled
        self._members = members
        self._as_of = as_of
        names = [selection.name for selection in compiled.selections]
        self._inner = max(names, key=lambda name: len(members[name]))
        self._outer = [name for name in names if name != self._inner]
        inner = members[self._inner]
        self._lo = np.array([o.date.lo for o in inner], dtype=float)
        self._hi = np.array([o.date.hi for o in inner], dtype=float)
        self._confidence = np.array([o.confidence for o in inner], dtype=float)
        self._position = {o.id: index for index, o in enumerate(inner)}
        ranks = np.empty(len(inner), dtype=np.int64)
        ranks[sorted(range(len(inner)), key=lambda index: inner[index].id)] = np.arange(len(inner))
        self._id_rank = ranks  # ties between bindings of a row are broken by the inner observation's id
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

        inner = self._members[self._inner]
        size = len(inner)
        for picked in itertools.product(*(self._members[name] for name in self._outer)):
            ids = [o.id for o in picked]
            if len(set(ids)) < len(ids):
                continue
            chosen = dict(zip(self._outer, picked, strict=True))
            valid = np.ones(size, dtype=bool)
            for observation_id in ids:
                if observation_id in self._position:
                    valid[self._position[observation_id]] = False
            truth = np.full(size, int(Truth.DEFINITE), dtype=np.int8)
            failed = np.zeros(size, dtype=np.int64)
            violation = np.zeros(size)
            for window in self._compiled.windows:
                window_truth, distance = self._check(window, chosen)
                truth = np.minimum(truth, window_truth)
                failed = failed + (window_truth == Truth.FALSE)
                violation = violation + distance
            yield _Row(chosen, valid, truth, failed, violation, self._row_confidence(picked))

    def _row_confidence(self, picked: tuple[ObservationRecord, ...]) -> np.ndarray:
        """`iandw.score.product` of each binding's confidences, bit for bit: sorted, multiplied from 1.0."""
        import numpy as np

        factors = np.sort(
            np.vstack([np.full(len(self._confidence), o.confidence) for o in picked] + [self._confidence]),
            axis=0,
        )
        result = np.ones(len(self._confidence))
        for factor in factors:
            result = result * factor
        return result

    def _dates(
        self, name: str, chosen: dict[str, ObservationRecord]
    ) -> tuple[np.ndarray | float, np.ndarray | float]:
        if name == self._inner:
            return self._lo, self._hi
        date = self._as_of if name == AS_OF else chosen[name].date
        return date.lo, date.hi

    def _check(
        self, window: WindowSpec, chosen: dict[str, ObservationRecord]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The truth and distance of one window for every binding of a row (`check_window`, vectorised)."""
        import numpy as np

        first_lo, first_hi = self._dates(window.first, chosen)
        then_lo, then_hi = self._dates(window.then, chosen)
        gap = (np.asarray(then_lo - first_hi), np.asarray(then_hi - first_lo))
        if not window.absolute:
            return _truth_within(gap, window.low, window.high), _distance_outside(
                gap, window.low, window.high
            )
        if window.low <= 0:
            return _truth_within(gap, -window.high, window.high), _distance_outside(
                gap, -window.high, window.high
            )
        truth = np.maximum(
            _truth_within(gap, -window.high, -window.low), _truth_within(gap, window.low, window.high)
        )
        distance = np.minimum(
            _distance_outside(gap, -window.high, -window.low), _distance_outside(gap, window.low, window.high)
        )
        return truth, distance

    # --- what the report reads ----------------------------------------------

    def _count_checks(self) -> list[CheckResult]:
        """Each `count` item over the bindings that meet every window (`count_check`)."""
        import numpy as np

        if not self._compiled.counts:
            return []
        inner = self._members[self._inner]
        inner_definite = np.zeros(len(inner), dtype=bool)
        inner_eligible = np.zeros(len(inner), dtype=bool)
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
        definite[self._inner] = {o.id: o for o, kept in zip(inner, inner_definite, strict=True) if kept}
        eligible[self._inner] = {o.id: o for o, kept in zip(inner, inner_eligible, strict=True) if kept}
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
        inner = self._members[self._inner]
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
                    binding = {**row.chosen, self._inner: inner[index]}
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

    def _bindings(
        self, kept: list[tuple[tuple[object, ...], dict[str, ObservationRecord]]], limit: int | None
    ) -> list[Binding]:
        """The first `limit` as `Binding`s, checked as `enumerate_group` checks them."""
        first = sorted(kept, key=lambda item: item[0])[:limit]
        names = [selection.name for selection in self._compiled.selections]
        bindings = []
        for _, chosen in first:
            binding = checked_binding(
                self._compiled, {name: chosen[name] for name in names}, self.vars, self._as_of
            )
            add_counts(binding, self._counts)
            bindings.append(binding)
        return bindings


def _truth_within(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """`iandw.dates.truth_within`, elementwise."""
    import numpy as np

    g_lo, g_hi = gap
    definite = (g_lo >= low) & (g_hi <= high)
    never = (g_hi < low) | (g_lo > high)
    return np.where(
        never, int(Truth.FALSE), np.where(definite, int(Truth.DEFINITE), int(Truth.POSSIBLE))
    ).astype(np.int8)


def _distance_outside(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """`iandw.dates.distance_outside`, elementwise."""
    import numpy as np

    g_lo, g_hi = gap
    return np.maximum(np.maximum(0.0, low - g_hi), g_lo - high)
