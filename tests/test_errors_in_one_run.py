"""Every independent error of a document in one run, though one of them is a type error.

A document that fails typing is not loaded; a repaired copy of it is still
checked for its names and references (iandw.loader.repair), so that a rule
author does not fix and run again to find each next error.  Nothing the
repair itself took may cause an error.  Every expected position below was
counted by hand in the input text (see tests/test_validate_cli.py).
"""

from __future__ import annotations

import textwrap

from iandw.diagnostics import Span
from iandw.loader import load
from iandw.loader.repair import repair
from iandw.loader.source import RawDocument
from test_validate_cli import parse_diagnostics, validate

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


def errors_of(tmp_tree, monkeypatch, files: dict[str, str], *args: str) -> list[str]:
    """The error lines of `iandw validate obs` on `files` and the entities, in their order."""
    root = tmp_tree({"obs/entities.yaml": ENTITIES, **files})
    result = validate(root, monkeypatch, "obs", *args)
    assert result.exit_code == 2
    diagnostics = parse_diagnostics(result.stderr)
    return [
        f"{file}:{line}:{column}: {message}"
        for file, line, column, severity, message in diagnostics
        if severity == "error"
    ]


def test_a_bad_duration_hides_no_variable_entity_or_selection(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: undeclared
        title: x
        vars:
          sponsor: {type: state}
        select:
          m: {type: meeting, entities: [{of: $sponsor}, {of: $grup}, {entity: hamass}]}
          a: {type: attack, entities: [{of: hamas}]}
        require:
          - {first: m, then: a, within: 3 weeks}
          - {first: m, then: b, within: 2w}
        likelihood_ratio: 2
        """
    )
    root = tmp_tree({"obs/entities.yaml": ENTITIES, "rules/ind.yaml": rules})
    result = validate(root, monkeypatch, "obs")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        # "  m: {type: meeting, entities: [{of: $sponsor}, {of: " is 53 characters
        "rules/ind.yaml:7:54: error: undeclared variable '$grup'; declared: 'sponsor'",
        # "... {of: $grup}, {entity: " is 17 characters more
        "rules/ind.yaml:7:71: error: unknown entity 'hamass' (did you mean hamas?)",
        # "  - {first: m, then: a, within: " is 32 characters
        "rules/ind.yaml:10:33: error: invalid duration '3 weeks': write days as '84d' or weeks as '12w'",
        # "  - {first: m, then: " is 21 characters
        "rules/ind.yaml:11:22: error: unknown selection 'b'; selections are: 'm', 'a' (and 'as_of')",
    ]
    # the indicator is still not loaded: a document with a type error is never evaluated
    assert result.stdout == "read 2 entities: 4 errors, 0 warnings\n"


def test_a_bad_likelihood_ratio_hides_no_undeclared_variable(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: ratio
        title: x
        vars:
          sponsor: {type: state}
        select:
          m: {type: meeting, entities: [{of: $sponsor}, {of: $grup}]}
        likelihood_ratio: two
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        "rules/ind.yaml:7:54: undeclared variable '$grup'; declared: 'sponsor'",
        # "likelihood_ratio: " is 18 characters
        "rules/ind.yaml:8:19: likelihood_ratio: expected a number, got the string 'two'",
    ]


MEET_BEFORE = textwrap.dedent(
    """\
    kind: indicator
    id: meet-before
    title: x
    vars:
      sponsor: {type: state}
    select:
      m: {type: meeting, entities: [{of: $sponsor}]}
    likelihood_ratio: 2
    """
)


def test_a_bad_prior_hides_no_unknown_indicator_nor_wrong_bind(tmp_tree, monkeypatch):
    rules = MEET_BEFORE + textwrap.dedent(
        """\
        ---
        kind: hypothesis
        id: h
        statement: s
        prior: 50%
        bind: {sponsor: hamas}
        indicators: [meet-befor, meet-before]
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/rules.yaml": rules}) == [
        # "prior: " is 7 characters
        "rules/rules.yaml:13:8: prior: expected a number, got the string '50%'",
        # "bind: {sponsor: " is 16 characters
        "rules/rules.yaml:14:17: sponsor = 'hamas' has type 'armed-group', but indicator 'meet-before' "
        "declares sponsor as 'state'",
        # "indicators: [" is 13 characters
        "rules/rules.yaml:15:14: unknown indicator 'meet-befor' (did you mean 'meet-before'?)",
    ]


def test_a_bad_reliability_hides_no_unknown_entity_in_yaml_or_jsonl(tmp_tree, monkeypatch):
    observation = textwrap.dedent(
        """\
        kind: observation
        id: o1
        type: meeting
        date: 2023-09-01
        entities: [russia, Serge Lavrov]
        sources:
          - {name: TASS, reliability: G}
        """
    )
    feed = (
        '{"id": "o3", "type": "meeting", "date": "2023-09-03", "entities": ["russia"], '
        '"sources": [{"name": "RIA"}]}\n'
        '{"id": "o2", "type": "meeting", "date": "2023-09-02", "entities": ["Sergei Lavrov"], '
        '"sources": [{"name": "RIA", "reliability": "G"}]}\n'
    )
    reliability = "reliability: expected 'A', 'B', 'C', 'D', 'E' or 'F', got the string 'G'"
    assert errors_of(tmp_tree, monkeypatch, {"obs/o.yaml": observation, "obs/feed.jsonl": feed}) == [
        # '{"id": "o2", "type": "meeting", "date": "2023-09-02", "entities": [' is 67 characters
        "obs/feed.jsonl:2:68: unknown entity 'Sergei Lavrov'",
        # '"Sergei Lavrov"], "sources": [{"name": "RIA", "reliability": ' is 61 characters more
        f"obs/feed.jsonl:2:129: {reliability}",
        # "entities: [russia, " is 19 characters
        "obs/o.yaml:5:20: unknown entity 'Serge Lavrov'",
        # "  - {name: TASS, reliability: " is 30 characters
        f"obs/o.yaml:7:31: {reliability}",
    ]


def test_a_bad_expect_hides_no_bad_as_of(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: meet
        title: x
        select:
          m: {type: meeting}
        likelihood_ratio: 2
        tests:
          - name: t
            as_of: 2023-10
            expect: fire
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        # "    as_of: " is 11 characters
        "rules/ind.yaml:9:12: as_of: '2023-10' is not a single day (write YYYY-MM-DD)",
        # "    expect: " is 12 characters
        "rules/ind.yaml:10:13: expect: expected 'fired', 'possible' or 'not-fired', got the string 'fire' "
        "(did you mean 'fired' or 'not-fired'?)",
    ]


# --- what a repair takes causes no error ---------------------------------------


def test_a_name_in_the_require_item_with_a_bad_duration_is_still_checked(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: window
        title: x
        select:
          m: {type: meeting}
        require:
          - {first: m, then: b, within: 3 weeks}
        likelihood_ratio: 2
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        # "  - {first: m, then: " is 21 characters: the name does not depend on the duration
        "rules/ind.yaml:7:22: unknown selection 'b'; selections are: 'm' (and 'as_of')",
        # "  - {first: m, then: b, within: " is 32 characters
        "rules/ind.yaml:7:33: invalid duration '3 weeks': write days as '84d' or weeks as '12w'",
    ]


def test_a_require_item_taken_out_says_nothing_and_the_next_stays_in_place(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: window
        title: x
        select:
          m: {type: meeting}
        require:
          - {first: zz, then: [m]}
          - {first: m, then: b}
        likelihood_ratio: 2
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        # "  - {first: zz, then: " is 22 characters; 'zz' is in the item taken out: not said
        "rules/ind.yaml:7:23: then: expected a string, got a list",
        # the second item is located where it is written, though the first was taken out
        "rules/ind.yaml:8:22: unknown selection 'b'; selections are: 'm' (and 'as_of')",
    ]


def test_a_variable_taken_out_with_its_value_is_not_called_unused(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: lost-use
        title: x
        vars:
          sponsor: {type: state}
        select:
          m: {type: meeting, entities: [{of: [$sponsor]}, {entity: hamass}]}
        likelihood_ratio: 2
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        # "  m: {type: meeting, entities: [{of: " is 37 characters
        "rules/ind.yaml:7:38: of: expected a string, got a list",
        # "[$sponsor]}, {entity: " is 22 characters more
        "rules/ind.yaml:7:60: unknown entity 'hamass' (did you mean hamas?)",
    ]


def test_a_variable_with_a_bad_name_is_not_called_undeclared(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: bad-name
        title: x
        vars:
          sponsor: {type: state}
          2nd: {}
        select:
          m: {type: meeting, entities: [{of: $sponsor}, {of: $2nd}]}
        likelihood_ratio: 2
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        "rules/ind.yaml:6:3: invalid name '2nd': use letters, digits, '_' and '-', starting with a letter",
    ]


def test_a_misspelt_key_taken_out_counts_as_the_key_it_misspells(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: var-typo
        title: x
        var:
          sponsor: {type: state}
        select:
          m: {type: meeting, entities: [{of: $sponsor}]}
        likelihood_ratio: 2
        """
    )
    # '$sponsor' is declared under the misspelt key: not "undeclared" too
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        "rules/ind.yaml:4:1: unknown key 'var' (did you mean 'vars'?); allowed keys: kind, id, title, "
        "description, rationale, vars, select, require, likelihood_ratio, absent_likelihood_ratio, tests",
    ]


def test_a_selection_with_a_bad_name_leaves_require_names_unjudged(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: bad-name
        title: x
        select:
          m: {type: meeting}
          2b: {type: attack}
        require:
          - {first: m, then: zz}
        likelihood_ratio: 2
        """
    )
    # an unknown name's error would list the selections without '2b': it waits for the fix
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        "rules/ind.yaml:6:3: invalid name '2b': use letters, digits, '_' and '-', starting with a letter",
    ]


def test_a_fixture_taken_out_is_not_said_missing_from_matches(tmp_tree, monkeypatch):
    rules = textwrap.dedent(
        """\
        kind: indicator
        id: meet
        title: x
        select:
          m: {type: meeting}
        likelihood_ratio: 2
        tests:
          - name: t
            as_of: 2023-10-08
            observations: [o1]
            expect: fired
            matches: [o1]
        """
    )
    assert errors_of(tmp_tree, monkeypatch, {"rules/ind.yaml": rules}) == [
        # "    observations: [" is 19 characters
        "rules/ind.yaml:10:20: observations: expected a mapping, got the string 'o1'",
    ]


def test_an_indicator_entry_taken_out_leaves_bind_keys_unjudged(tmp_tree, monkeypatch):
    rules = MEET_BEFORE + textwrap.dedent(
        """\
        ---
        kind: hypothesis
        id: h
        statement: s
        bind: {group: hamas}
        indicators: [meet-before, {likelihood_ratio: 3}]
        """
    )
    root = tmp_tree({"obs/entities.yaml": ENTITIES, "rules/rules.yaml": rules})
    result = validate(root, monkeypatch, "obs")
    # "indicators: [meet-before, " is 26 characters; the entry without an id may be the
    # indicator that declares 'group': no warning that it is not a variable
    diagnostics = parse_diagnostics(result.stderr)
    assert [d for d in diagnostics if d[3] == "error"] == [
        ("rules/rules.yaml", 14, 27, "error", "missing required key 'id'"),
    ]
    assert not [d for d in diagnostics if "group" in d[4]], diagnostics


def test_an_entity_with_a_bad_member_of_item_still_names_the_others(tmp_tree, monkeypatch):
    entity = "kind: entity\nid: wagner\ntype: armed-group\nmember_of: [12, atlantis]\n"
    assert errors_of(tmp_tree, monkeypatch, {"obs/wagner.yaml": entity}) == [
        # "member_of: [" is 12 characters
        "obs/wagner.yaml:4:13: member_of: expected a string, got the number 12",
        # "member_of: [12, " is 16 characters
        "obs/wagner.yaml:4:17: unknown entity 'atlantis'",
    ]


def test_only_so_many_documents_that_failed_typing_are_repaired(tmp_tree, monkeypatch):
    line = (
        '{"id": "o%d", "type": "meeting", "date": "2023-09-01", "entities": ["atlantis"], '
        '"sources": [{"name": "RIA", "reliability": "G"}]}\n'
    )
    root = tmp_tree({"obs/entities.yaml": ENTITIES, "obs/feed.jsonl": "".join(line % n for n in range(1200))})
    monkeypatch.chdir(root)
    result = load(["obs"], rules=None, lints=False, workers=1)
    unknown = [d for d in result.errors if "atlantis" in d.message]
    # '{"id": "o0", "type": "meeting", "date": "2023-09-01", "entities": [' is 67 characters;
    # a file of bad lines costs a repair for each of the first 1,000 only
    assert [(d.file, d.line, d.column, d.message) for d in unknown] == [
        ("obs/feed.jsonl", 1, 68, "unknown entity 'atlantis' (named 1,000 times, first here)")
    ]
    assert len(result.errors) == 1201


def test_a_repair_leaves_the_document_as_written_though_an_alias_repeats_a_bad_value():
    patterns = [{"of": "$sponsor"}, 12]  # as a YAML alias repeats it: one list under two selections
    select = {"m": {"type": "meeting", "entities": patterns}, "a": {"type": "attack", "entities": patterns}}
    data = {
        "kind": "indicator",
        "id": "shared",
        "title": "x",
        "vars": {"sponsor": {"type": "state"}},
        "select": select,
        "require": [{"first": "m", "then": "a", "within": "3 weeks"}],
        "likelihood_ratio": "two",
    }
    written = repr(data)
    repaired = repair(RawDocument(data, "rules/ind.yaml", Span("rules/ind.yaml")))
    assert repaired is not None
    assert repr(data) == written and data["select"] is select and select["m"]["entities"] is patterns
    document = repaired.document
    assert [len(selection.entities) for selection in document.select.values()] == [1, 1]
    assert document.require[0].within is None and document.likelihood_ratio == 1.0
