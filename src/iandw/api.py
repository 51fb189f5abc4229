"""The Python API: evaluate a loaded case as of a date.

from iandw import load, evaluate
result = load(["observations"], rules="rules")
report = evaluate(result.case, as_of=datetime.date(2023, 10, 6))
print(report.level, [h.posterior for h in report.hypotheses])
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence

from iandw.assessment.hypotheses import assess_all, choose_group, fixed_variables
from iandw.both_ends import BothEnds, process_count
from iandw.choices import DEFAULT_MAX_MATCHES
from iandw.dates import date_to_day
from iandw.diagnostics import Diagnostic
from iandw.engine.assignments import vars_key
from iandw.engine.compile import CompiledIndicator, compile_indicator
from iandw.engine.evaluate import evaluate_indicator, observations_by_type, record_id, reported_by
from iandw.engine.match import MatchContext
from iandw.engine.results import IndicatorResult
from iandw.engine.summary import kept_group, pack, summarize, unpack
from iandw.engine.unmatched import not_reported_by, unmatched_reasons
from iandw.limits import MAX_ASSIGNMENTS
from iandw.model.case import Case, ObservationRecord, check_case
from iandw.model.report import Report
from iandw.report_builder import build_report
from iandw.runtime import paused_gc

PARALLEL_MIN_OBSERVATIONS = 50_000  # fewer: a worker's start-up would cost more than it saves


def summarized_indicators(
    case: Case,
    as_of_day: int,
    keep: int,
    usable: list[ObservationRecord],
    by_type: dict[str, list[ObservationRecord]],
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    max_assignments: int = MAX_ASSIGNMENTS,
) -> dict[str, IndicatorResult]:
    """Every indicator, summarized for the report (iandw.engine.summary).

    `usable` are the observations reported by `as_of_day`, `by_type` the
    same grouped by `observations_by_type`.  Where a hypothesis's variables
    find no group, why each selection nothing met matched nothing is worked
    out here, once per indicator and variables, after matching
    (iandw.engine.unmatched).  A large case's indicators are shared with up
    to `workers` processes (this one included; default: one per core), the
    costliest first, each sending back its summary (iandw.both_ends); the
    result is the same.
    """
    fixed = fixed_per_indicator(case)
    compiled = sorted(
        (compile_indicator(indicator, case.registry) for indicator in case.indicators.values()),
        key=lambda c: (-matching_cost(c, by_type, len(usable)), c.id),
    )
    # what `usable` leaves out, counted in a process only once a selection nothing met needs it
    unreported = functools.cache(
        functools.partial(not_reported_by, case.observations, as_of_day, len(usable))
    )

    def summary(index: int) -> IndicatorResult:
        indicator = compiled[index]
        context = MatchContext.of(case, indicator, max_assignments)
        settle = functools.partial(kept_group, keep=keep)  # one group's bindings held at a time
        result = evaluate_indicator(indicator, usable, context, as_of_day, by_type, settle)
        assignments = fixed[indicator.id]
        chosen = [choose_group(result, assignment) for assignment in assignments]
        reasons = {
            vars_key(assignment): unmatched_reasons(result, assignment, by_type, context, unreported())
            for assignment, group in zip(assignments, chosen, strict=True)
            if group is None
        }
        return summarize(result, [group for group in chosen if group is not None], keep, reasons)

    pool_size = process_count(workers) - 1 if len(usable) >= PARALLEL_MIN_OBSERVATIONS else 0
    observation = functools.partial(record_by_id, usable)
    results: dict[str, IndicatorResult] = {}
    with BothEnds(lambda index: pack(summary(index)), len(compiled), pool_size) as shared:
        for index, packed in enumerate(shared.results()):
            indicator = compiled[index]
            if packed is None:  # no worker started it, or its worker failed
                results[indicator.id] = summary(index)
            else:
                results[indicator.id] = unpack(packed, indicator, observation)
            if progress is not None:
                progress(len(results))
    return dict(sorted(results.items()))


def fixed_per_indicator(case: Case) -> dict[str, list[dict[str, str]]]:
    """Per indicator, the variables each hypothesis using it fixes."""
    fixed: dict[str, list[dict[str, str]]] = {indicator_id: [] for indicator_id in case.indicators}
    for hypothesis in case.hypotheses.values():
        for entry, assignment in fixed_variables(hypothesis, case.indicators, case.registry):
            fixed[entry.id].append(assignment)
    return fixed


def matching_cost(
    indicator: CompiledIndicator, by_type: dict[str, list[ObservationRecord]], every: int
) -> int:
    """A rough cost: the observations its selections look at (a selection of no type: `every` one)."""
    return sum(
        sum(len(by_type.get(kind, ())) for kind in selection.types) if selection.types else every
        for selection in indicator.selections
    )


def record_by_id(observations: Sequence[ObservationRecord], observation_id: str) -> ObservationRecord:
    """The observation of that id: found by bisection, as a case's observations are sorted by id."""
    index = bisect.bisect_left(observations, observation_id, key=record_id)
    if index < len(observations) and observations[index].id == observation_id:
        return observations[index]
    # a Case built or changed outside the loader (which sorts them) may hold them in any order
    return next(o for o in observations if o.id == observation_id)


def evaluate(
    case: Case,
    as_of: dt.date | None = None,
    max_matches: int = DEFAULT_MAX_MATCHES,
    diagnostics: Iterable[Diagnostic] = (),
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    max_assignments: int = MAX_ASSIGNMENTS,
) -> Report:
    """Evaluate every indicator and hypothesis; `as_of` defaults to today.

    `max_matches` (at least 1): the matches and near misses listed per
    group; the report counts them all.  `progress`, if given, is called
    with (steps done, steps): one step per indicator, and one for the
    hypotheses and the report.  A large case is evaluated by up to
    `workers` processes (default: one per core; 1: this process alone, the
    least memory), with the same report.  An indicator that would consider
    more than `max_assignments` variable assignments, in one observation or
    in all, raises `TooManyAssignments` (docs/limits.md).  A case whose load had
    errors raises `IncompleteCase`: what they were found in is missing from it.
    """
    check_case(case, "evaluate")
    if max_matches < 1:
        raise ValueError(f"max_matches is at least 1 (the best match decides confidence), not {max_matches}")
    if max_assignments < 1:
        raise ValueError(f"max_assignments is at least 1, not {max_assignments}")
    if as_of is not None and not isinstance(as_of, dt.date):
        hint = f": datetime.date.fromisoformat({as_of!r})" if isinstance(as_of, str) else ""
        raise TypeError(f"as_of is a datetime.date, not {type(as_of).__name__}{hint}")
    as_of_day = date_to_day(as_of or dt.date.today())
    steps = len(case.indicators) + 1

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    with paused_gc():
        usable = reported_by(case.observations, as_of_day)
        by_type = observations_by_type(usable)  # for matching, and for saying why nothing matched
        results = summarized_indicators(
            case, as_of_day, max_matches, usable, by_type, step, workers, max_assignments
        )
        assessments = list(assess_all(case, results).values())
        report = build_report(case, results, assessments, as_of_day, max_matches, diagnostics)
    step(steps)
    return report
