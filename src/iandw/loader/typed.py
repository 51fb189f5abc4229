"""Raw parsed documents to typed models, with pydantic's errors made readable.

pydantic reports what failed and where in the data; this module turns each
of its errors into one located diagnostic in words a rule author uses
("unknown key 'withn' (did you mean 'within'?)", "expected a list, got a
string"), placed at the offending key or value.  A document that types is
handed on as `Loaded`: its model, with the raw document that still says
where each of its values was written; `LoadedDocuments` files them by kind.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from iandw.diagnostics import Diagnostic, Span, did_you_mean, one_line, quoted_list, suggest
from iandw.loader.observations import ObservationInput
from iandw.loader.source import RawDocument
from iandw.model.case import ObservationRecord
from iandw.model.documents import (
    DOCUMENT_KINDS,
    DURATION_PATTERN,
    GRADE_PATTERN,
    ID_PATTERN,
    WHERE_PATH_ERROR,
    Document,
    Entity,
    Hypothesis,
    Indicator,
    Scale,
    Scoring,
    validation_context,
)
from iandw.model.predicates import NAME_PATTERN

_PATTERN_MESSAGES = {
    ID_PATTERN: "invalid id {input!r}: use lowercase letters, digits, '.', '_' and '-', "
    "starting with a letter or digit",
    NAME_PATTERN: "invalid name {input!r}: use letters, digits, '_' and '-', starting with a letter",
    DURATION_PATTERN: "invalid duration {input!r}: write days as '84d' or weeks as '12w'",
    GRADE_PATTERN: "invalid grade {input!r}: a reliability letter A-F then a credibility "
    "digit 1-6, such as 'B2'",
}

_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
}


def describe(value: Any) -> str:
    """'a string', 'a list', … — how a value looks to a YAML author."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


D = TypeVar("D", bound=Document)


@dataclass
class Loaded(Generic[D]):
    """A typed document and where it came from: `Loaded[Indicator]` holds an indicator."""

    document: D
    raw: RawDocument

    def span(self, *loc: Any, key: bool = False) -> Span:
        return self.raw.span(tuple(loc), key=key)

    def raw_value(self, *loc: Any) -> Any:
        """What the user wrote at `loc`, before typing (None if absent)."""
        node = self.raw.data
        for part in loc:
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node


@dataclass
class LoadedDocuments(Mapping[str, list[Any]]):
    """The documents read, filed by kind, each list typed: no reader checks what it holds.

    An observation is kept lean: as its input (`ObservationInput`) until it
    is compiled, then as the engine's record, or still as its input where a
    reference did not resolve; either reads its full document again on
    demand (`.document`).  Read as a mapping, kind → documents
    (`loaded["indicator"]`), it holds the kinds that have any.
    """

    entities: list[Loaded[Entity]] = field(default_factory=list)
    indicators: list[Loaded[Indicator]] = field(default_factory=list)
    hypotheses: list[Loaded[Hypothesis]] = field(default_factory=list)
    scales: list[Loaded[Scale]] = field(default_factory=list)
    scorings: list[Loaded[Scoring]] = field(default_factory=list)
    observations: list[ObservationInput | ObservationRecord] = field(default_factory=list)

    def add(self, document: Entity | Indicator | Hypothesis | Scale | Scoring, raw: RawDocument) -> None:
        """Filed under its kind (an observation is appended to `observations` as its input)."""
        if isinstance(document, Entity):
            self.entities.append(Loaded(document, raw))
        elif isinstance(document, Indicator):
            self.indicators.append(Loaded(document, raw))
        elif isinstance(document, Hypothesis):
            self.hypotheses.append(Loaded(document, raw))
        elif isinstance(document, Scale):
            self.scales.append(Loaded(document, raw))
        else:
            self.scorings.append(Loaded(document, raw))

    def _by_kind(self) -> dict[str, list[Any]]:
        every: dict[str, list[Any]] = {
            "entity": self.entities,
            "indicator": self.indicators,
            "hypothesis": self.hypotheses,
            "scale": self.scales,
            "scoring": self.scorings,
            "observation": self.observations,
        }
        return {kind: documents for kind, documents in every.items() if documents}

    def __getitem__(self, kind: str) -> list[Any]:
        return self._by_kind()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_kind())

    def __len__(self) -> int:
        return len(self._by_kind())


def type_document(raw: RawDocument) -> tuple[Document | None, list[Diagnostic]]:
    """The typed document, or None and every problem pydantic found."""
    data = raw.data
    if not isinstance(data, dict):
        return None, [raw.span().error(f"a document must be a mapping with a 'kind', got {describe(data)}")]
    kind = data.get("kind", raw.default_kind)
    if kind is None:
        return None, [raw.span().error(f"missing 'kind': one of {quoted_list(DOCUMENT_KINDS)}")]
    if not isinstance(kind, str) or kind not in DOCUMENT_KINDS:
        hint = did_you_mean(kind, DOCUMENT_KINDS) if isinstance(kind, str) else ""
        return None, [
            raw.span(("kind",)).error(
                f"unknown kind {kind!r}{hint}; kinds are: {quoted_list(DOCUMENT_KINDS)}"
            )
        ]
    model = DOCUMENT_KINDS[kind]
    try:
        return model.model_validate(data, context=validation_context()), []  # type: ignore[return-value]
    except ValidationError as exc:
        return None, errors_to_diagnostics(exc, model, raw)


def errors_to_diagnostics(exc: ValidationError, model: type[BaseModel], raw: RawDocument) -> list[Diagnostic]:
    diagnostics = []
    seen: set[tuple[int, int, str]] = set()
    errors = exc.errors(include_url=False)
    misspelt = _misspelt_required(errors, model)
    misplaced = _misplaced_in_a_test(errors)
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "missing" and loc in misspelt.values():
            continue  # the unknown key that misspells it says so: one mistake, one error
        if any(loc[: len(place)] == place and loc != (*place, "kind") for place in misplaced):
            continue  # not an observation at all: its kind says so, and its keys are its own
        key_error = error["type"] == "extra_forbidden"
        if loc and loc[-1] == "[key]":  # a mapping key failed, not its value
            loc, key_error = loc[:-1], True
        span = raw.span(loc, key=key_error)
        if loc in misspelt:
            message = _misspelt_message(model, loc, misspelt[loc][-1])
        else:
            message = _message(error, model, loc, key_error and error["type"] != "extra_forbidden")
        marker = (span.line, span.column, message)
        if marker not in seen:
            seen.add(marker)
            diagnostics.append(span.error(message))
    return sorted(diagnostics)


def _misplaced_in_a_test(errors: list[Any]) -> set[tuple[Any, ...]]:
    """Where a rule test's observations hold a document of another kind (an entity, a hypothesis).

    Its missing `date` and its keys no observation has follow from that one
    mistake; a kind that misspells `observation` is no such document.
    """
    return {tuple(error["loc"])[:-1] for error in errors if _misplaced_kind(error) is not None}


def _misplaced_kind(error: Any) -> str | None:
    """The other document kind a rule test's observation says it is (`kind: Entity` too), if any."""
    loc, value = tuple(error["loc"]), error.get("input")
    if error["type"] != "literal_error" or loc[:1] != ("tests",) or loc[-1] != "kind":
        return None
    kind = value.casefold() if isinstance(value, str) else None
    return kind if kind in DOCUMENT_KINDS and kind != "observation" else None


def _misspelt_required(errors: list[Any], model: type[BaseModel]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Unknown keys that are a misspelling of a required key missing beside them, each to that key.

    `likelyhood_ratio: 2` is one mistake: an unknown key and a missing one.
    """
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing" and e["loc"]}
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] != "extra_forbidden" or not loc or not isinstance(loc[-1], str):
            continue
        meant = [(*loc[:-1], key) for key in suggest(loc[-1], allowed_keys(model, loc[:-1]))]
        for key_loc in meant:
            if key_loc in missing and key_loc not in found.values():
                found[loc] = key_loc
                break
    return found


def _misspelt_message(model: type[BaseModel], loc: tuple[Any, ...], meant: str) -> str:
    allowed = allowed_keys(model, loc[:-1])
    return (
        f"unknown key {str(loc[-1])!r} (did you mean {meant!r}? it is required and missing); "
        f"allowed keys: {', '.join(allowed)}"
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    """The key a problem is under; a user's key may hold a newline, shown escaped."""
    for part in reversed(loc):
        if isinstance(part, str) and not part.startswith("@"):
            return one_line(part)
    return "value"


def _message(error: Any, model: type[BaseModel], loc: tuple[Any, ...], is_key: bool = False) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    name = f"{_field_name(loc[:-1])} key {loc[-1]!r}" if is_key else _field_name(loc)
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == WHERE_PATH_ERROR:
        return str(error["msg"])
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, loc[:-1])
        key = str(loc[-1])
        hint = did_you_mean(key, allowed)
        return f"unknown key {key!r}{hint}; allowed keys: {', '.join(allowed)}"
    if kind == "string_type" and loc[-1] in _DURATION_KEYS and _is_number(value):
        if isinstance(value, int) and value >= 0:
            return f"invalid duration {value!r}: give its unit, '{value}d' for days or '{value}w' for weeks"
        return _PATTERN_MESSAGES[DURATION_PATTERN].format(input=value)
    if kind in _EXPECTED:
        hint = _yaml_number_hint(kind, value)
        if _EXPECTED[kind] == "a mapping":
            hint += _indentation_hint(model, loc) + _pattern_hint(loc, value)
            hint += _variable_hint(model, loc, value)
        return f"{name}: expected {_EXPECTED[kind]}, got {describe(value)}{hint}"
    if kind == "string_pattern_mismatch":
        template = _PATTERN_MESSAGES.get(ctx.get("pattern", ""))
        if template:
            return template.format(input=value)
    other = _misplaced_kind(error)
    if other is not None:  # `Entity` too: what matters is where it is, not its case
        where = "the observation paths or the rules" if other == "entity" else "the rules"
        return (
            f"a rule test holds observations only: put the {other} in {where}, where every test and "
            "the case see it"
        )
    if kind == "literal_error":
        expected = str(ctx.get("expected", "one of the allowed values"))
        options = re.findall(r"'([^']*)'", expected)
        same_but_case = [o for o in options if isinstance(value, str) and o.casefold() == value.casefold()]
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        hint = f" (did you mean {same_but_case[0]!r}?)" if same_but_case else hint
        return f"{name}: expected {expected}, got {describe(value)}{hint}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {
            "greater_than": "> ",
            "greater_than_equal": ">= ",
            "less_than": "< ",
            "less_than_equal": "<= ",
        }
        limit = next(iter(ctx.values()), "?")
        shown = f"{limit:g}" if isinstance(limit, float) else limit
        return f"{name} must be {bound[kind]}{shown}, got {value!r}"
    if kind == "finite_number":
        return f"{name} must be a finite number, got {value!r}"
    if kind == "too_short" and value in ([], {}) and ctx.get("min_length") == 1:
        return f"{name}: empty; give at least one"
    if kind in ("too_short", "too_long"):
        return f"{name}: {error['msg'].lower()}"
    if kind == "string_too_short" and name:  # no name under a mapping's empty key
        return f"{name} must not be empty"
    return f"{name}: {error['msg']}" if not error["msg"].startswith(("a ", "an ")) else error["msg"]


def _indentation_hint(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """A name under `select` or `vars` that is a key one level up or down: a line indented wrongly.

    `require:` indented under `select` reads as a selection named 'require';
    a selection's `entities:` indented like the selection names reads as a
    selection named 'entities'.  Each is "expected a mapping, got a list",
    which names the symptom, not the mistake.
    """
    if len(loc) < 2 or not isinstance(loc[-1], str):
        return ""
    holder: Any = model
    for part in loc[:-1]:
        holder = _step(holder, part) if holder is not None else None
    if holder is None or typing.get_origin(_unwrap(holder)) is not dict:
        return ""  # only the entries of a mapping of named entries are the author's names
    name, entries = loc[-1], loc[-2]
    if name in allowed_keys(model, loc[:-2]):
        return f"; '{name}' is a key beside '{entries}', not an entry of it: indent it less"
    if name in allowed_keys(model, loc):
        return f"; '{name}' is a key of each entry of '{entries}': indent it under the entry's name"
    return ""


def _pattern_hint(loc: tuple[Any, ...], value: Any) -> str:
    """A selection's entity written as an observation writes it: the two keys it may have meant."""
    if len(loc) < 4 or loc[0] != "select" or loc[-2] != "entities" or not isinstance(value, str):
        return ""
    shown = one_line(value)
    return f": write {{of: {shown}}} (it or any of its members) or {{entity: {shown}}} (it alone)"


def _variable_hint(model: type[BaseModel], loc: tuple[Any, ...], value: Any) -> str:
    """`sponsor:` left empty under `vars`: the two ways to declare a variable."""
    if value is not None or len(loc) != 2 or loc[0] != "vars" or "vars" not in model.model_fields:
        return ""
    return ": declare it as {type: state} for an entity of one type, or {} for any entity"


_DURATION_KEYS = ("within", "min")  # a require item's durations: a bare number has no unit


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _yaml_number_hint(kind: str, value: Any) -> str:
    """YAML 1.1 reads `1e-3` (and `1.5e3`) as text: an exponent needs a point and a sign."""
    if kind != "float_type" or not isinstance(value, str) or "e" not in value.lower():
        return ""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    plain = f"{number:f}"
    plain = plain if "." in plain else plain + ".0"
    if len(plain) > 20:  # as YAML 1.1 reads an exponent: after a point, with a sign
        plain = f"{number:.{max(1, len(number.as_tuple().digits) - 1)}e}"
    return f" (YAML reads {value.strip()!r} as text: write {plain})"


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at `loc` inside `model`."""
    target = model_at(model, loc)
    return list(target.model_fields) if target else []


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model expected at a validation `loc` inside `model` (a tag picks a union's member);
    None where a plain value, a list, a mapping of entries or an untagged union is expected."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return _as_model(annotation)


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [m for m in map(_as_model, typing.get_args(annotation)) if m is not None]
        return models[0] if len(models) == 1 else None
    return None


def _tag_of(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            tag = getattr(meta, "tag", None)
            if isinstance(tag, str):
                return tag
    return None


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        if isinstance(part, str) and part.startswith("@"):
            return next((m for m in members if _tag_of(m) == part), None)
        for member in members:
            found = _step(member, part)
            if found is not None:
                return found
        return None
    if isinstance(part, str) and part.startswith("@"):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    if origin in (list, tuple):
        return typing.get_args(annotation)[0] if isinstance(part, int) else None
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None
