"""The typed model of every document a user writes (SPEC §1-7, §10).

Models are strict (no silent coercion of a number into a string) and reject
unknown keys, so a typo is an error that names the allowed keys.  They check
shape only; cross-document meaning — does this entity exist, is this
variable declared — is checked in `iandw.loader.checks`, which knows the whole
rule set (an entity reference is resolved by `iandw.loader.references`).
Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StringConstraints,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iandw.choices import IndicatorStatus
from iandw.dates import DateError, parse_date
from iandw.diagnostics import did_you_mean
from iandw.model.names import origin_key
from iandw.model.predicates import NAME_PATTERN, Predicate, PredicateField, is_plain

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
DURATION_PATTERN = r"^[0-9]+[dw]$"
GRADE_PATTERN = r"^[A-F][1-6]$"
AS_OF = "as_of"  # in a `require` item, the evaluation date; no selection may take the name

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Word = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]
Grade = Annotated[str, StringConstraints(pattern=GRADE_PATTERN)]
Probability = Annotated[float, Field(gt=0, lt=1)]
PositiveRatio = Annotated[float, Field(gt=0)]
Weight = Annotated[float, Field(ge=0, le=1)]
Reliability = Literal["A", "B", "C", "D", "E", "F"]
Credibility = Annotated[int, Field(ge=1, le=6)]


def is_attribute_value(value: Any) -> bool:
    """A plain value or a list of them: what an entity's attribute may hold."""
    return is_plain(value) or (isinstance(value, list) and all(map(is_plain, value)))


CHECKED_LISTS = "checked_lists"  # a validation context key: ids of lists already found plain


def validation_context() -> dict[str, Any]:
    """The context to validate one document in (`model_validate(data, context=…)`).

    A YAML alias repeats one list under many keys (up to --max-alias-nodes
    in all): with this, each list is checked once, not once per alias.  Ids
    are those of lists the document being validated holds, so they stay
    theirs while it is validated.
    """
    return {CHECKED_LISTS: set()}


def _attribute_value(value: Any, info: ValidationInfo) -> Any:
    checked: set[int] | None = info.context.get(CHECKED_LISTS) if info.context else None
    if checked is not None and id(value) in checked:
        return value
    if is_attribute_value(value):
        if checked is not None and isinstance(value, list):
            checked.add(id(value))
        return value
    raise PydanticCustomError(
        "attribute_value", "an attribute value is a string, finite number, boolean or a list of them"
    )


def _finite_numbers(attributes: dict[str, Any]) -> dict[str, Any]:
    """An observation's free-form attributes hold no infinite or NaN number, however nested.

    A YAML alias repeats one list or mapping many times over (up to
    --max-alias-nodes): each is walked once, and a value's path is spelled
    out only for the error.
    """
    walked: set[int] = set()  # the lists and mappings seen: all alive in `attributes`, so ids are unique
    stack: list[tuple[tuple[str, ...], Any]] = [((f".{key}",), value) for key, value in attributes.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            where = "".join(path)
            raise PydanticCustomError(
                "non_finite_attribute",
                "numbers must be finite: attributes{where} is {value}",
                {"where": where, "value": repr(value)},
            )
        if isinstance(value, (dict, list)):
            if id(value) in walked:
                continue
            walked.add(id(value))
            if isinstance(value, dict):
                stack.extend(((*path, f".{key}"), item) for key, item in value.items())
            else:
                stack.extend(((*path, f"[{index}]"), item) for index, item in enumerate(value))
    return attributes


AttributeValue = Annotated[
    Any,
    PlainValidator(_attribute_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": ["string", "number", "boolean"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            ]
        }
    ),
]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


OneOrManyWords = Annotated[
    list[Word],
    Field(min_length=1),  # an empty list would select nothing, or read as "any" where it is optional
    BeforeValidator(_one_or_many),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}
    ),
]


# Longer than every span of dates (years 1 to 9999 are 3.7 million days):
# a duration past it is held at it, as the same window.
DURATION_DAYS_HELD = 10**15


def duration_days(duration: str) -> int:
    """'12w' → 84, '3d' → 3; a duration longer than any span of dates is DURATION_DAYS_HELD.

    Held, not read: Python refuses to read a number of more than 4,300
    digits, and `within: 99…9w` had been an internal error.
    """
    digits = duration[:-1].lstrip("0") or "0"
    if len(digits) > len(str(DURATION_DAYS_HELD)):
        return DURATION_DAYS_HELD
    return min(int(digits) * (7 if duration.endswith("w") else 1), DURATION_DAYS_HELD)


def date_as_text(value: Any) -> str:
    """A date as its EDTF text: unquoted YAML dates and years are accepted; anything else must be a string."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        return f"{value:04d}"
    if not isinstance(value, str):
        raise PydanticCustomError(
            "date_type",
            'expected an EDTF date such as "2023-09-18", "2023-09" or "../2023-10-06", got {kind}',
            {"kind": "null" if value is None else type(value).__name__},
        )
    return value


def _valid_edtf(text: str) -> str:
    try:
        parse_date(text)
    except DateError as exc:
        raise PydanticCustomError("date", "{why}", {"why": str(exc)}) from None
    return text.strip()


EdtfDate = Annotated[
    str,
    BeforeValidator(date_as_text),
    AfterValidator(_valid_edtf),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "integer", "minimum": 1, "maximum": 9999},  # an unquoted YAML year
            ],
            "description": "An EDTF date (ISO 8601-2): 2023, 2023-09, 2023-09-18, "
            "2023-09-18/2023-09-21, ../2023-10-06, 2023-10~ …",
        }
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


# --- entities and observations --------------------------------------------


class Entity(Strict):
    """A state, group, person, organisation, weapon system, exchange …"""

    kind: Literal["entity"]
    id: Id
    type: Word
    name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    member_of: list[str] = Field(default_factory=list)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    description: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.id


def _reference_shorthand(value: Any) -> Any:
    return {"entity": value} if isinstance(value, str) else value


class EntityReference(Strict):
    """An observation's mention of an entity, by id, name or alias."""

    entity: str
    role: str | None = None


# the schema says what the validator accepts: an editor must not flag the documented shorthand
ReferenceItem = Annotated[
    EntityReference, BeforeValidator(_reference_shorthand, json_schema_input_type=str | EntityReference)
]


class Source(Strict):
    """Where a report came from, graded on the Admiralty scale."""

    name: str
    origin: str | None = None
    reliability: Reliability | None = None
    credibility: Credibility | None = None
    url: str | None = None
    language: str | None = None
    note: str | None = None

    @property
    def origin_written(self) -> str:
        return self.origin or self.name

    @property
    def origin_key(self) -> str:
        """Sources sharing an origin are one source for corroboration (iandw.model.names)."""
        return origin_key(self.origin_written)


class Observation(Strict):
    """A dated, sourced report that something happened."""

    kind: Literal["observation"] = "observation"
    id: Id
    type: Word
    date: EdtfDate
    reported: EdtfDate | None = None
    place: str | None = None
    summary: str | None = None
    entities: list[ReferenceItem] = Field(default_factory=list)
    attributes: Annotated[dict[str, Any], AfterValidator(_finite_numbers)] = Field(default_factory=dict)
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


# --- indicators --------------------------------------------------------------


class VariableSpec(Strict):
    type: Word | None = None
    description: str | None = None


class EntityPattern(BaseModel):
    """Conditions one entity reference must meet; extra keys test attributes."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, allow_inf_nan=False)

    entity: str | None = None
    of: str | None = None
    role: PredicateField | None = None
    type: PredicateField | None = None
    __pydantic_extra__: dict[str, PredicateField] = Field(init=False)

    @property
    def attribute_predicates(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


# The observation fields a `where` path starts with (SPEC §6); only `attributes` has keys
# under it.  Any other path is missing from every observation: the selection would
# silently never match.
FLAT_WHERE_FIELDS = ("place", "summary", "type", "id", "date", "reported", "note")
WHERE_FIELDS = (*FLAT_WHERE_FIELDS, "attributes")
WHERE_PATH_PATTERN = rf"^({'|'.join(FLAT_WHERE_FIELDS)})$|^attributes(\.[^.]+)*$"
WHERE_PATH_ERROR = "where_path"  # its message is whole: the typer shows it as it is
_MET_OTHERWISE = {
    "entities": "an observation's entities are met by the selection's 'entities' patterns",
    "sources": "an observation's sources are judged by the selection's 'min_origins' and 'min_grade'",
}


def _where_path(path: str) -> str:
    """The path, if an observation can have it; else why not, and what was likely meant."""
    head, dot, _ = path.partition(".")
    if (head == "attributes" and "" not in path.split(".")) or (head in FLAT_WHERE_FIELDS and not dot):
        return path
    if head == "attributes":
        why = f"where path {path!r} has an empty part: no attribute key is empty; join keys with single dots"
    elif head in FLAT_WHERE_FIELDS:
        why = f"where path {path!r}: {head!r} has no keys under it, only 'attributes' has"
    elif head in _MET_OTHERWISE:
        why = f"where path {path!r}: {_MET_OTHERWISE[head]}, not by 'where'"
    else:
        within = f" in where path {path!r}" if dot else ""
        why = (
            f"unknown observation field {head!r}{within}{did_you_mean(head, WHERE_FIELDS)}; "
            f"a where path starts with {', '.join(FLAT_WHERE_FIELDS)} or attributes"
        )
    raise PydanticCustomError(WHERE_PATH_ERROR, "{why}", {"why": why})


WherePath = Annotated[str, AfterValidator(_where_path)]


class Selection(Strict):
    """Which observations can stand for one named part of the pattern."""

    type: OneOrManyWords | None = None
    entities: list[EntityPattern] = Field(default_factory=list)
    where: dict[WherePath, PredicateField] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"pattern": WHERE_PATH_PATTERN}}
    )
    min_origins: Annotated[int, Field(ge=1)] | None = None
    min_grade: Grade | None = None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.type or ())


class WindowRequire(Strict):
    """`then` happens between `min` and `within` days after `first`."""

    first: Name
    then: Name
    within: Duration | None = None
    min: Duration | None = None


class BetweenRequire(Strict):
    """The two happen in either order, their gap between `min` and `within` days."""

    between: Annotated[list[Name], Field(min_length=2, max_length=2)]
    within: Duration | None = None
    min: Duration | None = None


class CountRequire(Strict):
    """At least k distinct observations (or origins) stand for one selection."""

    count: Name
    at_least: Annotated[int, Field(ge=1)]
    distinct: Literal["observations", "origins"] = "observations"


def _require_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in (
            ("count", "@count"),
            ("between", "@between"),
            ("first", "@window"),
            ("then", "@window"),
        ):
            if key in value:
                return tag
    return None


RequireItem = Annotated[
    Annotated[WindowRequire, Tag("@window")]
    | Annotated[BetweenRequire, Tag("@between")]
    | Annotated[CountRequire, Tag("@count")],
    Discriminator(
        _require_tag,
        custom_error_type="require",
        custom_error_message="a require item is {first, then[, within, min]}, "
        "{between: [A, B][, within, min]} or {count, at_least[, distinct]}",
    ),
]


def _day_as_text(value: Any) -> str:
    """One day as its text: as a date is given, or a number, which may be a day without its dashes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # 20231006: told how to write it, not that it is no date
    if isinstance(value, (str, dt.date)):
        return date_as_text(value)
    raise PydanticCustomError(
        "date_type",
        'expected one day such as "2023-10-06", got {kind}',
        {"kind": "null" if value is None else type(value).__name__},
    )


# An evaluation date: unlike an observation's, a month or an interval is not one.  Which
# day it names is checked with the other documents (iandw.loader.checks), so that a
# mistake in it is one error, not its whole indicator unread.
OneDay = Annotated[
    str,
    BeforeValidator(_day_as_text),
    WithJsonSchema({"type": "string", "description": "One day, YYYY-MM-DD: 2023-10-08"}),
]


class RuleTest(Strict):
    """An expectation a rule author states about an indicator (SPEC §10)."""

    name: str
    bind: dict[Name, str] = Field(default_factory=dict)
    as_of: OneDay
    observations: list[Observation] = Field(default_factory=list)
    expect: IndicatorStatus
    matches: list[Id] | None = None


class Indicator(Strict):
    """A declarative pattern over observations."""

    kind: Literal["indicator"]
    id: Id
    title: str
    description: str | None = None
    rationale: str | None = None
    vars: dict[Name, VariableSpec] = Field(default_factory=dict)
    select: Annotated[dict[Name, Selection], Field(min_length=1)]
    require: list[RequireItem] = Field(default_factory=list)
    likelihood_ratio: PositiveRatio
    absent_likelihood_ratio: PositiveRatio = 1.0
    tests: list[RuleTest] = Field(default_factory=list)

    def predicates(self) -> Iterator[tuple[tuple[str | int, ...], str, Predicate]]:
        """(where in the document, attribute name, predicate) of every predicate: one walk for every check."""
        for selection_name, selection in self.select.items():
            for index, pattern in enumerate(selection.entities):
                base = ("select", selection_name, "entities", index)
                for name in ("role", "type"):
                    predicate = getattr(pattern, name)
                    if predicate is not None:
                        yield (*base, name), name, predicate
                for name, predicate in sorted(pattern.attribute_predicates.items()):
                    yield (*base, name), name, predicate
            for path, predicate in selection.where.items():
                yield ("select", selection_name, "where", path), path.rsplit(".", 1)[-1], predicate

    def entity_slots(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """(where in the document, value) of every `entity:` and `of:`."""
        for selection_name, selection in self.select.items():
            for index, pattern in enumerate(selection.entities):
                for name in ("entity", "of"):
                    value = getattr(pattern, name)
                    if value is not None:
                        yield ("select", selection_name, "entities", index, name), value


# --- hypotheses, scales, scoring ---------------------------------------------


class HypothesisIndicator(Strict):
    """An indicator used by a hypothesis, optionally with its own ratios."""

    id: Id
    likelihood_ratio: PositiveRatio | None = None
    absent_likelihood_ratio: PositiveRatio | None = None
    rationale: str | None = None


def _indicator_entry_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "@id"
    if isinstance(value, dict):
        return "@entry"
    return None


HypothesisIndicatorEntry = Annotated[
    Annotated[Id, Tag("@id")] | Annotated[HypothesisIndicator, Tag("@entry")],
    Discriminator(
        _indicator_entry_tag,
        custom_error_type="indicator_entry",
        custom_error_message="an indicator entry is an indicator id or {id, likelihood_ratio, ...}",
    ),
]


class Hypothesis(Strict):
    """A question the indicators bear on, scored ACH-style."""

    kind: Literal["hypothesis"]
    id: Id
    title: str | None = None
    statement: str
    description: str | None = None
    rationale: str | None = None
    bind: dict[Name, str] = Field(default_factory=dict)
    prior: Probability = 0.5
    indicators: list[HypothesisIndicatorEntry] | None = None

    def entries(self) -> list[HypothesisIndicator] | None:
        if self.indicators is None:
            return None
        return [
            HypothesisIndicator(id=entry) if isinstance(entry, str) else entry for entry in self.indicators
        ]


class Scale(Strict):
    """An ordered vocabulary, lowest first, named after the attribute it orders."""

    kind: Literal["scale"]
    id: Id
    description: str | None = None
    values: Annotated[list[Word], Field(min_length=1)]  # distinct: checked where located (loader.checks)


class Levels(Strict):
    watch: Weight = 0.20
    warning: Weight = 0.55
    alert: Weight = 0.80

    @model_validator(mode="after")
    def _ascending(self) -> Levels:
        if not self.watch < self.warning < self.alert:
            raise PydanticCustomError("levels", "levels must rise: watch < warning < alert")
        return self


def _credibility_keys(value: Any) -> Any:
    """JSON has only string keys: accept "1" as 1."""
    if isinstance(value, dict):
        return {
            int(k) if isinstance(k, str) and re.fullmatch(r"[1-6]", k) else k: v for k, v in value.items()
        }
    return value


class Scoring(Strict):
    """Overrides of the scoring defaults; at most one per rule set."""

    kind: Literal["scoring"]
    id: Id | None = None
    description: str | None = None
    reliability: dict[Reliability, Weight] = Field(default_factory=dict)
    credibility: Annotated[dict[Credibility, Weight], BeforeValidator(_credibility_keys)] = Field(
        default_factory=dict
    )
    qualifier_pad: Annotated[int, Field(ge=0, le=100)] = 1
    levels: Levels = Levels()


DOCUMENT_KINDS: dict[str, type[Strict]] = {
    "entity": Entity,
    "observation": Observation,
    "indicator": Indicator,
    "hypothesis": Hypothesis,
    "scale": Scale,
    "scoring": Scoring,
}

Document = Entity | Observation | Indicator | Hypothesis | Scale | Scoring
