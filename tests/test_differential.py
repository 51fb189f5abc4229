"""Differential test: the engine agrees with a brute-force evaluator on random small worlds.

tests/naive.py evaluates from the SPEC by enumeration (every assignment,
every tuple of observations, every injective map of patterns to entities,
every pair of days).  On random rule sets and worlds aimed at them, both must give the same
status and confidence for every indicator and assignment, the same counts of
matches and near misses, and the same posterior for every hypothesis.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from iandw.api import evaluate
from iandw.choices import STATUSES
from iandw.dates import date_to_day
from iandw.engine import scan
from iandw.loader import load_documents
from iandw.testing import edtf_dates, worlds_for
from naive import NOT_FIRED, naive_evaluate, rule_sets

START = dt.date(2023, 9, 20)  # windows cross a month boundary
DATES = edtf_dates(START, 21, kinds=("day", "day", "days", "qualified", "month", "unspecified", "open"))
TOLERANCE = 1e-9


@st.composite
def cases(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date]:
    rules = draw(rule_sets())
    world = draw(
        worlds_for(
            rules,
            start=START,
            days=21,
            min_observations=2,
            max_observations=6,
            max_new_entities=0,
            dates=DATES,
        )
    )
    return rules, world.documents, world.as_of


def compare(rules: list[dict[str, Any]], observations: list[dict[str, Any]], as_of: dt.date) -> Counter[str]:
    """Assert agreement; return what was compared, for coverage events."""
    result = load_documents([*rules, *observations])
    assert result.ok, [d.format() for d in result.errors]
    report = evaluate(result.case, as_of=as_of, max_matches=1)
    naive = naive_evaluate(result.case, date_to_day(as_of))
    with pytest.MonkeyPatch.context() as patch:  # every group not band-joined scanned: the same report
        patch.setattr(scan, "SCAN_MIN_BINDINGS", 1)
        patch.setattr(scan, "SCAN_MIN_DISTINCT", 0)
        scanned = evaluate(result.case, as_of=as_of, max_matches=1)
    assert scanned.model_dump() == report.model_dump()
    seen: Counter[str] = Counter()
    assert {i.id for i in report.indicators} == set(naive.groups)
    assert {h.id for h in report.hypotheses} == set(naive.posteriors)

    for indicator in report.indicators:
        expected = naive.groups[indicator.id]
        reported = {tuple(sorted(g.vars.items())): g for g in indicator.groups}
        for key, group in expected.items():
            seen[group.status] += 1
            got = reported.get(key)
            where = f"{indicator.id} {dict(key)}"
            if group.status == NOT_FIRED:
                assert got is None, f"{where}: engine says {got.status if got else ''}, naive not-fired"
                continue
            assert got is not None, f"{where}: naive says {group.status}, engine not-fired"
            assert got.status == group.status, f"{where}: engine {got.status}, naive {group.status}"
            assert abs(got.confidence - group.confidence) <= TOLERANCE, (
                f"{where}: confidence engine {got.confidence}, naive {group.confidence}"
            )
            assert (got.match_count, got.near_miss_count) == (group.matches, group.near_misses), (
                f"{where}: engine {got.match_count} matches / {got.near_miss_count} near misses, "
                f"naive {group.matches} / {group.near_misses}"
            )
        extra = set(reported) - set(expected)
        assert not extra, f"{indicator.id}: engine has assignments the naive evaluator cannot make: {extra}"

    for hypothesis in report.hypotheses:
        seen["hypothesis"] += 1
        expected_posterior = naive.posteriors[hypothesis.id]
        assert abs(hypothesis.posterior - expected_posterior) <= TOLERANCE, (
            f"{hypothesis.id}: posterior engine {hypothesis.posterior}, naive {expected_posterior}"
        )
        for entry, choice in zip(hypothesis.indicators, naive.choices[hypothesis.id], strict=True):
            where = f"{hypothesis.id}/{entry.id}"
            assert entry.id == choice.indicator, f"{where}: naive scored {choice.indicator} here"
            assert entry.status == choice.status, f"{where}: engine {entry.status}, naive {choice.status}"
            assert abs(entry.confidence - choice.confidence) <= TOLERANCE, where
            assert abs(entry.delta_log_odds - choice.delta) <= TOLERANCE, where
            if choice.unique and choice.status != NOT_FIRED:
                assert tuple(sorted(entry.vars.items())) == choice.vars, (
                    f"{where}: engine chose {entry.vars}, naive {dict(choice.vars)}"
                )
    return seen


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_engine_agrees_with_naive_evaluator(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date],
) -> None:
    rules, observations, as_of = case
    seen = compare(rules, observations, as_of)
    for status in STATUSES:
        if seen[status]:
            event(f"some assignment {status}")


def test_naive_evaluator_is_not_vacuous() -> None:
    """The generators reach every status, so agreement means something."""
    seen: Counter[str] = Counter()

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def collect(case: tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date]) -> None:
        seen.update(compare(*case))

    collect()
    assert all(seen[status] >= 10 for status in STATUSES), seen
    assert seen["hypothesis"] >= 10, seen


# The readable case below, by hand.  o1 (meeting of e0 and e1, 09-20..09-22, one B2
# source: c = 0.7 × 0.7 = 0.49) is reported 09-22; o2 (strike by e1 on 09-28, one A1
# source: c = 0.81) is reported 09-28 (a date's upper bound, when no `reported`).
# - as of 09-25: o2 is not yet reported, `s1` matches nothing: i0 not fired for every
#   assignment (no group); h0 takes Δ = ln(absent LR 1) = 0 and stays at .5.
# - as of 10-05: gap o2 − o1 = 28 − (20..22) = 6..8 days against 0..7: some days in,
#   one out: possible for a=e0, b=e1 (the only state and group), c′ = 0.49 · 0.81 =
#   0.3969; one binding that may hold, no near miss.  Possible moves nothing (Δ 0,
#   posterior .5); the what-if is c′ · ln 3 = 0.3969 · 1.0986 = 0.4360.
HAND_WRITTEN = {
    "2023-09-25": {"groups": {}, "entry": ("not-fired", 0.0, 0.0, None)},
    "2023-10-05": {
        "groups": {(("a", "e0"), ("b", "e1")): ("possible", 0.49 * 0.81, 1, 0)},
        "entry": ("possible", 0.49 * 0.81, 0.0, 0.49 * 0.81 * math.log(3)),
    },
}


@pytest.mark.parametrize("as_of", sorted(HAND_WRITTEN))
def test_naive_and_engine_on_a_hand_written_case(as_of: str) -> None:
    """A readable case: a meeting, then a strike within a week, one of them uncertain."""
    rules = [
        {"kind": "entity", "id": "e0", "type": "state"},
        {"kind": "entity", "id": "e1", "type": "group"},
        {
            "kind": "indicator",
            "id": "i0",
            "title": "meeting then strike",
            "vars": {"a": {"type": "state"}, "b": {"type": "group"}},
            "select": {
                "s0": {"type": "meet", "entities": [{"of": "$a"}, {"of": "$b"}]},
                "s1": {"type": "strike", "entities": [{"of": "$b", "role": "perp"}]},
            },
            "require": [{"first": "s0", "then": "s1", "within": "1w"}],
            "likelihood_ratio": 3,
        },
        {"kind": "hypothesis", "id": "h0", "statement": "h", "bind": {"b": "e1"}, "prior": 0.5},
    ]
    observations = [
        {
            "kind": "observation",
            "id": "o1",
            "type": "meet",
            "date": "2023-09-20/2023-09-22",
            "entities": ["e0", "e1"],
            "sources": [{"name": "s", "reliability": "B", "credibility": 2}],
        },
        {
            "kind": "observation",
            "id": "o2",
            "type": "strike",
            "date": "2023-09-28",
            "entities": [{"entity": "e1", "role": "perp"}],
            "sources": [{"name": "t", "reliability": "A", "credibility": 1}],
        },
    ]
    seen = compare(rules, observations, dt.date.fromisoformat(as_of))
    assert seen["hypothesis"] == 1
    expected = HAND_WRITTEN[as_of]
    result = load_documents([*rules, *observations])
    report = evaluate(result.case, as_of=dt.date.fromisoformat(as_of), max_matches=1)
    (indicator,) = report.indicators
    groups = {
        tuple(sorted(g.vars.items())): (g.status, g.confidence, g.match_count, g.near_miss_count)
        for g in indicator.groups
    }
    assert groups.keys() == expected["groups"].keys()
    for key, (status, confidence, matches, near_misses) in expected["groups"].items():
        assert groups[key][0] == status
        assert groups[key][1] == pytest.approx(confidence, abs=TOLERANCE)
        assert groups[key][2:] == (matches, near_misses)
    (hypothesis,) = report.hypotheses
    assert hypothesis.posterior == pytest.approx(0.5, abs=TOLERANCE)
    (entry,) = hypothesis.indicators
    status, confidence, delta, what_if = expected["entry"]
    assert (entry.id, entry.status) == ("i0", status)
    assert entry.confidence == pytest.approx(confidence, abs=TOLERANCE)
    assert entry.delta_log_odds == pytest.approx(delta, abs=TOLERANCE)
    if what_if is None:
        assert entry.what_if_delta_log_odds is None
    else:
        assert entry.what_if_delta_log_odds == pytest.approx(what_if, abs=TOLERANCE)


# Worlds that once split the two evaluators (kept as regression examples).
test_engine_agrees_with_naive_evaluator = example(
    (
        [
            {"kind": "entity", "id": "e0", "type": "state"},
            {"kind": "entity", "id": "e1", "type": "state"},
            {
                "kind": "indicator",
                "id": "i0",
                "title": "two meetings",
                "vars": {"a": {}},
                "select": {"s0": {"entities": [{"of": "$a"}]}, "s1": {"type": "meet"}},
                "require": [{"between": ["s0", "s1"], "within": "2d", "min": "1d"}],
                "likelihood_ratio": 1.5,
            },
        ],
        [
            {
                "kind": "observation",
                "id": "w-0",
                "type": "meet",
                "date": "2023-09-21/2023-09-23",
                "entities": ["e0"],
            },
            {"kind": "observation", "id": "w-1", "type": "meet", "date": "2023-09-22", "entities": ["e1"]},
        ],
        dt.date(2023, 10, 1),
    )
)(test_engine_agrees_with_naive_evaluator)
