"""A fast path for the plain observations that make up large JSONL files.

Parsing a line into Python objects and typing them into pydantic models
costs more than everything else iandw does with an observation.  Nearly all
lines of a large file are plain: an observation with known keys, strings
where strings belong, a grade where a grade belongs, no escapes.  For those,
msgspec decodes the line's bytes straight into typed structs in C, the
dates are checked, and the reduced observation is built directly
(`PlainFields`).  Anything else — an unknown key, a number where a string
belongs, an invalid date, a backslash anywhere, nested attributes — returns
None and takes the ordinary path (jiter and the `Observation` model), which
judges and reports it; so this path decides nothing a user could see except
speed.

msgspec keeps the last of two equal keys where the ordinary path reports
them.  A line without backslashes writes every colon either between a key
and its value or inside a string, and its strings decode to themselves; so
the decoded value, encoded again, has as many colons as the line exactly
when no key was dropped.  Lines are checked in batches of a few thousand:
one encoding and two counts for the whole batch, and each line on its own
only when some line in it is not plain.  tests/test_fast_path.py checks on
random lines — duplicates, escapes and odd spacing included — that whatever
this path accepts, the ordinary path accepts with the same result, alone
or in a batch.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from iandw.dates import DateCache, DateError
from iandw.model.case import SourceGrade
from iandw.model.documents import ID_PATTERN, Reliability
from iandw.model.names import origin_key

# Deepest nesting of a plain line (observation → entities → reference): a
# lower --max-depth must see the line on the ordinary path to reject it.
PLAIN_DEPTH = 3

_VALID_ID = re.compile(ID_PATTERN).fullmatch  # a full match, as pydantic's regex engine reads `$`


class _Reference(Struct, forbid_unknown_fields=True, gc=False):
    entity: str
    role: str | UnsetType | None = UNSET


class _Source(Struct, forbid_unknown_fields=True, gc=False):
    name: str
    origin: str | UnsetType | None = UNSET
    reliability: Reliability | UnsetType | None = UNSET
    credibility: Annotated[int, Meta(ge=1, le=6)] | UnsetType | None = UNSET
    url: str | UnsetType | None = UNSET
    language: str | UnsetType | None = UNSET
    note: str | UnsetType | None = UNSET


class _PlainObservation(Struct, forbid_unknown_fields=True, gc=False):
    """An observation as large files write it.  UNSET marks an absent key, so none is invented."""

    id: str
    type: str
    date: str
    kind: Literal["observation"] | UnsetType = UNSET
    reported: str | UnsetType | None = UNSET
    place: str | UnsetType | None = UNSET
    summary: str | UnsetType | None = UNSET
    note: str | UnsetType | None = UNSET
    entities: list[str | _Reference] | UnsetType = UNSET
    attributes: dict[str, str | int | float | bool | None] | UnsetType = UNSET
    sources: list[_Source] | UnsetType = UNSET


_DATES = DateCache()  # only whether a date parses matters here
_decode = msgspec.json.Decoder(_PlainObservation).decode
_encode = msgspec.json.Encoder().encode


# What an `ObservationInput` keeps of a plain observation, in its order (id,
# type, date, reported, refs, sources): a plain tuple, cheap to build and to
# send to a process.
PlainFields = tuple[str, str, str, str | None, tuple[tuple[str, str | None], ...], tuple[SourceGrade, ...]]


def plain_line(raw: bytes, max_depth: int) -> PlainFields | None:
    """The reduced observation on one JSONL line, or None when the ordinary path must judge it."""
    if max_depth < PLAIN_DEPTH or b"\\" in raw:
        return None
    decoded = _decoded([raw], raw)
    return None if decoded is None else _reduced(decoded[0])


def plain_lines(lines: list[bytes], max_depth: int) -> list[PlainFields | None]:
    """`plain_line` of each line (its end may be included), checking them all at once when all are plain.

    A large file's lines are nearly all plain; one check of the whole batch
    costs less than one per line.  Should any line fail it, each is checked
    on its own, as it would have been alone.
    """
    block = b"".join(lines)
    decoded = None if max_depth < PLAIN_DEPTH or b"\\" in block else _decoded(lines, block)
    if decoded is None:
        return [plain_line(raw, max_depth) for raw in lines]
    return [_reduced(plain) for plain in decoded]


def _decoded(lines: list[bytes], block: bytes) -> list[_PlainObservation] | None:
    """Every line decoded, or None if one does not decode or gives a key twice; `block` joins them.

    Decoding can only drop a pair (a key given twice), never add a colon, so
    the colons of all the lines, counted together, are as many as those of
    all the decoded values exactly when each line keeps all of its own.
    """
    try:
        decoded = [_decode(raw) for raw in lines]
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    if block.count(b":") != _encode(decoded).count(b":"):
        return None
    return decoded


def _reduced(plain: _PlainObservation) -> PlainFields | None:
    """What an `ObservationInput` keeps of a decoded line; None for a value the model would refuse."""
    if not _VALID_ID(plain.id):
        return None  # an id pydantic would refuse
    # str.strip() strips what pydantic's `strip_whitespace` strips (Unicode
    # White_Space) and U+001C–U+001F, which a line without escapes cannot hold.
    kind = plain.type.strip()
    if not kind:
        return None
    date = plain.date.strip()
    reported = None if plain.reported is UNSET else plain.reported
    try:
        _DATES[date]
        if reported is not None:
            reported = reported.strip()
            _DATES[reported]
    except DateError:
        return None
    intern = sys.intern  # below, UNSET is falsy: an absent role, origin or grade reads as None
    refs = (
        tuple(
            [
                (intern(ref), None)
                if ref.__class__ is str
                else (intern(ref.entity), intern(ref.role) if ref.role else None)  # type: ignore[union-attr]
                for ref in plain.entities
            ]
        )
        if plain.entities
        else ()
    )
    key = origin_key
    sources = (
        tuple(
            [
                (key(source.origin or source.name), source.reliability or None, source.credibility or None)
                for source in plain.sources
            ]
        )
        if plain.sources
        else ()
    )
    return plain.id, intern(kind), intern(date), intern(reported) if reported else None, refs, sources
