"""SPEC §12: every invariant as a hypothesis property, one test each.

Rule sets are random (tests/naive.py `rule_sets`), worlds are aimed at them
with the public `iandw.testing.worlds_for`, and each property is checked with
the public `assert_*` helper a user would call, so these tests also prove the
kit.  Where an invariant is false as the SPEC words it, the test checks the
corrected statement and a `test_spec_invariant_*_as_written` test pins the
counterexample; docs/semantics.md ("The invariants, as tested") gives the argument.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iandw.api import evaluate
from iandw.loader import load, load_documents
from iandw.render import render
from iandw.testing import (
    SHIFTABLE_DATE_KINDS,
    assert_deterministic,
    assert_monotone,
    assert_narrowing_safe,
    assert_neutral_indicators,
    assert_no_hindsight,
    assert_permutation_invariant,
    assert_same_origin_source_neutral,
    assert_shift_invariant,
    assert_widening_safe,
    edtf_dates,
    evaluate_documents,
    posterior_of,
    status_of,
    worlds_for,
)
from naive import rule_sets

START = dt.date(2023, 9, 20)
Case = tuple[list[dict[str, Any]], list[dict[str, Any]], dt.date]


def properties(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def cases(draw: Any, dates: Any = None, **rules: Any) -> Case:
    """A random rule set and a world aimed at it, as (rules, observations, as_of)."""
    rule_documents = draw(rule_sets(**rules))
    world = draw(worlds_for(rule_documents, start=START, days=21, min_observations=2, dates=dates))
    return rule_documents, world.documents, world.as_of


def observation(
    id: str, date: str, refs: list[Any], sources: list[dict[str, Any]], **more: Any
) -> dict[str, Any]:
    return {
        "kind": "observation",
        "id": id,
        "type": "meet",
        "date": date,
        "entities": refs,
        "sources": sources,
        **more,
    }


# A small hand-made case the examples below build on: one state, one group, a meeting then a strike.
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
    {
        "kind": "hypothesis",
        "id": "h0",
        "statement": "e0 backs e1",
        "bind": {"a": "e0", "b": "e1"},
        "prior": 0.2,
    },
]


# --- 1. permutations ---------------------------------------------------------------


# Engine bug found by this property (src/iandw/report_builder.py, `_trace`): an observation's sources are
# listed sorted by (origin, -weight, name) only, so two sources that tie on all three — an ungraded
# "wire" (F/6: .5 × .5) and "wire" graded C3 (.5 × .5) — keep their input order, and permuting the
# sources changes the JSON bytes.  Statuses, confidences and posteriors do not move (next test).
TIED_SOURCES = (
    [
        {"kind": "entity", "id": "e0", "type": "state"},
        {
            "kind": "indicator",
            "id": "i0",
            "title": "any meeting",
            "select": {"s0": {"type": "meet"}},
            "likelihood_ratio": 2,
        },
    ],
    [
        observation(
            "o1",
            "2023-09-25",
            ["e0"],
            [{"name": "wire"}, {"name": "wire", "reliability": "C", "credibility": 3}],
        )
    ],
    dt.date(2023, 10, 1),
)


@properties(250)
@given(cases(), st.randoms(use_true_random=False))
@example(TIED_SOURCES, random.Random(0)).via("found: two tied 'wire' sources kept input order")
def test_invariant_1_permuting_documents_and_sources_changes_nothing(case: Case, rng: random.Random) -> None:
    assert_permutation_invariant(*case, rng=rng)


@properties(40)
@given(cases(), st.randoms(use_true_random=False))
def test_invariant_1_file_order_changes_nothing(case: Case, rng: random.Random) -> None:
    """The same documents spread over files with random names and order: the same bytes."""
    rules, observations, as_of = case
    documents = [*rules, *observations]
    expected = render(evaluate(load_documents(documents).case, as_of=as_of), "json")
    with tempfile.TemporaryDirectory() as root:
        names = [f"{rng.randrange(10**6):06d}-{i}.json" for i in range(rng.randint(1, 4))]
        files: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for document in documents:
            files[rng.choice(names)].append(document)
        for name, content in files.items():
            os.makedirs(os.path.join(root, "d", name[:2]), exist_ok=True)
            with open(os.path.join(root, "d", name[:2], name), "w", encoding="utf-8") as stream:
                json.dump(content, stream)
        result = load([os.path.join(root, "d")], rules=None, lints=False)
        assert result.ok, [d.format() for d in result.errors]
        assert render(evaluate(result.case, as_of=as_of), "json") == expected


# --- 2. shifting every date --------------------------------------------------------


@properties(200)
@given(cases(dates=edtf_dates(START, 21, kinds=SHIFTABLE_DATE_KINDS)), st.integers(-800, 800))
@example(
    (
        RULES,
        [
            observation("o1", "2024-02-27/2024-02-29?", ["e0", "e1"], [{"name": "w"}]),
            {**observation("o2", "2024-03-04", ["e1"], [{"name": "w"}]), "type": "strike"},
        ],
        dt.date(2024, 3, 5),
    ),
    366,
).via("a leap day inside the interval, moved across a year")
def test_invariant_2_shifting_every_date_and_as_of_changes_nothing(case: Case, days: int) -> None:
    """Only day-precision dates can move by any number of days (a month cannot move by five days)."""
    assert_shift_invariant(*case, days)


# --- 3. monotonicity ---------------------------------------------------------------


@st.composite
def monotone_cases(draw: Any) -> tuple[Case, dict[str, Any]]:
    rules, observations, as_of = draw(
        cases(likelihood_ratios=(1.0, 1.5, 3.0), absent_ratios=(1.0,)),
    )
    extra = draw(worlds_for(rules, as_of=as_of, min_observations=1, max_new_entities=0, id_prefix="extra-"))
    return (rules, observations, as_of), extra.observations[0]


def _meet(id: str, entity: str, grade: str) -> dict[str, Any]:
    return observation(
        id, "2023-09-25", [entity], [{"name": id, "reliability": grade[0], "credibility": int(grade[1])}]
    )


COUNTED = [
    {"kind": "entity", "id": "e0", "type": "state"},
    {"kind": "entity", "id": "e1", "type": "state"},
    {
        "kind": "indicator",
        "id": "i0",
        "title": "two meetings of one state",
        "vars": {"a": {"type": "state"}},
        "select": {"s0": {"type": "meet", "entities": [{"of": "$a"}]}},
        "require": [{"count": "s0", "at_least": 2}],
        "likelihood_ratio": 3,
    },
    {"kind": "hypothesis", "id": "h0", "statement": "some state is involved", "prior": 0.3},
]


@properties(200)
@given(monotone_cases())
@example(
    (
        (
            COUNTED,
            [_meet("o1", "e0", "E5"), _meet("o2", "e0", "E5"), _meet("o3", "e1", "A1")],
            dt.date(2023, 10, 1),
        ),
        _meet("o4", "e1", "B2"),
    ),
).via("a count reached for another assignment: the free variable switches to the stronger one")
def test_invariant_3_adding_an_observation_never_lowers_a_posterior(
    pair: tuple[Case, dict[str, Any]],
) -> None:
    (rules, observations, as_of), extra = pair
    assert_monotone(rules, observations, as_of, extra)


# --- 4. widening windows -----------------------------------------------------------


@properties(150)
@given(cases(), st.one_of(st.none(), st.integers(0, 30)), st.randoms(use_true_random=False))
def test_invariant_4_widening_within_never_unfires(case: Case, days: int | None, rng: random.Random) -> None:
    assert_widening_safe(*case, days=days, rng=rng)


# --- 5. narrowing uncertain dates --------------------------------------------------


NARROWABLE = edtf_dates(START, 21, kinds=("day", "days", "qualified", "month", "qualified-month", "open"))


@properties(150)
@given(cases(dates=NARROWABLE), st.randoms(use_true_random=False))
def test_invariant_5_narrowing_a_date_only_resolves_possible(case: Case, rng: random.Random) -> None:
    assert_narrowing_safe(*case, rng=rng)


def test_invariant_5_kleene_and_over_approximates_but_narrowing_stays_safe() -> None:
    """Two checks on one uncertain date: each may hold, not both on one day.

    The binding is "possible" (the weakest of two possible checks) although
    no day satisfies both; narrowing the date resolves it to not fired,
    which invariant 5 allows.  Exact joint truth would need the checks
    evaluated together per day; the SPEC chose Kleene AND.
    """
    rules = [
        *RULES[:2],
        {
            **RULES[2],
            "require": [
                {"first": "s0", "then": "s1", "within": "3d"},
                {"first": "s0", "then": "s1", "min": "8d"},
            ],
        },
    ]
    strike = {**observation("o2", "2023-09-30", ["e1"], [{"name": "w"}]), "type": "strike"}
    wide = observation("o1", "2023-09-20/2023-09-29", ["e0", "e1"], [{"name": "w"}])
    assert status_of(evaluate_documents([*rules, wide, strike], "2023-10-01"), "i0") == "possible"
    for day in ("2023-09-20", "2023-09-28"):
        narrow = {**wide, "date": day, "reported": wide["date"]}
        assert status_of(evaluate_documents([*rules, narrow, strike], "2023-10-01"), "i0") == "not-fired"
    assert_narrowing_safe(rules, [wide, strike], "2023-10-01", narrowed={"o1": "2023-09-25/2023-09-27"})


# --- 6. same-origin sources --------------------------------------------------------


@properties(150)
@given(cases(), st.randoms(use_true_random=False))
def test_invariant_6_a_source_with_a_present_origin_and_no_better_grade_changes_nothing(
    case: Case, rng: random.Random
) -> None:
    assert_same_origin_source_neutral(*case, rng=rng)


def test_spec_invariant_6_as_written_is_false_for_ungraded_sources() -> None:
    """F/6 ("cannot be judged") ranks below E/5 yet weighs .25, more than E5's .01.

    A source with the same origin and a grade no better than E5 — F6, or no
    grade at all — raises the observation's confidence and the posterior.
    """
    graded = [{"name": "wire", "origin": "agency", "reliability": "E", "credibility": 5}]
    echo = {"name": "echo", "origin": "agency"}  # missing grades count as F / 6
    base = [
        observation("o1", "2023-09-25", ["e0", "e1"], graded),
        {
            **observation(
                "o2", "2023-09-28", ["e1"], [{"name": "blog", "reliability": "A", "credibility": 1}]
            ),
            "type": "strike",
        },
    ]
    before = posterior_of(evaluate_documents([*RULES, *base], "2023-10-01"), "h0")
    added = [{**base[0], "sources": [*graded, echo]}, base[1]]
    after = posterior_of(evaluate_documents([*RULES, *added], "2023-10-01"), "h0")
    assert after > before
    with pytest.raises(ValueError, match="better grade"):
        assert_same_origin_source_neutral(RULES, base, "2023-10-01", added={"o1": echo})


# --- 7. hindsight ------------------------------------------------------------------


@st.composite
def hindsight_cases(draw: Any) -> tuple[Case, list[dict[str, Any]]]:
    rules, observations, as_of = draw(cases())
    late_world = draw(
        worlds_for(rules, as_of=as_of, min_observations=1, max_new_entities=0, id_prefix="late-")
    )
    late = []
    for document in late_world.observations:
        after = (as_of + dt.timedelta(days=draw(st.integers(1, 30)))).isoformat()
        reported = draw(
            st.sampled_from([after, f"{as_of.isoformat()}/{after}", f"{after}?", f"{as_of.isoformat()}/.."])
        )
        late.append({**document, "reported": reported})
    return (rules, observations, as_of), late


@properties(150)
@given(hindsight_cases())
def test_invariant_7_observations_reported_after_as_of_change_nothing(
    pair: tuple[Case, list[dict[str, Any]]],
) -> None:
    (rules, observations, as_of), late = pair
    assert_no_hindsight(rules, observations, as_of, late=late)


def test_spec_invariant_7_as_written_the_report_counts_what_was_read() -> None:
    """`inputs.observations` counts every observation read, used or not: the one field that moves."""
    base = [observation("o1", "2023-09-25", ["e0", "e1"], [{"name": "w"}])]
    late = [observation("o9", "2023-09-26", ["e0", "e1"], [{"name": "w"}], reported="2023-10-02")]
    before = evaluate_documents([*RULES, *base], "2023-10-01")
    after = evaluate_documents([*RULES, *base, *late], "2023-10-01")
    assert (before.inputs.observations, after.inputs.observations) == (1, 2)
    assert_no_hindsight(RULES, base, "2023-10-01", late=late)


# --- 8. neutral indicators ---------------------------------------------------------


@st.composite
def neutral_cases(draw: Any) -> Case:
    """Ratios of 1 are common, and so are observations without sources (confidence 0)."""
    rules, observations, as_of = draw(
        cases(likelihood_ratios=(1.0, 1.0, 2.0, 0.5), absent_ratios=(1.0, 1.0, 2.0, 0.5), dense=True)
    )
    silent = [
        {**d, "sources": []} if d.get("kind") == "observation" and draw(st.booleans()) else d
        for d in observations
    ]
    return rules, silent, as_of


@properties(150)
@given(neutral_cases())
def test_invariant_8_a_neutral_indicator_changes_no_posterior(case: Case) -> None:
    assert_neutral_indicators(*case)


def test_spec_invariant_8_as_written_is_false_when_the_absent_ratio_applies() -> None:
    """LR = 1 with absent LR = 2, or confidence 0 because not fired: the absent LR moves the posterior."""
    rules = [*RULES[:2], {**RULES[2], "likelihood_ratio": 1, "absent_likelihood_ratio": 2}, RULES[3]]
    report = evaluate_documents(rules, "2023-10-01")  # no observations: not fired, confidence 0
    entry = report.hypotheses[0].indicators[0]
    assert (entry.status, entry.confidence, entry.likelihood_ratio) == ("not-fired", 0.0, 1.0)
    assert posterior_of(report, "h0") != 0.2
    assert_neutral_indicators(rules, [], "2023-10-01")  # the corrected property holds


# --- 9. determinism and schema -----------------------------------------------------


@properties(150)
@given(cases())
def test_invariant_9_output_is_byte_identical_and_valid_json(case: Case) -> None:
    assert_deterministic(*case)


_OTHER_PROCESS = """
import json, sys, datetime as dt
from iandw.testing import evaluate_documents
from iandw.render import render
for line in sys.stdin:
    documents, as_of = json.loads(line)
    print(json.dumps(render(evaluate_documents(documents, as_of, max_matches=1000), "json")))
"""


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(cases(), min_size=15, max_size=15))
def test_invariant_9_output_is_byte_identical_across_processes(batch: list[Case]) -> None:
    """Set and dict order must not leak into the output: two hash seeds, one batch of worlds."""
    lines = "".join(json.dumps([[*r, *o], a.isoformat()]) + "\n" for r, o, a in batch)
    outputs = []
    for seed in ("1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _OTHER_PROCESS],
            input=lines,
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        )
        outputs.append(done.stdout)
    here = "".join(
        json.dumps(render(evaluate_documents([*r, *o], a, max_matches=1000), "json")) + "\n"
        for r, o, a in batch
    )
    assert outputs[0] == outputs[1] == here
