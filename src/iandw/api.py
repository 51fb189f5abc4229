"""The Python API: evaluate a loaded case as of a date.

from iandw import load, evaluate
result = load(["observations"], rules="rules")
report = evaluate(result.case, as_of=datetime.date(2023, 10, 6))
print(report.level, [h.posterior for h in report.hypotheses])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from iandw.assess import assess
from iandw.dates import date_to_day
from iandw.diagnostics import Diagnostic
from iandw.engine.compile import compile_indicator
from iandw.engine.evaluate import IndicatorResult, evaluate_indicator, observations_by_type
from iandw.engine.match import World
from iandw.model.case import Case, ObservationRecord
from iandw.model.report import Report
from iandw.report import build_report
from iandw.runtime import paused_gc

DEFAULT_MAX_MATCHES = 5


def visible(observations: Iterable[ObservationRecord], as_of_day: int) -> list[ObservationRecord]:
    """No hindsight: only what had been reported by the evaluation date."""
    return [o for o in observations if o.reported_hi <= as_of_day]


def evaluate_indicators(
    case: Case,
    as_of_day: int,
    observations: Iterable[ObservationRecord] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, IndicatorResult]:
    """Every indicator over the observations reported by `as_of_day`.

    `progress`, if given, is called with the number of indicators done.
    """
    usable = visible(case.observations if observations is None else observations, as_of_day)
    by_type = observations_by_type(usable)
    results = {}
    for indicator_id, indicator in sorted(case.indicators.items()):
        compiled = compile_indicator(indicator, case.registry)
        world = World(case.registry, case.scales, compiled.variables)
        results[indicator_id] = evaluate_indicator(compiled, usable, world, as_of_day, by_type)
        if progress is not None:
            progress(len(results))
    return results


def evaluate(
    case: Case,
    as_of: dt.date | None = None,
    max_matches: int = DEFAULT_MAX_MATCHES,
    diagnostics: Iterable[Diagnostic] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Evaluate every indicator and hypothesis; `as_of` defaults to today.

    `progress`, if given, is called with (steps done, steps): one step per
    indicator, and one for the hypotheses and the report.
    """
    as_of_day = date_to_day(as_of or dt.date.today())
    steps = len(case.indicators) + 1

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    with paused_gc():
        results = evaluate_indicators(case, as_of_day, progress=step)
        assessments = [
            assess(hypothesis, results, case.registry, case.tables)
            for _, hypothesis in sorted(case.hypotheses.items())
        ]
        report = build_report(case, results, assessments, as_of_day, max_matches, diagnostics)
    step(steps)
    return report
