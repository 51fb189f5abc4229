"""`require` windows at their boundaries (SPEC §6, §13 "Windows").

Two observations, `a` (type a) and `b` (type b), each a single day unless
stated; gap = b − a in days, counted by hand with datetime in comments.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest

from iandw.dates import date_to_day
from iandw.engine.compile import WindowSpec
from iandw.engine.requirements import describe_gap
from worlds import checked, evaluate_indicators, observation, run, source

BASE = dt.date(2023, 10, 7)


def day(offset: int) -> str:
    return (BASE + dt.timedelta(days=offset)).isoformat()


def indicator(require: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "indicator",
        "id": "w",
        "title": "w",
        "select": {"a": {"type": "a"}, "b": {"type": "b"}},
        "require": require if isinstance(require, list) else [require],
        "likelihood_ratio": 2,
    }


def status(
    require: list[dict[str, Any]] | dict[str, Any],
    a_date: str,
    b_date: str,
    as_of: str = "2040-01-01",  # after every date used below
    a_fields: dict[str, Any] | None = None,
    b_fields: dict[str, Any] | None = None,
    extra: list[dict[str, Any]] = (),
) -> str:
    """The status of the single binding (a, b); 'unused' if an observation is not visible."""
    documents = [
        observation("a1", "a", a_date, [], [source("s", "A1")], **(a_fields or {})),
        observation("b1", "b", b_date, [], [source("t", "A1")], **(b_fields or {})),
        indicator(require),
        *extra,
    ]
    result = evaluate_indicators(checked(documents).case, date_to_day(dt.date.fromisoformat(as_of)))["w"]
    if not result.groups:
        return "unused"
    (group,) = result.groups.values()
    assert group.match_count + group.near_miss_count == 1
    return group.status


WITHIN_12W = {"first": "a", "then": "b", "within": "12w"}  # 12w = 84 days


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(0, "fired"), (1, "fired"), (84, "fired"), (85, "not-fired"), (-1, "not-fired"), (-84, "not-fired")],
)
def test_first_then_within(gap, expected):
    assert status(WITHIN_12W, day(0), day(gap)) == expected


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(6, "not-fired"), (7, "fired"), (10, "fired"), (14, "fired"), (15, "not-fired"), (0, "not-fired")],
)
def test_first_then_within_and_min(gap, expected):
    require = {"first": "a", "then": "b", "within": "2w", "min": "7d"}  # 7 ≤ gap ≤ 14
    assert status(require, day(0), day(gap)) == expected


@pytest.mark.parametrize(
    ("gap", "expected"), [(-1, "not-fired"), (0, "fired"), (1, "fired"), (3650, "fired")]
)
def test_first_then_without_within(gap, expected):
    assert status({"first": "a", "then": "b"}, day(0), day(gap)) == expected


@pytest.mark.parametrize(
    ("gap", "expected"), [(2, "not-fired"), (3, "fired"), (3650, "fired"), (-3, "not-fired")]
)
def test_first_then_min_without_within(gap, expected):
    assert status({"first": "a", "then": "b", "min": "3d"}, day(0), day(gap)) == expected


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (-6, "not-fired"),
        (-5, "fired"),
        (-1, "fired"),
        (0, "fired"),
        (5, "fired"),
        (6, "not-fired"),
    ],
)
@pytest.mark.parametrize("order", [["a", "b"], ["b", "a"]])
def test_between_within_either_order(order, gap, expected):
    assert status({"between": order, "within": "5d"}, day(0), day(gap)) == expected


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (-6, "not-fired"),
        (-5, "fired"),
        (-2, "fired"),
        (-1, "not-fired"),
        (0, "not-fired"),
        (1, "not-fired"),
        (2, "fired"),
        (5, "fired"),
        (6, "not-fired"),
    ],
)
@pytest.mark.parametrize("order", [["a", "b"], ["b", "a"]])
def test_between_with_min(order, gap, expected):
    # 2 ≤ |gap| ≤ 5
    assert status({"between": order, "within": "5d", "min": "2d"}, day(0), day(gap)) == expected


def test_between_with_min_and_no_within():
    require = {"between": ["a", "b"], "min": "1w"}  # 7 ≤ |gap|
    assert status(require, day(0), day(7)) == "fired"
    assert status(require, day(0), day(-7)) == "fired"
    assert status(require, day(0), day(-6)) == "not-fired"
    assert status(require, day(0), day(1000)) == "fired"


def test_every_require_must_hold():
    require = [{"first": "a", "then": "b", "within": "10d"}, {"first": "a", "then": "b", "min": "5d"}]
    assert status(require, day(0), day(4)) == "not-fired"
    assert status(require, day(0), day(5)) == "fired"
    assert status(require, day(0), day(10)) == "fired"
    assert status(require, day(0), day(11)) == "not-fired"


def test_as_of_as_then():
    require = {"first": "a", "then": "as_of", "within": "30d"}  # 0 ≤ as_of − a ≤ 30
    # a = 2023-10-01; 2023-10-31 − 2023-10-01 = 30 days
    assert status(require, "2023-10-01", "2023-09-01", as_of="2023-10-31") == "fired"
    assert status(require, "2023-10-01", "2023-09-01", as_of="2023-11-01") == "not-fired"  # 31
    assert status(require, "2023-10-01", "2023-09-01", as_of="2023-10-01") == "fired"  # 0


def test_a_window_on_the_evaluation_date_names_it_in_words() -> None:
    """'meeting 31 days before as of' read as a typo; the date is the as-of date."""
    window = WindowSpec("a", "as_of", 0, 30, absolute=False, text="")
    assert describe_gap(window, (31, 31)) == "a 31 days before the as-of date (wanted 0–30 days before)"
    window = WindowSpec("as_of", "b", 0, 56, absolute=False, text="")
    assert describe_gap(window, (-3, -3)) == "the as-of date 3 days after b (wanted 0–56 days before)"


def test_as_of_as_first_with_an_announced_future_event():
    require = {"first": "as_of", "then": "b", "within": "8w"}  # 0 ≤ b − as_of ≤ 56
    announced = {"reported": "2023-10-01"}
    # b = 2023-12-01, as_of 2023-10-15: 17 days left in October + 30 in November = 47 → inside
    assert status(require, "2023-09-01", "2023-12-01", as_of="2023-10-15", b_fields=announced) == "fired"
    # as_of 2023-10-05: 26 + 30 = 56 → the edge, inside
    assert status(require, "2023-09-01", "2023-11-30", as_of="2023-10-05", b_fields=announced) == "fired"
    # as_of 2023-10-04: 57 → outside
    assert status(require, "2023-09-01", "2023-11-30", as_of="2023-10-04", b_fields=announced) == "not-fired"


def test_as_of_in_between():
    require = {"between": ["as_of", "a"], "within": "3d"}
    assert status(require, "2023-10-05", "2023-01-01", as_of="2023-10-08") == "fired"  # |−3|
    assert status(require, "2023-10-04", "2023-01-01", as_of="2023-10-08") == "not-fired"  # |−4|


def test_window_check_trace():
    documents = [
        observation("a1", "a", "2023-09-01", [], [source("s", "A1")]),
        observation("b1", "b", "2023-10-07", [], [source("t", "A1")]),
        indicator(WITHIN_12W),
    ]
    (group,) = run(documents).indicators[0].groups
    (match,) = group.matches
    (check,) = match.checks
    assert check.status == "definite"
    # 2023-10-07 − 2023-09-01 = 29 + 7 = 36 days; window 0..84
    assert [int(n) for n in re.findall(r"\d+", check.detail)] == [36, 0, 84]
    assert match.observations == {"a": "a1", "b": "b1"}


def test_a_near_miss_is_reported_with_its_failed_check():
    documents = [
        observation("a1", "a", "2023-01-01", [], [source("s", "A1")]),
        observation("b1", "b", "2023-10-07", [], [source("t", "A1")]),
        indicator(WITHIN_12W),
    ]
    result = evaluate_indicators(checked(documents).case, date_to_day(dt.date(2030, 1, 1)))["w"]
    (group,) = result.groups.values()
    assert group.status == "not-fired"
    (miss,) = group.top_near_misses()
    assert [c.truth.name for c in miss.checks] == ["FALSE"]
    # 2023-10-07 − 2023-01-01 = 279 days (Jan..Sep = 273, +6)
    assert re.search(r"\b279\b", miss.checks[0].detail)
    # a not-fired group is not listed in the report
    assert run(documents).indicators[0].groups == []


def test_near_misses_are_ordered_closest_first():
    documents = [
        observation("a-far", "a", "2023-01-01", [], [source("s", "A1")]),  # gap 279: 195 outside
        observation("a-near", "a", "2023-07-10", [], [source("s", "A1")]),  # gap 89: 5 outside
        observation("a-after", "a", "2023-10-09", [], [source("s", "A1")]),  # gap −2: 2 outside
        observation("b1", "b", "2023-10-07", [], [source("t", "A1")]),
        indicator(WITHIN_12W),
    ]
    result = evaluate_indicators(checked(documents).case, date_to_day(dt.date(2030, 1, 1)))["w"]
    (group,) = result.groups.values()
    assert [b.observations["a"].id for b in group.top_near_misses()] == ["a-after", "a-near", "a-far"]


@pytest.mark.parametrize(("gap", "expected"), [(-1, "not-fired"), (0, "fired"), (1, "not-fired")])
def test_within_zero_days_means_the_same_day(gap, expected):
    assert status({"first": "a", "then": "b", "within": "0d"}, day(0), day(gap)) == expected


def test_near_misses_prefer_fewer_failed_checks_over_smaller_violation():
    require = [
        {"first": "a", "then": "b", "within": "10d"},  # 0 ≤ gap ≤ 10
        {"first": "a", "then": "b", "min": "5d"},  # 5 ≤ gap
        {"between": ["a", "b"], "within": "20d"},  # |gap| ≤ 20
    ]
    documents = [
        # gap −1: fails the first (by 1) and the second (by 6); meets the third
        observation("a-two-small", "a", day(1), [], [source("s", "A1")]),
        # gap 40: fails the first (by 30) and the third (by 20); meets the second
        observation("a-two-big", "a", day(-40), [], [source("s", "A1")]),
        # gap 30: fails only the first (by 20) and the third (by 10)
        observation("a-far", "a", day(-30), [], [source("s", "A1")]),
        # gap 3: fails only the second (by 2)
        observation("a-one", "a", day(-3), [], [source("s", "A1")]),
        observation("b1", "b", day(0), [], [source("t", "A1")]),
        indicator(require),
    ]
    result = evaluate_indicators(checked(documents).case, date_to_day(dt.date(2040, 1, 1)))["w"]
    (group,) = result.groups.values()
    order = [b.observations["a"].id for b in group.top_near_misses()]
    # a-one: 1 failed; a-two-small: 2 failed, violation 1 + 6 = 7;
    # a-far: 2 failed, 20 + 10 = 30; a-two-big: 2 failed, 30 + 20 = 50
    assert order == ["a-one", "a-two-small", "a-far", "a-two-big"]


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        ((5, 5), "meeting 5 days before attack"),
        ((0, 0), "meeting on the same day as attack"),  # not "0 days before"
        ((-7, -2), "meeting 2–7 days after attack"),
        ((-3, 6), "meeting and attack in either order (gap -3..6 days)"),
        ((-math.inf, 6), "meeting at most 6 days before attack, or any time after"),
        ((-1, math.inf), "meeting at most 1 day after attack, or any time before"),
        ((-math.inf, math.inf), "meeting and attack in either order (gap unbounded)"),
    ],
)
def test_a_gap_is_described_in_words_at_either_end(gap: tuple[float, float], expected: str) -> None:
    window = WindowSpec("meeting", "attack", 0, 84, absolute=False, text="")
    assert describe_gap(window, gap) == f"{expected} (wanted 0–84 days before)"


@pytest.mark.parametrize(
    ("low", "high", "absolute", "wanted"),
    [
        (0, 84, False, "wanted 0–84 days before"),
        (14, 84, False, "wanted 14–84 days before"),
        (7, math.inf, False, "wanted at least 7 days before"),
        (0, math.inf, False, "wanted the same day or any day before"),
        (3, 3, False, "wanted 3 days before"),
        (0, 28, True, "wanted at most 28 days apart"),
        (0, 1, True, "wanted at most 1 day apart"),
        (2, 2, True, "wanted 2 days apart"),
        (7, 28, True, "wanted 7–28 days apart"),
        (7, math.inf, True, "wanted at least 7 days apart"),
        (0, math.inf, True, "wanted in either order"),
    ],
)
def test_a_near_miss_says_which_way_the_window_runs(
    low: float, high: float, absolute: bool, wanted: str
) -> None:
    """The band alone ('window 0..84 days') left the reader to guess which came first."""
    window = WindowSpec("meeting", "attack", low, high, absolute=absolute, text="")
    assert describe_gap(window, (-30, -30)) == f"meeting 30 days after attack ({wanted})"


@pytest.mark.parametrize("digits", [16, 5000])  # 5,000: more than Python reads as a number
def test_a_window_longer_than_any_span_of_dates_is_no_bound(digits: int) -> None:
    """`within: 99…9w` holds every gap a date can make, as no `within` does; `min` none."""
    endless = "9" * digits + "w"
    for a_date, b_date in (("0001-01-01", "2039-12-31"), (day(0), day(1)), (day(1), day(0))):
        assert status({"first": "a", "then": "b", "within": endless}, a_date, b_date) == status(
            {"first": "a", "then": "b"}, a_date, b_date
        )
    assert status({"first": "a", "then": "b", "min": endless}, "0001-01-01", "2039-12-31") == "not-fired"
