"""Uncertain dates: intervals, qualifiers, open ends, three-valued windows, no hindsight.

SPEC §3, §9 (as_of), §13 "Dates".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from iandw.dates import date_to_day, parse_date
from worlds import checked, evaluate_indicators, observation, run, source

INF = float("inf")


def d(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


@pytest.mark.parametrize(
    ("text", "pad", "lo", "hi"),
    [
        ("2023", 1, "2023-01-01", "2023-12-31"),
        ("2023-09", 1, "2023-09-01", "2023-09-30"),
        ("2024-02", 1, "2024-02-01", "2024-02-29"),
        ("2023-09-18", 1, "2023-09-18", "2023-09-18"),
        ("2023-09-18/2023-09-21", 1, "2023-09-18", "2023-09-21"),
        ("2023-09/2023-10-05", 1, "2023-09-01", "2023-10-05"),
        # qualifiers widen by one unit of the finest precision on each side
        ("2023-10~", 1, "2023-09-01", "2023-11-30"),
        ("2023-10?", 1, "2023-09-01", "2023-11-30"),
        ("2023-10%", 1, "2023-09-01", "2023-11-30"),
        ("2023-10-07?", 1, "2023-10-06", "2023-10-08"),
        ("2023-10-07~", 1, "2023-10-06", "2023-10-08"),
        ("2023-10-07%", 1, "2023-10-06", "2023-10-08"),
        ("2023-01-01~", 1, "2022-12-31", "2023-01-02"),
        ("2023~", 1, "2022-01-01", "2024-12-31"),
        # the pad is configurable
        ("2023-10~", 2, "2023-08-01", "2023-12-31"),
        ("2023-10-07?", 3, "2023-10-04", "2023-10-10"),
        ("2023-10-07?", 0, "2023-10-07", "2023-10-07"),
        ("2023-10", 2, "2023-10-01", "2023-10-31"),  # no qualifier: no pad
        # unspecified digits
        ("2023-XX", 1, "2023-01-01", "2023-12-31"),
        ("202X", 1, "2020-01-01", "2029-12-31"),
    ],
)
def test_parse_date_bounds(text, pad, lo, hi):
    interval = parse_date(text, pad)
    assert (interval.lo, interval.hi) == (d(lo), d(hi))


def test_open_ends_are_unbounded():
    interval = parse_date("../2023-10-06")
    assert (interval.lo, interval.hi) == (-INF, d("2023-10-06"))
    interval = parse_date("2021/..")
    assert (interval.lo, interval.hi) == (d("2021-01-01"), INF)


# --- three-valued windows over uncertain dates ------------------------------------


def indicator(require: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "indicator",
        "id": "w",
        "title": "w",
        "select": {"meeting": {"type": "meeting"}, "attack": {"type": "attack"}},
        "require": [require],
        "likelihood_ratio": 2,
    }


def status(
    require: dict[str, Any],
    meeting_date: str,
    attack_date: str = "2023-10-07",
    as_of: str = "2030-01-01",
    meeting_fields: dict[str, Any] | None = None,
    extra: list[dict[str, Any]] = (),
) -> str:
    documents = [
        observation("m1", "meeting", meeting_date, [], [source("s", "A1")], **(meeting_fields or {})),
        observation("a1", "attack", attack_date, [], [source("t", "A1")]),
        indicator(require),
        *extra,
    ]
    case = checked(documents).case
    result = evaluate_indicators(case, date_to_day(dt.date.fromisoformat(as_of)))["w"]
    if not result.groups:
        return "unused"
    (group,) = result.groups.values()
    return group.status


@pytest.mark.parametrize(
    ("within", "expected"),
    [
        # gap = 2023-10-07 − [2023-09-01, 2023-09-30] = 7 .. 36 days
        ("5w", "possible"),  # 0..35: 36 is outside, 7..35 inside
        ("6w", "fired"),  # 0..42 holds every day
        ("36d", "fired"),  # 0..36: the edge
        ("1w", "possible"),  # 0..7: only the last day of September
        ("6d", "not-fired"),  # 0..6: no day of September
    ],
)
def test_month_precision_meeting(within, expected):
    assert status({"first": "meeting", "then": "attack", "within": within}, "2023-09") == expected


def test_month_precision_with_min():
    # gap 7..36; min 5w = 35 ≤ gap ≤ 84: only 2023-09-01 and 09-02 (gaps 36, 35)
    require = {"first": "meeting", "then": "attack", "within": "12w", "min": "5w"}
    assert status(require, "2023-09") == "possible"
    # min 37d: no day qualifies
    require = {"first": "meeting", "then": "attack", "within": "12w", "min": "37d"}
    assert status(require, "2023-09") == "not-fired"
    # min 7d: every day qualifies
    require = {"first": "meeting", "then": "attack", "within": "12w", "min": "7d"}
    assert status(require, "2023-09") == "fired"


def test_possible_trace_shows_the_gap_range_and_the_window():
    documents = [
        observation("m1", "meeting", "2023-09", [], [source("s", "A1")]),
        observation("a1", "attack", "2023-10-07", [], [source("t", "A1")]),
        indicator({"first": "meeting", "then": "attack", "within": "5w"}),
    ]
    (group,) = run(documents).indicators[0].groups
    assert group.status == "possible"
    (match,) = group.matches
    assert match.status == "possible"
    (check,) = match.checks
    assert check.status == "possible"
    # gap 7..36 days, window 0..35 (the wording is free; the numbers are not)
    assert [int(n) for n in re.findall(r"\d+", check.detail)] == [7, 36, 0, 35]


def test_a_definite_binding_beats_a_possible_one():
    extra = [observation("m2", "meeting", "2023-09-20", [], [source("u", "A1")])]
    # m1 (2023-09) possible, m2 gap 17 definite → the group fired
    assert status({"first": "meeting", "then": "attack", "within": "5w"}, "2023-09", extra=extra) == "fired"


def test_day_qualifiers_in_a_window():
    require3 = {"first": "meeting", "then": "attack", "within": "3d"}
    require4 = {"first": "meeting", "then": "attack", "within": "4d"}
    # meeting 2023-10-07~ → 10-06..10-08; attack 10-10 → gap 2..4
    assert status(require3, "2023-10-07~", "2023-10-10") == "possible"
    assert status(require4, "2023-10-07~", "2023-10-10") == "fired"
    assert status(require4, "2023-10-07?", "2023-10-10") == "fired"
    # unqualified: gap 3
    assert status(require3, "2023-10-07", "2023-10-10") == "fired"


def test_month_qualifier_in_a_window():
    # 2023-09~ → 2023-08-01..2023-10-31; gap = 10-07 − that = −24 .. 67
    require = {"first": "meeting", "then": "attack"}
    assert status(require, "2023-09~") == "possible"
    assert status(require, "2023-09") == "fired"  # 7..36, all ≥ 0
    require = {"first": "meeting", "then": "attack", "within": "10w"}  # 0..70
    assert status(require, "2023-09~") == "possible"


@pytest.mark.parametrize(
    ("pad", "within", "expected"),
    [
        # pad 0: 2023-10-07~ is 10-07, gap 3
        (0, "3d", "fired"),
        # pad 1 (default): 10-06..10-08, gap 2..4
        (1, "3d", "possible"),
        (1, "4d", "fired"),
        # pad 2: 10-05..10-09, gap 1..5
        (2, "4d", "possible"),
        (2, "5d", "fired"),
    ],
)
def test_qualifier_pad_from_the_scoring_document(pad, within, expected):
    scoring = {"kind": "scoring", "qualifier_pad": pad}
    require = {"first": "meeting", "then": "attack", "within": within}
    assert status(require, "2023-10-07~", "2023-10-10", extra=[scoring]) == expected


def test_multi_day_intervals_on_both_sides_with_between():
    # gap = [09-20 − 09-21, 09-25 − 09-18] = −1 .. 7
    args = ("2023-09-18/2023-09-21", "2023-09-20/2023-09-25")
    assert status({"between": ["meeting", "attack"], "within": "2d"}, *args) == "possible"
    assert status({"between": ["meeting", "attack"], "within": "7d"}, *args) == "fired"
    assert status({"between": ["attack", "meeting"], "within": "7d"}, *args) == "fired"
    assert status({"first": "meeting", "then": "attack", "within": "7d"}, *args) == "possible"  # −1
    # 2 ≤ |gap|: gaps −1, 0, 1 fail, 2..7 hold
    assert status({"between": ["meeting", "attack"], "min": "2d"}, *args) == "possible"
    # 8 ≤ |gap|: none of −1..7
    assert status({"between": ["meeting", "attack"], "min": "8d"}, *args) == "not-fired"


def test_open_start_before_an_attack():
    # ../2023-10-06 has a bounded upper end (its default report), so it is used
    # gap = 2023-10-07 − (−∞ .. 2023-10-06) = 1 .. +∞
    assert status({"first": "meeting", "then": "attack", "within": "12w"}, "../2023-10-06") == "possible"
    assert status({"first": "meeting", "then": "attack"}, "../2023-10-06") == "fired"
    assert status({"first": "attack", "then": "meeting"}, "../2023-10-06") == "not-fired"


def test_open_ended_date_without_report_is_never_used():
    assert status({"first": "meeting", "then": "attack"}, "2021/..", as_of="9999-12-31") == "unused"
    reported = {"reported": "2021-06-01"}
    # with a report it is used: gap = 2023-10-07 − [2021-01-01, +∞) → possible
    assert status({"first": "meeting", "then": "attack"}, "2021/..", meeting_fields=reported) == "possible"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2023-10-09", "unused"), ("2023-10-10", "fired"), ("2023-10-11", "fired")],
)
def test_a_report_after_as_of_is_not_used(as_of, expected):
    # the attack is 2023-10-07; the meeting (2023-10-01) was only reported on 2023-10-10
    require = {"first": "meeting", "then": "attack", "within": "1w"}
    fields = {"reported": "2023-10-10"}
    assert status(require, "2023-10-01", as_of=as_of, meeting_fields=fields) == expected


@pytest.mark.parametrize(("as_of", "expected"), [("2023-10-30", "unused"), ("2023-10-31", "possible")])
def test_the_default_report_is_the_date_upper_bound(as_of, expected):
    # meeting 2023-10 is known only by 2023-10-31; attack 2023-10-07: gap −24 .. 6
    require = {"first": "meeting", "then": "attack", "within": "1w"}
    assert status(require, "2023-10", as_of=as_of) == expected


def test_a_month_report_counts_from_its_last_day():
    require = {"first": "meeting", "then": "attack", "within": "1w"}
    fields = {"reported": "2023-10"}
    assert status(require, "2023-10-01", as_of="2023-10-30", meeting_fields=fields) == "unused"
    assert status(require, "2023-10-01", as_of="2023-10-31", meeting_fields=fields) == "fired"


def test_a_late_report_changes_nothing_in_the_report():
    documents = [
        observation("m1", "meeting", "2023-10-01", [], [source("s", "A1")], reported="2023-10-10"),
        observation("a1", "attack", "2023-10-07", [], [source("t", "A1")]),
        indicator({"first": "meeting", "then": "attack", "within": "1w"}),
        {"kind": "hypothesis", "id": "h", "statement": "s", "prior": 0.3},
    ]
    before = run(documents, as_of="2023-10-09")
    assert before.indicators[0].groups == []
    assert before.hypotheses[0].posterior == pytest.approx(0.3, abs=1e-12)
    after = run(documents, as_of="2023-10-10")
    assert [g.status for g in after.indicators[0].groups] == ["fired"]


def test_an_announced_event_is_not_clipped_by_its_report():
    # reported 2023-10-01 about an event on 2023-11-01; as_of 2023-10-15
    documents = [
        observation("m1", "meeting", "2023-11-01", [], [source("s", "A1")], reported="2023-10-01"),
        observation("a1", "attack", "2023-10-07", [], [source("t", "A1")]),
        indicator({"first": "attack", "then": "meeting", "within": "25d"}),  # gap 25
    ]
    result = evaluate_indicators(checked(documents).case, d("2023-10-15"))["w"]
    assert [g.status for g in result.groups.values()] == ["fired"]


def test_unknown_ends_are_unbounded():
    interval = parse_date("/2023-10-06")
    assert (interval.lo, interval.hi) == (-INF, d("2023-10-06"))
    interval = parse_date("2021/")
    assert (interval.lo, interval.hi) == (d("2021-01-01"), INF)


def test_unknown_end_without_report_is_never_used():
    assert status({"first": "meeting", "then": "attack"}, "2021/", as_of="9999-12-31") == "unused"


def test_a_qualified_interval_end_is_padded():
    # 2023-09~/2023-10-06 → 2023-08-01 .. 2023-10-06
    interval = parse_date("2023-09~/2023-10-06")
    assert (interval.lo, interval.hi) == (d("2023-08-01"), d("2023-10-06"))
    # 2023-10-07/2023-10-09~ → 2023-10-07 .. 2023-10-10
    interval = parse_date("2023-10-07/2023-10-09~")
    assert (interval.lo, interval.hi) == (d("2023-10-07"), d("2023-10-10"))
