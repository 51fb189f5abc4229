"""Rule tests (SPEC §10): what an indicator must and must not fire on.

Each test evaluates its indicator alone over the test's inline observations
(entities come from the loaded case), with the test's `bind` fixed and its
`as_of`, and compares the status — and optionally the matched observation
ids — with what the author expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from iandw.assessment.hypotheses import bound_variables, choose_group
from iandw.dates import day_to_iso, parse_day
from iandw.diagnostics import Diagnostic, Span, one_line
from iandw.engine.compile import compile_indicator
from iandw.engine.evaluate import evaluate_indicator, observations_by_type, reported_by
from iandw.engine.match import MatchContext
from iandw.engine.results import GroupResult
from iandw.engine.unmatched import not_reported_by, unmatched_reasons
from iandw.explain import evidence, failed_checks, uncertain_checks, vars_text
from iandw.limits import MAX_ASSIGNMENTS
from iandw.loader import LoadResult
from iandw.loader.lint import RULE_TEST_LINTS, lint
from iandw.loader.records import compile_test_observations
from iandw.model.case import ObservationRecord
from iandw.model.documents import Indicator, RuleTest
from iandw.model.report import Match
from iandw.report_builder import match_of


@dataclass(frozen=True)
class RuleTestOutcome:
    indicator_id: str
    name: str
    span: Span
    expected: str
    actual: str
    passed: bool
    why: str

    @property
    def label(self) -> str:
        return f"{self.indicator_id}::{self.name}"

    def format(self) -> str:
        """One line, like a diagnostic: the test's name and the rule's words are the author's."""
        outcome = (
            f"{self.label}: expected {self.expected}, got {self.actual}{': ' + self.why if self.why else ''}"
        )
        return f"{one_line(self.span.file)}:{self.span.line}:{self.span.column}: failed: {one_line(outcome)}"


def _chosen(indicator: Indicator, test: RuleTest, pattern: str | None) -> bool:
    """Whether `-k PATTERN` runs the test."""
    return not pattern or pattern.lower() in f"{indicator.id}::{test.name}".lower()


def rule_test_warnings(result: LoadResult, pattern: str | None = None) -> list[Diagnostic]:
    """The warnings that can explain a failing test, about the indicators whose tests run.

    A variable type or a pattern attribute no entity has (RULE_TEST_LINTS)
    fails every test that expects a match, and the failure only says that
    nothing matched.  For a case without errors, the only one tests run on:
    no document is broken.
    """
    tested = [
        item
        for item in result.loaded.indicators
        if any(_chosen(item.document, test, pattern) for test in item.document.tests)
    ]
    return lint(result.case, replace(result.loaded, indicators=tested), lints=RULE_TEST_LINTS)


def run_rule_tests(
    result: LoadResult, pattern: str | None = None, max_assignments: int = MAX_ASSIGNMENTS
) -> list[RuleTestOutcome]:
    """Every matching test of every indicator, in file order."""
    case = result.case
    outcomes = []
    for item in result.loaded.indicators:
        indicator = item.document
        compiled = compile_indicator(indicator, case.registry)
        context = MatchContext.of(case, compiled, max_assignments)
        for index, test in enumerate(indicator.tests):
            if not _chosen(indicator, test, pattern):
                continue
            as_of_day = parse_day(test.as_of)
            records = compile_test_observations(item, index, test, case.registry, case.tables)
            usable = reported_by(records, as_of_day)
            evaluation = evaluate_indicator(compiled, usable, context, as_of_day)
            fixed = bound_variables(test.bind, indicator, case.registry)
            group = choose_group(evaluation, fixed)
            actual = group.status if group else "not-fired"
            passed, why = actual == test.expect, ""
            best = group.best_binding() if group else None
            if passed and test.matches is not None and actual != "not-fired":
                got = sorted(best.observation_ids()) if best else []
                if got != sorted(test.matches):
                    passed, why = False, f"the best match uses {got}, not the expected {sorted(test.matches)}"
            elif not passed:
                unmatched = {}
                if group is None:
                    unreported = not_reported_by(records, as_of_day, len(usable))
                    unmatched = unmatched_reasons(
                        evaluation, fixed, observations_by_type(usable), context, unreported
                    )
                counts = {count.text for count in compiled.counts}  # the checks a `count` item reports
                why = _explain(group, unmatched, counts) + _unseen(records, as_of_day)
            outcomes.append(
                RuleTestOutcome(
                    indicator.id, test.name, item.span("tests", index), test.expect, actual, passed, why
                )
            )
    return outcomes


def _explain(group: GroupResult | None, unmatched: dict[str, str], counts: set[str]) -> str:
    """The binding that fired or may have, the nearest miss, or why there is none (iandw.explain)."""
    matches = [match_of(b) for b in group.top_matches(1)] if group else []
    misses = [match_of(b) for b in group.top_near_misses(NEAR_MISSES_READ)] if group else []
    found = evidence(matches, misses, unmatched)
    if found.match is not None:
        assert group is not None  # a match is a group's
        said = f"{group.status} on {_named(found.match)} ({vars_text(group.vars)})"
        uncertain = uncertain_checks(found.match)  # what would decide a possible one
        return f"{said}, uncertain: {uncertain}" if uncertain else said
    if found.near_misses:
        nearest, *others = found.near_misses
        said = f"nearest miss {_named(nearest)}: {failed_checks(nearest)}"
        return said + _left_out_of_count(nearest, others, counts)
    return found.why_not


NEAR_MISSES_READ = 5  # for the observation a `count` fell short of


def _left_out_of_count(nearest: Match, others: list[Match], counts: set[str]) -> str:
    """Where the nearest miss failed only a `count`, the next one that failed another check, and why.

    The count says "1 distinct observation (need 2)"; the observation it
    would have counted, dropped by a window, is what the author must fix.
    """
    if not all(check.require in counts for check in nearest.checks if check.status == "false"):
        return ""
    for other in others:
        dropped = [c.detail for c in other.checks if c.status == "false" and c.require not in counts]
        if dropped:
            return f"; not counted: {_named(other)}: {'; '.join(dropped)}"
    return ""


def _unseen(records: list[ObservationRecord], as_of_day: int) -> str:
    """The test's observations left out as not yet reported: why a selection may have matched nothing.

    One reported on no known day (an open-ended date and no `reported`) is never used, at any `as_of`.
    """
    late = [record.id for record in records if as_of_day < record.reported_hi < math.inf]
    never = [record.id for record in records if record.reported_hi == math.inf]
    return (
        f"; reported after as_of {day_to_iso(as_of_day)}, so not used: {', '.join(late)}" if late else ""
    ) + (f"; reported on no known day, so never used: {', '.join(never)}" if never else "")


def _named(match: Match) -> str:
    """'meeting=m1, attack=a1': each selection's observation."""
    return ", ".join(f"{name}={observation}" for name, observation in match.observations.items())
