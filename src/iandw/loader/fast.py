"""A fast path for the plain observations that make up large JSONL files.

Typing a million observations into pydantic models costs more than
everything else iandw does with them: each model is several Python objects
built through Python-level validators.  Nearly all observations are plain:
known keys, strings where strings belong, a grade where a grade belongs.
For those, pydantic validates a plain-typed dictionary entirely in its Rust
core (`PlainObservation` below: strict, no unknown keys, no custom
validators), the dates are checked, and the reduced observation is built
directly (`PlainFields`).  Anything else — an unknown key, a number where a
string belongs, an invalid date — returns None and takes the ordinary path
through the `Observation` model, which reports it; so this path decides
nothing a user could see except speed.  tests/test_fast_path.py checks on
random documents that whatever it accepts, the model accepts with the same
result.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Literal, NamedTuple, Required

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from iandw.dates import DateError, parse_date
from iandw.loader.observations import SourceGrade
from iandw.model.documents import ID_PATTERN

_STRICT = ConfigDict(extra="forbid", strict=True)


class _PlainReference(TypedDict, total=False):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    entity: Required[str]
    role: str | None


class _PlainSource(TypedDict, total=False):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    name: Required[str]
    origin: str | None
    reliability: Literal["A", "B", "C", "D", "E", "F"] | None
    credibility: Annotated[int, Field(ge=1, le=6)] | None
    url: str | None
    language: str | None
    note: str | None


class PlainObservation(TypedDict, total=False):
    """An observation as large files write it: every field plain, nothing to coerce."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    kind: Literal["observation"]
    id: Required[Annotated[str, StringConstraints(pattern=ID_PATTERN)]]
    type: Required[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]]
    date: Required[str]
    reported: str | None
    place: str | None
    summary: str | None
    note: str | None
    entities: list[str | _PlainReference]
    attributes: dict[str, Any]
    sources: list[_PlainSource]


_PLAIN = TypeAdapter(PlainObservation)


class PlainFields(NamedTuple):
    """What an `ObservationInput` keeps of a plain observation: plain data, cheap to send to a process."""

    id: str
    type: str
    date: str
    reported: str | None
    refs: tuple[tuple[str, str | None], ...]
    sources: tuple[SourceGrade, ...]


def plain_fields(data: dict[str, Any]) -> PlainFields | None:
    """The reduced observation, or None when the `Observation` model must judge it."""
    try:
        plain = _PLAIN.validate_python(data)
    except ValidationError:
        return None
    date, reported = plain["date"].strip(), plain.get("reported")
    try:
        parse_date(date)
        if reported is not None:
            reported = reported.strip()
            parse_date(reported)
    except DateError:
        return None
    intern = sys.intern
    refs: list[tuple[str, str | None]] = []
    for reference in plain.get("entities", ()):
        if isinstance(reference, str):
            refs.append((intern(reference), None))
        else:
            role = reference.get("role")
            refs.append((intern(reference["entity"]), intern(role) if role else None))
    sources = tuple(
        (intern(source.get("origin") or source["name"]), source.get("reliability"), source.get("credibility"))
        for source in plain.get("sources", ())
    )
    reported = intern(reported) if reported else None
    return PlainFields(plain["id"], intern(plain["type"]), intern(date), reported, tuple(refs), sources)
