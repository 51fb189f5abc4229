"""Dates and windows of documents, changed exactly: what the invariants vary a world by.

A variation only proves something if it changes what it says and nothing
else, so the date arithmetic is here on its own: a day moved by a number of
days stays an EDTF day (a month cannot move by days), a date is read as the
engine reads it and days are written back as EDTF, and the windows a
widening may touch are found.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from iandw.dates import day_to_iso, parse_date
from iandw.model.documents import date_as_text
from iandw.testing.arguments import whole_days
from iandw.testing.documents import Documents

_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})([?~%]?)")  # ASCII digits, as EDTF


def shift_date(text: Any, days: int) -> str | None:
    """The EDTF date moved by `days`, or None if it cannot be moved exactly.

    Days, intervals of days, qualified days and open ends move; a month,
    year or unspecified digit does not (a month is not a fixed number of
    days: "2023-09" moved by five days is not an EDTF date).
    """
    days = whole_days(days)
    parts = date_as_text(text).strip().split("/")
    if len(parts) > 2:
        return None
    moved = []
    for part in parts:
        if part in ("..", "") and len(parts) == 2:
            moved.append(part)
            continue
        match = _DAY.fullmatch(part)
        if not match:
            return None
        year, month, day, qualifier = match.groups()
        try:
            value = dt.date(int(year), int(month), int(day)) + dt.timedelta(days=days)
        except (ValueError, OverflowError):
            return None
        moved.append(value.isoformat() + qualifier)
    return "/".join(moved)


def day_interval(text: Any, pad: int) -> tuple[float, float]:
    """A document's date as its (first, last) day, padded as `iandw.dates.parse_date` pads it."""
    interval = parse_date(date_as_text(text), pad)
    return interval.lo, interval.hi


def day_text(lo: float, hi: float) -> str:
    """Days back to a date a document can hold: one day, or an interval of two."""
    return day_to_iso(lo) if lo == hi else f"{day_to_iso(lo)}/{day_to_iso(hi)}"


def window_items(rules: Documents) -> list[tuple[int, int]]:
    """(document, item) positions of every window in the rules' `require` lists, counts excluded."""
    found = []
    for i, document in enumerate(rules):
        if document.get("kind") == "indicator":
            for j, item in enumerate(document.get("require") or []):
                if isinstance(item, Mapping) and "count" not in item:
                    found.append((i, j))
    return found
