"""JSON and JSON Lines, fast on the happy path, located on the unhappy one.

jiter (the JSON parser behind pydantic) reads values, and itself reports
syntax errors, duplicate keys and runaway nesting with their line and
column.  The positions of valid values are only needed when a later check
fails, so a document's source map is computed on demand by reading the same
text with the position-keeping YAML reader (JSON is, for this purpose,
YAML).  JSONL is streamed line by line with a bounded read, so a single
enormous line costs at most `max_record_bytes` of memory.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, BinaryIO

import jiter

from iandw.diagnostics import Diagnostic, InputChanged, Span, counted
from iandw.limits import Limits
from iandw.loader.fast import PlainFields, plain_lines
from iandw.loader.json_salvage import salvage_json
from iandw.loader.observations import ObservationInput
from iandw.loader.source import PathKey, RawDocument, SourceMap
from iandw.loader.text import BOM, decode_utf8
from iandw.loader.typed import type_document
from iandw.loader.yaml_reader import parse_yaml
from iandw.model.documents import Observation

JITER_DEPTH = 200  # jiter's own nesting limit
_JITER_ERROR = re.compile(r"(?P<what>.*) at line (?P<line>\d+) column (?P<column>\d+)$", re.DOTALL)


def _could_exceed_depth(raw: bytes, limits: Limits) -> bool:
    return raw.count(b"[") + raw.count(b"{") > limits.max_depth


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node)
    return deepest


# Characters JSON allows in strings but YAML refuses or reads as line breaks;
# replaced one-for-one before re-reading, so positions are unchanged.
_YAML_UNSAFE = {code: "?" for code in [*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF]}


def _as_yaml(text: str) -> str:
    return text.translate(_YAML_UNSAFE)


def sourcemap_for(text: str, file: str, limits: Limits, line_offset: int = 0) -> SourceMap | None:
    """Where the values of one JSON text are (it has been read: it is valid)."""
    documents, _ = parse_yaml(_as_yaml(text), file, limits, line_offset, label="JSON")
    return documents[0][1] if documents else None


def _jiter_problem(exc: ValueError, text: str, file: str, line_offset: int) -> Diagnostic:
    """jiter's 'what at line L column C' as a located diagnostic in our words."""
    found = _JITER_ERROR.match(str(exc))
    if found is None:
        return Span(file, 1 + line_offset, 1).error(f"JSON syntax error: {exc}")
    line, column = int(found["line"]), max(1, int(found["column"]))
    what = found["what"]
    duplicate = re.fullmatch(r'Detected duplicate key "(.*)"', what, re.DOTALL)
    if duplicate:
        # jiter points past the key; point at its opening quote
        lines = text.split("\n")
        written = lines[line - 1] if 0 < line <= len(lines) else ""
        start = written.rfind(f'"{duplicate.group(1)}"', 0, column + 1)
        column = start + 1 if start >= 0 else column
        return Span(file, line + line_offset, column).error(f"duplicate key {duplicate.group(1)!r}")
    span = Span(file, line + line_offset, column)
    if what.startswith("recursion limit exceeded"):
        return span.error(
            f"nesting deeper than the JSON parser allows ({JITER_DEPTH} levels); see docs/limits.md"
        )
    return span.error(f"JSON syntax error: {what}")


def parse_json_bytes(
    raw: bytes, file: str, limits: Limits, line_offset: int = 0
) -> tuple[Any, list[Diagnostic]]:
    """One JSON value, or the located problems that prevent reading it."""
    try:
        value = jiter.from_json(raw, catch_duplicate_keys=True, allow_inf_nan=False)
    except ValueError as exc:
        text, problem = decode_utf8(raw, file, line_offset)
        if problem is not None:
            return None, [problem]
        reported = _jiter_problem(exc, text, file, line_offset)
        if "nesting deeper" in reported.message:  # iandw's own limit may be lower: find it
            return None, _too_deep(text, file, limits, line_offset) or [reported]
        return None, [reported]
    if _could_exceed_depth(raw, limits) and _depth(value) > limits.max_depth:
        text, _ = decode_utf8(raw, file, line_offset)
        message = f"nesting deeper than {counted(limits.max_depth, 'level')}; see --max-depth"
        return None, _too_deep(text, file, limits, line_offset) or [
            Span(file, 1 + line_offset, 1).error(message)
        ]
    return value, []


def _too_deep(text: str, file: str, limits: Limits, line_offset: int) -> list[Diagnostic]:
    """Where the text first nests deeper than allowed, found by the YAML reader's depth count."""
    _, located = parse_yaml(_as_yaml(text), file, limits, line_offset, label="JSON")
    return [d for d in located if "nesting deeper" in d.message][:1]


def salvaged(raw: bytes, file: str, line_offset: int, elements: bool) -> list[RawDocument]:
    """What a JSON text that did not load says of itself, read up to its syntax error
    (iandw.loader.json_salvage); `elements`: a top-level list holds documents.

    The text is parsed again to find where its error is: only a text that
    failed is, so a valid one costs nothing more.  One that parses was too
    deep for --max-depth, and is read whole.
    """
    try:
        jiter.from_json(raw, catch_duplicate_keys=True, allow_inf_nan=False)
        end: int | None = len(raw)
    except ValueError as exc:
        end = _error_offset(raw, exc)
    return [] if end is None else salvage_json(raw[:end], file, line_offset, elements)


def _error_offset(raw: bytes, exc: ValueError) -> int | None:
    """The byte where jiter found its error: all before it is valid JSON (None: not said).

    jiter's column counts bytes from 1; at the end of the text it names the
    last byte, which is whole: the text is then read to its end.
    """
    found = _JITER_ERROR.match(str(exc))
    if found is None:
        return None
    if found["what"].startswith("EOF while parsing"):
        return len(raw)
    start = 0
    for _ in range(int(found["line"]) - 1):
        start = raw.find(b"\n", start) + 1
        if start == 0:
            return None
    return min(start + max(int(found["column"]) - 1, 0), len(raw))


def documents_from_json(raw: bytes, file: str, limits: Limits) -> tuple[list[RawDocument], list[Diagnostic]]:
    """A `.json` file holds one document or a list of documents."""
    value, diagnostics = parse_json_bytes(raw, file, limits)
    if diagnostics:
        twice = _with_keys_twice(raw, file, limits)
        if twice is None:
            return salvaged(raw, file, 0, elements=True), diagnostics
        value, diagnostics = twice
    state: dict[str, SourceMap | None] = {}

    def shared_sourcemap() -> SourceMap | None:
        if "map" not in state:
            state["map"] = sourcemap_for(raw.decode("utf-8"), file, limits, 0)
        return state["map"]

    items = value if isinstance(value, list) else [value]
    prefixes: list[tuple[Any, ...]] = [(i,) for i in range(len(items))] if isinstance(value, list) else [()]
    documents = []
    for item, prefix in zip(items, prefixes, strict=True):
        document = RawDocument(
            item, file, Span(file), prefix, lazy_sourcemap=shared_sourcemap, default_kind="observation"
        )
        documents.append(document)
    return documents, diagnostics


def _with_keys_twice(raw: bytes, file: str, limits: Limits) -> tuple[Any, list[Diagnostic]] | None:
    """For a text whose only fault is keys given twice: its value as JSON reads it, the last of
    each key, and an error at each key given again; None for any other fault.

    jiter stops at the first key given twice, so a list of documents lost every one, and with
    them every other mistake they held.  The YAML reader, which keeps positions, finds every
    key given again; the values are JSON's own (YAML reads `1e-1` as text).
    """
    try:
        value = jiter.from_json(raw, allow_inf_nan=False)  # duplicates aside, the text is whole
    except ValueError:
        return None
    if _could_exceed_depth(raw, limits) and _depth(value) > limits.max_depth:
        return None
    _, located = parse_yaml(_as_yaml(raw.decode("utf-8")), file, limits, 0, label="JSON")
    twice = [d for d in located if d.message.startswith("duplicate key")]
    return (value, twice) if twice else None


@dataclass(slots=True)
class JsonlLine:
    """Where one JSONL record is, so it can be read again instead of kept.

    Not frozen, though nothing changes it: one is built per line, and a
    frozen dataclass is built three times slower.
    """

    real: str
    file: str
    number: int
    offset: int
    limits: Limits

    def read_from(self, stream: BinaryIO) -> bytes | None:
        """The line's bytes, read again from its offset (None if longer than the limit)."""
        stream.seek(self.offset)
        _, _, raw = next(bounded_lines(stream, self.limits.max_record_bytes, self.offset), (0, 0, b""))
        return raw

    def raw(self) -> RawDocument:
        """The line's document again (it was read once, so it fits the limit).

        A line that no longer parses (its file changed since) is a document
        of nothing, located at the line's start.
        """
        with open(self.real, "rb") as stream:
            line = self.read_from(stream) or b""
        value, problems = parse_json_bytes(line, self.file, self.limits, line_offset=self.number - 1)
        if problems:
            return RawDocument(None, self.file, Span(self.file, self.number, 1), origin=self)
        return _line_document(value, line, self, self.limits)

    def span(self, loc: PathKey) -> Span:
        # a line with thousands of problems asks for thousands of spans: read and map it once
        try:
            status = os.stat(self.real)  # a file written again is read again
            changed = (status.st_mtime_ns, status.st_size, status.st_ino)
            return _raw_line(self.real, self.file, self.number, self.offset, self.limits, changed).span(loc)
        except OSError:  # removed since it was read: the line is still where the problem is
            return Span(self.file, self.number, 1)

    def __call__(self, expected_id: str) -> Observation:
        """The line's observation, typed again (it was valid); it must still be `expected_id`.

        Callable, so that an observation from a JSONL file keeps its line as
        the way back to its model (`ObservationRecord.source`): no closure
        per observation.  A file rewritten, truncated or removed since it was
        read would otherwise give another observation's text, or none, in
        this one's place: `InputChanged`.
        """
        try:
            document, _ = type_document(self.raw())
        except OSError as exc:
            raise self._changed(f"cannot read this line again ({exc.strerror or exc})") from None
        if not isinstance(document, Observation) or document.id != expected_id:
            raise self._changed(f"this line no longer holds observation {expected_id!r}")
        return document

    def _changed(self, what: str) -> InputChanged:
        message = f"{what}: the file changed while iandw was running; run again"
        return InputChanged(Span(self.file, self.number, 1).error(message))


@lru_cache(maxsize=8)
def _raw_line(
    real: str, file: str, number: int, offset: int, limits: Limits, _changed: tuple[int, int, int]
) -> RawDocument:
    """`JsonlLine.raw`, remembered for the last few lines asked for (its source map with it)."""
    return JsonlLine(real, file, number, offset, limits).raw()


def _line_document(value: Any, raw: bytes, line: JsonlLine, limits: Limits) -> RawDocument:
    return RawDocument(
        value,
        line.file,
        Span(line.file, line.number, 1),
        lazy_sourcemap=lambda: sourcemap_for(raw.decode("utf-8"), line.file, limits, line.number - 1),
        default_kind="observation",
        origin=line,
    )


def documents_from_jsonl(
    stream: BinaryIO, file: str, real: str, limits: Limits
) -> Iterator[RawDocument | Diagnostic | ObservationInput]:
    """One observation per line; bad lines are reported and the rest kept."""
    _, found = yield from jsonl_range(stream, file, real, limits)
    if not found:
        yield Span(file).warning("empty file")


def jsonl_range(
    stream: BinaryIO,
    file: str,
    real: str,
    limits: Limits,
    start: int = 0,
    end: int | None = None,
    base: int = 0,
) -> Generator[RawDocument | Diagnostic | ObservationInput, None, tuple[int, bool]]:
    """The items of the lines from byte `start` to `end`, numbered after line `base`.

    Returns how many lines there were, and whether any held something (a
    document or a problem).
    """
    number, found = 0, False
    lines = bounded_lines(stream, limits.max_record_bytes, start, end)
    for number, offset, raw, fields in with_plain_fields(lines, limits.max_depth):
        items = jsonl_line_items(raw, JsonlLine(real, file, base + number, offset, limits), fields)
        found = found or bool(items)
        yield from items
    return number, found


def jsonl_line_items(
    raw: bytes | None, line: JsonlLine, fields: PlainFields | None
) -> list[RawDocument | Diagnostic | ObservationInput]:
    """The plain observation or the document on one JSONL line, or its problems; nothing for a blank line.

    `raw` is None for a line longer than the limit (see `bounded_lines`);
    `fields` is what the fast path made of the line (None: the ordinary
    path judges it).
    """
    if fields is not None:
        return [ObservationInput(*fields, line, line)]
    file, number, limits = line.file, line.number, line.limits
    if raw is None:
        where = Span(file, number, 1)
        problem = where.error(f"record longer than {limits.max_record_bytes} bytes; see --max-record-bytes")
        return [problem, RawDocument.unread(where)]
    if not raw.strip():
        return []
    raw = raw.rstrip(b"\r\n")  # a record cut short ends on its own line, not the next
    value, diagnostics = parse_json_bytes(raw, file, limits, line_offset=number - 1)
    if diagnostics:
        lost = salvaged(raw, file, number - 1, elements=False)
        return [*(_with_cr_hint(d, raw) for d in diagnostics), *lost]
    if not isinstance(value, dict):
        return [Span(file, number, 1).error("a JSONL line must hold one JSON object")]
    return [_line_document(value, raw, line, limits)]


def _with_cr_hint(diagnostic: Diagnostic, raw: bytes) -> Diagnostic:
    """A file whose lines end in CR alone (as classic Mac OS wrote them) reads as one line: say so.

    JSON allows a CR only as space between tokens, so the records run
    together and the parser sees 'trailing characters' after the first.
    """
    if b"\r" not in raw or "trailing characters" not in diagnostic.message:
        return diagnostic
    hint = " (its records are separated by CR alone: end each line with LF or CRLF)"
    return dataclasses.replace(diagnostic, message=diagnostic.message + hint)


NumberedLine = tuple[int, int, bytes | None]  # what `bounded_lines` yields: (number, offset, bytes)

PLAIN_BATCH_BYTES = 1 << 20  # lines checked together: about 3,000 of a large file's, bounded in memory
PLAIN_BATCH_LINES = 4096


def with_plain_fields(
    lines: Iterator[NumberedLine], max_depth: int
) -> Iterator[tuple[int, int, bytes | None, PlainFields | None]]:
    """Each line with the fast path's reduction of it: None for a blank or over-long line, or one not plain.

    The lines are checked in batches (`plain_lines`), each batch once it is
    read; should reading fail, the lines read before are still yielded.
    """
    batch: list[NumberedLine] = []
    size = 0
    try:
        for line in lines:
            batch.append(line)
            size += len(line[2] or b"")
            if size >= PLAIN_BATCH_BYTES or len(batch) >= PLAIN_BATCH_LINES:
                yield from _with_fields(batch, max_depth)
                batch, size = [], 0
    except OSError:
        yield from _with_fields(batch, max_depth)
        raise
    yield from _with_fields(batch, max_depth)


def _with_fields(
    batch: list[NumberedLine], max_depth: int
) -> Iterator[tuple[int, int, bytes | None, PlainFields | None]]:
    written = [raw if raw is not None and raw.strip() else None for _, _, raw in batch]  # blank: None
    reduced = iter(plain_lines([raw for raw in written if raw is not None], max_depth))
    for (number, offset, raw), text in zip(batch, written, strict=True):
        yield number, offset, raw, None if text is None else next(reduced)


def bounded_lines(
    stream: BinaryIO, limit: int, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, bytes) per line; None in place of a line over the limit.

    The stream is at byte `start`, a line start; reading stops at byte `end`
    (another line start), and lines are numbered from 1 within that range.
    """
    number, offset = 0, start
    while end is None or offset < end:
        line = stream.readline(limit + 2)  # `limit` bytes and a CRLF
        if not line:
            return
        number += 1
        first = offset
        offset += len(line)
        if len(line) > limit and len(line) - _line_end(line) > limit:  # the common case, cheaply
            while line and not line.endswith(b"\n"):  # drain the rest of the long line
                line = stream.readline(1024 * 1024)
                offset += len(line)
            yield number, first, None
            continue
        if first == 0:
            line = line.removeprefix(BOM)
        yield number, first, line


def _line_end(line: bytes) -> int:
    """The bytes that end a line, which no limit counts: CRLF, LF, or a CR that ends the file."""
    return 2 if line.endswith(b"\r\n") else 1 if line.endswith((b"\n", b"\r")) else 0
