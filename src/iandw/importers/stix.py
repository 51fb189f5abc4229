"""STIX 2.1 bundles as observations (campaigns, sightings, relationships …) and entities.

STIX mixes things that happened with things that exist.  Objects the
mapping lists under `observations` (a campaign, a sighting, observed data, a
report) become observations dated by their own interval fields
(first_seen/last_seen, first_observed/last_observed, published); every
relationship becomes an observation linking its two ends; actors, malware,
tools, indicators, identities and cyber observables become entities.

Provenance: the producer (`created_by_ref`) is the source.  `reported` is
when the object became known: the `published` date of the earliest report
that contains it, else its `created` date — so APT1 objects encoded in 2015
count as known from the report's publication in 2013, and nothing is known
before it was published.  An undated relationship held at some time up to
then (`../reported`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from iandw.diagnostics import Diagnostic, Span
from iandw.importers.entities import EntityBook, EntityError, EntitySpec, unique
from iandw.importers.mapping import StixMapping, StixObservationRule
from iandw.importers.outcomes import Outcome, Passed, RowError, Skipped, Unreadable, attempt
from iandw.limits import Limits, read_at_most
from iandw.loader.json_reader import parse_json_bytes, sourcemap_for
from iandw.loader.source import RawDocument
from iandw.loader.text import BOM
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
# Properties that must be lists if present: the importer reads their items.
_LISTS = ("external_references", "kill_chain_phases")
_BEFORE_ANY = dt.datetime.min.replace(tzinfo=dt.UTC)


def credibility(confidence: Any) -> Credibility | None:
    """A STIX confidence (0-100) as an Admiralty credibility, per STIX 2.1 Appendix A."""
    if isinstance(confidence, float) and confidence.is_integer():  # JSON writes 85 as 85.0 at times
        confidence = int(confidence)
    if isinstance(confidence, int) and not isinstance(confidence, bool) and 0 <= confidence <= 100:
        return next(grade for floor, grade in _CREDIBILITY if confidence >= floor)
    return None


class StixImporter:
    """STIX 2.1 bundle files → observations and entities."""

    unit = "object"

    def __init__(
        self, mapping: StixMapping, book: EntityBook, grade: tuple[Reliability, Credibility], limits: Limits
    ) -> None:
        self.mapping = mapping
        self.book = book
        self.grade = grade
        self.limits = limits

    def read(self, path: str, advance: Callable[[int], None]) -> Iterator[Outcome | Diagnostic]:
        try:
            with open(path, "rb") as stream:
                content = read_at_most(stream, self.limits.max_file_bytes)
        except OSError as exc:
            yield Unreadable(Span(path).error(f"cannot read: {exc.strerror or exc}"))
            return
        advance(len(content))
        if len(content) > self.limits.max_file_bytes:
            yield Unreadable(
                Span(path).error(
                    f"file is larger than {self.limits.max_file_bytes} bytes; see --max-file-bytes"
                )
            )
            return
        content = content.removeprefix(BOM)
        bundle, problems = parse_json_bytes(content, path, self.limits)
        if problems:
            yield Unreadable(problems[0])
            yield from problems[1:]
            return
        if not (
            isinstance(bundle, dict)
            and bundle.get("type") == "bundle"
            and isinstance(bundle.get("objects"), list)
        ):
            yield Unreadable(
                Span(path).error("not a STIX bundle: expected {'type': 'bundle', 'objects': [...]}")
            )
            return
        yield from _Bundle(self, path, content, bundle).outcomes()


class _Bundle:
    """One bundle being imported: its objects indexed, then each turned into an outcome."""

    def __init__(self, importer: StixImporter, path: str, content: bytes, bundle: dict[str, Any]) -> None:
        self.mapping = importer.mapping
        self.book = importer.book
        self.grade = importer.grade
        # an id that is not a string is no id: every such bundle would share one origin
        self.bundle_id = bundle["id"] if isinstance(bundle.get("id"), str) else path
        self.objects: list[Any] = bundle["objects"]
        self.raw = RawDocument(
            bundle,
            path,
            Span(path),
            lazy_sourcemap=lambda: sourcemap_for(content.decode("utf-8"), path, importer.limits),
        )
        self.by_id: dict[str, dict[str, Any]] = {}
        self.decided: dict[int, Outcome] = {}  # objects settled while indexing
        self.published: dict[str, dt.date] = {}
        self.folded: dict[str, list[tuple[str, str]]] = {}  # observation object id → (other end, role)
        self.folded_relationships: set[str] = set()
        self.warnings: list[Diagnostic] = []  # found while indexing, given before the outcomes
        self.unknown_creators: set[str] = set()  # created_by_refs not in the bundle, warned of once

    def span(self, index: int, key: str | None = None) -> Span:
        return self.raw.span(("objects", index, key) if key else ("objects", index))

    def outcomes(self) -> Iterator[Outcome | Diagnostic]:
        self._index()
        yield from self.warnings
        for index, obj in enumerate(self.objects):
            if index in self.decided:
                yield self.decided[index]
                continue
            yield self._outcome(index, obj)

    # --- indexing -------------------------------------------------------------

    def _index(self) -> None:
        """Latest version of each object unless revoked or misshapen; report dates; folded relationships."""
        newest: dict[str, int] = {}
        for index, obj in enumerate(self.objects):
            if not (
                isinstance(obj, dict) and isinstance(obj.get("id"), str) and isinstance(obj.get("type"), str)
            ):
                self.decided[index] = Skipped(
                    self.span(index).error("a STIX object needs a string 'id' and 'type'"), "bad object"
                )
            elif obj["id"] in newest:
                kept = newest[obj["id"]]
                kept_when, when = _modified(self.objects[kept]), _modified(obj)
                older, newer = (index, kept) if when < kept_when else (kept, index)  # a tie: the later
                self.decided[older] = Passed("older version")
                newest[obj["id"]] = newer
                if when == kept_when and obj != self.objects[kept]:  # one object twice is no doubt
                    stamp = "the same 'modified'" if when != _BEFORE_ANY else "no readable 'modified'"
                    self.warnings.append(
                        self.span(index).warning(
                            f"two versions of {obj['id']!r} with {stamp}: the later one in the input "
                            "is taken as the newer"
                        )
                    )
            else:
                newest[obj["id"]] = index
        for identifier, index in newest.items():
            obj = self.objects[index]
            not_list = next((key for key in _LISTS if key in obj and not isinstance(obj[key], list)), None)
            if obj.get("revoked") is True:  # a revoked latest version revokes the object
                self.decided[index] = Passed("revoked")
            elif not_list is not None:
                self.decided[index] = Skipped(
                    self.span(index, not_list).error(f"{not_list} must be a list"), "bad object"
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
        for obj in self.by_id.values():
            if obj["type"] == "relationship":
                self._fold(obj)

    def _fold(self, relationship: dict[str, Any]) -> None:
        """Note a relationship with an end whose rule folds it in (a bad one is reported later)."""
        ends = (relationship.get("source_ref"), relationship.get("target_ref"))
        try:
            roles = self._relationship_rule(relationship)[1]
        except RowError:
            return
        for position, end in enumerate(ends):
            rule = self._observation_rule(self.by_id.get(end) if isinstance(end, str) else None)
            other = ends[1 - position]
            if (
                rule is not None
                and rule.fold_relationships
                and isinstance(other, str)
                and isinstance(end, str)
            ):
                self.folded.setdefault(end, []).append((other, roles[1 - position]))
                self.folded_relationships.add(relationship["id"])
                return

    # --- outcomes -------------------------------------------------------------

    def _outcome(self, index: int, obj: dict[str, Any]) -> Outcome:
        span = self.span(index)
        if obj["type"] == "relationship":
            if obj["id"] in self.folded_relationships:
                return Passed("relationship folded into an observation")
            return attempt(span, partial(self._relationship, index, obj))
        rule = self._observation_rule(obj)
        if rule is not None:
            return attempt(span, partial(self._event, index, obj, rule))
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

    def _event(self, index: int, obj: dict[str, Any], rule: StixObservationRule) -> dict[str, Any]:
        span = self.span(index)
        reported = self._reported(index, obj)
        references: list[dict[str, str]] = []
        if rule.self_role and self._is_entity(obj):
            references.append({"entity": self._entity(obj, span), "role": rule.self_role})
        missing: list[str] = []
        for key, role in rule.refs.items():
            values = obj.get(key)
            for ref in values if isinstance(values, list) else [values] if values else []:
                references += self._reference(ref, role, span, missing)
        for other, role in self.folded.get(obj["id"], []):
            references += self._reference(other, role, span, missing)
        if missing:
            self.book.warnings.append(
                span.warning(
                    f"{obj['id']}: left out references to objects not in the bundle: {', '.join(missing)}"
                )
            )
        document = self._document(obj, rule.type, self._interval(index, obj, rule.first, rule.last, reported))
        document["reported"] = reported.isoformat()
        summary = obj.get("name") or obj.get("description")
        if isinstance(summary, str):
            document["summary"] = summary
        document["entities"] = unique(references)
        document["attributes"] = self._attributes(obj)
        document["sources"] = [self._source(index, obj)]
        return document

    def _relationship(self, index: int, obj: dict[str, Any]) -> dict[str, Any]:
        span = self.span(index)
        kind, roles = self._relationship_rule(obj)
        ends = []
        for key in ("source_ref", "target_ref"):
            ref = obj.get(key)
            if not isinstance(ref, str):
                raise RowError("bad object", f"a relationship needs a string {key}", self.span(index, key))
            target = self.by_id.get(ref)
            if target is None:
                raise RowError(
                    "dangling reference", f"{key} {ref!r} is not in the bundle", self.span(index, key)
                )
            if not self._is_entity(target):
                raise RowError(
                    "relationship not between entities",
                    f"{key} {target['id']!r} is a {target['type']}, not an entity",
                    self.span(index, key),
                )
            ends.append(target)
        reported = self._reported(index, obj)
        document = self._document(obj, kind, self._interval(index, obj, "start_time", "stop_time", reported))
        document["reported"] = reported.isoformat()
        names = [_name(end) for end in ends]
        document["summary"] = f"{names[0]} {obj.get('relationship_type')} {names[1]}"
        if isinstance(obj.get("description"), str):
            document["summary"] += f": {obj['description']}"
        document["entities"] = [
            {"entity": self._entity(end, span), "role": role} for end, role in zip(ends, roles, strict=True)
        ]
        document["attributes"] = self._attributes(obj)
        document["sources"] = [self._source(index, obj)]
        return document

    def _relationship_rule(self, obj: dict[str, Any]) -> tuple[str, list[str]]:
        kind = obj.get("relationship_type")
        if not isinstance(kind, str) or not kind.strip():
            raise RowError("bad object", "a relationship needs a relationship_type")
        rule = self.mapping.relationships.get(kind)
        return (rule.type, rule.roles) if rule else (kind, self.mapping.relationship_roles)

    def _document(self, obj: dict[str, Any], kind: str, date: str) -> dict[str, Any]:
        return {"id": obj["id"].lower(), "type": kind, "date": date}

    # --- entities -------------------------------------------------------------

    def _is_entity(self, obj: dict[str, Any]) -> bool:
        """Listed entity types, and cyber observables (the objects without `created`)."""
        kind = obj["type"]
        return kind in self.mapping.entity_types or ("created" not in obj and kind not in _NOT_ENTITIES)

    def _reference(self, ref: Any, role: str, span: Span, missing: list[str]) -> list[dict[str, str]]:
        target = self.by_id.get(ref) if isinstance(ref, str) else None
        if target is None:
            missing.append(str(ref))
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
        self, index: int, obj: dict[str, Any], first: str | None, last: str | None, reported: dt.date
    ) -> str:
        """The EDTF interval between two timestamp properties; undated: up to `reported`."""
        lo = self._timestamp(index, obj, first)
        hi = self._timestamp(index, obj, last)
        if lo and hi and hi < lo:
            raise RowError("reversed interval", f"{last} is before {first}", self.span(index, last))
        if lo and hi:
            return lo.isoformat() if lo == hi else f"{lo.isoformat()}/{hi.isoformat()}"
        if lo:
            return f"{lo.isoformat()}/.."
        return f"../{(hi or reported).isoformat()}"

    def _reported(self, index: int, obj: dict[str, Any]) -> dt.date:
        """When it became known: its report's `published`, else its own `created`."""
        if obj["type"] == "report" and obj.get("published") is not None:
            return self._timestamp(index, obj, "published")  # type: ignore[return-value]
        created = self._timestamp(index, obj, "created")
        if created is None:
            raise RowError("bad object", "an object that is an observation needs `created`", self.span(index))
        return self.published.get(obj["id"], created)

    def _timestamp(self, index: int, obj: dict[str, Any], key: str | None) -> dt.date | None:
        if key is None or obj.get(key) is None:
            return None
        try:
            return _day(obj[key])
        except ValueError:
            raise RowError(
                "bad timestamp", f"{key} {obj[key]!r} is not a STIX timestamp", self.span(index, key)
            ) from None

    def _source(self, index: int, obj: dict[str, Any]) -> dict[str, Any]:
        """The producer (created_by_ref) graded by default; STIX confidence sets the credibility."""
        creator_ref = obj.get("created_by_ref")
        creator = self.by_id.get(creator_ref) if isinstance(creator_ref, str) else None
        if creator is not None and isinstance(creator.get("name"), str):
            source: dict[str, Any] = {"name": creator["name"], "origin": creator["name"]}
        elif isinstance(creator_ref, str):
            if creator is None and creator_ref not in self.unknown_creators:
                self.unknown_creators.add(creator_ref)  # a feed leaves a producer out of every object
                self.book.warnings.append(
                    self.span(index, "created_by_ref").warning(
                        f"created_by_ref {creator_ref!r} is not in the bundle: the source is named by it"
                    )
                )
            source = {"name": creator_ref, "origin": creator_ref}
        else:
            source = {"name": f"STIX {self.bundle_id}", "origin": self.bundle_id, "note": "no created_by_ref"}
        stated = credibility(obj.get("confidence"))
        if stated is None and obj.get("confidence") is not None:
            raise RowError(
                "bad confidence",
                f"confidence {obj['confidence']!r} is not a STIX confidence (a whole number 0-100)",
                self.span(index, "confidence"),
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

    def _attributes(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The object's scalar properties (one level of mappings flattened), its id and type."""
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
        return attributes


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int) or (
        isinstance(value, float) and value == value and abs(value) != float("inf")
    )


def _name(obj: dict[str, Any]) -> str:
    """What a person would call the object: its name, a cyber observable's value, or its id."""
    for key in ("name", "value", "key", "path", "pattern"):
        if isinstance(obj.get(key), str) and obj[key].strip():
            return obj[key].strip()
    return str(obj["id"])


def _day(value: Any) -> dt.date:
    """A STIX timestamp ('2017-02-27T21:37:11.213Z') as its UTC day; ValueError if it is not one."""
    return _instant(value).date()


def _instant(value: Any) -> dt.datetime:
    """A STIX timestamp in UTC (one without a zone is taken as UTC); ValueError if it is not one."""
    if not isinstance(value, str):
        raise ValueError(value)
    instant = dt.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        return instant.replace(tzinfo=dt.UTC)
    try:
        return instant.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC
        raise ValueError(value) from None


def _modified(obj: dict[str, Any]) -> dt.datetime:
    """When this version was made, in UTC; without a readable `modified`, before any other."""
    try:
        return _instant(obj.get("modified"))
    except ValueError:
        return _BEFORE_ANY
