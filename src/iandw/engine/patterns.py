"""Entity patterns: which references meet them, and an entity of its own for each.

One reference meets one pattern under some variable values
(`pattern_extensions`, remembered per entity and role by `MatchContext.options`).
The patterns of one selection are met by references to distinct entities
(SPEC §4, read as docs/semantics.md says): one entity written twice, by id
and by alias, is one participant, not two; written in two roles, it may
meet a pattern asking for either, but only one pattern.  Giving every
pattern an entity of its own is done two ways, because either alone is
slow on every observation or unbounded on some: listing each way of
choosing references (`_listed_ways`) is cheapest for the handful of
entities nearly every observation names, but the ways grow as
references^patterns and an observation's references are untrusted input,
so past WAYS_LISTED ways each assignment is built once instead, pattern by
pattern, and kept if the patterns can still be given distinct entities
(`_built_once`).  Both give the same assignments
(tests/test_engine_bindings.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iandw.engine.assignments import Assignment, VarsKey, distinct_assignments, vars_key
from iandw.engine.compile import EntityCondition, PatternSpec
from iandw.engine.values import MISSING, predicate_extensions
from iandw.model.case import Reference
from iandw.model.predicates import Predicate

if TYPE_CHECKING:
    from iandw.engine.match import MatchContext


def _entity_extensions(
    condition: EntityCondition | None, candidates: list[str], assignment: Assignment, context: MatchContext
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
        if context.can_bind(variable, entity_id, assignment):
            yield {**assignment, variable: entity_id}


def pattern_extensions(
    pattern: PatternSpec, reference: Reference, assignment: Assignment, context: MatchContext
) -> Iterator[Assignment]:
    """Every way one reference meets one pattern, as extended assignments."""
    entity_id = reference.entity
    entity = context.registry.entities[entity_id]
    partial = [assignment]
    if pattern.entity is not None:
        partial = [a for p in partial for a in _entity_extensions(pattern.entity, [entity_id], p, context)]
    if pattern.of is not None and partial:
        containers = [entity_id, *sorted(context.registry.ancestors(entity_id))]
        partial = [a for p in partial for a in _entity_extensions(pattern.of, containers, p, context)]
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
        partial = [a for p in partial for a in predicate_extensions(predicate, value, attribute, p, context)]
    yield from partial


WAYS_LISTED = 1_000  # ways of choosing references listed before each assignment is built once instead


def pattern_assignments(
    patterns: tuple[PatternSpec, ...], refs: tuple[Reference, ...], context: MatchContext
) -> list[Assignment]:
    """Every assignment under which references to distinct entities meet the patterns (one each), each once.

    The ways of choosing one reference per pattern are listed while they
    are few, as nearly all observations name a handful of entities; they
    grow as references^patterns, and an observation's references are
    untrusted input, so past WAYS_LISTED each assignment is built once
    instead (`_built_once`).  Both give the same assignments; past
    `context.max_assignments` of them, `TooManyAssignments`.
    """
    listed = _listed_ways(patterns, refs, context)
    found = distinct_assignments(listed) if listed is not None else _built_once(patterns, refs, context)
    context.bounded(found)  # `_built_once` stops as soon as it is past
    return found


def _listed_ways(
    patterns: tuple[PatternSpec, ...], refs: tuple[Reference, ...], context: MatchContext
) -> list[Assignment] | None:
    """The assignment of each way of choosing references to distinct entities; None past WAYS_LISTED ways."""
    partial: list[tuple[Assignment, tuple[str, ...]]] = [({}, ())]  # with the entities already chosen
    for pattern in patterns:
        extended: list[tuple[Assignment, tuple[str, ...]]] = []
        for assignment, used in partial:
            taken = set(assignment.values())
            for reference in refs:
                if reference.entity in used:
                    continue
                for option in context.options(pattern, reference):
                    # an option alone is already a valid assignment (pattern_extensions)
                    merged = _merge(assignment, option, taken) if assignment else dict(option)
                    if merged is not None:
                        extended.append((merged, (*used, reference.entity)))
            if len(extended) > WAYS_LISTED:
                return None
        partial = extended
        if not partial:
            return []
    return [assignment for assignment, _ in partial]


def _built_once(
    patterns: tuple[PatternSpec, ...], refs: tuple[Reference, ...], context: MatchContext
) -> list[Assignment]:
    """The assignments of `_listed_ways`, built pattern by pattern, each kept once.

    Each keeps one witness, the entities whose references built it first;
    where building it had to reuse one, it stands only if each pattern can
    still be given an entity of its own (`_distinct_entities`).
    """
    named = dict.fromkeys(reference.entity for reference in refs)
    bits = {entity_id: bit for bit, entity_id in enumerate(named)}  # each entity named, its bit in a witness
    kinds_of: list[list[tuple[int, list[Assignment]]]] = []  # per pattern: each kind's entity bit and options
    partial: dict[VarsKey, tuple[Assignment, int | None]] = {(): ({}, 0)}  # witness: entities used, as bits
    for pattern in patterns:
        # References that meet no option of this pattern are skipped, and those
        # that are the same (an entity named again and again, with the same
        # role) give the same options: each kind is visited once per assignment.
        kinds: dict[int, tuple[int, list[Assignment]]] = {}
        for reference in refs:
            found = context.options(pattern, reference)
            if found:
                kinds.setdefault(id(found), (bits[reference.entity], found))
        kinds_of.append(list(kinds.values()))
        extended: dict[VarsKey, tuple[Assignment, int | None]] = {}
        for assignment, used in partial.values():
            taken = set(assignment.values())
            for bit, found in kinds.values():
                witness = None if used is None or used >> bit & 1 else used | 1 << bit
                for option in found:
                    # an option alone is already a valid assignment (pattern_extensions)
                    merged = _merge(assignment, option, taken) if assignment else dict(option)
                    if merged is None:
                        continue
                    key = vars_key(merged)
                    known = extended.get(key)
                    if known is None or (known[1] is None and witness is not None):
                        extended[key] = (known[0] if known else merged, witness)
            context.bounded(extended)
        partial = extended
        if not partial:
            return []
    if all(used is not None for _, used in partial.values()):
        return [assignment for assignment, _ in partial.values()]
    # one index per distinct list of options (references of one kind share theirs)
    indexed = {id(found): _option_index(found) for kinds in kinds_of for _, found in kinds}
    lookups = [[(bit, indexed[id(found)]) for bit, found in kinds] for kinds in kinds_of]
    return [
        assignment
        for assignment, used in partial.values()
        if used is not None or _distinct_entities(assignment, lookups)
    ]


OptionIndex = dict[tuple[str, ...], set[tuple[str, ...]]]  # variables an option binds → their entities


def _option_index(found: list[Assignment]) -> OptionIndex:
    """One reference's options for one pattern, so that an assignment is looked up, not compared with each."""
    index: OptionIndex = {}
    for option in found:
        names = tuple(sorted(option))
        index.setdefault(names, set()).add(tuple(option[name] for name in names))
    return index


def _distinct_entities(assignment: Assignment, lookups: list[list[tuple[int, OptionIndex]]]) -> bool:
    """Whether each pattern can have an entity of its own, some reference to which gives the assignment.

    A pattern's options all bind the pattern's own variables, so these are
    exactly the ways the assignment could have been built.  A bipartite
    matching of patterns to entities (by their bits), by augmenting paths;
    an entity named in two roles is one candidate, whichever role meets.
    """
    eligible = [
        list(dict.fromkeys(bit for bit, lookup in kinds if _holds(assignment, lookup))) for kinds in lookups
    ]
    owner: dict[int, int] = {}  # entity bit → the pattern it is given to

    def place(pattern: int, tried: set[int]) -> bool:
        for bit in eligible[pattern]:
            if bit not in tried:
                tried.add(bit)
                if bit not in owner or place(owner[bit], tried):
                    owner[bit] = pattern
                    return True
        return False

    return all(place(pattern, set()) for pattern in range(len(lookups)))


def _holds(assignment: Assignment, lookup: OptionIndex) -> bool:
    """Whether the assignment holds one of the options in `lookup`."""
    return any(tuple(assignment.get(name) for name in names) in values for names, values in lookup.items())


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
