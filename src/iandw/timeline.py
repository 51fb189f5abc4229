"""Backtesting: what the indicators said at each date, with only what was reported by then.

Matching an observation against a selection does not depend on the date, so
it is done once for the whole period; each step re-joins only the candidates
reported by that date; a step that sees no new report keeps the previous
step's results, unless an indicator looks at `as_of`, and a step that does
recomputes only the groups the new reports joined.
When a hypothesis first reaches a level, the reports that became visible in
that step are replayed in the order they were reported to find the one that
tipped it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from iandw.assessment.hypotheses import HypothesisAssessment, assess, assess_all
from iandw.choices import LEVELS
from iandw.dates import date_to_day, day_to_iso
from iandw.diagnostics import counted, quoted_start
from iandw.engine.compile import CompiledIndicator, compile_indicator
from iandw.engine.evaluate import (
    Candidates,
    GroupMemo,
    evaluate_candidates,
    match_candidates,
    observations_by_type,
    reported_by,
)
from iandw.engine.match import MatchContext
from iandw.engine.results import IndicatorResult
from iandw.engine.summary import kept_group
from iandw.limits import MAX_ASSIGNMENTS
from iandw.model.case import Case, ObservationRecord, check_case
from iandw.model.documents import DURATION_PATTERN, duration_days
from iandw.model.report import LevelThresholds
from iandw.model.timeline import Crossing, HypothesisTimeline, Timeline, TimelinePoint, evaluation_count


@dataclass
class _Prepared:
    """One indicator's candidates for the whole period, matched once."""

    compiled: CompiledIndicator
    candidates: Candidates
    memo: GroupMemo


class Backtest:
    """Evaluates a case as of any date, reusing matching across dates."""

    def __init__(self, case: Case, until_day: int, max_assignments: int = MAX_ASSIGNMENTS) -> None:
        self.case = case
        self.max_assignments = max_assignments
        observations = reported_by(case.observations, until_day)
        self.observations = sorted(observations, key=lambda o: (o.reported_hi, o.id))
        by_type = observations_by_type(self.observations)
        self.prepared: dict[str, _Prepared] = {}
        for indicator_id, indicator in sorted(case.indicators.items()):
            compiled = compile_indicator(indicator, case.registry)
            context = MatchContext.of(case, compiled, max_assignments)
            self.prepared[indicator_id] = _Prepared(
                compiled, match_candidates(compiled, self.observations, context, by_type), GroupMemo()
            )
        # Only a window on `as_of` changes a result without a new report.
        self.time_sensitive = any(prepared.compiled.uses_as_of for prepared in self.prepared.values())
        # each indicator's last result, by what it was computed from: steps (and the
        # tipping search) that give an indicator nothing new reuse it
        self._last: dict[str, tuple[object, IndicatorResult]] = {}

    def indicators_of(self, hypothesis_id: str) -> list[str]:
        """The indicators a hypothesis is scored on: those it lists, or every one."""
        entries = self.case.hypotheses[hypothesis_id].entries()
        return list(self.prepared) if entries is None else sorted({entry.id for entry in entries})

    def candidates_of(self, indicator_ids: Iterable[str]) -> set[str]:
        """Ids of the observations some selection of these indicators can use: no other changes them."""
        return {
            observation.id
            for indicator_id in indicator_ids
            for found in self.prepared[indicator_id].candidates.values()
            for observation, _ in found
        }

    def results(
        self, as_of_day: int, visible: frozenset[str], indicator_ids: Iterable[str] | None = None
    ) -> dict[str, IndicatorResult]:
        """The indicators (default: all) as of `as_of_day`, over the observations whose ids are `visible`."""
        results = {}
        for indicator_id in self.prepared if indicator_ids is None else indicator_ids:
            prepared = self.prepared[indicator_id]
            candidates = {
                name: [(o, a) for o, a in found if o.id in visible]
                for name, found in prepared.candidates.items()
            }
            key = (
                as_of_day if prepared.compiled.uses_as_of else None,
                tuple(tuple(o.id for o, _ in kept) for kept in candidates.values()),
            )
            last = self._last.get(indicator_id)
            if last is None or last[0] != key:
                result = evaluate_candidates(
                    prepared.compiled,
                    candidates,
                    as_of_day,
                    self.max_assignments,
                    prepared.memo,
                    keep_best_match_and_near_miss,
                )
                last = key, result
                self._last[indicator_id] = last
            results[indicator_id] = last[1]
        return results


# A timeline reads of each group its status, its best match and its closest
# near miss (iandw.assessment.hypotheses): one binding of each is all it keeps.
keep_best_match_and_near_miss = functools.partial(kept_group, keep=1)

MAX_STEPS = 100_000  # a timeline's evaluations: 270 years, daily
MAX_POINTS = 1_000_000  # evaluations × hypotheses: about 0.6 KiB each while held, 1.9 KiB for HTML
MAX_STEP_DIGITS = 7  # a step of a million days or weeks and more spans every date


def parse_step(text: str) -> int:
    """'1w' → 7, '10d' → 10: a step in days; raises ValueError saying how to write one.

    Days or weeks, as a rule's durations, never months: a month is 28 to 31
    days, so the steps would be uneven and the chart's spacing would lie.
    """
    if not re.fullmatch(DURATION_PATTERN, text):
        unfixed = (
            " (a month or a year is not a fixed number of days)"
            if re.fullmatch(r"[0-9]+[mMyY]", text)
            else ""
        )
        raise ValueError(f"{quoted_start(text, 20)}: write days as '7d' or weeks as '1w'{unfixed}")
    # its digits counted, not read: Python reads no number of more than 4,300 digits
    if not 0 < len(text[:-1].lstrip("0")) <= MAX_STEP_DIGITS:
        raise ValueError(
            f"{quoted_start(text, 20)}: a step is 1 to {10**MAX_STEP_DIGITS - 1:,} days or weeks"
        )
    return duration_days(text)


class TimelineTooLong(ValueError):
    """A period that, at its step, makes too many evaluations or points for one timeline (`too_long`)."""


def too_long(start: dt.date, end: dt.date, step: int, hypotheses: int = 1) -> str | None:
    """Why the period, at this step, makes too many evaluations or points for one timeline; or None."""
    count = evaluation_count(date_to_day(end) - date_to_day(start), step)
    evaluations = f"{start} to {end} every {counted(step, 'day')} is {count:,} evaluations"
    if count > MAX_STEPS:
        return f"{evaluations}, more than {MAX_STEPS:,}: take a longer step"
    if count * hypotheses > MAX_POINTS:
        points = f"{evaluations} of {counted(hypotheses, 'hypothesis')}, {count * hypotheses:,} points"
        return f"{points}, more than {MAX_POINTS:,}: take a longer step"
    return None


def step_days(start: dt.date, end: dt.date, step: int) -> list[int]:
    """Every `step` days from start, and the end itself: the days `evaluation_count` counts."""
    first, last = date_to_day(start), date_to_day(end)
    days = list(range(first, first + evaluation_count(last - first, step) * step, step))
    days[-1] = last  # the last step may pass the end
    return days


def _check_period(start: object, end: object, step: object) -> None:
    """What `iandw timeline` checks of --from, --to and --step, for a caller from Python."""
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.date):
            hint = f": datetime.date.fromisoformat({value!r})" if isinstance(value, str) else ""
            raise TypeError(f"{name} is a datetime.date, not {type(value).__name__}{hint}")
    if end < start:  # type: ignore[operator]
        raise ValueError(f"end {end} is before start {start}")
    if isinstance(step, bool) or not isinstance(step, int):
        hint = f": iandw.timeline.parse_step({step!r}) reads days or weeks" if isinstance(step, str) else ""
        raise TypeError(f"step is a number of days (int), not {type(step).__name__}{hint}")
    if step < 1:
        raise ValueError(f"step is at least 1 day, not {step}")


def compute_timeline(
    case: Case,
    start: dt.date,
    end: dt.date,
    step: int = 7,
    max_assignments: int = MAX_ASSIGNMENTS,
    progress: Callable[[int, int], None] | None = None,
) -> Timeline:
    """Each hypothesis's posterior and level at each step, and its first crossing of each level.

    `progress(done, total)` is called after each step: each may re-evaluate the case.

    `case` is a Case whose load had no error (`IncompleteCase` otherwise, as in `evaluate`).
    `start` and `end` are datetime.date, `end` not before `start`; `step` is a number of days,
    at least 1 (`parse_step` reads '1w' as 7).  Raises TypeError or ValueError, naming the
    argument, for one that is not so; TimelineTooLong past MAX_STEPS steps or MAX_POINTS
    points (`too_long`), and `TooManyAssignments` past `max_assignments` for an indicator
    (iandw.engine.match).
    """
    check_case(case, "compute_timeline")
    _check_period(start, end, step)
    problem = too_long(start, end, step, len(case.hypotheses))
    if problem:
        raise TimelineTooLong(problem)
    if max_assignments < 1:
        raise ValueError(f"max_assignments is at least 1, not {max_assignments}")
    days = step_days(start, end, step)
    backtest = Backtest(case, days[-1], max_assignments)
    series: dict[str, list[TimelinePoint]] = {h: [] for h in case.hypotheses}
    crossings: dict[str, list[Crossing]] = {h: [] for h in case.hypotheses}
    reached: dict[str, set[str]] = {h: {"none"} for h in case.hypotheses}
    reported = [o.reported_hi for o in backtest.observations]  # in the order of reporting
    previous_visible: frozenset[str] = frozenset()
    previous_count = -1
    assessments: dict[str, HypothesisAssessment] = {}
    for done, day in enumerate(days, start=1):
        count = bisect.bisect_right(reported, day)  # days ascend: what is visible only grows
        if count != previous_count:
            visible = frozenset(o.id for o in backtest.observations[:count])
        if count != previous_count or backtest.time_sensitive:
            results = backtest.results(day, visible)
            assessments = assess_all(case, results)
        for hypothesis_id, assessment in assessments.items():
            series[hypothesis_id].append(
                TimelinePoint(
                    date=day_to_iso(day),
                    posterior=assessment.posterior,
                    likelihood=assessment.likelihood,
                    level=assessment.level,
                )
            )
            for level in LEVELS[1 : LEVELS.index(assessment.level) + 1]:
                if level not in reached[hypothesis_id]:
                    reached[hypothesis_id].add(level)
                    # a level held at the start was not crossed in the period: no report is named
                    # (tracing one through everything reported before took a dozen evaluations)
                    tipped = (
                        _tipping_report(backtest, hypothesis_id, level, day, previous_visible, visible)
                        if done > 1
                        else None
                    )
                    crossings[hypothesis_id].append(
                        Crossing(
                            level=level,
                            date=day_to_iso(day),
                            posterior=assessment.posterior,
                            observation=tipped.id if tipped else None,
                            summary=tipped.document.summary if tipped else None,
                            reported=day_to_iso(tipped.reported_hi) if tipped else None,
                        )
                    )
        previous_visible, previous_count = visible, count
        if progress is not None:
            progress(done, len(days))
    hypotheses = [
        HypothesisTimeline(
            id=hypothesis_id,
            statement=hypothesis.statement,
            prior=hypothesis.prior,
            points=series[hypothesis_id],
            crossings=crossings[hypothesis_id],
        )
        for hypothesis_id, hypothesis in sorted(case.hypotheses.items())
    ]
    return Timeline(
        start=day_to_iso(days[0]),
        end=day_to_iso(days[-1]),
        step_days=step,
        levels=LevelThresholds.of(case.tables),
        hypotheses=hypotheses,
    )


def _level_at(
    backtest: Backtest, hypothesis_id: str, indicator_ids: list[str], day: int, visible: frozenset[str]
) -> str:
    hypothesis = backtest.case.hypotheses[hypothesis_id]
    results = backtest.results(day, visible, indicator_ids)
    return assess(hypothesis, results, backtest.case.registry, backtest.case.tables).level


def _tipping_report(
    backtest: Backtest,
    hypothesis_id: str,
    level: str,
    day: int,
    previous_visible: frozenset[str],
    visible: frozenset[str],
) -> ObservationRecord | None:
    """The report that tipped the hypothesis to `level` in this step, if a report did.

    The reports that became visible in the step and that the hypothesis's
    indicators can use are added in the order they were made; a binary
    search finds a prefix that reaches the level while the one before it
    does not (the first such prefix when each report can only raise the
    level).  None when the level is reached without them: by the
    prior alone, or by time passing through an `as_of` window.
    """
    rank = LEVELS.index(level)
    indicator_ids = backtest.indicators_of(hypothesis_id)
    relevant = backtest.candidates_of(indicator_ids)  # the others cannot tip it
    new = [
        o
        for o in backtest.observations
        if o.id in visible and o.id not in previous_visible and o.id in relevant
    ]

    def reaches(count: int) -> bool:
        subset = previous_visible | {o.id for o in new[:count]}
        return LEVELS.index(_level_at(backtest, hypothesis_id, indicator_ids, day, subset)) >= rank

    if not new or reaches(0):
        return None
    low, high = 0, len(new)  # reaches(high) holds, reaches(low) does not
    while high - low > 1:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    return new[high - 1]
