"""Observations compiled into the engine's records, once the rule set is checked.

An `ObservationRecord` is what the engine matches: the observation's
references resolved to entity ids, its dates parsed at the scoring's
qualifier padding, its confidence computed from its sources.  It is built
once per observation, a million times in a large case, and each input is
dropped as soon as its record is built; so the lints that need the input
(no source, never reported, an entity named again) are found here, while
it is still at hand.  A
rule test's inline observations are compiled the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from iandw.assessment.arithmetic import origins_and_confidence
from iandw.dates import DateCache, DateError
from iandw.diagnostics import Diagnostic, Span, counted, first_few
from iandw.loader.observations import ObservationInput
from iandw.loader.references import NamedAgain, Resolver
from iandw.loader.source import PathKey, RawDocument
from iandw.loader.typed import Loaded
from iandw.model.case import ObservationRecord
from iandw.model.documents import Indicator, RuleTest
from iandw.model.registry import EntityRegistry
from iandw.model.scoring import ScoringTables


def compile_observations(
    kept: list[ObservationRecord | ObservationInput], resolver: Resolver, tables: ScoringTables
) -> tuple[list[ObservationRecord], list[Diagnostic]]:
    """The records of the case's observations, sorted by id, and the lints found on the way.

    Each input in `kept` is replaced by its record as soon as it is built, so
    that a large case never holds both; one whose reference did not resolve
    stays as it is.
    """
    dates = DateCache(tables.qualifier_pad)
    records: list[ObservationRecord] = []
    observation_lints: list[Diagnostic] = []  # found here, while each input is still at hand
    for index, observation in enumerate(kept):
        assert isinstance(observation, ObservationInput)
        if not observation.sources:
            observation_lints.append(
                observation.span("id").warning(
                    f"observation {observation.id!r} has no sources, so its confidence is 0"
                )
            )
        record = compile_observation(observation, resolver, tables, dates)
        if record is not None:
            records.append(record)
            kept[index] = record
            if record.reported_hi == math.inf:
                observation_lints.append(_never_reported(observation))
            if type(record.refs) is NamedAgain:
                observation_lints.append(_named_again(observation, record.refs))
    records.sort(key=lambda record: record.id)
    return records, observation_lints


def _never_reported(observation: ObservationInput) -> Diagnostic:
    """An observation reported at no known date is used as of no date (SPEC §9, §13): say so.

    Otherwise it is dropped without a word from every report and timeline.
    """
    if observation.reported:
        where, reported = "reported", observation.reported
        why = f"its 'reported' date {reported!r} is open-ended; give the last day it may have been"
    else:
        where = "date"
        why = f"its date {observation.date!r} is open-ended and no 'reported' says when it became known"
    return observation.span(where).warning(f"observation {observation.id!r} is never used: {why}")


def _named_again(observation: ObservationInput, refs: NamedAgain) -> Diagnostic:
    """An observation naming one entity more than once names one participant: say so, at its second name.

    Merged or imported reports repeat an actor, by id in one place and by
    alias in another; the patterns of a selection are met by distinct
    entities (docs/semantics.md), so a reader counting the references as
    participants would be misled.  One warning per observation, of the
    first entity it names again.
    """
    again = _first_named_again(refs)
    entity_id = refs[again].entity
    written = [observation.refs[i][0] for i, ref in enumerate(refs) if ref.entity == entity_id]
    distinct = list(dict.fromkeys(written))  # one spelling: written again in another role, as imports do
    spellings = f" (as {first_few([repr(text) for text in distinct])})" if len(distinct) > 1 else ""
    return observation.span("entities", again, "entity").warning(
        f"observation {observation.id!r} names {entity_id} {counted(len(written), 'time')}{spellings}: "
        "it is one participant"
    )


def _first_named_again(refs: NamedAgain) -> int:
    """The position of the first reference to an entity an earlier one names."""
    seen: set[str] = set()
    for index, reference in enumerate(refs):
        if reference.entity in seen:
            return index
        seen.add(reference.entity)
    raise ValueError("NamedAgain names each entity once")


def compile_observation(
    observation: ObservationInput, resolver: Resolver, tables: ScoringTables, dates: DateCache
) -> ObservationRecord | None:
    """The engine's record of an observation; None if a reference is unresolved.

    `dates` parses at the scoring's qualifier padding.
    """
    refs = resolver.references(observation)
    try:
        date = dates[observation.date]
        reported = dates[observation.reported] if observation.reported else date
    except DateError:
        _report_padding_errors(observation, dates, resolver.diagnostics)
        return None
    if refs is None:
        return None
    sources = observation.sources
    origins, confidence = origins_and_confidence(sources, tables)
    # positional: a dataclass built from keywords takes three times as long, once per observation
    return ObservationRecord(
        observation.id,
        observation.type,
        date,
        reported.hi,  # reported_hi
        refs,
        origins,
        sources,
        confidence,
        observation.model,
    )


def _report_padding_errors(
    observation: ObservationInput, dates: DateCache, diagnostics: list[Diagnostic]
) -> None:
    """Each of the observation's dates that fails at the scoring's padding, located at its own key.

    Only the padding can fail here: validity was checked when the observation was typed.
    """
    for key in ("date", "reported"):
        text = getattr(observation, key)
        try:
            if text:
                dates[text]
        except DateError as exc:
            diagnostics.append(observation.span(key).error(str(exc)))


@dataclass(frozen=True)
class _Under:
    """Positions inside one part of a document: a rule test's inline observation."""

    raw: RawDocument
    prefix: PathKey

    def span(self, loc: PathKey) -> Span:
        return self.raw.span(self.prefix + loc)


def compile_test_observations(
    indicator_item: Loaded[Indicator],
    index: int,
    test: RuleTest,
    registry: EntityRegistry,
    tables: ScoringTables,
) -> list[ObservationRecord]:
    """The inline observations of one rule test, resolved (already checked)."""
    resolver = Resolver(registry, [])
    dates = DateCache(tables.qualifier_pad)
    records = []
    for position, observation in enumerate(test.observations):
        prefix = ("tests", index, "observations", position)
        reduced = ObservationInput.of(observation, _Under(indicator_item.raw, prefix), None)
        record = compile_observation(reduced, resolver, tables, dates)
        if record is not None:
            records.append(record)
    return sorted(records, key=lambda record: record.id)
