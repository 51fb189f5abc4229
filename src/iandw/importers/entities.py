"""Actors of imported rows as entities: known ones by name, new ones with stable ids.

An imported event joins hand-written rules only if its actors are the rule
set's entities, so each actor is first looked up in the registry built from
`rules/` and `observations/` (by name, aliases and codes, the way an
observation's reference is resolved).  Only when nothing matches is a new
entity made, with an id derived from its name (slugified, so that ids are
stable across imports) and the source's codes kept as attributes.

Entities are staged per row: if the row is then rejected, the entities it
alone introduced are dropped again, so the entities file holds exactly what
the written observations need.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from iandw.diagnostics import Diagnostic, Span, first_few
from iandw.model.documents import Entity
from iandw.model.names import normalize_name
from iandw.model.registry import EntityRegistry

MAX_ID_LENGTH = 80


def slugify(text: str) -> str:
    """'Military Forces of Syria (2000-)' → 'military-forces-of-syria-2000'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_ID_LENGTH].strip("-")


def unique(references: list[dict[str, str]]) -> list[dict[str, str]]:
    """An observation's references without repeats (one entity named twice in one role)."""
    return list({(r["entity"], r.get("role")): r for r in references}.values())


class EntityError(ValueError):
    """A new entity could not be made from the source's data."""


@dataclass(frozen=True)
class EntitySpec:
    """What the source says about an actor, enough to find or make its entity."""

    key: str  # the source's own identity for it: 'cameo:USAGOV', 'stix:threat-actor--…'
    name: str
    type: str
    candidates: tuple[str, ...] = ()  # further names or codes that may name a known entity
    aliases: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()  # entity ids
    attributes: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    id_hint: str = ""  # disambiguates a slug another entity already has
    one_per_name: bool = True  # whether two actors of one name are one entity (not for STIX objects)
    # an identifier of the source's own, tried before any name and kept as an alias, so that
    # importing the same data again finds the entity made from it, whatever shares its name
    source_id: str | None = None


@dataclass
class EntityBook:
    """The entities referenced by an import: known ids, and new documents."""

    registry: EntityRegistry
    new: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → entity document
    known_used: set[str] = field(default_factory=set)
    warnings: list[Diagnostic] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)  # key → id
    _staged: list[tuple[str, bool]] = field(default_factory=list)  # keys first seen in this row; made here?
    _named: dict[str, set[str]] = field(default_factory=dict)  # a name, normalized → the new ids it names
    _staged_known: set[str] = field(default_factory=set)
    _warned: set[str] = field(default_factory=set)
    _numbered: dict[str, int] = field(default_factory=dict)  # slug → the last number given it

    def ref(self, key: str, describe: Callable[[], EntitySpec], span: Span) -> str:
        """The entity id for the source's `key`; `describe` is called only the first time."""
        entity_id = self._ids.get(key)
        if entity_id is None:
            entity_id = self._resolve(describe(), span)
        elif entity_id not in self.new:
            self._staged_known.add(entity_id)
        return entity_id

    def commit(self) -> None:
        """The current row was written: keep what it introduced."""
        self.known_used |= self._staged_known
        self._staged.clear()
        self._staged_known.clear()

    def rollback(self) -> None:
        """The current row was rejected: forget what it alone introduced."""
        for key, made in self._staged:
            entity_id = self._ids.pop(key)
            if made:
                for name in self._names(self.new.pop(entity_id)):
                    self._named[name].discard(entity_id)
        self._staged.clear()
        self._staged_known.clear()

    def documents(self) -> list[dict[str, Any]]:
        """The new entities, sorted by id (output is deterministic)."""
        return [self.new[entity_id] for entity_id in sorted(self.new)]

    def _resolve(self, spec: EntitySpec, span: Span) -> str:
        names = (*([spec.source_id] if spec.source_id else []), spec.name, *spec.candidates)
        resolutions = [(name, self.registry.resolve(name)) for name in names]
        for _, resolution in resolutions:
            if resolution.entity_id is not None:
                self._remember(spec.key, resolution.entity_id)
                self._staged_known.add(resolution.entity_id)
                return resolution.entity_id
        # an entity this import made is found by name as it will be once written: two
        # codes of one name (GDELT's EDU and EDUEDU, "Education") are one entity, and
        # the next import into the same directory finds one "Education", not two
        for name in names if spec.one_per_name else ():
            made = self._named.get(normalize_name(name), set())  # never '' ('?', '🔥'): see _names
            if len(made) == 1:
                (entity_id,) = made
                self._remember(spec.key, entity_id)
                return entity_id
        for name, resolution in resolutions:
            if resolution.ambiguous and name not in self._warned:
                self._warned.add(name)
                self.warnings.append(
                    span.warning(
                        f"{name!r} names {len(resolution.ambiguous)} known entities "
                        f"({first_few(resolution.ambiguous)}); a new entity was made: "
                        "map it in --mapping 'entities' to choose"
                    )
                )
        entity_id = self._new_id(spec)
        document: dict[str, Any] = {"kind": "entity", "id": entity_id, "type": spec.type, "name": spec.name}
        aliases = set(spec.aliases) | ({spec.source_id} if spec.source_id else set())
        if aliases - {spec.name}:
            document["aliases"] = sorted(aliases - {spec.name})
        if spec.member_of:
            document["member_of"] = list(dict.fromkeys(spec.member_of))
        if spec.attributes:
            document["attributes"] = dict(sorted(spec.attributes.items()))
        if spec.description:
            document["description"] = spec.description
        try:
            Entity.model_validate(document)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"]
            raise EntityError(f"cannot make an entity of {spec.name!r}: {message}") from None
        self.new[entity_id] = document
        for name in self._names(document):
            self._named.setdefault(name, set()).add(entity_id)
        self._remember(spec.key, entity_id, made=True)
        return entity_id

    def _remember(self, key: str, entity_id: str, made: bool = False) -> None:
        self._ids[key] = entity_id
        self._staged.append((key, made))

    @staticmethod
    def _names(document: dict[str, Any]) -> set[str]:
        """What a reference can name a new entity by, as the registry will read it: id, name, aliases."""
        names = {normalize_name(n) for n in (document["id"], document["name"], *document.get("aliases", ()))}
        return names - {""}  # as the registry reads them: a name of no letter or digit names nothing

    def _new_id(self, spec: EntitySpec) -> str:
        """A slug of the name, unless a known or another new entity has it."""
        base = slugify(spec.name) or "entity-" + hashlib.sha1(spec.key.encode()).hexdigest()[:10]
        choices = [base]
        if spec.id_hint:
            choices.append(f"{base}-{slugify(spec.id_hint)}".strip("-"))
        for choice in choices:
            if self._free(choice):
                return choice
        # numbering resumes where it stopped: thousands of actors of one name
        # would otherwise each try every number taken before them
        stem = choices[-1]
        number = self._numbered.get(stem, 1) + 1
        while not self._free(f"{stem}-{number}"):
            number += 1
        self._numbered[stem] = number
        return f"{stem}-{number}"

    def _free(self, entity_id: str) -> bool:
        return entity_id not in self.registry and entity_id not in self.new
