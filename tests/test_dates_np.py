"""The array relations of `iandw.engine.dates_np` answer as `iandw.dates`' do, element by element."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from iandw import dates
from iandw.dates import DayInterval, Truth
from iandw.engine import dates_np

INF = math.inf

# Few distinct days, so that bounds often meet exactly; open ends as the parser makes them.
days = st.integers(min_value=-40, max_value=40).map(float)


@st.composite
def intervals(draw: st.DrawFn) -> DayInterval:
    lo = draw(st.one_of(days, st.just(-INF)))
    hi = draw(st.one_of(days.filter(lambda day: day >= lo), st.just(INF)))
    return DayInterval(lo, hi)


@st.composite
def bands(draw: st.DrawFn) -> tuple[float, float]:
    """[low, high] as windows and band joins give them: low may be -inf, high +inf."""
    low = draw(st.one_of(days, st.just(-INF)))
    high = draw(st.one_of(days.filter(lambda day: day >= low), st.just(INF)))
    return low, high


@st.composite
def windows(draw: st.DrawFn) -> tuple[float, float]:
    """[low, high] of an absolute window, as compiled: 0 ≤ low, high may be +inf."""
    low = draw(st.integers(min_value=0, max_value=40).map(float))
    high = draw(st.one_of(st.integers(min_value=int(low), max_value=40).map(float), st.just(INF)))
    return low, high


pairs = st.lists(st.tuples(intervals(), intervals()), min_size=1, max_size=30)


def arrays(pairs: list[tuple[DayInterval, DayInterval]]) -> tuple[np.ndarray, np.ndarray]:
    """The vectorised gaps of `pairs`, computed with numpy raising on any invalid value."""
    firsts, thens = zip(*pairs, strict=True)
    with np.errstate(all="raise"):
        return dates_np.gap_range(
            (np.array([i.lo for i in firsts]), np.array([i.hi for i in firsts])),
            (np.array([i.lo for i in thens]), np.array([i.hi for i in thens])),
        )


@settings(max_examples=300, deadline=None)
@given(pairs, bands())
def test_relations_agree_with_the_scalar_ones(
    pairs: list[tuple[DayInterval, DayInterval]], band: tuple[float, float]
) -> None:
    low, high = band
    gaps = [dates.gap_range(first, then) for first, then in pairs]
    gap = arrays(pairs)
    with np.errstate(all="raise"):
        truth = dates_np.truth_within(gap, low, high)
        distance = dates_np.distance_outside(gap, low, high)
        may, must = dates_np.may_be_within(gap, low, high), dates_np.must_be_within(gap, low, high)
    expected = [dates.truth_within(one, low, high) for one in gaps]
    assert list(zip(*(side.tolist() for side in gap), strict=True)) == gaps
    assert truth.dtype == np.int8
    assert truth.tolist() == expected
    assert may.tolist() == [t != Truth.FALSE for t in expected]
    assert must.tolist() == [t == Truth.DEFINITE for t in expected]
    assert distance.tolist() == [dates.distance_outside(one, low, high) for one in gaps]


@settings(max_examples=300, deadline=None)
@given(pairs, windows())
def test_absolute_relations_agree_with_the_scalar_ones(
    pairs: list[tuple[DayInterval, DayInterval]], window: tuple[float, float]
) -> None:
    low, high = window
    gaps = [dates.gap_range(first, then) for first, then in pairs]
    gap = arrays(pairs)
    with np.errstate(all="raise"):
        truth = dates_np.truth_abs_within(gap, low, high)
        distance = dates_np.abs_distance_outside(gap, low, high)
    assert truth.tolist() == [dates.truth_abs_within(one, low, high) for one in gaps]
    assert distance.tolist() == [dates.abs_distance_outside(one, low, high) for one in gaps]


def test_a_gap_of_scalars_is_an_array() -> None:
    """Two dates both outside a scan's arrays still make arrays, which the checks index."""
    gap = dates_np.gap_range((3.0, 5.0), (10.0, INF))
    assert [side.tolist() for side in gap] == [5.0, INF]
    assert dates_np.truth_within(gap, 0.0, 10.0).tolist() == int(Truth.POSSIBLE)
