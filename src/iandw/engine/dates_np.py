"""The three-valued relations of `iandw.dates`, element by element over arrays of intervals (numpy).

Each function is its namesake in `iandw.dates` applied to every element at
once, for the large groups `bandjoin` and `scan` check without enumerating
them (tests/test_dates_np.py holds each to its namesake).  An interval is a
pair of arrays (or floats) of its lows and highs; a gap, the pair
`gap_range` returns.  numpy is imported inside each function, as in the
modules that call these, so that a small case never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iandw.dates import Truth

if TYPE_CHECKING:
    import numpy as np

    Days = np.ndarray | float  # per element, an ordinal day or ±inf


def gap_range(first: tuple[Days, Days], then: tuple[Days, Days]) -> tuple[np.ndarray, np.ndarray]:
    """All possible values of then − first, in days."""
    import numpy as np

    first_lo, first_hi = first
    then_lo, then_hi = then
    return np.asarray(then_lo - first_hi), np.asarray(then_hi - first_lo)


def may_be_within(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """Whether some possible gap lies in [low, high]: `truth_within` is not FALSE."""
    g_lo, g_hi = gap
    return (g_hi >= low) & (g_lo <= high)


def must_be_within(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """Whether every possible gap lies in [low, high]: `truth_within` is DEFINITE."""
    g_lo, g_hi = gap
    return (g_lo >= low) & (g_hi <= high)


def truth_within(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """Whether low ≤ gap ≤ high for every (DEFINITE), some or no possible gap, as int8 `Truth`s."""
    import numpy as np

    definite = np.where(must_be_within(gap, low, high), int(Truth.DEFINITE), int(Truth.POSSIBLE))
    return np.where(may_be_within(gap, low, high), definite, int(Truth.FALSE)).astype(np.int8)


def truth_abs_within(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """Whether low ≤ |gap| ≤ high, three-valued."""
    import numpy as np

    if low <= 0:
        return truth_within(gap, -high, high)
    return np.maximum(truth_within(gap, -high, -low), truth_within(gap, low, high))


def distance_outside(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    """How many days the nearest possible gap lies outside [low, high]; 0 when inside.

    A gap's low end is never +inf nor its high end -inf, and `low` is never
    +inf nor `high` -inf, so no difference here is inf − inf.
    """
    import numpy as np

    g_lo, g_hi = gap
    return np.maximum(np.maximum(0.0, low - g_hi), g_lo - high)


def abs_distance_outside(gap: tuple[np.ndarray, np.ndarray], low: float, high: float) -> np.ndarray:
    import numpy as np

    if low <= 0:
        return distance_outside(gap, -high, high)
    return np.minimum(distance_outside(gap, -high, -low), distance_outside(gap, low, high))
