"""Summaries: the report from summarized indicators, sent between processes or not, is the whole one.

`iandw.api.evaluate` builds the report from each indicator's summary
(iandw.engine.summary), evaluated here or in a forked worker.  The
reference is the straightforward path: every indicator's whole result,
assessed and reported as it is.  Both must render the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iandw.api
from iandw.api import evaluate, evaluate_indicators, fixed_per_indicator, record_by_id, visible
from iandw.assess import assess
from iandw.both_ends import BothEnds
from iandw.dates import Truth, date_to_day
from iandw.engine.evaluate import IndicatorResult
from iandw.engine.summary import KeptGroup, pack, summarize, unpack
from iandw.loader import load
from iandw.model.case import Case
from iandw.render import render
from iandw.report import build_report
from test_bandjoin import worlds as band_join_worlds
from test_differential import cases as small_cases
from worlds import checked

ROOT = Path(__file__).resolve().parent.parent


def whole_report(case: Case, as_of: dt.date, max_matches: int) -> str:
    """The reference: whole results, assessed and reported without summarizing."""
    day = date_to_day(as_of)
    results = evaluate_indicators(case, day)
    assessments = [assess(h, results, case.registry, case.tables) for _, h in sorted(case.hypotheses.items())]
    return render(build_report(case, results, assessments, day, max_matches), "json")


def sent_report(case: Case, as_of: dt.date, max_matches: int) -> str:
    """Every indicator summarized, packed, pickled and unpacked, as a worker's comes back."""
    day = date_to_day(as_of)
    usable = visible(case.observations, day)
    fixed = fixed_per_indicator(case)
    results: dict[str, IndicatorResult] = {}
    for indicator_id, result in evaluate_indicators(case, day).items():
        sent = pickle.loads(pickle.dumps(pack(summarize(result, fixed[indicator_id], max_matches))))
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
    group = KeptGroup({}, Truth.DEFINITE, 3, 0, matches=[], near_misses=[], kept=0)
    assert group.top_near_misses() == []  # none were found: nothing is missing
    with pytest.raises(ValueError, match="keeps 0 bindings"):
        group.top_matches(1)


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
    sent = count_sent(monkeypatch)
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
