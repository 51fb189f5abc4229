"""The band join agrees with enumerating every binding (the straightforward path).

Random star-shaped indicators (a hub selection and one or two spokes, each
tied to the hub by at most one window) over random uncertain dates; for every
group, both paths must give the same status, counts, confidence and
closeness, and the same sequence of (status, confidence) for the best
matches and of (failed, violation, confidence) for the nearest misses.
Among equally good bindings the two paths may show different ones; each one
shown is checked to be a real binding of that group with the status claimed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iandw.dates import DayInterval, Truth
from iandw.engine import bandjoin
from iandw.engine.bandjoin import StarPlan, band_join_groups, star_plan
from iandw.engine.compile import compile_indicator
from iandw.engine.evaluate import enumerate_group, match_candidates, partition
from iandw.engine.match import MatchContext
from worlds import checked, entity, observation, source

BASE = dt.date(2023, 1, 1)
TYPES = ("alpha", "beta", "gamma")


@st.composite
def dates(draw: st.DrawFn) -> str:
    day = BASE + dt.timedelta(days=draw(st.integers(0, 90)))
    kind = draw(
        st.sampled_from(["day", "day", "day", "month", "interval", "open-start", "open-end", "approx"])
    )
    if kind == "month":
        return day.strftime("%Y-%m")
    if kind == "interval":
        return f"{day.isoformat()}/{(day + dt.timedelta(days=draw(st.integers(1, 20)))).isoformat()}"
    if kind == "open-start":
        return f"../{day.isoformat()}"
    if kind == "open-end":
        return f"{day.isoformat()}/.."
    if kind == "approx":
        return day.isoformat() + "~"
    return day.isoformat()


@st.composite
def windows(draw: st.DrawFn, first: str, then: str) -> dict[str, Any]:
    form = draw(st.sampled_from(["within", "within-min", "open", "min", "between", "none"]))
    within, minimum = draw(st.integers(0, 40)), draw(st.integers(0, 10))
    if form == "within":
        return {"first": first, "then": then, "within": f"{within}d"}
    if form == "within-min":
        return {"first": first, "then": then, "within": f"{within + minimum}d", "min": f"{minimum}d"}
    if form == "open":
        return {"first": first, "then": then}
    if form == "min":
        return {"first": first, "then": then, "min": f"{minimum}d"}
    if form == "between":
        return {"between": [first, then], "within": f"{within}d"}
    return {}


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[dict[str, Any]], str]:
    """A small world: one group variable, a star indicator, 2-14 observations per type."""
    spokes = draw(st.integers(1, 2))
    names = ["hub", "spoke1", "spoke2"][: spokes + 1]
    select = {name: {"type": TYPES[i], "entities": [{"of": "$group"}]} for i, name in enumerate(names)}
    require = []
    for spoke in names[1:]:
        first, then = ("hub", spoke) if draw(st.booleans()) else (spoke, "hub")
        window = draw(windows(first, then))
        if window:
            require.append(window)
    indicator = {
        "kind": "indicator",
        "id": "star",
        "title": "star",
        "vars": {"group": {"type": "group"}},
        "select": select,
        "require": require,
        "likelihood_ratio": 2,
    }
    documents: list[dict[str, Any]] = [entity("g1", "group"), entity("g2", "group"), indicator]
    grades = ["A1", "B2", "C3", "D4", "F6", None]
    for i, name in enumerate(names):
        for n in range(draw(st.integers(1, 7 if spokes == 2 else 14))):
            group = draw(st.sampled_from(["g1", "g1", "g2"]))
            grade = draw(st.sampled_from(grades))
            documents.append(
                observation(
                    f"{name}-{n}",
                    TYPES[i],
                    draw(dates()),
                    [group],
                    [source("s", grade)],
                    reported="2023-06-01",
                )
            )
    return documents, draw(st.sampled_from(["2023-06-01", "2023-02-15"]))


def both_paths(documents: list[dict[str, Any]], as_of_text: str) -> list[tuple[Any, Any]]:
    """(enumerated, band-joined) per group; band-joined with every shape in a segment of its own,
    with the rare ones pooled (as run), and with all of them pooled (pair by pair)."""
    pairs = []
    for pool_below in (1, bandjoin.POOL_BELOW, 10**9):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bandjoin, "POOL_BELOW", pool_below)
            pairs += _both_paths(documents, as_of_text)
    return pairs


def _both_paths(documents: list[dict[str, Any]], as_of_text: str) -> list[tuple[Any, Any]]:
    compiled, plan, groups = star_groups(documents)
    as_of_day = dt.date.fromisoformat(as_of_text).toordinal()
    as_of = DayInterval(as_of_day, as_of_day)
    return [
        (
            enumerate_group(compiled, assignment, members, as_of),
            band_join_groups(plan, compiled, [(assignment, members)], as_of)[0],
        )
        for assignment, members in groups
    ]


def star_groups(documents: list[dict[str, Any]]) -> tuple[Any, StarPlan, list[tuple[Any, Any]]]:
    """The indicator `star` of a case compiled, its plan, and its groups (assignment, members)."""
    case = checked(documents).case
    compiled = compile_indicator(case.indicators["star"], case.registry)
    plan = star_plan(compiled)
    assert plan is not None
    context = MatchContext(case.registry, case.scales, compiled.variables)
    return compiled, plan, partition(compiled, match_candidates(compiled, case.observations, context))


def assert_same(reference: Any, fast: Any, limit: int) -> None:
    assert fast.truth == reference.truth
    assert fast.match_count == reference.match_count
    assert fast.near_miss_count == reference.near_miss_count
    assert fast.confidence == pytest.approx(reference.confidence, abs=1e-12)
    assert fast.closeness == pytest.approx(reference.closeness)
    assert [(b.truth, pytest.approx(b.confidence)) for b in fast.top_matches(limit)] == [
        (b.truth, b.confidence) for b in reference.top_matches(limit)
    ]
    assert [(b.failed, b.violation, pytest.approx(b.confidence)) for b in fast.top_near_misses(limit)] == [
        (b.failed, b.violation, b.confidence) for b in reference.top_near_misses(limit)
    ]
    every = {b.observation_ids(): b for b in reference.bindings}
    for shown in fast.top_matches(limit) + fast.top_near_misses(limit):
        real = every[shown.observation_ids()]
        assert (shown.truth, shown.failed, shown.violation) == (real.truth, real.failed, real.violation)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from([1, 3, 5]))
@example(
    (
        [
            entity("g1", "group"),
            {
                "kind": "indicator",
                "id": "star",
                "title": "star",
                "vars": {"group": {"type": "group"}},
                "select": {
                    "hub": {"type": "alpha", "entities": [{"of": "$group"}]},
                    "spoke1": {"type": "beta", "entities": [{"of": "$group"}]},
                },
                "require": [{"first": "spoke1", "then": "hub", "within": "10d"}],
                "likelihood_ratio": 2,
            },
            observation("hub-0", "alpha", "2023-01-20", ["g1"], [source("s", "A1")]),
            observation("spoke1-0", "beta", "2023-01", ["g1"], [source("s", "B2")]),
            observation("spoke1-1", "beta", "../2023-01-05", ["g1"], [source("s", "C3")]),
        ],
        "2023-06-01",
    ),
    5,
)
def test_band_join_agrees_with_enumeration(world: tuple[list[dict[str, Any]], str], limit: int) -> None:
    documents, as_of = world
    for reference, fast in both_paths(documents, as_of):
        assert_same(reference, fast, limit)


def test_the_shipped_indicators_that_are_stars() -> None:
    """All eight shipped indicators are stars: none has a `count` or an `as_of` window, each has
    two or three selections of distinct observation types, and every window ties a spoke to one hub."""
    from iandw.loader import load
    from worlds import ROOT

    case = load([f"{ROOT}/observations"], rules=f"{ROOT}/rules").case
    shapes = {i: star_plan(compile_indicator(ind, case.registry)) for i, ind in case.indicators.items()}
    assert len(shapes) == 8  # the files in rules/indicators
    assert [i for i, shape in shapes.items() if shape is None] == []
    assert shapes["leadership-meeting-before-attack"] is not None
    assert shapes["leadership-meeting-before-attack"].bands == ((0, 84),)
    assert shapes["financing-through-sanctioned-exchange"] is not None
    assert shapes["financing-through-sanctioned-exchange"].hub == "attack"


def test_definite_when_the_whole_interval_fits() -> None:
    """A month-precision spoke 10..40 days before the hub, window 0..45: definite, by hand."""
    documents = [
        entity("g1", "group"),
        {
            "kind": "indicator",
            "id": "star",
            "title": "star",
            "vars": {"group": {"type": "group"}},
            "select": {
                "hub": {"type": "alpha", "entities": [{"of": "$group"}]},
                "spoke1": {"type": "beta", "entities": [{"of": "$group"}]},
            },
            "require": [{"first": "spoke1", "then": "hub", "within": "45d"}],
            "likelihood_ratio": 2,
        },
        observation("hub-0", "alpha", "2023-02-10", ["g1"], [source("s", "A1")]),
        # January: gap 2023-02-10 − 2023-01-31 = 10 .. 2023-02-10 − 2023-01-01 = 40
        observation("spoke1-0", "beta", "2023-01", ["g1"], [source("s", "B2")]),
    ]
    pairs = both_paths(documents, "2023-06-01")
    assert len(pairs) == 3  # one group (group=g1), under each of the three pooling settings
    for reference, fast in pairs:
        assert fast.truth == Truth.DEFINITE == reference.truth
        assert fast.confidence == pytest.approx(0.81 * 0.49)


def test_groups_that_share_a_hub_list_share_its_sorted_side() -> None:
    """Two sponsors of one group: both groups hold the group's attacks, sorted once, and each agrees."""
    documents: list[dict[str, Any]] = [
        entity("g1", "group"),
        entity("s1", "state"),
        entity("s2", "state"),
        {
            "kind": "indicator",
            "id": "star",
            "title": "star",
            "vars": {"sponsor": {"type": "state"}, "group": {"type": "group"}},
            "select": {
                "hub": {"type": "alpha", "entities": [{"of": "$group"}]},
                "spoke1": {"type": "beta", "entities": [{"entity": "$sponsor"}, {"of": "$group"}]},
            },
            "require": [{"first": "spoke1", "then": "hub", "within": "10d"}],
            "likelihood_ratio": 2,
        },
    ]
    for n in range(12):  # attacks every 7 days; meetings of each sponsor every 5 and 9 days
        documents.append(observation(f"hub-{n}", "alpha", (BASE + dt.timedelta(7 * n)).isoformat(), ["g1"]))
    for sponsor, step in (("s1", 5), ("s2", 9)):
        for n in range(10):
            day = (BASE + dt.timedelta(step * n)).isoformat()
            documents.append(observation(f"{sponsor}-{n}", "beta", day, [sponsor, "g1"], [source("s", "B2")]))
    compiled, plan, groups = star_groups(documents)
    as_of = DayInterval(BASE.toordinal() + 400, BASE.toordinal() + 400)
    joined = band_join_groups(plan, compiled, groups, as_of)
    assert len(joined) == 2 and joined[0].hub is joined[1].hub
    for (assignment, members), fast in zip(groups, joined, strict=True):
        assert_same(enumerate_group(compiled, assignment, members, as_of), fast, 5)


def test_hubs_that_share_a_spoke_list_are_joined_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three sponsors' meetings (hubs) with one group's attacks (the spoke): batched, each as if alone."""
    # hubs of 10 meetings; a spoke of one segment (the single days) and a pool of
    # 3 (two months, one interval): 40 cells a group, batches of two and one
    monkeypatch.setattr(bandjoin, "BATCH_CELLS", 100)
    documents: list[dict[str, Any]] = [
        entity("g1", "group"),
        *(entity(sponsor, "state") for sponsor in ("s1", "s2", "s3")),
        {
            "kind": "indicator",
            "id": "star",
            "title": "star",
            "vars": {"sponsor": {"type": "state"}, "group": {"type": "group"}},
            "select": {  # listed first, the meetings are the hub
                "meeting": {"type": "beta", "entities": [{"entity": "$sponsor"}, {"of": "$group"}]},
                "attack": {"type": "alpha", "entities": [{"of": "$group"}]},
            },
            "require": [{"first": "meeting", "then": "attack", "within": "10d"}],
            "likelihood_ratio": 2,
        },
    ]
    for n in range(12):  # attacks every 7 days, two of them known only to the month, one to an interval
        day = (BASE + dt.timedelta(7 * n)).isoformat()
        date = (
            day[:7]
            if n in (3, 8)
            else f"{day}/{(BASE + dt.timedelta(7 * n + 3)).isoformat()}"
            if n == 5
            else day
        )
        documents.append(observation(f"attack-{n}", "alpha", date, ["g1"], [source("a", "C3")]))
    for sponsor, step, grade in (("s1", 5, "B2"), ("s2", 9, "A1"), ("s3", 4, "D4")):
        for n in range(10):
            day = (BASE + dt.timedelta(step * n)).isoformat()
            documents.append(
                observation(f"{sponsor}-{n}", "beta", day, [sponsor, "g1"], [source("s", grade)])
            )
    compiled, plan, groups = star_groups(documents)
    assert plan.hub == "meeting"
    as_of = DayInterval(BASE.toordinal() + 400, BASE.toordinal() + 400)
    joined = band_join_groups(plan, compiled, groups, as_of)
    assert len(joined) == 3 and joined[0].spokes[0] is joined[1].spokes[0] is joined[2].spokes[0]
    assert joined[0].spokes[0].cells_per_hub == 4
    # the first two were computed in one pass: their statistics are parts of the same arrays
    assert joined[0].stats[0].possible.base is joined[1].stats[0].possible.base is not None
    assert joined[2].stats[0].possible.base is not joined[0].stats[0].possible.base
    for (assignment, members), fast in zip(groups, joined, strict=True):
        assert_same(enumerate_group(compiled, assignment, members, as_of), fast, 5)
        assert not fast.stats[0].possible.flags.writeable  # a view into its batch: read-only
        alone = band_join_groups(plan, compiled, [(assignment, members)], as_of)[0]
        for field in ("possible", "definite", "best_possible", "best_definite", "nearest_miss", "ranges"):
            assert (getattr(alone.stats[0], field) == getattr(fast.stats[0], field)).all(), field
        assert [b.observation_ids() for b in fast.top_matches(10)] == [
            b.observation_ids() for b in alone.top_matches(10)
        ]
        assert [b.observation_ids() for b in fast.top_near_misses(10)] == [
            b.observation_ids() for b in alone.top_near_misses(10)
        ]


def test_batches_are_bounded_by_cells_not_hubs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hubs of 10, 10, 10 and 500 observations, 4 cells each, 100 cells a batch: 40 + 40, 40, 2,000 alone."""
    monkeypatch.setattr(bandjoin, "BATCH_CELLS", 100)
    assert list(bandjoin._batches([0, 1, 2, 3], [10, 10, 10, 500], 4)) == [[0, 1], [2], [3]]
    assert list(bandjoin._batches([5, 6], [30, 1], 1)) == [[5, 6]]
