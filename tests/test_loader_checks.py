"""Typing and cross-document checks of rules (SPEC §6, §7, §11, §13).

Positions are counted by hand in the inputs (1-based line and column).
"""

from __future__ import annotations

import os
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iandw.diagnostics import did_you_mean
from iandw.loader import LoadResult, load, load_documents
from iandw.model.registry import membership_closure, membership_heights

ENTITIES = textwrap.dedent(
    """\
    kind: entity
    id: russia
    type: state
    ---
    kind: entity
    id: hamas
    type: armed-group
    """
)


def load_rules(tmp_tree, monkeypatch, rules: str, observations: str = "") -> LoadResult:
    root = tmp_tree({"rules/rules.yaml": rules, "obs/o.yaml": observations or "# none\n"})
    monkeypatch.chdir(root)
    return load(["obs"], rules="rules")


def errors(result: LoadResult) -> list[tuple[str, int, int, str]]:
    return [(d.file, d.line, d.column, d.message) for d in result.errors]


def assert_errors(result: LoadResult, expected: list[tuple[int, int, str]], file="rules/rules.yaml"):
    got = errors(result)
    assert [(g[0], g[1], g[2]) for g in got] == [(file, e[0], e[1]) for e in expected], got
    for (*_, message), (*_, fragment) in zip(got, expected, strict=True):
        assert fragment in message, (message, fragment)


REQUIRE_SHAPES = ENTITIES + textwrap.dedent(
    """\
    ---
    kind: indicator
    id: shapes
    title: Require items of every shape, each wrong
    select:
      meeting: {type: meeting}
      attack: {type: attack}
    require:
      - {first: meeting, then: attack, withn: 12w}
      - {count: meeting, at_least: 0}
      - {between: [meeting], within: 3x}
      - {foo: bar}
    likelihood_ratio: 2
    """
)


def test_require_items_are_typed(tmp_tree, monkeypatch):
    result = load_rules(tmp_tree, monkeypatch, REQUIRE_SHAPES)
    assert_errors(
        result,
        [
            # "  - {first: meeting, then: attack, " is 35 characters; a key error is at the key
            (16, 36, "unknown key 'withn' (did you mean 'within'"),
            # "  - {count: meeting, at_least: " is 31 characters
            (17, 32, "at_least must be >= 1, got 0"),
            # "  - {between: " is 14 characters
            (18, 15, "between: list should have at least 2 items"),
            # "  - {between: [meeting], within: " is 33 characters
            (18, 34, "invalid duration '3x': write days as '84d' or weeks as '12w'"),
            (19, 5, "a require item is {first, then[, within, min]}, {between: [A, B][, within, min]}"),
        ],
    )


def test_a_duration_without_its_unit_says_which_unit_to_give(tmp_tree, monkeypatch):
    """`within: 84` is the newcomer's way to write 84 days: the message shows '84d'."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: units
        title: Durations written as numbers
        select:
          meeting: {type: meeting}
          attack: {type: attack}
        require:
          - {first: meeting, then: attack, within: 84}
          - {between: [meeting, attack], within: 4w, min: 7}
          - {first: meeting, then: attack, within: 1.5}
        likelihood_ratio: 2
        """
    )
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        [
            # "  - {first: meeting, then: attack, within: " is 43 characters
            (16, 44, "invalid duration 84: give its unit, '84d' for days or '84w' for weeks"),
            # "  - {between: [meeting, attack], within: 4w, min: " is 50 characters
            (17, 51, "invalid duration 7: give its unit, '7d' for days or '7w' for weeks"),
            (18, 44, "invalid duration 1.5: write days as '84d' or weeks as '12w'"),
        ],
    )


def test_a_variable_left_empty_says_how_to_declare_one(tmp_tree, monkeypatch):
    """`sponsor:` with nothing after it is null: the message shows a typed and an untyped declaration."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: empty-variable
        title: A variable declared with nothing
        vars:
          sponsor:
        select:
          meeting: {type: meeting, entities: [{of: $sponsor}]}
        likelihood_ratio: 2
        """
    )
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        # "  sponsor:" is 10 characters: the missing value is at column 11
        [
            (
                13,
                11,
                "sponsor: expected a mapping, got null: declare it as {type: state} for an entity "
                "of one type, or {} for any entity",
            )
        ],
    )


def test_a_key_indented_one_level_wrong_says_so(tmp_tree, monkeypatch):
    """`require:` under `select`, or `entities:` beside the selection names, is an indentation slip."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: misindented
        title: Two lines indented wrongly
        vars:
          group:
          type: armed-group
        select:
          attack:
            type: attack
          entities:
            - {of: $group, role: perpetrator}
          require:
            - {first: attack, then: attack}
        likelihood_ratio: 2
        """
    )
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        [
            (13, 9, "group: expected a mapping, got null"),
            (
                14,
                9,
                "type: expected a mapping, got the string 'armed-group'; 'type' is a key of each "
                "entry of 'vars': indent it under the entry's name",
            ),
            (
                19,
                5,
                "entities: expected a mapping, got a list; 'entities' is a key of each entry of "
                "'select': indent it under the entry's name",
            ),
            (
                21,
                5,
                "require: expected a mapping, got a list; 'require' is a key beside 'select', "
                "not an entry of it: indent it less",
            ),
        ],
    )


def test_a_pattern_written_as_a_bare_name_shows_both_ways_to_write_it(tmp_tree, monkeypatch):
    """An observation may list `[russia, hamas]`; a selection's patterns are mappings, `of` or `entity`."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: bare
        title: Patterns written as names
        vars: {sponsor: {type: state}}
        select:
          meeting: {type: meeting, entities: [$sponsor, hamas]}
        likelihood_ratio: 2
        """
    )
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        [
            # "  meeting: {type: meeting, entities: [" is 38 characters; "$sponsor, " 10 more
            (
                14,
                39,
                "got the string '$sponsor': write {of: $sponsor} (it or any of its members) or "
                "{entity: $sponsor} (it alone)",
            ),
            (
                14,
                49,
                "got the string 'hamas': write {of: hamas} (it or any of its members) or "
                "{entity: hamas} (it alone)",
            ),
        ],
    )


def test_a_misspelt_choice_suggests_the_one_meant(tmp_tree, monkeypatch):
    """`expect: fire`, `distinct: origin`, `reliability: b`: one of a few fixed words, nearly."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: words
        title: Fixed words misspelt
        select:
          meeting: {type: meeting}
        require:
          - {count: meeting, at_least: 2, distinct: origin}
        likelihood_ratio: 2
        tests:
          - name: fires
            as_of: 2023-10-01
            observations:
              - {id: m, type: meeting, date: 2023-09-01, sources: [{name: x, reliability: b}]}
            expect: fire
        """
    )
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        [
            # "  - {count: meeting, at_least: 2, distinct: " is 44 characters
            (15, 45, "got the string 'origin' (did you mean 'origins'?)"),
            # "      - {id: m, type: meeting, date: 2023-09-01, sources: [{name: x, reliability: " is 82
            (
                21,
                83,
                "reliability: expected 'A', 'B', 'C', 'D', 'E' or 'F', got the string 'b' "
                "(did you mean 'B'?)",
            ),
            (22, 13, "got the string 'fire' (did you mean 'fired' or 'not-fired'?)"),
        ],
    )


@pytest.mark.parametrize("written", ["entity", "Entity"])
def test_an_entity_inside_a_rule_test_says_where_entities_go(tmp_tree, monkeypatch, written):
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: inline
        title: An entity written among a test's observations
        select:
          meeting: {type: meeting}
        likelihood_ratio: 2
        tests:
          - name: fires
            as_of: 2023-10-01
            observations:
              - {kind: entity, id: lavrov, type: person}
            expect: fired
        """
    ).replace("kind: entity, id: lavrov", f"kind: {written}, id: lavrov")
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        [
            # "      - {kind: " is 15 characters; its missing date is the same mistake
            (
                19,
                16,
                "a rule test holds observations only: put the entity in the observation paths or the rules",
            ),
        ],
    )


def test_another_document_inside_a_rule_test_is_one_error_not_one_per_key(tmp_tree, monkeypatch):
    """A hypothesis among a test's observations lacks an observation's `type` and `date` and has a
    `statement`: one mistake, said once at its kind.  A misspelt `observation` is no such mistake:
    the rest of the document is judged as an observation's."""
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: inline
        title: A hypothesis written among a test's observations
        select:
          meeting: {type: meeting}
        likelihood_ratio: 2
        tests:
          - name: fires
            as_of: 2023-10-01
            observations:
              - {kind: entity, id: newguy, type: person, member_of: [hamas]}
              - {kind: hypothesis, id: hh, statement: s}
              - {kind: obsevation, id: t1, type: meeting}
            expect: fired
        """
    )
    assert_errors(
        load_rules(tmp_tree, monkeypatch, rules),
        [
            # "      - {kind: " is 15 characters
            (
                11,
                16,
                "a rule test holds observations only: put the entity in the observation paths or the rules",
            ),
            (
                12,
                16,
                "a rule test holds observations only: put the hypothesis in the rules, where every test",
            ),
            (13, 9, "missing required key 'date'"),
            (
                13,
                16,
                "kind: expected 'observation', got the string 'obsevation' (did you mean 'observation'?)",
            ),
        ],
    )


CROSS_CHECKS = ENTITIES + textwrap.dedent(
    """\
    ---
    kind: indicator
    id: checks
    title: Cross-document checks of a well-typed indicator
    vars:
      sponsor: {type: state}
    select:
      meeting:
        type: meeting
        entities: [{of: $sponsor}]
      as_of: {type: attack}
    require:
      - {first: meeting, then: meeting}
      - {first: meeting, then: as_of, within: 1d, min: 2d}
    likelihood_ratio: 2
    tests:
      - name: wrong in every way
        bind: {sponsor: hamas}
        as_of: 2023-10
        observations:
          - {id: t1, type: meeting, date: 2023, entities: [Hamaz]}
          - {id: t1, type: meeting, date: 2023}
        expect: fired
        matches: [t2]
    ---
    kind: hypothesis
    id: h1
    statement: Checks of a hypothesis
    bind: {sponsor: hamas, stranger: russia}
    indicators: [checks, chekcs, checks]
    """
)


def test_cross_document_checks_of_indicators_tests_and_hypotheses(tmp_tree, monkeypatch):
    result = load_rules(tmp_tree, monkeypatch, CROSS_CHECKS)
    type_error = (
        "sponsor = 'hamas' has type 'armed-group', but indicator 'checks' declares sponsor as 'state'"
    )
    assert_errors(
        result,
        [
            (18, 3, "'as_of' is reserved for the evaluation date; rename this selection"),
            (20, 5, "'meeting' is compared with itself"),
            # "  - {first: meeting, then: as_of, within: 1d, min: " is 51 characters
            (21, 52, "min 2d is longer than within 1d: nothing can match"),
            # "    bind: {sponsor: " is 20 characters
            (25, 21, type_error),
            (26, 12, "as_of: '2023-10' is not a single day (write YYYY-MM-DD)"),
            # "      - {id: t1, type: meeting, date: 2023, entities: [" is 55 characters
            (28, 56, "unknown entity 'Hamaz' (did you mean hamas?)"),
            (29, 14, "duplicate observation id 't1' in this test"),
            (31, 15, "'t2' is not one of this test's observations"),
            # "bind: {sponsor: " is 16 characters
            (36, 17, type_error),
            # "indicators: [checks, " is 21 characters
            (37, 22, "unknown indicator 'chekcs' (did you mean 'checks'?)"),
            (37, 30, "indicator 'checks' is listed twice"),
        ],
    )
    warnings = [(d.line, d.column, d.message) for d in result.warnings]
    # "bind: {sponsor: hamas, " is 23 characters
    assert (36, 24, "bind key 'stranger' is not a variable of its indicator, so it binds nothing") in warnings


@pytest.mark.parametrize(
    ("name", "problem"),
    [('""', "is empty"), ('"  "', "is empty"), ("a::b", "holds '::', which ends the indicator's id there")],
)
def test_a_test_name_must_say_one_test_as_indicator_name(tmp_tree, monkeypatch, name, problem):
    """`quiet::a::b` reads as the test 'b' of the indicator 'quiet::a'; `quiet::` as no test."""
    rules = textwrap.dedent(
        f"""\
        kind: indicator
        id: quiet
        title: q
        select:
          meeting: {{type: meeting}}
        likelihood_ratio: 2
        tests:
          - name: {name}
            as_of: 2023-10-08
            expect: not-fired
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    shown = {'""': "''", '"  "': "'  '", "a::b": "'a::b'"}[name]
    message = f"test name {shown} {problem}: failure lines and -k name a test as indicator::name"
    assert errors(result) == [("rules/rules.yaml", 8, 11, message)]  # "  - name: " is 10 characters


def test_a_scale_with_an_error_of_its_own_is_not_also_missing(tmp_tree, monkeypatch):
    """`values: [official, 5, minister]` is the scale's error; the indicator comparing through it
    was also told to "add a 'kind: scale' document", which is there."""
    rules = textwrap.dedent(
        """\
        kind: scale
        id: level
        values: [official, [5], minister]
        ---
        kind: indicator
        id: met
        title: met
        select:
          m:
            type: meeting
            entities: [{level: {at_least: minister}}]
        likelihood_ratio: 2
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert [d.message for d in result.errors if "scale" in d.message] == []
    assert [(d.line, d.column) for d in result.errors] == [(3, 20)]  # "values: [official, " is 19


def test_a_not_fired_test_that_names_matches_is_an_error(tmp_tree, monkeypatch):
    """A not-fired indicator has no best match: `matches` there was ignored, so the test passed
    whatever it listed, an assertion that checked nothing."""
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: quiet
        title: q
        select:
          meeting: {type: meeting}
        likelihood_ratio: 2
        tests:
          - name: nothing met
            as_of: 2023-10-08
            expect: not-fired
            matches: [t1]
            observations:
              - {id: t1, type: attack, date: 2023-10-01}
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    message = (
        "'matches' names the observations of the best match, and a not-fired indicator has none: "
        "remove it, or expect 'fired' or 'possible'"
    )
    assert errors(result) == [("rules/rules.yaml", 11, 5, message)]


BROKEN_INDICATOR = ENTITIES + textwrap.dedent(
    """\
    ---
    kind: indicator
    id: barter
    title: A typo in one key keeps it from loading
    vars:
      sponsor: {type: state}
    select:
      deal: {type: arms-transfer, entities: [{of: $sponsor}]}
    likelyhood_ratio: 2
    ---
    kind: hypothesis
    id: h1
    statement: Lists the indicator, and a typo of it
    bind: {sponsor: russia}
    indicators: [barter, bartr]
    ---
    kind: hypothesis
    id: h2
    statement: Uses every indicator
    bind: {sponsor: russia}
    """
)


def test_an_indicator_that_did_not_load_is_one_error_not_a_cascade(tmp_tree, monkeypatch):
    """Its typo is the error; a typo of its id is still suggested; its variables are not 'unknown'."""
    result = load_rules(tmp_tree, monkeypatch, BROKEN_INDICATOR)
    assert_errors(
        result,
        [
            (16, 1, "unknown key 'likelyhood_ratio' (did you mean 'likelihood_ratio'? it is required"),
            # "indicators: [barter, " is 21 characters
            (22, 22, "unknown indicator 'bartr' (did you mean 'barter'?)"),
        ],
    )
    assert not [w for w in result.warnings if "bind key" in w.message], result.warnings


def test_an_indicator_id_reused_is_one_error_not_also_what_the_dropped_one_reaches(tmp_tree, monkeypatch):
    """The second `met` is dropped; the entity type only it selects is not "reached by no rule"."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: entity
        id: wagner
        type: pmc
        ---
        kind: indicator
        id: met
        title: Met
        vars:
          sponsor: {type: state}
          group: {type: armed-group}
        select:
          meeting: {type: meeting, entities: [{of: $sponsor}, {of: $group}]}
        likelihood_ratio: 2
        ---
        kind: indicator
        id: met
        title: Trained, under an id copied from the one above
        vars:
          pmc: {type: pmc}
        select:
          training: {type: meeting, entities: [{entity: $pmc}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Met
        """
    )
    observations = "kind: observation\nid: o\ntype: meeting\ndate: 2023\nsources: [{name: s}]\n"
    result = load_rules(tmp_tree, monkeypatch, rules, observations)
    lines = rules.splitlines()
    first, second = (number for number, line in enumerate(lines, 1) if line == "id: met")
    # "id: " is 4 characters
    assert_errors(
        result, [(second, 5, f"duplicate indicator id 'met' (first defined at rules/rules.yaml:{first - 1})")]
    )
    assert result.warnings == [], result.warnings


def test_a_misspelt_variable_is_one_error_not_also_an_unused_one(tmp_tree, monkeypatch):
    """`$weapn` for the declared `$weapon`, used nowhere else: one error, at the typo, naming the
    variable meant; `$sponsr` is close to `$sponsor`, which is used, so that one is only suggested."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: shown
        title: Shown
        vars:
          sponsor: {type: state}
          weapon: {type: weapon}
        select:
          display: {type: display, entities: [{of: $sponsor}, {entity: $weapn}]}
          parade: {type: display, entities: [{of: $sponsr}]}
        likelihood_ratio: 2
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    display = (
        rules.splitlines().index("  display: {type: display, entities: [{of: $sponsor}, {entity: $weapn}]}")
        + 1
    )
    declared = "; declared: 'sponsor', 'weapon'"
    assert_errors(
        result,
        [
            # "  display: {type: display, entities: [{of: $sponsor}, {entity: " is 63 characters
            (
                display,
                64,
                "undeclared variable '$weapn' (did you mean 'weapon'? it is declared, and no pattern "
                f"uses it){declared}",
            ),
            # "  parade: {type: display, entities: [{of: " is 42 characters
            (display + 1, 43, f"undeclared variable '$sponsr' (did you mean 'sponsor'?){declared}"),
        ],
    )


def test_a_misspelt_required_key_is_one_error_not_also_a_missing_one(tmp_tree, monkeypatch):
    """`typ:` for `type:` is one mistake; an unknown key near no missing one is still only unknown,
    and a required key that nothing misspells is still missing.  The type `typ:` gives is still
    observed: no rule selecting it is told that nothing has it."""
    observations = textwrap.dedent(
        """\
        kind: observation
        id: a
        typ: parade
        date: 2023
        sources: [{name: s}]
        ---
        kind: observation
        id: b
        type: meeting
        sauces: [{name: s}]
        ---
        kind: observation
        id: c
        tpe: meeting
        dat: 2023
        """
    )
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: paraded
        title: Paraded
        select: {shown: {type: parade}}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Paraded
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules, observations)
    allowed = (
        "allowed keys: kind, id, type, date, reported, place, summary, entities, attributes, sources, note"
    )
    assert errors(result) == [
        (
            "obs/o.yaml",
            3,
            1,
            f"unknown key 'typ' (did you mean 'type'? it is required and missing); {allowed}",
        ),
        ("obs/o.yaml", 7, 1, "missing required key 'date'"),
        ("obs/o.yaml", 10, 1, f"unknown key 'sauces' (did you mean 'sources'?); {allowed}"),
        (
            "obs/o.yaml",
            14,
            1,
            f"unknown key 'tpe' (did you mean 'type'? it is required and missing); {allowed}",
        ),
        (
            "obs/o.yaml",
            15,
            1,
            f"unknown key 'dat' (did you mean 'date'? it is required and missing); {allowed}",
        ),
    ]
    assert result.warnings == [], result.warnings


def test_an_indicator_without_a_string_id_silences_the_bind_keys_it_may_declare(tmp_tree, monkeypatch):
    """`id: 12` is its one error; h2 uses every indicator, so `sponsor` may be this one's variable."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: 12
        title: Its id is a number
        vars:
          sponsor: {type: state}
        select:
          deal: {type: arms-transfer, entities: [{of: $sponsor}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h2
        statement: Uses every indicator
        bind: {sponsor: russia}
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    # "id: " is 4 characters
    assert_errors(
        result, [(rules.splitlines().index("id: 12") + 1, 5, "id: expected a string, got the number 12")]
    )
    assert not [w for w in result.warnings if "bind key" in w.message], result.warnings


def test_a_misspelt_bind_key_suggests_the_variable_meant(tmp_tree, monkeypatch):
    """`grup` binds nothing, so `group` would be left free: a warning that names the variable."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: met
        title: Met
        vars:
          sponsor: {type: state}
          group: {type: armed-group}
        select:
          meeting: {type: meeting, entities: [{of: $sponsor}, {of: $group}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Met
        bind: {sponsor: russia, grup: hamas}
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    line = rules.splitlines().index("bind: {sponsor: russia, grup: hamas}") + 1
    # "bind: {sponsor: russia, " is 24 characters
    assert [(d.line, d.column, d.message) for d in result.warnings if "bind key" in d.message] == [
        (
            line,
            25,
            "bind key 'grup' is not a variable of its indicator (did you mean 'group'?), so it binds nothing",
        )
    ]


def test_a_bind_key_beside_the_variable_it_resembles_suggests_nothing(tmp_tree, monkeypatch):
    """`group` is bound already: `groups` beside it is extra, not a misspelling of it."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: met
        title: Met
        vars:
          sponsor: {type: state}
          group: {type: armed-group}
        select:
          meeting: {type: meeting, entities: [{of: $sponsor}, {of: $group}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Met
        bind: {group: hamas, groups: hamas}
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert [d.message for d in result.warnings if "bind key" in d.message] == [
        "bind key 'groups' is not a variable of its indicator, so it binds nothing"
    ]


def test_a_misspelt_kind_is_one_error_not_a_cascade(tmp_tree, monkeypatch):
    """`kind: Indicator` is its one error: the hypothesis listing it, its bind keys, the entity
    only it names and the type only it selects are not reported as well."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: entity
        id: wagner
        type: pmc
        ---
        kind: Indicator
        id: barter
        title: Capitalised kind
        vars:
          sponsor: {type: state}
        select:
          deal: {type: arms-transfer, entities: [{of: $sponsor}, {entity: wagner}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Uses it
        bind: {sponsor: russia}
        indicators: [barter]
        """
    )
    observations = (
        "kind: observation\nid: o\ntype: arms-transfer\ndate: 2023\nentities: [russia]\n"
        "sources: [{name: s}]\n"
    )
    result = load_rules(tmp_tree, monkeypatch, rules, observations)
    # "kind: " is 6 characters
    line = rules.splitlines().index("kind: Indicator") + 1
    assert_errors(result, [(line, 7, "unknown kind 'Indicator' (did you mean 'indicator'?)")])
    assert result.warnings == [], result.warnings


def test_scoring_documents(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: scoring
        qualifier_pad: 2
        ---
        kind: scoring
        id: second
        levels: {watch: 0.5, warning: 0.4}
        ---
        kind: scoring
        id: third
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(
        result,
        [
            # "levels: " is 8 characters
            (6, 9, "levels must rise: watch < warning < alert"),
            (8, 1, "only one scoring document is allowed (the first is at rules/rules.yaml:1)"),
        ],
    )


def test_scoring_weights_are_typed(tmp_tree, monkeypatch):
    rules = "kind: scoring\nreliability: {A: 1.5}\nqualifier_pad: -1\n"
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(
        result,
        [
            # "reliability: {A: " is 17 characters
            (2, 18, "A must be <= 1"),
            (3, 16, "qualifier_pad must be >= 0, got -1"),
        ],
    )


@pytest.mark.parametrize(
    "rules, line, column",
    [
        # "credibility: {" is 14 characters
        ("kind: scoring\ncredibility: {7: 0.5}\n", 2, 15),
        # "reliability: {" is 14 characters
        ("kind: scoring\nreliability: {G: 0.5}\n", 2, 15),
        (
            "kind: indicator\nid: i\ntitle: t\nvars:\n  1bad: {type: state}\nselect: {m: {type: x}}\n"
            "likelihood_ratio: 2\n",
            5,
            3,
        ),
    ],
    ids=["credibility-key", "reliability-key", "variable-name"],
)
def test_key_problems_are_placed_at_the_key(tmp_tree, monkeypatch, rules, line, column):
    result = load_rules(tmp_tree, monkeypatch, rules)
    ((_, got_line, got_column, message),) = errors(result)
    assert (got_line, got_column) == (line, column)
    assert "[key]" not in message


def test_entity_attribute_off_its_scale_is_a_warning(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: scale
        id: rank
        values: [member, leader]
        ---
        kind: entity
        id: x
        type: person
        attributes: {rank: general}
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert result.errors == []
    warnings = [(d.line, d.column, d.message) for d in result.warnings]
    # "attributes: {rank: " is 19 characters
    assert (
        8,
        20,
        "rank 'general' is not on the scale 'rank' ('member', 'leader'), so at_least/at_most never match it",
    ) in warnings


def test_variable_of_a_type_no_entity_has_is_a_warning(tmp_tree, monkeypatch):
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: typo-type
        title: A variable type with a typo
        vars:
          group: {type: armed-gruop}
        select:
          attack:
            type: attack
            entities: [{of: $group}]
        likelihood_ratio: 2
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert result.errors == []
    warnings = [(d.line, d.column, d.message) for d in result.warnings]
    # "  group: {type: " is 16 characters
    gruop = "no entity has type 'armed-gruop' (did you mean 'armed-group'?); known types: 'armed-group', "
    gruop += "'state'"
    assert (13, 17, gruop) in warnings


def test_a_pattern_attribute_no_entity_has_is_a_warning(tmp_tree, monkeypatch):
    """`affiliated-state` for `affiliated_state` fails on every entity: the selection can never
    match, silently.  `exists: false` on an attribute nobody has is what it means, and a known
    attribute is not warned of."""
    rules = textwrap.dedent(
        """\
        kind: entity
        id: russia
        type: state
        ---
        kind: entity
        id: wagner
        type: pmc
        attributes: {affiliated_state: russia, founded: 2014}
        ---
        kind: indicator
        id: trained
        title: Trained by a PMC of the sponsor
        vars:
          sponsor: {type: state}
          pmc: {type: pmc}
        select:
          training:
            type: training
            entities:
              - {entity: $pmc, affiliated-state: $sponsor, founded: {at_least: 2000}}
              - {of: $sponsor, listed: {exists: false}}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Trained
        """
    )
    observations = "kind: observation\nid: o\ntype: training\ndate: 2023\nsources: [{name: s}]\n"
    result = load_rules(tmp_tree, monkeypatch, rules, observations)
    assert result.errors == []
    # "      - {entity: $pmc, " is 23 characters
    line = (
        rules.splitlines().index(
            "      - {entity: $pmc, affiliated-state: $sponsor, founded: {at_least: 2000}}"
        )
        + 1
    )
    assert [(d.line, d.column, d.message) for d in result.warnings] == [
        (
            line,
            24,
            "no entity has attribute 'affiliated-state', so this pattern never matches "
            "(did you mean 'affiliated_state'?); attributes: 'affiliated_state', 'founded'",
        )
    ]


def test_a_misspelt_pattern_key_suggests_the_key_or_the_attribute_meant(tmp_tree, monkeypatch):
    """`rol` is read as an attribute no entity has; it is the key `role` misspelt."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: entity
        id: amir
        type: person
        attributes: {rank: minister}
        ---
        kind: indicator
        id: misspelt
        title: Pattern keys with typos
        select:
          meeting:
            type: meeting
            entities: [{rol: host, tpye: person, rnk: minister}]
        likelihood_ratio: 2
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert result.errors == []
    found = [(d.line, d.column, d.message) for d in result.warnings if "attribute" in d.message]
    # "    entities: [{" is 16 characters; "rol: host, " 11 more, "tpye: person, " 14 more
    never = "so this pattern never matches"
    assert found == [
        (20, 17, f"no entity has attribute 'rol', {never} (did you mean 'role'?); attributes: 'rank'"),
        (20, 28, f"no entity has attribute 'tpye', {never} (did you mean 'type'?); attributes: 'rank'"),
        (20, 42, f"no entity has attribute 'rnk', {never} (did you mean 'rank'?); attributes: 'rank'"),
    ]


def test_a_pattern_attribute_warning_lists_the_first_few_attributes_entities_have(tmp_tree, monkeypatch):
    """Entities come from observation files, untrusted: 300 of them with an attribute each
    ('a000' to 'a299') give one short warning, listing 5 of those attributes and counting the rest."""
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: i
        title: i
        select:
          s: {type: t, entities: [{nope: 1}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: h
        indicators: [i]
        """
    )
    entities = "".join(
        f"---\nkind: entity\nid: e{n:03}\ntype: x\nattributes: {{a{n:03}: 1}}\n" for n in range(300)
    )
    observation = "---\nkind: observation\nid: o\ntype: t\ndate: 2023\nsources: [{name: s}]\n"
    result = load_rules(tmp_tree, monkeypatch, rules, entities + observation)
    assert result.errors == []
    attribute_warnings = [d.message for d in result.warnings if "attribute" in d.message]
    assert attribute_warnings == [
        "no entity has attribute 'nope', so this pattern never matches; "
        "attributes: 'a000', 'a001', 'a002', 'a003', 'a004' and 295 more"
    ]


def test_a_misspelt_ordinal_attribute_is_one_error_not_also_a_warning(tmp_tree, monkeypatch):
    """`levl: {at_least: minister}`: one mistake.  The error that it needs a scale already says
    'did you mean level'; 'no entity has attribute levl' beside it was a second message for it."""
    rules = textwrap.dedent(
        """\
        kind: scale
        id: level
        values: [official, minister]
        ---
        kind: indicator
        id: met
        title: met
        vars: {sponsor: {type: state}}
        select:
          m:
            type: meeting
            entities:
              - {of: $sponsor, levl: {at_least: minister}}
        likelihood_ratio: 2
        """
    )
    entities = (
        "kind: entity\nid: russia\ntype: state\n---\n"
        "kind: entity\nid: lavrov\ntype: person\nmember_of: [russia]\nattributes: {level: minister}\n"
    )
    result = load_rules(tmp_tree, monkeypatch, rules, entities)
    # "      - {of: $sponsor, " is 23 characters: 'levl' at 24, its value 6 further
    assert [(d.line, d.column, d.severity) for d in result.diagnostics if "levl" in d.message] == [
        (13, 30, "error")
    ]
    assert_errors(
        result,
        [
            (
                13,
                30,
                "at_least on 'levl' needs a scale: add a 'kind: scale' document with id "
                "'levl' (did you mean 'level'?), or compare with a number",
            )
        ],
    )


def test_a_variable_type_warning_lists_the_first_few_types_entities_have(tmp_tree, monkeypatch):
    """300 entities of types 't000' to 't299' (observation files may hold them) give one short warning."""
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: i
        title: i
        vars:
          group: {type: armed-group}
        select:
          s: {type: t, entities: [{of: $group}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: h
        indicators: [i]
        """
    )
    entities = "".join(f"---\nkind: entity\nid: e{n:03}\ntype: t{n:03}\n" for n in range(300))
    observation = "---\nkind: observation\nid: o\ntype: t\ndate: 2023\nsources: [{name: s}]\n"
    result = load_rules(tmp_tree, monkeypatch, rules, entities + observation)
    assert result.errors == []
    type_warnings = [d.message for d in result.warnings if "no entity has type" in d.message]
    assert type_warnings == [
        "no entity has type 'armed-group'; known types: 't000', 't001', 't002', 't003', 't004' and 295 more"
    ]


def test_variable_type_warning_without_any_entity_says_none_is_loaded(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: no-entities
        title: A case with no entity yet
        vars:
          group: {type: armed-group}
        select:
          attack: {type: attack, entities: [{of: $group}]}
        likelihood_ratio: 2
        """
    )
    warnings = [(d.line, d.column, d.message) for d in load_rules(tmp_tree, monkeypatch, rules).warnings]
    # "  group: {type: " is 16 characters
    assert (5, 17, "no entity has type 'armed-group'; no entity is loaded") in warnings


def test_nan_likelihood_ratio_is_an_error(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: nan
        title: Not a number
        select: {m: {type: meeting}}
        likelihood_ratio: .nan
        ---
        kind: hypothesis
        id: h
        statement: s
        prior: .nan
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(
        result,
        [(5, 19, "likelihood_ratio must be a finite number"), (10, 8, "prior must be a finite number")],
    )


def test_infinite_likelihood_ratio_is_an_error(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: inf
        title: Infinitely diagnostic
        select: {m: {type: meeting}}
        likelihood_ratio: .inf
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(result, [(5, 19, "likelihood_ratio")])


def test_prior_bounds_are_exclusive(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: hypothesis
        id: zero
        statement: s
        prior: 0
        ---
        kind: hypothesis
        id: one
        statement: s
        prior: 1
        ---
        kind: hypothesis
        id: text
        statement: s
        prior: high
        ---
        kind: hypothesis
        id: fine
        statement: s
        prior: 0.999
        ---
        kind: hypothesis
        id: exponent
        statement: s
        prior: 1e-3
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(
        result,
        [
            (4, 8, "prior must be > 0"),
            (9, 8, "prior must be < 1"),
            (14, 8, "prior: expected a number, got the string 'high'"),
            (
                24,
                8,
                "prior: expected a number, got the string '1e-3' (YAML reads '1e-3' as text: write 0.001)",
            ),
        ],
    )
    assert [item.document.id for item in result.loaded["hypothesis"]] == ["fine"]


def test_hypothesis_likelihood_ratio_override_must_be_positive(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: hypothesis
        id: h
        statement: s
        indicators: [{id: a, likelihood_ratio: -1}, 5]
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(
        result,
        [
            # "indicators: [{id: " is 18 characters: the entry's id is checked though its ratio is bad
            (4, 19, "unknown indicator 'a'"),
            # "indicators: [{id: a, likelihood_ratio: " is 39 characters
            (4, 40, "likelihood_ratio must be > 0"),
            # "indicators: [{id: a, likelihood_ratio: -1}, " is 44 characters
            (4, 45, "an indicator entry is an indicator id or {id, likelihood_ratio, ...}"),
        ],
    )


# --- predicates ---------------------------------------------------------------------

PREDICATE_RULE = textwrap.dedent(
    """\
    kind: entity
    id: russia
    type: state
    ---
    kind: indicator
    id: preds
    title: A predicate that cannot be read
    vars:
      sponsor: {type: state}
    select:
      meeting:
        type: meeting
        entities:
          - {{of: $sponsor, {predicate}}}
    likelihood_ratio: 2
    """
)

BAD_PREDICATES = [
    # "      - {of: $sponsor, level: " is 30 characters
    pytest.param("level: {at_leest: x}", 31, "unknown operator 'at_leest'", id="unknown-operator"),
    pytest.param("level: {in: x}", 31, "'in' takes a list of plain values", id="in-not-a-list"),
    # "      - {of: $sponsor, tag: " is 28 characters
    pytest.param('tag: {matches: "[unclosed"}', 29, "invalid regular expression '[unclosed'", id="bad-regex"),
    pytest.param(  # more than `re` can hold: an error, not an internal one
        'tag: {matches: "a{99999999999}"}', 29, "'a{99999999999}': too large or too deep", id="huge-regex"
    ),
    pytest.param("who: $1bad", 29, "invalid variable name '$1bad'", id="bad-variable"),
    pytest.param("level: {at_least: [a]}", 31, "'at_least' takes one plain value", id="list-operand"),
]


@pytest.mark.parametrize("predicate, column, fragment", BAD_PREDICATES)
def test_bad_predicate_is_located(tmp_tree, monkeypatch, predicate, column, fragment):
    rules = PREDICATE_RULE.replace("{{of: $sponsor, {predicate}}}", "{of: $sponsor, " + predicate + "}")
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert [(d.line, d.column) for d in result.errors] == [(14, column)]


@pytest.mark.parametrize("predicate, column, fragment", BAD_PREDICATES)
def test_bad_predicate_message_names_the_culprit(tmp_tree, monkeypatch, predicate, column, fragment):
    rules = PREDICATE_RULE.replace("{{of: $sponsor, {predicate}}}", "{of: $sponsor, " + predicate + "}")
    result = load_rules(tmp_tree, monkeypatch, rules)
    (diagnostic,) = result.errors
    assert "!r}" not in diagnostic.message
    assert fragment in diagnostic.message


def test_at_least_with_a_number_needs_no_scale(tmp_tree, monkeypatch):
    rules = PREDICATE_RULE.replace("{{of: $sponsor, {predicate}}}", "{of: $sponsor, age: {at_least: 50}}")
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert result.errors == []


# --- scales ---------------------------------------------------------------------------


# --- where paths ------------------------------------------------------------------

WHERE_PATHS = textwrap.dedent(
    """\
    kind: indicator
    id: shipment
    title: A shipment reached Port Alpha
    select:
      arrival:
        type: arrival
        where:
          plac: Port Alpha
          atributes.tonnage: {at_least: 10}
          date.year: 2023
          sources.name: Harbour log
          entities: {exists: true}
          place: Port Alpha
          attributes: {exists: true}
          attributes.cargo.kind: grain
          note: {exists: false}
    likelihood_ratio: 2
    """
)


def test_a_where_path_no_observation_can_have_is_an_error_at_its_key(tmp_tree, monkeypatch):
    """It would be missing from every observation: the selection would never match, and nothing said why."""
    result = load_rules(tmp_tree, monkeypatch, WHERE_PATHS)
    fields = "; a where path starts with place, summary, type, id, date, reported, note or attributes"
    assert errors(result) == [
        ("rules/rules.yaml", 8, 7, "unknown observation field 'plac' (did you mean 'place'?)" + fields),
        (
            "rules/rules.yaml",
            9,
            7,
            "unknown observation field 'atributes' in where path 'atributes.tonnage' "
            "(did you mean 'attributes'?)" + fields,
        ),
        (
            "rules/rules.yaml",
            10,
            7,
            "where path 'date.year': 'date' has no keys under it, only 'attributes' has",
        ),
        (
            "rules/rules.yaml",
            11,
            7,
            "where path 'sources.name': an observation's sources are judged by the selection's "
            "'min_origins' and 'min_grade', not by 'where'",
        ),
        (
            "rules/rules.yaml",
            12,
            7,
            "where path 'entities': an observation's entities are met by the selection's 'entities' "
            "patterns, not by 'where'",
        ),
    ]


def test_a_where_path_with_an_empty_part_is_an_error_at_its_key(tmp_tree, monkeypatch):
    """'attributes..level' reads the key '': the selection never matched, and nothing said why."""
    where = "      attributes..level: 3\n      attributes.: x\n      attributes.level.: 2\n"
    rules = WHERE_PATHS.split("    where:\n")[0] + "    where:\n" + where + "likelihood_ratio: 2\n"
    result = load_rules(tmp_tree, monkeypatch, rules)
    why = " has an empty part: no attribute key is empty; join keys with single dots"
    assert errors(result) == [
        ("rules/rules.yaml", 8, 7, "where path 'attributes..level'" + why),
        ("rules/rules.yaml", 9, 7, "where path 'attributes.'" + why),
        ("rules/rules.yaml", 10, 7, "where path 'attributes.level.'" + why),
    ]


def test_every_where_path_the_docs_name_is_accepted(tmp_tree, monkeypatch):
    """The fields docs/language.md lists, alone, and attributes at any depth."""
    paths = ["place", "summary", "type", "id", "date", "reported", "note", "attributes.a", "attributes.a.b"]
    where = "".join(f"      {path}: {{exists: true}}\n" for path in paths)
    rules = WHERE_PATHS.split("    where:\n")[0] + "    where:\n" + where + "likelihood_ratio: 2\n"
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert result.errors == []
    assert list(result.case.indicators["shipment"].select["arrival"].where) == paths


def test_repeated_scale_value_is_located(tmp_tree, monkeypatch):
    rules = "kind: scale\nid: level\nvalues: [low, high, low]\n"
    result = load_rules(tmp_tree, monkeypatch, rules)
    # at the repetition: "values: [low, high, " is 20 characters, so the second 'low' is column 21
    assert errors(result) == [
        ("rules/rules.yaml", 3, 21, "scale value 'low' is repeated: the values of a scale must be distinct")
    ]


def test_empty_scale_is_an_error(tmp_tree, monkeypatch):
    rules = "kind: scale\nid: level\nvalues: []\n"
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert_errors(result, [(3, 9, "values")])


def test_a_date_padded_out_of_range_is_located_at_its_own_key(tmp_tree, monkeypatch):
    observations = textwrap.dedent(
        """\
        kind: observation
        id: o1
        type: meeting
        date: "2023-01-01"
        reported: "9999~"
        ---
        kind: observation
        id: o2
        type: meeting
        date: "9999~"
        reported: "9999~"
        """
    )
    result = load_rules(tmp_tree, monkeypatch, "kind: scoring\nqualifier_pad: 2\n", observations)
    # "reported: " is 10 characters, "date: " 6; only the padding of 2 years puts 9999 out of range
    assert_errors(
        result,
        [
            (5, 11, "reported: date 9999-12-31 padded beyond the years 0001-9999"),
            (10, 7, "date: date 9999-12-31 padded beyond"),
            (11, 11, "reported: date 9999-12-31 padded beyond"),
        ],
        file="obs/o.yaml",
    )
    assert result.case.observations == []


def test_in_memory_documents_that_are_not_mappings_are_reported_and_the_rest_kept():
    entity = {"kind": "entity", "id": "x", "type": "state", "name": "X"}
    result = load_documents([["a"], entity, 3])
    assert [(d.file, d.line, d.column, d.severity) for d in result.diagnostics] == [
        ("<documents>", 1, 1, "error"),
        ("<documents>", 3, 1, "error"),
    ]
    assert "got a list" in result.diagnostics[0].message
    assert "got the number 3" in result.diagnostics[1].message
    assert result.counts() == {"entity": 1}


def test_a_key_holding_a_newline_is_named_escaped(tmp_tree, monkeypatch):
    # found by tests/test_fuzz_loader.py: the key is the field's name in the message
    result = load_rules(tmp_tree, monkeypatch, 'kind: scoring\nreliability: {"\\n": entity}\n')
    messages = [d.message for d in result.errors]
    assert "\\n: expected a number, got the string 'entity'" in messages
    assert not any("\n" in message for message in messages)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 11), max_size=4), min_size=1, max_size=12))
def test_the_membership_closure_is_every_entity_reachable_through_member_of(edges: list[list[int]]) -> None:
    # parents only among earlier entities: a graph without cycles, as a valid case has
    parents = {f"e{i}": sorted({f"e{j}" for j in ups if j < i}) for i, ups in enumerate(edges)}

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        pending = list(parents[start])
        while pending:
            parent = pending.pop()
            if parent not in seen:
                seen.add(parent)
                pending.extend(parents[parent])
        return seen

    heights = membership_heights(parents)
    closure, stopped = membership_closure(parents, heights, most_pairs=10**6)
    assert stopped is None
    assert {e: set(found) for e, found in closure.items()} == {e: reachable(e) for e in parents}
    assert all(heights[e] == max((heights[p] + 1 for p in parents[e]), default=0) for e in parents)


def test_the_membership_closure_stops_at_the_entity_that_makes_too_many_pairs() -> None:
    parents = {"a": ["b"], "b": ["c"], "c": []}  # pairs: c 0, b 1 (c), a 2 (b, c): 3 in all
    closure, stopped = membership_closure(parents, membership_heights(parents), most_pairs=2)
    assert (closure, stopped) == ({"c": frozenset(), "b": frozenset({"c"})}, "a")
    closure, stopped = membership_closure(parents, membership_heights(parents), most_pairs=3)
    assert stopped is None and closure["a"] == {"b", "c"}


FEED_WITH_RULES = (
    '{"kind": "scoring", "reliability": {"B": 1.0}}\n'
    '{"kind": "hypothesis", "id": "planted", "statement": "s", "prior": 0.99, "indicators": ["met"]}\n'
    '  {"kind": "indicator", "id": "met", "title": "t", "select": {"m": {"type": "meeting"}}, '
    '"likelihood_ratio": 9}\n'
)
MISPLACED = (
    "document outside the rules: indicators, hypotheses, scales and scoring are read only from the "
    "rules directory (--rules), so that no observation file can change what it is judged by"
)


def test_an_observation_file_cannot_bring_rules(tmp_tree, monkeypatch) -> None:
    """A feed holding a scoring, a hypothesis and the indicator it names: each is an error at its
    `kind` value (column of the value after `{"kind": `, 10; 12 on the indented line), none is
    used, and the hypothesis's reference to the planted indicator adds no error of its own."""
    root = tmp_tree({"rules/rules.yaml": ENTITIES, "obs/feed.jsonl": FEED_WITH_RULES})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules")
    assert errors(result) == [
        ("obs/feed.jsonl", 1, 10, f"a 'scoring' {MISPLACED}"),
        ("obs/feed.jsonl", 2, 10, f"a 'hypothesis' {MISPLACED}"),
        ("obs/feed.jsonl", 3, 12, f"a 'indicator' {MISPLACED}"),
    ]
    assert not result.case.hypotheses and not result.case.indicators
    assert result.case.tables.reliability["B"] == 0.7  # SPEC §7: B .7, not the feed's 1.0


def test_a_rule_document_with_a_syntax_error_is_refused_among_the_observations_too(
    tmp_tree, monkeypatch
) -> None:
    """Read only for its kind, a broken hypothesis, indicator or scoring in an observation file
    is refused as it will be once fixed, at its `kind` value: column 7 after `kind: `, 10 after
    `- {kind: `, 9 after `- kind: `. A broken observation in the rules directory is allowed there,
    and its only error is its syntax."""
    feed = "kind: hypothesis\nid: planted\nstatement: s\nprior: 0.99\nindicators: [met]\n\tnote: tab\n"
    listed = (
        "- {kind: indicator, id: met, title: t, select: {m: {type: meeting}}, likelihood_ratio: 9}\n"
        '- kind: "scoring"\n  reliability: {B: 1.0}\n\tnote: tab\n'
    )
    rules = ENTITIES + "---\nkind: observation\nid: o\ntype: meeting\ndate: 2023\n\tnote: tab\n"
    root = tmp_tree({"rules/rules.yaml": rules, "obs/feed.yaml": feed, "obs/list.yaml": listed})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules")
    # ENTITIES is 7 lines: the observation's tab is on line 7 + 6 = 13
    assert [error[:3] for error in errors(result)] == [
        ("obs/feed.yaml", 1, 7),
        ("obs/feed.yaml", 6, 1),
        ("obs/list.yaml", 1, 10),
        ("obs/list.yaml", 2, 9),
        ("obs/list.yaml", 4, 1),
        ("rules/rules.yaml", 13, 1),
    ], errors(result)
    messages = [error[3] for error in errors(result)]
    assert messages[0] == f"a 'hypothesis' {MISPLACED}"
    assert messages[2] == f"a 'indicator' {MISPLACED}"
    assert messages[3] == f"a 'scoring' {MISPLACED}"
    assert all(messages[i].startswith("YAML syntax error: ") for i in (1, 4, 5))
    assert result.case.tables.reliability["B"] == 0.7


def test_rules_are_taken_from_the_rules_directory_wherever_else_it_is_named(tmp_tree, monkeypatch) -> None:
    root = tmp_tree({"case/rules/feed.jsonl": FEED_WITH_RULES, "case/obs/e.yaml": ENTITIES})
    monkeypatch.chdir(root)
    for paths, rules in [
        (["case"], "case/rules"),
        (["case/obs"], os.path.join(root, "case", "rules")),
        (["case"], None),
    ]:
        result = load(paths, rules=rules)
        assert result.ok, (paths, rules, errors(result))
        assert set(result.case.hypotheses) == {"planted"} and result.case.tables.reliability["B"] == 1.0


def test_an_empty_type_list_is_an_error_not_any_type(tmp_tree, monkeypatch) -> None:
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: i
        title: t
        select: {a: {type: []}}
        likelihood_ratio: 2
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    # ENTITIES is 7 lines, so `select: …` is line 12; `[]` is its 20th character
    assert_errors(result, [(12, 20, "type: empty; give at least one")])


def test_a_pattern_type_no_entity_has_is_a_warning(tmp_tree, monkeypatch):
    """`type: stat` for `state` in a pattern fails on every entity, silently; a known type, a
    variable and a regex are not judged."""
    rules = ENTITIES + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: typo-pattern-type
        title: A pattern type with a typo
        vars:
          group: {type: armed-group}
        select:
          attack:
            type: attack
            entities: [{of: $group}, {type: stat}, {type: {in: [state, armd-group]}}, {type: {matches: x}}]
        likelihood_ratio: 2
        """
    )
    result = load_rules(tmp_tree, monkeypatch, rules)
    assert result.errors == []
    warnings = [(d.line, d.column, d.message) for d in result.warnings if "this pattern" in d.message]
    never = "so this pattern never matches"
    one_of = "one of the types this pattern takes"
    known = "known types: 'armed-group', 'state'"
    # "    entities: [{of: $group}, {type: " is 36 characters; "stat}, {type: {in: [state, " 27 more
    assert warnings == [
        (17, 37, f"no entity has type 'stat', {never} (did you mean 'state'?); {known}"),
        # 'state', the pattern's other type, is an entity's
        (17, 64, f"no entity has type 'armd-group', {one_of} (did you mean 'armed-group'?); {known}"),
    ]


@pytest.mark.parametrize(
    ("word", "known", "suggested"),
    [
        # difflib ratios, 2·matches / (len a + len b): 2·7 / 21 = 0.67 shares 'i…ation' only
        ("designation", ["invitation", "meeting"], ""),
        ("acquisiton", ["acquisition", "attack"], " (did you mean 'acquisition'?)"),  # 2·10 / 21
        ("meting", ["meeting", "visit"], " (did you mean 'meeting'?)"),  # 2·6 / 13 = 0.92
        ("aa", ["a", "b"], " (did you mean 'a'?)"),  # 2·1 / 3 = 0.67, a short word
        ("teh", ["the"], " (did you mean 'the'?)"),  # 2·2 / 6 = 0.67, a short word
    ],
)
def test_a_suggestion_is_a_likely_typo_not_a_word_that_shares_a_suffix(
    word: str, known: list[str], suggested: str
) -> None:
    assert did_you_mean(word, known) == suggested
