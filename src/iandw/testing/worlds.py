"""Hypothesis strategies for documents, and worlds of observations aimed at a rule set.

Generating data is kept apart from judging it: a world is plain documents,
which the invariant checks (or a rule author's own test) take as they are.
Everything here draws through hypothesis, so that a failure shrinks to a
minimal world.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

try:
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "iandw.testing needs the 'hypothesis' package, a test dependency of iandw: "
        "pip install 'iandw[test]' (or pip install hypothesis)"
    ) from exc

from iandw.assessment.arithmetic import RELIABILITY_RANK
from iandw.dates import DateError, parse_date
from iandw.model.documents import is_attribute_value
from iandw.model.predicates import variable_name
from iandw.testing.arguments import AsOf, a_day, documents_of, whole_days
from iandw.testing.documents import Documents

DEFAULT_START = dt.date(2023, 9, 1)
"""Where generated dates start unless told otherwise."""

DateKind = Literal["day", "days", "qualified", "month", "qualified-month", "unspecified", "year", "open"]
_DATE_KINDS: tuple[DateKind, ...] = get_args(DateKind)
DEFAULT_DATE_KINDS: tuple[DateKind, ...] = ("day", "days", "qualified", "month")
SHIFTABLE_DATE_KINDS: tuple[DateKind, ...] = ("day", "days", "qualified", "open")


def edtf_dates(
    start: AsOf = DEFAULT_START, days: int = 42, kinds: Sequence[DateKind] = DEFAULT_DATE_KINDS
) -> SearchStrategy[str]:
    """EDTF strings anchored on a day in [start, start + days).

    Kinds: `day` (2023-10-07), `days` (2023-10-01/2023-10-05, inside the
    window), `qualified` (2023-10-07?, ~ or %), `month` (2023-10),
    `qualified-month` (2023-10~), `unspecified` (2023-10-XX), `year` (2023)
    and `open` (../2023-10-07 or 2023-10-07/..).  Month, year and qualified
    dates extend past the window by what they denote; `open` ones are
    unbounded on one side.  Only `day`, `days`, `qualified` and `open` can be
    shifted by any number of days (see `shift_date`).  `start` is a day in
    any form `as_of` takes.
    """
    first = a_day(start, "start")
    if whole_days(days) < 1:
        raise ValueError("days must be at least 1")
    unknown = sorted(set(kinds) - set(_DATE_KINDS))
    if unknown or not kinds:
        raise ValueError(f"unknown date kinds {unknown}; kinds are {sorted(_DATE_KINDS)}")
    return _call(_draw_date, first, days, tuple(kinds))


def _pick(draw: Callable[..., Any], choices: Sequence[Any]) -> Any:
    """One of `choices`, by index: cheaper than a new `sampled_from` per draw, and shrinks to the first."""
    return choices[draw(st.integers(0, len(choices) - 1))]


@st.composite
def _call(draw: Callable[..., Any], function: Callable[..., Any], *args: Any) -> Any:
    """One composite for every strategy here: decorating per call is slow in hypothesis."""
    return function(draw, *args)


def _draw_date(draw: Callable[..., Any], start: dt.date, days: int, kinds: tuple[str, ...]) -> str:
    # one draw for the whole date: fewer draws make generation faster; zero is a plain first day
    code = draw(st.integers(0, len(kinds) * days * 10 * 3 - 1))
    code, kind_index = divmod(code, len(kinds))
    code, offset = divmod(code, days)
    code, width = divmod(code, 10)
    variant = code
    kind = kinds[kind_index]
    day = start + dt.timedelta(days=offset)
    text = day.isoformat()
    if kind == "days":
        end = min(day + dt.timedelta(days=width + 1), start + dt.timedelta(days=days - 1))
        return f"{text}/{end.isoformat()}"
    if kind in ("qualified", "qualified-month"):
        return (text if kind == "qualified" else text[:7]) + "?~%"[variant]
    if kind == "month":
        return text[:7]
    if kind == "unspecified":
        return text[:7] + "-XX"
    if kind == "year":
        return text[:4]
    if kind == "open":
        return f"../{text}" if variant else f"{text}/.."
    return text


def sources(
    names: Sequence[str] = ("wire", "ministry", "blog", "embassy"),
    origins: Sequence[str] = ("agency", "ministry", "group", "Ministry."),
    graded: bool | None = None,
) -> SearchStrategy[dict[str, Any]]:
    """Source mappings with Admiralty grades, sometimes missing, and shared origins.

    Names and origins come from small pools so that circular reporting
    (two sources, one origin, however spelled) is common.  `graded=True` always gives both
    grades, `False` never, `None` sometimes.
    """

    return _call(_draw_source, tuple(names), tuple(origins), graded)


def _draw_source(
    draw: Callable[..., Any], names: tuple[str, ...], origins: tuple[str, ...], graded: bool | None
) -> dict[str, Any]:
    # one draw for the whole source (see _draw_date); zero is the first name, no origin, no grade
    grades = tuple(RELIABILITY_RANK)
    reliabilities: tuple[str | None, ...] = (None, *grades) if graded is None else grades
    credibilities: tuple[int | None, ...] = (None, 1, 2, 3, 4, 5, 6) if graded is None else (1, 2, 3, 4, 5, 6)
    if graded is False:
        reliabilities, credibilities = (None,), (None,)
    sizes = (len(names), len(origins) + 1, len(reliabilities), len(credibilities), 6)
    code = draw(st.integers(0, math.prod(sizes) - 1))
    digits = []
    for size in sizes:
        code, digit = divmod(code, size)
        digits.append(digit)
    name, origin, reliability, credibility, url = digits
    result: dict[str, Any] = {"name": names[name]}
    if origin:
        result["origin"] = origins[origin - 1]
    if reliabilities[reliability] is not None:
        result["reliability"] = reliabilities[reliability]
    if credibilities[credibility] is not None:
        result["credibility"] = credibilities[credibility]
    if url >= 4:
        result["url"] = f"https://example.org/{names[name]}/{url - 4}"
    return result


def entities(
    types: Sequence[str] = ("state", "armed-group", "person"),
    *,
    ids: SearchStrategy[str] | None = None,
    member_of: Sequence[str] = (),
    attributes: Mapping[str, SearchStrategy[Any]] | None = None,
) -> SearchStrategy[dict[str, Any]]:
    """Entity mappings of the given types.

    `member_of` is the pool a new entity may join (pass only entities that
    exist, and build a chain in order, to keep membership acyclic);
    `attributes` maps attribute names to strategies for their values, each
    attribute present or absent.
    """
    id_strategy = ids if ids is not None else st.integers(0, 999).map(lambda n: f"entity-{n}")

    @st.composite
    def build(draw: Callable[..., Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "kind": "entity",
            "id": draw(id_strategy),
            "type": _pick(draw, list(types)),
        }
        if member_of:
            parents = draw(st.lists(st.sampled_from(list(member_of)), max_size=2, unique=True))
            if parents:
                result["member_of"] = parents
        values = {}
        for name, strategy in sorted((attributes or {}).items()):
            if draw(st.booleans()):
                values[name] = draw(strategy)
        if values:
            result["attributes"] = values
        return result

    return build()


def observations(
    entity_ids: Sequence[str],
    types: Sequence[str],
    *,
    ids: SearchStrategy[str] | None = None,
    dates: SearchStrategy[str] | None = None,
    reported: SearchStrategy[str] | None = None,
    roles: Sequence[str | None] = (None, "host", "perpetrator"),
    places: Sequence[str | None] = (None,),
    attributes: SearchStrategy[dict[str, Any]] | None = None,
    max_references: int = 3,
    max_sources: int = 3,
    source_strategy: SearchStrategy[dict[str, Any]] | None = None,
) -> SearchStrategy[dict[str, Any]]:
    """Observation mappings referring to `entity_ids`, of one of `types`.

    An entity may be referred to twice (it is then one participant, which
    meets one pattern of a selection only); `reported` is drawn when a strategy is given, and then
    sometimes omitted.  For a list, make ids unique:
    `st.lists(observations(...), unique_by=lambda o: o["id"])`.
    """
    if not entity_ids or not types:
        raise ValueError("observations need at least one entity id and one type")
    id_strategy = ids if ids is not None else st.integers(0, 999).map(lambda n: f"obs-{n}")
    date_strategy = dates if dates is not None else edtf_dates()
    source_items = source_strategy if source_strategy is not None else sources()

    @st.composite
    def build(draw: Callable[..., Any]) -> dict[str, Any]:
        refs = draw(st.lists(st.sampled_from(list(entity_ids)), min_size=1, max_size=max_references))
        result: dict[str, Any] = {
            "kind": "observation",
            "id": draw(id_strategy),
            "type": _pick(draw, list(types)),
            "date": draw(date_strategy),
            "entities": [_reference(ref, _pick(draw, list(roles))) for ref in refs],
            "sources": draw(st.lists(source_items, max_size=max_sources)),
        }
        if reported is not None and draw(st.booleans()):
            result["reported"] = draw(reported)
        place = _pick(draw, list(places))
        if place is not None:
            result["place"] = place
        if attributes is not None:
            values = draw(attributes)
            if values:
                result["attributes"] = values
        return result

    return build()


def _reference(entity_id: str, role: str | None) -> dict[str, Any]:
    return {"entity": entity_id} if role is None else {"entity": entity_id, "role": role}


@dataclass(frozen=True)
class World:
    """Observations (and any entities made up for them) as of one day."""

    observations: tuple[dict[str, Any], ...]
    as_of: dt.date
    entities: tuple[dict[str, Any], ...] = ()

    @property
    def documents(self) -> list[dict[str, Any]]:
        """Entities then observations: what to add to the rule documents."""
        return [*self.entities, *self.observations]


@dataclass
class _Indicator:
    variables: dict[str, str | None]
    selections: list[dict[str, Any]]
    counts: dict[int, _Count] = field(default_factory=dict)  # selection position → what counts ask of it


@dataclass(frozen=True)
class _Count:
    """What an indicator's `count` items ask of one selection: observations, from distinct origins or not."""

    at_least: int
    origins: bool


def _counts(require: Any, names: Sequence[str]) -> dict[int, _Count]:
    """Per selection position, the most observations its `count` items ask for, and if of distinct origins.

    One observation per selection, as every scenario makes, meets a count
    of one; a larger count needs more of the same assignment, which
    independent scenarios almost never make.
    """
    counts: dict[int, _Count] = {}
    for item in require if isinstance(require, list) else []:
        if not isinstance(item, Mapping) or item.get("count") not in names:
            continue
        wanted = item.get("at_least")
        if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 2:
            continue
        position = names.index(item["count"])
        known = counts.get(position, _Count(1, False))
        counts[position] = _Count(
            max(known.at_least, wanted), known.origins or item.get("distinct") == "origins"
        )
    return counts


@dataclass(frozen=True)
class _Aims:
    """The values a generated datum takes to meet a predicate (`meet`) and to fail it (`miss`).

    No `meet` means only a missing value meets it (`exists: false`); a
    missing value fails every other predicate.
    """

    meet: tuple[Any, ...] = ()
    miss: tuple[Any, ...] = ()

    def plus(self, other: _Aims) -> _Aims:
        return _Aims(self.meet + other.meet, self.miss + other.miss)


def _aim(draw: Callable[..., Any], aims: _Aims) -> Any:
    """A value that meets the predicate eight times in ten; else one that fails it, or None (leave it out).

    Aimed worlds must fire often enough to test a rule, and miss often
    enough to test the other side; zero, where shrinking ends, leaves it out.
    """
    roll = draw(st.integers(0, 9))
    values = () if roll == 0 else aims.miss if roll == 1 else aims.meet
    return _pick(draw, values) if values else None


@dataclass
class _Vocabulary:
    """What a rule set selects on: the words a world must use to be matched."""

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → document
    scales: dict[str, list[Any]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)  # observation types selected
    entity_types: list[str] = field(default_factory=list)  # entity types variables and patterns need
    roles: list[str] = field(default_factory=list)
    entity_attributes: dict[str, _Aims] = field(default_factory=dict)  # what entity patterns test
    indicators: list[_Indicator] = field(default_factory=list)
    _fitting: dict[int, list[dict[str, str]]] = field(default_factory=dict)

    def fitting(self, index: int) -> list[dict[str, str]]:
        """Assignments of indicator `index` over the rules' own entities that its patterns can meet."""
        if index not in self._fitting:
            self._fitting[index] = _Scenario(self, self.entities).search(self.indicators[index])
        return self._fitting[index]

    @classmethod
    def of(cls, rules: Documents) -> _Vocabulary:
        vocabulary = cls()
        for document in rules:
            kind = document.get("kind")
            if kind == "entity" and isinstance(document.get("id"), str):
                vocabulary.entities[document["id"]] = dict(document)
            elif kind == "scale" and isinstance(document.get("values"), list):
                vocabulary.scales[str(document.get("id"))] = list(document["values"])
        for document in rules:
            if document.get("kind") == "indicator":
                vocabulary._add_indicator(document)
        for words in (vocabulary.types, vocabulary.entity_types, vocabulary.roles):
            words[:] = sorted(set(words))
        return vocabulary

    def _add_indicator(self, indicator: Mapping[str, Any]) -> None:
        variables = {
            str(name): spec.get("type") if isinstance(spec, Mapping) else None
            for name, spec in (indicator.get("vars") or {}).items()
        }
        self.entity_types.extend(t for t in variables.values() if isinstance(t, str))
        chosen = [(str(n), s) for n, s in (indicator.get("select") or {}).items() if isinstance(s, Mapping)]
        selections = [dict(s) for _, s in chosen]
        counts = _counts(indicator.get("require"), [name for name, _ in chosen])
        self.indicators.append(_Indicator(variables, selections, counts))
        for selection in selections:
            self.types.extend(_words(selection.get("type")))
            for pattern in selection.get("entities") or []:
                if not isinstance(pattern, Mapping):
                    continue
                for key, predicate in pattern.items():
                    if key in ("entity", "of"):
                        continue
                    aims = self.aims(predicate, key, {})
                    if key == "role":
                        self.roles.extend(v for v in (*aims.meet, *aims.miss) if isinstance(v, str))
                    elif key == "type":
                        self.entity_types.extend(v for v in (*aims.meet, *aims.miss) if isinstance(v, str))
                    else:
                        self.entity_attributes[key] = self.entity_attributes.get(key, _Aims()).plus(aims)

    def aims(self, predicate: Any, attribute: str, assignment: Mapping[str, str]) -> _Aims:
        """Values that meet a predicate, to aim generated data at it, and values that fail it.

        An ordinal bound is split on the scale named like the attribute (on
        a number's neighbours for a numeric one), each side starting at the
        bound: aimed data then meets it as often as an equality, and tries
        its edge most.
        """
        variable = variable_name(predicate)
        if variable is not None:
            bound = assignment.get(variable)
            return _Aims((bound,) if bound else tuple(self.entities))  # a value naming an entity unifies
        if isinstance(predicate, list):
            return _Aims(tuple(predicate))
        if not isinstance(predicate, Mapping):
            return _Aims(() if predicate is None else (predicate,))
        if len(predicate) != 1:
            return _Aims()
        ((op, operand),) = predicate.items()
        if op in ("in", "not_in") and isinstance(operand, list):
            inside, outside = tuple(operand), ("other",)
            return _Aims(inside, outside) if op == "in" else _Aims(outside, inside)
        if op == "exists":
            return _Aims(("present",)) if operand is True else _Aims((), ("present",))
        if op in ("at_least", "at_most"):
            numeric = isinstance(operand, (int, float)) and not isinstance(operand, bool)
            ordered = (
                [operand - 1, operand, operand + 1]
                if numeric
                else self.scales.get(attribute.rsplit(".", 1)[-1], [])
            )
            if operand not in ordered:
                return _Aims()
            at = ordered.index(operand)
            up, down = tuple(ordered[at:]), tuple(ordered[at::-1])  # each from the bound itself
            return _Aims(up, down[1:]) if op == "at_least" else _Aims(down, up[1:])
        if op == "contains":
            return _Aims((operand, [operand, "other"], f"{operand}-and-more"))
        if op == "matches" and isinstance(operand, str):
            literal = re.sub(r"[\\^$.*+?()\[\]{}|]", "", operand)
            return _Aims((literal,) if literal else ())
        return _Aims()


class _Scenario:
    """One indicator's selections, each met by one aimed observation under one assignment."""

    def __init__(self, vocabulary: _Vocabulary, known: Mapping[str, Mapping[str, Any]]) -> None:
        from iandw.loader import load_documents

        self.vocabulary = vocabulary
        self.known = known
        # the engine's own lookup, built as loading builds it: a name two entities share names neither
        self.registry = load_documents(list(known.values())).case.registry

    def resolve(self, reference: Any) -> str | None:
        """The entity a reference names, as the engine resolves it; None if unknown or ambiguous."""
        return self.registry.resolve_id(reference) if isinstance(reference, str) else None

    def assignment(self, draw: Callable[..., Any], index: int) -> dict[str, str]:
        """Variable values of the declared types, preferably ones every pattern can meet."""
        fitting = self.vocabulary.fitting(index)
        if fitting and draw(st.integers(0, 4)) > 0:
            return dict(_pick(draw, fitting))
        chosen: dict[str, str] = {}
        for name, wanted in sorted(self.vocabulary.indicators[index].variables.items()):
            usable = [
                e
                for e in sorted(self.known)
                if (wanted is None or self.known[e].get("type") == wanted) and e not in chosen.values()
            ]
            if usable:
                chosen[name] = _pick(draw, usable)
        return chosen

    def search(self, indicator: _Indicator, limit: int = 200) -> list[dict[str, str]]:
        """Up to `limit` assignments under which every pattern has a fitting entity (backtracking)."""
        patterns = [
            (p, _pattern_variables(p))
            for selection in indicator.selections
            for p in selection.get("entities") or []
            if isinstance(p, Mapping)
        ]
        names = sorted(indicator.variables)
        found: list[dict[str, str]] = []

        def extend(position: int, assignment: dict[str, str]) -> None:
            if len(found) >= limit:
                return
            if position == len(names):
                found.append(dict(assignment))
                return
            name, wanted = names[position], indicator.variables[names[position]]
            for entity_id in sorted(self.known):
                if entity_id in assignment.values():
                    continue
                if wanted is not None and self.known[entity_id].get("type") != wanted:
                    continue
                assignment[name] = entity_id
                ready = [p for p, used in patterns if name in used and used <= assignment.keys()]
                if all(self._candidates(p, assignment, fit=True) for p in ready):
                    extend(position + 1, assignment)
                del assignment[name]

        if all(self._candidates(p, {}, fit=True) for p, used in patterns if not used):
            extend(0, {})
        return found

    def _candidates(self, pattern: Mapping[str, Any], assignment: Mapping[str, str], fit: bool) -> list[str]:
        candidates = sorted(self.known)
        for key in ("entity", "of"):
            value = pattern.get(key)
            if value is None:
                continue
            variable = variable_name(value)
            target = assignment.get(variable) if variable is not None else self.resolve(value)
            if target is None:
                continue
            if key == "entity":
                candidates = [e for e in candidates if e == target]
            else:
                candidates = [e for e in candidates if e == target or target in self.registry.ancestors(e)]
        if fit:
            candidates = [e for e in candidates if self._fits(pattern, e, assignment)]
        return candidates

    def references(
        self, draw: Callable[..., Any], selection: Mapping[str, Any], assignment: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """One reference per entity pattern, chosen to meet it when the rules allow.

        Each to an entity not yet referred to where there is one: one entity
        meets one pattern of a selection only.
        """
        pool = sorted(self.known)
        refs = []
        chosen: set[str] = set()
        for pattern in selection.get("entities") or []:
            if not isinstance(pattern, Mapping):
                continue
            fitting = self._candidates(pattern, assignment, fit=True)
            candidates = fitting or self._candidates(pattern, assignment, fit=False) or pool
            entity_id = _pick(draw, [e for e in candidates if e not in chosen] or candidates)
            chosen.add(entity_id)
            role = _aim(draw, self.vocabulary.aims(pattern.get("role"), "role", assignment))
            refs.append(_reference(entity_id, role if isinstance(role, str) else None))
        return refs

    def _fits(self, pattern: Mapping[str, Any], entity_id: str, assignment: Mapping[str, str]) -> bool:
        entity = self.known[entity_id]
        for key, predicate in pattern.items():
            if key in ("entity", "of", "role"):
                continue
            value = entity.get("type") if key == "type" else (entity.get("attributes") or {}).get(key)
            if not self._plausible(predicate, value, key, assignment):
                return False
        return True

    def _plausible(self, predicate: Any, value: Any, attribute: str, assignment: Mapping[str, str]) -> bool:
        """A rough predicate check, only to aim: the engine is the judge."""
        if isinstance(predicate, Mapping) and len(predicate) == 1:
            ((op, operand),) = predicate.items()
            if op == "exists":
                return (value is not None) == bool(operand)
            if value is None:
                return False
            values = value if isinstance(value, list) else [value]
            scale = self.vocabulary.scales.get(attribute, [])
            if op in ("at_least", "at_most") and operand in scale:
                ranks = [scale.index(v) for v in values if v in scale]
                bound = scale.index(operand)
                return any(r >= bound if op == "at_least" else r <= bound for r in ranks)
            if op == "in" and isinstance(operand, list):
                return any(v in operand for v in values)
            if op == "not_in" and isinstance(operand, list):
                return not any(v in operand for v in values)
            return True
        if value is None:
            return False
        values = value if isinstance(value, list) else [value]
        wanted = self.vocabulary.aims(predicate, attribute, assignment).meet
        if variable_name(predicate) is not None:
            return any(self.resolve(v) in wanted for v in values if isinstance(v, str))
        return any(v in wanted for v in values)


def worlds_for(
    rules: Documents,
    *,
    as_of: AsOf | None = None,
    start: AsOf | None = None,
    days: int = 42,
    min_observations: int = 0,
    max_observations: int = 6,
    max_new_entities: int = 2,
    dates: SearchStrategy[str] | None = None,
    source_strategy: SearchStrategy[dict[str, Any]] | None = None,
    id_prefix: str = "w-",
) -> SearchStrategy[World]:
    """Small worlds of observations a rule set can match, and miss.

    A world is mostly scenarios: an indicator of the rules, an assignment
    of its variables to entities of the declared types, and one observation
    aimed at each of its selections (a type it selects, for each entity
    pattern a reference to the entity it names, the variable's entity or a
    member of it, one whose attributes fit, a role it asks for, the `where`
    values it tests).  A role or `where` value meets its predicate eight
    times in ten, fails it once (an ordinal bound through its scale) and is
    left out once, so that worlds fire and miss.  A selection that `count`
    items count gets more observations under the same assignment, dated as
    its first (so within the windows it is within): as many as the largest
    `at_least` three times in four, one fewer (a near miss) otherwise, each
    with an origin of its own when a count is of `distinct: origins`.  The
    rest is noise.  Dates are drawn independently, so windows hold, may
    hold or fail.  New entities of the types the variables need are
    sometimes made up (in `World.entities`), members of the rules'
    entities.  Dates come from `dates` (default: `edtf_dates(start,
    days)`), sources from `source_strategy` (default: `sources()`, plus the
    independent origins and grade that a selection's `min_origins` and
    `min_grade` ask for); `as_of` is drawn in the second half of the window
    unless given, and some observations are reported after it.  Observation
    ids are `{id_prefix}0`, `{id_prefix}1` …
    """
    vocabulary = _Vocabulary.of(documents_of(rules, "rules"))
    day = None if as_of is None else a_day(as_of)
    days = whole_days(days)
    if start is not None:
        window_start = a_day(start, "start")
    elif day is not None:
        window_start = day - dt.timedelta(days=max(1, days - 7))
    else:
        window_start = DEFAULT_START
    date_strategy = dates if dates is not None else edtf_dates(window_start, days)
    config = _WorldConfig(
        vocabulary,
        day,
        window_start,
        days,
        min_observations,
        max_observations,
        max_new_entities,
        date_strategy,
        source_strategy if source_strategy is not None else sources(),
        id_prefix,
    )
    return _call(_draw_world, config)


@dataclass(frozen=True)
class _WorldConfig:
    vocabulary: _Vocabulary
    as_of: dt.date | None
    start: dt.date
    days: int
    min_observations: int
    max_observations: int
    max_new_entities: int
    dates: SearchStrategy[str]
    sources: SearchStrategy[dict[str, Any]]
    id_prefix: str


def _draw_world(draw: Callable[..., Any], config: _WorldConfig) -> World:
    vocabulary = config.vocabulary
    types = vocabulary.types or ["event"]
    roles: list[str | None] = [None, *vocabulary.roles]
    known = dict(vocabulary.entities)
    new_entities = _draw_new_entities(draw, vocabulary, known, config.max_new_entities)
    if not known:
        new_entities.append({"kind": "entity", "id": "gen-0", "type": "thing"})
        known["gen-0"] = new_entities[-1]
    scenario = _Scenario(vocabulary, known)
    pool = sorted(known)
    count = draw(st.integers(config.min_observations, config.max_observations))
    made: list[dict[str, Any]] = []
    copied_from: dict[int, int] = {}  # a counted selection's further observation → its first
    while len(made) < count:
        if vocabulary.indicators and draw(st.integers(0, 3)) > 0:
            index = draw(st.integers(0, len(vocabulary.indicators) - 1))
            _add_scenario(draw, scenario, index, types, made, count, copied_from)
        else:
            made.append({"type": _pick(draw, [*types, "noise"]), "entities": []})
    if config.as_of is not None:
        as_of = config.as_of
    else:
        as_of = config.start + dt.timedelta(days=draw(st.integers(config.days // 2, config.days)))
    known_by = (as_of - config.start).days
    for index, document in enumerate(made):
        # a counted selection's further observations take its first's date: within the windows it is within
        date = made[copied_from[index]]["date"] if index in copied_from else draw(config.dates)
        document.update(kind="observation", id=f"{config.id_prefix}{index}", date=date)
        if not document["entities"] or draw(st.integers(0, 3)) == 0:
            document["entities"].append(_reference(_pick(draw, pool), _pick(draw, roles)))
        drawn = [draw(config.sources) for _ in range(_pick(draw, (1, 2, 0, 1, 3)))]
        document["sources"] = [*document.get("sources", []), *drawn]
        when = draw(st.integers(0, 9))
        try:
            known_by_default = parse_date(document["date"]).hi <= as_of.toordinal()
        except DateError:
            known_by_default = False
        if when == 9:  # some are reported too late for as_of
            document["reported"] = (as_of + dt.timedelta(days=draw(st.integers(1, 7)))).isoformat()
        elif when >= 5 or not known_by_default:  # others by as_of; the rest keep the default
            offset = draw(st.integers(min(0, known_by), known_by))
            document["reported"] = (config.start + dt.timedelta(days=offset)).isoformat()
    ordered = [{key: d[key] for key in sorted(d, key=_key_order)} for d in made]
    return World(tuple(ordered), as_of, tuple(new_entities))


_KEY_ORDER = ("kind", "id", "type", "date", "reported", "place", "entities", "attributes", "sources")


def _key_order(key: str) -> tuple[int, str]:
    """Keys in the order a person writes them, so a shrunk world reads well."""
    return (_KEY_ORDER.index(key) if key in _KEY_ORDER else len(_KEY_ORDER), key)


def _aimed(
    draw: Callable[..., Any],
    scenario: _Scenario,
    selection: Mapping[str, Any],
    assignment: Mapping[str, str],
    types: Sequence[str],
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": _pick(draw, _words(selection.get("type")) or list(types)),
        "entities": scenario.references(draw, selection, assignment),
    }
    for path, predicate in sorted((selection.get("where") or {}).items()):
        value = _aim(draw, scenario.vocabulary.aims(predicate, str(path), assignment))
        if value is not None:
            _set_path(document, str(path), value)
    # enough independent origins, and a source of the grade asked for, most of the time
    wanted_origins = selection.get("min_origins")
    if isinstance(wanted_origins, int) and draw(st.integers(0, 3)) > 0:
        document["sources"] = [
            {"name": f"aimed-{i}", "reliability": "B", "credibility": 2} for i in range(wanted_origins)
        ]
    grade = selection.get("min_grade")
    if isinstance(grade, str) and re.fullmatch(r"[A-E][1-5]", grade) and draw(st.integers(0, 3)) > 0:
        document.setdefault("sources", []).append(
            {"name": "aimed-grade", "reliability": grade[0], "credibility": int(grade[1])}
        )
    return document


def _add_scenario(
    draw: Callable[..., Any],
    scenario: _Scenario,
    index: int,
    types: Sequence[str],
    made: list[dict[str, Any]],
    limit: int,
    copied_from: dict[int, int],
) -> None:
    """One indicator's scenario, up to `limit` observations in all: one per selection under one assignment,
    and a counted selection's further observations, noted in `copied_from` to be dated by its first."""
    indicator = scenario.vocabulary.indicators[index]
    assignment = scenario.assignment(draw, index)
    firsts: dict[int, int] = {}
    for position, selection in enumerate(indicator.selections):
        if len(made) < limit:
            firsts[position] = len(made)
            made.append(_aimed(draw, scenario, selection, assignment, types))
    for position, wanted in sorted(indicator.counts.items()):
        more = _more_for_count(draw, wanted)
        if position not in firsts or not more:
            continue
        group = [firsts[position]]
        while len(group) <= more and len(made) < limit:
            copied_from[len(made)] = group[0]
            group.append(len(made))
            made.append(_aimed(draw, scenario, indicator.selections[position], assignment, types))
        if wanted.origins:  # one origin each, so that the observations are as many origins
            for number, member in enumerate(group):
                made[member].setdefault("sources", []).append(
                    {"name": f"aimed-count-{number}", "reliability": "B", "credibility": 2}
                )


def _more_for_count(draw: Callable[..., Any], wanted: _Count) -> int:
    """How many more observations a counted selection gets: enough for its count, or one short in four.

    A count rule must fire in enough worlds to be tested, and nearly fire
    in others; zero, where shrinking ends, is the near miss.
    """
    return wanted.at_least - (2 if draw(st.integers(0, 3)) == 0 else 1)


def _draw_new_entities(
    draw: Callable[..., Any], vocabulary: _Vocabulary, known: dict[str, dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    wanted = vocabulary.entity_types or sorted({str(e.get("type")) for e in known.values()})
    if not wanted or limit <= 0:
        return []
    made: list[dict[str, Any]] = []
    for index in range(draw(st.integers(0, limit))):
        entity_id = f"gen-{index}"
        while entity_id in known:
            entity_id += "x"
        document: dict[str, Any] = {"kind": "entity", "id": entity_id, "type": _pick(draw, wanted)}
        parents = sorted(known)
        if parents and draw(st.booleans()):
            document["member_of"] = [_pick(draw, parents)]
        attributes = {}
        for name, aims in sorted(vocabulary.entity_attributes.items()):
            value = _aim(draw, aims)
            if value is not None and is_attribute_value(value):
                attributes[name] = value
        if attributes:
            document["attributes"] = attributes
        known[entity_id] = document
        made.append(document)
    return made


def _pattern_variables(pattern: Mapping[str, Any]) -> set[str]:
    return {name for value in pattern.values() if (name := variable_name(value)) is not None}


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """`attributes.channel` → document["attributes"]["channel"] = value."""
    parts = path.split(".")
    if parts[0] in ("id", "type", "date", "reported", "kind", "entities", "sources"):
        return  # generated data never overrides what makes an observation
    node = document
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if len(parts) == 1 and not isinstance(value, str):
        return  # place, summary, note are strings
    node[parts[-1]] = value
