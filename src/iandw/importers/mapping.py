"""The mapping of each source: shipped YAML, merged with the user's `--mapping` file.

A mapping is data, not code, so that an analyst can read what an import
decides (CAMEO 043 is a visit, ACLED inter 1 is an armed force, a GDELT
source is graded D4) and change it without touching Python.  The shipped
files live in `mappings/`; a user's file is merged over them key by key, and
the result is checked by the models below, so a typo is a located error.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from iandw.diagnostics import Diagnostic, Span
from iandw.limits import DEFAULT_LIMITS
from iandw.loader.read import read_whole
from iandw.loader.source import RawDocument
from iandw.loader.text import decode_utf8
from iandw.loader.typed import errors_to_diagnostics
from iandw.loader.yaml_reader import parse_yaml
from iandw.model.documents import AttributeValue, Credibility, Grade, Reliability, Word

Roles = Annotated[list[Word], Field(min_length=2, max_length=2)]
CameoCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,4}$")]


class Strict(BaseModel):
    """Mapping tables reject unknown keys, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ObservationRule(Strict):
    """What one category of the source (a CAMEO code, an ACLED event type) becomes."""

    type: Word
    roles: Roles | None = None
    attributes: dict[str, AttributeValue] = {}


class ActorType(Strict):
    """A CAMEO role code: the entity type it gives, and whether it is part of a state."""

    label: str
    type: Word
    state_organ: bool = False
    attributes: dict[str, AttributeValue] = {}


class KnownGroup(Strict):
    name: str
    type: Word
    attributes: dict[str, AttributeValue] = {}


class GdeltMapping(Strict):
    default_grade: Grade
    roles: Roles
    event_codes: dict[CameoCode, ObservationRule]
    actor_types: dict[str, ActorType] = {}
    known_groups: dict[str, KnownGroup] = {}
    religions: dict[str, str] = {}
    country_types: dict[str, Word] = {}
    countries: dict[str, str] = {}
    entities: dict[str, str] = {}

    def rule(self, code: str) -> ObservationRule | None:
        """The rule of the longest listed prefix of an EventCode ('0431' → '043' → '04')."""
        for length in range(len(code), 1, -1):
            rule = self.event_codes.get(code[:length])
            if rule is not None:
                return rule
        return None


class InterCode(Strict):
    label: str
    type: Word
    attributes: dict[str, AttributeValue] = {}


class Week(Strict):
    before: Annotated[int, Field(ge=0, le=31)]
    after: Annotated[int, Field(ge=0, le=31)]


class AcledMapping(Strict):
    default_grade: Grade
    roles: Roles
    event_types: dict[str, ObservationRule]
    sub_event_types: dict[str, ObservationRule] = {}
    inter: dict[str, InterCode] = {}
    associated_actor_type: Word
    state_organ_pattern: str | None = None
    week: Week
    entities: dict[str, str] = {}

    @field_validator("state_organ_pattern")
    @classmethod
    def _names_a_state(cls, pattern: str | None) -> str | None:
        """A regular expression with a group named `state`."""
        if pattern is not None:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
            if "state" not in compiled.groupindex:
                raise ValueError("the pattern needs a group named state: (?P<state>…)")
        return pattern


class StixObservationRule(Strict):
    """A STIX object type that becomes an observation, and how its fields map."""

    type: Word
    first: str | None = None
    last: str | None = None
    self_role: Word | None = None
    refs: dict[str, Word] = {}
    dated_only: bool = False
    fold_relationships: bool = False
    unseen_type: Word | None = None  # the type instead when its `count` is 0: looked for, not seen


class RelationshipRule(Strict):
    type: Word
    roles: Roles


class StixMapping(Strict):
    default_grade: Grade
    entity_types: dict[str, Word]
    identity_classes: dict[str, Word] = {}
    observations: dict[str, StixObservationRule] = {}
    relationships: dict[str, RelationshipRule] = {}
    relationship_roles: Roles
    entities: dict[str, str] = {}


Mapping = GdeltMapping | AcledMapping | StixMapping
MODELS: dict[str, type[GdeltMapping] | type[AcledMapping] | type[StixMapping]] = {
    "gdelt": GdeltMapping,
    "acled": AcledMapping,
    "stix": StixMapping,
}


class MappingError(Exception):
    """The mapping cannot be used; the diagnostics say why and where."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


def grade_parts(grade: str) -> tuple[Reliability, Credibility]:
    """'D4' → ('D', 4)."""
    return grade[0], int(grade[1])  # type: ignore[return-value]


def shipped_path(source: str) -> str:
    return f"iandw/importers/mappings/{source}.yaml"


def load_mapping(
    source: str, override: str | None = None, max_bytes: int = DEFAULT_LIMITS.max_file_bytes
) -> tuple[Mapping, dict[str, Span]]:
    """The shipped mapping of `source`, with the user's file merged over it; and where each
    `entities` entry was written (the last file's), to say which one names nothing."""
    shipped = files("iandw.importers").joinpath("mappings", f"{source}.yaml").read_text("utf-8")
    data, raw = _parse(shipped, shipped_path(source))
    if override is not None:
        try:
            content = read_whole(override, max_bytes)
        except OSError as exc:
            raise MappingError(
                [Span(override).error(f"cannot read mapping: {exc.strerror or exc}")]
            ) from None
        if isinstance(content, Diagnostic):
            raise MappingError([content])
        text, problem = decode_utf8(content, override)
        if problem is not None:
            raise MappingError([problem])
        extra, raw = _parse(text, override)
        data = merge(data, extra)
    model = MODELS[source]
    try:
        mapping = model.model_validate(data)
    except ValidationError as exc:
        raise MappingError(errors_to_diagnostics(exc, model, raw)) from None
    return mapping, {key: raw.span(("entities", key)) for key in mapping.entities}


def _parse(text: str, file: str) -> tuple[dict[str, Any], RawDocument]:
    documents, diagnostics = parse_yaml(text, file, DEFAULT_LIMITS)
    if diagnostics:
        raise MappingError(diagnostics)
    if len(documents) != 1 or not isinstance(documents[0][0], dict):
        raise MappingError([Span(file).error("a mapping file holds one YAML mapping")])
    data, sourcemap, start = documents[0]
    raw = RawDocument(data, file, start, sourcemap=sourcemap)
    problems = _numeric_keys(data, raw)
    if problems:
        raise MappingError(problems)
    return data, raw


def _numeric_keys(data: dict[str, Any], raw: RawDocument) -> list[Diagnostic]:
    """Keys YAML read as numbers: an unquoted 036 is the octal number 30, not the CAMEO code."""
    problems = []
    pending: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    problems.append(
                        raw.span((*path, key), key=True).error(
                            f'key {key!r} was read as a number: quote codes and names, such as "036"'
                        )
                    )
                pending.append(((*path, key), value))
    return sorted(problems)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `base`, mappings merged key by key; a null value removes the key."""
    merged = dict(base)
    for key, value in extra.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged
