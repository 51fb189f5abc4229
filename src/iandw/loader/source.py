"""Parsed documents with the source positions of every key and value.

Parsers produce plain Python data (dicts, lists, scalars) and a `SourceMap`
from paths inside the data (`("sources", 0, "reliability")`) to positions, so
that a problem found much later — by pydantic, by entity resolution, by a rule
check — can still be reported at `path:line:column`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from iandw.diagnostics import Span

PathKey = tuple[Any, ...]


class Locatable(Protocol):
    """Anything that can say where a path inside it was written: a document, a JSONL line."""

    def span(self, loc: PathKey) -> Span: ...


@dataclass
class SourceMap:
    """Positions (1-based line, column) of the values and keys of one parse."""

    file: str
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    poisoned: list[PathKey] = field(default_factory=list)  # values that were rejected

    def is_poisoned(self, prefix: PathKey) -> bool:
        return any(path[: len(prefix)] == prefix for path in self.poisoned)

    def span(self, path: PathKey, key: bool = False) -> Span | None:
        """The position of `path`, or of its nearest located ancestor."""
        if key and path in self.keys:
            return Span(self.file, *self.keys[path])
        while True:
            if path in self.values:
                return Span(self.file, *self.values[path])
            if not path:
                return None
            path = path[:-1]


@dataclass
class RawDocument:
    """One document (a mapping with a `kind`) as parsed, before typing.

    `prefix` is where the document sits inside its parse (a YAML list of
    documents gives each element the prefix `(index,)`).  JSON and JSONL
    documents compute their source map only when a diagnostic needs it.
    """

    data: Any
    file: str
    start: Span
    prefix: PathKey = ()
    sourcemap: SourceMap | None = None
    lazy_sourcemap: Callable[[], SourceMap | None] | None = None
    default_kind: str | None = None  # "observation" or None: only Observation fills in its kind
    origin: Any = None  # a JsonlLine: how to read this document again
    # only the identifying keys of a document with a syntax error (loader.salvage); none, of
    # what could not be read at all (`unread`)
    unparsed: bool = False

    @classmethod
    def unread(cls, start: Span) -> RawDocument:
        """What stands for an input or a record that could not be read at all: a file that cannot
        be opened or decoded, a line past --max-record-bytes.

        It may have held any document, so the checks that need every input
        wait (iandw.loader.references.Broken), as for a path that is missing.
        """
        return cls({}, start.file, start, unparsed=True)

    @property
    def is_unread(self) -> bool:
        return self.unparsed and not self.data

    def span(self, loc: PathKey = (), key: bool = False) -> Span:
        """The position of a path inside this document (tags in `loc` are skipped)."""
        sourcemap = self._resolved_sourcemap()
        if sourcemap is None:
            return self.start
        found = sourcemap.span(self.prefix + data_path(self.data, loc), key=key)
        return found or self.start

    def _resolved_sourcemap(self) -> SourceMap | None:
        if self.sourcemap is None and self.lazy_sourcemap is not None:
            self.sourcemap = self.lazy_sourcemap()
            self.lazy_sourcemap = None
        return self.sourcemap


def data_path(data: Any, loc: PathKey) -> PathKey:
    """The part of a validation `loc` that indexes real data.

    Union tags, which pydantic inserts into error locations, start with '@'
    (see iandw.model) and are dropped; a missing key ends the path, so its
    position falls back to the mapping that lacks it.
    """
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(part, str) and part.startswith("@"):
            continue
        path.append(part)
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            break
    return tuple(path)
