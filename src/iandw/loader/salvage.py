"""What a YAML document that could not be parsed says of itself, read key by key.

A syntax error (a tab, a key indented one space too far) loses its whole
document: without this, every observation naming an entity it defined
would be an "unknown entity" too, and every hypothesis listing an
indicator it held an "unknown indicator", burying the one true error.
The document's top-level `kind`, `id`, `name`, `aliases` and `type`
usually still read, and they are all the checks need to stay quiet about
it.  They are never loaded: the document stays unread until it is fixed.

Each such key is read alone: its line and the lines that continue its
value are cut out and parsed by the file reader itself, under the same
limits (the text is broken, and untrusted), so a quoted name with escapes
or a ' #' inside, an anchor, a block scalar or a block list of aliases
reads as the same value it would in a file that parses.  When those lines
do not parse alone, the key is not read: no name is better than a wrong
one, which would hide a true "unknown entity".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from iandw.diagnostics import Span
from iandw.loader.source import RawDocument, SourceMap

# text that parses alone as one document (lines counted from the offset given), or None
Reader = Callable[[str, int], tuple[Any, SourceMap] | None]

KEYS = ("kind", "id", "name", "aliases", "type")
_ELEMENT = re.compile(r"-(?:[ \t]|$)")
_ENTRY = re.compile(r"(?:kind|id|name|aliases|type)[ \t]*:(?:[ \t]|$)|\{")  # a key, or a flow mapping
# a value that is plainly text, read without the parser: most are, and a broken file may be large
_SIMPLE = re.compile(
    r"(?P<key>kind|id|name|aliases|type):[ \t]+"
    r"(?P<value>[^\W\d_][\w.-]*(?: [\w.-]+)*|\"[^\"\\]*\"|'[^']*')"  # plain words, or quoted without escapes
    r"(?:[ \t]+#.*)?[ \t]*"
)
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"

Found = dict[str, tuple[Any, tuple[int, int]]]  # key → value and its position


def salvage(chunk: str, file: str, line_offset: int, read: Reader) -> list[RawDocument]:
    """The identifying keys of each document in an unparsed chunk, as unparsed documents.

    A chunk is one document, or a list of them (its first content line is
    an element's); each element starts at its `-` in column 0, whatever key
    it opens with, and its keys count only when the chunk is such a list.
    A key seen again in the same document keeps its first value.
    """
    lines = [line.rstrip("\r") for line in chunk.split("\n")]
    in_list = bool(_ELEMENT.match(next((line for line in lines if _content(line)), "")))
    indent = 2 if in_list else 0  # the column of a document's keys: after "- ", or under it
    documents: list[tuple[int, Found]] = []
    element: int | None = None  # the line of the element whose keys come next, until one is read
    for number, line in enumerate(lines):
        if in_list and _ELEMENT.match(line):
            element = number  # the next element, even one whose first key is not read here
        if (in_list and not line.startswith(("- ", "  "))) or not _ENTRY.match(line, indent):
            continue
        found = _read_entry(lines, number, indent, line_offset, read)
        if not found:
            continue
        if element is not None or not documents:  # no document held for a line of nothing read
            documents.append((number if element is None else element, {}))
            element = None
        for key, value in found.items():
            documents[-1][1].setdefault(key, value)
    return [unparsed_document(found, Span(file, line_offset + number + 1, 1)) for number, found in documents]


def unparsed_document(found: Found, start: Span, default_kind: str | None = None) -> RawDocument:
    """The keys read of a document that did not parse, as one the checks count but never type.

    Shared by every format's salvage, so what a broken document silences
    is the same whichever reader lost it (iandw.loader.references.Broken).
    """
    return RawDocument(
        {key: value for key, (value, _) in found.items()},
        start.file,
        start,
        sourcemap=SourceMap(start.file, values={(key,): where for key, (_, where) in found.items()}),
        default_kind=default_kind,
        unparsed=True,
    )


def _content(line: str) -> bool:
    """Not blank, a comment, a document marker or a directive."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "---", "%"))


def _read_entry(lines: list[str], number: int, indent: int, line_offset: int, read: Reader) -> Found:
    """The key on this line (at column `indent`) with its value, or the keys of the flow
    mapping it opens (`- {kind: entity, id: x}`); nothing if they do not read alone.

    A value goes on over blank lines, deeper ones and, for a list under
    the key, lines starting '- ' in the key's column.
    """
    end = number + 1
    while end < len(lines) and _continues(lines[end], indent):
        end += 1
    line = lines[number]
    simple = _SIMPLE.fullmatch(line, indent)
    if simple and all(not text.strip() for text in lines[number + 1 : end]):
        value, where = simple["value"], (line_offset + number + 1, simple.start("value") + 1)
        if value[0] not in "'\"":
            if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR:  # not true, null …
                return {simple["key"]: (value, where)}
        elif value.isprintable():  # no NEL, no U+2028: YAML breaks lines there
            return {simple["key"]: (value[1:-1], where)}
    parsed = read("\n".join(text[indent:] for text in lines[number:end]), line_offset + number)
    if parsed is None or not isinstance(parsed[0], dict):
        return {}
    data, sourcemap = parsed
    found: Found = {}
    for key in KEYS:
        if data.get(key) is not None:
            line_number, column = sourcemap.values.get((key,), (line_offset + number + 1, 1))
            found[key] = (data[key], (line_number, column + indent))
    return found


def _continues(line: str, indent: int) -> bool:
    """Blank, deeper than the key, or an element of a list under it."""
    if not line.strip():
        return True
    if line.startswith(" " * (indent + 1)):
        return True
    return line.startswith(" " * indent) and bool(_ELEMENT.match(line, indent))
