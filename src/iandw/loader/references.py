"""Entity references resolved, and each one that names no single entity reported.

Rules (`member_of`, `entity:` and `of:`, `bind`, a rule test's inline
observations) and observations all name entities by id, name or alias.
Every such reference goes through a `Resolver`, which works out once per
distinct reference whether it names one entity, and reports each that names
none or several once, at the first place it is written, with how often it
is: the same words written twice are one mistake (an entity left undefined,
an alias missing), not two.  `Broken` holds the documents that failed
typing, so that what names one of them is not reported as unknown too: one
mistake, one error.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from iandw.diagnostics import Diagnostic, Span, counted, first_few, suggest
from iandw.loader.json_reader import JsonlLine
from iandw.loader.observations import ObservationInput
from iandw.loader.source import Locatable, RawDocument
from iandw.model.case import Reference
from iandw.model.documents import DOCUMENT_KINDS
from iandw.model.names import normalize_name
from iandw.model.registry import EntityRegistry


@dataclass
class Broken:
    """Documents that failed typing, so references to them are not reported again.

    An entity with a typo in one key would otherwise make every observation
    naming it an "unknown entity": one mistake, many errors.
    """

    names: set[str] = field(default_factory=set)
    ids: set[tuple[str, str]] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # of every document that failed, id or not
    # an input was not read (a typo in a named path, a file or record that could not be
    # read): any document may have been in it
    unread_input: bool = False
    # the entities the references name were left out of the inputs (Resolver.report): what
    # the rules ask of entities is not judged on those read
    entities_left_out: bool = False
    # kind → the types its failed documents give: an entity or observation with an
    # error of its own still has its type, for the lints that ask whether any has it
    types: dict[str, set[str]] = field(default_factory=dict)

    def add(self, raw: RawDocument) -> None:
        if raw.is_unread:
            self.unread_input = True
            return
        data = raw.data
        if not isinstance(data, dict):
            return
        for kind in meant_kinds(data.get("kind", raw.default_kind)):
            self._add_as(kind, data)

    def _add_as(self, kind: str, data: dict[str, Any]) -> None:
        self.kinds.add(kind)
        written = _type_written(data)
        if written is not None:
            self.types.setdefault(kind, set()).add(written)
        if not isinstance(data.get("id"), str):
            return
        self.ids.add((kind, data["id"]))
        if kind == "entity":
            aliases = data.get("aliases")
            for name in [data["id"], data.get("name"), *(aliases if isinstance(aliases, list) else [])]:
                if isinstance(name, str):
                    self.names.add(normalize_name(name))


def _type_written(data: dict[Any, Any]) -> str | None:
    """The document's `type`, or the value of a key misspelling it (`typ: meeting`): still its type."""
    if "type" in data:
        return data["type"] if isinstance(data["type"], str) else None
    for key, value in data.items():
        if isinstance(key, str) and isinstance(value, str) and suggest(key, ["type"]):
            return value
    return None


def meant_kinds(kind: Any) -> list[str]:
    """The kinds a document's `kind` may mean: itself, or for a misspelt one (`Indicator`)
    the kinds its error suggests, so that what names the document is not "unknown" too."""
    if not isinstance(kind, str) or kind in DOCUMENT_KINDS:
        return [str(kind)]
    return suggest(kind, DOCUMENT_KINDS) or [kind]


SUGGESTED_UNKNOWN = 100  # distinct unknown references given a "did you mean" at most
SUGGESTION_COMPARISONS = 500_000  # and names compared for them in all: about 3 s
# distinct names the rules write, none of them loaded, that say the rules' entities were left out;
# one or two unknown names are as likely mistakes of their own, and are said as such
LEFT_OUT_NAMES = 3


@dataclass
class Places:
    """How often a reference is written, and the first place, in the order diagnostics are shown."""

    first: Span
    count: int = 1

    def add(self, where: Callable[[], Span], not_before: Span | None) -> None:
        """One more place, located only if it may come first: `not_before` is no later than it.

        A JSONL line is read again to locate a value in it: a feed naming an
        unknown actor in every line must not have each line read twice.
        """
        self.count += 1
        if not_before is None or not_before < self.first:
            self.first = min(self.first, where())


def merged(places: Iterable[Places]) -> Places:
    """The places of a reference written in the rules and elsewhere, said as one."""
    listed = list(places)
    return Places(min(p.first for p in listed), sum(p.count for p in listed))


@dataclass
class Unresolved:
    """A reference that names no single entity: what to say of it, and where it is written."""

    subject: str  # "unknown entity 'x'", or "'x'" for one naming several
    hint: str  # "did you mean …?", or ""
    rest: str  # "names 3 entities: …; use an id", or ""
    written: dict[bool, Places] = field(default_factory=dict)  # in the rules (True), or elsewhere
    spellings: list[str] = field(default_factory=list)  # the same name written otherwise: 'BELARUS'

    def add(self, where: Callable[[], Span], in_rules: bool, not_before: Span | None) -> None:
        places = self.written.get(in_rules)
        if places is None:
            self.written[in_rules] = Places(where())
        else:
            places.add(where, not_before)

    def message(self, count: int) -> str:
        notes = [f"named {count:,} times, first here"] if count > 1 else []
        notes += [f"also written {first_few([repr(s) for s in self.spellings])}"] if self.spellings else []
        notes += [self.hint] if self.hint else []
        return " ".join(filter(None, [self.subject, f"({'; '.join(notes)})" if notes else "", self.rest]))


class Resolver:
    """Entity lookups that report each reference naming no single entity once.

    Observation files are untrusted: what is said of a reference that names
    no single entity is worked out once per distinct reference, its list of
    entities is cut short, and only the first few unknown references are
    compared with every name for a suggestion (SUGGESTED_UNKNOWN, fewer
    among many names: SUGGESTION_COMPARISONS).  `report` says each one
    once every reference has been looked up.
    """

    def __init__(
        self, registry: EntityRegistry, diagnostics: list[Diagnostic], broken: Broken | None = None
    ) -> None:
        self.registry = registry
        self.diagnostics = diagnostics
        self.broken = broken or Broken()
        self.resolved: dict[str, str] = {}  # a million observations repeat a few thousand references
        # ... and, most of them, a hundred thousand lists of references
        self.resolved_lists: dict[tuple[tuple[str, str | None], ...], tuple[Reference, ...]] = {}
        self.unresolved: dict[str, Unresolved | None] = {}  # None: said elsewhere
        # a name compares ignoring case, diacritics and punctuation: so does a name not found
        self.unresolved_names: dict[str, Unresolved | None] = {}
        self.suggestions_left = min(SUGGESTED_UNKNOWN, SUGGESTION_COMPARISONS // max(1, registry.name_count))
        # whether a reference in the rules named an entity that was read (one, several, or one
        # with an error of its own): then the entities the rules were written against were read
        self.rules_name_one_read = False

    def entity(
        self,
        reference: str,
        where: Callable[[], Span],
        in_rules: bool = False,
        not_before: Span | None = None,
    ) -> str | None:
        """The entity id, or None after noting the problem at `where()` for `report`.

        `where` is called only on failure: locating a JSON value costs a
        re-parse, which a million valid observations must not pay.
        `in_rules`: the reference is written in an indicator or a hypothesis.
        `not_before`: a place known without a re-parse that `where()` is no earlier than.
        """
        known = self.resolved.get(reference)
        if known is None and reference not in self.unresolved:
            resolution = self.registry.resolve(reference)
            if resolution.entity_id is None:
                name = normalize_name(reference)
                if name in self.unresolved_names:
                    same = self.unresolved[reference] = self.unresolved_names[name]
                    if same is not None:
                        same.spellings.append(reference)
                else:
                    problem = self._problem(reference, resolution.ambiguous)
                    self.unresolved[reference] = self.unresolved_names[name] = problem
            else:
                known = self.resolved[reference] = resolution.entity_id
        problem = None if known is not None else self.unresolved[reference]
        if problem is not None:
            problem.add(where, in_rules, not_before)
        if in_rules and (problem is None or problem.rest):  # it names one, one with an error, or several
            self.rules_name_one_read = True
        return known

    def report(self, entity_files: Callable[[], list[str]]) -> bool:
        """Each reference naming no single entity, once, at the first place it is written.

        Unless the entities they name were left out of the inputs (`iandw
        evaluate observations/2023.yaml`, without observations/entities/):
        with no entity read at all, or none of the several the rules name
        (LEFT_OUT_NAMES), the references that could not be resolved are one
        error at the first of them, which says so and what to pass.
        `entity_files`: where the entities read came from.  Returns whether
        they were left out.
        """
        problems = [problem for problem in self.unresolved_names.values() if problem is not None]
        if not problems:
            return False
        if not self.registry.entities and "entity" not in self.broken.kinds:
            everywhere = [(problem, merged(problem.written.values())) for problem in problems]
            # the rules' references (their tests' fixtures too) said apart from the observations'
            outside, inside = (
                sum(problem.written[rules].count for problem in problems if rules in problem.written)
                for rules in (False, True)
            )
            names = counted(len(everywhere), "name")
            if outside and inside:
                what = f"{counted(outside, 'reference')} in the observations and {inside:,} in the rules,"
                what += f" to {names},"
            else:
                what = (
                    f"{counted(outside + inside, 'reference')} {'' if outside else 'in the rules '}to {names}"
                )
            self.diagnostics.append(_left_out(everywhere, "no entity is loaded", what, "the entities"))
            return True
        in_rules = [(problem, problem.written[True]) for problem in problems if True in problem.written]
        rules_left_out = (
            len(in_rules) >= LEFT_OUT_NAMES and bool(self.registry.entities) and not self.rules_name_one_read
        )
        for problem in problems:
            shown = [places for rules, places in problem.written.items() if not (rules and rules_left_out)]
            if shown:
                places = merged(shown)
                self.diagnostics.append(places.first.error(problem.message(places.count)))
        if rules_left_out:
            read = first_few(entity_files())
            why = f"none of the entities the rules name is loaded (entities were read only from {read})"
            references = counted(sum(places.count for _, places in in_rules), "reference")
            what = f"{references} in the rules to {counted(len(in_rules), 'name')}"
            self.diagnostics.append(_left_out(in_rules, why, what, "the rules' entities"))
        return rules_left_out

    def _problem(self, reference: str, ambiguous: tuple[str, ...]) -> Unresolved | None:
        """What to say of a reference naming no single entity; None if the entity's own error says it."""
        if ambiguous:
            names = first_few([self.registry.describe(i) for i in ambiguous])
            return Unresolved(repr(reference), "", f"names {len(ambiguous)} entities: {names}; use an id")
        if normalize_name(reference) in self.broken.names or self.broken.unread_input:
            return None
        hint = ""
        if self.suggestions_left > 0:
            self.suggestions_left -= 1
            suggestions = self.registry.closest(reference)
            if suggestions:
                hint = f"did you mean {' or '.join(self.registry.describe(i) for i in suggestions)}?"
        return Unresolved(f"unknown entity {reference!r}", hint, "")

    def references(self, observation: ObservationInput) -> tuple[Reference, ...] | None:
        """An observation's references resolved, or None after reporting each one that is not."""
        known = self.resolved_lists.get(observation.refs)
        if known is not None:
            return known
        refs = []
        complete = True
        for index, (reference, role) in enumerate(observation.refs):
            entity_id = self.resolved.get(reference) or self.entity(  # no closure for a known one
                reference,
                functools.partial(observation.span, "entities", index, "entity"),
                not_before=line_start(observation.where),
            )
            if entity_id is None:
                complete = False
            else:
                refs.append(_reference(entity_id, role))
        if not complete:
            return None
        resolved = tuple(refs)
        if len(resolved) > 1 and len(set(map(_entity_of, resolved))) < len(resolved):
            resolved = NamedAgain(resolved)
        if (
            len(self.resolved_lists) < RESOLVED_LISTS_SIZE
        ):  # untrusted files may hold a million distinct lists
            self.resolved_lists[observation.refs] = resolved
        return resolved


class NamedAgain(tuple[Reference, ...]):
    """An observation's references resolved, when they name one entity more than once.

    Told apart by its type alone, and found once per distinct list of
    references, so that the lint saying so (iandw.loader.records) costs the
    million observations naming each entity once a type check each.
    """

    __slots__ = ()


_entity_of = operator.attrgetter("entity")

RESOLVED_LISTS_SIZE = 1 << 18


def line_start(where: Locatable) -> Span | None:
    """The start of a JSONL line, which nothing in it precedes; None for a document."""
    return Span(where.file, where.number) if isinstance(where, JsonlLine) else None


@cache
def _reference(entity_id: str, role: str | None) -> Reference:
    """One shared Reference per (entity, role): a million observations repeat a few thousand."""
    return Reference(entity_id, role)


def _left_out(written: list[tuple[Unresolved, Places]], why: str, what: str, folder: str) -> Diagnostic:
    """One error for references that could not be resolved because what they name was not read.

    `what`: how many, where and to how many names ("79 references in the observations and 163 in
    the rules, to 37 names,").
    """
    problem, places = min(written, key=lambda pair: pair[1].first)
    return places.first.error(
        f"{problem.message(1)}; {why}, so {what} "
        f"could not be resolved: pass the folder that holds {folder} too, e.g. observations/entities, "
        "or the whole observations/ folder"
    )
