"""STIX 2.1 bundles as observations (campaigns, sightings, relationships …) and entities.

STIX mixes things that happened with things that exist.  Objects the
mapping lists under `observations` (a campaign, a sighting, observed data, a
report) become observations dated by their own interval fields
(first_seen/last_seen, first_observed/last_observed, published); every
relationship between entities becomes an observation linking its two ends,
unless folded into the observation of one (a campaign's, observed data's);
actors, malware, tools, indicators, identities and cyber observables become
entities.

Provenance: the producer (`created_by_ref`) is the source.  `reported` is
when the object became known: the `published` date of the earliest report
that contains it, else its `created` date — so APT1 objects encoded in 2015
count as known from the report's publication in 2013, and nothing is known
before it was published.  An undated relationship held at some time up to
then (`../reported`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from iandw.diagnostics import Diagnostic, Span
from iandw.importers.entities import EntityBook, EntityError, EntitySpec, unique
from iandw.importers.mapping import StixMapping, StixObservationRule
from iandw.importers.outcomes import Outcome, Passed, RowError, Skipped, Unreadable, attempt, cannot_read
from iandw.limits import Limits
from iandw.loader.json_reader import parse_json_bytes, sourcemap_for
from iandw.loader.read import read_whole
from iandw.loader.source import RawDocument
from iandw.model.documents import Credibility, Reliability

# STIX 2.1 Appendix A: confidence 0-100 → Admiralty credibility.
_CREDIBILITY = ((80, 1), (60, 2), (40, 3), (20, 4), (0, 5))
# Properties that are structure or provenance, not attributes of the thing.
_NOT_ATTRIBUTES = frozenset(
    {
        "type",
        "id",
        "spec_version",
        "created",
        "modified",
        "name",
        "description",
        "aliases",
        "revoked",
        "confidence",
        "lang",
        "granular_markings",
        "extensions",
        "external_references",
        "kill_chain_phases",
    }
)
_NOT_ENTITIES = frozenset({"relationship", "sighting", "bundle"})
# What a relationship may not join: its ends are SDOs and SCOs (STIX 2.1 section 5.1.2).
_NOT_ENDS = frozenset(
    {"relationship", "sighting", "bundle", "marking-definition", "language-content", "extension-definition"}
)
_RELATIONSHIP_TYPE = re.compile(r"[a-z0-9-]+")  # STIX 2.1 section 5.1.2
_JSON_OBJECT_START = re.compile(rb"[ \t\r\n]*\{")  # matched in place: a bundle may be 64 MiB
# The objects a sighting's references may name (STIX 2.1 section 5.2.1).
_SIGHTING_REFS = {
    "where_sighted_refs": frozenset({"identity", "location"}),
    "observed_data_refs": frozenset({"observed-data"}),
}
_MAX_COUNT = 999_999_999  # a sighting's count, STIX 2.1 section 5.2.1
# Properties that must be lists if present: the importer reads their items.
_LISTS = ("external_references", "kill_chain_phases", "object_marking_refs")
# The TLP markings STIX 2.1 predefines (section 7.2.1.4): bundles refer to them without holding them.
_TLP = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "TLP:WHITE",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "TLP:GREEN",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "TLP:AMBER",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "TLP:RED",
}
_BEFORE_ANY = dt.datetime.min.replace(tzinfo=dt.UTC)


def credibility(confidence: Any) -> Credibility | None:
    """A STIX confidence (0-100) as an Admiralty credibility, per STIX 2.1 Appendix A."""
    value = _whole(confidence, 100)
    return None if value is None else next(grade for floor, grade in _CREDIBILITY if value >= floor)


def _whole(value: Any, most: int) -> int | None:
    """A JSON value as a whole number from 0 to `most`, or None if it is not one.

    JSON writes 85 as 85.0 at times, which is 85; true is not 1.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most:
        return value
    return None


class StixImporter:
    """STIX 2.1 bundle files → observations and entities.

    The bundles of one import are one collection, as a STIX consumer holds
    them: the newest version of an object wins and a revocation holds
    whichever file they are in, and a reference may name an object in
    another of the files.  So every bundle is read and indexed before the
    first outcome is given.
    """

    unit = "object"

    def __init__(
        self,
        mapping: StixMapping,
        book: EntityBook,
        grade: tuple[Reliability, Credibility],
        limits: Limits,
        paths: Sequence[str],
    ) -> None:
        self.mapping = mapping
        self.book = book
        self.grade = grade
        self.limits = limits
        self.paths = list(paths)
        self._collection: _Collection | None = None
        self._next = 0  # the position in `paths` of the next file asked for

    def read(self, path: str, advance: Callable[[int], None]) -> Iterator[Outcome | Diagnostic]:
        if self._collection is None:
            self._collection = _Collection(self, [self._parse(path, advance) for path in self.paths])
        position = self._next
        assert self.paths[position] == path, "files are read in the order the importer was given them"
        self._next += 1
        yield from self._collection.outcomes(position)

    def _parse(self, path: str, advance: Callable[[int], None]) -> _File | list[Outcome | Diagnostic]:
        """One file as a parsed bundle, or why it cannot be read."""
        try:
            content = read_whole(path, self.limits.max_file_bytes)
        except OSError as exc:
            return [cannot_read(path, exc)]
        if isinstance(content, Diagnostic):
            return [Unreadable(content)]
        advance(len(content))
        if not _JSON_OBJECT_START.match(content):  # a CSV or a YAML file: not a syntax error to hunt for
            return [
                Unreadable(
                    Span(path).error("not a STIX bundle: a bundle is a JSON object, starting with '{'")
                )
            ]
        bundle, problems = parse_json_bytes(content, path, self.limits)
        if problems:
            return [Unreadable(problems[0]), *problems[1:]]
        if not (
            isinstance(bundle, dict)
            and bundle.get("type") == "bundle"
            and isinstance(bundle.get("objects"), list)
        ):
            return [
                Unreadable(
                    Span(path).error("not a STIX bundle: expected {'type': 'bundle', 'objects': [...]}")
                )
            ]
        raw = RawDocument(
            bundle,
            path,
            Span(path),
            lazy_sourcemap=lambda: sourcemap_for(content.decode("utf-8"), path, self.limits),
        )
        version = bundle.get("spec_version")
        if version is not None and not isinstance(version, str):  # 2.1 as a number names no version
            return [
                Unreadable(
                    raw.span(("spec_version",)).error(
                        "spec_version must be a string: a STIX 2.0 bundle says '2.0', a STIX 2.1 bundle "
                        "has none"
                    )
                )
            ]
        if version is not None and version != "2.1":  # STIX 2.0 bundles say "2.0"; 2.1 ones say nothing
            convertible = version.startswith(("1.", "2.0"))  # what stix2-elevator converts
            return [
                Unreadable(
                    raw.span(("spec_version",)).error(
                        f"a STIX {version} bundle (spec_version {version!r}); iandw reads STIX 2.1"
                        + (": convert it first (OASIS's stix2-elevator does)" if convertible else "")
                    )
                )
            ]
        # an id that is not a string is no id: every such bundle would share one origin
        bundle_id = bundle["id"] if isinstance(bundle.get("id"), str) else path
        return _File(path, raw, bundle["objects"], bundle_id)


@dataclass
class _File:
    """One bundle file, parsed."""

    path: str
    raw: RawDocument
    objects: list[Any]
    bundle_id: str


class _NotMapped(Exception):
    """A valid object iandw has no observation or entity for: counted, not an error."""


Where = tuple[int, int]  # an object's file (position in the import) and index in that file's `objects`


class _Collection:
    """The bundles of one import: their objects indexed, then each turned into an outcome."""

    def __init__(self, importer: StixImporter, files: list[_File | list[Outcome | Diagnostic]]) -> None:
        self.mapping = importer.mapping
        self.book = importer.book
        self.grade = importer.grade
        self.files = files
        self.scope = "the bundle" if len(files) == 1 else "the bundles imported"
        self.by_id: dict[str, dict[str, Any]] = {}
        self.revoked: dict[str, dict[str, Any]] = {}  # id → its revoked latest version
        self.decided: dict[Where, Outcome] = {}  # objects settled while indexing
        self.published: dict[str, dt.date] = {}
        # observation object id → (other end, role, relationship id)
        self.folded: dict[str, list[tuple[str, str, str]]] = {}
        self.folded_relationships: set[str] = set()
        self.markings: dict[str, list[str]] = {}  # object id → its object markings, by name
        # found while indexing, given before the outcomes of their file
        self.warnings: dict[int, list[Diagnostic]] = {}
        self.unknown_creators: set[tuple[int, str]] = set()  # created_by_refs not found, warned of once
        self._index()

    def span(self, where: Where, *path: str | int) -> Span:
        """Where an object, or a value at `path` in it, is."""
        file = self.files[where[0]]
        assert isinstance(file, _File)
        return file.raw.span(("objects", where[1], *path))

    def obj(self, where: Where) -> Any:
        file = self.files[where[0]]
        assert isinstance(file, _File)
        return file.objects[where[1]]

    def outcomes(self, position: int) -> Iterator[Outcome | Diagnostic]:
        file = self.files[position]
        if not isinstance(file, _File):
            yield from file
            return
        yield from self.warnings.get(position, [])
        for index, obj in enumerate(file.objects):
            where = (position, index)
            if where in self.decided:
                yield self.decided[where]
                continue
            yield self._outcome(where, obj)

    # --- indexing -------------------------------------------------------------

    def _index(self) -> None:
        """Latest version of each object unless revoked or misshapen; report dates; folded relationships."""
        newest: dict[str, Where] = {}
        for position, file in enumerate(self.files):
            if not isinstance(file, _File):
                continue
            for index, obj in enumerate(file.objects):
                where = (position, index)
                if not (
                    isinstance(obj, dict)
                    and isinstance(obj.get("id"), str)
                    and isinstance(obj.get("type"), str)
                ):
                    self.decided[where] = Skipped(
                        self.span(where).error("a STIX object needs a string 'id' and 'type'"), "bad object"
                    )
                elif obj["id"] in newest:
                    newest[obj["id"]] = self._newer(newest[obj["id"]], where)
                else:
                    newest[obj["id"]] = where
        for identifier, where in newest.items():
            obj = self.obj(where)
            not_list = next((key for key in _LISTS if key in obj and not isinstance(obj[key], list)), None)
            if obj.get("revoked") is True:  # a revoked latest version revokes the object
                self.decided[where] = Passed("revoked")
                self.revoked[identifier] = obj
            elif not_list is not None:
                self.decided[where] = Skipped(
                    self.span(where, not_list).error(f"{not_list} must be a list"), "bad object"
                )
            else:
                self.by_id[identifier] = obj
        for obj in self.by_id.values():
            if obj["type"] == "report" and isinstance(obj.get("object_refs"), list):
                try:
                    day = _day(obj.get("published"))
                except ValueError:
                    continue
                for ref in obj["object_refs"]:
                    if isinstance(ref, str):
                        self.published[ref] = min(day, self.published.get(ref, day))
        for identifier, where in newest.items():
            if identifier in self.by_id:
                self.markings[identifier] = self._markings(where, self.by_id[identifier])
            if self.by_id.get(identifier, {}).get("type") == "relationship":
                self._fold(where, self.by_id[identifier])

    def _newer(self, kept: Where, where: Where) -> Where:
        """Of two versions of one object, the newer; the older is passed (a tie: the later in the input).

        The same object read twice (a bundle given twice, or a copy of it) is one version, not two:
        the first reading is kept and the second counted as what it is.
        """
        kept_obj, obj = self.obj(kept), self.obj(where)
        if obj == kept_obj:
            self.decided[where] = Passed("same object read twice")
            return kept
        kept_when, when = _modified(kept_obj), _modified(obj)
        older, newer = (where, kept) if when < kept_when else (kept, where)
        self.decided[older] = Passed("older version")
        if when == kept_when:
            stamp = "the same 'modified'" if when != _BEFORE_ANY else "no readable 'modified'"
            self.warnings.setdefault(where[0], []).append(
                self.span(where).warning(
                    f"two versions of {obj['id']!r} with {stamp}: the later one in the input "
                    "is taken as the newer"
                )
            )
        return newer

    def _fold(self, where: Where, relationship: dict[str, Any]) -> None:
        """Note a relationship with an end whose rule folds it in, if its other end can be referenced
        there: an entity, or one missing or revoked, which that observation warns of (a bad
        relationship is reported later)."""
        source, target = relationship.get("source_ref"), relationship.get("target_ref")
        try:
            roles = self._relationship_rule(where, relationship)[1]
        except RowError:
            return
        if not (isinstance(source, str) and isinstance(target, str)):
            return
        ends = (source, target)
        for position, end in enumerate(ends):
            rule = self._observation_rule(self.by_id.get(end))
            other = self.by_id.get(ends[1 - position])
            if rule is not None and rule.fold_relationships and (other is None or self._is_entity(other)):
                self.folded.setdefault(end, []).append(
                    (ends[1 - position], roles[1 - position], relationship["id"])
                )
                self.folded_relationships.add(relationship["id"])
                return

    # --- outcomes -------------------------------------------------------------

    def _outcome(self, where: Where, obj: dict[str, Any]) -> Outcome:
        span = self.span(where)
        if obj["type"] == "relationship":
            if obj["id"] in self.folded_relationships:
                return Passed("relationship folded into an observation")
            ends = (obj.get("source_ref"), obj.get("target_ref"))
            if any(isinstance(end, str) and end in self.revoked for end in ends):
                return Passed("relationship with a revoked end")  # withdrawn with the object
            try:
                return attempt(span, partial(self._relationship, where, obj))
            except _NotMapped as exc:
                return Passed(str(exc))
        rule = self._observation_rule(obj)
        if rule is not None:
            return attempt(span, partial(self._event, where, obj, rule))
        if self._is_entity(obj):
            try:
                self._entity(obj, span)
            except EntityError as exc:
                return Skipped(span.error(str(exc)), "bad entity")
            return Passed("entity")
        return Passed(f"{obj['type']} (not mapped)")

    def _observation_rule(self, obj: dict[str, Any] | None) -> StixObservationRule | None:
        rule = self.mapping.observations.get(obj["type"]) if obj else None
        if rule is None or obj is None:
            return None
        if rule.dated_only and not any(obj.get(key) for key in (rule.first, rule.last) if key):
            return None
        return rule

    def _event(self, where: Where, obj: dict[str, Any], rule: StixObservationRule) -> dict[str, Any]:
        span = self.span(where)
        reported = self._reported(where, obj)
        count = self._count(where, obj) if rule.unseen_type else None  # read where it decides the type
        references: list[dict[str, str]] = []
        if rule.self_role and self._is_entity(obj):
            references.append({"entity": self._entity(obj, span), "role": rule.self_role})
        left_out: dict[str, list[str]] = {f"objects not in {self.scope}": [], "revoked objects": []}
        for key, role in rule.refs.items():
            through, _, inner = key.partition(".")
            for ref in _listed(obj.get(through)):
                target = self.by_id.get(ref) if isinstance(ref, str) else None
                why = self._misplaced(obj, through, target) if target is not None else None
                if why is not None:
                    left_out.setdefault(why, []).append(ref)
                elif inner and target is not None:  # its own observation warns of references it misses
                    for item in _listed(target.get(inner)):
                        references += self._reference(item, role, span, {})
                else:
                    references += self._reference(ref, role, span, left_out)
        folded = self.folded.get(obj["id"], [])
        for other, role, _ in folded:
            references += self._reference(other, role, span, left_out)
        for what, refs in left_out.items():
            if refs:
                self.book.warnings.append(
                    span.warning(f"{obj['id']}: left out references to {what}: {', '.join(refs)}")
                )
        if obj["type"] == "observed-data" and "objects" in obj:  # STIX 2.0's embedding, deprecated in 2.1
            self.book.warnings.append(
                self.span(where, "objects").warning(
                    f"{obj['id']}: the observables in 'objects' (deprecated in STIX 2.1) are not imported; "
                    "only those in 'object_refs' are"
                )
            )
        kind = rule.unseen_type if rule.unseen_type and count == 0 else rule.type
        document = self._document(obj, kind, self._interval(where, obj, rule.first, rule.last, reported))
        document["reported"] = reported.isoformat()
        summary = obj.get("name") or obj.get("description")
        if isinstance(summary, str):
            document["summary"] = summary
        document["entities"] = unique(references)
        document["attributes"] = self._attributes(obj, [relationship for *_, relationship in folded])
        if count is not None:
            document["attributes"]["count"] = count  # 2.0 as 2
        document["sources"] = [self._source(where, obj)]
        return document

    def _misplaced(self, obj: dict[str, Any], key: str, target: dict[str, Any]) -> str | None:
        """Why a sighting's `key` cannot name `target`: STIX 2.1 (section 5.2.1) does not let it,
        or what it has sighted is no entity here (a report, a relationship)."""
        if obj["type"] != "sighting":
            return None
        allowed = _SIGHTING_REFS.get(key)
        if allowed is not None and target["type"] not in allowed:
            return f"objects {key} may not name (only {' or '.join(sorted(allowed))})"
        if key == "sighting_of_ref" and not self._is_entity(target):
            return "objects that are no entity"
        return None

    def _count(self, where: Where, obj: dict[str, Any]) -> int | None:
        """Its `count`, if it has one: a whole number 0-999,999,999 (STIX 2.1 section 5.2.1)."""
        value = obj.get("count")
        if value is None:
            return None
        count = _whole(value, _MAX_COUNT)
        if count is not None:
            return count
        raise RowError(
            "bad count",
            f"count {obj['count']!r} is not a STIX count (a whole number 0-{_MAX_COUNT})",
            self.span(where, "count"),
        )

    def _relationship(self, where: Where, obj: dict[str, Any]) -> dict[str, Any]:
        span = self.span(where)
        kind, roles = self._relationship_rule(where, obj)
        ends = []
        for key in ("source_ref", "target_ref"):
            ref = obj.get(key)
            if not isinstance(ref, str):
                raise RowError("bad object", f"a relationship needs a string {key}", self.span(where, key))
            target = self.by_id.get(ref)
            if target is None:
                raise RowError(
                    "dangling reference", f"{key} {ref!r} is not in {self.scope}", self.span(where, key)
                )
            if target["type"] in _NOT_ENDS:
                raise RowError(
                    "bad object",
                    f"{key} {ref!r} is of type {target['type']}: a relationship joins domain and "
                    "cyber-observable objects",
                    self.span(where, key),
                )
            ends.append(target)
        unmapped = next((end["type"] for end in ends if not self._is_entity(end)), None)
        if unmapped is not None:  # a malware analysis, a note: valid, but no entity to relate
            raise _NotMapped(f"relationship with {unmapped} (not mapped)")
        reported = self._reported(where, obj)
        document = self._document(obj, kind, self._interval(where, obj, "start_time", "stop_time", reported))
        document["reported"] = reported.isoformat()
        names = [_name(end) for end in ends]
        document["summary"] = f"{names[0]} {obj.get('relationship_type')} {names[1]}"
        if isinstance(obj.get("description"), str):
            document["summary"] += f": {obj['description']}"
        document["entities"] = [
            {"entity": self._entity(end, span), "role": role} for end, role in zip(ends, roles, strict=True)
        ]
        document["attributes"] = self._attributes(obj)
        document["sources"] = [self._source(where, obj)]
        return document

    def _relationship_rule(self, where: Where, obj: dict[str, Any]) -> tuple[str, list[str]]:
        kind = obj.get("relationship_type")
        if not isinstance(kind, str) or not kind.strip():
            raise RowError("bad object", "a relationship needs a relationship_type")
        if not _RELATIONSHIP_TYPE.fullmatch(kind):
            raise RowError(
                "bad object",
                f"relationship_type {kind!r} is not a STIX relationship type: lowercase letters, digits "
                "and hyphens",
                self.span(where, "relationship_type"),
            )
        rule = self.mapping.relationships.get(kind)
        return (rule.type, rule.roles) if rule else (kind, self.mapping.relationship_roles)

    def _document(self, obj: dict[str, Any], kind: str, date: str) -> dict[str, Any]:
        return {"id": obj["id"].lower(), "type": kind, "date": date}

    # --- entities -------------------------------------------------------------

    def _is_entity(self, obj: dict[str, Any]) -> bool:
        """Listed entity types, and cyber observables (the objects without `created`)."""
        kind = obj["type"]
        return kind in self.mapping.entity_types or ("created" not in obj and kind not in _NOT_ENTITIES)

    def _reference(
        self, ref: Any, role: str, span: Span, left_out: dict[str, list[str]]
    ) -> list[dict[str, str]]:
        """The entity `ref` names, with `role`; a reference to no entity is noted in `left_out`."""
        target = self.by_id.get(ref) if isinstance(ref, str) else None
        if target is None:
            revoked = isinstance(ref, str) and ref in self.revoked
            what = "revoked objects" if revoked else f"objects not in {self.scope}"
            left_out.setdefault(what, []).append(str(ref))
            return []
        if not self._is_entity(target):
            return []
        return [{"entity": self._entity(target, span), "role": role}]

    def _entity(self, obj: dict[str, Any], span: Span) -> str:
        return self.book.ref(f"stix:{obj['id']}", lambda: self._spec(obj), span)

    def _spec(self, obj: dict[str, Any]) -> EntitySpec:
        kind = obj["type"]
        entity_type = self.mapping.entity_types.get(kind, kind)
        if kind == "identity":
            entity_type = self.mapping.identity_classes.get(str(obj.get("identity_class")), entity_type)
        name = _name(obj)
        aliases = (
            tuple(a for a in obj.get("aliases", []) if isinstance(a, str))
            if isinstance(obj.get("aliases"), list)
            else ()
        )
        description = obj.get("description")
        return EntitySpec(
            key=f"stix:{obj['id']}",
            name=self.mapping.entities.get(name) or name,
            type=entity_type,
            candidates=(name, *aliases),
            aliases=aliases,
            source_id=obj["id"],
            one_per_name=False,  # objects of one name are distinct (four IOCs of one campaign)
            attributes=self._attributes(obj),
            description=description.strip() if isinstance(description, str) else None,
            id_hint=obj["id"].rpartition("--")[2][:8],
        )

    # --- time and provenance --------------------------------------------------

    def _interval(
        self, where: Where, obj: dict[str, Any], first: str | None, last: str | None, reported: dt.date
    ) -> str:
        """The EDTF interval between two timestamp properties; undated: up to `reported`."""
        lo = self._timestamp(where, obj, first)
        hi = self._timestamp(where, obj, last)
        if lo and hi and hi < lo:
            assert last is not None  # hi was read from it
            raise RowError("reversed interval", f"{last} is before {first}", self.span(where, last))
        if lo and hi:
            return lo.isoformat() if lo == hi else f"{lo.isoformat()}/{hi.isoformat()}"
        if lo:
            return f"{lo.isoformat()}/.."
        return f"../{(hi or reported).isoformat()}"

    def _reported(self, where: Where, obj: dict[str, Any]) -> dt.date:
        """When it became known: its report's `published`, else its own `created`."""
        if obj["type"] == "report" and obj.get("published") is not None:
            return self._timestamp(where, obj, "published")  # type: ignore[return-value]
        created = self._timestamp(where, obj, "created")
        if created is None:
            raise RowError("bad object", "an object that is an observation needs `created`", self.span(where))
        return self.published.get(obj["id"], created)

    def _timestamp(self, where: Where, obj: dict[str, Any], key: str | None) -> dt.date | None:
        if key is None or obj.get(key) is None:
            return None
        try:
            return _day(obj[key])
        except ValueError:
            raise RowError(
                "bad timestamp", f"{key} {obj[key]!r} is not a STIX timestamp", self.span(where, key)
            ) from None

    def _source(self, where: Where, obj: dict[str, Any]) -> dict[str, Any]:
        """The producer (created_by_ref) graded by default; STIX confidence sets the credibility."""
        creator_ref = obj.get("created_by_ref")
        # a revoked identity still names who produced the object
        creator = (
            self.by_id.get(creator_ref) or self.revoked.get(creator_ref)
            if isinstance(creator_ref, str)
            else None
        )
        if creator is not None and isinstance(creator.get("name"), str):
            source: dict[str, Any] = {"name": creator["name"], "origin": creator["name"]}
        elif isinstance(creator_ref, str):
            if creator is None and (where[0], creator_ref) not in self.unknown_creators:
                self.unknown_creators.add((where[0], creator_ref))  # a feed leaves a producer out of all
                self.book.warnings.append(
                    self.span(where, "created_by_ref").warning(
                        f"created_by_ref {creator_ref!r} is not in {self.scope}: the source is named by it"
                    )
                )
            source = {"name": creator_ref, "origin": creator_ref}
        else:
            file = self.files[where[0]]
            assert isinstance(file, _File)
            bundle_id = file.bundle_id
            source = {"name": f"STIX {bundle_id}", "origin": bundle_id, "note": "no created_by_ref"}
        stated = credibility(obj.get("confidence"))
        if stated is None and obj.get("confidence") is not None:
            raise RowError(
                "bad confidence",
                f"confidence {obj['confidence']!r} is not a STIX confidence (a whole number 0-100)",
                self.span(where, "confidence"),
            )
        source.update(reliability=self.grade[0], credibility=stated or self.grade[1])
        if stated is not None:
            source["note"] = f"STIX confidence {obj['confidence']}"
        urls = [
            r["url"]
            for r in obj.get("external_references", [])
            if isinstance(r, dict) and isinstance(r.get("url"), str)
        ]
        if urls:
            source["url"] = urls[0]
        return source

    def _attributes(self, obj: dict[str, Any], folded: Iterable[str] = ()) -> dict[str, Any]:
        """The object's scalar properties (one level of mappings flattened), its id and type, and
        its markings with those of the relationships `folded` into it: what a relationship says
        is said by the observation now, and must stay as restricted as it was."""
        attributes: dict[str, Any] = {"stix_id": obj["id"], "stix_type": obj["type"]}
        for key, value in obj.items():
            if key in _NOT_ATTRIBUTES or key.endswith(("_ref", "_refs")):
                continue
            if isinstance(value, dict):
                for inner, item in value.items():
                    if _scalar(item):
                        attributes[f"{key}_{inner}".lower().replace("-", "_")] = item
            elif _scalar(value) or (
                isinstance(value, list) and value and all(_scalar(item) for item in value)
            ):
                attributes[key] = value
        phases = [p.get("phase_name") for p in obj.get("kill_chain_phases", []) if isinstance(p, dict)]
        if phases and all(isinstance(phase, str) for phase in phases):
            attributes["kill_chain_phases"] = phases
        ids = [r.get("external_id") for r in obj.get("external_references", []) if isinstance(r, dict)]
        if any(isinstance(i, str) for i in ids):
            attributes["external_ids"] = [i for i in ids if isinstance(i, str)]
        markings = [name for marked in (obj["id"], *folded) for name in self.markings.get(marked, [])]
        if markings:
            attributes["markings"] = list(dict.fromkeys(markings))  # each document its own list
        return attributes

    def _markings(self, where: Where, obj: dict[str, Any]) -> list[str]:
        """Its object markings and then its granular markings, by name; a reference there that
        names no marking definition is a warning (STIX 2.1 section 7.2), and no marking.

        A granular marking marks some of the object's properties, but a document here is
        marked whole: marking all of it is the side that leaks nothing."""
        names = []
        for index, ref in enumerate(obj.get("object_marking_refs", [])):
            name = self._marking(where, ref, "object_marking_refs", ("object_marking_refs", index))
            if name is not None:
                names.append(name)
        granular = obj.get("granular_markings")
        for index, item in enumerate(granular if isinstance(granular, list) else []):
            if isinstance(item, dict) and "marking_ref" in item:
                path = ("granular_markings", index, "marking_ref")
                name = self._marking(where, item["marking_ref"], "a granular marking's marking_ref", path)
                if name is not None:
                    names.append(name)
        return list(dict.fromkeys(names))

    def _marking(self, where: Where, ref: Any, field: str, path: tuple[str | int, ...]) -> str | None:
        """How a marking is known (TLP:AMBER): its definition's name, a predefined TLP, else the id of
        a marking definition; None, with a warning at `path`, if `ref` names something else."""
        definition = self.by_id.get(ref) if isinstance(ref, str) else None
        if definition is not None and definition["type"] == "marking-definition":
            return str(definition["name"]) if isinstance(definition.get("name"), str) else _TLP.get(ref, ref)
        if definition is None and isinstance(ref, str) and ref.startswith("marking-definition--"):
            return _TLP.get(ref, ref)
        what = (
            f"is of type {definition['type']}, not a marking definition"
            if definition is not None
            else "is not a marking definition's id"
        )
        self.warnings.setdefault(where[0], []).append(
            self.span(where, *path).warning(f"{field} {ref!r} {what}: it marks nothing")
        )
        return None


def _listed(value: Any) -> list[Any]:
    """A reference property's references: a list's items, a single one, or none."""
    return value if isinstance(value, list) else [value] if value else []


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int) or (
        isinstance(value, float) and value == value and abs(value) != float("inf")
    )


def _name(obj: dict[str, Any]) -> str:
    """What a person would call the object: its name, a cyber observable's value, a location's
    address or coordinates, or its id."""
    for key in ("name", "value", "key", "path", "pattern"):
        if isinstance(obj.get(key), str) and obj[key].strip():
            return obj[key].strip()
    if obj["type"] == "location":  # a location needs no name: a region, a country or a point will do
        return _place(obj) or str(obj["id"])
    return str(obj["id"])


def _place(location: dict[str, Any]) -> str:
    """A location's address from its most precise part ('Kyiv, UA'), else its region or coordinates."""
    address = ("street_address", "city", "administrative_area", "country")
    parts = [location[key].strip() for key in address if isinstance(location.get(key), str)]
    parts = [part for part in parts if part]
    if not parts and isinstance(location.get("region"), str) and location["region"].strip():
        parts = [location["region"].strip()]
    if not parts and all(_coordinate(location.get(key)) for key in ("latitude", "longitude")):
        parts = [f"{location['latitude']}, {location['longitude']}"]
    return ", ".join(parts)


def _coordinate(value: Any) -> bool:
    """A latitude or longitude: a finite number, not true or false (which Python counts as 1 and 0)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and _scalar(value)


def _day(value: Any) -> dt.date:
    """A STIX timestamp ('2017-02-27T21:37:11.213Z') as its UTC day; ValueError if it is not one."""
    return _instant(value).date()


def _instant(value: Any) -> dt.datetime:
    """A STIX timestamp in UTC (one without a zone is taken as UTC); ValueError if it is not one.

    RFC 3339 allows second 60, a leap second, in the last minute of a month in UTC
    (2016-12-31T23:59:60Z); datetime has no such second, so it is read as the last
    microsecond of its minute: still its own day, and after every second before it.
    """
    if not isinstance(value, str):
        raise ValueError(value)
    leap = value[16:19] == ":60"  # YYYY-MM-DDThh:mm:60
    instant = dt.datetime.fromisoformat(f"{value[:17]}59{value[19:]}" if leap else value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    try:
        instant = instant.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC
        raise ValueError(value) from None
    if not leap:
        return instant
    day = instant.date()
    month_ends = day == dt.date.max or (day + dt.timedelta(days=1)).day == 1
    if (instant.hour, instant.minute) != (23, 59) or not month_ends:
        raise ValueError(value)  # second 60 of any other minute is no leap second
    return instant.replace(microsecond=999_999)


def _modified(obj: dict[str, Any]) -> dt.datetime:
    """When this version was made, in UTC; without a readable `modified`, before any other."""
    try:
        return _instant(obj.get("modified"))
    except ValueError:
        return _BEFORE_ANY
