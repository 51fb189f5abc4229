"""EDTF to day intervals: the fast path for common forms agrees with `edtf`."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from iandw import dates
from iandw.dates import (
    DateCache,
    DateError,
    DayInterval,
    _edtf_interval,
    _parse,
    parse_date,
    parse_day,
)


def day(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


def both(text: str, pad: int) -> tuple[object, object]:
    """The fast path's and the edtf package's answers (or 'error')."""
    try:
        fast: object = _parse(text, pad)
    except DateError:
        fast = "error"
    try:
        reference: object = _edtf_interval(text, pad)
    except DateError:
        reference = "error"
    return fast, reference


years = st.integers(min_value=1, max_value=9999).map(lambda y: f"{y:04d}")
months = st.integers(min_value=0, max_value=14).map(lambda m: f"{m:02d}")
days = st.integers(min_value=0, max_value=32).map(lambda d: f"{d:02d}")
qualifiers = st.sampled_from(["", "", "?", "~", "%"])


@st.composite
def single_dates(draw: st.DrawFn) -> str:
    text = draw(years)
    if draw(st.booleans()):
        text += "-" + draw(months)
        if draw(st.booleans()):
            text += "-" + draw(days)
    return text + draw(qualifiers)


ends = st.one_of(single_dates(), st.just(".."), st.just(""))
date_texts = st.one_of(single_dates(), st.tuples(ends, ends).map("/".join))


@settings(max_examples=500, deadline=None)
@given(date_texts, st.integers(min_value=0, max_value=2))
@example("2023-10-05~/2023-10-04", 1)
@example("9999-12~", 1)
@example("2023-02-29", 1)
@example("/2023-10", 1)
@example("٢٠٢٣-٠٩-٠١", 1)  # 2023-09-01 in Arabic-Indic digits
def test_fast_path_agrees_with_edtf(text: str, pad: int) -> None:
    fast, reference = both(text, pad)
    assert fast == reference


plain_dates = st.builds(
    lambda year, month, day: (
        f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")
    ),
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=0, max_value=28),
)
set_elements = st.one_of(plain_dates, st.tuples(plain_dates, plain_dates).map("..".join))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["[]", "{}"]),
    st.lists(set_elements, min_size=2, max_size=4),
    st.sampled_from([",", ", "]),
)
def test_sets_of_plain_dates_agree_with_edtf(brackets: str, elements: list[str], comma: str) -> None:
    text = brackets[0] + comma.join(elements) + brackets[1]
    fast, reference = both(text, 1)
    ranges = [element.split("..") for element in elements if ".." in element]
    reversed_range = any(parse_date(first).lo > parse_date(last).hi for first, last in ranges)
    mixed_precision = any(len(first) != len(last) for first, last in ranges)
    if reversed_range:  # an error here; edtf takes a set's earliest and latest days whatever their order
        assert fast == "error"
    elif mixed_precision:  # edtf refuses `[2023-01..2023-03-05]`; here it is a range like any other
        assert isinstance(fast, DayInterval)
    else:
        assert fast == reference


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("[2023-03, 2023-01-05]", "2023-01-05", "2023-03-31"),
        ("{2023-01-01,2023-02-10..2023-02-12}", "2023-01-01", "2023-02-12"),
        ("[2023-01..2023-03-05]", "2023-01-01", "2023-03-05"),  # a range of mixed precision
        ("[2023-06-01]", "2023-06-01", "2023-06-01"),  # one element
        ("[2023-01~, 2023-03-05]", "2022-12-01", "2023-03-05"),  # a qualified element is padded
    ],
)
def test_sets_by_hand(text: str, lo: str, hi: str) -> None:
    assert parse_date(text) == DayInterval(day(lo), day(hi))


def test_a_set_with_an_open_first_or_last_element_is_unbounded_there() -> None:
    assert parse_date("[..2023-01-01, 2023-03-05]") == DayInterval(float("-inf"), day("2023-03-05"))
    assert parse_date("[2023-01-01, 2023-03-05..]") == DayInterval(day("2023-01-01"), float("inf"))


def test_a_long_set_of_plain_dates_is_read_without_edtf(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, pad: int) -> DayInterval:
        raise AssertionError("edtf was asked")

    monkeypatch.setattr(dates, "_edtf_interval", refuse)
    text = "[" + ", ".join([f"2023-01-{d:02d}" for d in range(1, 29)] * 100) + "]"
    assert parse_date(text) == DayInterval(day("2023-01-01"), day("2023-01-28"))


def test_a_long_date_for_edtf_is_refused_before_edtf_parses_it() -> None:
    text = "Y1" + "0" * 199  # a year of 200 digits: a form only edtf reads
    with pytest.raises(DateError, match=rf"is too long: {len(text)} characters; .* at most 100$"):
        parse_date(text)


def test_a_long_set_names_its_first_element_that_is_not_plain() -> None:
    text = "[" + ", ".join(["2023-01-01"] * 20) + ", 2023-21, 2023-XX]"  # a season, unspecified digits
    with pytest.raises(DateError, match=r"its element '2023-21' is not a plain date or range, which a set"):
        parse_date(text)


def test_a_long_year_is_refused_without_computing_it() -> None:
    # edtf computes 10**100000000 for this one before any check: it would not return
    with pytest.raises(DateError, match=r"^unsupported date 'Y1E100000000': a long year, outside the years"):
        parse_date("Y1E100000000")
    with pytest.raises(DateError, match="a long year"):
        parse_date("[2023, Y17000]")


def test_a_short_set_reads_its_other_forms_element_by_element() -> None:
    # unspecified digits and seasons in a set: each element bounded as it would be alone
    assert parse_date("[2023-XX]") == DayInterval(day("2023-01-01"), day("2023-12-31"))
    assert parse_date("[2023-05, 2023-24]") == DayInterval(day("2023-05-01"), day("2024-02-29"))
    assert parse_date("{2022-21..2022-22}") == DayInterval(day("2022-03-01"), day("2022-08-31"))
    assert parse_date("[202X~]") == DayInterval(day("2019-01-01"), day("2030-12-31"))


def test_a_long_element_is_quoted_short() -> None:
    element = "2023-21" + "X" * 1000
    with pytest.raises(DateError) as raised:
        parse_date("[" + ", ".join(["2023-01-01"] * 20) + ", " + element + "]")
    assert len(str(raised.value)) < 250


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("2023", "2023-01-01", "2023-12-31"),
        ("2023-09", "2023-09-01", "2023-09-30"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2023-09-18/2023-09-21", "2023-09-18", "2023-09-21"),
        ("2023-10~", "2023-09-01", "2023-11-30"),
        ("2023-10-07?", "2023-10-06", "2023-10-08"),
        ("2023-10%", "2023-09-01", "2023-11-30"),
        ("2023~", "2022-01-01", "2024-12-31"),
        ("2023-XX", "2023-01-01", "2023-12-31"),
        ("202X", "2020-01-01", "2029-12-31"),
        ("2023-09~/2023-10", "2023-08-01", "2023-10-31"),
        # winter, northern winter and southern summer run into February of the next year
        ("2023-24", "2023-12-01", "2024-02-29"),
        ("2023-28", "2023-12-01", "2024-02-29"),
        ("2023-30", "2023-12-01", "2024-02-29"),
        ("2022-24", "2022-12-01", "2023-02-28"),
        ("2023-21", "2023-03-01", "2023-05-31"),  # spring
        ("2023-32", "2023-06-01", "2023-08-31"),  # southern winter
        ("2023-33", "2023-01-01", "2023-03-31"),  # first quarter
        ("2023-41", "2023-07-01", "2023-12-31"),  # second semester
        # significant digits: the years sharing the first S digits
        ("1950S2", "1900-01-01", "1999-12-31"),
        ("1950S3", "1950-01-01", "1959-12-31"),
        ("1950S4", "1950-01-01", "1950-12-31"),
        ("1950S2~", "1899-01-01", "2000-12-31"),  # approximately: a year more each side
    ],
)
def test_bounds_by_hand(text: str, lo: str, hi: str) -> None:
    assert parse_date(text) == DayInterval(day(lo), day(hi))


def test_open_and_unknown_ends_are_unbounded() -> None:
    assert parse_date("../2023-10-06") == DayInterval(float("-inf"), day("2023-10-06"))
    assert parse_date("2021/..") == DayInterval(day("2021-01-01"), float("inf"))
    assert parse_date("/2023-10") == DayInterval(float("-inf"), day("2023-10-31"))


def test_a_qualified_date_with_unspecified_digits_pads_by_the_unit_of_the_last_of_them() -> None:
    # 202X is 2020..2029; approximately so: a year more on each side (as `2023~`), not a day
    assert parse_date("202X~") == DayInterval(day("2019-01-01"), day("2030-12-31"))
    assert parse_date("20XX?") == DayInterval(day("1999-01-01"), day("2100-12-31"))
    assert parse_date("2023-XX~") == DayInterval(day("2022-12-01"), day("2024-01-31"))


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        # the month in doubt: day 16 of a month from August to October (by hand: one month each side)
        ("2023-?09-16", "2023-08-16", "2023-10-16"),
        # the year in doubt, written before or after it: 16 September of 2022, 2023 or 2024
        ("?2023-09-16", "2022-09-16", "2024-09-16"),
        ("2023?-09-16", "2022-09-16", "2024-09-16"),
        # year and month in doubt (a qualifier after the month reaches back to the year)
        ("2023-09~-16", "2022-09-16", "2024-09-16"),
        # a month whose year is in doubt: September of 2022 to 2024, to its last day
        ("2023~-09", "2022-09-01", "2024-09-30"),
        # ... to the last day of its month in the year it ends in: 2024 is a leap year
        ("2023~-02", "2022-02-01", "2024-02-29"),
        # the day alone in doubt: a day each side, as a qualifier on the whole day
        ("2023-09-?16", "2023-09-15", "2023-09-17"),
        ("2023-%09", "2023-08-01", "2023-10-31"),
    ],
)
def test_a_qualifier_on_one_part_pads_by_that_part(text: str, lo: str, hi: str) -> None:
    """`2023-?09-16` was padded by a day, as if the day were in doubt: a meeting whose month was
    uncertain read as definitely 3-5 days before an attack."""
    assert parse_date(text) == DayInterval(day(lo), day(hi))


def test_qualifier_pad_is_configurable() -> None:
    assert parse_date("2023-10-07?", pad=3) == DayInterval(day("2023-10-04"), day("2023-10-10"))
    assert parse_date("2023-10-07?", pad=0) == DayInterval(day("2023-10-07"), day("2023-10-07"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-02-30", "does not exist"),
        ("2023-10-06/2023-10-01", "reversed interval"),
        ("2023-10-05~/2023-10-04", "reversed interval"),
        ("next tuesday", "invalid EDTF date"),
        ("٢٠٢٣-٠٩-٠١", "invalid EDTF date"),  # EDTF digits are ASCII
        ("２０２３/2024", "invalid EDTF date"),  # fullwidth digits
        ("", "empty date"),
        ("[2023-01-05..2023-01-01]", "reversed interval '2023-01-05..2023-01-01'"),
        ("[2023-02-30, 2023]", "day 30 does not exist"),
        ("[..]", "invalid EDTF date"),
        ("[2023, ..2024]", "invalid EDTF date"),  # only the first element may be open at its start
        ("[2023\xa0,2024]", "invalid EDTF date"),  # EDTF spaces are ASCII
        # the edtf package fails inside on this one: its error is not shown as if it were the user's
        ("2023-10-XX/2023-XX", r"^invalid EDTF date '2023-10-XX/2023-XX': the edtf package cannot read it$"),
    ],
)
def test_invalid_dates(text: str, message: str) -> None:
    with pytest.raises(DateError, match=message):
        parse_date(text)


HOW_DATES_ARE_WRITTEN = (
    "; write a day 2023-09-18, a month 2023-09, a year 2023, an interval 2023-09-18/2023-09-21 "
    "or an open one ../2023-10-06"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Sept 2023", "invalid EDTF date 'Sept 2023'" + HOW_DATES_ARE_WRITTEN),
        ("2023-9-1", "invalid EDTF date '2023-9-1'" + HOW_DATES_ARE_WRITTEN),
        ("2023-13-01", "invalid EDTF date '2023-13-01': there is no month 13 (months are 01-12)"),
        ("2023-21-05", "invalid EDTF date '2023-21-05': there is no month 21 (months are 01-12)"),
        (
            "2023-00",
            "invalid EDTF date '2023-00': there is no month 00 (months are 01-12; 21-41 are seasons, "
            "quarters and halves)",
        ),
        (
            "2023-09-01..2023-09-05",
            "invalid EDTF date '2023-09-01..2023-09-05': an interval is written with '/' "
            "(2023-09-18/2023-09-21); '..' joins a range inside a set",
        ),
    ],
)
def test_an_unreadable_date_says_how_dates_are_written(text: str, message: str) -> None:
    """'invalid EDTF date' alone tells a newcomer nothing: the message shows the forms."""
    with pytest.raises(DateError) as raised:
        parse_date(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "ordinal"),
    [
        ("2023-10-06", 738799),  # 2022 * 365 + 490 leap days (years 1-2022) + 273 (January-September) + 6
        (" 2024-02-29 ", 738945),  # 2023-10-06 + 25 (rest of October) + 30 + 31 + 31 (to January's end) + 29
        ("2023-10-06/2023-10-06", 738799),  # an interval of one day is that day
    ],
)
def test_an_evaluation_date_is_one_day(text: str, ordinal: int) -> None:
    assert parse_day(text) == ordinal == day(text.strip().partition("/")[0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # ISO 8601's basic format: the day it is, written as iandw reads it; never a month or an interval
        ("20231006", "'20231006' is not a day: write YYYY-MM-DD, here 2023-10-06"),
        ("20231306", "'20231306' is not a day: write YYYY-MM-DD, such as 2023-10-06"),  # no month 13
        ("Sept 2023", "'Sept 2023' is not a day: write YYYY-MM-DD, such as 2023-10-06"),
        ("2023/10/06", "'2023/10/06' is not a day: write YYYY-MM-DD, such as 2023-10-06"),
        ("", "'' is not a day: write YYYY-MM-DD, such as 2023-10-06"),
        # valid dates, but more than one day
        ("2023-10", "'2023-10' is not a single day (write YYYY-MM-DD)"),
        ("2023-10-06~", "'2023-10-06~' is not a single day (write YYYY-MM-DD)"),
        ("2023-10-06/2023-10-07", "'2023-10-06/2023-10-07' is not a single day (write YYYY-MM-DD)"),
        # in the form of a day: what is wrong with it, with no other form suggested
        ("2023-02-30", "invalid date '2023-02-30': day 30 does not exist in 2023-02"),
        ("2023-13-01", "invalid EDTF date '2023-13-01': there is no month 13 (months are 01-12)"),
    ],
)
def test_an_evaluation_date_that_is_not_one_day_suggests_only_a_day(text: str, message: str) -> None:
    """--as-of and a rule test's as_of take one day: a month or an interval suggested would be refused."""
    with pytest.raises(DateError) as raised:
        parse_day(text)
    assert str(raised.value) == message


def test_a_date_cache_parses_as_parse_date_and_remembers_only_valid_dates() -> None:
    cache = DateCache(pad=3)
    assert cache["2023-10-07?"] == DayInterval(day("2023-10-04"), day("2023-10-10"))  # padded by 3
    assert cache["2023-10-07?"] == DayInterval(day("2023-10-04"), day("2023-10-10"))  # remembered
    with pytest.raises(DateError, match="does not exist"):
        cache["2023-02-30"]
    assert list(cache) == ["2023-10-07?"]


def test_a_date_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "DATE_CACHE_SIZE", 2)
    cache = DateCache()
    for day in range(1, 6):
        assert cache[f"2023-01-0{day}"] == parse_date(f"2023-01-0{day}")
    assert len(cache) == 2


def test_a_bad_date_repeated_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file can repeat one invalid date a million times: each `edtf` parse costs up to 0.1 s."""
    calls: list[str] = []
    real = dates._edtf_interval

    def counting(text: str, pad: int) -> DayInterval:
        calls.append(text)
        return real(text, pad)

    monkeypatch.setattr(dates, "_edtf_interval", counting)
    bad = "2023-10-07T99:99 repeated"
    messages = set()
    for _ in range(3):
        with pytest.raises(DateError) as raised:
            parse_date(bad)
        messages.add(str(raised.value))
    assert calls == [bad]
    assert messages == {f"invalid EDTF date {bad!r}{HOW_DATES_ARE_WRITTEN}"}


def test_the_garbage_of_edtf_parses_is_collected_every_few_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser leaves reference cycles behind; a load pauses the collector, so they are
    collected here, every EDTF_COLLECT_EVERY parses."""
    import itertools

    collected: list[int] = []
    monkeypatch.setattr(dates, "_EDTF_PARSES", itertools.count(1))
    monkeypatch.setattr(dates.gc, "collect", lambda *args: collected.append(1) or 0)
    for year in range(1100, 1100 + 2 * dates.EDTF_COLLECT_EVERY + 1):
        parse_date(f"{year}-22")  # summer: a form only `edtf` reads, each a new date
    assert len(collected) == 2
