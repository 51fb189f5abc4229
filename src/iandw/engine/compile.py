"""Indicators compiled for matching: names resolved, durations in days.

The checked model keeps what the author wrote; the engine wants entity ids
instead of names, day counts instead of "12w", and each `require` item as a
band of allowed gaps.  Compiling assumes `iandw.loader.checks` passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from iandw.model.documents import (
    AS_OF,
    BetweenRequire,
    CountRequire,
    Indicator,
    Selection,
    WindowRequire,
    duration_days,
)
from iandw.model.predicates import Predicate, variable_name
from iandw.model.registry import EntityRegistry


@dataclass(frozen=True)
class EntityCondition:
    """`entity:` or `of:`, either a fixed entity id or a variable."""

    entity_id: str | None = None
    variable: str | None = None


@dataclass(frozen=True)
class PatternSpec:
    """One entity pattern: conditions a single reference must meet."""

    entity: EntityCondition | None
    of: EntityCondition | None
    role: Predicate | None
    type: Predicate | None
    attributes: tuple[tuple[str, Predicate], ...]


@dataclass(frozen=True)
class SelectionSpec:
    name: str
    types: frozenset[str]
    patterns: tuple[PatternSpec, ...]
    where_fixed: tuple[tuple[tuple[str, ...], Predicate], ...]  # no variable: holds whatever the assignment
    where_binding: tuple[tuple[tuple[str, ...], Predicate], ...]  # a variable: checked per assignment
    min_origins: int | None
    min_grade: str | None
    variables: frozenset[str]
    pattern_variables: frozenset[str]  # the variables its entity patterns name (not those only `where` does)


@dataclass(frozen=True)
class WindowSpec:
    """A gap band: low ≤ gap ≤ high (or low ≤ |gap| ≤ high when `absolute`)."""

    first: str
    then: str
    low: float
    high: float
    absolute: bool
    text: str

    @property
    def uses_as_of(self) -> bool:
        return AS_OF in (self.first, self.then)


@dataclass(frozen=True)
class CountSpec:
    selection: str
    at_least: int
    distinct: str
    text: str


@dataclass(frozen=True)
class CompiledIndicator:
    id: str
    indicator: Indicator
    variables: dict[str, str | None]  # name → required entity type (None: any)
    selections: tuple[SelectionSpec, ...]
    windows: tuple[WindowSpec, ...]
    counts: tuple[CountSpec, ...]

    @property
    def uses_as_of(self) -> bool:
        """Whether a window looks at the evaluation date, so that time passing alone can change it."""
        return any(window.uses_as_of for window in self.windows)


def compile_indicator(indicator: Indicator, registry: EntityRegistry) -> CompiledIndicator:
    selections = tuple(
        _compile_selection(name, selection, registry) for name, selection in indicator.select.items()
    )
    windows: list[WindowSpec] = []
    counts: list[CountSpec] = []
    for item in indicator.require:
        if isinstance(item, CountRequire):
            counts.append(CountSpec(item.count, item.at_least, item.distinct, require_text(item)))
            continue
        low = duration_days(item.min) if item.min else 0
        high = duration_days(item.within) if item.within else math.inf
        if isinstance(item, WindowRequire):
            windows.append(WindowSpec(item.first, item.then, low, high, False, require_text(item)))
        else:
            first, then = item.between
            windows.append(WindowSpec(first, then, low, high, True, require_text(item)))
    variables = {name: spec.type for name, spec in sorted(indicator.vars.items())}
    return CompiledIndicator(indicator.id, indicator, variables, selections, tuple(windows), tuple(counts))


def require_text(item: WindowRequire | BetweenRequire | CountRequire) -> str:
    """The require item in words, as the report's trace shows it."""
    if isinstance(item, CountRequire):
        unit = "distinct origins" if item.distinct == "origins" else "distinct observations"
        return f"count {item.count} at least {item.at_least} {unit}"
    if isinstance(item, WindowRequire):
        text = f"{item.first} then {item.then}"
    else:
        text = f"{item.between[0]} and {item.between[1]}"
    if item.within:
        text += f" within {item.within}"
    if item.min:
        text += f" min {item.min}"
    return text


def _condition(value: str | None, registry: EntityRegistry) -> EntityCondition | None:
    if value is None:
        return None
    name = variable_name(value)
    if name is not None:
        return EntityCondition(variable=name)
    return EntityCondition(entity_id=registry.resolve_id(value))


def _compile_selection(name: str, selection: Selection, registry: EntityRegistry) -> SelectionSpec:
    patterns = []
    pattern_variables: set[str] = set()
    for pattern in selection.entities:
        spec = PatternSpec(
            entity=_condition(pattern.entity, registry),
            of=_condition(pattern.of, registry),
            role=pattern.role,
            type=pattern.type,
            attributes=tuple(sorted(pattern.attribute_predicates.items())),
        )
        patterns.append(spec)
        for condition in (spec.entity, spec.of):
            if condition is not None and condition.variable:
                pattern_variables.add(condition.variable)
        for predicate in (spec.role, spec.type, *(p for _, p in spec.attributes)):
            if predicate is not None and predicate.variable:
                pattern_variables.add(predicate.variable)
    where = tuple((tuple(path.split(".")), predicate) for path, predicate in selection.where.items())
    variables = pattern_variables | {p.variable for _, p in where if p.variable}
    return SelectionSpec(
        name=name,
        types=frozenset(selection.types),
        patterns=tuple(patterns),
        where_fixed=tuple(item for item in where if item[1].variable is None),
        where_binding=tuple(item for item in where if item[1].variable is not None),
        min_origins=selection.min_origins,
        min_grade=selection.min_grade,
        variables=frozenset(variables),
        pattern_variables=frozenset(pattern_variables),
    )
