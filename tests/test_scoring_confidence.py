"""Source weights, observation and binding confidence (SPEC §5, §7).

R = {A .9, B .7, C .5, D .3, E .1, F .5}; C = {1 .9, 2 .7, 3 .5, 4 .3, 5 .1, 6 .5}.
"""

from __future__ import annotations

from typing import Any

import pytest

from iandw.assessment.arithmetic import counted_sources
from iandw.render import render
from worlds import PROBE, entity, observation, run, source


def confidences(
    source_lists: dict[str, list[dict[str, Any]]], extra: list[dict[str, Any]] = ()
) -> dict[str, float]:
    documents: list[dict[str, Any]] = [entity("x", "thing"), PROBE, *extra]
    for id, sources in source_lists.items():
        documents.append(observation(id, "report", "2023-01-01", ["x"], sources))
    report = run(documents)
    traced = {o.id: o.confidence for o in report.observations}
    (group,) = report.indicators[0].groups
    matched = {m.observations["e"]: m.confidence for m in group.matches}
    assert traced.keys() == matched.keys() == source_lists.keys()
    for id in traced:  # one selection: the binding's confidence is the observation's
        assert matched[id] == pytest.approx(traced[id], abs=1e-12)
    return traced


@pytest.mark.parametrize(
    ("grade", "weight"),
    [
        ("A1", 0.9 * 0.9),
        ("B2", 0.7 * 0.7),
        ("C3", 0.5 * 0.5),
        ("D4", 0.3 * 0.3),
        ("E5", 0.1 * 0.1),
        ("F6", 0.5 * 0.5),
        ("A6", 0.9 * 0.5),
        ("F1", 0.5 * 0.9),
        ("B5", 0.7 * 0.1),
        ("E2", 0.1 * 0.7),
    ],
)
def test_single_source_weight(grade, weight):
    assert confidences({"o": [source("s", grade)]})["o"] == pytest.approx(weight, abs=1e-12)


def test_missing_grades_count_as_f_and_6():
    found = confidences(
        {
            "ungraded": [source("s")],
            "reliability-only": [{"name": "s", "reliability": "A"}],
            "credibility-only": [{"name": "s", "credibility": 1}],
        }
    )
    assert found == pytest.approx(
        {
            "ungraded": 0.5 * 0.5,  # F / 6
            "reliability-only": 0.9 * 0.5,  # A / 6
            "credibility-only": 0.5 * 0.9,  # F / 1
        },
        abs=1e-12,
    )


def test_noisy_or_over_origins():
    found = confidences(
        {
            # one origin, two sources: counts once, with its best weight
            "one-origin": [
                source("Al-Aqsa TV", "B2", origin="hamas"),
                source("Telegram", "C3", origin="hamas"),
            ],
            "one-origin-reversed": [
                source("Telegram", "C3", origin="hamas"),
                source("Al-Aqsa TV", "B2", origin="hamas"),
            ],
            "same-name": [source("Reuters", "E5"), source("Reuters", "A1")],
            # two origins: 1 − (1 − .49)(1 − .25)
            "two-origins": [source("Reuters", "B2"), source("AP", "C3")],
            # three origins
            "three-origins": [source("a", "A1"), source("b", "B2"), source("c", "C3")],
            # origin x has B2 and A1 (best .81), origin y has C3
            "mixed": [source("x1", "B2", origin="x"), source("x2", "A1", origin="x"), source("y", "C3")],
            # an ungraded source of a second origin still adds F/6
            "with-ungraded": [source("Reuters", "B2"), source("blog")],
            "no-sources": [],
        }
    )
    expected = {
        "one-origin": 0.49,
        "one-origin-reversed": 0.49,
        "same-name": 0.81,
        "two-origins": 1 - (1 - 0.49) * (1 - 0.25),  # 0.6175
        "three-origins": 1 - (1 - 0.81) * (1 - 0.49) * (1 - 0.25),
        "mixed": 1 - (1 - 0.81) * (1 - 0.25),  # 0.8575
        "with-ungraded": 1 - (1 - 0.49) * (1 - 0.25),
        "no-sources": 0.0,  # an empty product of misses is 1
    }
    assert found == pytest.approx(expected, abs=1e-12)


def test_one_origin_however_it_is_spelled() -> None:
    """Origins are compared with case, diacritics, runs of spaces and surrounding punctuation aside."""
    found = confidences(
        {
            "spellings": [source("a", "B2", origin="hamas"), source("b", "B2", origin="Ḥamas ")],
            "by-name": [source("Reuters", "B2"), source("REUTERS.", "C3")],
            "an-origin-and-a-name": [source("a", "C3", origin="Reuters"), source("reuters", "B2")],
            "spaces": [source("a", "B2", origin="Al  Qassam"), source("b", "B2", origin=" al qassam")],
            "distinct": [source("a", "B2", origin="hamas"), source("b", "B2", origin="hamas-2")],
            "sites": [source("a", "B2", origin="news-24.com"), source("b", "B2", origin="News24.com")],
            "punctuation-only": [source("a", "B2", origin="--"), source("b", "B2", origin="—")],
            "folded-case": [source("a", "B2", origin="Straße"), source("b", "B2", origin="STRASSE")],
        }
    )
    two = 1 - 0.51 * 0.51
    expected = {
        "spellings": 0.49,  # one origin: the best of .49 and .49
        "by-name": 0.49,  # one origin: .49 beats .25
        "an-origin-and-a-name": 0.49,
        "spaces": 0.49,
        "distinct": two,  # 'hamas-2' is another origin
        "sites": two,  # punctuation inside an origin counts: two web sites
        "punctuation-only": two,  # nothing to fold: each is only itself
        "folded-case": 0.49,  # Unicode case folding: ß is ss
    }
    assert found == pytest.approx(expected, abs=1e-12)


def test_the_trace_keeps_each_origin_as_written_and_its_sources_together() -> None:
    sources = [
        source("z", "C3", origin="Hamas"),
        source("m", "A1", origin="mei"),
        source("a", "B2", origin="hamas"),
    ]
    documents = [entity("x", "thing"), PROBE, observation("o", "report", "2023-01-01", ["x"], sources)]
    (trace,) = run(documents).observations
    # hamas first (its key sorts before 'mei'), its best (.49) first and the one counted; origins as written
    assert [(s.name, s.origin, s.weight, s.counted) for s in trace.sources] == [
        ("a", "hamas", pytest.approx(0.49), True),
        ("z", "Hamas", pytest.approx(0.25), False),
        ("m", "mei", pytest.approx(0.81), True),
    ]
    assert trace.confidence == pytest.approx(1 - 0.51 * 0.19)


def test_the_trace_says_which_grades_were_not_given() -> None:
    """An ungraded source weighs as F6 (SPEC §5): shown so, it read as an analyst's judgement."""
    sources = [
        source("graded", "B2", origin="a"),
        {"name": "nothing", "origin": "b"},
        {"name": "half", "origin": "c", "reliability": "A"},
        {"name": "other-half", "origin": "d", "credibility": 2},
    ]
    documents = [entity("x", "thing"), PROBE, observation("o", "report", "2023-01-01", ["x"], sources)]
    report = run(documents)
    (trace,) = report.observations
    page = render(report, "html")
    assert 'F6 <span class="muted small">(reliability and credibility not given)</span>' in page
    assert 'A6 <span class="muted small">(credibility not given)</span>' in page
    assert [(s.name, s.reliability, s.credibility, s.defaulted) for s in trace.sources] == [
        ("graded", "B", 2, []),
        ("nothing", "F", 6, ["reliability", "credibility"]),
        ("half", "A", 6, ["credibility"]),
        ("other-half", "F", 2, ["reliability"]),
    ]


def test_the_trace_says_from_which_day_each_observation_is_used() -> None:
    """No `reported`: used from its date's last day (SPEC §9), which the trace showed as null.
    A month ends on its 31st; `reported` wins when given, its last day too."""
    graded = [source("s", "B2")]
    documents = [
        entity("x", "thing"),
        PROBE,
        observation("month", "report", "2023-10", ["x"], graded),
        observation("late", "report", "2023-09-01", ["x"], graded, reported="2023-11"),
    ]
    report = run(documents)
    assert {o.id: (o.reported, o.used_from) for o in report.observations} == {
        "month": (None, "2023-10-31"),
        "late": ("2023-11", "2023-11-30"),
    }
    assert "no reported date: used from 2023-10-31, its date's last day" in render(report, "html")


def test_each_origin_counts_its_best_source_once_in_any_order() -> None:
    """The first of equal weights counts; the others repeat their origin (circular reporting)."""
    pairs = [("a", 0.25), ("b", 0.81), ("a", 0.49), ("a", 0.49)]
    assert counted_sources(pairs) == [False, True, True, False]
    assert counted_sources([]) == []


def test_scoring_document_overrides_the_tables():
    scoring = {"kind": "scoring", "reliability": {"B": 0.8}, "credibility": {2: 0.6, 6: 0.0}}
    found = confidences(
        {
            "b2": [source("s", "B2")],
            "c3": [source("s", "C3")],
            "ungraded": [source("s")],
            "two": [source("s", "B2"), source("t", "C3")],
        },
        extra=[scoring],
    )
    assert found == pytest.approx(
        {
            "b2": 0.8 * 0.6,
            "c3": 0.5 * 0.5,  # untouched defaults
            "ungraded": 0.5 * 0.0,  # F / 6 with C[6] = 0
            "two": 1 - (1 - 0.48) * (1 - 0.25),
        },
        abs=1e-12,
    )


def test_binding_confidence_is_the_product_of_its_observations():
    indicator = {
        "kind": "indicator",
        "id": "pair",
        "title": "t",
        "select": {"a": {"type": "a"}, "b": {"type": "b"}, "c": {"type": "c"}},
        "likelihood_ratio": 2,
    }
    documents = [
        indicator,
        observation("a1", "a", "2023-01-01", [], [source("s", "B2"), source("t", "C3")]),  # 0.6175
        observation("b1", "b", "2023-01-02", [], [source("s", "A1")]),  # 0.81
        observation("c1", "c", "2023-01-03", [], [source("s")]),  # 0.25
    ]
    (group,) = run(documents).indicators[0].groups
    (match,) = group.matches
    expected = (1 - 0.51 * 0.75) * 0.81 * 0.25
    assert match.confidence == pytest.approx(expected, abs=1e-12)
    assert group.confidence == pytest.approx(expected, abs=1e-12)


def test_indicator_confidence_is_the_best_definite_binding():
    indicator = {
        "kind": "indicator",
        "id": "one",
        "title": "t",
        "select": {"e": {"type": "report"}},
        "likelihood_ratio": 2,
    }
    documents = [
        indicator,
        observation("weak", "report", "2023-01-01", [], [source("s", "D4")]),  # 0.09
        observation("strong", "report", "2023-01-01", [], [source("s", "B1")]),  # 0.63
        observation("middle", "report", "2023-01-01", [], [source("s", "C2")]),  # 0.35
    ]
    (group,) = run(documents).indicators[0].groups
    assert group.confidence == pytest.approx(0.7 * 0.9, abs=1e-12)
    # matches best first
    assert [m.observations["e"] for m in group.matches] == ["strong", "middle", "weak"]


def test_every_origin_counts_even_one_whose_sources_weigh_nothing() -> None:
    """A scoring that weighs E at 0: its origin is still an origin (for min_origins), adding no confidence."""
    from iandw.assessment.arithmetic import origins_and_confidence
    from iandw.model.scoring import ScoringTables

    tables = ScoringTables(reliability={"A": 0.9, "B": 0.7, "C": 0.5, "D": 0.3, "E": 0.0, "F": 0.5})
    sources = (("wire", "E", 1), ("embassy", "B", 2), ("wire", "E", 6))
    # embassy: 0.7 × 0.7 = 0.49; wire: 0 × anything = 0; 1 − (1 − 0.49)(1 − 0) = 0.49
    assert origins_and_confidence(sources, tables) == (("embassy", "wire"), pytest.approx(0.49, abs=1e-15))


@pytest.mark.parametrize("weight", [-3.0, 1.5, float("nan"), float("inf")])
def test_scoring_tables_built_through_the_api_hold_probabilities(weight: float) -> None:
    from iandw.model.scoring import DEFAULT_CREDIBILITY, ScoringTables

    with pytest.raises(ValueError, match="not a probability"):
        ScoringTables(credibility={**DEFAULT_CREDIBILITY, 2: weight})


def test_weight_table_holds_every_grade_pair_and_the_ungraded() -> None:
    """`ScoringTables.weights` is R × C for every pair, a missing grade read as F or 6, custom tables too."""
    from iandw.model.scoring import ScoringTables

    tables = ScoringTables(
        reliability={"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.25},
        credibility={1: 1.0, 2: 0.75, 3: 0.5, 4: 0.25, 5: 0.125, 6: 0.5},
    )
    reliability = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.25, None: 0.25}
    credibility = {1: 1.0, 2: 0.75, 3: 0.5, 4: 0.25, 5: 0.125, 6: 0.5, None: 0.5}
    expected = {r: {c: rw * cw for c, cw in credibility.items()} for r, rw in reliability.items()}
    assert tables.weights == expected


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ((("wire", "B", 2),), (("wire",), 0.7 * 0.7)),
        ((("wire", None, None),), (("wire",), 0.5 * 0.5)),
        ((("wire", "A", None),), (("wire",), 0.9 * 0.5)),
        # two origins: 1 − (1 − .81)(1 − .25) = 0.8575
        ((("wire", "A", 1), ("embassy", None, None)), (("embassy", "wire"), 1 - (1 - 0.81) * (1 - 0.25))),
    ],
)
def test_origins_and_confidence_of_one_or_two_sources(sources, expected) -> None:
    from iandw.assessment.arithmetic import origins_and_confidence
    from iandw.model.scoring import ScoringTables

    origins, confidence = origins_and_confidence(sources, ScoringTables())
    assert origins == expected[0]
    assert confidence == pytest.approx(expected[1], abs=1e-15)
