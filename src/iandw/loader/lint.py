"""Warnings: things that are valid but probably not what the author meant.

Each lint is a small function from the checked case (and where its
documents came from) to warnings, so a new one is one more function.  Three
more lints, an observation with no source, one never reported and one
naming an entity again, are found by iandw.loader.records while it compiles
each observation, as the input they need is dropped right after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iandw.diagnostics import Diagnostic, did_you_mean, first_few
from iandw.loader.backtracking import can_backtrack_exponentially
from iandw.loader.references import Broken
from iandw.loader.typed import Loaded, LoadedDocuments
from iandw.model.case import Case
from iandw.model.documents import EntityPattern, Indicator
from iandw.model.predicates import variable_name

Lint = Callable[[Case, LoadedDocuments, Broken], Iterator[Diagnostic]]


def selected_types_never_observed(
    case: Case, loaded: LoadedDocuments, broken: Broken
) -> Iterator[Diagnostic]:
    """A rule selecting a type no observation has can never fire.

    An observation with an error of its own still has its type: one typo
    in a date must not also say that nothing of its type was observed;
    an input path not read may hold any type.
    """
    if broken.unread_input:
        return
    observed = {item.type for item in loaded.observations} | broken.types.get("observation", set())
    for item in loaded.indicators:
        indicator = item.document
        for name, selection in indicator.select.items():
            # a selection of several types still matches those observed
            outcome = (
                f"so selection {name!r} never matches"
                if observed.isdisjoint(selection.types)
                else f"one of the types selection {name!r} takes"
            )
            for index, word in enumerate(selection.types):
                if word not in observed:
                    loc = ("select", name, "type") + (
                        (index,) if isinstance(item.raw_value("select", name, "type"), list) else ()
                    )
                    yield item.span(*loc).warning(
                        f"no observation has type {word!r}, {outcome}{did_you_mean(word, observed)}"
                    )


WHERE_ATTRIBUTE_LINT_MAX = 20_000  # re-reading an observation's attributes costs about 25 µs


def where_attributes_never_observed(
    case: Case, loaded: LoadedDocuments, broken: Broken
) -> Iterator[Diagnostic]:
    """A where path `attributes.X…` with no observation having attribute X (`acquisiton`
    for `acquisition`) fails on every observation: the selection never matches, and nothing says why.

    Not said for `exists: false`, which holds exactly then, nor while an observation did not
    load or an input path was not read: it may have the attribute.  Only with such a path, one
    pass over the observations, ending once every attribute named was seen: a misspelt name
    reads every observation's attributes (again from its file for JSONL inputs), so it is said
    only of cases of up to WHERE_ATTRIBUTE_LINT_MAX observations, where rules are written: on
    an import of a million, the reading alone would take half a minute.
    """
    if broken.unread_input or "observation" in broken.kinds:
        return
    if len(loaded.observations) > WHERE_ATTRIBUTE_LINT_MAX:
        return
    paths = list(_where_attribute_paths(loaded))
    wanted = {attribute for *_, attribute in paths}
    if not wanted:
        return
    observed: set[str] = set()
    for observation in loaded.observations:
        observed.update(observation.document.attributes)
        if wanted <= observed:
            return
    for item, name, path, attribute in paths:
        if attribute not in observed:
            yield item.span("select", name, "where", path, key=True).warning(
                f"no observation has attribute {attribute!r}, so selection {name!r} never matches"
                f"{did_you_mean(attribute, observed)}"
            )


def _where_attribute_paths(loaded: LoadedDocuments) -> Iterator[tuple[Loaded[Indicator], str, str, str]]:
    """(indicator, selection, path, attribute) of each `where` path into an attribute, but for
    `exists: false`, which holds of an attribute no observation has."""
    for item in loaded.indicators:
        for name, selection in item.document.select.items():
            for path, predicate in selection.where.items():
                if path.startswith("attributes.") and not (
                    predicate.op == "exists" and predicate.operand is False
                ):
                    yield item, name, path, path.split(".")[1]


def entities_no_rule_reaches(case: Case, loaded: LoadedDocuments, broken: Broken) -> Iterator[Diagnostic]:
    """An entity that no variable, pattern or hypothesis can select is dead weight.

    Not said while an indicator or hypothesis did not load: it may be the one that reaches it;
    nor with no indicator at all (observations checked alone), where it would be said of every entity;
    nor while the entities the rules name were left out: it may be a member of one.
    """
    if (
        broken.kinds & {"indicator", "hypothesis"}
        or broken.unread_input
        or broken.entities_left_out
        or not case.indicators
    ):
        return
    types: set[str] = set()
    named: set[str] = set()
    uses_of = False
    matches_anything = False
    for indicator in case.indicators.values():
        types.update(spec.type for spec in indicator.vars.values() if spec.type)
        if any(spec.type is None for spec in indicator.vars.values()):
            matches_anything = True
        for _, value in indicator.entity_slots():
            if variable_name(value) is None:
                resolved = case.registry.resolve_id(value)
                if resolved:
                    named.add(resolved)
        for selection in indicator.select.values():
            for pattern in selection.entities:
                uses_of = uses_of or pattern.of is not None
                if pattern.type is not None and pattern.type.op == "eq":
                    operand = pattern.type.operand
                    types.update(operand if isinstance(operand, tuple) else (operand,))
                elif pattern.entity is None and pattern.of is None:
                    matches_anything = True
    if matches_anything:
        return
    for hypothesis in case.hypotheses.values():
        named.update(filter(None, map(case.registry.resolve_id, hypothesis.bind.values())))

    def reachable(entity_id: str) -> bool:
        entity = case.registry.entities[entity_id]
        if entity_id in named or entity.type in types:
            return True
        return uses_of and any(
            case.registry.entities[a].type in types or a in named for a in case.registry.ancestors(entity_id)
        )

    for item in loaded.entities:
        entity = item.document
        if not reachable(entity.id):
            yield item.span("id").warning(
                f"no rule can reach entity {entity.id!r}: no variable or pattern selects type "
                f"{entity.type!r}, names it, or contains it through member_of"
            )


def indicators_no_hypothesis_uses(
    case: Case, loaded: LoadedDocuments, broken: Broken
) -> Iterator[Diagnostic]:
    """An indicator outside every hypothesis moves no posterior.

    Not said while a hypothesis did not load: it may be the one that lists it.
    """
    if "hypothesis" in broken.kinds or broken.unread_input:
        return
    used: set[str] = set()
    for hypothesis in case.hypotheses.values():
        entries = hypothesis.entries()
        if entries is None:
            return
        used.update(entry.id for entry in entries)
    for item in loaded.indicators:
        if item.document.id not in used:
            hint = "no hypothesis lists it" if case.hypotheses else "there are no hypotheses"
            yield item.span("id").warning(f"indicator {item.document.id!r} moves no posterior: {hint}")


def _entity_types(case: Case, broken: Broken) -> set[str] | None:
    """The types entities have, those that did not load included; None while an input path not
    read, or the entities left out of the inputs, may have others."""
    if broken.unread_input or broken.entities_left_out:
        return None
    return {entity.type for entity in case.registry.entities.values()} | broken.types.get("entity", set())


def _types_listed(known: set[str]) -> str:
    return f"known types: {first_few([repr(t) for t in sorted(known)])}" if known else "no entity is loaded"


def variable_types_no_entity_has(case: Case, loaded: LoadedDocuments, broken: Broken) -> Iterator[Diagnostic]:
    """A variable of a type no entity has can never be bound.

    An entity with an error of its own still has its type; an input path
    not read, or the entities left out of the inputs, may have one.
    """
    known = _entity_types(case, broken)
    if known is None:
        return
    for item in loaded.indicators:
        indicator = item.document
        for name, spec in indicator.vars.items():
            if spec.type is not None and spec.type not in known:
                hint = did_you_mean(spec.type, known)
                yield item.span("vars", name, "type").warning(
                    f"no entity has type {spec.type!r}{hint}; {_types_listed(known)}"
                )


def pattern_attributes_no_entity_has(
    case: Case, loaded: LoadedDocuments, broken: Broken
) -> Iterator[Diagnostic]:
    """A pattern key no entity has as an attribute (`affiliated-state` for `affiliated_state`)
    fails on every entity: the selection never matches, and nothing else says why.

    Not said for `exists: false`, which holds exactly then, nor while an entity did not load,
    an input path was not read or the entities were left out of the inputs: it may have the attribute.
    """
    if broken.unread_input or broken.entities_left_out or "entity" in broken.kinds:
        return
    known = {name for entity in case.registry.entities.values() for name in entity.attributes}
    meant = known | set(EntityPattern.model_fields)  # `rol` is the key `role` misspelt, not an attribute
    for item in loaded.indicators:
        indicator = item.document
        for selection_name, selection in indicator.select.items():
            for index, pattern in enumerate(selection.entities):
                for name, predicate in sorted(pattern.attribute_predicates.items()):
                    if name in known or (predicate.op == "exists" and predicate.operand is False):
                        continue
                    if predicate.ordinal and name not in case.scales:
                        continue  # one mistake, one message: the error that it needs a scale says it
                    # entities come from untrusted files too: their attributes may be countless
                    listed = f"; attributes: {first_few([repr(a) for a in sorted(known)])}" if known else ""
                    yield item.span("select", selection_name, "entities", index, name, key=True).warning(
                        f"no entity has attribute {name!r}, so this pattern never matches"
                        f"{did_you_mean(name, meant)}{listed}"
                    )


def pattern_types_no_entity_has(case: Case, loaded: LoadedDocuments, broken: Broken) -> Iterator[Diagnostic]:
    """A pattern's `type` that no entity has (`stat` for `state`) fails on every entity: the
    selection never matches, and nothing else says why.

    Only literal types are judged (one, a list or `in`), against the same types as a variable's.
    """
    known = _entity_types(case, broken)
    if known is None:
        return
    listed = _types_listed(known)
    for item in loaded.indicators:
        indicator = item.document
        for selection_name, selection in indicator.select.items():
            for index, pattern in enumerate(selection.entities):
                if pattern.type is None or pattern.type.op not in ("eq", "in"):
                    continue
                where: tuple[str | int, ...] = ("select", selection_name, "entities", index, "type")
                if pattern.type.op == "in":
                    where += ("in",)
                operand = pattern.type.operand
                # a list is located word by word, a single type at the value
                words = (
                    [((*where, i), w) for i, w in enumerate(operand)]
                    if isinstance(operand, tuple)
                    else [(where, operand)]
                )
                # a pattern of several types still matches those some entity has
                outcome = (
                    "so this pattern never matches"
                    if all(isinstance(word, str) and word not in known for _, word in words)
                    else "one of the types this pattern takes"
                )
                for loc, word in words:
                    if isinstance(word, str) and word not in known:
                        yield item.span(*loc).warning(
                            f"no entity has type {word!r}, {outcome}{did_you_mean(word, known)}; {listed}"
                        )


def regexes_that_can_backtrack_exponentially(
    case: Case, loaded: LoadedDocuments, broken: Broken
) -> Iterator[Diagnostic]:
    """A `matches` regex that can take time exponential in an untrusted text's length."""
    for item in loaded.indicators:
        indicator = item.document
        for loc, _, predicate in indicator.predicates():
            if predicate.op == "matches" and can_backtrack_exponentially(predicate.operand.pattern):
                yield item.span(*loc, "matches").warning(
                    f"regular expression '{predicate.operand.pattern}' repeats a part that can be split "
                    "two ways, as `(a+)+` does: on a text that almost matches, its search can take time "
                    "exponential in the text's length (observations are untrusted); make the part's "
                    "repetitions atomic (`(?>a+)`) or possessive (`a++`), or pin each repetition with "
                    "a character nothing else in it matches (`(-[a-z]+)+`)"
                )


LINTS: tuple[Lint, ...] = (
    selected_types_never_observed,
    where_attributes_never_observed,
    entities_no_rule_reaches,
    indicators_no_hypothesis_uses,
    variable_types_no_entity_has,
    pattern_attributes_no_entity_has,
    pattern_types_no_entity_has,
    regexes_that_can_backtrack_exponentially,
)


# The lints that can say why a rule test fails, which `iandw test` prints: a variable
# or a pattern no entity can meet.  The others are about the case, not the rule.
RULE_TEST_LINTS: tuple[Lint, ...] = (
    variable_types_no_entity_has,
    pattern_attributes_no_entity_has,
    pattern_types_no_entity_has,
)


def lint(
    case: Case, loaded: LoadedDocuments, broken: Broken | None = None, lints: tuple[Lint, ...] = LINTS
) -> list[Diagnostic]:
    """The warnings of `lints`; `broken`: the documents that did not load, whose errors are reported."""
    return [warning for check in lints for warning in check(case, loaded, broken or Broken())]
