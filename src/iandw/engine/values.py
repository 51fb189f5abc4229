"""What a predicate says of one value: whether it holds, and under which variable values.

The predicate mini-language (iandw.model.predicates) is read here: equality
that sees two names of one entity as equal, ordinal bounds on numbers and
scales, `contains`, `matches` over a bounded prefix, and `$variable`s that
check or bind an entity the value names (SPEC §13 "Predicates").  Entity
patterns and `where` items both apply predicates through these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iandw.engine.assignments import Assignment
from iandw.model.predicates import Predicate
from iandw.model.registry import EntityRegistry

if TYPE_CHECKING:
    from iandw.engine.match import MatchContext


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


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


def value_holds(predicate: Predicate, value: Any, attribute: str, context: MatchContext) -> bool:
    """A non-variable predicate on one value (MISSING when absent)."""
    op, operand = predicate.op, predicate.operand
    if op == "exists":
        return (value is not MISSING) == operand
    if value is MISSING or value is None:
        return False
    registry = context.registry
    if op == "eq":
        options = operand if isinstance(operand, tuple) else (operand,)
        return any(_same(option, item, registry) for option in options for item in _elements(value))
    if op == "in":
        return any(_same(option, item, registry) for option in operand for item in _elements(value))
    if op == "not_in":
        return not any(_same(option, item, registry) for option in operand for item in _elements(value))
    if op in ("at_least", "at_most"):
        numeric = isinstance(operand, (int, float)) and not isinstance(operand, bool)
        bound = _ordinal(operand, attribute, context.scales, numeric)
        if bound is None:
            return False
        for item in _elements(value):
            rank = _ordinal(item, attribute, context.scales, numeric)
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
    predicate: Predicate, value: Any, attribute: str, assignment: Assignment, context: MatchContext
) -> Iterator[Assignment]:
    """The assignments under which the predicate holds, extending `assignment`.

    A `$variable` unifies with an entity the value names (SPEC §13): it
    checks a bound variable and binds a free one, once per entity named.
    """
    variable = predicate.variable
    if variable is None:
        if value_holds(predicate, value, attribute, context):
            yield assignment
        return
    if value is MISSING or value is None:
        return
    named: list[str] = []
    for item in _elements(value):
        if isinstance(item, str):
            entity_id = context.registry.resolve_id(item)
            if entity_id is not None and entity_id not in named:
                named.append(entity_id)
    bound = assignment.get(variable)
    if bound is not None:
        if bound in named:
            yield assignment
        return
    for entity_id in sorted(named):
        if context.can_bind(variable, entity_id, assignment):
            yield {**assignment, variable: entity_id}
