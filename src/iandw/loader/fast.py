"""A fast path for the plain observations that make up large JSONL files.

Typing a million observations through pydantic costs more than everything
else iandw does with them.  Nearly all of them are plain: known keys, strings
where strings belong, a grade where a grade belongs.  For those, this module
builds the reduced observation directly.  Anything else — an unknown key, a
number where a string belongs, an invalid date — returns None and takes the
ordinary pydantic path, which reports it; so this path decides nothing a user
could see except speed.  tests/test_fast_path.py checks on random documents
that whatever it accepts, pydantic accepts with the same result.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from iandw.dates import DateError, parse_date
from iandw.diagnostics import Span
from iandw.loader.observations import ObservationInput
from iandw.loader.source import PathKey
from iandw.model.documents import ID_PATTERN, Observation

_ID = re.compile(ID_PATTERN.strip("^$"))  # fullmatch: "$" would also match before a final newline
_KEYS = frozenset(Observation.model_fields)
_REFERENCE_KEYS = frozenset({"entity", "role"})
_SOURCE_KEYS = frozenset({"name", "origin", "reliability", "credibility", "url", "language", "note"})
_RELIABILITY = frozenset("ABCDEF")
_OPTIONAL_TEXT = ("place", "summary", "note")


def plain_observation(
    data: dict[str, Any], locate: Callable[[PathKey], Span], reload: Callable[[], Observation]
) -> ObservationInput | None:
    """The reduced observation, or None when pydantic must judge it."""
    if not _KEYS.issuperset(data) or data.get("kind", "observation") != "observation":
        return None
    identifier, kind = data.get("id"), data.get("type")
    if not (isinstance(identifier, str) and _ID.fullmatch(identifier) and isinstance(kind, str)):
        return None
    kind = kind.strip()
    date, reported = _date(data.get("date")), _date(data.get("reported"), optional=True)
    if not kind or date is None or reported is False:
        return None
    if any(not isinstance(data.get(key), (str, type(None))) for key in _OPTIONAL_TEXT):
        return None
    if not isinstance(data.get("attributes", {}), dict):
        return None
    refs = _references(data.get("entities", []))
    sources = _sources(data.get("sources", []))
    if refs is None or sources is None:
        return None
    intern = sys.intern
    return ObservationInput(
        id=identifier,
        type=intern(kind),
        date=intern(date),
        reported=intern(reported) if reported else None,
        refs=refs,
        sources=sources,
        locate=locate,
        _document=reload,
    )


def _date(value: Any, optional: bool = False) -> str | bool | None:
    """The stripped EDTF text; None when absent (and allowed); False when pydantic must judge."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        return False if optional else None
    text = value.strip()
    try:
        parse_date(text)
    except DateError:
        return False if optional else None
    return text


def _references(value: Any) -> tuple[tuple[str, str | None], ...] | None:
    if not isinstance(value, list):
        return None
    refs = []
    for item in value:
        if isinstance(item, str):
            refs.append((sys.intern(item), None))
            continue
        if not isinstance(item, dict) or not _REFERENCE_KEYS.issuperset(item):
            return None
        entity, role = item.get("entity"), item.get("role")
        if not isinstance(entity, str) or not isinstance(role, (str, type(None))):
            return None
        refs.append((sys.intern(entity), sys.intern(role) if role else None))
    return tuple(refs)


def _sources(value: Any) -> tuple[tuple[str, str | None, int | None], ...] | None:
    if not isinstance(value, list):
        return None
    sources = []
    for item in value:
        if not isinstance(item, dict) or not _SOURCE_KEYS.issuperset(item):
            return None
        name, origin = item.get("name"), item.get("origin")
        reliability, credibility = item.get("reliability"), item.get("credibility")
        if not isinstance(name, str) or not isinstance(origin, (str, type(None))):
            return None
        if reliability is not None and (not isinstance(reliability, str) or reliability not in _RELIABILITY):
            return None
        if credibility is not None and (type(credibility) is not int or not 1 <= credibility <= 6):
            return None
        if any(not isinstance(item.get(key), (str, type(None))) for key in ("url", "language", "note")):
            return None
        sources.append((sys.intern(origin or name), reliability, credibility))
    return tuple(sources)
