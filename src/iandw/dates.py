"""Uncertain dates as closed intervals of days, and three-valued relations on them.

An EDTF string ("2023-09", "../2023-10-06", "2023-10~") becomes the closed
interval of days it may denote: the strict bounds the `edtf` package computes,
widened by `pad` units of the finest precision when the date carries a `?`,
`~` or `%` qualifier, and unbounded at an open or unknown end.  Days are
proleptic Gregorian ordinals (`datetime.date.toordinal`); an unbounded end is
`-inf` or `+inf`, so interval arithmetic needs no special cases.

Plain `YYYY`, `YYYY-MM` and `YYYY-MM-DD` strings, which are nearly all dates in
practice, intervals of them and sets of them (`[2023-01, 2023-03..2023-04]`)
are converted without the `edtf` parser (a differential test keeps the two
paths equal); everything else goes through `edtf`, imported lazily because it
costs a noticeable fraction of start-up. The `edtf` parser takes about a
millisecond per character, so what it is given is capped at `EDTF_CHARS`.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import gc
import io
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from iandw.diagnostics import quoted_start

Day = float  # an ordinal day number, or -inf / +inf for an unbounded end

UNBOUNDED_LOW: Day = -math.inf
UNBOUNDED_HIGH: Day = math.inf


class DateError(ValueError):
    """A date string that is not a valid, supported EDTF date."""


class Truth(IntEnum):
    """Three-valued truth over uncertain time; `min` is Kleene AND."""

    FALSE = 0
    POSSIBLE = 1
    DEFINITE = 2


@dataclass(frozen=True, slots=True)
class DayInterval:
    """The closed interval of days a date may denote."""

    lo: Day
    hi: Day


def day_to_iso(day: Day) -> str:
    if not math.isfinite(day):
        return ".."
    return dt.date.fromordinal(int(day)).isoformat()


def date_to_day(value: dt.date) -> int:
    return value.toordinal()


# --- parsing ---------------------------------------------------------------

# [0-9], not \d: EDTF digits are ASCII, and \d would take the digits of any script.
_DAY = r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([?~%]?)"
_PLAIN_DATE = re.compile(_DAY)
_PLAIN_INTERVAL = re.compile(rf"(?:{_DAY}|(\.\.)?)/(?:{_DAY}|(\.\.)?)")


def parse_date(text: str, pad: int = 1) -> DayInterval:
    """The day interval an EDTF date denotes (SPEC §3); raises DateError."""
    return _parsed(text.strip(), pad)


def _parsed(text: str, pad: int) -> DayInterval:
    interval_or_error = _interval_or_error(text, pad)
    if isinstance(interval_or_error, str):
        raise DateError(interval_or_error)
    return interval_or_error


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BASIC_DAY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")  # ISO 8601's basic format: no dashes


def parse_day(text: str) -> int:
    """The one day an evaluation date names (`--as-of`, a rule test's `as_of`); raises DateError.

    Its messages suggest a day alone, as YYYY-MM-DD: the forms `parse_date`
    suggests (a month, an interval) would be refused here in turn.
    """
    stripped = text.strip()
    try:
        interval = parse_date(stripped)
    except DateError:
        if _ISO_DAY.fullmatch(stripped):  # in the form of a day: its error says which part is wrong
            raise
        raise DateError(f"{_shown(stripped)} is not a day: {_day_hint(stripped)}") from None
    if interval.lo != interval.hi:
        raise DateError(f"{_shown(stripped)} is not a single day (write YYYY-MM-DD)")
    return int(interval.lo)


def _day_hint(text: str) -> str:
    """How to write a day, with `text`'s own if it is one without its dashes (20231006)."""
    basic = _BASIC_DAY.fullmatch(text)
    if basic:
        with contextlib.suppress(ValueError):
            return f"write YYYY-MM-DD, here {dt.date(*map(int, basic.groups())).isoformat()}"
    return "write YYYY-MM-DD, such as 2023-10-06"


DATE_CACHE_SIZE = 65536  # distinct dates remembered; a million observations repeat a few thousand


class DateCache(dict[str, DayInterval]):
    """`parse_date` at one padding, remembered per date as written.

    A large case parses each observation's dates at least twice (when read,
    when compiled); a dict lookup costs a tenth of a call to `parse_date`.
    A date that does not parse raises `DateError` and is not remembered.
    """

    def __init__(self, pad: int = 1) -> None:
        super().__init__()
        self.pad = pad

    def __missing__(self, text: str) -> DayInterval:
        interval = parse_date(text, self.pad)
        if len(self) < DATE_CACHE_SIZE:  # untrusted files may hold a million distinct dates
            self[text] = interval
        return interval


@lru_cache(maxsize=DATE_CACHE_SIZE)
def _interval_or_error(text: str, pad: int) -> DayInterval | str:
    """`_parse`'s interval, or its error's message: a bad date repeated is read once too."""
    try:
        return _parse(text, pad)
    except DateError as exc:
        return str(exc)


def _parse(text: str, pad: int) -> DayInterval:
    """Common forms directly, the rest through `edtf` (tests keep both paths equal)."""
    single = _PLAIN_DATE.fullmatch(text)
    if single and _plain_month_ok(single.group(2)):
        return _plain_bounds(text, single.groups(), pad, strict=False)
    interval = _PLAIN_INTERVAL.fullmatch(text)
    if (
        interval
        and (interval.group(1) or interval.group(6))
        and all(_plain_month_ok(interval.group(i)) for i in (2, 7))
    ):
        lower = interval.groups()[0:4] if interval.group(1) else None
        upper = interval.groups()[5:9] if interval.group(6) else None
        return _plain_span(text, lower, upper, pad)
    if text[:1] in _CLOSING and text[-1:] == _CLOSING[text[0]]:
        return _set_bounds(text, pad)
    return _edtf_interval(text, pad)


_CLOSING = {"[": "]", "{": "}"}
_NOT_IN_SET_ELEMENTS = re.compile(r"[/\[\]{}\s]")  # nor spaces inside


def _set_bounds(text: str, pad: int) -> DayInterval:
    """A set (`[a, b..c]` one of, `{a, b}` all of): from its earliest to its latest day.

    Read here, element by element, rather than by `edtf`: a set of one element is a set,
    `[..a]` and `[a..]` are open, a qualified element is padded, a reversed range is an
    error, and a season ends where it ends. Only the elements that are not plain dates
    go to `edtf`, and only in a set short enough for it.
    """
    elements = [element.strip(" ") for element in text[1:-1].split(",")]  # ASCII spaces only, as EDTF
    spans = []
    for position, element in enumerate(elements):
        first, dots, last = element.partition("..")
        open_start = not first and dots and position == 0
        open_end = not last and dots and position == len(elements) - 1
        ends = [end for end in (first, last) if end]
        if (
            not ends
            or (not first and not open_start)
            or (dots and not last and not open_end)
            or any(_NOT_IN_SET_ELEMENTS.search(end) or ".." in end for end in ends)
        ):
            raise DateError(f"invalid EDTF date {_shown(text)}: {_shown(element)} is not a date or range")
        if len(text) > EDTF_CHARS and not all(_is_plain(end) for end in ends):
            raise DateError(
                f"date {_shown(text)}: its element {_shown(element)} is not a plain date or range, "
                f"which a set of more than {EDTF_CHARS} characters must hold"
            )
        upper = last if dots else first
        # a range is judged reversed on its strict bounds, as an interval; one date needs no judging
        for padding in (0, pad) if dots and pad else (pad,):
            lo = _parsed(first, padding).lo if first else UNBOUNDED_LOW
            hi = _parsed(upper, padding).hi if upper else UNBOUNDED_HIGH
            if padding == 0:
                _refuse_reversed(element, lo, hi)
        spans.append(DayInterval(lo, hi))
    return DayInterval(min(span.lo for span in spans), max(span.hi for span in spans))


def _is_plain(text: str) -> bool:
    single = _PLAIN_DATE.fullmatch(text)
    return single is not None and _plain_month_ok(single.group(2))


def _shown(text: str) -> str:
    """A date as quoted in a message: at most half of `EDTF_CHARS` of it."""
    return quoted_start(text, EDTF_CHARS // 2)


def _plain_span(
    text: str, lower: Sequence[str | None] | None, upper: Sequence[str | None] | None, pad: int
) -> DayInterval:
    """From `lower` to `upper` (the groups of `_DAY`; None for an open end), refused if reversed."""
    lo_strict = _plain_bounds(text, lower, pad, strict=True).lo if lower else UNBOUNDED_LOW
    hi_strict = _plain_bounds(text, upper, pad, strict=True).hi if upper else UNBOUNDED_HIGH
    _refuse_reversed(text, lo_strict, hi_strict)
    lo = _plain_bounds(text, lower, pad, strict=False).lo if lower else UNBOUNDED_LOW
    hi = _plain_bounds(text, upper, pad, strict=False).hi if upper else UNBOUNDED_HIGH
    return DayInterval(lo, hi)


def _plain_month_ok(month: str | None) -> bool:
    """Months 13-41 are EDTF seasons and quarters: leave those to `edtf`."""
    return month is None or 1 <= int(month) <= 12


def _plain_bounds(text: str, parts: Sequence[str | None], pad: int, strict: bool) -> DayInterval:
    """`parts`: the year, month, day and qualifier groups of `_DAY` (month and day may be None)."""
    year, month, day, qualifier = parts
    assert year is not None  # the pattern requires it
    y = int(year)
    if y < 1:
        raise DateError(f"invalid date {text!r}: years before 0001 are not supported")
    if month is None:
        lo, hi, unit = dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    elif day is None:
        m = int(month)
        lo, hi, unit = dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]), "month"
    else:
        try:
            lo = hi = dt.date(y, int(month), int(day))
        except ValueError:
            raise DateError(f"invalid date {text!r}: day {day} does not exist in {year}-{month}") from None
        unit = "day"
    if qualifier and pad and not strict:
        return DayInterval(*_padded(lo, hi, unit, pad))
    return DayInterval(lo.toordinal(), hi.toordinal())


_NUMERIC_MONTH = re.compile(r"\d{4}-(\d{2})(-\d{2})?")
_RANGE_OUTSIDE_SET = re.compile(r"[^\[{]*\d\.\.\d.*")


def _form_hint(text: str) -> str:
    """How to write what an unreadable date seems to mean: 'EDTF' alone tells a newcomer nothing."""
    month = _NUMERIC_MONTH.fullmatch(text)
    if month and not 1 <= int(month[1]) <= 12:
        if month[2]:
            return f": there is no month {month[1]} (months are 01-12)"
        return f": there is no month {month[1]} (months are 01-12; 21-41 are seasons, quarters and halves)"
    if _RANGE_OUTSIDE_SET.fullmatch(text):
        return ": an interval is written with '/' (2023-09-18/2023-09-21); '..' joins a range inside a set"
    return (
        "; write a day 2023-09-18, a month 2023-09, a year 2023, an interval "
        "2023-09-18/2023-09-21 or an open one ../2023-10-06"
    )


EDTF_CHARS = 100  # the longest date given to `edtf`: a tenth of a second of its parsing
EDTF_COLLECT_EVERY = 32  # `edtf` parses between two collections of their garbage: seconds apart
_EDTF_PARSES = itertools.count(1)  # for the process, as the collector is one


def _edtf_interval(text: str, pad: int) -> DayInterval:
    if len(text) > EDTF_CHARS:
        raise DateError(
            f"date {_shown(text)} is too long: {len(text):,} characters; a date in other "
            f"forms than plain dates, intervals and sets of them may have at most {EDTF_CHARS}"
        )
    if "Y" in text:  # a long year (`Y17000`, `Y1E100000000`): edtf would compute it, digit by digit
        raise DateError(f"unsupported date {_shown(text)}: a long year, outside the years 0001-9999")
    from edtf import parse_edtf  # lazy: the grammar takes ~0.15 s to build
    from edtf.parser.edtf_exceptions import EDTFParseException

    if next(_EDTF_PARSES) % EDTF_COLLECT_EVERY == 0:
        # the parser's backtracking leaves reference cycles, up to a megabyte a date, which a
        # load with the collector paused (iandw.runtime.paused_gc) would otherwise keep; the
        # youngest generation holds them, and walking only it visits each object once, where
        # a full collection walks the whole load so far each time (16 s of a sorted 1M file)
        gc.collect(0)

    if not text:
        raise DateError("empty date")
    try:
        # edtf prints a debugging line to stdout when a grammar branch fails;
        # it must not leak into a report written to stdout.
        with contextlib.redirect_stdout(io.StringIO()):
            parsed = parse_edtf(text)
    except EDTFParseException:
        raise DateError(f"invalid EDTF date {text!r}{_form_hint(text)}") from None
    except Exception:  # the parser fails with its own internal errors on some inputs: not the user's words
        raise DateError(f"invalid EDTF date {text!r}: the edtf package cannot read it") from None
    if hasattr(parsed, "lower") and hasattr(parsed, "upper"):
        lower, _ = _section_bounds(text, parsed.lower, pad, strict=True)
        _, upper = _section_bounds(text, parsed.upper, pad, strict=True)
        _refuse_reversed(text, lower, upper)
        lo, _ = _section_bounds(text, parsed.lower, pad, strict=False)
        _, hi = _section_bounds(text, parsed.upper, pad, strict=False)
        return DayInterval(lo, hi)
    lo, hi = _section_bounds(text, parsed, pad, strict=False)
    return DayInterval(lo, hi)


def _section_bounds(text: str, section: Any, pad: int, strict: bool) -> tuple[Day, Day]:
    """Bounds of one date or interval end; open and unknown ends are unbounded."""
    if type(section).__name__ == "UnspecifiedIntervalSection":
        return UNBOUNDED_LOW, UNBOUNDED_HIGH
    try:
        lo = _struct_to_date(section.lower_strict())
        hi = _struct_to_date(section.upper_strict())
        inner = getattr(section, "date", section)  # the date inside a qualified one
        if getattr(inner, "significant_digits", None):
            lo, hi = _significant_years(inner.year, int(inner.significant_digits))
        season = getattr(inner, "season", None)
        if isinstance(season, str) and int(season) in _SEASONS_INTO_NEXT_YEAR:
            hi = dt.date(hi.year + 1, 3, 1) - dt.timedelta(days=1)
    except (ValueError, OverflowError, TypeError, AttributeError):
        raise DateError(
            f"unsupported date {text!r}: outside the years 0001-9999, or unspecified digits "
            "in a month or day, which the edtf package cannot bound"
        ) from None
    if strict or not _is_qualified(section) or pad == 0:
        return lo.toordinal(), hi.toordinal()
    return _padded(lo, hi, _qualified_unit(section), pad, _precision(section))


# Winter (24, and 28 in the north) and the southern summer (30) run from December into
# February of the next year; the edtf package ends them on December 31.
_SEASONS_INTO_NEXT_YEAR = frozenset({24, 28, 30})


def _significant_years(year: str, digits: int) -> tuple[dt.date, dt.date]:
    """`1950S2`: a year whose first two digits are 19, 1900-1999 (edtf's strict bounds say 1950)."""
    unit = 10 ** max(0, len(year) - digits)
    first = int(year) // unit * unit
    return dt.date(first, 1, 1), dt.date(first + unit - 1, 12, 31)


def _padded(lo: dt.date, hi: dt.date, unit: str, pad: int, precision: str | None = None) -> tuple[Day, Day]:
    """A qualified date's bounds widened by `pad` of `unit` on each side.

    The padded end is the last day of the date's own `precision` (default: `unit`): a month
    whose year is in doubt (`2023~-02`) ends on that month's last day, 29 February in 2024; a
    day whose month is in doubt (`2023-?09-16`) ends on its day.
    """
    end = _end_of(_shift(hi, unit, pad), precision or unit)
    return _shift(lo, unit, -pad).toordinal(), end.toordinal()


def _refuse_reversed(text: str, lo: Day, hi: Day) -> None:
    """An interval must not end before it starts, judged without the qualifiers' padding."""
    if lo > hi:
        starts, ends = day_to_iso(lo), day_to_iso(hi)
        raise DateError(f"reversed interval {text!r}: it starts {starts} after it ends {ends}")


def _struct_to_date(value: Any) -> dt.date:
    if isinstance(value, float):  # edtf gives ±inf for open ends of some kinds
        raise ValueError("unbounded")
    return dt.date(value.tm_year, value.tm_mon, value.tm_mday)


def _is_qualified(section: Any) -> bool:
    return bool(
        getattr(section, "_is_uncertain", False)
        or getattr(section, "_is_approximate", False)
        or getattr(section, "_uncertain_and_approximate", False)
    )


# The unit a qualifier pads by: for unspecified digits, the unit of the last of
# them (`202X~`, some year of the 2020s, is padded by a year, as `2023-XX~` by a month).
_PAD_UNIT = {
    "day": "day",
    "month": "month",
    "season": "season",
    "year": "year",
    "decade": "year",
    "century": "year",
    "millenium": "year",  # the edtf package's spelling
}


# A qualifier on one part of a date (EDTF level 2) says that part is in doubt: `2023-?09-16`
# some day 16 of a month near September, `?2023-09-16` of a year near 2023, `2023-09~-16`
# year and month.  The date is padded by the coarsest part in doubt, not by a day.
_QUALIFIED_PARTS = (
    ("year", ("year_ua", "year_ua_b", "year_month_ua")),
    ("season", ("season_ua",)),
    ("month", ("month_ua", "month_day_ua")),
    ("day", ("day_ua",)),
)


def _qualified_unit(section: Any) -> str:
    """The unit a qualified date is padded by: its coarsest part in doubt, else its precision.

    A qualifier on the whole date (`2023-09-16?`, `(2023-09-16)?`) pads by the finest unit
    it is given to, as documented for `qualifier_pad`.
    """
    inner = getattr(section, "date", section)
    for unit, attributes in _QUALIFIED_PARTS:
        if any(getattr(inner, attribute, None) for attribute in attributes):
            return unit
    return _precision(section)


def _precision(section: Any) -> str:
    inner = getattr(section, "date", section)
    return _PAD_UNIT.get(getattr(inner, "precision", None) or "day", "day")


def _shift(value: dt.date, unit: str, amount: int) -> dt.date:
    if unit == "day":
        try:
            return value + dt.timedelta(days=amount)
        except OverflowError:
            raise DateError(f"date {value.isoformat()} padded beyond the years 0001-9999") from None
    months = amount * {"month": 1, "season": 3, "year": 12}[unit]
    index = value.year * 12 + (value.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise DateError(f"date {value.isoformat()} padded beyond the years 0001-9999")
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def _end_of(value: dt.date, unit: str) -> dt.date:
    """The last day of the unit containing `value` (the padded upper bound)."""
    if unit == "day":
        return value
    if unit == "year":
        return dt.date(value.year, 12, 31)
    return dt.date(value.year, value.month, calendar.monthrange(value.year, value.month)[1])


# --- three-valued relations -------------------------------------------------


def gap_range(first: DayInterval, then: DayInterval) -> tuple[Day, Day]:
    """All possible values of then − first, in days."""
    return then.lo - first.hi, then.hi - first.lo


def truth_within(gap: tuple[Day, Day], low: Day, high: Day) -> Truth:
    """Whether low ≤ gap ≤ high for every (DEFINITE), some or no possible gap."""
    g_lo, g_hi = gap
    if g_hi < low or g_lo > high:
        return Truth.FALSE
    if g_lo >= low and g_hi <= high:
        return Truth.DEFINITE
    return Truth.POSSIBLE


def truth_abs_within(gap: tuple[Day, Day], low: Day, high: Day) -> Truth:
    """Whether low ≤ |gap| ≤ high, three-valued."""
    if low <= 0:
        return truth_within(gap, -high, high)
    negative = truth_within(gap, -high, -low)
    positive = truth_within(gap, low, high)
    return max(negative, positive)


def distance_outside(gap: tuple[Day, Day], low: Day, high: Day) -> Day:
    """How many days the nearest possible gap lies outside [low, high]; 0 when inside."""
    g_lo, g_hi = gap
    return max(0.0, low - g_hi, g_lo - high)


def abs_distance_outside(gap: tuple[Day, Day], low: Day, high: Day) -> Day:
    if low <= 0:
        return distance_outside(gap, -high, high)
    return min(distance_outside(gap, -high, -low), distance_outside(gap, low, high))
