"""Scanning a group row by row agrees exactly with enumerating every binding.

Random indicators the band join cannot take: two or three selections whose
types may coincide (so one observation may be a candidate for several
selections, and bindings must pick distinct ones), windows between any two
selections or the evaluation date, `between` windows, and `count` items of
observations or origins.  For every group, `ScannedGroup` must give the
same status and counts as `enumerate_group` and the very same first
matches and near misses, in the same order, with the same checks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iandw.dates import DayInterval, Truth
from iandw.engine import scan
from iandw.engine.bandjoin import star_plan
from iandw.engine.compile import compile_indicator
from iandw.engine.evaluate import enumerate_group, evaluate_candidates, match_candidates, partition
from iandw.engine.match import MatchContext
from iandw.engine.results import Binding, EnumeratedGroup
from iandw.engine.scan import ScannedGroup
from test_bandjoin import dates
from worlds import checked, entity, observation, source

TYPES = ("alpha", "beta", "gamma")
NAMES = ("first", "second", "third", "fourth")


@st.composite
def requirements(draw: st.DrawFn, names: list[str]) -> list[dict[str, Any]]:
    require: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        first, then = draw(st.permutations([*names, "as_of"]))[:2]
        within, minimum = draw(st.integers(0, 40)), draw(st.integers(0, 10))
        form = draw(st.sampled_from(["within", "within-min", "min", "between", "between-min"]))
        if form == "within":
            require.append({"first": first, "then": then, "within": f"{within}d"})
        elif form == "within-min":
            require.append(
                {"first": first, "then": then, "within": f"{within + minimum}d", "min": f"{minimum}d"}
            )
        elif form == "min":
            require.append({"first": first, "then": then, "min": f"{minimum}d"})
        elif form == "between":
            require.append({"between": [first, then], "within": f"{within}d"})
        else:
            require.append({"between": [first, then], "within": f"{within + minimum}d", "min": f"{minimum}d"})
    for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
        count: dict[str, Any] = {"count": name, "at_least": draw(st.integers(1, 4))}
        if draw(st.booleans()):
            count["distinct"] = "origins"
        require.append(count)
    return require


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[dict[str, Any]], str]:
    """One group variable, 2-4 selections of two or three types, 1-9 observations of each type."""
    names = list(NAMES[: draw(st.integers(2, 4))])
    types = TYPES[: draw(st.integers(2, 3))]
    select = {name: {"type": draw(st.sampled_from(types)), "entities": [{"of": "$group"}]} for name in names}
    indicator = {
        "kind": "indicator",
        "id": "shape",
        "title": "shape",
        "vars": {"group": {"type": "group"}},
        "select": select,
        "require": draw(requirements(names)),
        "likelihood_ratio": 2,
    }
    documents: list[dict[str, Any]] = [entity("g1", "group"), entity("g2", "group"), indicator]
    for kind in types:
        for n in range(draw(st.integers(1, {2: 9, 3: 5, 4: 4}[len(names)]))):
            sources = [
                source(
                    f"s{k}",
                    draw(st.sampled_from(["A1", "B2", "C3", "F6", None])),
                    draw(st.sampled_from("xyz")),
                )
                for k in range(draw(st.integers(1, 2)))
            ]
            documents.append(
                observation(
                    f"{kind}-{n}",
                    kind,
                    draw(dates()),
                    [draw(st.sampled_from(["g1", "g1", "g2"]))],
                    sources,
                    reported="2023-01-01",
                )
            )
    return documents, draw(st.sampled_from(["2023-06-01", "2023-02-15"]))


def groups_of(documents: list[dict[str, Any]]) -> tuple[Any, list[tuple[Any, Any]]]:
    case = checked(documents).case
    compiled = compile_indicator(case.indicators["shape"], case.registry)
    context = MatchContext(case.registry, case.scales, compiled.variables)
    return compiled, partition(compiled, match_candidates(compiled, case.observations, context))


def shown(bindings: list[Binding]) -> list[tuple[Any, ...]]:
    """Everything a report shows of a binding, checks included."""
    return [
        (
            b.observation_ids(),
            b.truth,
            b.failed,
            b.violation,
            b.confidence,
            [(c.require, c.truth, c.distance, c.detail) for c in b.checks],
        )
        for b in bindings
    ]


def assert_same(reference: Any, scanned: ScannedGroup) -> None:
    assert (scanned.truth, scanned.match_count, scanned.near_miss_count) == (
        reference.truth,
        reference.match_count,
        reference.near_miss_count,
    )
    assert scanned.confidence == reference.confidence
    assert scanned.closeness == reference.closeness
    for limit in (1, 3, None):
        assert shown(scanned.top_matches(limit)) == shown(reference.top_matches(limit))
        assert shown(scanned.top_near_misses(limit)) == shown(reference.top_near_misses(limit))
    assert shown(scanned.top_matches(2)) == shown(reference.top_matches(2))  # from the cached longer list


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.lists(st.integers(1, 300), max_size=2))
def test_scanning_agrees_with_enumeration(world: tuple[list[dict[str, Any]], str], rows: list[int]) -> None:
    documents, as_of_text = world
    compiled, groups = groups_of(documents)
    day = dt.date.fromisoformat(as_of_text).toordinal()
    as_of_interval = DayInterval(day, day)
    for assignment, members in groups:
        reference = enumerate_group(compiled, assignment, members, as_of_interval)
        # rows of the largest selection alone, of every selection, and of other lengths: some
        # selections in the row and the others row by row
        for max_row in (1, scan.SCAN_MAX_ROW, *rows):
            assert_same(reference, ScannedGroup(compiled, assignment, members, as_of_interval, max_row))


def pairs_of_meetings(*require: dict[str, Any]) -> dict[str, Any]:
    """An indicator pairing observations of one type with each other: not a star."""
    return {
        "kind": "indicator",
        "id": "shape",
        "title": "shape",
        "vars": {"group": {"type": "group"}},
        "select": {
            "first": {"type": "alpha", "entities": [{"of": "$group"}]},
            "second": {"type": "alpha", "entities": [{"of": "$group"}]},
        },
        "require": list(require),
        "likelihood_ratio": 2,
    }


def test_repeated_meetings_by_hand() -> None:
    """Meetings on days 0, 3, 10 and 30, the second within 7 days after the first.

    Twelve ordered pairs of distinct meetings: (0, 3) and (3, 10) match, 10 are
    near misses. The nearest miss by 3 days: (0, 10), 3 days too long, and
    (3, 0), 3 days the wrong way; ids break the tie.
    """
    documents: list[dict[str, Any]] = [
        entity("g1", "group"),
        pairs_of_meetings({"first": "first", "then": "second", "within": "7d"}),
    ]
    base = dt.date(2023, 1, 1)
    for n, offset in enumerate((0, 3, 10, 30)):
        day = (base + dt.timedelta(days=offset)).isoformat()
        documents.append(observation(f"m{n}", "alpha", day, ["g1"], [source("s", "B2")]))
    compiled, groups = groups_of(documents)
    assert star_plan(compiled) is None  # two selections of one type
    [(assignment, members)] = groups
    group = ScannedGroup(
        compiled, assignment, members, DayInterval(base.toordinal() + 60, base.toordinal() + 60)
    )
    assert (group.truth, group.match_count, group.near_miss_count) == (Truth.DEFINITE, 2, 10)
    # both matches have confidence 0.49 × 0.49; ties go by ids: (m0, m1) before (m1, m2)
    assert [b.observation_ids() for b in group.top_matches()] == [("m0", "m1"), ("m1", "m2")]
    nearest = group.top_near_misses(1)[0]
    assert (nearest.observation_ids(), nearest.failed, nearest.violation) == (("m0", "m2"), 1, 3.0)


def test_a_large_group_of_another_shape_is_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """`evaluate_candidates` scans a group of at least SCAN_MIN_BINDINGS bindings, enumerates others."""
    documents: list[dict[str, Any]] = [
        entity("g1", "group"),
        pairs_of_meetings(
            {"first": "first", "then": "second", "within": "7d"}, {"count": "first", "at_least": 2}
        ),
        *(observation(f"m{n}", "alpha", f"2023-01-{n + 1:02d}", ["g1"]) for n in range(20)),
    ]
    case = checked(documents).case
    compiled = compile_indicator(case.indicators["shape"], case.registry)
    candidates = match_candidates(
        compiled, case.observations, MatchContext(case.registry, case.scales, compiled.variables)
    )
    for bindings, kind in ((400, ScannedGroup), (401, EnumeratedGroup)):
        monkeypatch.setattr(scan, "SCAN_MIN_BINDINGS", bindings)
        [group] = evaluate_candidates(compiled, candidates, dt.date(2023, 6, 1).toordinal()).groups.values()
        assert type(group) is kind
        # 20 × 19 ordered pairs; those 1-7 days apart in order: 7 per first day, fewer near the end
        assert group.match_count == sum(1 for a, b in itertools.permutations(range(20), 2) if 0 <= b - a <= 7)


def test_a_group_is_scanned_where_its_rows_are_mostly_distinct_bindings() -> None:
    """Selections of one type share their observations: k of them over n observations keep
    n!/(n-k)!/n^k of their bindings. Rows of mostly wasted bindings are enumerated, unless
    enumerating would hold more than ENUMERATED_MAX bindings."""
    from types import SimpleNamespace

    def same_pool(k: int, n: int) -> Any:
        pool = [SimpleNamespace(id=f"o{index}") for index in range(n)]
        return {f"s{index}": pool for index in range(k)}

    assert scan.scans(same_pool(4, 40))  # 40·39·38·37/40⁴ ≈ 0.86 of 2.56 million
    assert not scan.scans(same_pool(8, 8))  # 8!/8⁸ ≈ 0.0024: 40,320 of 16.8 million
    assert not scan.scans(same_pool(6, 8))  # 20,160/262,144 ≈ 0.077
    assert scan.scans(same_pool(7, 12))  # ≈ 0.11, but 3,991,680 bindings to hold
    assert scan.scans(same_pool(2, 64))  # long rows always
    assert not scan.scans(same_pool(2, 44))  # 1,936 bindings: too few to scan
    disjoint = {f"s{k}": [SimpleNamespace(id=f"o{k}-{i}") for i in range(8)] for k in range(4)}
    assert scan.scans(disjoint)  # 4,096 bindings, all distinct
