"""Entities by id, name and alias; membership as a transitive closure.

Observations name entities the way their sources do — "Abu Marzouk",
"Moussa Abu Marzouk", "موسى أبو مرزوق" — so names are compared as
iandw.model.names compares them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from iandw.diagnostics import suggest
from iandw.model.documents import Entity
from iandw.model.names import normalize_name


@dataclass(frozen=True)
class Resolution:
    """The outcome of looking a reference up: one id, several, or none."""

    entity_id: str | None
    ambiguous: tuple[str, ...] = ()


@dataclass
class EntityRegistry:
    """All known entities, with lookup by any of their names."""

    entities: dict[str, Entity] = field(default_factory=dict)
    _by_name: dict[str, set[str]] = field(default_factory=dict)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, entities: Iterable[Entity]) -> EntityRegistry:
        registry = cls()
        for entity in entities:
            registry.entities.setdefault(entity.id, entity)
        for entity in registry.entities.values():
            for name in (entity.id, entity.name, *entity.aliases):
                if name:
                    key = normalize_name(name)
                    if key:
                        registry._by_name.setdefault(key, set()).add(entity.id)
        return registry

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.entities

    def resolve(self, reference: str) -> Resolution:
        """An exact id wins; otherwise the normalised name must name one entity."""
        if reference in self.entities:
            return Resolution(reference)
        ids = self._by_name.get(normalize_name(reference), set())
        if len(ids) == 1:
            return Resolution(next(iter(ids)))
        return Resolution(None, ambiguous=tuple(sorted(ids)))

    def resolve_id(self, reference: str) -> str | None:
        return self.resolve(reference).entity_id

    @property
    def name_count(self) -> int:
        """The distinct names (and aliases) a suggestion compares a reference with."""
        return len(self._by_name)

    def closest(self, reference: str) -> tuple[str, ...]:
        """Up to three entities whose names are closest, for 'did you mean'."""
        key = normalize_name(reference)
        close = suggest(key, self._by_name)
        ids: list[str] = []
        for name in close:
            for entity_id in sorted(self._by_name[name]):
                if entity_id not in ids:
                    ids.append(entity_id)
        return tuple(ids[:3])

    def describe(self, entity_id: str) -> str:
        entity = self.entities[entity_id]
        return f"{entity.display_name} ({entity_id})" if entity.name else entity_id

    # --- membership ---------------------------------------------------------

    def set_membership(self, ancestors: dict[str, frozenset[str]]) -> None:
        """Store what each entity is transitively a member of (`membership_closure`)."""
        self._ancestors = ancestors

    def ancestors(self, entity_id: str) -> frozenset[str]:
        """Everything `entity_id` is transitively a member of (not itself)."""
        return self._ancestors.get(entity_id, frozenset())


def membership_closure(
    parents: dict[str, list[str]], heights: dict[str, int], most_pairs: int
) -> tuple[dict[str, frozenset[str]], str | None]:
    """What each entity is transitively a member of; and the entity, if any, past which that is too much.

    Each entity's ancestors are its parents' ancestors and its parents,
    taken in order of height so that parents come first (a set union each,
    not a walk per entity).  Should the (member, container) pairs exceed
    `most_pairs`, the entities from there on keep none.  In a cycle (an
    error of its own) a parent not yet done counts as itself alone.
    """
    closure: dict[str, frozenset[str]] = {}
    pairs = 0
    for entity_id in sorted(parents, key=lambda e: (heights[e], e)):
        above: set[str] = set()
        for parent in parents[entity_id]:
            above.add(parent)
            above |= closure.get(parent, frozenset())
        above.discard(entity_id)
        pairs += len(above)
        if pairs > most_pairs:
            return closure, entity_id
        closure[entity_id] = frozenset(above)
    return closure, None


def membership_heights(parents: dict[str, list[str]]) -> dict[str, int]:
    """Per entity, the most `member_of` links above it; a cycle's links count once (cycles are errors)."""
    heights: dict[str, int] = {}
    for root in sorted(parents):
        if root in heights:
            continue
        path = {root}
        stack: list[tuple[str, Iterator[str], int]] = [(root, iter(parents.get(root, ())), 0)]
        while stack:
            node, ups, height = stack[-1]
            for parent in ups:
                if parent in heights:
                    height = max(height, heights[parent] + 1)
                elif parent not in path:
                    stack[-1] = (node, ups, height)
                    stack.append((parent, iter(parents.get(parent, ())), 0))
                    path.add(parent)
                    break
            else:
                stack.pop()
                path.discard(node)
                heights[node] = height
                if stack:
                    below, below_ups, below_height = stack[-1]
                    stack[-1] = (below, below_ups, max(below_height, height + 1))
    return heights


def find_cycles(parents: dict[str, list[str]]) -> list[list[str]]:
    """Each membership cycle once, as a path that returns to its start."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for root in sorted(parents):
        if state.get(root):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            children = sorted(parents.get(node, ()))
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    cycles.append([*path[path.index(child) :], child])
                elif not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    return cycles
