"""One import: read every input, check each observation, write it, count what happened.

The importers say what a row means; this module decides what happens to it.
Every converted observation is checked against the same model `iandw
validate` uses (and for a repeated id) before it is written, so the output
always validates; every row that is not written is either an error the user
sees (skipped, with its location and reason) or counted as not an
observation by design (passed).  Nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from iandw.diagnostics import Diagnostic
from iandw.importers.entities import EntityBook
from iandw.importers.outcomes import Converted, Outcome, Passed, Skipped, Unreadable
from iandw.importers.writer import ImportOutput, observation_line
from iandw.limits import DEFAULT_LIMITS
from iandw.model.documents import Observation


class Importer(Protocol):
    """A source format: its rows or objects as outcomes."""

    unit: str  # what one input item is called in the summary: "row", "object"

    def read(self, path: str, advance: Callable[[int], None]) -> Iterator[Outcome | Diagnostic]:
        """Outcomes in input order; bare diagnostics are warnings not tied to a skip."""
        ...


@dataclass
class Summary:
    """Counts for the user: read, written, skipped (and why), passed (and why)."""

    unit: str
    files: int = 0
    read: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0
    new_entities: int = 0
    known_entities: int = 0

    def failure(self, strict: bool) -> str | None:
        """Why nothing is to be written, if so: an input that could not be read, or with
        `strict` any skipped row."""
        reasons = []
        if self.unreadable:
            reasons.append(f"{self.unreadable} {_plural(self.unreadable, 'file')} could not be read")
        skipped = sum(self.skipped.values())
        if strict and skipped:
            were = "was" if skipped == 1 else "were"
            reasons.append(f"{skipped} {_plural(skipped, self.unit)} {were} skipped (--strict)")
        return ", and ".join(reasons) or None

    def lines(self, observations_path: str, entities_path: str, failure: str | None) -> list[str]:
        """The summary; `failure`: why nothing was written, if so."""
        unit = _plural(self.read, self.unit)
        files = _plural(self.files, "file")
        lines = [f"read {self.read} {unit} from {self.files} {files}"]
        if failure:
            lines.append(f"wrote nothing: {failure}")
        else:
            written = _plural(self.written, "observation")
            lines.append(f"wrote {self.written} {written} to {observations_path}")
            lines.append(
                f"wrote {self.new_entities} new {_plural(self.new_entities, 'entity')} to {entities_path}; "
                f"{self.known_entities} known {_plural(self.known_entities, 'entity')} referenced"
            )
        if self.read:  # of nothing read, nothing was skipped
            skipped = sum(self.skipped.values())
            lines.append(f"skipped {skipped} {_plural(skipped, self.unit)}{_reasons(self.skipped)}")
        if self.passed:
            passed = sum(self.passed.values())
            lines.append(f"{passed} {_plural(passed, self.unit)} not observations{_reasons(self.passed)}")
        return lines


def run_import(
    importer: Importer,
    paths: Sequence[str],
    book: EntityBook,
    output: ImportOutput,
    emit: Callable[[Diagnostic], None],
    advance: Callable[[int], None],
    max_line_bytes: int = DEFAULT_LIMITS.max_record_bytes,
) -> Summary:
    """Import every path into `output`; diagnostics go to `emit` as they are found.

    An observation whose JSONL line would be longer than `max_line_bytes`,
    which `iandw validate` would refuse at the same limit, is skipped.
    """
    summary = Summary(importer.unit, files=len(paths))
    first_seen: dict[str, tuple[str, int]] = {}  # id → where it was first written
    for path in paths:
        for item in importer.read(path, advance):
            if isinstance(item, Diagnostic):
                emit(item)
            elif isinstance(item, Unreadable):
                summary.unreadable += 1
                emit(item.diagnostic)
            else:
                summary.read += 1
                line = _checked(item, first_seen, max_line_bytes) if isinstance(item, Converted) else None
                if isinstance(line, Skipped):
                    item = line
                if isinstance(item, Skipped):
                    book.rollback()
                    summary.skipped[item.reason] += 1
                    emit(item.diagnostic)
                else:
                    book.commit()
                    if isinstance(item, Passed):
                        summary.passed[item.reason] += 1
                    elif isinstance(line, str):
                        output.write_line(line)
                        summary.written += 1
            for warning in book.warnings:
                emit(warning)
            book.warnings.clear()
    summary.new_entities = len(book.new)
    summary.known_entities = len(book.known_used)
    output.write_entities(book.documents())
    return summary


def _checked(item: Converted, first_seen: dict[str, tuple[str, int]], max_line_bytes: int) -> str | Skipped:
    """The observation's JSONL line, as `iandw validate` will read it: valid, not too long, its
    id not repeated."""
    try:
        Observation.model_validate(item.document)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        return Skipped(
            item.span.error(f"invalid observation: {where}: {error['msg']}"), "invalid observation"
        )
    text = observation_line(item.document)
    size = len(text.encode("utf-8", "surrogatepass")) - 1  # its newline is not counted
    if size > max_line_bytes:
        return Skipped(
            item.span.error(
                f"its observation would be a line of {size:,} bytes, longer than the "
                f"{max_line_bytes:,} that iandw reads back (--max-record-bytes)"
            ),
            "observation too long",
        )
    identifier = item.document["id"]
    if identifier in first_seen:
        file, line = first_seen[identifier]
        return Skipped(
            item.span.error(f"duplicate observation id {identifier!r} (first at {file}:{line})"),
            "duplicate id",
        )
    first_seen[identifier] = (item.span.file, item.span.line)
    return text


def _plural(count: int, word: str) -> str:
    if count == 1:
        return word
    return "entities" if word == "entity" else word + "s"


def _reasons(counts: Counter[str]) -> str:
    if not counts:
        return ""
    return ": " + ", ".join(f"{reason} ({count})" for reason, count in sorted(counts.items()))
