"""Summaries: the report from summarized indicators, sent between processes or not, is the whole one.

`iandw.api.evaluate` builds the report from each indicator's summary
(iandw.engine.summary), evaluated here or in a forked worker.  The
reference is the straightforward path: every indicator's whole result,
assessed and reported as it is.  Both must render the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import marshal
import os
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iandw.api
import iandw.engine.evaluate
from iandw.api import evaluate, fixed_per_indicator, record_by_id
from iandw.assessment.hypotheses import assess, choose_group
from iandw.both_ends import BothEnds
from iandw.dates import Truth, date_to_day
from iandw.engine.assignments import vars_key
from iandw.engine.evaluate import observations_by_type, reported_by
from iandw.engine.match import MatchContext
from iandw.engine.results import IndicatorResult
from iandw.engine.summary import KeptGroup, pack, summarize, unpack
from iandw.engine.unmatched import not_reported_by, unmatched_reasons
from iandw.loader import load
from iandw.model.case import Case
from iandw.render import render
from iandw.report_builder import build_report
from test_bandjoin import worlds as band_join_worlds
from test_differential import cases as small_cases
from worlds import checked, entity, evaluate_indicators, observation, source

ROOT = Path(__file__).resolve().parent.parent


def whole_results(case: Case, day: int) -> dict[str, IndicatorResult]:
    """Every indicator's whole result, with why nothing met its selections under a hypothesis's variables."""
    usable = reported_by(case.observations, day)
    by_type = observations_by_type(usable)
    unreported = not_reported_by(case.observations, day, len(usable))
    fixed = fixed_per_indicator(case)
    results = evaluate_indicators(case, day)
    for indicator_id, result in results.items():
        context = MatchContext.of(case, result.indicator)
        result.unmatched_reasons = {
            vars_key(assignment): unmatched_reasons(result, assignment, by_type, context, unreported)
            for assignment in fixed[indicator_id]
            if choose_group(result, assignment) is None
        }
    return results


def whole_report(case: Case, as_of: dt.date, max_matches: int) -> str:
    """The reference: whole results, assessed and reported without summarizing."""
    day = date_to_day(as_of)
    results = whole_results(case, day)
    assessments = [assess(h, results, case.registry, case.tables) for _, h in sorted(case.hypotheses.items())]
    return render(build_report(case, results, assessments, day, max_matches), "json")


def sent_report(case: Case, as_of: dt.date, max_matches: int) -> str:
    """Every indicator summarized, packed, marshalled and unpacked, as a worker's comes back."""
    day = date_to_day(as_of)
    usable = reported_by(case.observations, day)
    fixed = fixed_per_indicator(case)
    results: dict[str, IndicatorResult] = {}
    for indicator_id, result in whole_results(case, day).items():
        chosen = [choose_group(result, assignment) for assignment in fixed[indicator_id]]
        kept = [group for group in chosen if group is not None]
        summary = summarize(result, kept, max_matches, result.unmatched_reasons)
        sent = marshal.loads(marshal.dumps(pack(summary)))
        results[indicator_id] = unpack(sent, result.indicator, functools.partial(record_by_id, usable))
    assessments = [assess(h, results, case.registry, case.tables) for _, h in sorted(case.hypotheses.items())]
    return render(build_report(case, results, assessments, day, max_matches), "json")


def assert_summaries_agree(documents: list[dict[str, Any]], as_of: dt.date, max_matches: int) -> None:
    case = checked(documents).case
    expected = whole_report(case, as_of, max_matches)
    assert render(evaluate(case, as_of=as_of, max_matches=max_matches, workers=1), "json") == expected
    assert sent_report(case, as_of, max_matches) == expected


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_cases(), st.sampled_from([1, 2, 5]))
def test_summaries_agree_on_small_cases(case: tuple[Any, Any, dt.date], max_matches: int) -> None:
    rules, observations, as_of = case
    assert_summaries_agree([*rules, *observations], as_of, max_matches)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(band_join_worlds(), st.sampled_from([1, 3]))
def test_summaries_agree_on_band_joined_groups(world: tuple[Any, str], max_matches: int) -> None:
    documents, as_of = world
    assert_summaries_agree(documents, dt.date.fromisoformat(as_of), max_matches)


def test_a_summary_will_not_show_more_than_it_kept() -> None:
    group = KeptGroup({}, Truth.DEFINITE, 3, 0, matches={1: [], 2: []}, near_misses={1: []}, nested=False)
    assert group.top_near_misses() == []  # none were found: nothing is missing
    assert group.top_matches(2) == []
    with pytest.raises(ValueError, match=r"keeps the first \[1, 2\] bindings, not 3"):
        group.top_matches(3)
    first_three: Any = ["a", "b", "c"]
    nested = KeptGroup({}, Truth.DEFINITE, 4, 0, matches={3: first_three}, near_misses={3: []}, nested=True)
    assert nested.top_matches(1) == ["a"]  # the first of the first three
    not_nested = KeptGroup(
        {}, Truth.DEFINITE, 4, 0, matches={3: first_three}, near_misses={3: []}, nested=False
    )
    with pytest.raises(ValueError, match="not 1"):
        not_nested.top_matches(1)


def star(indicator_id: str, spoke: str) -> dict[str, Any]:
    return {
        "kind": "indicator",
        "id": indicator_id,
        "title": indicator_id,
        "vars": {"g": {"type": "group"}},
        "select": {
            "hub": {"type": "hub", "entities": [{"of": "$g"}]},
            "spoke": {"type": spoke, "entities": [{"of": "$g"}]},
        },
        "require": [{"first": "hub", "then": "spoke", "within": "10d"}],
        "likelihood_ratio": 2,
    }


@pytest.mark.parametrize("max_matches", [1, 5])
def test_tied_band_joined_matches_are_reported_as_by_the_whole_result(max_matches: int) -> None:
    """Two hub observations tie; the best match alone and the first of five may differ, as before.

    The shared evidence names the best match of each indicator (asked for
    alone), the listing the first `max_matches`: the summary keeps both.
    """
    documents = [
        entity("g1", "group"),
        star("i1", "beta"),
        star("i2", "gamma"),
        {"kind": "hypothesis", "id": "h", "statement": "h", "prior": 0.5},
        # equally confident hub observations: the earlier has the larger id
        observation("a-2", "hub", "2023-01-01", ["g1"], [source("s", "B2")]),
        observation("a-1", "hub", "2023-01-05", ["g1"], [source("s", "B2")]),
    ]
    for spoke in ("beta", "gamma"):
        documents.append(observation(f"{spoke}-00", spoke, "2023-01-03", ["g1"], [source("s", "B2")]))
        documents += [
            observation(f"{spoke}-{n:02d}", spoke, "2023-01-13", ["g1"], [source("s", "B2")])
            for n in range(1, 30)
        ]
    assert_summaries_agree(documents, dt.date(2023, 12, 1), max_matches)


def test_at_least_one_match_is_kept() -> None:
    with pytest.raises(ValueError, match="max_matches is at least 1"):
        evaluate(shipped_case(), max_matches=0)


# --- in forked workers ---------------------------------------------------------------------------


def shipped_case() -> Case:
    result = load([str(ROOT / "observations")], rules=str(ROOT / "rules"))
    assert result.ok
    return result.case


def count_sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many results workers sent back, per `BothEnds` run."""
    sent: list[int] = []
    original = BothEnds.results

    def recorded(self: BothEnds[Any]) -> Any:
        sent.append(0)
        for result in original(self):
            sent[-1] += result is not None
            yield result

    monkeypatch.setattr(BothEnds, "results", recorded)
    return sent


@pytest.mark.parametrize("workers", [2, 3])
def test_indicators_evaluated_by_workers_give_the_same_report(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = shipped_case()
    as_of = dt.date(2023, 10, 6)
    alone = render(evaluate(case, as_of=as_of, workers=1), "json")
    monkeypatch.setattr(iandw.api, "PARALLEL_MIN_OBSERVATIONS", 0)
    here = os.getpid()
    sent = count_sent(monkeypatch)
    running: list[BothEnds[Any]] = []
    counted = BothEnds.results

    def noted(self: BothEnds[Any]) -> Any:
        running.append(self)
        return counted(self)

    monkeypatch.setattr(BothEnds, "results", noted)

    def after_a_worker_took_one(*args: Any) -> Any:  # so that a worker surely takes some indicators
        if os.getpid() == here:
            (shared,) = running
            deadline = time.monotonic() + 60  # a guard against a hang, not a timing assumption
            while shared.back.value == shared.count - 1:  # the last task, until a worker takes it
                assert time.monotonic() < deadline, "no worker took an indicator"
                time.sleep(0.01)
        return summarize(*args)

    monkeypatch.setattr(iandw.api, "summarize", after_a_worker_took_one)
    shared = render(evaluate(case, as_of=as_of, workers=workers), "json")
    assert shared == alone
    assert sent == [sent[0]] and sent[0] >= 1, "no worker sent an indicator back"


def test_a_failing_worker_costs_only_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that fails sends nothing usable: this process evaluates its indicators."""
    case = shipped_case()
    as_of = dt.date(2023, 10, 6)
    alone = render(evaluate(case, as_of=as_of, workers=1), "json")
    here = os.getpid()

    def pack_here_only(summary: IndicatorResult) -> Any:
        if os.getpid() != here:
            raise MemoryError("a worker ran out of memory")
        return pack(summary)

    monkeypatch.setattr(iandw.api, "PARALLEL_MIN_OBSERVATIONS", 0)
    monkeypatch.setattr(iandw.api, "pack", pack_here_only)
    sent = count_sent(monkeypatch)
    assert render(evaluate(case, as_of=as_of, workers=2), "json") == alone
    assert sent == [0]


def test_the_command_line_sets_how_many_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from iandw.cli import main

    monkeypatch.setattr(iandw.api, "PARALLEL_MIN_OBSERVATIONS", 0)
    pool_sizes: list[int] = []
    start = BothEnds.__init__

    def recorded(self: BothEnds[Any], task: Any, count: int, pool_size: int) -> None:
        pool_sizes.append(pool_size)
        start(self, task, count, pool_size)

    monkeypatch.setattr(BothEnds, "__init__", recorded)
    arguments = [
        "evaluate",
        str(ROOT / "observations"),
        "--rules",
        str(ROOT / "rules"),
        "--as-of",
        "2023-10-06",
    ]
    alone = CliRunner().invoke(main, [*arguments, "--workers", "1", "--format", "json"])
    assert alone.exit_code == 0, alone.output
    shared = CliRunner().invoke(main, [*arguments, "--workers", "3", "--format", "json"])
    assert shared.exit_code == 0, shared.output
    assert shared.output == alone.output
    assert pool_sizes == [0, 2]  # this process alone; then with two workers


def unconstrained_meetings() -> list[dict[str, Any]]:
    """Four sponsors × four groups, and a third meeting of any twenty: 16 groups of hundreds of bindings."""
    documents: list[dict[str, Any]] = [entity(f"s{n}", "state") for n in range(4)]
    documents += [entity(f"g{n}", "armed-group") for n in range(4)]
    documents.append(
        {
            "kind": "indicator",
            "id": "three-meetings",
            "title": "three meetings",
            "vars": {"sponsor": {"type": "state"}, "group": {"type": "armed-group"}},
            "select": {
                "first": {"type": "meeting", "entities": [{"of": "$sponsor"}]},
                "second": {"type": "meeting", "entities": [{"of": "$group"}]},
                "third": {"type": "meeting"},
            },
            "require": [{"first": "first", "then": "second", "within": "30d"}],
            "likelihood_ratio": 2,
        }
    )
    hypothesis = {"kind": "hypothesis", "id": "h", "statement": "h", "prior": 0.5, "bind": {"sponsor": "s0"}}
    documents.append(hypothesis)
    for n in range(20):
        day = f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}"
        parties = [f"s{n % 4}", f"g{n // 5}"]
        documents.append(observation(f"m{n:02d}", "meeting", day, parties, [source("s", "B2")]))
    return documents


def test_an_indicators_groups_are_cut_down_as_they_are_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    """However many groups an indicator has, one group's bindings at most are held at a time.

    Each group enumerated here holds hundreds of bindings; an indicator of
    a thousand such groups held them all until it was summarized (8.7 GB).
    """
    enumerated: list[weakref.ref[Any]] = []
    held: list[int] = []
    enumerate_group = iandw.engine.evaluate.enumerate_group

    def watched(*args: Any) -> Any:
        gc.collect()
        held.append(sum(1 for group in enumerated if group() is not None))
        group = enumerate_group(*args)
        enumerated.append(weakref.ref(group))
        return group

    monkeypatch.setattr(iandw.engine.evaluate, "enumerate_group", watched)
    case = checked(unconstrained_meetings()).case
    evaluate(case, as_of=dt.date(2024, 1, 1), workers=1)
    assert len(held) == 16  # every (sponsor, group) pair met
    assert max(held) <= 1  # the one just before at most: the others were cut down to their summaries


def test_groups_cut_down_as_evaluated_report_as_the_whole_result() -> None:
    assert_summaries_agree(unconstrained_meetings(), dt.date(2024, 1, 1), 5)
