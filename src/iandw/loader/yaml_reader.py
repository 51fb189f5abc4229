"""Safe YAML with positions, duplicate-key detection and resource limits.

PyYAML's safe loader (the libyaml C parser when present) produces the event
stream; this module builds plain data from it.  Building from events rather
than calling `yaml.safe_load` is what lets us keep the line and column of
every key and value, reject duplicate keys (which PyYAML silently
overwrites), and stop alias bombs and deep nesting before they cost memory
— all without recursion, so no input can exhaust the Python stack.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from iandw.diagnostics import Diagnostic, Span, counted, has_errors
from iandw.limits import Limits
from iandw.loader.salvage import salvage
from iandw.loader.source import PathKey, RawDocument, SourceMap

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_STR_TAG = _YAML + "str"
_MERGE_TAG = _YAML + "merge"


@dataclass
class _Frame:
    """An open mapping or sequence while its events are read."""

    container: dict[Any, Any] | list[Any]
    path: PathKey
    anchor: str | None
    size: int = 1
    key: Any = None
    has_key: bool = False
    merges: list[Any] = field(default_factory=list)


class _DocumentAbandoned(Exception):
    """A limit was exceeded; the rest of the document is skipped."""


def _position(mark: Any, line_offset: int) -> tuple[int, int]:
    return mark.line + 1 + line_offset, mark.column + 1


def parse_yaml(
    text: str, file: str, limits: Limits, line_offset: int = 0, label: str = "YAML"
) -> tuple[list[tuple[Any, SourceMap, Span]], list[Diagnostic]]:
    """Parse every document of a YAML stream.

    Returns (data, source map, start) per complete document and the problems
    found.  A syntax error ends the stream, but documents before it are kept.
    `label` names the language in messages (JSON is re-read with this reader
    to locate its problems).
    """
    loader = _Loader(text)
    documents: list[tuple[Any, SourceMap, Span]] = []
    diagnostics: list[Diagnostic] = []
    try:
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                start = Span(file, *_position(event.start_mark, line_offset))
                composed = _compose_document(loader, file, limits, line_offset, diagnostics)
                if composed is not None:
                    data, sourcemap = composed
                    documents.append((data, sourcemap, start))
    except yaml.MarkedYAMLError as exc:
        problem = _syntax_error(exc, text, file, line_offset, label)
        if not (_DEPTH_PROBLEM in str(exc.problem) and any(_DEPTH_MESSAGE in d.message for d in diagnostics)):
            diagnostics.append(problem)
    except yaml.reader.ReaderError as exc:
        line, column = _text_position(text, exc.position)
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        diagnostics.append(
            Span(file, line + line_offset, column).error(
                f"{label} error: character U+{character:04X} is not allowed (a control character?)"
            )
        )
    except yaml.YAMLError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        diagnostics.append(Span(file, 1 + line_offset, 1).error(f"{label} error: {first_line}"))
    finally:
        loader.dispose()
    return documents, diagnostics


_DEPTH_PROBLEM = "exceeded maximum nesting depth"
_DEPTH_MESSAGE = "nesting deeper than"


def _text_position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, clamped to the text."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _mark_position(mark: Any, text: str, line_offset: int) -> tuple[int, int]:
    """A mark's position, moved back inside the text when libyaml points past its end."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    line, column = mark.line + 1, mark.column + 1
    if line > len(lines):
        line, column = max(1, len(lines)), len(lines[-1]) + 1 if lines else 1
    return line + line_offset, column


def _syntax_error(
    exc: yaml.MarkedYAMLError, text: str, file: str, line_offset: int, label: str
) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = _mark_position(mark, text, line_offset) if mark else (1 + line_offset, 1)
    problem = exc.problem or exc.context or f"invalid {label}"
    if _DEPTH_PROBLEM in problem:
        return Span(file, line, column).error(
            f"{_DEPTH_MESSAGE} the {label} parser allows (1000 flow levels); see docs/limits.md"
        )
    context = ""
    if exc.context and exc.problem:
        context = f" ({exc.context}"
        if exc.context_mark is not None and exc.context_mark is not exc.problem_mark:
            context_line, context_column = _mark_position(exc.context_mark, text, line_offset)
            if (context_line, context_column) != (line, column):
                context += f" that starts at line {context_line}, column {context_column}"
        context += ")"
    found = _character_at(text, mark) if mark else ""
    hint = _syntax_hint(problem, found)
    return Span(file, line, column).error(f"{label} syntax error: {problem}{context}{hint}")


def _character_at(text: str, mark: Any) -> str:
    """The character a mark points at ('' past the end): libyaml does not always name it."""
    lines = text.split("\n")
    if mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def _syntax_hint(problem: str, found: str) -> str:
    """What the parser's words usually mean in a hand-written rule file."""
    if found == "\t" and "tab" not in problem:
        return "; the character is a tab: YAML indents with spaces only"
    if "mapping values are not allowed" in problem:
        # `key: value` where the parser expected none: this line is indented deeper than the
        # one above, which already holds a value, or a plain value holds ': '
        return (
            "; usually a key indented deeper than the line above, which already has a value, "
            "or a value holding ': ' that needs quotes"
        )
    return ""


def _compose_document(
    loader: Any, file: str, limits: Limits, line_offset: int, diagnostics: list[Diagnostic]
) -> tuple[Any, SourceMap] | None:
    """Read events up to DocumentEnd; None when a limit abandoned the document."""
    sourcemap = SourceMap(file)
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    alias_nodes = 0
    root: Any = None
    abandoned = False

    def place(value: Any, position: tuple[int, int], size: int, anchor: str | None) -> None:
        nonlocal root
        if anchor is not None:
            anchors[anchor] = (value, size)
        if not stack:
            sourcemap.values[()] = position
            root = value
            return
        frame = stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            sourcemap.values.setdefault(path, position)
            frame.container.append(value)
            return
        if not frame.has_key:
            _accept_key(frame, value, position, sourcemap, diagnostics)
            return
        key, frame.has_key = frame.key, False
        if key is _MERGE_KEY:
            frame.merges.append((value, position))
            return
        if key is _BAD_KEY:
            return
        sourcemap.values.setdefault((*frame.path, key), position)
        frame.container[key] = value

    while True:
        event = loader.get_event()
        if isinstance(event, yaml.DocumentEndEvent):
            break
        position = _position(event.start_mark, line_offset)
        if abandoned:
            continue
        try:
            if isinstance(event, yaml.ScalarEvent):
                try:
                    value = _construct_scalar(loader, event, file, position)
                except _InvalidScalar as invalid:
                    diagnostics.append(invalid.args[0])
                    sourcemap.poisoned.append(_child_path(stack, position))
                    value = None
                if value is _MERGE_KEY and not _expects_key(stack):
                    value = "<<"
                place(value, position, 1, event.anchor)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    diagnostics.append(
                        Span(file, *position).error(
                            f"unknown YAML alias '*{event.anchor}' (an alias must follow its anchor)"
                        )
                    )
                    sourcemap.poisoned.append(_child_path(stack, position))
                    place(None, position, 1, None)
                    continue
                value, size = anchors[event.anchor]
                alias_nodes += size
                if alias_nodes > limits.max_alias_nodes:
                    raise _DocumentAbandoned(
                        Span(file, *position).error(
                            f"YAML aliases expand this document beyond {limits.max_alias_nodes} "
                            "nodes (an alias bomb?); see --max-alias-nodes"
                        )
                    )
                place(value, position, size, None)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                try:
                    _check_collection_tag(event, file, position)
                except _InvalidScalar as invalid:
                    diagnostics.append(invalid.args[0])
                    sourcemap.poisoned.append(_child_path(stack, position))
                if len(stack) >= limits.max_depth:
                    raise _DocumentAbandoned(
                        Span(file, *position).error(
                            f"{_DEPTH_MESSAGE} {counted(limits.max_depth, 'level')}; see --max-depth"
                        )
                    )
                path = _child_path(stack, position)
                container: dict[Any, Any] | list[Any] = (
                    {} if isinstance(event, yaml.MappingStartEvent) else []
                )
                stack.append(_Frame(container, path, event.anchor))
                sourcemap.values.setdefault(path, position)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.merges and isinstance(frame.container, dict):
                    _apply_merges(frame, file, sourcemap, diagnostics)
                place_position = sourcemap.values.get(frame.path, position)
                if stack and isinstance(stack[-1].container, dict) and not stack[-1].has_key:
                    stack[-1].has_key = True
                    stack[-1].key = _BAD_KEY
                    diagnostics.append(
                        Span(file, *place_position).error("a mapping or list cannot be used as a key")
                    )
                    continue
                place(frame.container, place_position, frame.size, frame.anchor)
        except _DocumentAbandoned as abandon:
            diagnostics.append(abandon.args[0])
            abandoned = True
            stack.clear()
    if abandoned:
        return None
    return root, sourcemap


def _expects_key(stack: list[_Frame]) -> bool:
    return bool(stack) and isinstance(stack[-1].container, dict) and not stack[-1].has_key


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_MERGE_KEY = _Sentinel("<<")
_BAD_KEY = _Sentinel("<bad key>")


class _InvalidScalar(Exception):
    """A value (scalar or tagged collection) that cannot be accepted; its document element is dropped."""


def _construct_scalar(loader: Any, event: Any, file: str, position: tuple[int, int]) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR_TAG:
        return event.value  # what PyYAML would construct, without building a node for it
    if tag == _MERGE_TAG:
        return _MERGE_KEY
    if tag not in _SCALAR_TAGS:
        raise _InvalidScalar(
            Span(file, *position).error(
                f"unsupported YAML tag {_short_tag(tag)!r}: only plain data "
                "(strings, numbers, booleans, dates, null) is allowed"
            )
        )
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return _showable(loader.construct_object(node))
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        if event.tag is None:
            return event.value  # looked like a date or number but is not one: keep the text
        raise _InvalidScalar(
            Span(file, *position).error(f"invalid {_short_tag(tag)} value {event.value!r}: {exc}")
        ) from None


# Python writes no whole number of more digits than this (sys.get_int_max_str_digits),
# and reads none in decimal; in hexadecimal, octal or binary it reads any.
_UNSHOWABLE = 10**4300


def _showable(value: Any) -> Any:
    """`value`, unless it is a number no message or report could show: a ValueError then, as for
    a decimal one that long (a `0x…` of 3,600 digits had been an internal error where shown)."""
    if isinstance(value, int) and abs(value) >= _UNSHOWABLE:
        raise ValueError("a number of more than 4,300 digits")
    return value


def _check_collection_tag(event: Any, file: str, position: tuple[int, int]) -> None:
    allowed = _YAML + ("map" if isinstance(event, yaml.MappingStartEvent) else "seq")
    if event.tag not in (None, "!", allowed):
        raise _InvalidScalar(
            Span(file, *position).error(
                f"unsupported YAML tag {_short_tag(event.tag)!r}: only plain data is allowed"
            )
        )


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


def _child_path(stack: list[_Frame], position: tuple[int, int]) -> PathKey:
    if not stack:
        return ()
    frame = stack[-1]
    if isinstance(frame.container, list):
        return (*frame.path, len(frame.container))
    if frame.has_key and frame.key not in (_MERGE_KEY, _BAD_KEY):
        return (*frame.path, frame.key)
    return (*frame.path, ("<key>", position))


def _accept_key(
    frame: _Frame,
    key: Any,
    position: tuple[int, int],
    sourcemap: SourceMap,
    diagnostics: list[Diagnostic],
) -> None:
    frame.has_key = True
    frame.key = key
    if key is _MERGE_KEY:
        return
    assert isinstance(frame.container, dict)
    if key is None or isinstance(key, (bool, float, dt.date)):
        shown = "null" if key is None else repr(key).lower() if isinstance(key, bool) else str(key)
        diagnostics.append(
            Span(sourcemap.file, *position).error(
                f"a mapping key must be text or a whole number, got {shown}; quote it if you meant the text"
            )
        )
        frame.key = _BAD_KEY
        return
    try:
        duplicate = key in frame.container
    except TypeError:
        diagnostics.append(Span(sourcemap.file, *position).error("this key cannot be used in a mapping"))
        frame.key = _BAD_KEY
        return
    if duplicate:
        first = sourcemap.keys.get((*frame.path, key))
        where = ""
        if first:  # a flow mapping, as JSON writes, gives both on one line
            where = (
                f" (first at column {first[1]})"
                if first[0] == position[0]
                else f" (first at line {first[0]})"
            )
        diagnostics.append(Span(sourcemap.file, *position).error(f"duplicate key {key!r}{where}"))
        frame.key = _BAD_KEY
        return
    sourcemap.keys[(*frame.path, key)] = position


def _apply_merges(frame: _Frame, file: str, sourcemap: SourceMap, diagnostics: list[Diagnostic]) -> None:
    """YAML 1.1 merge keys (`<<: *defaults`): explicit keys win over merged ones."""
    assert isinstance(frame.container, dict)
    for value, position in frame.merges:
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, dict):
                diagnostics.append(
                    Span(file, *position).error("'<<' merges only mappings or lists of mappings")
                )
                continue
            for key, item in source.items():
                if key not in frame.container:
                    frame.container[key] = item
                    sourcemap.values.setdefault((*frame.path, key), position)
                    sourcemap.keys.setdefault((*frame.path, key), position)


_DOCUMENT_MARKER = re.compile(r"---(?:[ \t\r]|$)")
_DIRECTIVE = re.compile(r"%(?:YAML|TAG)[ \t]")
_PREAMBLE = re.compile(_DIRECTIVE.pattern + r"|[ \t\r]*(?:#|$)")  # directives, blank lines, comments
_DOCUMENT_END = re.compile(r"\.\.\.(?:[ \t\r]|$)")


def _document_chunks(text: str) -> list[tuple[int, str]]:
    """The stream cut before each '---' line, with the line each piece starts at.

    A '---' at the start of a line always begins a document (YAML forbids it
    inside content), so each piece parses alone: a syntax error or a parser
    limit in one document does not take the following documents with it.
    The directives before a '---' (`%YAML 1.1`, `%TAG …`) go with it: those
    at the stream's start or after a '...' end marker, the only places YAML
    allows them (elsewhere a line starting '%YAML ' is a string's text).
    """
    lines = text.split("\n")
    starts = [0]
    for number, line in enumerate(lines):
        if not number or not _DOCUMENT_MARKER.match(line):
            continue
        first = number
        while first > starts[-1] and _PREAMBLE.match(lines[first - 1]):
            first -= 1
        ended = first == 0 or _DOCUMENT_END.match(lines[first - 1])
        if not ended or not any(_DIRECTIVE.match(lines[index]) for index in range(first, number)):
            starts.append(number)
        elif first > starts[-1]:
            starts.append(first)
        # else the piece before holds only this document's directives (and blanks, comments): one piece
    ends = [*starts[1:], len(lines)]
    return [(start, "\n".join(lines[start:end])) for start, end in zip(starts, ends, strict=True)]


def read_alone(text: str, file: str, limits: Limits, line_offset: int) -> tuple[Any, SourceMap] | None:
    """The data of a text that parses as one document without an error, else None.

    How salvage reads a key cut out of a broken document: by the same rules
    as a whole file, limits included.
    """
    found, problems = parse_yaml(text, file, limits, line_offset)
    if len(found) != 1 or has_errors(problems):
        return None
    data, sourcemap, _ = found[0]
    return data, sourcemap


def documents_from_yaml(text: str, file: str, limits: Limits) -> tuple[list[RawDocument], list[Diagnostic]]:
    """Split a YAML stream into documents: each mapping, or each mapping of a list."""
    parsed: list[tuple[Any, SourceMap, Span]] = []
    diagnostics: list[Diagnostic] = []
    lost: list[RawDocument] = []
    for line_offset, chunk in _document_chunks(text):
        found, problems = parse_yaml(chunk, file, limits, line_offset)
        parsed += found
        diagnostics += problems
        if not found and has_errors(problems):
            lost += salvage(
                chunk, file, line_offset, lambda text, offset: read_alone(text, file, limits, offset)
            )
    documents: list[RawDocument] = []
    for data, sourcemap, start in parsed:
        if data is None:
            continue  # an empty document (a file of comments, or a trailing '---')
        if isinstance(data, list):
            for index, item in enumerate(data):
                if sourcemap.is_poisoned((index,)):
                    continue  # its unacceptable value was reported where it was read
                item_start = sourcemap.span((index,)) or start
                documents.append(RawDocument(item, file, item_start, (index,), sourcemap))
        else:
            if not sourcemap.is_poisoned(()):
                documents.append(RawDocument(data, file, sourcemap.span(()) or start, (), sourcemap))
    return documents + lost, diagnostics
