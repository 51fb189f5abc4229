"""A document that failed typing, typed again from a copy with its bad values taken out.

One type error (`within: 3 weeks`) keeps its document out of the case, and
so, until now, out of every check that runs on typed documents: its unknown
entities, undeclared variables and unknown selections came out one run
later, after the fix.  Here a copy of the document is repaired where
pydantic located each error: an optional value is removed, a list item or
a mapping entry is removed, a named entry (`vars`, `select`) is emptied so
that its name stays, and a required value that no check reads gets a
placeholder.  The repaired copy is typed again, a few times at most; if it
types, the checks run on it (iandw.loader.checks), and it is never loaded:
the document stays broken.

A repair must not cause an error of its own: `Intact` says which parts the
checks count on it left whole, and a check whose part was touched is not
made (a variable removed with its pattern would make its declaration
"unused").  No error is better than a wrong one.  Positions are those of the
document as written: a path into the copy is taken back past the list items
removed from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from iandw.diagnostics import Span, suggest
from iandw.loader.json_reader import JsonlLine
from iandw.loader.references import line_start
from iandw.loader.source import Locatable, PathKey, RawDocument, data_path
from iandw.loader.typed import Loaded, model_at
from iandw.model.documents import (
    Document,
    Entity,
    Hypothesis,
    Indicator,
    Observation,
    RuleTest,
    Scale,
    Source,
    validation_context,
)

D = TypeVar("D", bound=Document)

TYPINGS_AT_MOST = 3  # a repair may reveal what a union could not say before: a second round, rarely a third
REPAIRS_AT_MOST = 1_000  # documents given a repair: a file of a million bad lines must not cost a repair each

# Required values no check reads: a placeholder lets the rest of the document be checked.  An
# id, a selection's or a test's name, a reference is read, and is never invented.
PLACEHOLDERS: dict[tuple[type[BaseModel], str], Any] = {
    (Indicator, "title"): "",
    (Indicator, "likelihood_ratio"): 1.0,
    (Hypothesis, "statement"): "",
    (RuleTest, "expect"): "fired",
    (RuleTest, "as_of"): "2000-01-01",  # its day is checked: a valid one says nothing
    (Observation, "type"): "-",
    (Observation, "date"): "2000",
    (Entity, "type"): "-",
    (Source, "name"): "-",
}

# The kinds whose documents the checks read; a scoring document names nothing.
REPAIRED_KINDS: dict[str, type[BaseModel]] = {
    "entity": Entity,
    "observation": Observation,
    "indicator": Indicator,
    "hypothesis": Hypothesis,
    "scale": Scale,
}


@dataclass(frozen=True)
class Intact:
    """What the checks count on that a repair left whole; all of it, in a document that typed."""

    declared: bool = True  # the names under `vars`: else "undeclared" and "not a variable" may be false
    uses: bool = True  # every `$variable` under `select`: else "declared but no pattern uses it" may be
    selections: bool = True  # the names under `select`: else "unknown selection" may be false
    fixtures: bool = True  # each rule test's observations and ids: else a `matches` id may seem unknown
    listed: bool = True  # a hypothesis's `indicators`: else a `bind` key may seem to be no variable


WHOLE = Intact()


@dataclass
class Repaired(Loaded[D]):
    """A document that failed typing, typed from its repaired copy: checked, never loaded.

    `span` gives a path into the copy where it was written in the document.
    """

    intact: Intact = WHOLE
    kept: dict[PathKey, list[int]] = field(default_factory=dict)  # list (as written) → items left

    def span(self, *loc: Any, key: bool = False) -> Span:
        return self.raw.span(written_at(self.kept, loc), key=key)


@dataclass(frozen=True)
class Mentions:
    """The entities an entity or observation that failed typing names, and where.

    Kept lean: a JSONL line is read again to locate one, and its document is not held.
    """

    where: Locatable
    references: tuple[tuple[str, PathKey], ...]

    def span(self, loc: PathKey) -> Span:
        return self.where.span(loc)

    @property
    def start(self) -> Span | None:
        """A JSONL line's start, which nothing in it precedes: no reading it again to compare."""
        return line_start(self.where)


@dataclass
class Repairs:
    """The documents that failed typing, as far as they can still be checked."""

    rules: list[Repaired[Any]] = field(default_factory=list)  # indicators, hypotheses, scales
    mentions: list[Mentions] = field(default_factory=list)  # entities, observations
    left: int = REPAIRS_AT_MOST

    def add(self, raw: RawDocument) -> None:
        """`raw`, which failed typing, repaired if it can be; only so many are tried."""
        if self.left <= 0:
            return
        self.left -= 1
        found = repair(raw)
        if found is None:
            return
        if isinstance(found.document, (Entity, Observation)):
            written = _references(found.document)
            references = tuple((name, written_at(found.kept, loc)) for loc, name in written)
            if not references:
                return
            where = raw.origin if isinstance(raw.origin, JsonlLine) else raw
            self.mentions.append(Mentions(where, references))
        else:
            self.rules.append(found)


def _references(document: Entity | Observation) -> Iterator[tuple[PathKey, str]]:
    if isinstance(document, Entity):
        yield from ((("member_of", index), name) for index, name in enumerate(document.member_of))
    else:
        yield from ((("entities", i, "entity"), ref.entity) for i, ref in enumerate(document.entities))


def repair(raw: RawDocument) -> Repaired[Any] | None:
    """The document typed from a repaired copy of it; None if no safe repair types."""
    data = raw.data
    if not isinstance(data, dict):
        return None
    kind = data.get("kind", raw.default_kind)
    model = REPAIRED_KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        return None
    copy = _Copy(model, data)
    for _ in range(TYPINGS_AT_MOST):
        try:
            document = model.model_validate(copy.data, context=validation_context())
        except ValidationError as exc:
            if not copy.repair([(tuple(e["loc"]), e["type"]) for e in exc.errors(include_url=False)]):
                return None
            continue
        return Repaired(document, raw, copy.intact(), copy.kept)
    return None


def written_at(kept: dict[PathKey, list[int]], loc: PathKey) -> PathKey:
    """A path into the repaired copy as a path into the document: list indices past those removed."""
    path: list[Any] = []
    for part in loc:
        if _is_tag(part):
            continue
        items = kept.get(tuple(path))
        path.append(items[part] if items is not None and isinstance(part, int) else part)
    return tuple(path)


_ABSENT = object()


def _is_tag(part: Any) -> bool:
    """A union's tag in a validation path (iandw.model): it names a member, not a place in the data."""
    return isinstance(part, str) and part.startswith("@")


def _at(data: Any, path: PathKey) -> Any:
    node = data
    for part in path:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_list or (isinstance(node, dict) and part in node)):
            return _ABSENT
        node = node[part]
    return node


@dataclass(frozen=True)
class _Change:
    """One repair at a path into the copy: removed, or replaced by `value`."""

    path: PathKey
    removed: bool
    value: Any = None
    meant: tuple[str, ...] = ()  # the keys an unknown key taken out may misspell: what it held is theirs


@dataclass(frozen=True)
class _Damage:
    """What a repair took, at its path as written: the checks judge from it what they can trust."""

    path: PathKey
    removed: bool
    taken: Any


class _Copy:
    """The copy being repaired, with what each repair took and the list items left.

    Copied on write, along the paths repaired only: a value a YAML alias repeats stays one
    value elsewhere, validated once (`validation_context`), and the document is left as it is.
    """

    def __init__(self, model: type[BaseModel], data: dict[str, Any]) -> None:
        self.model = model
        self.data = data
        self.owned: set[int] = set()  # ids of the mappings and lists copied, to change in place
        self.kept: dict[PathKey, list[int]] = {}
        self.damage: list[_Damage] = []

    def repair(self, errors: list[tuple[PathKey, str]]) -> bool:
        """Each error's value taken out or replaced; False if one cannot be safely."""
        changes: dict[PathKey, _Change] = {}
        for loc, kind in errors:
            change = self._change(loc, missing=kind == "missing")
            if change is None:
                return False
            changes[change.path] = change
        # deepest first, and a list's later items before its earlier ones: no index moves under another
        for change in sorted(changes.values(), key=_order, reverse=True):
            self._apply(change)
        return True

    def _change(self, loc: PathKey, missing: bool) -> _Change | None:
        """How to repair the value at a validation `loc`: the nearest place that can be cut safely."""
        if loc and loc[-1] == "[key]":  # a mapping's key is bad: its entry goes
            path = data_path(self.data, loc[:-1])
            return _Change(path, removed=True) if path and _at(self.data, path) is not _ABSENT else None
        while loc:
            if _is_tag(loc[-1]):
                loc = loc[:-1]  # a union's tag names the member, not a place in the data
                continue
            path = data_path(self.data, loc)
            if len(path) < len([part for part in loc if not _is_tag(part)]):
                return None  # a path through what is not there: nothing to cut
            if not missing and _at(self.data, path) is _ABSENT:
                return None
            holder = _at(self.data, path[:-1])
            part = loc[-1]
            if isinstance(holder, list):
                return _Change(path, removed=True)
            if not isinstance(holder, dict):
                return None
            owner = model_at(self.model, loc[:-1])
            if owner is None:  # an entry of a mapping of named entries
                entry = model_at(self.model, loc)
                if entry is not None and not any(f.is_required() for f in entry.model_fields.values()):
                    return _Change(path, removed=False, value={})  # emptied: its name stays
                return _Change(path, removed=True)
            found = owner.model_fields.get(part) if isinstance(part, str) else None
            if found is None and not missing:  # an unknown key, or an extra one
                return _Change(path, removed=True, meant=tuple(suggest(str(part), owner.model_fields)))
            if found is None or not found.is_required():
                return None if missing else _Change(path, removed=True)
            if (owner, part) in PLACEHOLDERS:
                return _Change(path, removed=False, value=PLACEHOLDERS[owner, part])
            loc = loc[:-1]  # a required value a check reads: what holds it goes
            missing = False
        return None

    def _apply(self, change: _Change) -> None:
        *above, last = change.path
        holder = self._owned(tuple(above))
        taken = holder[last] if last in holder or isinstance(holder, list) else _ABSENT
        for path in [change.path, *((*above, key) for key in change.meant)]:
            self.damage.append(_Damage(written_at(self.kept, path), change.removed, taken))
        if not change.removed:
            holder[last] = change.value
        elif isinstance(holder, list):
            items = self.kept.setdefault(written_at(self.kept, tuple(above)), list(range(len(holder))))
            del holder[last], items[last]
        else:
            del holder[last]

    def _owned(self, path: PathKey) -> Any:
        """The mapping or list at `path`, it and those above it copied first if not yet."""
        if id(self.data) not in self.owned:
            self.data = dict(self.data)
            self.owned.add(id(self.data))
        node: Any = self.data
        for part in path:
            child = node[part]
            if id(child) not in self.owned:
                child = dict(child) if isinstance(child, dict) else list(child)
                self.owned.add(id(child))
                node[part] = child
            node = child
        return node

    def intact(self) -> Intact:
        def touched(prefix: PathKey, within: Callable[[_Damage], bool]) -> bool:
            return any(d.path[: len(prefix)] == prefix and within(d) for d in self.damage)

        names_gone = functools.partial(_names_gone, depth=2)
        return Intact(
            declared=not touched(("vars",), names_gone),
            uses=not touched(("select",), lambda d: _writes_variable(d.taken)),
            selections=not touched(("select",), names_gone),
            fixtures=not touched(("tests",), _fixture_gone),
            listed=not touched(("indicators",), names_gone),
        )


def _order(change: _Change) -> tuple[int, int]:
    last = change.path[-1] if change.path else 0
    return len(change.path), last if isinstance(last, int) else -1


def _names_gone(damage: _Damage, depth: int) -> bool:
    """The mapping itself or one of its entries removed (an entry emptied keeps its name)."""
    return damage.removed and len(damage.path) <= depth


def _fixture_gone(damage: _Damage) -> bool:
    """A rule test's observations, or one of them, removed (an id is never replaced, nor removed alone)."""
    return len(damage.path) in (3, 4) and damage.path[2] == "observations"


def _writes_variable(value: Any) -> bool:
    """Whether a value taken out wrote a `$variable` anywhere in it."""
    if isinstance(value, str):
        return value.startswith("$")
    if isinstance(value, dict):
        return any(_writes_variable(item) for item in value.values())
    if isinstance(value, list):
        return any(_writes_variable(item) for item in value)
    return False
