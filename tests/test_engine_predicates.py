"""Predicates and entity patterns (SPEC §6, §13 "Predicates").

Every expectation here is derived by hand from the SPEC: each world has one
observation per entity (`o-<entity id>`), and a one-selection probe indicator;
the test states which observations the predicate must accept.
"""

from __future__ import annotations

from typing import Any

import pytest

from worlds import entity, observation, run, source

LEVEL_SCALE = {
    "kind": "scale",
    "id": "level",
    "values": ["official", "senior-official", "deputy-minister", "minister"],
}
SEVERITY_SCALE = {"kind": "scale", "id": "severity", "values": ["low", "medium", "high"]}


def probe(pattern: dict[str, Any] | None = None, where: dict[str, Any] | None = None, **selection: Any):
    """An indicator with one selection `e` over observations of type `event`."""
    chosen: dict[str, Any] = {"type": "event", **selection}
    if pattern is not None:
        chosen["entities"] = [pattern]
    if where is not None:
        chosen["where"] = where
    variables = {}
    text = repr(pattern) + repr(where)
    for name in ("who", "x", "sponsor"):
        if "$" + name in text:
            variables[name] = {}
    return {
        "kind": "indicator",
        "id": "probe",
        "title": "probe",
        "vars": variables,
        "select": {"e": chosen},
        "likelihood_ratio": 2,
    }


def fired_observations(documents: list[dict[str, Any]]) -> set[str]:
    """Ids of the observations standing for `e` in any fired binding."""
    report = run(documents)
    (indicator,) = [i for i in report.indicators if i.id == "probe"]
    return {
        match.observations["e"]
        for group in indicator.groups
        for match in group.matches
        if match.status == "fired"
    }


# --- predicates on entity attributes -------------------------------------------

THINGS: dict[str, dict[str, Any]] = {
    "e-red": {"color": "red", "level": "official", "size": 3, "code": "AB-12"},
    "e-list": {"color": ["red", "blue"], "level": "deputy-minister", "size": 5, "code": "XAB"},
    "e-green": {"color": "green", "level": "minister", "size": 7, "code": "zz"},
    "e-bird": {"color": "bluebird", "level": "ambassador", "size": "five"},
    "e-listbird": {"color": ["bluebird"], "size": 5.0},
    "e-none": {},
}


def things_world(pattern: dict[str, Any]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = [LEVEL_SCALE]
    for name, attributes in THINGS.items():
        documents.append(entity(name, "thing", attributes=attributes))
        documents.append(observation("o-" + name, "event", "2023-01-01", [name], [source("s", "A1")]))
    documents.append(probe({"entity": "$who", **pattern}))
    return documents


def accepted(pattern: dict[str, Any]) -> set[str]:
    return {o.removeprefix("o-") for o in fired_observations(things_world(pattern))}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # literal equality; against a list attribute it is membership
        ({"color": "red"}, {"e-red", "e-list"}),
        ({"color": "blue"}, {"e-list"}),  # not a substring test: 'bluebird' != 'blue'
        # a list literal means any of (and still membership on list attributes)
        ({"color": ["green", "bluebird"]}, {"e-green", "e-bird", "e-listbird"}),
        # in / not_in; a missing attribute fails not_in
        ({"color": {"in": ["red", "green"]}}, {"e-red", "e-list", "e-green"}),
        ({"color": {"not_in": ["red"]}}, {"e-green", "e-bird", "e-listbird"}),
        ({"color": {"not_in": ["nothing-has-this"]}}, set(THINGS) - {"e-none"}),
        # exists
        ({"color": {"exists": True}}, set(THINGS) - {"e-none"}),
        ({"color": {"exists": False}}, {"e-none"}),
        ({"size": {"exists": False}}, {"e-none"}),
        # contains: substring on a string, membership on a list
        ({"color": {"contains": "blue"}}, {"e-bird", "e-list"}),
        ({"color": {"contains": "ee"}}, {"e-green"}),
        # matches: a regex *search* (not a full match)
        ({"code": {"matches": "AB"}}, {"e-red", "e-list"}),
        ({"code": {"matches": "^AB"}}, {"e-red"}),
        ({"code": {"matches": r"\d+$"}}, {"e-red"}),
        # at_least / at_most through the scale `level`; a value not on the scale fails
        ({"level": {"at_least": "deputy-minister"}}, {"e-list", "e-green"}),
        ({"level": {"at_most": "deputy-minister"}}, {"e-red", "e-list"}),
        ({"level": {"at_least": "official"}}, {"e-red", "e-list", "e-green"}),
        ({"level": {"at_most": "minister"}}, {"e-red", "e-list", "e-green"}),
        # numerically (no scale named `size`); a non-number fails
        ({"size": {"at_least": 5}}, {"e-list", "e-green", "e-listbird"}),
        ({"size": {"at_most": 5}}, {"e-red", "e-list", "e-listbird"}),
        ({"size": {"at_least": 5.5}}, {"e-green"}),
        ({"size": {"at_most": 2.9}}, set()),
        # a numeric literal is equality on numbers
        ({"size": 5}, {"e-list", "e-listbird"}),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else None,
)
def test_attribute_predicates(pattern, expected):
    assert accepted(pattern) == expected


def test_missing_attribute_fails_every_operator_except_exists_false():
    operators = [
        "red",
        ["red", "green"],
        {"in": ["red"]},
        {"not_in": ["red"]},
        {"contains": "r"},
        {"matches": "."},
        {"exists": True},
    ]
    for predicate in operators:
        assert "e-none" not in accepted({"color": predicate}), predicate
    assert "e-none" not in accepted({"level": {"at_least": "official"}})
    assert "e-none" not in accepted({"level": {"at_most": "minister"}})
    assert "e-none" not in accepted({"size": {"at_least": 0}})
    assert "e-none" in accepted({"color": {"exists": False}})


HUGE = 10**400  # a whole number YAML and JSON can write, larger than any float


@pytest.mark.parametrize(
    ("size", "predicate", "expected"),
    [
        (HUGE, {"at_least": 5}, True),
        (HUGE, {"at_most": 5}, False),
        (HUGE, {"at_least": HUGE}, True),
        (HUGE, {"at_least": HUGE + 1}, False),
        (HUGE, {"at_most": 1.5e308}, False),
        (7, {"at_most": HUGE}, True),
        (7, {"at_least": HUGE}, False),
    ],
)
def test_numbers_no_float_can_hold_are_compared_exactly(size, predicate, expected):
    """Such a number was turned into a float to be compared, and the evaluation stopped with a traceback."""
    documents = [
        entity("big", "thing", attributes={"size": size}),
        observation("o-big", "event", "2023-01-01", ["big"], [source("s", "A1")]),
        probe({"entity": "$who", "size": predicate}),
    ]
    assert fired_observations(documents) == ({"o-big"} if expected else set())


def test_literal_matches_another_name_of_the_same_entity():
    """Decision: a literal also matches when both strings name one entity (id, name or alias)."""
    documents = [
        entity("hamas", "armed-group", name="Hamas", aliases=["Harakat al-Muqawama al-Islamiya"]),
        entity("pij", "armed-group", name="Palestinian Islamic Jihad"),
        entity("by-alias", "thing", attributes={"ally": "Harakat al-Muqawama al-Islamiya"}),
        entity("by-name", "thing", attributes={"ally": "HAMAS"}),
        entity("by-id", "thing", attributes={"ally": ["hamas", "x"]}),
        entity("other", "thing", attributes={"ally": "Palestinian Islamic Jihad"}),
    ]
    for name in ("by-alias", "by-name", "by-id", "other"):
        documents.append(observation("o-" + name, "event", "2023-01-01", [name], [source("s", "A1")]))
    for literal in ("hamas", "Hamas", "Harakat al-Muqawama al-Islamiya"):
        world = [*documents, probe({"entity": "$who", "ally": literal})]
        assert fired_observations(world) == {"o-by-alias", "o-by-name", "o-by-id"}, literal


# --- predicates on the observation's own fields (`where`) ------------------------


def where_world(where: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        SEVERITY_SCALE,
        entity("moscow", "city", name="Moscow", aliases=["Moskva"]),
        entity("w1", "thing"),
        entity("w2", "thing"),
        entity("w3", "thing"),
        entity("w4", "thing"),
        observation(
            "o-w1",
            "event",
            "2023-01-01",
            ["w1"],
            [source("s", "A1")],
            place="Moscow",
            attributes={
                "casualties": 1200,
                "weapon": "Kornet ATGM",
                "tags": ["rocket", "drone"],
                "severity": "high",
            },
        ),
        observation(
            "o-w2",
            "event",
            "2023-01-01",
            ["w2"],
            [source("s", "A1")],
            place="Doha",
            attributes={"casualties": 10, "tags": ["drone"], "severity": "low"},
        ),
        observation("o-w3", "event", "2023-01-01", ["w3"], [source("s", "A1")]),
        observation(
            "o-w4",
            "event",
            "2023-01-01",
            ["w4"],
            [source("s", "A1")],
            place="Moskva",
            attributes={"severity": "catastrophic", "casualties": "many"},
        ),
        probe({"entity": "$who"}, where=where),
    ]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"place": "Doha"}, {"o-w2"}),
        # 'Moskva' is an alias of the entity 'Moscow': the literal matches both names
        ({"place": "Moscow"}, {"o-w1", "o-w4"}),
        ({"place": "moscow"}, {"o-w1", "o-w4"}),
        ({"place": ["Doha", "Nowhere"]}, {"o-w2"}),
        ({"place": {"in": ["Doha", "Beirut"]}}, {"o-w2"}),
        ({"place": {"not_in": ["Doha"]}}, {"o-w1", "o-w4"}),  # w3 has no place: fails
        ({"place": {"exists": False}}, {"o-w3"}),
        ({"place": {"exists": True}}, {"o-w1", "o-w2", "o-w4"}),
        ({"place": {"matches": "o"}}, {"o-w1", "o-w2", "o-w4"}),
        ({"place": {"matches": "^Mosc"}}, {"o-w1"}),
        ({"place": {"contains": "osk"}}, {"o-w4"}),
        ({"attributes.casualties": {"at_least": 100}}, {"o-w1"}),
        ({"attributes.casualties": {"at_least": 10}}, {"o-w1", "o-w2"}),
        ({"attributes.casualties": {"at_most": 10}}, {"o-w2"}),
        ({"attributes.casualties": 10}, {"o-w2"}),
        ({"attributes.weapon": {"matches": "ATGM$"}}, {"o-w1"}),
        ({"attributes.weapon": {"contains": "Kornet"}}, {"o-w1"}),
        ({"attributes.weapon": {"exists": False}}, {"o-w2", "o-w3", "o-w4"}),
        ({"attributes.tags": {"contains": "drone"}}, {"o-w1", "o-w2"}),
        ({"attributes.tags": {"contains": "dro"}}, set()),  # membership on a list, not substring
        ({"attributes.tags": "rocket"}, {"o-w1"}),
        ({"attributes.tags": ["rocket", "boat"]}, {"o-w1"}),
        ({"attributes.tags": {"not_in": ["rocket"]}}, {"o-w2"}),
        # scale `severity`; 'catastrophic' is not on it and fails both ways
        ({"attributes.severity": {"at_least": "medium"}}, {"o-w1"}),
        ({"attributes.severity": {"at_most": "medium"}}, {"o-w2"}),
        ({"attributes.severity": {"at_least": "low"}}, {"o-w1", "o-w2"}),
        # two where keys: both must hold
        ({"place": "Moscow", "attributes.casualties": {"at_least": 1}}, {"o-w1"}),
    ],
    ids=repr,
)
def test_where_predicates(where, expected):
    assert fired_observations(where_world(where)) == expected


# --- entity patterns: entity, of, role, type -------------------------------------


def state_world(pattern: dict[str, Any], extra: list[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    documents = [
        LEVEL_SCALE,
        entity("russia", "state", name="Russian Federation"),
        entity("russia-mfa", "ministry", member_of=["russia"]),
        entity("bogdanov", "person", member_of=["russia-mfa"], attributes={"level": "deputy-minister"}),
        entity("iran", "state"),
        entity("hamas", "armed-group"),
    ]
    for name in ("russia", "russia-mfa", "bogdanov", "iran", "hamas"):
        documents.append(observation("o-" + name, "event", "2023-01-01", [name], [source("s", "A1")]))
    return [*documents, *extra, probe(pattern)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # `of`: the entity itself or one it is transitively a member of (two hops)
        ({"of": "russia"}, {"o-russia", "o-russia-mfa", "o-bogdanov"}),
        ({"of": "Russian Federation"}, {"o-russia", "o-russia-mfa", "o-bogdanov"}),
        ({"of": "russia-mfa"}, {"o-russia-mfa", "o-bogdanov"}),
        ({"of": "bogdanov"}, {"o-bogdanov"}),
        ({"of": "iran"}, {"o-iran"}),
        # `entity`: exactly that entity, not its members
        ({"entity": "russia"}, {"o-russia"}),
        ({"entity": "Russian Federation"}, {"o-russia"}),
        ({"entity": "bogdanov"}, {"o-bogdanov"}),
        # `type`: exact word; a list means any of
        ({"type": "state"}, {"o-russia", "o-iran"}),
        ({"type": ["ministry", "person"]}, {"o-russia-mfa", "o-bogdanov"}),
        ({"type": "stat"}, set()),
        # combined with an attribute predicate and `of`
        ({"of": "russia", "level": {"at_least": "deputy-minister"}}, {"o-bogdanov"}),
        ({"of": "russia", "type": "ministry"}, {"o-russia-mfa"}),
        ({"of": "iran", "level": {"at_least": "official"}}, set()),
    ],
    ids=repr,
)
def test_entity_patterns(pattern, expected):
    assert fired_observations(state_world(pattern)) == expected


def test_of_variable_binds_every_container_through_two_hops():
    documents = state_world({"of": "$x"})
    report = run(documents)
    (indicator,) = report.indicators
    bogdanov = {
        group.vars["x"]
        for group in indicator.groups
        for match in group.matches
        if match.observations["e"] == "o-bogdanov"
    }
    assert bogdanov == {"bogdanov", "russia-mfa", "russia"}


def test_typed_of_variable_reaches_the_state_two_hops_up():
    documents = [
        entity("russia", "state"),
        entity("russia-mfa", "ministry", member_of=["russia"]),
        entity("bogdanov", "person", member_of=["russia-mfa"]),
        observation("o1", "event", "2023-01-01", ["bogdanov"], [source("s", "A1")]),
        {
            "kind": "indicator",
            "id": "probe",
            "title": "probe",
            "vars": {"sponsor": {"type": "state"}},
            "select": {"e": {"type": "event", "entities": [{"of": "$sponsor"}]}},
            "likelihood_ratio": 2,
        },
    ]
    (indicator,) = run(documents).indicators
    assert [(g.vars, g.status) for g in indicator.groups] == [({"sponsor": "russia"}, "fired")]


def role_world(pattern: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entity("hamas", "armed-group"),
        observation("o-perp", "event", "2023-01-01", [{"entity": "hamas", "role": "perpetrator"}]),
        observation("o-none", "event", "2023-01-01", ["hamas"]),
        observation("o-claim", "event", "2023-01-01", [{"entity": "hamas", "role": "claimant"}]),
        probe(pattern),
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"of": "hamas", "role": "perpetrator"}, {"o-perp"}),
        ({"of": "hamas", "role": ["perpetrator", "claimant"]}, {"o-perp", "o-claim"}),
        ({"of": "hamas", "role": {"in": ["perpetrator", "claimant"]}}, {"o-perp", "o-claim"}),
        ({"of": "hamas", "role": {"not_in": ["perpetrator"]}}, {"o-claim"}),  # no role: fails
        ({"of": "hamas", "role": {"exists": False}}, {"o-none"}),
        ({"of": "hamas"}, {"o-perp", "o-none", "o-claim"}),
    ],
    ids=repr,
)
def test_role_patterns(pattern, expected):
    # sources are irrelevant to matching: confidence 0 still fires (it just weighs nothing)
    report = run(role_world(pattern))
    (indicator,) = report.indicators
    found = {m.observations["e"] for g in indicator.groups for m in g.matches if m.status == "fired"}
    assert found == expected


def test_selection_type_list_is_any_of():
    documents = [
        entity("hamas", "armed-group"),
        observation("o-a", "attack", "2023-01-01", ["hamas"]),
        observation("o-r", "raid", "2023-01-01", ["hamas"]),
        observation("o-m", "meeting", "2023-01-01", ["hamas"]),
        {
            "kind": "indicator",
            "id": "probe",
            "title": "probe",
            "select": {"e": {"type": ["attack", "raid"], "entities": [{"of": "hamas"}]}},
            "likelihood_ratio": 2,
        },
    ]
    (indicator,) = run(documents).indicators
    (group,) = indicator.groups
    assert sorted(m.observations["e"] for m in group.matches) == ["o-a", "o-r"]


def test_matches_searches_the_first_ten_thousand_characters() -> None:
    """Decision (docs/language.md): a regex searches a value's first 10,000 characters, a bound on
    Python's backtracking search over untrusted text."""
    padding = "x" * 9_980
    documents: list[dict[str, Any]] = [
        entity("w1", "thing"),
        observation(
            "o-early", "event", "2023-01-01", ["w1"], [source("s", "A1")], summary=padding + "minister"
        ),
        observation(
            "o-late",
            "event",
            "2023-01-01",
            ["w1"],
            [source("s", "A1")],
            summary=padding + " " * 15 + "minister",
        ),
        probe({"entity": "$who"}, where={"summary": {"matches": r"\w*minister"}}),
    ]
    # 'minister' ends at character 9,988 in o-early; in o-late it runs from 9,995 to 10,003
    assert fired_observations(documents) == {"o-early"}


def test_matches_on_a_list_searches_its_first_ten_thousand_characters_in_all() -> None:
    """The bound is per value, not per string: a list of long strings is searched as one text."""
    long = "x" * 6_000
    documents: list[dict[str, Any]] = [
        entity("w1", "thing"),
        observation(
            "o-second",
            "event",
            "2023-01-01",
            ["w1"],
            [source("s", "A1")],
            attributes={"notes": [long, "minister"]},
        ),
        observation(
            "o-third",
            "event",
            "2023-01-01",
            ["w1"],
            [source("s", "A1")],
            attributes={"notes": [long, long, "minister"]},
        ),
        probe({"entity": "$who"}, where={"attributes.notes": {"matches": "minister"}}),
    ]
    # 6,000 + 8 characters hold the first 'minister'; the second comes after 12,000
    assert fired_observations(documents) == {"o-second"}


def test_a_where_item_without_a_variable_is_checked_once_per_observation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A regex over a long summary does not depend on the variables: ten ministers in one meeting
    make 90 assignments of two variables, and the summary is searched once, not 90 times; an
    observation whose entities meet no pattern is not searched."""
    from iandw.engine import match

    searched: list[str] = []
    real = match.value_holds

    def counting(predicate: Any, value: Any, attribute: str, context: Any) -> bool:
        if predicate.op == "matches":
            searched.append(value)
        return real(predicate, value, attribute, context)

    monkeypatch.setattr(match, "value_holds", counting)
    people = [entity(f"p{n}", "person") for n in range(10)]
    indicator = probe({"entity": "$who"}, where={"summary": {"matches": "minister"}})
    indicator["vars"] = {"who": {}, "x": {}}
    indicator["select"]["e"]["entities"] = [{"entity": "$who"}, {"entity": "$x"}]
    documents = [
        *people,
        observation("o", "event", "2023-01-01", [f"p{n}" for n in range(10)], summary="the minister"),
        # names no one the entity patterns can take: its summary is not searched at all
        observation("o-nobody", "event", "2023-01-01", [], summary="another minister"),
        indicator,
    ]
    report = run(documents)
    (result,) = [i for i in report.indicators if i.id == "probe"]
    assert len(result.groups) == 90
    assert searched == ["the minister"]
