"""Cross-document checks of the rule set, and the resolved `Case` built on them.

Typing (iandw.loader.typed) checks each document alone; here the whole rule set
is known, so references can be resolved (iandw.loader.references) and rules
checked against it: ids unique per kind, every entity reference resolvable, no
membership cycles, every `$variable` declared and every declared one used,
`require` naming real selections, `at_least` only where a scale orders the
attribute, hypotheses binding entities of the right type.  Every problem is
collected, none stops the others from being found.

`build_case` runs the checks in the order each needs what the one before
produced (scoring tables, entity registry, scales, indicators, hypotheses),
then has the observations compiled against them (iandw.loader.records),
says once each reference that names no single entity, wherever it is
written (iandw.loader.references), and returns the case.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple, TypeVar, cast

from iandw.dates import DateError, parse_day
from iandw.diagnostics import Diagnostic, Span, did_you_mean, quoted_list, suggest
from iandw.loader.observations import ObservationInput
from iandw.loader.records import compile_observations
from iandw.loader.references import Broken, Resolver
from iandw.loader.repair import WHOLE, Intact, Repairs
from iandw.loader.source import PathKey
from iandw.loader.typed import Loaded, LoadedDocuments
from iandw.model.case import Case
from iandw.model.documents import (
    AS_OF,
    BetweenRequire,
    CountRequire,
    Entity,
    Hypothesis,
    Indicator,
    RuleTest,
    Scale,
    WindowRequire,
    duration_days,
)
from iandw.model.predicates import Predicate, variable_name
from iandw.model.registry import (
    EntityRegistry,
    find_cycles,
    membership_closure,
    membership_heights,
)
from iandw.model.scoring import ScoringTables


class Checked(NamedTuple):
    """What `build_case` returns."""

    case: Case
    diagnostics: list[Diagnostic]
    # lints of observations: no source (confidence 0), or never reported (never used)
    observation_lints: list[Diagnostic]


def build_case(
    loaded: LoadedDocuments, broken: Broken | None = None, repairs: Repairs | None = None
) -> Checked:
    """Check everything against everything; return the resolved case.

    `loaded` is left holding the documents kept: the first of each id, and
    each observation as its record once built (its input dropped then, so
    that a large case never holds both) or as its input where a reference
    did not resolve.  `repairs`: the documents that failed typing, checked
    as far as their repair allows, and never part of the case.
    """
    diagnostics: list[Diagnostic] = []
    broken = broken or Broken()
    _drop_repeated_ids(loaded, diagnostics, broken)

    scorings = loaded.scorings
    for extra in scorings[1:]:
        first = scorings[0].span()
        diagnostics.append(
            extra.span().error(
                f"only one scoring document is allowed (the first is at {first.file}:{first.line})"
            )
        )
    scoring = scorings[0].document if scorings else None
    tables = ScoringTables.from_document(scoring)

    entities = loaded.entities
    registry = EntityRegistry.build(item.document for item in entities)
    resolver = Resolver(registry, diagnostics, broken)  # one for all: each unresolved reference is said once
    diagnostics += _check_membership(entities, resolver)

    scales: dict[str, tuple[str, ...]] = {}
    for scale_item in loaded.scales:
        diagnostics += _repeated_scale_values(scale_item)
        scales[scale_item.document.id] = tuple(dict.fromkeys(scale_item.document.values))
    diagnostics += _check_scaled_attributes(entities, scales)

    indicators: dict[str, Indicator] = {}
    for indicator_item in sorted(loaded.indicators, key=lambda i: i.document.id):
        _check_indicator(indicator_item, resolver, scales)
        indicators[indicator_item.document.id] = indicator_item.document

    hypotheses: dict[str, Hypothesis] = {}
    for hypothesis_item in sorted(loaded.hypotheses, key=lambda i: i.document.id):
        _check_hypothesis(hypothesis_item, indicators, resolver, broken)
        hypotheses[hypothesis_item.document.id] = hypothesis_item.document
    if repairs is not None:
        _check_repaired(repairs, indicators, scales, resolver, broken)

    records, observation_lints = compile_observations(loaded.observations, resolver, tables)
    broken.entities_left_out = resolver.report(lambda: sorted({item.raw.file for item in entities}))

    case = Case(registry, tables, scales, indicators, hypotheses, records)
    return Checked(case, diagnostics, observation_lints)


def _repeated_scale_values(item: Loaded[Scale]) -> list[Diagnostic]:
    """A scale's values are distinct: each one given again is an error where it is repeated."""
    seen: set[str] = set()
    found = []
    for index, value in enumerate(item.document.values):
        if value in seen:
            found.append(
                item.span("values", index).error(
                    f"scale value {value!r} is repeated: the values of a scale must be distinct"
                )
            )
        seen.add(value)
    return found


def _drop_repeated_ids(loaded: LoadedDocuments, diagnostics: list[Diagnostic], broken: Broken) -> None:
    """A repeated id is an error, and the first document of its kind with that id stays."""
    loaded.entities = _first_of_each_id("entity", loaded.entities, diagnostics, broken)
    loaded.indicators = _first_of_each_id("indicator", loaded.indicators, diagnostics, broken)
    loaded.hypotheses = _first_of_each_id("hypothesis", loaded.hypotheses, diagnostics, broken)
    loaded.scales = _first_of_each_id("scale", loaded.scales, diagnostics, broken)
    loaded.scorings = _first_of_each_id("scoring", loaded.scorings, diagnostics, broken)
    inputs = cast(list[ObservationInput], loaded.observations)  # until compile_observations makes records
    loaded.observations[:] = _first_of_each_id("observation", inputs, diagnostics, broken)


Kept = TypeVar("Kept", bound=Loaded[Any] | ObservationInput)


def _first_of_each_id(
    kind: str, documents: list[Kept], diagnostics: list[Diagnostic], broken: Broken
) -> list[Kept]:
    """The documents of one kind, the first of each id only.

    The one dropped counts as broken: an entity only it reaches is not "reached by no rule" too.
    """
    kept: list[Kept] = []
    first_seen: dict[str, Kept] = {}
    for item in documents:
        identifier = item.document.id if isinstance(item, Loaded) else item.id
        if identifier is not None:
            first = first_seen.get(identifier)
            if first is not None:
                where = first.span()
                diagnostics.append(
                    item.span("id").error(
                        f"duplicate {kind} id {identifier!r} (first defined at {where.file}:{where.line})"
                    )
                )
                if isinstance(item, Loaded):
                    broken.add(item.raw)
                continue
            first_seen[identifier] = item
        kept.append(item)
    return kept


# --- entities -----------------------------------------------------------------


MAX_MEMBERSHIP_LEVELS = 32  # person → unit → … → state is a handful; a longer chain is hostile or a mistake
MAX_MEMBERSHIP_PAIRS = 1_000_000  # (member, container) pairs all member_of relations make: about 60 MB


def _check_membership(entities: list[Loaded[Entity]], resolver: Resolver) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    registry = resolver.registry
    parents: dict[str, list[str]] = {}
    where: dict[str, Loaded[Entity]] = {}
    written: dict[str, dict[str, int]] = {}  # per entity, per parent: its index in member_of
    for item in entities:
        entity = item.document
        resolved: dict[str, int] = {}  # parent → where member_of names it first
        for index, reference in enumerate(entity.member_of):
            parent = resolver.entity(reference, functools.partial(item.span, "member_of", index))
            if parent is not None:
                resolved.setdefault(parent, index)
        parents[entity.id] = list(resolved)
        where[entity.id] = item
        written[entity.id] = resolved

    def at(entity_id: str, parent: str) -> Span:
        return where[entity_id].span("member_of", written[entity_id][parent])

    for cycle in find_cycles(parents):
        diagnostics.append(at(cycle[0], cycle[1]).error("membership cycle: " + " -> ".join(cycle)))
    heights = membership_heights(parents)
    for entity_id, height in heights.items():
        if height == MAX_MEMBERSHIP_LEVELS + 1:  # the deeper ones are so through it: said once
            longest = next(p for p in parents[entity_id] if heights[p] == MAX_MEMBERSHIP_LEVELS)
            diagnostics.append(
                at(entity_id, longest).error(
                    f"member_of chain of {height} levels above {entity_id!r}; at most "
                    f"{MAX_MEMBERSHIP_LEVELS} are followed (see docs/limits.md)"
                )
            )
    followed = {e: ups if heights[e] <= MAX_MEMBERSHIP_LEVELS else [] for e, ups in parents.items()}
    closure, stopped = membership_closure(followed, heights, MAX_MEMBERSHIP_PAIRS)
    if stopped is not None:
        diagnostics.append(
            where[stopped]
            .span("member_of", 0)
            .error(
                f"member_of relations make more than {MAX_MEMBERSHIP_PAIRS:,} (member, container) pairs "
                f"by {stopped!r}; the entities from here on are members of nothing (see docs/limits.md)"
            )
        )
    registry.set_membership(closure)
    return diagnostics


def _check_scaled_attributes(
    entities: list[Loaded[Entity]], scales: dict[str, tuple[str, ...]]
) -> list[Diagnostic]:
    """A value outside its attribute's scale never meets at_least/at_most: say so."""
    diagnostics = []
    for item in entities:
        for name, value in sorted(item.document.attributes.items()):
            if name in scales and value not in scales[name]:
                diagnostics.append(
                    item.span("attributes", name).warning(
                        f"{name} {value!r} is not on the scale {name!r} "
                        f"({quoted_list(scales[name])}), so at_least/at_most never match it"
                    )
                )
    return diagnostics


# --- indicators -----------------------------------------------------------------


def _check_indicator(
    item: Loaded[Indicator], resolver: Resolver, scales: dict[str, tuple[str, ...]], intact: Intact = WHOLE
) -> None:
    """`intact`: what a repair left whole, in one that failed typing; what it touched is not judged."""
    indicator = item.document
    diagnostics = resolver.diagnostics
    declared = set(indicator.vars)
    used: set[str] = set()
    undeclared: list[tuple[str, PathKey]] = []

    def use_variable(name: str, loc: PathKey) -> None:
        used.add(name)
        if name not in declared:
            undeclared.append((name, loc))

    for loc, value in indicator.entity_slots():
        name = variable_name(value)
        if name is not None:
            use_variable(name, loc)
        else:
            resolver.entity(value, functools.partial(item.span, *loc), in_rules=True)
    for loc, attribute, predicate in indicator.predicates():
        if predicate.variable is not None:
            use_variable(predicate.variable, loc)
        diagnostics += _check_ordinal(item, loc, attribute, predicate, scales, resolver.broken)
    unused = declared - used if intact.declared and intact.uses else set()
    misspelt = set()
    for name, loc in undeclared if intact.declared else []:
        meant = next((close for close in suggest(name, declared) if close in unused), None)
        if meant is None:
            hint = did_you_mean(name, declared)
        else:  # one typo: this error says it, and the declared variable is not "unused" too
            hint = f" (did you mean {meant!r}? it is declared, and no pattern uses it)"
            misspelt.add(meant)
        known = f"; declared: {quoted_list(sorted(declared))}" if declared else "; declare it under 'vars'"
        diagnostics.append(item.span(*loc).error(f"undeclared variable '${name}'{hint}{known}"))
    for name in sorted(unused - misspelt):
        diagnostics.append(
            item.span("vars", name, key=True).error(f"variable '${name}' is declared but no pattern uses it")
        )
    if AS_OF in indicator.select:
        diagnostics.append(
            item.span("select", AS_OF, key=True).error(
                "'as_of' is reserved for the evaluation date; rename this selection"
            )
        )
    diagnostics += _check_require(item, indicator, intact.selections)
    named: dict[str, int] = {}
    for index, test in enumerate(indicator.tests):
        _check_rule_test(item, indicator, index, test, resolver, intact)
        if not test.name.strip() or "::" in test.name:  # `indicator::name` must say one test
            problem = "holds '::', which ends the indicator's id there" if test.name.strip() else "is empty"
            diagnostics.append(
                item.span("tests", index, "name").error(
                    f"test name {test.name!r} {problem}: failure lines and -k name a test as indicator::name"
                )
            )
        if test.name in named:  # a failure line and -k name a test by indicator::name
            where = item.span("tests", named[test.name], "name")
            diagnostics.append(
                item.span("tests", index, "name").error(
                    f"test name {test.name!r} is used twice in this indicator (first at line {where.line})"
                )
            )
        named.setdefault(test.name, index)


def _check_ordinal(
    item: Loaded[Indicator],
    loc: PathKey,
    attribute: str,
    predicate: Predicate,
    scales: dict[str, tuple[str, ...]],
    broken: Broken,
) -> list[Diagnostic]:
    if not predicate.ordinal:
        return []  # numeric comparison needs no scale
    operand = predicate.operand
    if attribute not in scales:
        if ("scale", attribute) in broken.ids or broken.unread_input:
            return []  # the scale is there, with an error of its own, or may be in what was not read
        hint = did_you_mean(attribute, scales)
        return [
            item.span(*loc).error(
                f"{predicate.op} on {attribute!r} needs a scale: add a 'kind: scale' document "
                f"with id {attribute!r}{hint}, or compare with a number"
            )
        ]
    if operand not in scales[attribute]:
        return [
            item.span(*loc).error(
                f"{operand!r} is not on the scale {attribute!r}"
                f"{did_you_mean(str(operand), scales[attribute])}; "
                f"its values are {quoted_list(scales[attribute])}"
            )
        ]
    return []


def _check_require(
    item: Loaded[Indicator], indicator: Indicator, selections_intact: bool = True
) -> list[Diagnostic]:
    """`selections_intact`: false where a repair removed a selection, which a name may be of."""
    diagnostics: list[Diagnostic] = []
    selections = [name for name in indicator.select if name != AS_OF]  # a selection so named is an error

    def check_name(name: str, loc: PathKey, allow_as_of: bool = True) -> None:
        if name in indicator.select or (allow_as_of and name == AS_OF) or not selections_intact:
            return
        hint = did_you_mean(name, selections + ([AS_OF] if allow_as_of else []))
        diagnostics.append(
            item.span(*loc).error(
                f"unknown selection {name!r}{hint}; selections are: {quoted_list(selections)}"
                + (" (and 'as_of')" if allow_as_of else "")
            )
        )

    for index, requirement in enumerate(indicator.require):
        base: PathKey = ("require", index)
        if isinstance(requirement, CountRequire):
            check_name(requirement.count, (*base, "count"), allow_as_of=False)
            continue
        if isinstance(requirement, WindowRequire):
            names = [(requirement.first, (*base, "first")), (requirement.then, (*base, "then"))]
        else:
            assert isinstance(requirement, BetweenRequire)
            names = [(name, (*base, "between", i)) for i, name in enumerate(requirement.between)]
        for name, loc in names:
            check_name(name, loc)
        if names[0][0] == names[1][0]:
            diagnostics.append(item.span(*base).error(f"{names[0][0]!r} is compared with itself"))
        if (
            requirement.within is not None
            and requirement.min is not None
            and duration_days(requirement.min) > duration_days(requirement.within)
        ):
            diagnostics.append(
                item.span(*base, "min").error(
                    f"min {requirement.min} is longer than within {requirement.within}: nothing can match"
                )
            )
    return diagnostics


def _check_rule_test(
    item: Loaded[Indicator],
    indicator: Indicator,
    index: int,
    test: RuleTest,
    resolver: Resolver,
    intact: Intact = WHOLE,
) -> None:
    diagnostics = resolver.diagnostics
    base: PathKey = ("tests", index)
    _check_bind(item, (*base, "bind"), test.bind, [indicator], resolver, some_unloaded=not intact.declared)
    try:
        parse_day(test.as_of)
    except DateError as exc:
        diagnostics.append(item.span(*base, "as_of").error(f"as_of: {exc}"))
    ids: set[str] = set()
    for position, observation in enumerate(test.observations):
        loc = (*base, "observations", position)
        if observation.id in ids:
            diagnostics.append(
                item.span(*loc, "id").error(f"duplicate observation id {observation.id!r} in this test")
            )
        ids.add(observation.id)
        for ref_index, reference in enumerate(observation.entities):
            resolver.entity(
                reference.entity,
                functools.partial(item.span, *loc, "entities", ref_index, "entity"),
                in_rules=True,
            )
    if test.matches is not None and test.expect == "not-fired":
        diagnostics.append(
            item.span(*base, "matches", key=True).error(
                "'matches' names the observations of the best match, and a not-fired indicator has "
                "none: remove it, or expect 'fired' or 'possible'"
            )
        )
    for position, expected in enumerate(test.matches if test.matches and intact.fixtures else []):
        if expected not in ids:
            diagnostics.append(
                item.span(*base, "matches", position).error(
                    f"{expected!r} is not one of this test's observations{did_you_mean(expected, ids)}"
                )
            )


def _check_bind(
    item: Loaded[Indicator] | Loaded[Hypothesis],
    loc: PathKey,
    bind: dict[str, str],
    indicators: list[Indicator],
    resolver: Resolver,
    some_unloaded: bool = False,
) -> None:
    """`bind` values are entities of the type each indicator declares.

    `some_unloaded`: an indicator it uses did not load (its own error is
    reported), and may declare a key no loaded one does: no warning then.
    """
    diagnostics = resolver.diagnostics
    for name, reference in sorted(bind.items()):
        span = item.span(*loc, name)
        entity_id = resolver.entity(reference, functools.partial(_itself, span), in_rules=True)
        declaring = [i for i in indicators if name in i.vars]
        if not declaring and some_unloaded:
            continue
        if not declaring:
            diagnostics.append(
                item.span(*loc, name, key=True).warning(
                    f"bind key {name!r} is not a variable of "
                    + ("its indicator" if len(indicators) == 1 else "any of its indicators")
                    # a variable bound beside it is not what it meant: it is simply extra
                    + did_you_mean(name, [v for i in indicators for v in i.vars if v not in bind])
                    + ", so it binds nothing"
                )
            )
            continue
        if entity_id is None:
            continue
        actual = resolver.registry.entities[entity_id].type
        for indicator in declaring:
            expected = indicator.vars[name].type
            if expected is not None and expected != actual:
                diagnostics.append(
                    span.error(
                        f"{name} = {entity_id!r} has type {actual!r}, but indicator "
                        f"{indicator.id!r} declares {name} as {expected!r}"
                    )
                )
                break


def _itself(span: Span) -> Span:
    return span


# --- hypotheses -----------------------------------------------------------------


def _check_hypothesis(
    item: Loaded[Hypothesis],
    indicators: dict[str, Indicator],
    resolver: Resolver,
    broken: Broken,
    intact: Intact = WHOLE,
) -> None:
    """`intact`: what a repair left whole; with its list of indicators touched, its `bind` is
    judged against the indicators still listed, and only for what they declare."""
    hypothesis = item.document
    diagnostics = resolver.diagnostics
    entries = hypothesis.entries()
    unloaded = sorted(indicator_id for kind, indicator_id in broken.ids if kind == "indicator")
    used: list[Indicator] = []
    some_unloaded = False
    if entries is None:
        used = list(indicators.values()) if intact.listed else []  # its list was taken, not left out
        some_unloaded = "indicator" in broken.kinds  # one with no id (`id: 12`) did not load either
    else:
        written = hypothesis.indicators or []  # as the user wrote them: an id, or an id with options
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            loc = ("indicators", index) if isinstance(written[index], str) else ("indicators", index, "id")
            if entry.id in seen:
                diagnostics.append(item.span(*loc).error(f"indicator {entry.id!r} is listed twice"))
                continue
            seen.add(entry.id)
            if entry.id not in indicators:
                if entry.id in unloaded:
                    some_unloaded = True
                    continue  # its own error is already reported
                known = [*indicators, *unloaded]  # a typo of one that did not load is still a typo
                diagnostics.append(
                    item.span(*loc).error(f"unknown indicator {entry.id!r}{did_you_mean(entry.id, known)}")
                )
                continue
            used.append(indicators[entry.id])
    _check_bind(item, ("bind",), hypothesis.bind, used, resolver, some_unloaded or not intact.listed)


# --- documents that failed typing -------------------------------------------------


def _check_repaired(
    repairs: Repairs,
    indicators: dict[str, Indicator],
    scales: dict[str, tuple[str, ...]],
    resolver: Resolver,
    broken: Broken,
) -> None:
    """The names and references of the documents that failed typing, on what their repair kept:
    otherwise each comes out only once the type error is fixed, a run later."""
    for item in repairs.rules:
        if isinstance(item.document, Indicator):
            _check_indicator(item, resolver, scales, item.intact)
        elif isinstance(item.document, Hypothesis):
            _check_hypothesis(item, indicators, resolver, broken, item.intact)
        else:
            resolver.diagnostics.extend(_repeated_scale_values(item))
    for mentions in repairs.mentions:
        for reference, loc in mentions.references:
            resolver.entity(reference, functools.partial(mentions.span, loc), not_before=mentions.start)
