"""Does one observation meet one selection, and under which variable values?

Matching is time-free (time lives in `require`).  For an observation and a
selection it yields every assignment of the selection's variables to
entities under which some injective choice of references meets all the
entity patterns and `where` predicates.  Semantics are those of SPEC §6 and
§13 "Predicates"; docs/semantics.md explains them for analysts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass, field
from typing import Any

from iandw.diagnostics import counted
from iandw.engine.compile import CompiledIndicator, EntityCondition, PatternSpec, SelectionSpec
from iandw.limits import MAX_ASSIGNMENTS
from iandw.model.case import Case, ObservationRecord, Reference
from iandw.model.predicates import Predicate
from iandw.model.registry import EntityRegistry
from iandw.score import meets_grade

Assignment = dict[str, str]
VarsKey = tuple[tuple[str, str], ...]  # an assignment as a key


def vars_key(assignment: Assignment) -> VarsKey:
    return tuple(sorted(assignment.items()))


@dataclass(eq=False)  # an exception: hashable, compared by identity
class TooManyAssignments(Exception):
    """Matching or joining an indicator's selections built more variable assignments than `limit`.

    Counted as they are built (pattern by pattern, `where` by `where`,
    selection by selection, in the order the rule lists them), so that the
    work stops there: a rule that lists its narrowest pattern or selection
    first builds fewer.
    """

    limit: int
    indicator: str = ""
    selection: str = ""
    observation: str = ""

    def __str__(self) -> str:
        where = (
            f"observation {self.observation!r} alone makes selection {self.selection!r} build"
            if self.observation
            else "joining its selections builds"
        )
        built = f"more than {self.limit:,} variable assignment{'' if self.limit == 1 else 's'}"
        return f"indicator {self.indicator!r}: {where} {built}; see --max-assignments"


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class World:
    """What matching needs besides the observation: entities, scales, variable types."""

    registry: EntityRegistry
    scales: dict[str, tuple[str, ...]]
    variable_types: dict[str, str | None]
    max_assignments: int = MAX_ASSIGNMENTS  # per observation and selection, and per indicator
    # the variable values under which one reference meets one pattern on its
    # own; entities and roles repeat across observations far more than whole
    # observations do
    local: dict[tuple[int, str, str | None], list[Assignment]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, case: Case, indicator: CompiledIndicator, max_assignments: int = MAX_ASSIGNMENTS) -> World:
        """The world one indicator is matched in: the case's entities and scales, its variables."""
        return cls(case.registry, case.scales, indicator.variables, max_assignments)

    def options(self, pattern: PatternSpec, reference: Reference) -> list[Assignment]:
        """`pattern_extensions` from an empty assignment, remembered per (pattern, entity, role)."""
        key = (id(pattern), reference.entity, reference.role)
        found = self.local.get(key)
        if found is None:
            found = self.local[key] = list(pattern_extensions(pattern, reference, {}, self))
        return found

    def can_bind(self, variable: str, entity_id: str, assignment: Assignment) -> bool:
        """Typed variables; distinct variables bind distinct entities."""
        required = self.variable_types.get(variable)
        if required is not None and self.registry.entities[entity_id].type != required:
            return False
        return all(bound != entity_id for name, bound in assignment.items() if name != variable)


# --- predicates ---------------------------------------------------------------


def _same(literal: Any, value: Any, registry: EntityRegistry) -> bool:
    """Equality that does not confuse True with 1, and that sees two names of one entity as equal."""
    if isinstance(literal, bool) or isinstance(value, bool):
        return isinstance(literal, bool) and isinstance(value, bool) and literal == value
    if literal == value:
        return True
    if isinstance(literal, str) and isinstance(value, str):
        left = registry.resolve_id(literal)
        return left is not None and left == registry.resolve_id(value)
    return False


def _elements(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ordinal(
    value: Any, attribute: str, scales: dict[str, tuple[str, ...]], numeric: bool
) -> int | float | None:
    """A number as it is, or a scale value's rank.

    Not converted to float: a whole number of 400 digits is a valid YAML or
    JSON number that no float can hold, and Python compares ints with
    floats exactly.
    """
    if numeric:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        return None
    scale = scales.get(attribute, ())
    return scale.index(value) if value in scale else None


# Python's backtracking search can take time quadratic in the text (`\w+ minister`
# tries every start and runs to the end): 100,000 characters took 30 s, 10,000 take 0.3 s.
MATCHES_CHARS = 10_000  # the characters of a value a `matches` regex searches


def value_holds(predicate: Predicate, value: Any, attribute: str, world: World) -> bool:
    """A non-variable predicate on one value (MISSING when absent)."""
    op, operand = predicate.op, predicate.operand
    if op == "exists":
        return (value is not MISSING) == operand
    if value is MISSING or value is None:
        return False
    registry = world.registry
    if op == "eq":
        options = operand if isinstance(operand, tuple) else (operand,)
        return any(_same(option, item, registry) for option in options for item in _elements(value))
    if op == "in":
        return any(_same(option, item, registry) for option in operand for item in _elements(value))
    if op == "not_in":
        return not any(_same(option, item, registry) for option in operand for item in _elements(value))
    if op in ("at_least", "at_most"):
        numeric = isinstance(operand, (int, float)) and not isinstance(operand, bool)
        bound = _ordinal(operand, attribute, world.scales, numeric)
        if bound is None:
            return False
        for item in _elements(value):
            rank = _ordinal(item, attribute, world.scales, numeric)
            if rank is not None and (rank >= bound if op == "at_least" else rank <= bound):
                return True
        return False
    if op == "contains":
        if isinstance(value, str):
            return isinstance(operand, str) and operand in value
        if isinstance(value, list):
            return any(_same(operand, item, registry) for item in value)
        return False
    if op == "matches":
        return _search(operand, _elements(value))
    raise AssertionError(f"unknown operator {op}")


def _search(pattern: re.Pattern[str], items: list[Any]) -> bool:
    """Whether the regex finds a match in the first MATCHES_CHARS characters of the strings, in order."""
    left = MATCHES_CHARS
    for item in items:
        if left <= 0:
            return False
        if isinstance(item, str):
            if pattern.search(item[:left]):
                return True
            left -= len(item)
    return False


def predicate_extensions(
    predicate: Predicate, value: Any, attribute: str, assignment: Assignment, world: World
) -> Iterator[Assignment]:
    """The assignments under which the predicate holds, extending `assignment`.

    A `$variable` unifies with an entity the value names (SPEC §13): it
    checks a bound variable and binds a free one, once per entity named.
    """
    variable = predicate.variable
    if variable is None:
        if value_holds(predicate, value, attribute, world):
            yield assignment
        return
    if value is MISSING or value is None:
        return
    named: list[str] = []
    for item in _elements(value):
        if isinstance(item, str):
            entity_id = world.registry.resolve_id(item)
            if entity_id is not None and entity_id not in named:
                named.append(entity_id)
    bound = assignment.get(variable)
    if bound is not None:
        if bound in named:
            yield assignment
        return
    for entity_id in sorted(named):
        if world.can_bind(variable, entity_id, assignment):
            yield {**assignment, variable: entity_id}


# --- entity patterns ------------------------------------------------------------


def _entity_extensions(
    condition: EntityCondition | None, candidates: list[str], assignment: Assignment, world: World
) -> Iterator[Assignment]:
    """`entity:`/`of:` — the reference's entity (or, for `of`, a container) is the one named."""
    if condition is None:
        yield assignment
        return
    if condition.entity_id is not None:
        if condition.entity_id in candidates:
            yield assignment
        return
    variable = condition.variable
    assert variable is not None
    bound = assignment.get(variable)
    if bound is not None:
        if bound in candidates:
            yield assignment
        return
    for entity_id in candidates:
        if world.can_bind(variable, entity_id, assignment):
            yield {**assignment, variable: entity_id}


def pattern_extensions(
    pattern: PatternSpec, reference: Reference, assignment: Assignment, world: World
) -> Iterator[Assignment]:
    """Every way one reference meets one pattern, as extended assignments."""
    entity_id = reference.entity
    entity = world.registry.entities[entity_id]
    partial = [assignment]
    if pattern.entity is not None:
        partial = [a for p in partial for a in _entity_extensions(pattern.entity, [entity_id], p, world)]
    if pattern.of is not None and partial:
        containers = [entity_id, *sorted(world.registry.ancestors(entity_id))]
        partial = [a for p in partial for a in _entity_extensions(pattern.of, containers, p, world)]
    tests: list[tuple[Predicate, Any, str]] = []
    if pattern.role is not None:
        tests.append((pattern.role, reference.role if reference.role is not None else MISSING, "role"))
    if pattern.type is not None:
        tests.append((pattern.type, entity.type, "type"))
    for name, predicate in pattern.attributes:
        tests.append((predicate, entity.attributes.get(name, MISSING), name))
    for predicate, value, attribute in tests:
        if not partial:
            return
        partial = [a for p in partial for a in predicate_extensions(predicate, value, attribute, p, world)]
    yield from partial


def _field(observation: ObservationRecord, path: tuple[str, ...]) -> Any:
    """`where` paths: top-level observation fields, then keys into mappings."""
    document = observation.document
    head, rest = path[0], path[1:]
    if head not in type(document).model_fields:
        return MISSING
    value: Any = getattr(document, head)
    for part in rest:
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return MISSING
    return MISSING if value is None else value


def selection_assignments(
    selection: SelectionSpec,
    observation: ObservationRecord,
    world: World,
    pattern_cache: dict[tuple[Reference, ...], list[Assignment]] | None = None,
) -> list[Assignment]:
    """Distinct assignments under which the observation meets the selection.

    The entity patterns depend only on the observation's references, which
    repeat across many observations (the same official meets the same
    leader); `pattern_cache` keeps their outcome per reference tuple.
    """
    if selection.types and observation.type not in selection.types:
        return []
    if selection.min_origins is not None and len(observation.origins) < selection.min_origins:
        return []
    if selection.min_grade is not None and not any(
        meets_grade(reliability, credibility, selection.min_grade)
        for _, reliability, credibility in observation.sources
    ):
        return []
    try:
        by_patterns = None if pattern_cache is None else pattern_cache.get(observation.refs)
        if by_patterns is None:  # one lookup: a tuple of references is hashed anew each time
            by_patterns = _patterns(selection.patterns, observation.refs, world)
            if pattern_cache is not None:
                pattern_cache[observation.refs] = by_patterns
        if by_patterns and not _where_holds(selection.where_fixed, observation, world):
            return []
        if not selection.where_binding:
            return by_patterns
        found = distinct_assignments(
            extended
            for assignment in by_patterns
            for extended in _where(selection.where_binding, observation, assignment, world)
        )
        _bounded(found, world)
        return found
    except TooManyAssignments as exc:
        exc.selection, exc.observation = selection.name, observation.id
        raise


# --- why a selection matched nothing ---------------------------------------------


@dataclass(frozen=True)
class Unreported:
    """The observations the evaluation date leaves out (not yet reported), counted per type.

    A selection nothing met says so: "1 of type 'financing', none reported
    by 2023-10-06" calls for a later date, where "no observation of type
    'financing'" calls for collection.  Counted once per evaluation, over
    the observations `reported_by` drops, never during matching.
    """

    as_of: str  # the evaluation date, as a reason writes it
    by_type: Mapping[str, int]

    def count(self, types: frozenset[str]) -> int:
        """Those of the types given, or of any type for a selection of any type."""
        if not types:
            return sum(self.by_type.values())
        return sum(self.by_type.get(kind, 0) for kind in types)


def unmatched_reason(
    selection: SelectionSpec,
    observations: Iterable[ObservationRecord],
    world: World,
    fixed: Assignment,
    unreported: Unreported,
) -> str:
    """Why no observation meets the selection under the `fixed` variables, with counts.

    The stages of `selection_assignments` in its order (type, `min_origins`,
    `min_grade`, entity patterns, each `where` item without a variable, then
    those with one, together), each with how many observations
    pass it, up to the first that none passes: '2 of type 'display', none
    from at least 2 independent origins (min_origins: 2)'.  Only for a
    selection nothing met (`IndicatorResult.unmatched`), when a report says
    so, so that matching itself counts nothing; and as nothing met it, what
    reaches its last stage fails it, unchecked (entity patterns over a large
    pool cost what matching did).  `observations` are those reported by the
    evaluation date; when `unreported` holds some of the selection's type,
    the count of its type is of all and a stage after it says how many were
    reported by then ('3 of type 'meeting', 2 of them reported by
    2023-10-06, …'), so that "not yet known" never reads as "never
    collected".
    """
    fixed = {name: value for name, value in sorted(fixed.items()) if name in selection.variables}
    pool = [o for o in observations if not selection.types or o.type in selection.types]
    late = unreported.count(selection.types)
    collected = len(pool) + late
    if not collected:
        return f"no observation{_of_types(selection.types)}"
    said = [
        f"{collected}{_of_types(selection.types)}" if selection.types else counted(collected, "observation")
    ]
    if late:
        if not pool:
            return ", ".join([*said, f"none reported by {unreported.as_of}"])
        said.append(f"{len(pool)} of them reported by {unreported.as_of}")
    stages = _stages(selection, world, fixed)
    if selection.where_binding:
        paths = " and ".join(repr(".".join(path)) for path, _ in selection.where_binding)
        last = f"{WHERE_WORDS} on {paths}" + _under(fixed, {p.variable for _, p in selection.where_binding})
    else:
        last = stages.pop()[0]
    for words, passes in stages:
        pool = [o for o in pool if passes(o)]
        if not pool:
            return ", ".join([*said, f"none {words}"])
        said.append(f"{len(pool)} of them {words}")
    return ", ".join([*said, f"none {last}"])


WHERE_WORDS = "meeting its 'where'"


def _of_types(types: frozenset[str]) -> str:
    """What follows a count: ` of type 'a' or 'b'`, or nothing for a selection of any type."""
    return " of type " + " or ".join(repr(t) for t in sorted(types)) if types else ""


def _stages(
    selection: SelectionSpec, world: World, fixed: Assignment
) -> list[tuple[str, Callable[[ObservationRecord], bool]]]:
    """The filters after its type, as words and tests, in the order matching uses.

    Its `where` items without a variable are one stage each, so that the
    reason names the first that no observation meets.
    """
    stages: list[tuple[str, Callable[[ObservationRecord], bool]]] = []
    if selection.min_origins is not None:
        least = selection.min_origins
        stages.append(
            (
                f"from at least {counted(least, 'independent origin')} (min_origins: {least})",
                lambda o: len(o.origins) >= least,
            )
        )
    if selection.min_grade is not None:
        grade = selection.min_grade
        stages.append(
            (
                f"with a source graded {grade} or better (min_grade: {grade})",
                lambda o: any(meets_grade(r, c, grade) for _, r, c in o.sources),
            )
        )
    if selection.patterns:
        stages.append(
            (
                f"with entities matching its patterns{_under(fixed, _pattern_variables(selection))}",
                lambda o: _patterns_agree(selection, o, world, fixed),
            )
        )
    for path, predicate in selection.where_fixed:
        stages.append((f"{WHERE_WORDS} on {'.'.join(path)!r}", _holds(path, predicate, world)))
    return stages


def _holds(path: tuple[str, ...], predicate: Predicate, world: World) -> Callable[[ObservationRecord], bool]:
    """One `where` item without a variable, as a test of an observation."""
    return lambda observation: value_holds(predicate, _field(observation, path), path[-1], world)


def _under(fixed: Assignment, used: set[str | None]) -> str:
    """' for sponsor=iran': the fixed variables a stage uses, or nothing."""
    named = [f"{name}={value}" for name, value in fixed.items() if name in used]
    return f" for {', '.join(named)}" if named else ""


def _pattern_variables(selection: SelectionSpec) -> set[str | None]:
    """The variables its entity patterns name (not those only its `where` names)."""
    used: set[str | None] = set()
    for pattern in selection.patterns:
        used |= {condition.variable for condition in (pattern.entity, pattern.of) if condition is not None}
        predicates = (pattern.role, pattern.type, *(predicate for _, predicate in pattern.attributes))
        used |= {predicate.variable for predicate in predicates if predicate is not None}
    return used


def _agrees(assignment: Assignment, fixed: Assignment) -> bool:
    """Whether the assignment leaves each fixed variable free or gives it its fixed value."""
    return all(assignment.get(name, value) == value for name, value in fixed.items())


def _patterns_agree(
    selection: SelectionSpec, observation: ObservationRecord, world: World, fixed: Assignment
) -> bool:
    """Whether the observation meets the entity patterns under the fixed variables."""
    return any(_agrees(a, fixed) for a in _patterns(selection.patterns, observation.refs, world))


def _bounded(assignments: Sized, world: World) -> None:
    if len(assignments) > world.max_assignments:
        raise TooManyAssignments(world.max_assignments)


def distinct_assignments(assignments: Iterable[Assignment]) -> list[Assignment]:
    """Each assignment once, in the order first met."""
    found: list[Assignment] = []
    seen: set[VarsKey] = set()
    for assignment in assignments:
        key = vars_key(assignment)
        if key not in seen:
            seen.add(key)
            found.append(assignment)
    return found


WAYS_LISTED = 1_000  # ways of choosing references listed before each assignment is built once instead


def _patterns(
    patterns: tuple[PatternSpec, ...], refs: tuple[Reference, ...], world: World
) -> list[Assignment]:
    """Every assignment under which distinct references meet the patterns (one each), each once.

    The ways of choosing one reference per pattern are listed while they
    are few, as nearly all observations name a handful of entities; they
    grow as references^patterns, and an observation's references are
    untrusted input, so past WAYS_LISTED each assignment is built once
    instead (`_built_once`).  Both give the same assignments; past
    `world.max_assignments` of them, `TooManyAssignments`.
    """
    listed = _listed_ways(patterns, refs, world)
    found = distinct_assignments(listed) if listed is not None else _built_once(patterns, refs, world)
    _bounded(found, world)  # `_built_once` stops as soon as it is past
    return found


def _listed_ways(
    patterns: tuple[PatternSpec, ...], refs: tuple[Reference, ...], world: World
) -> list[Assignment] | None:
    """The assignment of each way of choosing distinct references; None past WAYS_LISTED ways."""
    partial: list[tuple[Assignment, int]] = [({}, 0)]  # with the references used, as bits
    for pattern in patterns:
        extended: list[tuple[Assignment, int]] = []
        for assignment, used in partial:
            taken = set(assignment.values())
            for index, reference in enumerate(refs):
                if used >> index & 1:
                    continue
                for option in world.options(pattern, reference):
                    # an option alone is already a valid assignment (pattern_extensions)
                    merged = _merge(assignment, option, taken) if assignment else dict(option)
                    if merged is not None:
                        extended.append((merged, used | 1 << index))
            if len(extended) > WAYS_LISTED:
                return None
        partial = extended
        if not partial:
            return []
    return [assignment for assignment, _ in partial]


def _built_once(
    patterns: tuple[PatternSpec, ...], refs: tuple[Reference, ...], world: World
) -> list[Assignment]:
    """The assignments of `_listed_ways`, built pattern by pattern, each kept once.

    Each keeps one witness, the references that built it first; where
    building it had to reuse one, it stands only if each pattern can still
    be given a reference of its own (`_distinct_references`).
    """
    options: list[list[list[Assignment]]] = []  # per pattern, per reference: its options
    partial: dict[VarsKey, tuple[Assignment, int | None]] = {(): ({}, 0)}  # witness: references used, as bits
    for pattern in patterns:
        per_reference = [world.options(pattern, reference) for reference in refs]
        options.append(per_reference)
        # References that meet no option of this pattern are skipped, and those
        # that are the same (an entity named again and again, with the same
        # role) give the same options: each kind is visited once per
        # assignment, with the first of its references not yet in the witness.
        kinds: dict[int, tuple[list[int], list[Assignment]]] = {}
        for index, found in enumerate(per_reference):
            if found:
                kinds.setdefault(id(found), ([], found))[0].append(index)
        extended: dict[VarsKey, tuple[Assignment, int | None]] = {}
        for assignment, used in partial.values():
            taken = set(assignment.values())
            for indices, found in kinds.values():
                free = None if used is None else next((i for i in indices if not used >> i & 1), None)
                witness = None if used is None or free is None else used | 1 << free
                for option in found:
                    # an option alone is already a valid assignment (pattern_extensions)
                    merged = _merge(assignment, option, taken) if assignment else dict(option)
                    if merged is None:
                        continue
                    key = vars_key(merged)
                    known = extended.get(key)
                    if known is None or (known[1] is None and witness is not None):
                        extended[key] = (known[0] if known else merged, witness)
            _bounded(extended, world)
        partial = extended
        if not partial:
            return []
    if all(used is not None for _, used in partial.values()):
        return [assignment for assignment, _ in partial.values()]
    # one index per distinct list of options (references of one kind share theirs)
    indexed = {id(found): _option_index(found) for per_reference in options for found in per_reference}
    lookups = [[indexed[id(found)] for found in per_reference] for per_reference in options]
    return [
        assignment
        for assignment, used in partial.values()
        if used is not None or _distinct_references(assignment, lookups)
    ]


OptionIndex = dict[tuple[str, ...], set[tuple[str, ...]]]  # variables an option binds → their entities


def _option_index(found: list[Assignment]) -> OptionIndex:
    """One reference's options for one pattern, so that an assignment is looked up, not compared with each."""
    index: OptionIndex = {}
    for option in found:
        names = tuple(sorted(option))
        index.setdefault(names, set()).add(tuple(option[name] for name in names))
    return index


def _distinct_references(assignment: Assignment, lookups: list[list[OptionIndex]]) -> bool:
    """Whether each pattern can have a reference of its own whose option the assignment holds.

    A pattern's options all bind the pattern's own variables, so these are
    exactly the ways the assignment could have been built.  A bipartite
    matching of patterns to references, by augmenting paths.
    """
    eligible = [
        [
            index
            for index, lookup in enumerate(per_reference)
            if any(
                tuple(assignment.get(name) for name in names) in values for names, values in lookup.items()
            )
        ]
        for per_reference in lookups
    ]
    owner: dict[int, int] = {}  # reference → the pattern it is given to

    def place(pattern: int, tried: set[int]) -> bool:
        for index in eligible[pattern]:
            if index not in tried:
                tried.add(index)
                if index not in owner or place(owner[index], tried):
                    owner[index] = pattern
                    return True
        return False

    return all(place(pattern, set()) for pattern in range(len(lookups)))


def _merge(assignment: Assignment, option: Assignment, taken: set[str]) -> Assignment | None:
    """`assignment` extended by a pattern's own option, if they agree.

    Variables already bound must keep their entity; new ones must take
    entities no other variable has (distinct variables, distinct entities).
    """
    merged = dict(assignment)
    for variable, entity_id in option.items():
        bound = assignment.get(variable)
        if bound is None:
            if entity_id in taken:
                return None
            merged[variable] = entity_id
        elif bound != entity_id:
            return None
    return merged


def _where(
    where: tuple[tuple[tuple[str, ...], Predicate], ...],
    observation: ObservationRecord,
    assignment: Assignment,
    world: World,
) -> Iterator[Assignment]:
    partial = [assignment]
    for path, predicate in where:
        value = _field(observation, path)
        partial = [a for p in partial for a in predicate_extensions(predicate, value, path[-1], p, world)]
        _bounded(partial, world)
        if not partial:
            return
    yield from partial


def _where_holds(
    where: tuple[tuple[tuple[str, ...], Predicate], ...], observation: ObservationRecord, world: World
) -> bool:
    """The `where` items without a variable, which hold or not whatever the assignment: checked once."""
    return all(
        value_holds(predicate, _field(observation, path), path[-1], world) for path, predicate in where
    )
