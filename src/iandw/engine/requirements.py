"""`require` items checked three-valued over day intervals, and said in words.

A window bounds the gap between two dates (SPEC §6, §13); a `count` counts
distinct observations or origins over a group's bindings that meet every
window.  Each check carries how far outside its requirement a binding is,
for ordering near misses, and a detail written only if a report shows it.
Enumerated, band-joined and scanned groups all check through these.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

from iandw.dates import (
    DayInterval,
    Truth,
    abs_distance_outside,
    distance_outside,
    gap_range,
    truth_abs_within,
    truth_within,
)
from iandw.diagnostics import counted
from iandw.engine.assignments import Assignment
from iandw.engine.compile import CompiledIndicator, CountSpec, WindowSpec
from iandw.engine.results import Binding, CheckResult
from iandw.model.case import ObservationRecord
from iandw.model.documents import AS_OF


def checked_binding(
    compiled: CompiledIndicator,
    chosen: dict[str, ObservationRecord],
    variables: Assignment,
    as_of_interval: DayInterval,
) -> Binding:
    """A binding with every window checked; its truth is the weakest check's."""
    binding = Binding(chosen, variables)
    binding.checks = [check_window(window, binding, as_of_interval) for window in compiled.windows]
    binding.truth = min((check.truth for check in binding.checks), default=Truth.DEFINITE)
    return binding


def _interval(binding: Binding, name: str, as_of_interval: DayInterval) -> DayInterval:
    return as_of_interval if name == AS_OF else binding.observations[name].date


def check_window(window: WindowSpec, binding: Binding, as_of_interval: DayInterval) -> CheckResult:
    gap = gap_range(
        _interval(binding, window.first, as_of_interval), _interval(binding, window.then, as_of_interval)
    )
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


def _wanted(window: WindowSpec) -> str:
    """What the window asks, with its direction: 'wanted 0–84 days before', 'wanted at most 28 days apart'.

    The band alone ('0..84 days') left the reader to work out which of the
    two had to come first.
    """
    if window.low == 0 and math.isinf(window.high):
        return "wanted in either order" if window.absolute else "wanted the same day or any day before"
    if window.absolute and window.low == 0:
        band = f"at most {_days(window.high)}"
    else:
        band = _amount(window.low, window.high)
    return f"wanted {band} {'apart' if window.absolute else 'before'}"


def describe_gap(window: WindowSpec, gap: tuple[float, float]) -> str:
    """'meeting 205 days before attack (wanted 0–84 days before)'."""
    low, high = gap
    first = "the as-of date" if window.first == AS_OF else window.first
    then = "the as-of date" if window.then == AS_OF else window.then
    if low == high == 0:
        relation = f"{first} on the same day as {then}"
    elif low >= 0:
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
    return f"{relation} ({_wanted(window)})"


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
