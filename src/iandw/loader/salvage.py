"""What a YAML document that could not be parsed says of itself, read line by line.

A syntax error (a tab, a key indented one space too far) loses its whole
document: without this, every observation naming an entity it defined
would be an "unknown entity" too, and every hypothesis listing an
indicator it held an "unknown indicator", burying the one true error.
The document's top-level `kind`, `id`, `name`, `aliases` and `type` lines
usually still read, and they are all the checks need to stay quiet about
it.  They are never loaded: the document stays unread until it is fixed.

Values are read as plain or quoted scalars and one-line flow lists only,
never by a YAML parser: the text is known to be broken, and untrusted.
"""

from __future__ import annotations

import re
from typing import Any

from iandw.diagnostics import Span
from iandw.loader.source import RawDocument

# a top-level key of the document (column 0), or of an element of a top-level list ("- kind: …", "  id: …")
_COMMENT = re.compile(r"[ \t]#")
_ELEMENT = re.compile(r"-(?:[ \t]|$)")
_LINE = re.compile(r"(?P<indent>- |  )?(?P<key>kind|id|name|aliases|type)[ \t]*:[ \t]+(?P<value>\S.*)")


def salvage(chunk: str, file: str, line_offset: int) -> list[RawDocument]:
    """The identifying keys of each document in an unparsed chunk, as unparsed documents.

    A chunk is one document, or a list of them (its first content line is
    an element's); each element starts at its `-` in column 0, whatever key
    it opens with, and its keys count only when the chunk is such a list.
    A key seen again in the same document keeps its first value.
    """
    lines = chunk.split("\n")
    in_list = next((line for line in lines if _content(line)), "").startswith("- ")
    found: list[tuple[int, dict[str, Any]]] = []
    element: int | None = None  # the line of the element whose keys come next, until one is read
    for number, text in enumerate(lines):
        line = text.rstrip("\r")
        if in_list and _ELEMENT.match(line):
            element = number  # the next element, even one whose first key is not read here
        match = _LINE.fullmatch(line)
        if match is None or (match["indent"] is not None) != in_list:
            continue
        value = _value(match["value"], as_list=match["key"] == "aliases")
        if value is None:
            continue
        if element is not None or not found:  # no document held for a line of nothing read
            found.append((number if element is None else element, {}))
            element = None
        found[-1][1].setdefault(match["key"], value)
    return [
        RawDocument(data, file, Span(file, line_offset + number + 1, 1), unparsed=True)
        for number, data in found
    ]


def _content(line: str) -> bool:
    """Not blank, a comment, a document marker or a directive."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "---", "%"))


def _value(text: str, as_list: bool) -> str | list[str] | None:
    """A scalar (quoted or plain, before any comment), or for `aliases` a one-line flow list of them."""
    comment = _COMMENT.search(text)  # two characters, no repetition: linear however long the line
    text = (text[: comment.start()] if comment else text).strip()
    if not as_list:
        return _scalar(text)
    if not (text.startswith("[") and text.endswith("]")):
        return None
    items = [_scalar(item.strip()) for item in text[1:-1].split(",")]
    return [item for item in items if item is not None]


def _scalar(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if not text or text[0] in "[]{}&*!|>'\"%@`" or text[-1] in "'\"":
        return None  # a collection, an alias, a tag or a block, or part of a quoted item cut at its comma

    return text
