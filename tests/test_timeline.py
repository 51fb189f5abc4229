"""Backtesting: `compute_timeline` and its csv / json renderings.

One indicator whose window is measured from the evaluation date:
`{first: s, then: as_of, within: 7d}` holds when 0 ≤ as_of − s.date ≤ 7
(docs/language.md, Require).  One signal dated 2023-01-10 (reported, by
default, on its date's upper bound: 2023-01-10) with one A1 source, so
c = 0.9 × 0.9 = 0.81 (docs/semantics.md §3).  Prior 0.5, LR 4, absent LR 1.

Steps of 7 days from 2023-01-01 to 2023-01-31, and the end itself:
01-01, 01-08, 01-15, 01-22, 01-29, 01-31.

- 01-01, 01-08: the signal is not yet reported (01-10 > as_of): not fired,
  Δ = ln 1 = 0, posterior = σ(logit .5) = .5.
- 01-15: gap 15 − 10 = 5 in 0..7: fired, Δ = 0.81 · ln 4 ≈ 1.1229,
  posterior = σ(0 + 1.1229) ≈ .7545.
- 01-22, 01-29, 01-31: gaps 12, 19, 21 > 7: not fired again, posterior .5.

Levels (docs/semantics.md: watch from .20, warning from .55, alert from .80):
.5 is watch from the start — reached by the prior, no report tipped it;
.7545 is warning, first on 01-15, tipped by s1 (the only report that became
visible in that step; without it the indicator cannot fire).  Alert is never
reached.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iandw.api import evaluate
from iandw.engine import bandjoin
from iandw.engine.evaluate import GroupMemo
from iandw.render import render_timeline
from iandw.render.timeline import render_timeline_csv, render_timeline_json, render_timeline_text
from iandw.testing import edtf_dates, worlds_for
from iandw.timeline import MAX_POINTS, TimelineTooLong, compute_timeline, parse_step, too_long
from naive import rule_sets
from worlds import checked, observation, source

TOL = 1e-9
REPLAY_START = dt.date(2023, 9, 20)
REPLAY_DATES = edtf_dates(
    REPLAY_START, 21, kinds=("day", "day", "days", "qualified", "month", "unspecified", "open")
)


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


DOCUMENTS = [
    {
        "kind": "indicator",
        "id": "recent",
        "title": "a signal in the last week",
        "select": {"s": {"type": "signal"}},
        "require": [{"first": "s", "then": "as_of", "within": "7d"}],
        "likelihood_ratio": 4,
    },
    observation("s1", "signal", "2023-01-10", [], [source("wire", "A1")], summary="a signal"),
    {
        "kind": "hypothesis",
        "id": "h",
        "statement": "something is coming",
        "prior": 0.5,
        "indicators": ["recent"],
    },
]

DATES = ["2023-01-01", "2023-01-08", "2023-01-15", "2023-01-22", "2023-01-29", "2023-01-31"]
FIRED = sigma(0.81 * math.log(4))  # σ(logit .5 + 0.81 · ln 4) ≈ 0.7545
POSTERIORS = [0.5, 0.5, FIRED, 0.5, 0.5, 0.5]
LEVELS = ["watch", "watch", "warning", "watch", "watch", "watch"]


@pytest.fixture(scope="module")
def case():
    return checked(DOCUMENTS).case


@pytest.fixture(scope="module")
def timeline(case):
    return compute_timeline(case, dt.date(2023, 1, 1), dt.date(2023, 1, 31), 7)


def test_fired_value_by_hand():
    assert pytest.approx(0.7545, abs=5e-5) == FIRED


def test_steps_and_posteriors(timeline):
    assert (timeline.start, timeline.end, timeline.step_days) == ("2023-01-01", "2023-01-31", 7)
    (h,) = timeline.hypotheses
    assert (h.id, h.prior) == ("h", 0.5)
    assert [p.date for p in h.points] == DATES
    assert [p.posterior for p in h.points] == pytest.approx(POSTERIORS, abs=TOL)
    assert [p.level for p in h.points] == LEVELS


def test_crossings(timeline):
    (h,) = timeline.hypotheses
    watch, warning = h.crossings
    # watch: the prior .5 is already ≥ .20 on the first date; no report did it
    assert (watch.level, watch.date, watch.observation, watch.reported) == ("watch", "2023-01-01", None, None)
    assert watch.posterior == pytest.approx(0.5, abs=TOL)
    # warning: first on 01-15, tipped by s1 (reported on its date, 01-10)
    assert (warning.level, warning.date, warning.observation) == ("warning", "2023-01-15", "s1")
    assert (warning.reported, warning.summary) == ("2023-01-10", "a signal")
    assert warning.posterior == pytest.approx(FIRED, abs=TOL)


def test_each_point_is_the_report_as_of_that_date(case, timeline):
    (h,) = timeline.hypotheses
    for point in h.points:
        report = evaluate(case, as_of=dt.date.fromisoformat(point.date))
        (assessed,) = report.hypotheses
        assert point.posterior == pytest.approx(assessed.posterior, abs=TOL), point.date
        assert point.level == assessed.level, point.date


def test_text_counts_the_evaluations_without_hypotheses_and_says_one_day():
    # 2023-01-01 to 2023-01-31 every day: 31 evaluations, whether or not a hypothesis is scored
    documents = [d for d in DOCUMENTS if d["kind"] != "hypothesis"]
    timeline = compute_timeline(checked(documents).case, dt.date(2023, 1, 1), dt.date(2023, 1, 31), 1)
    assert timeline.hypotheses == []
    assert render_timeline_text(timeline) == (
        "iandw timeline — 2023-01-01 to 2023-01-31, every 1 day "
        "(31 evaluations, each with only what was reported by then)\n"
    )


@pytest.mark.parametrize(
    ("start", "end", "step", "count"),
    [
        ("2023-01-01", "2023-01-01", 7, 1),  # from == to: one evaluation
        ("2023-01-01", "2023-01-31", 7, 6),  # 01, 08, 15, 22, 29 and the end, 31
        ("2023-01-01", "2023-01-29", 7, 5),  # the end falls on a step
        ("2023-01-01", "2023-01-02", 400, 2),  # a step longer than the period: start and end
        ("2024-02-28", "2024-03-01", 1, 3),  # across a leap day: 28, 29, 1
    ],
)
def test_evaluations_are_the_dates_replayed(start, end, step, count):
    empty = checked([DOCUMENTS[0]]).case
    timeline = compute_timeline(empty, dt.date.fromisoformat(start), dt.date.fromisoformat(end), step)
    assert timeline.evaluations == count
    with_hypothesis = compute_timeline(
        checked(DOCUMENTS).case, dt.date.fromisoformat(start), dt.date.fromisoformat(end), step
    )
    days = [dt.date.fromisoformat(point.date) for point in with_hypothesis.hypotheses[0].points]
    assert len(days) == count and (days[0].isoformat(), days[-1].isoformat()) == (start, end)
    assert all((later - earlier).days == step for earlier, later in itertools.pairwise(days[:-1]))
    # the limit counts the same dates: with more hypotheses than points allowed, it names them
    refused = too_long(dt.date.fromisoformat(start), dt.date.fromisoformat(end), step, MAX_POINTS + 1)
    assert refused is not None and f" is {count:,} evaluations" in refused


def test_csv(timeline):
    text = render_timeline_csv(timeline)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date", "hypothesis", "posterior", "likelihood", "level"]
    assert len(rows) == 1 + len(DATES)  # one row per date for the one hypothesis
    date, hypothesis, posterior, likelihood, level = rows[3]
    # .7545 is in .55 ≤ likely < .80 (ICD 203 terms, docs/semantics.md)
    assert (date, hypothesis, likelihood, level) == ("2023-01-15", "h", "likely", "warning")
    assert float(posterior) == pytest.approx(FIRED, abs=TOL)
    assert [float(r[2]) for r in rows[1:]] == pytest.approx(POSTERIORS, abs=TOL)


def test_json(timeline):
    data = json.loads(render_timeline_json(timeline))
    assert (data["start"], data["end"], data["step_days"]) == ("2023-01-01", "2023-01-31", 7)
    assert data["levels"] == {"watch": 0.2, "warning": 0.55, "alert": 0.8}  # SPEC §7's, what LEVELS used
    (h,) = data["hypotheses"]
    assert [p["date"] for p in h["points"]] == DATES
    assert [p["posterior"] for p in h["points"]] == pytest.approx(POSTERIORS, abs=TOL)
    assert [(c["level"], c["date"], c["observation"]) for c in h["crossings"]] == [
        ("watch", "2023-01-01", None),
        ("warning", "2023-01-15", "s1"),
    ]


@pytest.mark.parametrize(("text", "days"), [("1w", 7), ("10d", 10), ("007d", 7), ("9999999w", 69_999_993)])
def test_a_step_is_days_or_weeks(text: str, days: int) -> None:
    assert parse_step(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2x", "'2x': write days as '7d' or weeks as '1w'"),
        ("1m", "'1m': write days as '7d' or weeks as '1w' (a month or a year is not a fixed number of days)"),
        ("1w ", "'1w ': write days as '7d' or weeks as '1w'"),
        ("0w", "'0w': a step is 1 to 9,999,999 days or weeks"),
        ("10000000d", "'10000000d': a step is 1 to 9,999,999 days or weeks"),
        ("1" + "0" * 5000 + "d", f"'1{'0' * 19}'…: a step is 1 to 9,999,999 days or weeks"),
    ],
)
def test_a_step_that_is_not_says_how_to_write_one(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_step(text)
    assert str(raised.value) == message


def test_render_timeline_gives_each_format(timeline, case) -> None:
    """As `iandw timeline --format …` writes them: text, csv and json as text, images as bytes."""
    assert render_timeline(timeline) == render_timeline_text(timeline)
    assert render_timeline(timeline, "csv") == render_timeline_csv(timeline)
    assert render_timeline(timeline, "json") == render_timeline_json(timeline)
    svg = render_timeline(timeline, "svg")
    assert isinstance(svg, bytes) and b"Posterior over time, 2023-01-01 to 2023-01-31 (every 7 days)" in svg
    assert render_timeline(timeline, "png")[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="an HTML timeline is a report's page: pass the report"):
        render_timeline(timeline, "html")
    page = render_timeline(timeline, "html", report=evaluate(case, as_of=dt.date(2023, 1, 31)))
    assert isinstance(page, str) and 'id="over-time"' in page
    # the page's report and its chart must agree on their last date
    with pytest.raises(ValueError) as raised:
        render_timeline(timeline, "html", report=evaluate(case, as_of=dt.date(2023, 10, 6)))
    assert str(raised.value) == (
        "the report is as of 2023-10-06 and the timeline ends on 2023-01-31: pass the report as of 2023-01-31"
    )
    assert timeline.hypotheses  # so that a report of none is of other hypotheses
    other = evaluate(case, as_of=dt.date(2023, 1, 31)).model_copy(update={"hypotheses": []})
    with pytest.raises(ValueError, match=r"^the report and the timeline are of different hypotheses"):
        render_timeline(timeline, "html", report=other)
    with pytest.raises(
        ValueError, match="unknown format 'markdown'; formats are: text, csv, json, html, png, svg"
    ):
        render_timeline(timeline, "markdown")


# Without an `as_of` window, a step that sees no new report keeps the previous results:
# s3 is reported only on 01-19, a step's own date; a pair within 3 days fires.
STATIC = [
    {
        "kind": "indicator",
        "id": "pair",
        "title": "two signals within three days",
        "select": {"a": {"type": "signal"}, "b": {"type": "signal"}},
        "require": [{"first": "a", "then": "b", "within": "3d"}],
        "likelihood_ratio": 4,
    },
    observation("s1", "signal", "2023-01-02", [], [source("wire", "A1")]),
    observation("s2", "signal", "2023-01-09", [], [source("wire", "A1")]),
    observation("s3", "signal", "2023-01-10", [], [source("wire", "A1")], reported="2023-01-19"),
    {
        "kind": "hypothesis",
        "id": "h",
        "statement": "something is coming",
        "prior": 0.5,
        "indicators": ["pair"],
    },
]


def test_without_an_as_of_window_each_point_is_still_the_report_as_of_that_date():
    static = checked(STATIC).case
    timeline = compute_timeline(static, dt.date(2023, 1, 1), dt.date(2023, 1, 31), 3)
    (h,) = timeline.hypotheses
    # s2 then s3 (a day apart) fire once s3 is reported, from the step of 01-19 itself,
    # with c = 0.81 × 0.81 (two observations, each of one A1 source)
    pair = sigma(0.81 * 0.81 * math.log(4))
    assert [p.posterior for p in h.points] == pytest.approx([0.5] * 6 + [pair] * 5, abs=TOL)
    for point in h.points:
        (assessed,) = evaluate(static, as_of=dt.date.fromisoformat(point.date)).hypotheses
        assert point.posterior == pytest.approx(assessed.posterior, abs=TOL), point.date


def test_a_timeline_has_at_most_a_million_points():
    """Twenty hypotheses: 50,000 daily evaluations are 1,000,000 points; one more day is too many."""
    more = [{**STATIC[-1], "id": f"h{n}"} for n in range(19)]
    static = checked([*STATIC, *more]).case
    start = dt.date(2000, 1, 1)
    assert too_long(start, start + dt.timedelta(days=49_999), 1, 20) is None
    with pytest.raises(
        TimelineTooLong, match=r" of 20 hypotheses, 1,000,020 points, more than 1,000,000: take"
    ):
        compute_timeline(static, start, start + dt.timedelta(days=50_000), 1)


def test_a_timeline_has_at_most_100000_steps():
    static = checked(STATIC).case
    start = dt.date(1800, 1, 1)
    timeline = compute_timeline(static, start, start + dt.timedelta(days=99_999), 1)
    assert len(timeline.hypotheses[0].points) == 100_000
    with pytest.raises(ValueError, match=r"is 100,001 evaluations, more than 100,000: take a longer step$"):
        compute_timeline(static, start, start + dt.timedelta(days=100_000), 1)


def test_the_tipping_report_is_searched_among_the_hypothesis_s_own_evidence(monkeypatch):
    """Finding which report tipped `h` evaluates `recent` alone, over `s1` and the reports before:
    the 30 noise reports of the same step, which no indicator of `h` selects, are not bisected."""
    from iandw.timeline import Backtest

    noise = [observation(f"n{k:02d}", "noise", "2023-01-11", [], [source("wire", "A1")]) for k in range(30)]
    other = {
        "kind": "indicator",
        "id": "noisy",
        "title": "noise",
        "select": {"n": {"type": "noise"}},
        "likelihood_ratio": 2,
    }
    case = checked([*DOCUMENTS, *noise, other]).case
    calls: list[tuple[str, ...]] = []
    real = Backtest.results

    def recording(self, as_of, visible, indicator_ids=None):
        calls.append(tuple(self.prepared if indicator_ids is None else indicator_ids))
        return real(self, as_of, visible, indicator_ids)

    import iandw.timeline

    evaluated: list[str] = []
    real_evaluate = iandw.timeline.evaluate_candidates

    def counting(compiled, *args):
        evaluated.append(compiled.indicator.id)
        return real_evaluate(compiled, *args)

    monkeypatch.setattr(Backtest, "results", recording)
    monkeypatch.setattr(iandw.timeline, "evaluate_candidates", counting)
    timeline = compute_timeline(case, dt.date(2023, 1, 1), dt.date(2023, 1, 31), 7)
    (h,) = timeline.hypotheses
    assert [(c.level, c.observation) for c in h.crossings] == [("watch", None), ("warning", "s1")]
    # each of the 6 steps evaluates every indicator (`recent` looks at as_of, so no step is reused);
    # the warning's search evaluates `recent` alone, once: without s1 it is not reached, and s1 is
    # the only candidate left (before, the 31 new reports were bisected, every indicator each time)
    searches = [c for c in calls if c == ("recent",)]
    assert calls.count(("noisy", "recent")) == 6
    assert len(searches) == 1
    # `noisy` is evaluated when what it can see changes: nothing on 01-01 and 01-08, all 30 from
    # 01-15 on; `recent` looks at as_of, so at every step and in the search: 6 + 1
    assert evaluated.count("noisy") == 2
    assert evaluated.count("recent") == 7


def test_progress_is_reported_after_each_step(case):
    seen: list[tuple[int, int]] = []
    compute_timeline(
        case, dt.date(2023, 1, 1), dt.date(2023, 1, 31), 7, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(done, len(DATES)) for done in range(1, len(DATES) + 1)]


def test_a_level_held_at_the_start_names_no_report(case):
    """From 01-15, warning is already held (s1, reported 01-10, fired): it was not crossed in the
    period, so no report is traced through what was reported before the start."""
    timeline = compute_timeline(case, dt.date(2023, 1, 15), dt.date(2023, 1, 22), 7)
    (h,) = timeline.hypotheses
    assert [(c.level, c.date, c.observation) for c in h.crossings] == [
        ("watch", "2023-01-15", None),
        ("warning", "2023-01-15", None),
    ]
    assert [p.level for p in h.points] == ["warning", "watch"]


@st.composite
def replays(draw: Any) -> tuple[list[dict[str, Any]], int, int]:
    """A random rule set, a world aimed at it (reports trickling in), a step and a band-join threshold."""
    rules = draw(rule_sets())
    world = draw(
        worlds_for(
            rules, start=REPLAY_START, days=21, min_observations=2, max_observations=8, dates=REPLAY_DATES
        )
    )
    return [*rules, *world.documents], draw(st.integers(1, 6)), draw(st.sampled_from([1, 50]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replays())
def test_reusing_unchanged_groups_changes_no_step_of_a_replay(
    replay: tuple[list[dict[str, Any]], int, int],
) -> None:
    """A replay reuses each group its new reports did not join (`GroupMemo`): every point and
    crossing is what it is with every group computed afresh, and each point is the report as of
    its date.  A band-join threshold of 1 band-joins (and so reuses) every group of a star."""
    documents, step, band_join_min = replay
    case = checked(documents).case
    start, end = REPLAY_START, REPLAY_START + dt.timedelta(days=28)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bandjoin, "BAND_JOIN_MIN_BINDINGS", band_join_min)
        reused = compute_timeline(case, start, end, step)
        patch.setattr(GroupMemo, "get", lambda self, key: None)
        afresh = compute_timeline(case, start, end, step)
    assert reused.model_dump() == afresh.model_dump()
    for series in reused.hypotheses:
        for point in series.points[:: max(1, len(series.points) // 3)]:
            (assessed,) = [
                h
                for h in evaluate(case, as_of=dt.date.fromisoformat(point.date)).hypotheses
                if h.id == series.id
            ]
            assert point.posterior == pytest.approx(assessed.posterior, abs=TOL), point.date
            assert point.level == assessed.level, point.date


@pytest.mark.parametrize(
    ("start", "end", "step", "error", "message"),
    [
        (
            "2023-01-01",
            dt.date(2023, 1, 31),
            7,
            TypeError,
            "start is a datetime.date, not str: datetime.date.fromisoformat('2023-01-01')",
        ),
        (dt.date(2023, 1, 1), None, 7, TypeError, "end is a datetime.date, not NoneType"),
        (
            dt.date(2023, 2, 1),
            dt.date(2023, 1, 1),
            7,
            ValueError,
            "end 2023-01-01 is before start 2023-02-01",
        ),
        (dt.date(2023, 1, 1), dt.date(2023, 1, 31), 0, ValueError, "step is at least 1 day, not 0"),
        (dt.date(2023, 1, 1), dt.date(2023, 1, 31), -7, ValueError, "step is at least 1 day, not -7"),
        (
            dt.date(2023, 1, 1),
            dt.date(2023, 1, 31),
            "2w",
            TypeError,
            "step is a number of days (int), not str: iandw.timeline.parse_step('2w') reads days or weeks",
        ),
        (
            dt.date(2023, 1, 1),
            dt.date(2023, 1, 31),
            True,
            TypeError,
            "step is a number of days (int), not bool",
        ),
    ],
)
def test_arguments_that_cannot_be_used_are_named(case, start, end, step, error, message):
    with pytest.raises(error) as raised:
        compute_timeline(case, start, end, step)
    assert str(raised.value) == message
