"""Documents in, report out: the one way the kit reads files, evaluates mappings and reads a report.

Generated worlds and the invariant checks are plain mappings; this is where
they are loaded and evaluated exactly as `iandw evaluate` would, refused
with every error when they would not load, and where a test asks a report
what fired and what a hypothesis's posterior is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from pydantic import PrivateAttr

from iandw.choices import DEFAULT_MAX_MATCHES, STATUS_RANK, IndicatorStatus
from iandw.diagnostics import counted, did_you_mean, first_few, quoted_list
from iandw.engine.assignments import agrees
from iandw.model.documents import Indicator
from iandw.model.registry import EntityRegistry
from iandw.model.report import IndicatorReport, Report
from iandw.testing.arguments import AsOf, a_day, documents_of, report_of

Document: TypeAlias = Mapping[str, Any]
Documents: TypeAlias = Sequence[Mapping[str, Any]]


class InvalidDocuments(ValueError):
    """The documents do not load: the message lists the errors, as `iandw validate` would."""


@dataclass(frozen=True)
class _Evaluated:
    """What a report was evaluated with that the report itself does not say: its entities and variables."""

    registry: EntityRegistry
    indicators: Mapping[str, Indicator]


class _CheckedReport(Report):
    """A report that keeps what it was evaluated with, so that `status_of` can check the values it is given.

    The report names neither the case's entities nor an indicator's
    variables (only those of the groups that fired or were possible), so a
    misspelt id or an entity of the wrong type would otherwise read as
    "not-fired".  What it keeps is not part of the report: it compares
    equal to the same report however made.
    """

    _evaluated: _Evaluated | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        return dict(self) == dict(other) if isinstance(other, Report) else NotImplemented

    __hash__ = Report.__hash__


def read_documents(*paths: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every document under `paths` (files or directories) as plain mappings.

    Read exactly as `iandw evaluate` reads them (safe YAML, JSON, JSONL, sorted
    order); `.json`/`.jsonl` documents get their default `kind: observation`.
    """
    from iandw.diagnostics import Diagnostic
    from iandw.limits import DEFAULT_LIMITS
    from iandw.loader.files import find_files
    from iandw.loader.json_reader import JsonlLine
    from iandw.loader.observations import ObservationInput
    from iandw.loader.read import read_file

    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"read_documents takes each path as its own argument, not a {type(path).__name__}: "
                "read_documents('rules', 'observations')"
            )
    files, problems = find_files([os.fspath(path) for path in paths])
    documents: list[dict[str, Any]] = []
    for file in files:
        for item in read_file(file, DEFAULT_LIMITS, workers=1):  # one process: documents in file order
            if isinstance(item, Diagnostic):
                if item.severity == "error":
                    problems.append(item)
                continue
            if isinstance(item, ObservationInput):  # reduced on the way: its whole document is wanted here
                assert isinstance(item.where, JsonlLine)  # only a JSONL line is reduced while read
                item = item.where.raw()
            data = dict(item.data)
            if "kind" not in data and item.default_kind:
                data["kind"] = item.default_kind
            documents.append(data)
    if problems:
        raise InvalidDocuments("\n".join(p.format() for p in problems))
    return documents


def evaluate_documents(
    documents: Document | Iterable[Document], as_of: AsOf, *, max_matches: int = DEFAULT_MAX_MATCHES
) -> Report:
    """Load in-memory documents and evaluate them as of a day.

    Raises `InvalidDocuments` (with every error) rather than evaluating a
    case that `iandw evaluate` would refuse.  A single mapping is one
    document, as for `load_documents`; anything but mappings (a path, a
    string among them) raises TypeError.  The report also keeps, outside
    its fields, the case's entities and variables, which `status_of` checks
    a call against.
    """
    from iandw.api import evaluate
    from iandw.loader import load_documents

    day = a_day(as_of)
    listed = [documents] if isinstance(documents, Mapping) else documents_of(documents)
    result = load_documents([dict(d) for d in listed])
    if not result.ok:
        shown = [d.format() for d in result.errors]
        raise InvalidDocuments(f"{counted(len(shown), 'error')}:\n" + "\n".join(shown[:20]))
    report = evaluate(result.case, as_of=day, max_matches=max_matches)
    checked = _CheckedReport.model_construct(report.model_fields_set, **dict(report))
    checked._evaluated = _Evaluated(result.case.registry, result.case.indicators)
    return checked


def status_of(report: Report, indicator: str, **vars: str) -> IndicatorStatus:
    """The strongest status of `indicator` over the assignments agreeing with `vars`.

    `status_of(report, "meeting-before-attack", group="hamas")` is what a
    hypothesis binding `group: hamas` would see: "fired", "possible" or
    "not-fired".  A call that would read "not-fired" whatever the world, and
    so test nothing, is refused instead: a name that is not one of the
    indicator's variables raises KeyError; a value is an entity id, or a
    name or alias resolved as a hypothesis's `bind` resolves it, and one
    naming no entity, several, or one of a type the variable does not
    declare raises ValueError.  Values are checked on a report from
    `evaluate_documents`, which knows the case's entities; on any other,
    names are checked against its groups' variables when it has groups.
    """
    item = _indicator(report_of(report, "status_of"), indicator)
    evaluated = report._evaluated if isinstance(report, _CheckedReport) else None
    if evaluated is not None:
        declared = {name: spec.type for name, spec in evaluated.indicators[indicator].vars.items()}
    else:  # only its groups name variables: a report with none says nothing of them
        declared = {name: None for group in item.groups for name in group.vars}
    unknown = sorted(set(vars) - set(declared))
    if unknown and (evaluated is not None or item.groups):
        listed = f"its variables: {quoted_list(sorted(declared))}" if declared else "it has no variables"
        raise KeyError(
            f"indicator {indicator!r} has no variable {unknown[0]!r}"
            f"{did_you_mean(unknown[0], declared)}; {listed}"
        )
    for name, value in vars.items():
        if not isinstance(value, str):
            raise TypeError(f"{name} is an entity id, not a {type(value).__name__}: {name}={value!r}")
    if evaluated is not None:
        vars = {
            name: _entity_id(evaluated.registry, indicator, name, value, declared[name])
            for name, value in vars.items()
        }
    agreeing = [g for g in item.groups if agrees(g.vars, vars)]
    return max((g.status for g in agreeing), key=STATUS_RANK.__getitem__, default="not-fired")


def _indicator(report: Report, indicator: str) -> IndicatorReport:
    for item in report.indicators:
        if item.id == indicator:
            return item
    known = [item.id for item in report.indicators]
    raise KeyError(f"no indicator {indicator!r} in the report{_known_ids(indicator, known)}")


def _entity_id(registry: EntityRegistry, indicator: str, name: str, value: str, wanted: str | None) -> str:
    """The id `value` names, as the loader resolves a `bind` value, of the type the variable declares."""
    resolution = registry.resolve(value)
    if resolution.ambiguous:
        named = first_few([registry.describe(i) for i in resolution.ambiguous])
        raise ValueError(f"{name}={value!r} names {len(resolution.ambiguous)} entities: {named}; use an id")
    if resolution.entity_id is None:
        close = " or ".join(registry.describe(i) for i in registry.closest(value))
        raise ValueError(f"{name}={value!r} names no entity" + (f" (did you mean {close}?)" if close else ""))
    actual = registry.entities[resolution.entity_id].type
    if wanted is not None and actual != wanted:
        fitting = sorted(i for i, e in registry.entities.items() if e.type == wanted)
        raise ValueError(
            f"{name}={value!r} has type {actual!r}, but indicator {indicator!r} declares {name} as "
            f"{wanted!r}" + (f"; entities of that type: {first_few(fitting)}" if fitting else "")
        )
    return resolution.entity_id


def posterior_of(report: Report, hypothesis: str) -> float:
    """The posterior of one hypothesis."""
    for item in report_of(report, "posterior_of").hypotheses:
        if item.id == hypothesis:
            return item.posterior
    known = [item.id for item in report.hypotheses]
    raise KeyError(f"no hypothesis {hypothesis!r} in the report{_known_ids(hypothesis, known)}")


def _known_ids(wanted: str, ids: list[str]) -> str:
    """' (did you mean …?)', or else the ids there are: a wrong id is then fixed without opening the rules."""
    if not ids:
        return "; it has none"
    return did_you_mean(wanted, ids) or f"; it has {first_few([repr(i) for i in sorted(ids)])}"
