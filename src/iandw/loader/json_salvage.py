"""What a JSON text that could not be parsed says of itself, read up to where it breaks.

A JSONL line (or a JSON file) with a syntax error loses its record: without
this, every observation naming an entity it defined would be an "unknown
entity" too, and every hypothesis listing an indicator it held an "unknown
indicator", burying the one true error.  As for YAML (iandw.loader.salvage),
the top-level `kind`, `id`, `name`, `aliases` and `type` of each document are
read for the checks alone, and the document is never loaded.

Only the text before the parser's error is read, and it is valid JSON as
far as it goes: the parser read it so.  A key is read when its whole value
lies there and parses alone, by the same parser, as the value the text
will give once fixed (escapes included).  Nothing after the error is read:
a quote missing or one too many turns what follows inside out, text read
as keys and keys as text, and no scan can tell which.  A key written twice
is not read (which one a fix keeps is unknown), nor a value that is no
text nor list (a number, `null`): it names nothing.  No name is better
than a wrong one, which would hide a true "unknown entity".

The text is untrusted and may be a record of --max-record-bytes: it is
scanned once, token by token, by patterns that cannot backtrack, and a
string left open ends the scan (tried again at each quote inside it, a
pattern would read the rest of the text once per quote).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jiter

from iandw.diagnostics import Span
from iandw.loader.salvage import KEYS, Found, unparsed_document
from iandw.loader.source import RawDocument

# a string, a bracket, or the opening quote of a string the error cut short (the rest is its text)
_TOKEN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[\[\]{}]|"', re.DOTALL)
_COLON = re.compile(rb"[ \t\r\n]*+:[ \t\r\n]*+")  # after a key: where its value starts
_QUOTE, _OPEN, _OBJECT = ord('"'), b"[{", ord("{")
_KEYS = {f'"{key}"'.encode(): key for key in KEYS}
_UNREAD = object()


def salvage_json(valid: bytes, file: str, line_offset: int, elements: bool) -> list[RawDocument]:
    """The identifying keys of each document in `valid`, the part of a JSON text before its error.

    A document is the top-level object or, with `elements` (a JSON file),
    each object in a top-level list.  One whose object closed before the
    error and has no `kind` is an observation, as it would be once it
    parses; one cut short may have its `kind` after the error: none.
    """
    documents = []
    for document in _documents(valid, elements, _Places(valid, line_offset)):
        found: Found = {}
        for key, (first, end, where) in document.values.items():
            value = _value(valid[first:end]) if document.written[key] == 1 else _UNREAD
            if value is not _UNREAD:
                found[key] = (value, where)
        if found:
            observation = document.closed and "kind" not in document.written
            start = Span(file, *document.start)
            documents.append(unparsed_document(found, start, "observation" if observation else None))
    return documents


@dataclass(slots=True)
class _Document:
    """One document as scanned: how often each key of KEYS is written, and the bytes and
    position of each whole value read."""

    start: tuple[int, int]
    written: dict[str, int] = field(default_factory=dict)
    values: dict[str, tuple[int, int, tuple[int, int]]] = field(default_factory=dict)
    closed: bool = False


def _documents(text: bytes, elements: bool, places: _Places) -> Iterator[_Document]:
    """Each document of the text, its keys found by following strings and brackets.

    The text is valid JSON as far as it goes, so a string token is a string
    and a bracket outside one is structure; `level` is the depth of a
    document's keys: 1 in a top-level object, 2 in the objects of a list.
    """
    depth, level = 0, 0
    document: _Document | None = None
    key: tuple[str, int] | None = None  # a key of KEYS just read, and where its value starts
    opened: tuple[str, int] | None = None  # such a key whose value, a list or object, is open
    for token in _TOKEN.finditer(text):
        start, end = token.span()
        first = text[start]
        if first == _QUOTE:
            if end - start == 1:
                break  # a string cut short by the error
            if document is None or depth != level:
                continue
            colon = _COLON.match(text, end)
            if colon is not None:  # a key
                key = _counted(document, text[start:end], colon.end())
            elif key is not None and key[1] == start:
                document.values[key[0]] = (start, end, places(start))
                key = None
        elif first in _OPEN:
            depth += 1
            if depth == 1:
                level = 1 if first == _OBJECT else 2 if elements else 0
            if document is None and depth == level and first == _OBJECT:
                document = _Document(places(start))
            elif document is not None and depth == level + 1 and key is not None and key[1] == start:
                opened, key = key, None
        else:
            depth -= 1
            if document is not None and depth == level and opened is not None:
                document.values[opened[0]] = (opened[1], end, places(opened[1]))
                opened = None
            elif document is not None and depth == level - 1:
                document.closed = True
                yield document
                document, key = None, None
    if document is not None:
        yield document


def _counted(document: _Document, written: bytes, value: int) -> tuple[str, int] | None:
    """The key written, if it is one of KEYS (counted), with where its value starts."""
    key = _KEYS.get(written)
    if key is None and b"\\" in written:  # "\u0069d" is "id"
        decoded = _value(written)
        key = decoded if isinstance(decoded, str) and decoded in KEYS else None
    if key is None:
        return None
    document.written[key] = document.written.get(key, 0) + 1
    return key, value


def _value(written: bytes) -> Any:
    """The value a whole JSON text gives, by the file reader's own rules; _UNREAD if it gives none."""
    try:
        return jiter.from_json(written, catch_duplicate_keys=True, allow_inf_nan=False)
    except ValueError:
        return _UNREAD


class _Places:
    """Line and column (in characters) of byte offsets asked in increasing order, each byte
    counted once: a minified JSON file is one line of many documents."""

    def __init__(self, text: bytes, line_offset: int) -> None:
        self.text, self.offset, self.line, self.column = text, 0, line_offset + 1, 1

    def __call__(self, offset: int) -> tuple[int, int]:
        newline = self.text.rfind(b"\n", self.offset, offset)
        if newline >= 0:
            self.line += self.text.count(b"\n", self.offset, offset)
            self.offset, self.column = newline + 1, 1
        # a token starts on a character boundary: the bytes before it decode whole
        self.column += len(self.text[self.offset : offset].decode("utf-8", "replace"))
        self.offset = offset
        return self.line, self.column
