"""Large groups without enumerating their bindings: a band join on sorted dates.

Most indicators are *stars*: one hub selection (the attack) and spoke
selections (the meeting, the financing), each tied to the hub by at most one
window, with no `count`, no `as_of` window and selections of disjoint types.
A group's bindings are then every hub observation with every choice of spoke
observations, and a binding's status is decided spoke by spoke: the spoke
observations that may fall in a hub observation's window form, among those
of one interval width sorted by date, one contiguous range.  Binary search
counts them and a sparse table gives their best confidence, for all hub
observations at once (numpy), in O(n log n) rather than O(n²).  Matches and
near misses are then enumerated only for the few hub observations that can
reach the top of the list.

Among bindings of equal status and confidence (or of equal closeness), which
ones fill the first `--max-matches` places is deterministic but may differ
from the enumerating path's choice; every count, status and confidence is
the same (tests/test_bandjoin.py checks it against `enumerate_group`).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from iandw.assessment.arithmetic import product
from iandw.dates import DayInterval, Truth, distance_outside, gap_range, truth_within
from iandw.engine import dates_np
from iandw.engine.assignments import Assignment
from iandw.engine.compile import CompiledIndicator
from iandw.engine.requirements import checked_binding
from iandw.engine.results import NO_NEAR_MISS, Binding, GroupResult, Members, match_order, near_miss_order
from iandw.model.case import ObservationRecord

if TYPE_CHECKING:
    import numpy as np

BAND_JOIN_MIN_BINDINGS = 50  # below this, enumerating is faster than numpy's per-group overhead

INF = math.inf


@dataclass(frozen=True)
class StarPlan:
    """The hub, the spokes, and each spoke's band: spoke date − hub date ∈ [low, high]."""

    hub: str
    spokes: tuple[str, ...]
    bands: tuple[tuple[float, float], ...]


def star_plan(compiled: CompiledIndicator) -> StarPlan | None:
    """The star shape of an indicator, or None when it needs enumeration."""
    selections = compiled.selections
    if compiled.counts or len(selections) < 2:
        return None
    types = [selection.types for selection in selections]
    if any(not t for t in types) or any(a & b for a, b in itertools.combinations(types, 2)):
        return None  # observations of two selections could coincide
    windows = compiled.windows
    if compiled.uses_as_of or any(w.absolute and w.low > 0 for w in windows):
        return None
    names = [selection.name for selection in selections]
    hubs = [name for name in names if all(name in (w.first, w.then) for w in windows)]
    if not hubs:
        return None
    hub = hubs[0]
    spokes = tuple(name for name in names if name != hub)
    bands = []
    for spoke in spokes:
        tied = [w for w in windows if spoke in (w.first, w.then)]
        if len(tied) > 1:
            return None
        if not tied:
            bands.append((-INF, INF))
        elif tied[0].absolute:
            bands.append((-tied[0].high, tied[0].high))
        elif tied[0].first == hub:
            bands.append((tied[0].low, tied[0].high))
        else:
            bands.append((-tied[0].high, -tied[0].low))
    return StarPlan(hub, spokes, tuple(bands))


def band_join_groups(
    plan: StarPlan,
    compiled: CompiledIndicator,
    groups: Sequence[tuple[Assignment, Members]],
    as_of_interval: DayInterval,
) -> list[BandJoinGroup]:
    """Every group of an indicator shaped as `plan`, evaluated by band join.

    Groups that share a member list share its sorted side (every (sponsor,
    group) pair of one armed group holds the same list of its attacks); the
    hubs of the groups that share their spokes are joined with them in one
    vectorised pass, as one long hub, which pays numpy's per-call overhead
    once for the lot instead of once per group.
    """
    sides: dict[int, tuple[list[ObservationRecord], _Side]] = {}  # by member list identity

    def side(records: list[ObservationRecord]) -> _Side:
        known = sides.get(id(records))
        if known is None:
            known = sides[id(records)] = (records, _Side.of(records))  # `records` kept: ids stay unique
        return known[1]

    hubs = [side(members[plan.hub]) for _, members in groups]
    spokes = [[side(members[name]) for name in plan.spokes] for _, members in groups]
    stats: list[list[_SpokeStats]] = [[] for _ in groups]  # per group, per spoke in plan order
    for position, band in enumerate(plan.bands):
        sharing: dict[int, list[int]] = {}  # the groups of each spoke side
        for index, group_spokes in enumerate(spokes):
            sharing.setdefault(id(group_spokes[position]), []).append(index)
        for indices in sharing.values():
            spoke = spokes[indices[0]][position]
            for batch in _batches(indices, [len(hubs[i].records) for i in indices], spoke.cells_per_hub):
                joined = _spoke_stats_of_hubs([hubs[i] for i in batch], spoke, band)
                for index, part in zip(batch, joined, strict=True):
                    stats[index].append(part)
    return [
        BandJoinGroup(dict(assignment), plan, compiled, as_of_interval, hub, group_spokes, group_stats)
        for (assignment, _), hub, group_spokes, group_stats in zip(groups, hubs, spokes, stats, strict=True)
    ]


# What one pass may hold: each hub observation of a batch takes a row in every
# array of the pass, as long as the spoke's segments and its pool together.
BATCH_CELLS = 1 << 20  # 8 MiB per array of floats


def _batches(indices: list[int], sizes: list[int], cells_per_hub: int) -> Iterator[list[int]]:
    """`indices` in runs of at most BATCH_CELLS cells (a group larger than that alone)."""
    batch: list[int] = []
    total = 0
    for index, size in zip(indices, sizes, strict=True):
        cells = size * cells_per_hub
        if batch and total + cells > BATCH_CELLS:
            yield batch
            batch, total = [], 0
        batch.append(index)
        total += cells
    if batch:
        yield batch


# --- arrays -------------------------------------------------------------------


@dataclass
class _Side:
    """One selection's observations in a group, sorted by date (ties in the order given: by id)."""

    records: list[ObservationRecord]
    lo: np.ndarray
    hi: np.ndarray
    conf: np.ndarray
    confidences: list[float]  # the same as Python floats: indexing numpy one at a time is slow

    @cached_property
    def rank(self) -> list[int]:
        """Each observation's place by confidence, highest first (ties: earlier first): a sort key."""
        import numpy as np

        order = np.lexsort((np.arange(len(self.conf)), -self.conf))
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return rank.tolist()

    # As a spoke, a side meets the hub of every group sharing it (an armed
    # group's attacks meet the hub of each of its sponsors): its segments and
    # their confidence maxima are built once, and kept while the indicator's
    # groups are (log n rows of n floats: a few MiB at a million observations).

    @cached_property
    def segments(self) -> _Segments:
        return _segments(self)

    @cached_property
    def confidence_table(self) -> np.ndarray:
        """The sparse table of the confidences along `segments.members`, which `_range_max` reads."""
        return _sparse_table(self.conf[self.segments.members])

    @property
    def cells_per_hub(self) -> int:
        """As a spoke: the cells each hub observation takes in an array of `_spoke_stats`."""
        return max(1, len(self.segments.kinds) + len(self.segments.pool))

    @classmethod
    def of(cls, records: list[ObservationRecord]) -> _Side:
        import numpy as np

        lo = np.array([r.date.lo for r in records], dtype=float)
        hi = np.array([r.date.hi for r in records], dtype=float)
        order = np.lexsort((hi, lo))  # stable: records come in id order, which breaks ties
        ordered = [records[i] for i in order]
        confidences = [r.confidence for r in ordered]
        return cls(ordered, lo[order], hi[order], np.array(confidences, dtype=float), confidences)


# Spoke observations are split into segments of one interval shape — a fixed
# width (a day: 0, a 31-day month: 30 …), an open start, an open end, or
# both — each sorted by the one date that bounds it.  Within a segment, the
# observations that may (or must) fall in a hub observation's window are one
# contiguous range.  Segments are laid end to end in one array, each shifted
# by its own offset, so one vectorised search answers every segment for every
# hub observation.  Shapes too rare to pay for a segment of their own (a
# handful of intervals of one odd length) are pooled and compared pair by pair.
_SEGMENT = 1e8  # larger than any span of days (year 9999 is day 3.65e6)
_CLIP = _SEGMENT / 4  # a bound clipped to ±this is beyond every key and within its own segment
POOL_BELOW = 4  # a shape with fewer observations than this goes to the pool


@dataclass
class _Segments:
    kinds: list[str]  # per segment: "finite", "left" (open start), "right" (open end), "all"
    widths: np.ndarray  # per segment: hi − lo of its (finite) observations
    bounds: np.ndarray  # per segment: [first, last) positions in `members`
    members: np.ndarray  # side indices, segment by segment, each sorted by its key
    keys: np.ndarray  # the sorting key plus the segment's offset
    pool: np.ndarray  # side indices of the rare shapes, in side order


def _segments(side: _Side) -> _Segments:
    import numpy as np

    left, right = np.isinf(side.lo), np.isinf(side.hi)
    width = np.where(left | right, 0.0, side.hi - side.lo)
    kinds: list[str] = []
    widths, members, keys, bounds, pooled = [], [], [], [], []
    position = 0
    for kind, in_kind in (
        ("finite", ~left & ~right),
        ("left", left & ~right),
        ("right", ~left & right),
        ("all", left & right),
    ):
        for shape_width in np.unique(width[in_kind]):
            chosen = np.flatnonzero(in_kind & (width == shape_width))
            if len(chosen) < POOL_BELOW:
                pooled.append(chosen)
                continue
            key = side.hi[chosen] if kind == "left" else side.lo[chosen]
            key = np.where(np.isfinite(key), key, 0.0)
            order = np.lexsort((chosen, key))
            offset = len(kinds) * _SEGMENT
            kinds.append(kind)
            widths.append(float(shape_width))
            members.append(chosen[order])
            keys.append(key[order] + offset)
            bounds.append((position, position + len(chosen)))
            position += len(chosen)
    none = np.zeros(0, dtype=np.int64)
    return _Segments(
        kinds,
        np.array(widths),
        np.array(bounds, dtype=np.int64).reshape(-1, 2),
        np.concatenate(members) if members else none,
        np.concatenate(keys) if keys else np.zeros(0),
        np.sort(np.concatenate(pooled)) if pooled else none,
    )


def _sparse_table(values: np.ndarray) -> np.ndarray:
    import numpy as np

    size = len(values)
    levels = max(1, size.bit_length())
    table = np.full((levels, size), -1.0)
    table[0] = values
    for k in range(1, levels):
        span = 1 << (k - 1)
        table[k, : size - span] = np.maximum(table[k - 1, : size - span], table[k - 1, span:])
    return table


def _range_max(table: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """max(values[start:end]) per query; -1 for an empty range."""
    import numpy as np

    length = end - start
    result = np.full(len(start), -1.0)
    some = length > 0
    if not some.any():
        return result
    k = np.floor(np.log2(length[some])).astype(np.int64)
    left = table[k, start[some]]
    right = table[k, end[some] - (1 << k)]
    result[some] = np.maximum(left, right)
    return result


@dataclass
class _SpokeStats:
    """Per hub observation: how many spoke observations may/must fit, the best of them, the nearest miss."""

    possible: np.ndarray  # count with status possible or definite
    definite: np.ndarray
    best_possible: np.ndarray  # best confidence among them (-1: none)
    best_definite: np.ndarray
    nearest_miss: np.ndarray  # smallest violation among those that cannot fit (inf: none)
    nearest_miss_best: np.ndarray  # the best confidence among those missing by exactly that
    segments: _Segments
    ranges: np.ndarray  # [p_start, p_end, d_start, d_end] × segment × hub, positions in segments.members

    def freeze(self) -> None:
        arrays = (self.possible, self.definite, self.best_possible, self.best_definite)
        for array in (*arrays, self.nearest_miss, self.nearest_miss_best, self.ranges):
            array.flags.writeable = False

    def part(self, start: int, end: int) -> _SpokeStats:
        """The statistics of hub observations [start, end): views, not copies."""
        return _SpokeStats(
            self.possible[start:end],
            self.definite[start:end],
            self.best_possible[start:end],
            self.best_definite[start:end],
            self.nearest_miss[start:end],
            self.nearest_miss_best[start:end],
            self.segments,
            self.ranges[..., start:end],
        )


def _spoke_stats_of_hubs(hubs: list[_Side], spoke: _Side, band: tuple[float, float]) -> list[_SpokeStats]:
    """`_spoke_stats` of each hub side with the same spoke, in one pass over them laid end to end.

    Every hub observation's statistics are computed column by column, apart
    from the others', so each hub's part is the same as if it were alone.
    """
    import numpy as np

    lo, hi = np.concatenate([h.lo for h in hubs]), np.concatenate([h.hi for h in hubs])
    joined = _spoke_stats(lo, hi, spoke, band)
    joined.freeze()  # the parts are views: none may change another's
    ends = np.cumsum([len(h.records) for h in hubs]).tolist()
    return [joined.part(start, end) for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _spoke_stats(
    hub_lo: np.ndarray, hub_hi: np.ndarray, spoke: _Side, band: tuple[float, float]
) -> _SpokeStats:
    """For every hub observation at once: the spoke observations in its window, segment by segment."""
    import numpy as np

    low, high = band
    count = len(hub_lo)
    segments = spoke.segments
    table = spoke.confidence_table
    # bounds on the spoke date that keep spoke − hub in [low, high]: `dates_np.may_be_within`
    # and `must_be_within` solved for the spoke, so that binary search finds the pairs
    # instead of comparing each; an infinite band side makes the bound infinite whatever the hub date
    some_low = hub_lo + low if low > -INF else np.full(count, -INF)
    all_low = hub_hi + low if low > -INF else np.full(count, -INF)
    some_high = hub_hi + high if high < INF else np.full(count, INF)
    all_high = hub_lo + high if high < INF else np.full(count, INF)
    never = (np.full(count, INF), np.full(count, -INF))
    ranges = []  # per segment: (possible from, possible to, definite from, definite to), on its key
    for kind, width in zip(segments.kinds, segments.widths, strict=True):
        if kind == "finite":  # spoke hi = lo + width
            ranges.append((some_low - width, some_high, all_low, all_high - width))
        elif kind == "left":  # open start, keyed by its end: only that can be too early
            definite = (np.full(count, -INF), all_high) if low == -INF else never
            ranges.append((some_low, np.full(count, INF), *definite))
        elif kind == "right":  # open end, keyed by its start: only that can be too late
            definite = (all_low, np.full(count, INF)) if high == INF else never
            ranges.append((np.full(count, -INF), some_high, *definite))
        else:
            definite = (np.full(count, -INF), np.full(count, INF)) if (low, high) == (-INF, INF) else never
            ranges.append((np.full(count, -INF), np.full(count, INF), *definite))
    offsets = (np.arange(len(ranges)) * _SEGMENT)[:, None]
    p_from, p_to, d_from, d_to = (
        np.clip(np.array([r[i] for r in ranges]).reshape(-1, count), -_CLIP, _CLIP) + offsets
        for i in range(4)
    )
    p_start = np.searchsorted(segments.keys, p_from, "left")
    p_end = np.maximum(np.searchsorted(segments.keys, p_to, "right"), p_start)
    d_start = np.searchsorted(segments.keys, d_from, "left")
    d_end = np.maximum(np.searchsorted(segments.keys, d_to, "right"), d_start)
    stats = _SpokeStats(
        possible=(p_end - p_start).sum(axis=0),
        definite=(d_end - d_start).sum(axis=0),
        best_possible=_range_max(table, p_start.ravel(), p_end.ravel())
        .reshape(p_start.shape)
        .max(axis=0, initial=-1.0),
        best_definite=_range_max(table, d_start.ravel(), d_end.ravel())
        .reshape(d_start.shape)
        .max(axis=0, initial=-1.0),
        nearest_miss=np.full(count, INF),
        nearest_miss_best=np.full(count, -1.0),
        segments=segments,
        ranges=np.stack([p_start, p_end, d_start, d_end]),
    )
    # the nearest misses: just before and just after each segment's window, with
    # every observation of the same date (the same miss) for the best confidence
    first, last = segments.bounds[:, :1], segments.bounds[:, 1:]
    top = max(len(segments.members) - 1, 0)
    sides = []
    before = np.clip(p_start - 1, 0, top)
    ties = np.searchsorted(segments.keys, segments.keys[before], "left")
    sides.append((before, p_start > first, ties, p_start))
    after = np.clip(p_end, 0, top)
    ties = np.searchsorted(segments.keys, segments.keys[after], "right")
    sides.append((after, p_end < last, p_end, ties))
    for neighbour, exists, tie_from, tie_to in sides:
        if not exists.any():
            continue
        chosen = segments.members[neighbour]
        gap = dates_np.gap_range((hub_lo, hub_hi), (spoke.lo[chosen], spoke.hi[chosen]))
        distance = np.where(exists, dates_np.distance_outside(gap, low, high), INF)
        best = _range_max(table, np.where(exists, tie_from, 0).ravel(), np.where(exists, tie_to, 0).ravel())
        _add_misses(stats, distance, best.reshape(distance.shape))
    if len(segments.pool):
        _add_pool(stats, hub_lo, hub_hi, spoke, segments.pool, band)
    return stats


def _add_misses(stats: _SpokeStats, distance: np.ndarray, best: np.ndarray) -> None:
    """Fold candidate misses (rows of distances per hub, with their best confidence) into the nearest."""
    import numpy as np

    nearest = np.minimum(stats.nearest_miss, distance.min(axis=0))
    at_nearest = np.where(distance == nearest, best, -1.0).max(axis=0)
    kept = np.where(stats.nearest_miss == nearest, stats.nearest_miss_best, -1.0)
    stats.nearest_miss_best = np.maximum(kept, at_nearest)
    stats.nearest_miss = nearest


def _add_pool(
    stats: _SpokeStats,
    hub_lo: np.ndarray,
    hub_hi: np.ndarray,
    spoke: _Side,
    pool: np.ndarray,
    band: tuple[float, float],
) -> None:
    """The pooled spoke observations, pair by pair with every hub observation (pool × hub arrays)."""
    import numpy as np

    low, high = band
    conf = spoke.conf[pool][:, None]
    gap = dates_np.gap_range((hub_lo, hub_hi), (spoke.lo[pool][:, None], spoke.hi[pool][:, None]))
    possible = dates_np.may_be_within(gap, low, high)
    definite = dates_np.must_be_within(gap, low, high)
    stats.possible = stats.possible + possible.sum(axis=0)
    stats.definite = stats.definite + definite.sum(axis=0)
    stats.best_possible = np.maximum(stats.best_possible, np.where(possible, conf, -1.0).max(axis=0))
    stats.best_definite = np.maximum(stats.best_definite, np.where(definite, conf, -1.0).max(axis=0))
    distance = np.where(possible, INF, dates_np.distance_outside(gap, low, high))
    _add_misses(stats, distance, np.where(possible, -1.0, np.broadcast_to(conf, distance.shape)))


# --- the group ------------------------------------------------------------------


@dataclass
class BandJoinGroup(GroupResult):
    """A group evaluated by band join; matches and near misses found on demand."""

    vars: Assignment
    plan: StarPlan
    compiled: CompiledIndicator
    as_of_interval: DayInterval
    hub: _Side
    spokes: list[_Side]
    stats: list[_SpokeStats]  # per spoke
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        import numpy as np

        stats = self.stats
        self.possible_per_hub = np.prod([s.possible for s in stats], axis=0)
        self.definite_per_hub = np.prod([s.definite for s in stats], axis=0)
        self.best_definite = self.hub.conf * np.prod([np.maximum(s.best_definite, 0) for s in stats], axis=0)
        self.best_possible = self.hub.conf * np.prod([np.maximum(s.best_possible, 0) for s in stats], axis=0)
        total = len(self.hub.records) * math.prod(len(side.records) for side in self.spokes)
        self._match_count = int(self.possible_per_hub.sum())
        self._definite_count = int(self.definite_per_hub.sum())
        self._near_miss_count = total - self._match_count
        self.closest_failed, self.closest_violation, self.closest_confidence = self._closest_per_hub()

    # counts and status

    @property
    def truth(self) -> Truth:
        if self._definite_count:
            return Truth.DEFINITE
        return Truth.POSSIBLE if self._match_count else Truth.FALSE

    @property
    def match_count(self) -> int:
        return self._match_count

    @property
    def near_miss_count(self) -> int:
        return self._near_miss_count

    @property
    def closeness(self) -> tuple[int, float]:
        import numpy as np

        some = np.flatnonzero(np.isfinite(self.closest_violation))
        if not len(some):
            return NO_NEAR_MISS
        first = some[np.lexsort((self.closest_violation[some], self.closest_failed[some]))[0]]
        return int(self.closest_failed[first]), float(self.closest_violation[first])

    def _closest_per_hub(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per hub observation, its nearest miss: (failed checks, violation, confidence); inf: none.

        Spokes with nothing in the window must fail; if all have something,
        the nearest miss fails exactly one spoke, the one missing by least
        (the most confident such miss), the other spokes taking their most
        confident fitting observation.
        """
        import numpy as np

        empty = np.array([s.possible == 0 for s in self.stats])
        misses = np.array([s.nearest_miss for s in self.stats])
        miss_best = np.array([np.maximum(s.nearest_miss_best, 0.0) for s in self.stats])
        fit_best = np.array([np.maximum(s.best_possible, 0.0) for s in self.stats])
        must_fail = empty.sum(axis=0)
        forced_violation = np.where(empty, misses, 0.0).sum(axis=0)
        forced_confidence = np.where(empty, miss_best, fit_best).prod(axis=0)
        # otherwise: fail the spoke that misses by least, keep the others' best fit
        nearest = misses.min(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            others = fit_best.prod(axis=0) / np.where(fit_best > 0, fit_best, 1.0)
        one_confidence = np.where(misses == nearest, miss_best * others, -1.0).max(axis=0)
        failed = np.where(must_fail > 0, must_fail, 1)
        violation = np.where(must_fail > 0, forced_violation, nearest)
        confidence = self.hub.conf * np.where(must_fail > 0, forced_confidence, one_confidence)
        return failed, violation, confidence

    # matches and near misses, enumerated for few hub observations

    @property
    def nested_tops(self) -> bool:
        return False  # ties are broken by date order before the limit

    def top_matches(self, limit: int | None = None) -> list[Binding]:
        key = f"matches:{limit}"
        if key not in self._cache:
            found = self._top(self.definite_per_hub > 0, self.best_definite, limit, definite=True)
            if limit is None or len(found) < limit:
                exactly_possible = self.possible_per_hub > self.definite_per_hub
                more = None if limit is None else limit - len(found)
                found += self._top(exactly_possible, self.best_possible, more, definite=False)
            self._cache[key] = sorted(found, key=match_order)
        return list(self._cache[key])

    def _top(
        self, eligible: np.ndarray, bound: np.ndarray, limit: int | None, definite: bool
    ) -> list[Binding]:
        """The best bindings of one status, visiting hub observations from the most promising."""
        import numpy as np

        hubs = np.flatnonzero(eligible)
        hubs = hubs[np.lexsort((hubs, -bound[hubs]))]
        views = self._spoke_lists()
        best: list[tuple[float, tuple[int, ...]]] = []
        for hub in hubs.tolist():
            if limit is not None and len(best) >= limit and bound[hub] <= best[limit - 1][0]:
                break  # no binding of this or any later hub observation can do better
            best += self._hub_matches(views, hub, limit, definite)
            best.sort(key=lambda item: (-item[0], item[1]))
            best = best[:limit] if limit is not None else best
        return [self._binding(choice) for _, choice in best]

    def _hub_matches(
        self, views: list[_SpokeLists], hub: int, limit: int | None, definite: bool
    ) -> list[tuple[float, tuple[int, ...]]]:
        """Bindings of one hub observation with status definite (or exactly possible), best first."""
        options = []
        for view in views:
            sure, maybe = view.in_window(hub)
            best_sure = view.most_confident(sure, limit)
            best_maybe = [] if definite else view.most_confident(maybe, limit)
            options.append([(index, True) for index in best_sure] + [(index, False) for index in best_maybe])
        found = []
        for combination in itertools.product(*options):
            if not definite and all(is_sure for _, is_sure in combination):
                continue  # all definite: counted among the definite bindings
            chosen = (hub, *(index for index, _ in combination))
            found.append((self._confidence(chosen), chosen))
        found.sort(key=lambda item: (-item[0], item[1]))
        return found[:limit] if limit is not None else found

    def top_near_misses(self, limit: int | None = None) -> list[Binding]:
        key = f"near:{limit}"
        if key not in self._cache:
            self._cache[key] = self._near_misses(limit)
        return list(self._cache[key])

    def _near_misses(self, limit: int | None) -> list[Binding]:
        """Visit hub observations from the closest miss; stop when none can do better.

        Each hub observation's own nearest miss — failed checks, violation and
        confidence — is known exactly, so the visit stops after the hub
        observations whose best miss can still enter the list.
        """
        import numpy as np

        hubs = np.flatnonzero(np.isfinite(self.closest_violation))
        key = (self.closest_failed, self.closest_violation, -self.closest_confidence)
        hubs = hubs[np.lexsort((hubs, key[2][hubs], key[1][hubs], key[0][hubs]))]
        views = self._spoke_lists()
        best: list[tuple[tuple[int, float, float], tuple[int, ...]]] = []
        for hub in hubs.tolist():
            bound = (int(key[0][hub]), float(key[1][hub]), float(key[2][hub]))
            if limit is not None and len(best) >= limit and bound >= best[limit - 1][0]:
                break
            best += self._hub_near_misses(views, hub, limit)
            best.sort()
            best = best[:limit] if limit is not None else best
        return sorted((self._binding(choice) for _, choice in best), key=near_miss_order)

    def _hub_near_misses(
        self, views: list[_SpokeLists], hub: int, limit: int | None
    ) -> list[tuple[tuple[int, float, float], tuple[int, ...]]]:
        """Bindings of one hub observation that some window rules out, closest first."""
        hub_date = self.hub.records[hub].date
        options = []
        for view, (low, high) in zip(views, self.plan.bands, strict=True):
            alone = len(views) == 1  # then the one spoke must be the one that misses
            sure, maybe = ([], []) if alone else view.in_window(hub)
            fits = view.most_confident(sure + maybe, limit)
            records, confidences = view.side.records, view.side.confidences
            misses = sorted(
                (float(distance_outside(gap_range(hub_date, records[i].date), low, high)), -confidences[i], i)
                for i in view.nearest_outside(hub, limit)
            )[:limit]
            options.append([(i, 0.0) for i in fits] + [(i, distance) for distance, _, i in misses])
        found = []
        for combination in itertools.product(*options):
            failed = sum(1 for _, miss in combination if miss > 0)  # a ruled-out pair misses by > 0 days
            if failed == 0:
                continue
            chosen = (hub, *(index for index, _ in combination))
            violation = sum(miss for _, miss in combination)
            found.append(((failed, violation, -self._confidence(chosen)), chosen))
        found.sort()
        return found[:limit] if limit is not None else found

    # helpers

    def _spoke_lists(self) -> list[_SpokeLists]:
        return [
            _SpokeLists(stats, side, self.hub, band)
            for stats, side, band in zip(self.stats, self.spokes, self.plan.bands, strict=True)
        ]

    def _confidence(self, chosen: tuple[int, ...]) -> float:
        confidences = [self.hub.confidences[chosen[0]]]
        confidences += [side.confidences[index] for side, index in zip(self.spokes, chosen[1:], strict=True)]
        return product(confidences)  # as `Binding.confidence` computes it, so that ties break alike

    def _binding(self, chosen: tuple[int, ...]) -> Binding:
        records = {self.plan.hub: self.hub.records[chosen[0]]}
        for name, side, index in zip(self.plan.spokes, self.spokes, chosen[1:], strict=True):
            records[name] = side.records[index]
        ordered = {selection.name: records[selection.name] for selection in self.compiled.selections}
        return checked_binding(self.compiled, ordered, self.vars, self.as_of_interval)


class _SpokeLists:
    """One spoke of a group as Python lists, for visiting a few hub observations.

    The report visits a handful of hub observations per group; numpy's cost
    per call dominates on arrays of a few dozen items, so each visit works on
    plain lists, built once per listing and dropped after it.
    """

    def __init__(self, stats: _SpokeStats, side: _Side, hub: _Side, band: tuple[float, float]) -> None:
        segments = stats.segments
        self.side, self.hub, self.band = side, hub, band
        self.ranges = stats.ranges
        self.members: list[int] = segments.members.tolist()
        self.keys: list[float] = segments.keys.tolist()
        self.bounds: list[tuple[int, int]] = [tuple(b) for b in segments.bounds.tolist()]
        self.pool: list[tuple[int, DayInterval]] = [(i, side.records[i].date) for i in segments.pool.tolist()]
        self._pooled_for: tuple[int, dict[Truth, list[int]]] | None = None

    def _pooled(self, hub: int) -> dict[Truth, list[int]]:
        """The pooled spoke observations by the status of their pair with one hub observation.

        Kept for the last hub: a visit asks for those in the window, then for those outside.
        """
        if self._pooled_for is None or self._pooled_for[0] != hub:
            hub_date, (low, high) = self.hub.records[hub].date, self.band
            found: dict[Truth, list[int]] = {Truth.DEFINITE: [], Truth.POSSIBLE: [], Truth.FALSE: []}
            for index, date in self.pool:
                found[truth_within(gap_range(hub_date, date), low, high)].append(index)
            self._pooled_for = (hub, found)
        return self._pooled_for[1]

    def in_window(self, hub: int) -> tuple[list[int], list[int]]:
        """Spoke observations that must (definite) and that only may (possible) fit one hub's window."""
        members, pooled = self.members, self._pooled(hub)
        sure, maybe = list(pooled[Truth.DEFINITE]), list(pooled[Truth.POSSIBLE])
        for p_start, p_end, d_start, d_end in zip(*self.ranges[:, :, hub].tolist(), strict=True):
            # the definite range lies inside the possible one (an empty one may be placed anywhere)
            low = min(max(d_start, p_start), p_end)
            high = min(max(d_end, low), p_end)
            sure += members[low:high]
            maybe += members[p_start:low]
            maybe += members[high:p_end]
        return sure, maybe

    def nearest_outside(self, hub: int, limit: int | None) -> list[int]:
        """Spoke observations just outside one hub's window: per segment, the `limit` nearest on each side.

        Within a segment the miss grows with the distance from the window, so
        these hold the nearest misses; observations tied with the last one kept
        (same date) are kept too, so confidence can break the tie.
        """
        members, keys = self.members, self.keys
        found = list(self._pooled(hub)[Truth.FALSE])  # all of them: they are few
        p_starts, p_ends = self.ranges[:2, :, hub].tolist()
        for (first, last), p_start, p_end in zip(self.bounds, p_starts, p_ends, strict=True):
            reach = (last - first) if limit is None else limit
            if p_start > first:
                start = bisect.bisect_left(keys, keys[max(first, p_start - reach)], first, last)
                found += members[start:p_start]
            if p_end < last:
                end = bisect.bisect_right(keys, keys[min(last, p_end + reach) - 1], first, last)
                found += members[p_end:end]
        return found

    def most_confident(self, indices: list[int], limit: int | None) -> list[int]:
        """The most confident of `indices` (ties: earlier first)."""
        if limit is None:
            return sorted(indices, key=self.side.rank.__getitem__)
        return heapq.nsmallest(limit, indices, key=self.side.rank.__getitem__)
