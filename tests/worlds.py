"""Helpers for tests: small in-memory worlds built from plain documents."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from iandw.api import evaluate
from iandw.engine.compile import compile_indicator
from iandw.engine.evaluate import evaluate_indicator, observations_by_type, reported_by
from iandw.engine.match import MatchContext
from iandw.engine.results import IndicatorResult
from iandw.loader import LoadResult, load_documents
from iandw.model.case import Case
from iandw.model.report import Report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")


# One selection of every `report` naming an entity: each observation is a match of its own.
PROBE = {
    "kind": "indicator",
    "id": "probe",
    "title": "t",
    "vars": {"who": {}},
    "select": {"e": {"type": "report", "entities": [{"entity": "$who"}]}},
    "likelihood_ratio": 2,
}


def entity(id: str, type: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "entity", "id": id, "type": type, **fields}


def source(name: str, grade: str | None = None, origin: str | None = None) -> dict[str, Any]:
    """A source graded like 'B2' (reliability letter, credibility digit)."""
    result: dict[str, Any] = {"name": name}
    if origin:
        result["origin"] = origin
    if grade:
        result["reliability"], result["credibility"] = grade[0], int(grade[1])
    return result


def observation(
    id: str, type: str, date: str, refs: Iterable[Any], sources: Iterable[Any] = (), **fields: Any
) -> dict[str, Any]:
    entities = [{"entity": r} if isinstance(r, str) else r for r in refs]
    return {
        "kind": "observation",
        "id": id,
        "type": type,
        "date": date,
        "entities": entities,
        "sources": list(sources),
        **fields,
    }


def checked(documents: Iterable[dict[str, Any]]) -> LoadResult:
    """Load in-memory documents and insist they are valid."""
    result = load_documents(list(documents))
    assert result.ok, [d.format() for d in result.errors]
    return result


def evaluate_indicators(case: Case, as_of_day: int) -> dict[str, IndicatorResult]:
    """Every indicator over the observations reported by `as_of_day`, every group in full, by id.

    What `evaluate` summarizes for its report, unsummarized: what tests look into.
    """
    usable = reported_by(case.observations, as_of_day)
    by_type = observations_by_type(usable)
    results = {}
    for indicator_id, indicator in sorted(case.indicators.items()):
        compiled = compile_indicator(indicator, case.registry)
        context = MatchContext(case.registry, case.scales, compiled.variables)
        results[indicator_id] = evaluate_indicator(compiled, usable, context, as_of_day, by_type)
    return results


def run(documents: Iterable[dict[str, Any]], as_of: str = "2030-01-01", max_matches: int = 50) -> Report:
    result = checked(documents)
    return evaluate(result.case, as_of=dt.date.fromisoformat(as_of), max_matches=max_matches)
