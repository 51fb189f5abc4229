"""Phrases and numbers as people read them, so that every renderer says a thing the same way.

Shared by the renderers for people (text, Markdown, the HTML page and its
charts, the timeline's text): a percentage never rounded across the edge
of a band, how an indicator moved a hypothesis, its nearest misses, an
uncertain date in words.  Why an indicator did not fire is chosen and
worded in iandw.explain, which rule tests share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from iandw.assessment.arithmetic import LIKELIHOOD_TERMS
from iandw.choices import STATUSES, IndicatorStatus
from iandw.dates import DayInterval, day_to_iso
from iandw.diagnostics import counted
from iandw.explain import Evidence, failed_checks
from iandw.model.report import (
    HypothesisIndicator,
    Inputs,
    LevelThresholds,
    Match,
    ObservationTrace,
    Report,
)
from iandw.model.scoring import ScoringTables
from iandw.model.timeline import Crossing

# each status as people read it: "not-fired" is "not fired"
STATUS_LABEL: dict[IndicatorStatus, str] = {status: status.replace("-", " ") for status in STATUSES}
NEAR_MISSES_SHOWN = 3  # per indicator of a hypothesis unless --max-matches is given; the rest are counted


def inputs_read(inputs: Inputs, as_of: str) -> str:
    """'48 entities, 56 observations (25 reported by 2023-10-06), 8 indicators, 3 hypotheses'.

    The observations used are said when some were left out, so that a
    replay's count of what was read does not pass for what it used.
    """
    kinds = ("entity", "observation", "indicator", "hypothesis")
    counts = (inputs.entities, inputs.observations, inputs.indicators, inputs.hypotheses)
    parts = [counted(count, kind) for count, kind in zip(counts, kinds, strict=True)]
    if inputs.observations_reported != inputs.observations:
        parts[1] += f" ({inputs.observations_reported:,} reported by {as_of})"
    return ", ".join(parts)


def warnings_note(report: Report) -> str:
    """'2 warnings: run `iandw validate` to see them', or '' without any."""
    if not report.diagnostics:
        return ""
    return f"{counted(len(report.diagnostics), 'warning')}: run `iandw validate` to see them"


def band_edges(levels: LevelThresholds) -> tuple[float, ...]:
    """Where a band begins: the ICD 203 terms' and the warning levels' (SPEC §7), lowest first.

    `levels` are the report's (or the timeline's): a rule set's `kind:
    scoring` may move them.
    """
    terms = {lower for lower, _ in LIKELIHOOD_TERMS if lower > 0}
    return tuple(sorted(terms | {levels.watch, levels.warning, levels.alert}))


DEFAULT_LEVELS = LevelThresholds.of(ScoringTables())  # SPEC §7's
BAND_EDGES = band_edges(DEFAULT_LEVELS)


def percent(value: float, edges: Sequence[float] = BAND_EDGES) -> str:
    """'42%', never rounded across the edge of a band (`band_edges`).

    0.7996 is 'likely' and 'warning'; printed '80%' beside those words it
    would read as a mistake, 80% being 'very likely' and 'alert'.  Such a
    value gets a decimal ('79.5%'), or, where that still rounds onto the
    edge, one decimal rounded toward the value's own band ('79.9%').  An
    edge is compared as written (0.333 is 33.3%), not as its binary float.
    """
    if all(abs(value - edge) > NEAR_EDGE for edge in edges):  # the common case, without decimals
        return f"{value * 100:.0f}%"
    percents = [(edge, _written(edge)) for edge in edges]
    for decimals in (0, 1):
        text = f"{value * 100:.{decimals}f}"
        shown = Decimal(text)
        if not any(_across(value, shown, edge, at) for edge, at in percents):
            return text + "%"
    below = any(value < edge and shown >= at for edge, at in percents)
    rounding = ROUND_FLOOR if below else ROUND_CEILING
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=rounding)}%"


def threshold_percent(edge: float) -> str:
    """A band's edge as written ('33.33%' for 0.3333), never rounded.

    `percent` keeps a value on its own side of every edge, so an edge
    itself may come out a decimal above it ('33.4%'), and "none < 33.4% ≤
    watch" would misstate where watch begins.
    """
    return f"{_written(edge).normalize():f}%"


def levels_text(levels: LevelThresholds) -> str:
    """'none < 20% ≤ watch < 55% ≤ warning < 80% ≤ alert': where each level begins."""
    return (
        f"none < {threshold_percent(levels.watch)} ≤ watch < {threshold_percent(levels.warning)} ≤ warning "
        f"< {threshold_percent(levels.alert)} ≤ alert"
    )


def levels_changed(levels: LevelThresholds) -> str:
    """The levels, said when a scoring document moved them from SPEC's, else ''.

    A reader who knows the usual thresholds (the README's) would read '58%,
    likely, none' as a mistake without them.
    """
    return "" if levels == DEFAULT_LEVELS else f"levels set by the case's scoring: {levels_text(levels)}"


NEAR_EDGE = 0.01  # rounding to a whole percent moves a value by half a point at most


@lru_cache(maxsize=64)
def _written(edge: float) -> Decimal:
    """An edge in percent as its shortest decimal reads (0.333 is 33.3), not as its binary float."""
    return Decimal(repr(edge)) * 100


def _across(value: float, shown: Decimal, edge: float, at: Decimal) -> bool:
    """Whether `shown` (a percentage) lies on the other side of `edge` (`at` percent) from `value`."""
    return shown >= at if value < edge else shown < at


def signed(value: float) -> str:
    return f"{value:+.2f}"


def strongest_first(indicators: Iterable[HypothesisIndicator]) -> list[HypothesisIndicator]:
    """A hypothesis's indicators by the size of their effect, then by id."""
    return sorted(indicators, key=lambda i: (-abs(i.delta_log_odds), i.id))


def observations_by_id(report: Report) -> dict[str, ObservationTrace]:
    return {o.id: o for o in report.observations}


def match_line(match: Match, observations: dict[str, ObservationTrace]) -> str:
    """'meeting: beirut-2023-09-01 (2023-09-01); attack: …'."""
    parts = []
    for selection, observation_id in match.observations.items():
        trace = observations.get(observation_id)
        date = f" ({trace.date})" if trace else ""
        parts.append(f"{selection}: {observation_id}{date}")
    return "; ".join(parts)


def contribution(item: HypothesisIndicator) -> str:
    """How the indicator moved the hypothesis, in one phrase."""
    if item.status == "fired":
        return f"c={item.confidence:.2f} × ln LR {item.likelihood_ratio:g} = Δ {signed(item.delta_log_odds)}"
    if item.status == "possible":
        what_if = item.what_if_delta_log_odds or 0.0
        return f"Δ 0 (if it fired: c′={item.confidence:.2f}, Δ {signed(what_if)})"
    if item.delta_log_odds:
        return f"absent LR {item.absent_likelihood_ratio:g}: Δ {signed(item.delta_log_odds)}"
    return "Δ 0"


def more_near_misses(item: HypothesisIndicator, shown: int = NEAR_MISSES_SHOWN) -> str:
    """'… and 4 more near misses' beyond the first `shown`, or '' when none is left out.

    The report itself holds at most `--max-matches` near misses, which may be
    fewer than `shown`.
    """
    return _more(item.near_miss_count - len(item.near_misses[:shown]), "near miss")


def more_matches(item: HypothesisIndicator) -> str:
    """'… and 1 more match' beyond the best, which is the one shown, or '' when it is the only one.

    A `count` rule needs several matches; showing one without the others
    would understate the evidence.
    """
    return _more(item.match_count - 1, "match")


def _more(hidden: int, noun: str) -> str:
    return f"… and {counted(hidden, 'more ' + noun)}" if hidden > 0 else ""


def why_not(
    found: Evidence,
    item: HypothesisIndicator,
    observations: dict[str, ObservationTrace],
    shown: int = NEAR_MISSES_SHOWN,
) -> list[str]:
    """Why an indicator `found` no match, in lines: its first `shown` nearest misses, or why none."""
    if not found.near_misses:
        return [found.why_not]
    lines = [
        f"near miss: {match_line(miss, observations)} — {failed_checks(miss)}"
        for miss in found.near_misses[:shown]
    ]
    more = more_near_misses(item, shown)
    return [*lines, more] if more else lines


def days_in_words(days: DayInterval) -> str:
    """An uncertain date in words: the days it may denote."""
    lo, hi = day_to_iso(days.lo), day_to_iso(days.hi)
    if math.isfinite(days.lo) and math.isfinite(days.hi):
        return lo if lo == hi else f"any day from {lo} to {hi}"
    if math.isfinite(days.hi):
        return f"any day up to {hi} (open start)"
    if math.isfinite(days.lo):
        return f"any day from {lo} (open end)"
    return "unknown"


def confidence_arithmetic(best_by_origin: Sequence[float], confidence: float) -> str:
    """1 − Π(1 − best p of each origin), with the numbers."""
    if not best_by_origin:
        return "no source"
    if len(best_by_origin) == 1:
        return f"one origin: {confidence:.2f}"
    factors = " × ".join(f"(1 − {p:.2f})" for p in sorted(best_by_origin, reverse=True))
    return f"{len(best_by_origin)} independent origins: 1 − {factors} = {confidence:.2f}"


def crossing_reason(crossing: Crossing, start: str) -> str:
    """Why the level was reached: the report that tipped it, or that nothing did."""
    if crossing.observation:
        summary = f": {crossing.summary}" if crossing.summary else ""
        return f"tipped by {crossing.observation} (reported {crossing.reported}){summary}"
    if crossing.date == start:
        return "already there at the start (the prior and what was reported before)"
    return "reached as time passed (a window measured from the evaluation date)"
