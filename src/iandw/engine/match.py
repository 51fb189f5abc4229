"""Does one observation meet one selection, and under which variable values?

Matching is time-free (time lives in `require`).  For an observation and a
selection it yields every assignment of the selection's variables to
entities under which references to distinct entities, one per pattern,
meet the entity patterns and the `where` predicates hold.  Semantics are
those of SPEC §6 and §13 "Predicates"; docs/semantics.md explains them for
analysts.
Predicates are read by iandw.engine.values and entity patterns met by
iandw.engine.patterns; here they are put together with a selection's
other conditions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from dataclasses import dataclass, field
from typing import Any

from iandw.assessment.arithmetic import meets_grade
from iandw.engine.assignments import Assignment, distinct_assignments
from iandw.engine.compile import CompiledIndicator, PatternSpec, SelectionSpec
from iandw.engine.patterns import pattern_assignments, pattern_extensions
from iandw.engine.values import MISSING, predicate_extensions, value_holds
from iandw.limits import MAX_ASSIGNMENTS
from iandw.model.case import Case, ObservationRecord, Reference
from iandw.model.predicates import Predicate
from iandw.model.registry import EntityRegistry


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


@dataclass(frozen=True)
class MatchContext:
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
    def of(
        cls, case: Case, indicator: CompiledIndicator, max_assignments: int = MAX_ASSIGNMENTS
    ) -> MatchContext:
        """The context one indicator is matched in: the case's entities and scales, its variables."""
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

    def bounded(self, assignments: Sized) -> None:
        """Past `max_assignments` of them, `TooManyAssignments`."""
        if len(assignments) > self.max_assignments:
            raise TooManyAssignments(self.max_assignments)


def where_value(observation: ObservationRecord, path: tuple[str, ...]) -> Any:
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
    context: MatchContext,
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
            by_patterns = pattern_assignments(selection.patterns, observation.refs, context)
            if pattern_cache is not None:
                pattern_cache[observation.refs] = by_patterns
        if by_patterns and not _where_holds(selection.where_fixed, observation, context):
            return []
        if not selection.where_binding:
            return by_patterns
        found = distinct_assignments(
            extended
            for assignment in by_patterns
            for extended in _where(selection.where_binding, observation, assignment, context)
        )
        context.bounded(found)
        return found
    except TooManyAssignments as exc:
        exc.selection, exc.observation = selection.name, observation.id
        raise


def _where(
    where: tuple[tuple[tuple[str, ...], Predicate], ...],
    observation: ObservationRecord,
    assignment: Assignment,
    context: MatchContext,
) -> Iterator[Assignment]:
    partial = [assignment]
    for path, predicate in where:
        value = where_value(observation, path)
        partial = [a for p in partial for a in predicate_extensions(predicate, value, path[-1], p, context)]
        context.bounded(partial)
        if not partial:
            return
    yield from partial


def _where_holds(
    where: tuple[tuple[tuple[str, ...], Predicate], ...],
    observation: ObservationRecord,
    context: MatchContext,
) -> bool:
    """The `where` items without a variable, which hold or not whatever the assignment: checked once."""
    return all(
        value_holds(predicate, where_value(observation, path), path[-1], context) for path, predicate in where
    )
