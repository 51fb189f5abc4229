"""The public property-testing kit, `iandw.testing`.

Its strategies must produce valid documents aimed at a rule set, its helpers
must pass on a correct engine and fail on a broken one (checked by planting
bugs with monkeypatch), and the complete example in docs/testing.md must run.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from importlib.abc import Loader
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import iandw.testing.invariants
import iandw.testing.worlds
from iandw.dates import parse_date
from iandw.loader import load_documents
from iandw.model.report import Report
from iandw.model.scoring import ScoringTables
from iandw.testing import (
    DEFAULT_START,
    InvalidDocuments,
    assert_deterministic,
    assert_invariants,
    assert_monotone,
    assert_narrowing_safe,
    assert_neutral_indicators,
    assert_no_hindsight,
    assert_permutation_invariant,
    assert_same_origin_source_neutral,
    assert_shift_invariant,
    assert_widening_safe,
    edtf_dates,
    entities,
    evaluate_documents,
    is_no_better_source,
    observations,
    posterior_of,
    read_documents,
    shift_date,
    sources,
    status_of,
    worlds_for,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RULES: list[dict[str, Any]] = [
    {"kind": "entity", "id": "e0", "type": "state"},
    {"kind": "entity", "id": "e1", "type": "group"},
    {
        "kind": "indicator",
        "id": "i0",
        "title": "meeting then strike within a week",
        "vars": {"a": {"type": "state"}, "b": {"type": "group"}},
        "select": {
            "s0": {"type": "meet", "entities": [{"of": "$a"}, {"of": "$b"}]},
            "s1": {"type": "strike", "entities": [{"of": "$b"}]},
        },
        "require": [{"first": "s0", "then": "s1", "within": "1w"}],
        "likelihood_ratio": 3,
    },
    {"kind": "hypothesis", "id": "h0", "statement": "e0 backs e1", "bind": {"a": "e0"}, "prior": 0.2},
]
MEETING = {
    "kind": "observation",
    "id": "o1",
    "type": "meet",
    "date": "2023-09-25",
    "entities": ["e0", "e1"],
    "sources": [
        {"name": "wire", "origin": "agency", "reliability": "B", "credibility": 2},
        {"name": "blog", "origin": "group", "reliability": "D", "credibility": 4},
    ],
}
STRIKE = {
    "kind": "observation",
    "id": "o2",
    "type": "strike",
    "date": "2023-09-28/2023-10-04",
    "entities": [{"entity": "e1", "role": "perp"}],
    "sources": [{"name": "tv", "reliability": "A", "credibility": 1}],
}
WORLD = [MEETING, STRIKE]
AS_OF = "2023-10-05"


# --- the documented example ---------------------------------------------------------


def _documented_example(tmp_path: Any) -> tuple[ModuleType, Loader]:
    """The complete example in docs/testing.md, saved as a user would save it: its module, not yet run."""
    with open(os.path.join(ROOT, "docs", "testing.md"), encoding="utf-8") as stream:
        text = stream.read()
    match = re.search(r"<!-- the test suite runs this example.*?-->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/testing.md lost its complete example"
    path = tmp_path / "test_my_indicator.py"
    path.write_text(match[1], encoding="utf-8")
    spec = importlib.util.spec_from_file_location("test_my_indicator", path)
    assert spec and spec.loader
    return importlib.util.module_from_spec(spec), spec.loader


def test_the_complete_example_in_docs_runs(tmp_path: Any) -> None:
    """Saved as a user would save it, imported, and each of its tests run."""
    module, loader = _documented_example(tmp_path)
    # The example's own @settings inherit from the profile active when it is imported: make its
    # runs reproducible, and skip shrinking (costly for assert_invariants) should the known bug show.
    settings.register_profile(
        "docs-example", derandomize=True, database=None, phases=(Phase.explicit, Phase.generate)
    )
    active = getattr(settings, "_current_profile", None) or "default"
    settings.load_profile("docs-example")
    try:
        loader.exec_module(module)
    finally:
        settings.load_profile(active)
    tests = [name for name in vars(module) if name.startswith("test_")]
    assert len(tests) == 3
    for name in tests:
        getattr(module, name)()


def test_the_complete_example_fires_in_about_one_in_five_worlds(tmp_path: Any) -> None:
    """docs/testing.md says so (19% of 6,000 worlds): a change to how worlds are drawn must keep it true."""
    module, loader = _documented_example(tmp_path)
    loader.exec_module(module)
    statuses: Counter[str] = Counter()

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(module.WORLDS)
    def collect(world: Any) -> None:
        report = evaluate_documents([*module.RULES, *world.documents], world.as_of)
        statuses[status_of(report, "meeting-before-attack", sponsor="iran")] += 1

    collect()
    assert 0.1 <= statuses["fired"] / 200 <= 0.3, statuses


# --- strategies -------------------------------------------------------------------


ALL_KINDS = ("day", "days", "qualified", "month", "qualified-month", "unspecified", "year", "open")


@QUICK
@given(edtf_dates(DEFAULT_START, 30, kinds=ALL_KINDS))
def test_edtf_dates_parse_and_are_anchored_in_the_window(text: str) -> None:
    interval = parse_date(text)
    start, end = DEFAULT_START.toordinal(), DEFAULT_START.toordinal() + 29
    if re.fullmatch(r"[\d-]{10}(/[\d-]{10})?", text):  # days and intervals of days stay inside
        assert start <= interval.lo <= interval.hi <= end
    else:  # the rest denote more, around a day of the window
        assert interval.lo <= end and interval.hi >= start


def test_edtf_dates_reject_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown date kinds"):
        edtf_dates(kinds=("fortnight",))  # type: ignore[arg-type]


@QUICK
@given(
    st.lists(entities(ids=st.sampled_from(["a", "b", "c", "d"])), min_size=1, unique_by=lambda e: e["id"]),
    st.data(),
)
def test_entities_sources_and_observations_load(made: list[dict[str, Any]], data: st.DataObject) -> None:
    ids = [e["id"] for e in made]
    observed = data.draw(
        st.lists(
            observations(
                ids, ["meeting", "attack"], reported=edtf_dates(kinds=("day",)), places=[None, "Gaza"]
            ),
            unique_by=lambda o: o["id"],
            max_size=4,
        )
    )
    result = load_documents([*made, *observed])
    assert result.ok, [d.format() for d in result.errors]


@QUICK
@given(sources(graded=True))
def test_graded_sources_have_both_grades(source: dict[str, Any]) -> None:
    assert source["reliability"] in "ABCDEF" and 1 <= source["credibility"] <= 6


def test_worlds_for_the_shipped_rules_load_fire_and_miss() -> None:
    """Aimed worlds are valid, and reach every outcome on a real rule set."""
    rules = read_documents(os.path.join(ROOT, "rules"), os.path.join(ROOT, "observations", "entities"))
    seen: Counter[str] = Counter()

    # Derandomized: the assertion is about coverage over a sample, so the
    # sample must be the same on every run or CI flakes on an unlucky draw.
    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(worlds_for(rules, min_observations=2))
    def collect(world: Any) -> None:
        assert all(o["id"].startswith("w-") for o in world.observations)
        report = evaluate_documents([*rules, *world.documents], world.as_of)
        seen.update(g.status for i in report.indicators for g in i.groups)
        seen["late"] += any(
            parse_date(o.get("reported") or o["date"]).hi > world.as_of.toordinal()
            for o in world.observations
        )

    collect()
    assert seen["fired"] and seen["possible"] and seen["late"], seen


@QUICK
@given(worlds_for(RULES, as_of=dt.date(2023, 10, 5), max_new_entities=3, id_prefix="x"))
def test_worlds_keep_the_given_as_of_and_made_up_entities_are_valid(world: Any) -> None:
    assert world.as_of == dt.date(2023, 10, 5)
    result = load_documents([*RULES, *world.documents])
    assert result.ok, [d.format() for d in result.errors]
    assert {e["type"] for e in world.entities} <= {"state", "group"}


def _sponsored_attack_rules(alias: str) -> list[dict[str, Any]]:
    """A group whose `sponsor` attribute says "Iran", and a second state with the alias `alias`."""
    return [
        {"kind": "entity", "id": "iran", "type": "state", "name": "Iran"},
        {"kind": "entity", "id": "iran-gov", "type": "state", "aliases": [alias]},
        {"kind": "entity", "id": "proxy", "type": "group", "attributes": {"sponsor": "Iran"}},
        {
            "kind": "indicator",
            "id": "sponsored-attack",
            "title": "an attack by a group the state sponsors",
            "vars": {"sponsor": {"type": "state"}},
            "select": {"attack": {"type": "attack", "entities": [{"sponsor": "$sponsor"}]}},
            "likelihood_ratio": 2,
        },
    ]


@pytest.mark.parametrize(
    ("alias", "status", "fitting"),
    [
        ("Tehran", "fired", [{"sponsor": "iran"}]),  # "Iran" names only iran: $sponsor binds to it
        ("Iran", "not-fired", []),  # "Iran" names iran and iran-gov: the engine binds neither
    ],
)
def test_worlds_aim_at_a_name_only_when_the_engine_resolves_it(
    alias: str, status: str, fitting: list[dict[str, str]]
) -> None:
    rules = _sponsored_attack_rules(alias)
    attack = {
        "kind": "observation",
        "id": "o1",
        "type": "attack",
        "date": "2023-09-25",
        "entities": ["proxy"],
    }
    report = evaluate_documents([*rules, attack], AS_OF)
    assert status_of(report, "sponsored-attack", sponsor="iran") == status
    # the assignments worlds_for aims at: those under which the proxy's attack can fire
    assert iandw.testing.worlds._Vocabulary.of(rules).fitting(0) == fitting


TONNAGE = {"kind": "scale", "id": "tonnage", "values": ["small", "medium", "large"]}
SHIPMENT_RULES: list[dict[str, Any]] = [
    {"kind": "entity", "id": "northland", "type": "state"},
    {"kind": "entity", "id": "southland", "type": "state"},
    {"kind": "entity", "id": "port-alpha", "type": "port"},
    TONNAGE,
    {
        "kind": "indicator",
        "id": "arms-at-port-before-strike",
        "title": "a sizeable shipment reached a port shortly before the state's strike",
        "vars": {"state": {"type": "state"}, "port": {"type": "port"}},
        "select": {
            "shipment": {
                "type": "shipment",
                "entities": [{"of": "$state"}, {"entity": "$port"}],
                "where": {"attributes.tonnage": {"at_least": "medium"}},
            },
            "strike": {"type": "strike", "entities": [{"of": "$state", "role": "perpetrator"}]},
        },
        "require": [{"first": "shipment", "then": "strike", "within": "3w"}],
        "likelihood_ratio": 4,
    },
]


@pytest.mark.parametrize(
    ("predicate", "attribute", "meet", "miss"),
    [
        ({"at_least": "medium"}, "attributes.tonnage", ("medium", "large"), ("small",)),
        ({"at_most": "medium"}, "attributes.tonnage", ("medium", "small"), ("large",)),
        ({"at_least": "small"}, "tonnage", ("small", "medium", "large"), ()),
        ({"at_most": "small"}, "tonnage", ("small",), ("medium", "large")),
        ({"at_least": "medium"}, "attributes.weight", (), ()),  # no scale: nothing to aim at
        ({"at_least": 3}, "attributes.crates", (3, 4), (2,)),
        ({"at_most": 2.5}, "attributes.crates", (2.5, 1.5), (3.5,)),
        ({"in": ["a", "b"]}, "attributes.channel", ("a", "b"), ("other",)),
        ({"not_in": ["a", "b"]}, "attributes.channel", ("other",), ("a", "b")),
        ({"exists": True}, "attributes.channel", ("present",), ()),
        ({"exists": False}, "attributes.channel", (), ("present",)),  # only a missing value meets it
    ],
)
def test_aimed_values_meet_a_predicate_or_fail_it_from_its_bound(
    predicate: Any, attribute: str, meet: tuple[Any, ...], miss: tuple[Any, ...]
) -> None:
    """Each side starts at the bound, where a rule is most often off by one step."""
    aims = iandw.testing.worlds._Vocabulary.of([TONNAGE]).aims(predicate, attribute, {})
    assert (aims.meet, aims.miss) == (meet, miss)


@pytest.mark.parametrize(
    ("roll", "value"), [(0, None), (1, "small"), *((roll, "medium") for roll in range(2, 10))]
)
def test_an_aimed_value_meets_its_predicate_eight_times_in_ten(roll: int, value: str | None) -> None:
    """The roll decides the side (0: left out, 1: a miss, 2–9: a meet); the next draw picks on it."""
    draws = iter([roll, 0])
    aims = iandw.testing.worlds._Aims(meet=("medium", "large"), miss=("small",))
    assert iandw.testing.worlds._aim(lambda strategy: next(draws), aims) == value


def test_made_up_entities_are_aimed_at_the_attribute_patterns_test() -> None:
    """`level: {at_least: deputy-minister}` over official < deputy-minister < minister."""
    rules = [
        {"kind": "scale", "id": "level", "values": ["official", "deputy-minister", "minister"]},
        {
            "kind": "indicator",
            "id": "senior-meeting",
            "title": "a senior official met someone",
            "select": {
                "meeting": {"type": "meeting", "entities": [{"level": {"at_least": "deputy-minister"}}]}
            },
            "likelihood_ratio": 2,
        },
    ]
    aims = iandw.testing.worlds._Vocabulary.of(rules).entity_attributes["level"]
    assert (aims.meet, aims.miss) == (("deputy-minister", "minister"), ("official",))


def test_worlds_meet_an_ordinal_where_mostly_and_still_miss_it() -> None:
    """An aimed shipment's tonnage meets `at_least: medium` eight times in ten and fails it once.

    The tenth has none, as have noise shipments, so about eight in nine of
    the tonnages meet the bound: three per miss is a safe floor, which a
    value drawn from the whole scale (small most often) does not reach.
    """
    tonnage: Counter[str] = Counter()
    statuses: Counter[str] = Counter()

    # Derandomized, as the shipped-rules coverage test above: a count over a sample must not flake.
    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(worlds_for(SHIPMENT_RULES))
    def collect(world: Any) -> None:
        report = evaluate_documents([*SHIPMENT_RULES, *world.documents], world.as_of)
        statuses[status_of(report, "arms-at-port-before-strike")] += 1
        for observation in world.observations:
            if observation["type"] == "shipment":
                tonnage[observation.get("attributes", {}).get("tonnage", "none")] += 1

    collect()
    met = tonnage["medium"] + tonnage["large"]
    assert met >= 3 * tonnage["small"] and tonnage["small"] and tonnage["none"], tonnage
    assert statuses["fired"] and statuses["not-fired"], statuses


REPEATED_MEETINGS: list[dict[str, Any]] = [
    {"kind": "entity", "id": "iran", "type": "state"},
    {"kind": "entity", "id": "hamas", "type": "armed-group"},
    {"kind": "entity", "id": "amir", "type": "person", "member_of": ["iran"]},
    {"kind": "entity", "id": "saleh", "type": "person", "member_of": ["hamas"]},
    {
        "kind": "indicator",
        "id": "repeated-meetings",
        "title": "the sponsor met the group twice, by two origins, before its attack",
        "vars": {"sponsor": {"type": "state"}, "group": {"type": "armed-group"}},
        "select": {
            "meeting": {"type": "meeting", "entities": [{"of": "$sponsor"}, {"of": "$group"}]},
            "attack": {"type": "attack", "entities": [{"of": "$group", "role": "perpetrator"}]},
        },
        "require": [
            {"first": "meeting", "then": "attack", "within": "30d"},
            {"count": "meeting", "at_least": 2},
            {"count": "meeting", "at_least": 2, "distinct": "origins"},
        ],
        "likelihood_ratio": 3,
    },
]


def test_worlds_aim_at_what_count_items_ask_of_a_selection() -> None:
    """The most observations any count asks of a selection, of distinct origins if any count asks that."""
    rules = [
        *REPEATED_MEETINGS[:-1],
        {
            **REPEATED_MEETINGS[-1],
            "require": [
                {"count": "meeting", "at_least": 3},
                {"count": "meeting", "at_least": 2, "distinct": "origins"},
                {"count": "attack", "at_least": 1},  # one observation, as every scenario has, meets it
                {"count": "nope", "at_least": 4},
            ],
        },
    ]
    counts = iandw.testing.worlds._Vocabulary.of(rules).indicators[0].counts
    assert counts == {0: iandw.testing.worlds._Count(at_least=3, origins=True)}


def test_worlds_fire_a_count_rule_and_nearly_fire_it() -> None:
    """A count of two meetings needs two of one assignment, which independent scenarios almost never made.

    This rule fired in 7.0% of worlds of three observations or more (6,000
    worlds, 40 seeds), 5 of these 200; aimed at, as `min_origins` is, it
    fires in 14.2% (36 of these 200), and misses in others by a meeting, a
    window or a report.
    """
    statuses: Counter[str] = Counter()

    # Derandomized, as the coverage tests above: a rate over a sample must not flake.
    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(worlds_for(REPEATED_MEETINGS, min_observations=3))
    def collect(world: Any) -> None:
        report = evaluate_documents([*REPEATED_MEETINGS, *world.documents], world.as_of)
        statuses[status_of(report, "repeated-meetings", sponsor="iran")] += 1

    collect()
    assert statuses["fired"] >= 20 and statuses["possible"] and statuses["not-fired"], statuses


# --- small helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "moved"),
    [
        ("2023-09-30", 1, "2023-10-01"),
        ("2024-02-28?", 1, "2024-02-29?"),
        ("2023-12-30/2024-01-02", 3, "2024-01-02/2024-01-05"),
        ("../2023-10-06", -6, "../2023-09-30"),
        ("2021-01-01/..", 365, "2022-01-01/.."),
        (dt.date(2023, 3, 16), 0, "2023-03-16"),
        ("2023-09", 5, None),
        ("2023", 1, None),
        ("2023-10-XX", 1, None),
        ("٢٠٢٣-٠٩-٣٠", 1, None),  # not an EDTF date: its digits are Arabic-Indic
    ],
)
def test_shift_date(text: Any, days: int, moved: str | None) -> None:
    assert shift_date(text, days) == moved


def test_status_and_posterior_readers() -> None:
    report = evaluate_documents([*RULES, *WORLD], AS_OF)
    assert status_of(report, "i0") == "possible"  # the strike is 3 to 9 days after the meeting
    assert status_of(report, "i0", a="e0", b="e1") == "possible"
    assert posterior_of(report, "h0") == 0.2
    with pytest.raises(KeyError):
        status_of(report, "nope")
    with pytest.raises(KeyError):
        posterior_of(report, "nope")


def test_a_misspelt_variable_or_id_is_an_error_not_a_silent_not_fired() -> None:
    """`status_of(report, "i0", aa="e0") == "not-fired"` held on every world: a property testing nothing."""
    report = evaluate_documents([*RULES, *WORLD], AS_OF)
    with pytest.raises(KeyError) as raised:
        status_of(report, "i0", aa="e0")
    assert (
        raised.value.args[0]
        == "indicator 'i0' has no variable 'aa' (did you mean 'a'?); its variables: 'a', 'b'"
    )
    with pytest.raises(KeyError) as raised:
        status_of(report, "i00")
    assert raised.value.args[0] == "no indicator 'i00' in the report (did you mean 'i0'?)"
    with pytest.raises(KeyError) as raised:
        posterior_of(report, "h00")
    assert raised.value.args[0] == "no hypothesis 'h00' in the report (did you mean 'h0'?)"


# e0 is also "Westland"; e2, a second state, is "Eastland"; both are "the West"
NAMED = [
    {**RULES[0], "name": "Westland", "aliases": ["the West"]},
    {"kind": "entity", "id": "e2", "type": "state", "name": "Eastland", "aliases": ["the West"]},
    *RULES[1:],
]


@pytest.mark.parametrize(
    ("given", "status"),
    [
        ({"a": "e0"}, "possible"),
        ({"a": "Westland"}, "possible"),  # a name, resolved as a hypothesis's bind resolves it
        ({"a": "WESTLAND", "b": "e1"}, "possible"),  # names compare as the loader compares them
        ({"a": "e2"}, "not-fired"),  # a state of the case, under which nothing matched
        ({"a": "Eastland"}, "not-fired"),
    ],
)
def test_status_of_reads_an_id_or_a_name_of_the_case(given: dict[str, str], status: str) -> None:
    report = evaluate_documents([*NAMED, *WORLD], AS_OF)
    assert status_of(report, "i0", **given) == status


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"a": "e00"}, "a='e00' names no entity (did you mean Westland (e0)?)"),
        ({"a": "nobody"}, "a='nobody' names no entity"),
        ({"a": "the West"}, "a='the West' names 2 entities: Westland (e0), Eastland (e2); use an id"),
        (
            {"a": "e1"},
            "a='e1' has type 'group', but indicator 'i0' declares a as 'state'; "
            "entities of that type: e0, e2",
        ),
        (
            {"a": "e0", "b": "Westland"},
            "b='Westland' has type 'state', but indicator 'i0' declares b as 'group'; "
            "entities of that type: e1",
        ),
    ],
)
def test_status_of_refuses_a_value_that_would_always_read_not_fired(
    given: dict[str, str], message: str
) -> None:
    """A typo, an ambiguous name or an entity of the wrong type agrees with no group on any world."""
    report = evaluate_documents([*NAMED, *WORLD], AS_OF)
    with pytest.raises(ValueError) as raised:
        status_of(report, "i0", **given)
    assert str(raised.value) == message
    with pytest.raises(TypeError, match=r"a is an entity id, not a int: a=0"):
        status_of(report, "i0", a=0)  # type: ignore[arg-type]


def test_status_of_checks_variable_names_even_when_nothing_matched() -> None:
    """With no observation there are no groups to learn the variables from: the case still declares them."""
    report = evaluate_documents(NAMED, AS_OF)
    assert status_of(report, "i0", a="e0") == "not-fired"
    with pytest.raises(KeyError) as raised:
        status_of(report, "i0", aa="e0")
    assert raised.value.args[0] == (
        "indicator 'i0' has no variable 'aa' (did you mean 'a'?); its variables: 'a', 'b'"
    )


def test_a_report_made_elsewhere_is_read_with_what_it_says() -> None:
    """Read back from JSON, a report knows no entities: names are checked against its groups only."""
    checked = evaluate_documents([*NAMED, *WORLD], AS_OF)
    plain = Report.model_validate_json(checked.model_dump_json())
    assert plain == checked and checked == plain  # what the kit keeps is not part of the report
    assert status_of(plain, "i0", a="Westland") == "not-fired"  # unresolved: no group has it
    with pytest.raises(KeyError, match="has no variable 'aa'"):
        status_of(plain, "i0", aa="e0")
    empty = Report.model_validate_json(evaluate_documents(NAMED, AS_OF).model_dump_json())
    assert status_of(empty, "i0", aa="e0") == "not-fired"  # no group: nothing to check against


def test_an_unknown_indicator_or_hypothesis_lists_the_ids_there_are() -> None:
    report = evaluate_documents([*RULES, *WORLD], AS_OF)
    with pytest.raises(KeyError) as raised:
        status_of(report, "meeting")
    assert raised.value.args[0] == "no indicator 'meeting' in the report; it has 'i0'"
    with pytest.raises(KeyError) as raised:
        posterior_of(report, "e0-backs-e1")
    assert raised.value.args[0] == "no hypothesis 'e0-backs-e1' in the report; it has 'h0'"
    without = evaluate_documents(RULES[:3], AS_OF)
    with pytest.raises(KeyError) as raised:
        posterior_of(without, "h0")
    assert raised.value.args[0] == "no hypothesis 'h0' in the report; it has none"


def test_invalid_documents_list_every_error() -> None:
    broken = [{**MEETING, "entities": ["e9"]}, {**STRIKE, "date": "2023-02-30"}]
    with pytest.raises(InvalidDocuments) as raised:
        evaluate_documents([*RULES, *broken], AS_OF)
    assert "unknown entity 'e9'" in str(raised.value) and "2023-02-30" in str(raised.value)


def test_read_documents_reads_like_the_cli(tmp_tree: Callable[[dict[str, str]], str]) -> None:
    root = tmp_tree(
        {
            "rules/a.yaml": "kind: entity\nid: e0\ntype: state\n---\nkind: entity\nid: e1\ntype: group\n",
            "obs/b.jsonl": json.dumps({"id": "o1", "type": "meet", "date": "2023-09-25", "entities": ["e0"]})
            + "\n",
            "obs/README.md": "ignored",
        }
    )
    documents = read_documents(os.path.join(root, "rules"), os.path.join(root, "obs"))
    assert [(d["kind"], d["id"]) for d in documents] == [
        ("entity", "e0"),
        ("entity", "e1"),
        ("observation", "o1"),
    ]
    with pytest.raises(InvalidDocuments, match="no such file"):
        read_documents(os.path.join(root, "missing"))


def test_the_kit_says_how_to_call_it_when_called_wrongly(tmp_tree: Callable[[dict[str, str]], str]) -> None:
    """A list where paths go, a month where a day goes, one error counted as one."""
    root = tmp_tree({"rules/a.yaml": "kind: entity\nid: e0\ntype: state\n"})
    with pytest.raises(
        TypeError, match=r"each path as its own argument, not a list: read_documents\('rules'"
    ):
        read_documents([os.path.join(root, "rules")])  # type: ignore[arg-type]
    assert [d["id"] for d in read_documents(Path(root) / "rules")] == ["e0"]  # a Path is a path
    with pytest.raises(ValueError) as refused:
        evaluate_documents(RULES, "2023-10")
    assert str(refused.value) == "as_of: '2023-10' is not a single day (write YYYY-MM-DD)"
    with pytest.raises(InvalidDocuments) as raised:
        evaluate_documents([{"kind": "entity", "id": "x"}], AS_OF)
    assert str(raised.value) == "1 error:\n<documents>:1:1: error: missing required key 'type'"
    # one mapping is one document, as for load_documents: not its keys, each read as a mapping
    alone = evaluate_documents({"kind": "entity", "id": "x", "type": "state"}, AS_OF)
    assert alone.inputs.entities == 1 and alone.hypotheses == []


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: evaluate_documents("/path/to/rules", AS_OF),  # type: ignore[arg-type]
            TypeError,
            "documents are mappings (dicts), not str: '/path/to/rules'; "
            "read files first: read_documents('/path/to/rules')",
        ),
        (
            lambda: evaluate_documents([*RULES, "hello"], AS_OF),  # type: ignore[list-item]
            TypeError,
            "documents are mappings (dicts), not str: documents[4] is 'hello'",
        ),
        (
            lambda: worlds_for("/path"),  # type: ignore[arg-type]
            TypeError,
            "rules are mappings (dicts), not str: '/path'; read files first: read_documents('/path')",
        ),
        (
            lambda: assert_invariants(RULES, Path("observations"), AS_OF),  # type: ignore[arg-type]
            TypeError,
            "observations are mappings (dicts), not PosixPath: PosixPath('observations'); "
            "read files first: read_documents('observations')",
        ),
        (
            lambda: edtf_dates(DEFAULT_START, "10"),  # type: ignore[arg-type]
            TypeError,
            "days is a whole number of days (an int), not a str: '10'",
        ),
        (
            lambda: shift_date("2023-10-07", "1"),  # type: ignore[arg-type]
            TypeError,
            "days is a whole number of days (an int), not a str: '1'",
        ),
        (
            lambda: assert_no_hindsight(RULES, WORLD, AS_OF, late={**STRIKE, "reported": "2023-10-09"}),  # type: ignore[arg-type]
            TypeError,
            "late is a list of documents, not one mapping: put the mapping in a list",
        ),
        (
            lambda: assert_monotone(RULES, WORLD, AS_OF, extra=[STRIKE]),  # type: ignore[arg-type]
            TypeError,
            "extra is one document (a mapping), not a list: call once per document",
        ),
        (
            lambda: status_of({}, "i0"),  # type: ignore[arg-type]
            TypeError,
            "status_of reads a report, as evaluate_documents returns it, not a dict: {}",
        ),
        (
            lambda: posterior_of(None, "h0"),  # type: ignore[arg-type]
            TypeError,
            "posterior_of reads a report, as evaluate_documents returns it, not None",
        ),
        (
            lambda: worlds_for(RULES, as_of=None, start=[2023, 9, 1]),  # type: ignore[arg-type]
            TypeError,
            "start is one day, 'YYYY-MM-DD' or a datetime.date, not a list: [2023, 9, 1]",
        ),
    ],
)
def test_misusing_the_kit_says_what_to_pass(
    call: Callable[[], Any], error: type[Exception], message: str
) -> None:
    """A path for documents, a string for days, one mapping for a list: refused where it is passed.

    Each had failed deep inside (a dict() of a string, `timedelta` of a
    string, `.get` on a key), naming nothing the caller wrote.
    """
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("20231008", "'20231008' is not a day: write YYYY-MM-DD, here 2023-10-08"),
        (20231008, "'20231008' is not a day: write YYYY-MM-DD, here 2023-10-08"),
        ("2023-W40-7", "'2023-W40-7' is not a day: write YYYY-MM-DD, such as 2023-10-06"),
    ],
)
def test_a_day_is_written_as_the_command_line_writes_it(as_of: Any, message: str) -> None:
    """Python's `date.fromisoformat` reads these; `--as-of` and rule tests refuse them, so the kit does."""
    for call in (
        lambda: evaluate_documents(RULES, as_of),
        lambda: assert_invariants(RULES, WORLD, as_of),
        lambda: worlds_for(RULES, as_of=as_of),
        lambda: edtf_dates(as_of),
    ):
        with pytest.raises(ValueError) as raised:
            call()
        assert str(raised.value) in (f"as_of: {message}", f"start: {message}")  # edtf_dates' is `start`


@pytest.mark.parametrize("day", ["2023-10-08", dt.date(2023, 10, 8), dt.datetime(2023, 10, 8, 12, 30)])
def test_every_helper_takes_a_day_in_the_same_forms(day: Any) -> None:
    """`worlds_for` and `edtf_dates` took only a `datetime.date`: a string failed on `str - timedelta`."""
    assert evaluate_documents(RULES, day).as_of == "2023-10-08"
    world = find(worlds_for(RULES, as_of=day), lambda w: True)
    assert world.as_of == dt.date(2023, 10, 8)
    assert find(edtf_dates(day, 1, kinds=("day",)), lambda d: True) == "2023-10-08"


def test_no_better_source() -> None:
    existing = [{"name": "wire", "origin": "agency", "reliability": "E", "credibility": 5}]
    tables = ScoringTables()
    assert is_no_better_source(
        {"name": "x", "origin": "agency", "reliability": "E", "credibility": 5}, existing, tables
    )
    assert not is_no_better_source({"name": "x", "origin": "agency"}, existing, tables)  # F6 weighs more
    assert not is_no_better_source(
        {"name": "x", "origin": "other", "reliability": "E", "credibility": 6}, existing, tables
    )
    strong = [{"name": "w", "reliability": "A", "credibility": 6}]
    assert not is_no_better_source(
        {"name": "w", "reliability": "B", "credibility": 3}, strong, tables
    )  # meets B3


def test_the_kit_needs_hypothesis_and_says_so() -> None:
    code = "import sys; sys.modules['hypothesis'] = None; import iandw.testing"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    assert "ImportError: iandw.testing needs the 'hypothesis' package" in done.stderr
    assert "pip install 'iandw[test]'" in done.stderr


# --- the assertions pass on the engine, fail on planted bugs, refuse bad preconditions ---


EXTRA = {**STRIKE, "id": "o3", "date": "2023-09-27"}  # a definite strike: the indicator fires


def test_every_assertion_passes_on_a_small_world() -> None:
    assert_invariants(RULES, WORLD, AS_OF)
    assert_monotone(RULES, WORLD, AS_OF, EXTRA)
    assert_shift_invariant(RULES, WORLD, AS_OF, -400)
    assert_narrowing_safe(RULES, WORLD, AS_OF, narrowed={"o2": "2023-10-01"})


def test_assert_invariants_passes_on_the_shipped_case() -> None:
    rules = read_documents(os.path.join(ROOT, "rules"))
    shipped = read_documents(os.path.join(ROOT, "observations"))
    assert_invariants(rules, shipped, "2023-10-06", max_removals=4)


def _first_swap(check: Callable[[int], None]) -> None:
    """Run a randomised check with seeds until one shuffle exposes the planted bug."""
    for seed in range(20):
        check(seed)


# Planted bugs are wrappers around the kit's evaluation that corrupt the report the way a broken
# engine would, keyed on the inputs the invariant says must not matter.  They test the helpers'
# logic without depending on engine internals (which test_invariants.py tests for real).

Evaluate = Callable[[Any, Any], Report]


def _shift_posteriors(report: Report, by: float) -> Report:
    hypotheses = [h.model_copy(update={"posterior": h.posterior + by}) for h in report.hypotheses]
    return report.model_copy(update={"hypotheses": hypotheses})


def _observation_count(documents: Any) -> int:
    return sum(1 for d in documents if d.get("kind") == "observation")


def _no_groups(report: Report) -> Report:
    indicators = [i.model_copy(update={"groups": []}) for i in report.indicators]
    return report.model_copy(update={"indicators": indicators})


_counter = itertools.count()
PLANTED: dict[str, tuple[Callable[[Evaluate], Evaluate], Callable[[], None]]] = {
    "1 the order of documents matters": (
        lambda run: (
            lambda docs, as_of: (
                run(docs, as_of).model_copy(update={"level": "alert"})
                if docs[0].get("kind") != "entity"
                else run(docs, as_of)
            )
        ),
        lambda: _first_swap(lambda seed: assert_permutation_invariant(RULES, WORLD, AS_OF, rng=seed)),
    ),
    "2 the calendar matters": (
        lambda run: lambda docs, as_of: _shift_posteriors(run(docs, as_of), 0.01 * (str(as_of) > "2024")),
        lambda: assert_shift_invariant(RULES, WORLD, AS_OF, 400),
    ),
    "3 more evidence, lower posterior": (
        lambda run: lambda docs, as_of: _shift_posteriors(run(docs, as_of), -0.01 * _observation_count(docs)),
        lambda: assert_monotone(RULES, WORLD, AS_OF, {**MEETING, "id": "o5", "type": "rumour"}),
    ),
    "4 wide windows never hold": (
        lambda run: (
            lambda docs, as_of: _no_groups(run(docs, as_of)) if "8d" in json.dumps(docs) else run(docs, as_of)
        ),
        lambda: assert_widening_safe(RULES, [MEETING, EXTRA], AS_OF, days=1),
    ),
    "5 exact dates never fire": (
        lambda run: (
            lambda docs, as_of: (
                _no_groups(run(docs, as_of))
                if any(d.get("date") == "2023-09-27" for d in docs)
                else run(docs, as_of)
            )
        ),
        lambda: assert_narrowing_safe(
            RULES, [MEETING, {**EXTRA, "date": "2023-09-26/2023-09-27"}], AS_OF, narrowed={"o3": "2023-09-27"}
        ),
    ),
    "6 every source counts": (
        lambda run: (
            lambda docs, as_of: _shift_posteriors(
                run(docs, as_of), 0.001 * sum(len(d.get("sources", [])) for d in docs)
            )
        ),
        lambda: assert_same_origin_source_neutral(RULES, WORLD, AS_OF),
    ),
    "7 hindsight": (
        lambda run: lambda docs, as_of: _shift_posteriors(run(docs, as_of), 0.001 * _observation_count(docs)),
        lambda: assert_no_hindsight(RULES, [MEETING], AS_OF, late=[{**STRIKE, "reported": "2023-10-06"}]),
    ),
    "8 every indicator nudges the posterior": (
        lambda run: (
            lambda docs, as_of: _shift_posteriors(
                run(docs, as_of),
                0.001 * sum(len(d.get("indicators", [1])) for d in docs if d["kind"] == "hypothesis"),
            )
        ),
        lambda: assert_neutral_indicators(RULES, [], AS_OF),
    ),
    "9a output changes between runs": (
        lambda run: lambda docs, as_of: _shift_posteriors(run(docs, as_of), 1e-9 * next(_counter)),
        lambda: assert_deterministic(RULES, WORLD, AS_OF),
    ),
    "9b output does not match the schema": (
        lambda run: lambda docs, as_of: run(docs, as_of).model_copy(update={"level": "severe"}),
        lambda: assert_deterministic(RULES, WORLD, AS_OF),
    ),
}


@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_each_assertion_catches_a_planted_bug(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plant, check = PLANTED[bug]
    check()  # passes on the real engine
    monkeypatch.setattr(iandw.testing.invariants, "_evaluate", plant(iandw.testing.invariants._evaluate))
    with pytest.raises(AssertionError):
        check()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: assert_monotone(
                [*RULES[:2], {**RULES[2], "likelihood_ratio": 0.5}, RULES[3]], WORLD, AS_OF, EXTRA
            ),
            "likelihood_ratio below 1",
        ),
        (
            lambda: assert_monotone(
                [*RULES[:2], {**RULES[2], "absent_likelihood_ratio": 2}, RULES[3]], WORLD, AS_OF, EXTRA
            ),
            "absent_likelihood_ratio",
        ),
        (
            lambda: assert_shift_invariant(RULES, [{**MEETING, "date": "2023-09"}], AS_OF, 3),
            "cannot be shifted",
        ),
        (lambda: assert_narrowing_safe(RULES, WORLD, AS_OF, narrowed={"o2": "2023-10-10"}), "not inside"),
        (lambda: assert_no_hindsight(RULES, WORLD, AS_OF, late=[{**EXTRA, "id": "o9"}]), "not late"),
        (
            lambda: assert_same_origin_source_neutral(RULES, WORLD, AS_OF, added={"o1": {"name": "new"}}),
            "adds an origin",
        ),
    ],
)
def test_assertions_refuse_what_their_invariant_does_not_cover(
    call: Callable[[], None], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: assert_narrowing_safe(RULES, WORLD, AS_OF, narrowed={"nope": "2023-09-20"}),
            KeyError,
            "narrowed names no observation 'nope'; the observations are 'o1', 'o2'",
        ),
        (
            lambda: assert_narrowing_safe(RULES, WORLD, AS_OF, narrowed={"o": "2023-10-01"}),
            KeyError,
            "narrowed names no observation 'o' (did you mean 'o2' or 'o1'?)",
        ),
        (
            lambda: assert_same_origin_source_neutral(RULES, WORLD, AS_OF, added={"nope": {"name": "a"}}),
            KeyError,
            "added names no observation 'nope'; the observations are 'o1', 'o2'",
        ),
        (
            lambda: assert_same_origin_source_neutral(
                RULES, [MEETING, {**EXTRA, "sources": []}], AS_OF, added={"o3": {"name": "a"}}
            ),
            ValueError,
            "added: observation 'o3' has no sources, so no source added to it can share an origin",
        ),
        (
            lambda: assert_narrowing_safe(RULES, WORLD, AS_OF, narrowed=[("o2", "2023-10-01")]),  # type: ignore[arg-type]
            TypeError,
            "narrowed maps observation ids to values, not a list: [('o2', '2023-10-01')]",
        ),
    ],
)
def test_a_variation_naming_no_observation_is_an_error(
    call: Callable[[], None], error: type[Exception], message: str
) -> None:
    """An id that names no observation varied nothing, so the check passed having tested nothing."""
    with pytest.raises(error) as raised:
        call()
    assert raised.value.args[0] == message


def test_monotone_helper_sees_status_drops_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drop in any assignment's status is reported even when no posterior can show it."""
    run = iandw.testing.invariants._evaluate
    monkeypatch.setattr(
        iandw.testing.invariants,
        "_evaluate",
        lambda docs, as_of: (
            _no_groups(run(docs, as_of)) if _observation_count(docs) > 2 else run(docs, as_of)
        ),
    )
    with pytest.raises(AssertionError, match="turned i0"):
        assert_monotone([r for r in RULES if r["kind"] != "hypothesis"], [MEETING, EXTRA], AS_OF, STRIKE)
