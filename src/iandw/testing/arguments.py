"""The kit's arguments, checked where a test passes them.

A rule author who passes a path where documents go, a date where a number
of days goes or one mapping where a list goes should read what to pass, not
a Python error from deep inside the loader or the date arithmetic.  Every
public helper checks what it is given with these few functions, so one
value is accepted, and refused, the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from iandw.dates import DateError, parse_day
from iandw.diagnostics import did_you_mean, first_few
from iandw.model.report import Report

AsOf: TypeAlias = "dt.date | str"

_PATH_LIKE = re.compile(r"[/\\]|\.(ya?ml|jsonl?)$", re.I)


def a_day(value: object, name: str = "as_of") -> dt.date:
    """One day, as every helper takes it: a `datetime.date` (or datetime), or a string read as `--as-of` is.

    So one day is written one way everywhere: `20231008` and `2023-W40-7`,
    which Python's own `date.fromisoformat` takes, are refused with the
    command line's hint.  An int is read as the string it would be written
    as, and refused with that hint.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        raise TypeError(f"{name} is one day, 'YYYY-MM-DD' or a datetime.date, not {_instead(value)}")
    try:
        return dt.date.fromordinal(parse_day(text))
    except DateError as exc:
        raise ValueError(f"{name}: {exc}") from None


def whole_days(value: object, name: str = "days") -> int:
    """A number of days: an int (a bool or "1" is a mistake that `timedelta` reports obscurely)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{name} is a whole number of days (an int), not {_instead(value)}")


def documents_of(value: object, name: str = "documents") -> list[Mapping[str, Any]]:
    """A list of documents, each a mapping as YAML holds it; else a TypeError saying what to pass."""
    if isinstance(value, Mapping):
        raise TypeError(f"{name} is a list of documents, not one mapping: put the mapping in a list")
    if isinstance(value, (str, bytes, os.PathLike)) or not isinstance(value, Iterable):
        raise TypeError(f"{_not_documents(name, value)}: {reprlib.repr(value)}{_read_hint(value)}")
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(
                f"{_not_documents(name, item)}: {name}[{index}] is {reprlib.repr(item)}{_read_hint(item)}"
            )
    return items


def document_of(value: object, name: str) -> Mapping[str, Any]:
    """One document, a mapping; a list of them is refused, since the helper judges each alone."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} is one document (a mapping), not a {type(value).__name__}: call once per document"
        )
    raise TypeError(f"{name} is one document (a mapping), not {_instead(value)}")


def _instead(value: object) -> str:
    """What was passed instead, for a message: "a str: '1'", "an int: 7", "None"."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}: {reprlib.repr(value)}"


def _not_documents(name: str, value: object) -> str:
    return f"{name} are mappings (dicts), not {type(value).__name__}"


def _read_hint(value: object) -> str:
    """How to read files, when a document looks like a path to them."""
    if isinstance(value, os.PathLike) or (
        isinstance(value, str) and (_PATH_LIKE.search(value) or os.path.exists(value))
    ):
        return f"; read files first: read_documents({os.fspath(value)!r})"
    return ""


def world_of(
    rules: object, observations: object, as_of: object
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]], dt.date]:
    """An invariant's `(rules, observations, as_of)`, checked before any of them is varied."""
    return documents_of(rules, "rules"), documents_of(observations, "observations"), a_day(as_of)


def by_observation(
    value: object, name: str, observations: Sequence[Mapping[str, Any]], *, sourced: bool = False
) -> Mapping[str, Any]:
    """A mapping from observation ids, each naming an observation (one with sources if `sourced`).

    A key naming no observation would vary nothing, so the check would pass
    having tested nothing: it is refused, as `status_of` refuses a call that
    would read "not-fired" on every world.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} maps observation ids to values, not {_instead(value)}")
    found = {str(d.get("id")): d for d in observations if d.get("kind", "observation") == "observation"}
    for key in sorted(value, key=str):
        if key not in found:
            listed = first_few([repr(i) for i in sorted(found)]) if found else "none"
            raise KeyError(
                f"{name} names no observation {key!r}"
                + (did_you_mean(str(key), found) or f"; the observations are {listed}")
            )
        if sourced and not found[key].get("sources"):
            raise ValueError(
                f"{name}: observation {key!r} has no sources, so no source added to it can share an origin"
            )
    return value


def report_of(value: object, caller: str) -> Report:
    """A report, as `evaluate_documents` returns it."""
    if isinstance(value, Report):
        return value
    raise TypeError(f"{caller} reads a report, as evaluate_documents returns it, not {_instead(value)}")
