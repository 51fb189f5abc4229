"""Predicates: the small language of entity patterns and `where` clauses.

A predicate is written as a literal (equality), a `$variable` (unification)
or a one-key mapping naming an operator.  It is parsed once, here, into a
`Predicate` value that the engine interprets; the model only checks shape.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

Operator = Literal["eq", "var", "in", "not_in", "at_least", "at_most", "contains", "matches", "exists"]
OPERATORS: tuple[str, ...] = ("in", "not_in", "at_least", "at_most", "contains", "matches", "exists")


@dataclass(frozen=True)
class Predicate:
    """One test on a value; `operand` is the variable name for `var`."""

    op: Operator
    operand: Any

    @property
    def variable(self) -> str | None:
        return self.operand if self.op == "var" else None

    @property
    def ordinal(self) -> bool:
        """An `at_least`/`at_most` on a word, which compares through the attribute's scale."""
        numeric = isinstance(self.operand, (int, float)) and not isinstance(self.operand, bool)
        return self.op in ("at_least", "at_most") and not numeric

    def source(self) -> Any:
        """The predicate as the user wrote it (for reports and schemas)."""
        if self.op == "var":
            return "$" + self.operand
        if self.op == "eq":
            return list(self.operand) if isinstance(self.operand, tuple) else self.operand
        operand = list(self.operand) if isinstance(self.operand, tuple) else self.operand
        if self.op == "matches":
            operand = self.operand.pattern
        return {self.op: operand}


NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"  # a variable's or a selection's name


def variable_name(value: Any) -> str | None:
    """'sponsor' for '$sponsor', else None."""
    if isinstance(value, str) and value.startswith("$") and len(value) > 1:
        return value[1:]
    return None


def is_plain(value: Any) -> bool:
    """A string, number or boolean: what a literal, a list item or an attribute value may be.

    A number is finite: JSON has no other (a YAML `.inf`, or 1e400 in JSON,
    reads as infinite), and NaN would compare unequal to itself.
    """
    return isinstance(value, (str, int, bool)) or (isinstance(value, float) and math.isfinite(value))


def parse_predicate(value: Any) -> Predicate:
    """Validate and parse what a user wrote; raises PydanticCustomError."""
    if isinstance(value, Predicate):
        return value
    name = variable_name(value)
    if name is not None:
        if not re.fullmatch(NAME_PATTERN, name):
            raise PydanticCustomError("predicate", "invalid variable name '{value}'", {"value": value})
        return Predicate("var", name)
    if is_plain(value):
        return Predicate("eq", value)
    if isinstance(value, list):
        if not value or not all(is_plain(item) for item in value):
            raise PydanticCustomError(
                "predicate", "a list predicate needs one or more plain values (any of them matches)"
            )
        return Predicate("eq", tuple(value))
    if isinstance(value, dict):
        if len(value) != 1:
            raise PydanticCustomError(
                "predicate",
                "an operator predicate has exactly one key, one of: {allowed}",
                {"allowed": ", ".join(OPERATORS)},
            )
        ((op, operand),) = value.items()
        if op not in OPERATORS:
            from iandw.diagnostics import did_you_mean

            raise PydanticCustomError(
                "predicate",
                "unknown operator '{op}'{hint}; operators are: {allowed}",
                {"op": op, "hint": did_you_mean(str(op), OPERATORS), "allowed": ", ".join(OPERATORS)},
            )
        return Predicate(op, _parse_operand(op, operand))
    raise PydanticCustomError(
        "predicate",
        "expected a value, a $variable or an operator mapping, got {kind}",
        {"kind": type(value).__name__ if value is not None else "null"},
    )


def _parse_operand(op: str, operand: Any) -> Any:
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not all(is_plain(item) for item in operand):
            raise PydanticCustomError("predicate", "'{op}' takes a list of plain values", {"op": op})
        return tuple(operand)
    if op == "exists":
        if not isinstance(operand, bool):
            raise PydanticCustomError("predicate", "'exists' takes true or false")
        return operand
    if op == "matches":
        if not isinstance(operand, str):
            raise PydanticCustomError("predicate", "'matches' takes a regular expression string")
        try:
            with warnings.catch_warnings():  # `[[a]` warns of a future meaning: not the user's business here
                warnings.simplefilter("ignore")
                return re.compile(operand)
        except (re.error, OverflowError, RecursionError) as exc:  # `a{99999999999}`, 500 nested groups
            raise PydanticCustomError(
                "predicate",
                "invalid regular expression '{pattern}': {why}",
                {
                    "pattern": operand,
                    "why": str(exc) if isinstance(exc, re.error) else "too large or too deep",
                },
            ) from None
    if isinstance(operand, bool) or not is_plain(operand):
        raise PydanticCustomError("predicate", "'{op}' takes one plain value", {"op": op})
    return operand


_PREDICATE_SCHEMA: dict[str, Any] = {
    "description": "A literal (equality; a list means any of), a $variable, or one operator.",
    "anyOf": [
        {"type": ["string", "number", "boolean"]},
        {"type": "array", "items": {"type": ["string", "number", "boolean"]}, "minItems": 1},
        {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "in": {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                "not_in": {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                "at_least": {"type": ["string", "number"]},
                "at_most": {"type": ["string", "number"]},
                "contains": {"type": ["string", "number", "boolean"]},
                "matches": {"type": "string", "format": "regex"},
                "exists": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    ],
}

PredicateField = Annotated[
    Predicate,
    PlainValidator(parse_predicate),
    PlainSerializer(lambda predicate: predicate.source()),
    WithJsonSchema(_PREDICATE_SCHEMA),
]
