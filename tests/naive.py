"""A deliberately naive evaluator, and random rule sets, for the differential test.

`naive_evaluate` is written from SPEC §3-§7 and §13 alone, without reading or
importing the engine: it enumerates every assignment of the variables to
entities, every tuple of distinct observations (one per selection), every
injective map from patterns to the entities referenced (each met by one of
its references: docs/semantics.md), and every pair of days in two
date intervals.  It is slow on purpose and obvious on purpose, so that when
it and the engine disagree the engine is the suspect.  It borrows only date
parsing (`parse_date`: EDTF to a closed interval of days) and the loaded
models (entities, indicators, hypotheses, scales, the scoring tables' numbers,
observation documents, name resolution).

`rule_sets` draws small, valid rule sets over a fixed little universe (entity
types state/group/person, observation types meet/strike, a `level` scale), so
that random worlds match often.  Both the differential and the invariant
tests use it.
"""

from __future__ import annotations

import copy
import itertools
import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from iandw.dates import parse_date
from iandw.model.case import Case
from iandw.model.documents import (
    BetweenRequire,
    CountRequire,
    HypothesisIndicator,
    Indicator,
    Observation,
    WindowRequire,
)
from iandw.model.predicates import Predicate

FIRED, POSSIBLE, NOT_FIRED = "fired", "possible", "not-fired"
DEFINITE, MAYBE, FALSE = 2, 1, 0  # three-valued truth, ordered so that min is Kleene AND
STATUS = {DEFINITE: FIRED, MAYBE: POSSIBLE, FALSE: NOT_FIRED}
CLIP = 120  # days: where an open-ended date is cut for enumeration (see Naive._obs)


class _Missing:
    pass


MISSING: Any = _Missing()

Key = tuple[tuple[str, str], ...]


def _one_origin(written: str) -> str:
    """Which origin a source has, as docs/language.md decides SPEC §5: case, diacritics, runs of
    spaces and the punctuation around it aside; what has nothing else is only itself."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", written) if not unicodedata.combining(c))
    words = " ".join(plain.casefold().split())  # full case folding: ß is ss
    start, end = 0, len(words)
    while start < end and not words[start].isalnum():
        start += 1
    while end > start and not words[end - 1].isalnum():
        end -= 1
    return words[start:end] or written


@dataclass
class NaiveGroup:
    status: str
    confidence: float
    matches: int  # bindings that hold or may hold
    near_misses: int  # bindings a check rules out


@dataclass
class NaiveChoice:
    indicator: str
    status: str
    confidence: float
    delta: float
    vars: Key
    unique: bool  # no other assignment ties with it (within 1e-9)


@dataclass
class NaiveResult:
    groups: dict[str, dict[Key, NaiveGroup]] = field(default_factory=dict)
    posteriors: dict[str, float] = field(default_factory=dict)
    choices: dict[str, list[NaiveChoice]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Obs:
    id: str
    type: str
    lo: int
    hi: int
    refs: tuple[tuple[str, str | None], ...]
    best: dict[str, float]  # origin → best source weight
    document: Observation


class Naive:
    """Everything the evaluation needs, computed the slow way."""

    def __init__(self, case: Case, as_of_day: int) -> None:
        self.case = case
        self.as_of_day = as_of_day
        self.registry = case.registry
        self.entities = case.registry.entities
        self.parents = {
            e.id: {self.registry.resolve_id(p) for p in e.member_of} - {None} for e in self.entities.values()
        }
        self.pad = case.tables.qualifier_pad
        self.observations = [o for o in (self._obs(r.document) for r in case.observations) if o is not None]
        self._window_cache: dict[tuple[Any, ...], int] = {}

    # --- inputs ---------------------------------------------------------------

    def _obs(self, document: Observation) -> _Obs | None:
        date = parse_date(document.date, self.pad)
        reported = parse_date(document.reported, self.pad) if document.reported else date
        if not reported.hi <= self.as_of_day:
            return None  # no hindsight (SPEC §9)
        best: dict[str, float] = {}
        for source in document.sources:
            origin = _one_origin(source.origin or source.name)
            weight = (
                self.case.tables.reliability[source.reliability or "F"]
                * (self.case.tables.credibility[source.credibility or 6])
            )
            best[origin] = max(best.get(origin, 0.0), weight)
        refs = tuple((self.registry.resolve_id(r.entity), r.role) for r in document.entities)
        lo, hi = date.lo, date.hi
        # An open end cannot be enumerated: cut it CLIP days past the other end.  With windows of at
        # most three weeks and dates within a few weeks of each other, every check has the same truth
        # over the cut interval as over the open one (some gaps in the band, some out of it).
        if not math.isfinite(lo):
            lo = hi - CLIP
        if not math.isfinite(hi):
            hi = lo + CLIP
        return _Obs(document.id, document.type, int(lo), int(hi), refs, best, document)  # type: ignore[arg-type]

    def ancestors(self, entity_id: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.parents.get(entity_id, ()))
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(self.parents.get(parent, ()))
        return seen

    @staticmethod
    def confidence(observation: _Obs) -> float:
        miss = 1.0
        for weight in observation.best.values():
            miss *= 1.0 - weight
        return 1.0 - miss

    # --- predicates -------------------------------------------------------------

    def names(self, value: Any) -> str | None:
        return self.registry.resolve_id(value) if isinstance(value, str) else None

    def same(self, a: Any, b: Any) -> bool:
        if isinstance(a, bool) or isinstance(b, bool):
            return isinstance(a, bool) and isinstance(b, bool) and a == b
        if a == b:
            return True
        return (
            isinstance(a, str)
            and isinstance(b, str)
            and self.names(a) is not None
            and self.names(a) == self.names(b)
        )

    def holds(self, predicate: Predicate, value: Any, attribute: str, assignment: dict[str, str]) -> bool:
        op, operand = predicate.op, predicate.operand
        if op == "exists":
            return (value is not MISSING) is operand
        if value is MISSING or value is None:
            return False
        items = value if isinstance(value, list) else [value]
        if op == "var":
            return any(self.names(item) == assignment[operand] for item in items)
        if op in ("eq", "in", "not_in"):
            options = operand if isinstance(operand, tuple) else (operand,)
            hit = any(self.same(option, item) for option in options for item in items)
            return not hit if op == "not_in" else hit
        if op in ("at_least", "at_most"):
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                numbers = [i for i in items if isinstance(i, (int, float)) and not isinstance(i, bool)]
                return any(n >= operand if op == "at_least" else n <= operand for n in numbers)
            scale = self.case.scales[attribute]
            ranks = [scale.index(i) for i in items if isinstance(i, str) and i in scale]
            bound = scale.index(operand)
            return any(r >= bound if op == "at_least" else r <= bound for r in ranks)
        if op == "contains":
            if isinstance(value, str):
                return isinstance(operand, str) and operand in value
            if isinstance(value, list):
                return any(self.same(operand, item) for item in value)
            return False
        if op == "matches":
            return any(isinstance(item, str) and operand.search(item) is not None for item in items)
        raise AssertionError(op)

    # --- selections ---------------------------------------------------------------

    def target(self, written: str, assignment: dict[str, str]) -> str | None:
        return assignment[written[1:]] if written.startswith("$") else self.registry.resolve_id(written)

    def pattern_meets(self, pattern: Any, ref: tuple[str, str | None], assignment: dict[str, str]) -> bool:
        entity_id, role = ref
        entity = self.entities[entity_id]
        if pattern.entity is not None and entity_id != self.target(pattern.entity, assignment):
            return False
        if pattern.of is not None:
            container = self.target(pattern.of, assignment)
            if entity_id != container and container not in self.ancestors(entity_id):
                return False
        if pattern.role is not None and not self.holds(
            pattern.role, MISSING if role is None else role, "role", assignment
        ):
            return False
        if pattern.type is not None and not self.holds(pattern.type, entity.type, "type", assignment):
            return False
        return all(
            self.holds(predicate, entity.attributes.get(name, MISSING), name, assignment)
            for name, predicate in pattern.attribute_predicates.items()
        )

    def field(self, observation: _Obs, path: str) -> Any:
        head, *rest = path.split(".")
        if head not in Observation.model_fields:
            return MISSING
        value: Any = getattr(observation.document, head)
        for part in rest:
            if not isinstance(value, dict) or part not in value:
                return MISSING
            value = value[part]
        return MISSING if value is None else value

    def selection_meets(self, selection: Any, observation: _Obs, assignment: dict[str, str]) -> bool:
        if selection.types and observation.type not in selection.types:
            return False
        if selection.min_origins is not None and len(observation.best) < selection.min_origins:
            return False
        if selection.min_grade is not None:
            letter, digit = selection.min_grade[0], int(selection.min_grade[1])
            if not any(
                s.reliability not in (None, "F")
                and s.credibility not in (None, 6)
                and "ABCDE".index(s.reliability) <= "ABCDE".index(letter)
                and s.credibility <= digit
                for s in observation.document.sources
            ):
                return False
        for path, predicate in selection.where.items():
            if not self.holds(predicate, self.field(observation, path), path.split(".")[-1], assignment):
                return False
        # one participant per entity, however often and in whatever roles it is written
        participants: dict[str, list[tuple[str, str | None]]] = {}
        for ref in observation.refs:
            participants.setdefault(ref[0], []).append(ref)
        patterns = selection.entities
        return any(
            all(
                any(self.pattern_meets(p, ref, assignment) for ref in participants[e])
                for p, e in zip(patterns, chosen, strict=True)
            )
            for chosen in itertools.permutations(participants, len(patterns))
        )

    # --- time -----------------------------------------------------------------------

    def days(self, name: str, binding: dict[str, _Obs]) -> tuple[int, int]:
        if name == "as_of":
            return self.as_of_day, self.as_of_day
        return binding[name].lo, binding[name].hi

    def window(
        self, first: tuple[int, int], then: tuple[int, int], low: float, high: float, absolute: bool
    ) -> int:
        """Every pair of days, counted: all in the band is definite, some possible, none false."""
        key = (first, then, low, high, absolute)
        if key not in self._window_cache:
            good = total = 0
            for f in range(first[0], first[1] + 1):
                for t in range(then[0], then[1] + 1):
                    gap = abs(t - f) if absolute else t - f
                    good += low <= gap <= high
                    total += 1
            self._window_cache[key] = DEFINITE if good == total else MAYBE if good else FALSE
        return self._window_cache[key]

    # --- indicators -------------------------------------------------------------------

    def assignments(self, indicator: Indicator) -> list[dict[str, str]]:
        names = sorted(indicator.vars)
        found = []
        for values in itertools.permutations(sorted(self.entities), len(names)):
            if all(
                indicator.vars[n].type is None or self.entities[v].type == indicator.vars[n].type
                for n, v in zip(names, values, strict=True)
            ):
                found.append(dict(zip(names, values, strict=True)))
        return found

    def indicator(self, indicator: Indicator) -> dict[Key, NaiveGroup]:
        windows: list[tuple[str, str, float, float, bool]] = []
        counts: list[CountRequire] = []
        for item in indicator.require:
            if isinstance(item, CountRequire):
                counts.append(item)
                continue
            low = _days(item.min) if item.min else 0
            high = _days(item.within) if item.within else math.inf
            if isinstance(item, WindowRequire):
                windows.append((item.first, item.then, low, high, False))
            else:
                assert isinstance(item, BetweenRequire)
                windows.append((item.between[0], item.between[1], low, high, True))
        names = list(indicator.select)
        groups: dict[Key, NaiveGroup] = {}
        for assignment in self.assignments(indicator):
            options = [
                [o for o in self.observations if self.selection_meets(indicator.select[n], o, assignment)]
                for n in names
            ]
            bindings = []
            for chosen in itertools.product(*options):
                if len({o.id for o in chosen}) < len(chosen):
                    continue  # one binding, distinct observations
                binding = dict(zip(names, chosen, strict=True))
                truth = min(
                    (
                        self.window(self.days(a, binding), self.days(b, binding), low, high, absolute)
                        for a, b, low, high, absolute in windows
                    ),
                    default=DEFINITE,
                )
                bindings.append([binding, truth])
            if counts:
                definite = [b for b, t in bindings if t == DEFINITE]
                eligible = [b for b, t in bindings if t != FALSE]
                results = [_count(c, definite, eligible) for c in counts]
                for pair in bindings:
                    pair[1] = min([pair[1], *results])
            best = {DEFINITE: 0.0, MAYBE: 0.0}
            truth = max((t for _, t in bindings), default=FALSE)
            for binding, t in bindings:
                if t != FALSE:
                    c = 1.0
                    for o in {o.id: o for o in binding.values()}.values():
                        c *= self.confidence(o)
                    best[t] = max(best[t], c)
            groups[_key(assignment)] = NaiveGroup(
                STATUS[truth],
                0.0 if truth == FALSE else best[truth],
                sum(1 for _, t in bindings if t != FALSE),
                sum(1 for _, t in bindings if t == FALSE),
            )
        return groups

    # --- hypotheses --------------------------------------------------------------------

    def run(self) -> NaiveResult:
        result = NaiveResult()
        for indicator_id, indicator in sorted(self.case.indicators.items()):
            result.groups[indicator_id] = self.indicator(indicator)
        for hypothesis_id, hypothesis in sorted(self.case.hypotheses.items()):
            entries = hypothesis.entries()
            if entries is None:
                entries = [HypothesisIndicator(id=i) for i in sorted(self.case.indicators)]
            log_odds = math.log(hypothesis.prior / (1 - hypothesis.prior))
            choices = []
            for entry in entries:
                indicator = self.case.indicators[entry.id]
                lr = entry.likelihood_ratio or indicator.likelihood_ratio
                absent = entry.absent_likelihood_ratio or indicator.absent_likelihood_ratio
                fixed = {
                    k: self.registry.resolve_id(v) for k, v in hypothesis.bind.items() if k in indicator.vars
                }
                groups = [
                    (key, group)
                    for key, group in result.groups[entry.id].items()
                    if all(dict(key).get(k) == v for k, v in fixed.items())
                ]
                rank = {FIRED: 2, POSSIBLE: 1, NOT_FIRED: 0}
                strength = [
                    (rank[g.status], g.confidence if g.status != NOT_FIRED else 0.0) for _, g in groups
                ]
                if strength:
                    top = max(strength)
                    close = [
                        i for i, s in enumerate(strength) if s[0] == top[0] and abs(s[1] - top[1]) <= 1e-9
                    ]
                    key, group = groups[min(close, key=lambda i: groups[i][0])]
                    status, c, unique = group.status, group.confidence, len(close) == 1
                else:
                    key, status, c, unique = _key(fixed), NOT_FIRED, 0.0, True
                delta = (
                    c * math.log(lr) if status == FIRED else 0.0 if status == POSSIBLE else math.log(absent)
                )
                log_odds += delta
                choices.append(NaiveChoice(entry.id, status, c, delta, key, unique))
            result.posteriors[hypothesis_id] = 1 / (1 + math.exp(-log_odds))
            result.choices[hypothesis_id] = choices
        return result


def naive_evaluate(case: Case, as_of_day: int) -> NaiveResult:
    """Every indicator for every assignment, and every hypothesis, by brute force."""
    return Naive(case, as_of_day).run()


def _days(duration: str) -> int:
    return int(duration[:-1]) * (7 if duration.endswith("w") else 1)


def _key(assignment: dict[str, str]) -> Key:
    return tuple(sorted(assignment.items()))


def _count(item: CountRequire, definite: list[dict[str, _Obs]], eligible: list[dict[str, _Obs]]) -> int:
    def distinct(bindings: Iterable[dict[str, _Obs]]) -> int:
        chosen = [b[item.count] for b in bindings]
        if item.distinct == "origins":
            return len({origin for o in chosen for origin in o.best})
        return len({o.id for o in chosen})

    if distinct(definite) >= item.at_least:
        return DEFINITE
    return MAYBE if distinct(eligible) >= item.at_least else FALSE


# --- random rule sets ----------------------------------------------------------------


def pick(draw: Callable[..., Any], choices: Sequence[Any]) -> Any:
    """One of `choices` (a copy: documents must not share mutable parts); shrinks to the first."""
    return copy.deepcopy(choices[draw(st.integers(0, len(choices) - 1))])


ENTITY_TYPES = ("state", "group", "person")
LEVELS = ("low", "mid", "high")
TAGS = ("x", "xy", "yx", "Name 1", "e0", "e2")


def _entities(draw: Callable[..., Any], count: int) -> list[dict[str, Any]]:
    made = []
    for index in range(count):
        entity: dict[str, Any] = {"kind": "entity", "id": f"e{index}", "type": pick(draw, ENTITY_TYPES)}
        # one draw for name, parents and which attributes exist: generation is draw-bound
        code = draw(st.integers(0, 2 * 2**index * 8 - 1))
        code, named = divmod(code, 2)
        present, parents = divmod(code, 2**index)
        if named:
            entity["name"] = f"Name {index}"
        if parents:
            entity["member_of"] = [f"e{p}" for p in range(index) if parents >> p & 1][:2]
        attributes: dict[str, Any] = {}
        if not present & 1:
            attributes["level"] = pick(draw, LEVELS)
        if not present & 2:
            attributes["n"] = draw(st.integers(0, 3))
        if not present & 4:
            value = draw(st.integers(0, len(TAGS) * (len(TAGS) + 1) - 1))
            first, second = divmod(value, len(TAGS) + 1)
            attributes["tag"] = TAGS[first] if second == 0 else [TAGS[first], TAGS[second - 1]]
        if attributes:
            entity["attributes"] = attributes
        made.append(entity)
    return made


ATTRIBUTE_PREDICATES: tuple[tuple[str, Any], ...] = (
    ("level", {"at_least": "mid"}),
    ("level", {"at_most": "low"}),
    ("n", {"at_least": 2}),
    ("n", 1),
    ("tag", "x"),
    ("tag", {"contains": "x"}),
    ("tag", {"matches": "^x"}),
    ("tag", {"exists": False}),
    ("tag", {"in": ["x", "e0"]}),
)


def _roughly_meets(entity: dict[str, Any], name: str, predicate: Any) -> bool:
    """Whether a witness entity meets an attribute predicate, roughly: only to bias generation."""
    value = entity.get("attributes", {}).get(name)
    items = value if isinstance(value, list) else [value]
    if isinstance(predicate, dict):
        ((op, operand),) = predicate.items()
        if op == "exists":
            return (value is not None) is operand
        if op == "at_least":
            return any(
                i in LEVELS[LEVELS.index(operand) :]
                if isinstance(operand, str)
                else isinstance(i, int) and i >= operand
                for i in items
            )
        if op == "at_most":
            return any(i in LEVELS[: LEVELS.index(operand) + 1] for i in items)
        if op in ("contains", "matches"):
            return any(isinstance(i, str) and "x" in i for i in items)
        return any(i in operand for i in items)
    return predicate in items


def _pattern(
    draw: Callable[..., Any],
    variables: list[str],
    entities: list[dict[str, Any]],
    types: dict[str, str | None],
) -> dict[str, Any]:
    """One entity pattern, usually built around a witness entity so that it can be met."""
    pattern: dict[str, Any] = {}
    witness = pick(draw, entities)
    ancestors = witness.get("member_of", [])
    faithful = draw(st.integers(0, 4)) > 0
    which = pick(draw, ["of", "entity", "of", "none"])
    if which != "none":
        if variables and draw(st.integers(0, 2)):
            variable = pick(draw, variables)
            pattern[which] = f"${variable}"
            if which == "entity" and faithful:
                types.setdefault(variable, witness["type"])
        elif faithful:
            pattern[which] = (
                witness["id"]
                if which == "entity" or not ancestors
                else pick(draw, [witness["id"], *ancestors])
            )
        else:
            pattern[which] = pick(draw, [e["id"] for e in entities])
    if draw(st.integers(0, 3)) == 0:
        pattern["role"] = pick(
            draw, ["host", ["host", "perp"], {"exists": True}, {"not_in": ["perp"]}, "perp"]
        )
    if draw(st.integers(0, 4)) == 0:
        pattern["type"] = witness["type"] if faithful else pick(draw, ENTITY_TYPES)
    if draw(st.integers(0, 2)) == 0:
        choices = [(n, p) for n, p in ATTRIBUTE_PREDICATES if not faithful or _roughly_meets(witness, n, p)]
        choices += [("tag", f"${v}") for v in variables]
        if choices:
            name, predicate = pick(draw, choices)
            pattern[name] = predicate
    return pattern


def _indicator(
    draw: Callable[..., Any],
    index: int,
    entities: list[dict[str, Any]],
    ratios: tuple[list[float], list[float]],
    dense: bool,
) -> dict[str, Any]:
    """A random indicator; `dense` ones have bare `$variable` patterns, so nearly everything binds."""
    variables = (
        ["a", "b", *(["c"] if draw(st.booleans()) else [])]
        if dense
        else [v for v in "abc" if draw(st.booleans())]
    )
    witness_types: dict[str, str | None] = {}
    names = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    select: dict[str, Any] = {}
    for name in names:
        selection: dict[str, Any] = {}
        kind = pick(draw, [None, "meet", "strike", ["meet", "strike"]])
        if kind is not None:
            selection["type"] = kind
        if dense:
            selection["entities"] = [{pick(draw, ["of", "entity"]): f"${pick(draw, variables)}"}]
            select[name] = selection
            continue
        patterns = [
            _pattern(draw, variables, entities, witness_types) for _ in range(draw(st.integers(0, 3)))
        ]
        if patterns:
            selection["entities"] = patterns
        if draw(st.integers(0, 3)) == 0:
            path, predicate = pick(
                draw,
                [
                    ("place", "p1"),
                    ("place", {"in": ["p1", "e1"]}),
                    ("attributes.channel", "a"),
                    ("attributes.channel", {"exists": True}),
                    *[("place", f"${v}") for v in variables],
                    *[("attributes.channel", f"${v}") for v in variables],
                ],
            )
            selection["where"] = {path: predicate}
        if draw(st.integers(0, 4)) == 0:
            selection["min_origins"] = draw(st.integers(1, 2))
        if draw(st.integers(0, 4)) == 0:
            selection["min_grade"] = pick(draw, ["A1", "B2", "C3", "E5"])
        select[name] = selection
    used = {
        value[1:]
        for selection in select.values()
        for item in [*selection.get("entities", []), selection.get("where", {})]
        for value in item.values()
        if isinstance(value, str) and value.startswith("$")
    }
    points = [*names, "as_of"]
    require: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1 if dense else 0, 3))):
        form = pick(draw, ["window", "window", "between", "count"])
        if form == "count":
            require.append(
                {
                    "count": pick(draw, names),
                    "at_least": draw(st.integers(1, 3)),
                    **({"distinct": "origins"} if draw(st.booleans()) else {}),
                }
            )
            continue
        first = pick(draw, points)
        then = pick(draw, [p for p in points if p != first])
        item: dict[str, Any] = (
            {"between": [first, then]} if form == "between" else {"first": first, "then": then}
        )
        within = draw(st.integers(0, 20)) if draw(st.integers(0, 3)) else None
        low = draw(st.integers(0, within if within is not None else 20)) if draw(st.booleans()) else None
        if within is not None:
            item["within"] = f"{within}d" if within % 7 or not within else f"{within // 7}w"
        if low is not None:
            item["min"] = f"{low}d"
        require.append(item)
    indicator = {
        "kind": "indicator",
        "id": f"i{index}",
        "title": f"indicator {index}",
        "vars": {
            v: {} if dense else _variable_type(draw, witness_types.get(v)) for v in variables if v in used
        },
        "select": select,
        "require": require,
        "likelihood_ratio": pick(draw, ratios[0]),
        "absent_likelihood_ratio": pick(draw, ratios[1]),
    }
    return indicator


def _variable_type(draw: Callable[..., Any], witness: str | None) -> dict[str, Any]:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return {}
    if witness is not None and choice < 3:
        return {"type": witness}
    return {"type": pick(draw, ENTITY_TYPES)}


@st.composite
def rule_sets(
    draw: Callable[..., Any],
    max_entities: int = 6,
    likelihood_ratios: tuple[float, ...] = (0.5, 1.0, 1.5, 3.0),
    absent_ratios: tuple[float, ...] = (0.5, 1.0, 1.0, 2.0),
    scoring: bool = True,
    dense: bool | None = None,
) -> list[dict[str, Any]]:
    """Entities, a scale, one or two indicators, up to two hypotheses and maybe a scoring document."""
    entities = _entities(draw, draw(st.integers(2, max_entities)))
    entity_ids = [e["id"] for e in entities]
    ratios = (list(likelihood_ratios), list(absent_ratios))
    if dense is None:
        dense = draw(st.booleans())
    indicators = [_indicator(draw, i, entities, ratios, dense) for i in range(draw(st.integers(1, 2)))]
    documents: list[dict[str, Any]] = [*entities, {"kind": "scale", "id": "level", "values": list(LEVELS)}]
    documents += indicators
    types = {e["id"]: e["type"] for e in entities}
    for index in range(draw(st.integers(0, 2))):
        used = indicators
        hypothesis: dict[str, Any] = {
            "kind": "hypothesis",
            "id": f"h{index}",
            "statement": f"hypothesis {index}",
            "prior": pick(draw, [0.1, 0.5, 0.9]),
        }
        if draw(st.booleans()):
            used = [i for i in indicators if draw(st.booleans())] or indicators[:1]
            entries: list[Any] = []
            for indicator in used:
                if draw(st.integers(0, 3)) == 0:
                    entries.append({"id": indicator["id"], "likelihood_ratio": pick(draw, likelihood_ratios)})
                else:
                    entries.append(indicator["id"])
            hypothesis["indicators"] = entries
        bind = {}
        for name in sorted({v for i in used for v in i["vars"]}):
            wanted = {i["vars"][name].get("type") for i in used if name in i["vars"]} - {None}
            fitting = [e for e in entity_ids if not wanted or wanted == {types[e]}]
            if fitting and draw(st.booleans()):
                bind[name] = pick(draw, fitting)
        if bind:
            hypothesis["bind"] = bind
        documents.append(hypothesis)
    if scoring and draw(st.integers(0, 3)) == 0:
        documents.append(
            {
                "kind": "scoring",
                "qualifier_pad": draw(st.integers(0, 2)),
                "reliability": pick(draw, [{}, {"F": 0.0}, {"B": 0.6, "E": 0.0}]),
                "credibility": pick(draw, [{}, {6: 0.0}, {2: 0.8}]),
            }
        )
    return documents
