"""What became of one input row or object: the vocabulary importers and the driver share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iandw.diagnostics import Diagnostic, Span
from iandw.importers.entities import EntityError


@dataclass(frozen=True)
class Converted:
    """An observation document made from the row at `span`."""

    span: Span
    document: dict[str, Any]


@dataclass(frozen=True)
class Skipped:
    """A row that cannot be imported: a located error; `reason` groups it in the summary."""

    diagnostic: Diagnostic
    reason: str


@dataclass(frozen=True)
class Passed:
    """A row that is not an observation by design (a STIX entity object): counted, not an error."""

    reason: str


@dataclass(frozen=True)
class Unreadable:
    """A whole input that cannot be read (missing, not a bundle, no header)."""

    diagnostic: Diagnostic


Outcome = Converted | Skipped | Passed | Unreadable


def cannot_read(path: str, exc: OSError) -> Unreadable:
    """An input that could not be opened or read, for the reason the system gives."""
    return Unreadable(Span(path).error(f"cannot read: {exc.strerror or exc}"))


class RowError(Exception):
    """Why a row cannot become an observation, and where: a span, or the column of the field at fault."""

    def __init__(self, reason: str, message: str, span: Span | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.span = span
        self.field = field


def attempt(
    span: Span, convert: Callable[[], dict[str, Any]], locate: Callable[[str], Span] | None = None
) -> Converted | Skipped:
    """Run one conversion; its RowError or EntityError becomes a located skip.

    `locate` finds where the field of a column starts, only when a field is at fault.
    """
    try:
        return Converted(span, convert())
    except RowError as exc:
        where = exc.span or (locate(exc.field) if locate and exc.field is not None else span)
        return Skipped(where.error(exc.message), exc.reason)
    except EntityError as exc:
        return Skipped(span.error(str(exc)), "bad entity")
