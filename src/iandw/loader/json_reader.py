"""JSON and JSON Lines, fast on the happy path, located on the unhappy one.

The standard `json` parser reads values; positions are only needed when
something is wrong, so a document's source map is computed on demand by
reading the same text with the position-keeping YAML reader (JSON is, for
this purpose, YAML).  JSONL is streamed line by line with a bounded read, so a
single enormous line costs at most `max_record_bytes` of memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from iandw.diagnostics import Diagnostic, Span
from iandw.limits import Limits
from iandw.loader.source import PathKey, RawDocument, SourceMap
from iandw.loader.text import decode_utf8
from iandw.loader.yaml_reader import parse_yaml


class _DuplicateKey(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise _DuplicateKey(duplicate)
    return result


_KEY_TOKEN = re.compile(r'"\s*:')


def _key_tokens(text: str) -> int:
    """An upper bound on the keys written: every key is a '"' then ':' (string content can only add)."""
    return len(_KEY_TOKEN.findall(text))


def _key_count(value: Any) -> int:
    """Keys in the parsed value; fewer than written means a key was repeated."""
    count, stack = 0, [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += len(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def _could_exceed_depth(text: str, limits: Limits) -> bool:
    return text.count("[") + text.count("{") > limits.max_depth


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


def _sourcemap_for(text: str, file: str, limits: Limits, line_offset: int) -> SourceMap | None:
    documents, _ = parse_yaml(_as_yaml(text), file, limits, line_offset, label="JSON")
    return documents[0][1] if documents else None


def _located_problems(
    text: str, file: str, limits: Limits, line_offset: int, fallback: Span, message: str
) -> list[Diagnostic]:
    """Re-read a failing JSON text with the YAML reader to find where it fails."""
    _, diagnostics = parse_yaml(_as_yaml(text), file, limits, line_offset, label="JSON")
    return diagnostics or [fallback.error(message)]


def parse_json_text(
    text: str, file: str, limits: Limits, line_offset: int = 0
) -> tuple[Any, list[Diagnostic]]:
    """One JSON value, or the located problems that prevent reading it."""
    start = Span(file, 1 + line_offset, 1)
    try:
        value = json.loads(text)
        if _key_tokens(text) != _key_count(value):  # maybe a duplicate: look closely
            value = json.loads(text, object_pairs_hook=_reject_duplicates)
    except _DuplicateKey as exc:
        return None, _located_problems(
            text, file, limits, line_offset, start, f"duplicate key {exc.args[0]!r}"
        )
    except json.JSONDecodeError as exc:
        message = exc.msg.removesuffix(" at")  # "Invalid control character at"
        return None, [Span(file, exc.lineno + line_offset, exc.colno).error(f"JSON syntax error: {message}")]
    except RecursionError:
        return None, _located_problems(
            text,
            file,
            limits,
            line_offset,
            start,
            "nesting deeper than the JSON parser allows (about 990 levels); see docs/limits.md",
        )
    if _could_exceed_depth(text, limits) and _depth(value) > limits.max_depth:
        return None, _located_problems(
            text,
            file,
            limits,
            line_offset,
            start,
            f"nesting deeper than {limits.max_depth} levels; see --max-depth",
        )
    return value, []


def documents_from_json(text: str, file: str, limits: Limits) -> tuple[list[RawDocument], list[Diagnostic]]:
    """A `.json` file holds one document or a list of documents."""
    value, diagnostics = parse_json_text(text, file, limits)
    if diagnostics:
        return [], diagnostics
    state: dict[str, SourceMap | None] = {}

    def shared_sourcemap() -> SourceMap | None:
        if "map" not in state:
            state["map"] = _sourcemap_for(text, file, limits, 0)
        return state["map"]

    items = value if isinstance(value, list) else [value]
    prefixes: list[tuple[Any, ...]] = [(i,) for i in range(len(items))] if isinstance(value, list) else [()]
    documents = []
    for item, prefix in zip(items, prefixes, strict=True):
        document = RawDocument(
            item, file, Span(file), prefix, lazy_sourcemap=shared_sourcemap, default_kind="observation"
        )
        documents.append(document)
    return documents, []


@dataclass(frozen=True, slots=True)
class JsonlLine:
    """Where one JSONL record is, so it can be read again instead of kept."""

    real: str
    file: str
    number: int
    offset: int
    limits: Limits

    def raw(self) -> RawDocument:
        with open(self.real, "rb") as stream:
            stream.seek(self.offset)
            line = stream.readline(self.limits.max_record_bytes + 1)
        text = line.decode("utf-8-sig" if self.offset == 0 else "utf-8")
        value, _ = parse_json_text(text, self.file, self.limits, line_offset=self.number - 1)
        return _line_document(value, text, self, self.limits)

    def span(self, loc: PathKey) -> Span:
        return self.raw().span(loc)


def _line_document(value: Any, text: str, line: JsonlLine, limits: Limits) -> RawDocument:
    return RawDocument(
        value,
        line.file,
        Span(line.file, line.number, 1),
        lazy_sourcemap=lambda: _sourcemap_for(text, line.file, limits, line.number - 1),
        default_kind="observation",
        origin=line,
    )


def documents_from_jsonl(
    stream: BinaryIO, file: str, real: str, limits: Limits
) -> Iterator[RawDocument | Diagnostic]:
    """One observation per line; bad lines are reported and the rest kept."""
    empty = True
    for number, offset, raw in _bounded_lines(stream, limits.max_record_bytes):
        if raw is None:
            empty = False
            yield Span(file, number, 1).error(
                f"record longer than {limits.max_record_bytes} bytes; see --max-record-bytes"
            )
            continue
        text, problem = decode_utf8(raw, file, line_offset=number - 1)
        if problem is not None:
            yield problem
            continue
        if not text.strip():
            continue
        empty = False
        value, diagnostics = parse_json_text(text, file, limits, line_offset=number - 1)
        if diagnostics:
            yield from diagnostics
            continue
        if not isinstance(value, dict):
            yield Span(file, number, 1).error("a JSONL line must hold one JSON object")
            continue
        yield _line_document(value, text, JsonlLine(real, file, number, offset, limits), limits)
    if empty:
        yield Span(file).warning("empty file")


def _bounded_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, bytes) per line; None in place of a line over the limit."""
    number = offset = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        start = offset
        offset += len(line)
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # drain the rest of the long line
                line = stream.readline(1024 * 1024)
                offset += len(line)
            yield number, start, None
            continue
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        yield number, start, line
