"""`count` requires, `min_grade` and `min_origins` (SPEC §5, §6, §13 "Bindings", "Grades")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from worlds import checked, entity, evaluate_indicators, observation, run, source

ENTITIES = [entity("hamas", "armed-group"), entity("pij", "armed-group")]


def claims_indicator(count: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "indicator",
        "id": "claimed",
        "title": "an attack claimed by at least two reports",
        "vars": {"group": {"type": "armed-group"}},
        "select": {
            "attack": {"type": "attack", "entities": [{"of": "$group", "role": "perpetrator"}]},
            "claim": {"type": "claim", "entities": [{"of": "$group"}]},
        },
        "require": [{"first": "attack", "then": "claim", "within": "3d"}, count],
        "likelihood_ratio": 2,
    }


COUNT_2 = {"count": "claim", "at_least": 2}
ORIGINS_2 = {"count": "claim", "at_least": 2, "distinct": "origins"}


def attack(id: str = "a1", group: str = "hamas", date: str = "2023-10-07", grade: str = "A1"):
    return observation(
        id, "attack", date, [{"entity": group, "role": "perpetrator"}], [source("wire", grade)]
    )


def claim(id: str, date: str, *sources: dict[str, Any], group: str = "hamas"):
    return observation(id, "claim", date, [group], list(sources) or [source("s-" + id, "B2")])


def statuses(documents: list[dict[str, Any]]) -> dict[str, str]:
    case = checked(documents).case
    result = evaluate_indicators(case, dt.date(2030, 1, 1).toordinal())["claimed"]
    return {group.vars["group"]: group.status for group in result.groups.values()}


def test_count_of_observations_reached():
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack(),
        claim("c1", "2023-10-08"),
        claim("c2", "2023-10-09"),
    ]
    assert statuses(documents) == {"hamas": "fired"}


def test_count_of_observations_not_reached():
    documents = [*ENTITIES, claims_indicator(COUNT_2), attack(), claim("c1", "2023-10-08")]
    assert statuses(documents) == {"hamas": "not-fired"}


def test_a_count_no_float_can_hold_is_never_reached():
    """Its distance from the observations found was turned into a float, and the evaluation
    stopped with a traceback."""
    huge = {"count": "claim", "at_least": 10**400}
    documents = [*ENTITIES, claims_indicator(huge), attack(), claim("c1", "2023-10-08")]
    assert statuses(documents) == {"hamas": "not-fired"}
    assert run(documents).indicators[0].groups == []  # the report, which orders near misses by distance


def test_count_is_over_bindings_that_meet_the_other_checks():
    # c3 is 13 days after the attack: its binding fails the window, so it is not counted
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack(),
        claim("c1", "2023-10-08"),
        claim("c3", "2023-10-20"),
    ]
    assert statuses(documents) == {"hamas": "not-fired"}


def test_count_is_possible_when_possible_bindings_are_needed():
    # c2 is 2023-10-08/2023-10-12: gap 1..5 against within 3d → possible binding
    # definite: {c1} = 1 < 2; definite + possible: {c1, c2} = 2 ≥ 2 → possible
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack(),
        claim("c1", "2023-10-08"),
        claim("c2", "2023-10-08/2023-10-12"),
    ]
    assert statuses(documents) == {"hamas": "possible"}
    # a third, definite claim makes the definite bindings alone reach 2
    documents.append(claim("c4", "2023-10-10"))
    assert statuses(documents) == {"hamas": "fired"}


def test_count_counts_distinct_observations_not_bindings():
    # two attacks, one claim: bindings (a1, c1) and (a2, c1) but only one claim
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack("a1", date="2023-10-07"),
        attack("a2", date="2023-10-08"),
        claim("c1", "2023-10-09"),
    ]
    assert statuses(documents) == {"hamas": "not-fired"}


def test_count_is_per_variable_assignment():
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack("a1", "hamas"),
        attack("a2", "pij"),
        claim("c1", "2023-10-08", group="hamas"),
        claim("c2", "2023-10-08", group="pij"),
    ]
    assert statuses(documents) == {"hamas": "not-fired", "pij": "not-fired"}


def test_confidence_with_a_count_is_the_best_single_definite_binding():
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack(grade="A1"),  # 0.9 * 0.9 = 0.81
        claim("c1", "2023-10-08", source("x", "B2")),  # 0.7 * 0.7 = 0.49
        claim("c2", "2023-10-09", source("y", "C3")),  # 0.5 * 0.5 = 0.25
    ]
    (group,) = run(documents).indicators[0].groups
    assert group.status == "fired"
    assert group.confidence == pytest.approx(0.81 * 0.49, abs=1e-12)
    assert [m.confidence for m in group.matches] == pytest.approx([0.81 * 0.49, 0.81 * 0.25], abs=1e-12)


def test_count_of_origins_two_sources_one_origin():
    documents = [
        *ENTITIES,
        claims_indicator(ORIGINS_2),
        attack(),
        claim("c1", "2023-10-08", source("Al-Aqsa TV", "C3", origin="hamas-press")),
        claim("c2", "2023-10-09", source("Telegram", "C3", origin="hamas-press")),
    ]
    assert statuses(documents) == {"hamas": "not-fired"}  # 2 observations, 1 origin


def test_count_of_origins_defaults_origin_to_the_source_name():
    documents = [
        *ENTITIES,
        claims_indicator(ORIGINS_2),
        attack(),
        claim("c1", "2023-10-08", source("Reuters", "B2")),
        claim("c2", "2023-10-09", source("Reuters", "B2")),
    ]
    assert statuses(documents) == {"hamas": "not-fired"}


def test_count_of_origins_two_origins():
    documents = [
        *ENTITIES,
        claims_indicator(ORIGINS_2),
        attack(),
        claim("c1", "2023-10-08", source("Al-Aqsa TV", "C3", origin="hamas-press")),
        claim("c2", "2023-10-09", source("Reuters", "B2")),
    ]
    assert statuses(documents) == {"hamas": "fired"}


def test_count_of_origins_across_one_observation():
    # one claim, two origins: 2 origins (but only 1 observation)
    two = claim("c1", "2023-10-08", source("Reuters", "B2"), source("AP", "B2"))
    assert statuses([*ENTITIES, claims_indicator(ORIGINS_2), attack(), two]) == {"hamas": "fired"}
    assert statuses([*ENTITIES, claims_indicator(COUNT_2), attack(), two]) == {"hamas": "not-fired"}


def test_count_of_origins_possible():
    documents = [
        *ENTITIES,
        claims_indicator(ORIGINS_2),
        attack(),
        claim("c1", "2023-10-08", source("Reuters", "B2")),
        claim("c2", "2023-10-08/2023-10-12", source("AP", "B2")),  # possible binding
        claim("c3", "2023-10-09", source("Reuters wire", "B2", origin="Reuters")),  # definite, same origin
    ]
    # definite origins {Reuters} = 1; with possible {Reuters, AP} = 2 → possible
    assert statuses(documents) == {"hamas": "possible"}


def test_count_alone():
    indicator = {
        "kind": "indicator",
        "id": "claimed",
        "title": "t",
        "vars": {"group": {}},
        "select": {"claim": {"type": "claim", "entities": [{"of": "$group"}]}},
        "require": [{"count": "claim", "at_least": 3}],
        "likelihood_ratio": 2,
    }
    base = [*ENTITIES, indicator, claim("c1", "2023-01-01"), claim("c2", "2023-02-01")]
    assert statuses(base) == {"hamas": "not-fired"}
    assert statuses([*base, claim("c3", "2023-03-01")]) == {"hamas": "fired"}


# --- min_grade and min_origins ----------------------------------------------------


def graded_world(selection: dict[str, Any], source_lists: dict[str, list[dict[str, Any]]]):
    documents: list[dict[str, Any]] = [entity("hamas", "armed-group")]
    for id, sources in source_lists.items():
        documents.append(observation(id, "report", "2023-01-01", ["hamas"], sources))
    documents.append(
        {
            "kind": "indicator",
            "id": "graded",
            "title": "t",
            "select": {"e": {"type": "report", **selection}},
            "likelihood_ratio": 2,
        }
    )
    return documents


def accepted(selection: dict[str, Any], source_lists: dict[str, list[dict[str, Any]]]) -> set[str]:
    report = run(graded_world(selection, source_lists))
    return {m.observations["e"] for g in report.indicators[0].groups for m in g.matches}


GRADED = {
    "a1": [source("s", "A1")],
    "b2": [source("s", "B2")],
    "a2": [source("s", "A2")],
    "b1": [source("s", "B1")],
    "b3": [source("s", "B3")],
    "c2": [source("s", "C2")],
    "c1": [source("s", "C1")],
    "split": [source("s", "A3"), source("t", "C1")],  # A and 1, but not from one source
    "one-good": [source("s", "A3"), source("t", "B2")],
    "f1": [source("s", "F1")],
    "a6": [source("s", "A6")],
    "f6": [source("s", "F6")],
    "ungraded": [source("s")],
    "reliability-only": [{"name": "s", "reliability": "A"}],
    "credibility-only": [{"name": "s", "credibility": 1}],
    "no-sources": [],
}


def test_min_grade_b2():
    assert accepted({"min_grade": "B2"}, GRADED) == {"a1", "b2", "a2", "b1", "one-good"}


def test_min_grade_a1():
    assert accepted({"min_grade": "A1"}, GRADED) == {"a1"}


def test_min_grade_e5_still_excludes_f_and_6():
    # everything A–E and 1–5 from one source qualifies; F and 6 never do
    expected = {"a1", "b2", "a2", "b1", "b3", "c2", "c1", "split", "one-good"}
    assert accepted({"min_grade": "E5"}, GRADED) == expected


def test_no_min_grade_accepts_everything():
    assert accepted({}, GRADED) == set(GRADED)


def test_min_origins():
    lists = {
        "one-origin-two-sources": [
            source("Al-Aqsa TV", "A1", origin="hamas"),
            source("Telegram", "A1", origin="hamas"),
        ],
        "same-name": [source("Reuters", "A1"), source("Reuters", "B2")],
        "two-origins": [source("Al-Aqsa TV", "C3", origin="hamas"), source("Reuters", "B2")],
        "origin-equals-other-name": [source("Reuters wire", "B2", origin="Reuters"), source("Reuters", "B2")],
        "three-origins": [source("a", "B2"), source("b", "B2"), source("c", "B2")],
        "single": [source("a", "B2")],
        "none": [],
    }
    assert accepted({"min_origins": 2}, lists) == {"two-origins", "three-origins"}
    assert accepted({"min_origins": 3}, lists) == {"three-origins"}
    assert accepted({"min_origins": 1}, lists) == set(lists) - {"none"}


def test_min_grade_and_min_origins_together():
    lists = {
        "good-and-two": [source("a", "B2"), source("b", "E5")],
        "good-but-one": [source("a", "A1")],
        "two-but-poor": [source("a", "C3"), source("b", "D4")],
    }
    assert accepted({"min_grade": "B2", "min_origins": 2}, lists) == {"good-and-two"}


def test_count_check_statuses_in_the_trace():
    documents = [
        *ENTITIES,
        claims_indicator(COUNT_2),
        attack(),
        claim("c1", "2023-10-08"),
        claim("c2", "2023-10-08/2023-10-12"),  # gap 1..5: possible against 0..3
    ]
    (group,) = run(documents).indicators[0].groups
    assert group.status == "possible"
    # c′ = best possible binding: both bindings are possible now (the count is possible)
    assert group.confidence == pytest.approx(0.81 * 0.49, abs=1e-12)
    by_claim = {m.observations["claim"]: [(c.require, c.status) for c in m.checks] for m in group.matches}
    window = "attack then claim within 3d"
    count = next(c.require for m in group.matches for c in m.checks if c.require != window)
    assert by_claim == {
        "c1": [(window, "definite"), (count, "possible")],
        "c2": [(window, "possible"), (count, "possible")],
    }
    assert [m.status for m in group.matches] == ["possible", "possible"]


def test_the_same_variable_in_two_patterns_needs_two_references():
    documents = [
        entity("hamas", "armed-group"),
        entity("marzouk", "person", member_of=["hamas"]),
        entity("haniyeh", "person", member_of=["hamas"]),
        observation("alone", "meeting", "2023-01-01", ["marzouk"]),
        observation("pair", "meeting", "2023-01-01", ["marzouk", "haniyeh"]),
        {
            "kind": "indicator",
            "id": "internal",
            "title": "two members of one group met",
            "vars": {"g": {"type": "armed-group"}},
            "select": {"m": {"type": "meeting", "entities": [{"of": "$g"}, {"of": "$g"}]}},
            "likelihood_ratio": 2,
        },
    ]
    (group,) = run(documents).indicators[0].groups
    assert group.vars == {"g": "hamas"}
    assert [m.observations["m"] for m in group.matches] == ["pair"]


def test_count_detail_gives_the_total_and_its_definite_part():
    """The check's detail must not read as a sum that reaches the count.

    ORIGINS_2 over c1 (origin `x`, definite: 1 day after the attack) and c2 (origin `y`,
    2023-10-08/2023-10-12: gap 1..5 against within 3d, possible).  Definite origins {x}: 1;
    with the possible binding {x, y}: 2 ≥ 2, so the count is possible.  Then with c3
    (origin `x` again, possible) instead of c2: {x} either way, 1 < 2, not fired.
    """
    documents = [
        *ENTITIES,
        claims_indicator(ORIGINS_2),
        attack(),
        claim("c1", "2023-10-08", source("a", "B2", origin="x")),
        claim("c2", "2023-10-08/2023-10-12", source("b", "B2", origin="y")),
    ]
    report = run(documents)
    (group,) = report.indicators[0].groups
    details = {c.detail for m in group.matches for c in m.checks if c.require.startswith("count")}
    assert details == {"2 distinct origins for claim: 1 definite, 1 only possible (need 2)"}
    documents[-1] = claim("c3", "2023-10-08/2023-10-12", source("b", "B2", origin="x"))
    (item,) = run([*documents, {"kind": "hypothesis", "id": "h", "statement": "s"}]).hypotheses[0].indicators
    assert item.status == "not-fired"
    details = {c.detail for m in item.near_misses for c in m.checks if c.require.startswith("count")}
    assert details == {"1 distinct origin for claim: 1 definite, 0 only possible (need 2)"}
