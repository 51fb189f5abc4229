"""Why a selection matched nothing: each stage of matching, with how many observations passed it.

A report shows, for each selection no observation met under a
hypothesis's variables, the first stage of matching that none passed,
and what the evaluation date left out as not yet reported, so that a gap
in collection, evidence that falls short of the rule and evidence not yet
reported read apart.  Worked out only when a report shows such a
selection, so that matching itself counts nothing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from iandw.assessment.arithmetic import meets_grade
from iandw.dates import day_to_iso
from iandw.diagnostics import counted
from iandw.engine.assignments import Assignment, agrees
from iandw.engine.compile import SelectionSpec
from iandw.engine.match import MatchContext, where_value
from iandw.engine.patterns import pattern_assignments
from iandw.engine.results import IndicatorResult
from iandw.engine.values import value_holds
from iandw.model.case import ObservationRecord
from iandw.model.predicates import Predicate


@dataclass(frozen=True)
class Unreported:
    """The observations the evaluation date leaves out (not yet reported), counted per type.

    A selection nothing met says so: "1 of type 'financing', none reported
    by 2023-10-06" calls for a later date, where "no observation of type
    'financing'" calls for collection; one reported on no known day is
    counted apart, as no later date brings it in.  Counted once per
    evaluation, over the observations `reported_by` drops, never during matching.
    """

    as_of: str  # the evaluation date, as a reason writes it
    by_type: Mapping[str, int]  # reported after it
    never_by_type: Mapping[str, int] = field(default_factory=dict)  # reported on no known day

    def count(self, types: frozenset[str]) -> int:
        """Those reported after the date, of the types given, or of any type for a selection of any type."""
        return _of(self.by_type, types)

    def never(self, types: frozenset[str]) -> int:
        """Those reported on no known day (an open-ended `reported`, or none and an open-ended date)."""
        return _of(self.never_by_type, types)


def _of(by_type: Mapping[str, int], types: frozenset[str]) -> int:
    if not types:
        return sum(by_type.values())
    return sum(by_type.get(kind, 0) for kind in types)


def not_reported_by(observations: Sequence[ObservationRecord], as_of_day: int, reported: int) -> Unreported:
    """What `reported_by` leaves out, counted per type: for saying why a selection matched nothing.

    One pass over the case (0.2 s for a million), made only when a report has
    such a selection to explain; none when `reported`, the number `reported_by`
    kept, is all of them, as when evaluating as of today.
    """
    late: Counter[str] = Counter()
    never: Counter[str] = Counter()
    if reported < len(observations):
        for o in observations:
            if o.reported_hi > as_of_day:
                (never if o.reported_hi == math.inf else late)[o.type] += 1
    return Unreported(day_to_iso(as_of_day), late, never)


def unmatched_reasons(
    result: IndicatorResult,
    fixed: Assignment,
    by_type: dict[str, list[ObservationRecord]],
    context: MatchContext,
    unreported: Unreported,
) -> dict[str, str]:
    """Per selection no observation meets under `fixed` (`IndicatorResult.unmatched`), why.

    `by_type`: the observations reported by the evaluation date, grouped by
    `observations_by_type`; `unreported`: those it left out (`not_reported_by`).
    Each selection is checked again over its own pool (`unmatched_reason`),
    only here, so that matching counts nothing.
    """
    unmatched = result.unmatched(fixed)
    reasons = {}
    for selection in result.indicator.selections:
        if selection.name in unmatched:
            kinds = selection.types or by_type.keys()
            pool = [o for kind in sorted(kinds) for o in by_type.get(kind, ())]
            reasons[selection.name] = unmatched_reason(selection, pool, context, fixed, unreported)
    return {name: reasons[name] for name in unmatched}


def unmatched_reason(
    selection: SelectionSpec,
    observations: Iterable[ObservationRecord],
    context: MatchContext,
    fixed: Assignment,
    unreported: Unreported,
) -> str:
    """Why no observation meets the selection under the `fixed` variables, with counts.

    The stages of `selection_assignments` in its order (type, `min_origins`,
    `min_grade`, entity patterns, each `where` item without a variable, then
    those with one, together), each with how many observations
    pass it, up to the first that none passes: '2 of type 'display', none
    from at least 2 independent origins (min_origins: 2)'.  Only for a
    selection nothing met (`IndicatorResult.unmatched`), when a report says
    so, so that matching itself counts nothing; and as nothing met it, what
    reaches its last stage fails it, unchecked (entity patterns over a large
    pool cost what matching did).  `observations` are those reported by the
    evaluation date; when `unreported` holds some of the selection's type,
    the count of its type is of all and a stage after it says how many were
    reported by then ('3 of type 'meeting', 2 of them reported by
    2023-10-06, …'), so that "not yet known" never reads as "never
    collected"; those reported on no known day are said apart ('…, 1 never
    reported (open-ended dates), …'), as no later date brings them in.
    """
    fixed = {name: value for name, value in sorted(fixed.items()) if name in selection.variables}
    pool = [o for o in observations if not selection.types or o.type in selection.types]
    late = unreported.count(selection.types)
    never = unreported.never(selection.types)
    collected = len(pool) + late + never
    if not collected:
        return f"no observation{_of_types(selection.types)}"
    said = [
        f"{collected}{_of_types(selection.types)}" if selection.types else counted(collected, "observation")
    ]
    if never:
        said.append(f"{never} never reported (open-ended dates)")
    if not pool:
        if late:
            said.append(f"none reported by {unreported.as_of}")
        return ", ".join(said)
    if late or never:
        said.append(f"{len(pool)} of them reported by {unreported.as_of}")
    stages = _stages(selection, context, fixed)
    if selection.where_binding:
        paths = " and ".join(repr(".".join(path)) for path, _ in selection.where_binding)
        last = f"{WHERE_WORDS} on {paths}" + _under(fixed, {p.variable for _, p in selection.where_binding})
    else:
        last = stages.pop()[0]
    for words, passes in stages:
        pool = [o for o in pool if passes(o)]
        if not pool:
            return ", ".join([*said, f"none {words}"])
        said.append(f"{len(pool)} of them {words}")
    return ", ".join([*said, f"none {last}"])


WHERE_WORDS = "meeting its 'where'"


def _of_types(types: frozenset[str]) -> str:
    """What follows a count: ` of type 'a' or 'b'`, or nothing for a selection of any type."""
    return " of type " + " or ".join(repr(t) for t in sorted(types)) if types else ""


def _stages(
    selection: SelectionSpec, context: MatchContext, fixed: Assignment
) -> list[tuple[str, Callable[[ObservationRecord], bool]]]:
    """The filters after its type, as words and tests, in the order matching uses.

    Its `where` items without a variable are one stage each, so that the
    reason names the first that no observation meets.
    """
    stages: list[tuple[str, Callable[[ObservationRecord], bool]]] = []
    if selection.min_origins is not None:
        least = selection.min_origins
        stages.append(
            (
                f"from at least {counted(least, 'independent origin')} (min_origins: {least})",
                lambda o: len(o.origins) >= least,
            )
        )
    if selection.min_grade is not None:
        grade = selection.min_grade
        stages.append(
            (
                f"with a source graded {grade} or better (min_grade: {grade})",
                lambda o: any(meets_grade(r, c, grade) for _, r, c in o.sources),
            )
        )
    if selection.patterns:
        stages.append(
            (
                f"with entities matching its patterns{_under(fixed, selection.pattern_variables)}",
                lambda o: _patterns_agree(selection, o, context, fixed),
            )
        )
    for path, predicate in selection.where_fixed:
        stages.append((f"{WHERE_WORDS} on {'.'.join(path)!r}", _holds(path, predicate, context)))
    return stages


def _holds(
    path: tuple[str, ...], predicate: Predicate, context: MatchContext
) -> Callable[[ObservationRecord], bool]:
    """One `where` item without a variable, as a test of an observation."""
    return lambda observation: value_holds(predicate, where_value(observation, path), path[-1], context)


def _under(fixed: Assignment, used: Collection[str | None]) -> str:
    """' for sponsor=iran': the fixed variables a stage uses, or nothing."""
    named = [f"{name}={value}" for name, value in fixed.items() if name in used]
    return f" for {', '.join(named)}" if named else ""


def _patterns_agree(
    selection: SelectionSpec, observation: ObservationRecord, context: MatchContext, fixed: Assignment
) -> bool:
    """Whether the observation meets the entity patterns under the fixed variables."""
    return any(agrees(a, fixed) for a in pattern_assignments(selection.patterns, observation.refs, context))
