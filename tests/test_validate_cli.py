"""`iandw validate` (and `iandw schema`) end to end, through the command line.

Every expected position below was counted by hand in the input text: lines
and columns are 1-based, a column points at the offending key (unknown or
duplicate keys) or value (everything else), and a document-level problem
(a missing key) points at the document's first line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from iandw.cli import main
from iandw.loader import load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DIAGNOSTIC = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): (?P<message>.*)$"
)


def parse_diagnostics(stderr: str) -> list[tuple[str, int, int, str, str]]:
    """Every stderr line must be one diagnostic; returns them as tuples."""
    found = []
    for text in stderr.splitlines():
        match = DIAGNOSTIC.match(text)
        assert match, f"not a diagnostic line: {text!r}"
        found.append(
            (
                match["file"],
                int(match["line"]),
                int(match["column"]),
                match["severity"],
                match["message"],
            )
        )
    return found


def validate(root: str, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["validate", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_reported(diagnostics, expected) -> None:
    """Each (file, line, column, severity, fragment) is reported exactly there."""
    missing = []
    for file, line, column, severity, fragment in expected:
        if not any(d[:4] == (file, line, column, severity) and fragment in d[4] for d in diagnostics):
            missing.append((file, line, column, severity, fragment))
    shown = "\n".join(":".join(map(str, d)) for d in diagnostics)
    assert not missing, f"not reported: {missing}\nreported:\n{shown}"


# --- 1. a tree full of mistakes ------------------------------------------------

BAD_ENTITIES = """\
kind: entity
id: russia
type: state
name: Russia
---
kind: entity
id: hamas
type: armed-group
name: Hamas
---
kind: entity
id: saleh-al-arouri
type: person
name: Saleh al-Arouri
aliases: [Saleh al-Aruri]
member_of: [hamas]
attributes: {rank: senior-leader}
---
kind: entity
id: sergey-lavrov
type: person
name: Sergey Lavrov
member_of: [russia]
attributes: {level: minister}
---
kind: entitty
id: iran
---
kind: entity
id: Iran_State
type: state
---
kind: entity
id: qods-force
type: armed-group
nmae: Quds Force
---
kind: entity
id: cell-a
type: armed-group
member_of: [cell-b]
---
kind: entity
id: cell-b
type: armed-group
member_of: [cell-a]
"""

BAD_HYPOTHESES = """\
kind: scale
id: level
values: [official, deputy-minister, minister]
---
kind: hypothesis
id: bad-prior
statement: A prior must lie strictly between 0 and 1.
prior: 1.5
---
kind: hypothesis
id: russia-supports-hamas
statement: Russia supports Hamas.
bind: {sponsor: russia, group: hamas}
prior: 0.1
indicators: [meeting-before-attack]
"""

BAD_INDICATORS = """\
kind: indicator
id: meeting-before-attack
title: A sponsor official met the group shortly before its attack
vars:
  sponsor: {type: state}
  group: {type: armed-group}
  spare: {type: state}
select:
  meeting:
    type: meeting
    entities:
      - {of: $sponsor, level: {at_least: deputy-ministr}}
      - {of: $grop}
  attack:
    type: attack
    entities:
      - {of: $group, role: perpetrator, rank: {at_least: leader}}
require:
  - {first: meeting, then: atack, within: 12w}
likelihood_ratio: 2
---
kind: indicator
id: zero-lr
title: A likelihood ratio must be positive
select:
  talk: {type: meeting}
likelihood_ratio: 0
"""

BAD_OBSERVATIONS_2023 = """\
kind: observation
id: moscow-talks
type: meeting
date: 2023-03-16
entities:
  - {entity: Sergey Lavrov}
  - {entity: saleh al-aruri}
sources: [{name: TASS}]
---
kind: observation
id: impossible-day
type: meeting
date: 2023-02-30
---
kind: observation
id: reversed
type: meeting
date: 2023-10-06/2023-10-01
---
kind: observation
id: bad-edtf
type: meeting
date: 2023-13
---
kind: observation
id: unresolved
type: attack
date: 2023-10-07
entities:
  - {entity: Hamaz, role: perpetrator}
sources: [{name: Reuters}]
---
kind: observation
id: dup-key
type: attack
date: 2023-10-07
type: meeting
sources: [{name: AP}]
"""

BAD_OBSERVATIONS_2024 = """\
kind: observation
id: moscow-talks
type: meeting
date: 2023-03-17
---
kind: observation
id: wrong-type
type: meeting
date: 2023-03-18
entities: Hamas
---
kind: observation
id: missing-date
type: meeting
---
kind: observation
id: attack-2023-10-07
type: attack
date: 2023-10-07
entities:
  - {entity: hamas, role: perpetrator}
sources: [{name: Reuters}]
"""

BAD_TREE = {
    "rules/entities.yaml": BAD_ENTITIES,
    "rules/hypotheses.yaml": BAD_HYPOTHESES,
    "rules/indicators.yaml": BAD_INDICATORS,
    "observations/2023.yaml": BAD_OBSERVATIONS_2023,
    "observations/2024.yaml": BAD_OBSERVATIONS_2024,
}

E = "error"
BAD_TREE_ERRORS = [
    # 2023-02-30 (unquoted): the value on line 13, after "date: "
    ("observations/2023.yaml", 13, 7, E, "'2023-02-30'"),
    ("observations/2023.yaml", 18, 7, E, "reversed interval '2023-10-06/2023-10-01'"),
    ("observations/2023.yaml", 23, 7, E, "invalid EDTF date '2023-13'"),
    # "  - {entity: " is 13 characters
    ("observations/2023.yaml", 30, 14, E, "unknown entity 'Hamaz' (did you mean Hamas (hamas)?)"),
    ("observations/2023.yaml", 37, 1, E, "duplicate key 'type' (first at line 35)"),
    (
        "observations/2024.yaml",
        2,
        5,
        E,
        "duplicate observation id 'moscow-talks' (first defined at observations/2023.yaml:1)",
    ),
    ("observations/2024.yaml", 10, 11, E, "entities: expected a list, got the string 'Hamas'"),
    ("observations/2024.yaml", 12, 1, E, "missing required key 'date'"),
    ("rules/entities.yaml", 26, 7, E, "unknown kind 'entitty' (did you mean 'entity'?)"),
    ("rules/entities.yaml", 30, 5, E, "invalid id 'Iran_State'"),
    ("rules/entities.yaml", 36, 1, E, "unknown key 'nmae' (did you mean 'name'?)"),
    ("rules/entities.yaml", 41, 13, E, "membership cycle: cell-a -> cell-b -> cell-a"),
    ("rules/hypotheses.yaml", 8, 8, E, "prior must be < 1"),
    ("rules/indicators.yaml", 7, 3, E, "variable '$spare' is declared but no pattern uses it"),
    # "      - {of: $sponsor, level: " is 30 characters
    (
        "rules/indicators.yaml",
        12,
        31,
        E,
        "'deputy-ministr' is not on the scale 'level' (did you mean 'deputy-minister'",
    ),
    ("rules/indicators.yaml", 13, 14, E, "undeclared variable '$grop' (did you mean 'group'?)"),
    # "      - {of: $group, role: perpetrator, rank: " is 46 characters
    ("rules/indicators.yaml", 17, 47, E, "at_least on 'rank' needs a scale"),
    ("rules/indicators.yaml", 19, 28, E, "unknown selection 'atack' (did you mean 'attack'?)"),
    ("rules/indicators.yaml", 27, 19, E, "likelihood_ratio must be > 0"),
]


def test_validate_lists_every_mistake_at_its_position(tmp_tree, monkeypatch):
    root = tmp_tree(BAD_TREE)
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 2
    diagnostics = parse_diagnostics(result.stderr)
    assert_reported(diagnostics, BAD_TREE_ERRORS)
    errors = [d for d in diagnostics if d[3] == "error"]
    assert len(errors) == len(BAD_TREE_ERRORS), "\n".join(map(str, errors))
    # diagnostics come sorted by file, then position
    assert diagnostics == sorted(diagnostics, key=lambda d: (d[0], d[1], d[2]))
    # the valid documents of the same files are still read
    assert result.stdout == (
        "read 6 entities, 1 hypothesis, 1 indicator, 4 observations, 1 scale: 19 errors, 0 warnings\n"
    )


def test_valid_documents_next_to_bad_ones_are_loaded(tmp_tree, monkeypatch):
    root = tmp_tree(BAD_TREE)
    monkeypatch.chdir(root)
    result = load(["observations"], rules="rules")
    assert not result.ok
    assert sorted(result.case.registry.entities) == [
        "cell-a",
        "cell-b",
        "hamas",
        "russia",
        "saleh-al-arouri",
        "sergey-lavrov",
    ]
    # 'unresolved' is read but cannot be compiled; the duplicate stays out
    assert sorted(item.document.id for item in result.loaded["observation"]) == [
        "attack-2023-10-07",
        "dup-key",
        "moscow-talks",
        "unresolved",
    ]
    assert sorted(record.id for record in result.case.observations) == [
        "attack-2023-10-07",
        "dup-key",
        "moscow-talks",
    ]
    # the first moscow-talks (2023.yaml) is the one kept
    talks = next(r for r in result.case.observations if r.id == "moscow-talks")
    assert talks.document.date == "2023-03-16"
    assert {ref.entity for ref in talks.refs} == {"sergey-lavrov", "saleh-al-arouri"}
    assert list(result.case.indicators) == ["meeting-before-attack"]
    assert list(result.case.hypotheses) == ["russia-supports-hamas"]


def test_validate_format_json_gives_the_same_diagnostics(tmp_tree, monkeypatch):
    root = tmp_tree(BAD_TREE)
    text = validate(root, monkeypatch, "observations", "--rules", "rules")
    as_json = validate(root, monkeypatch, "observations", "--rules", "rules", "--format", "json")
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert as_json.stderr == ""
    expected = [
        {"file": f, "line": line, "column": column, "severity": s, "message": m}
        for f, line, column, s, m in parse_diagnostics(text.stderr)
    ]
    assert payload["diagnostics"] == expected
    assert payload["errors"] == 19
    assert payload["warnings"] == 0
    assert payload["counts"] == {
        "entity": 6,
        "hypothesis": 1,
        "indicator": 1,
        "observation": 4,
        "scale": 1,
    }


def test_validate_format_json_on_a_clean_tree(tmp_tree, monkeypatch):
    root = tmp_tree(CLEAN_TREE)
    result = validate(root, monkeypatch, "observations", "--rules", "rules", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload == {
        "counts": {
            "entity": 3,
            "hypothesis": 1,
            "indicator": 1,
            "observation": 2,
            "scale": 1,
            "scoring": 1,
        },
        "diagnostics": [],
        "errors": 0,
        "warnings": 0,
    }


# --- 2. a clean tree ---------------------------------------------------------

CLEAN_RULES = """\
kind: entity
id: russia
type: state
name: Russia
---
kind: entity
id: hamas
type: armed-group
name: Hamas
---
kind: entity
id: sergey-lavrov
type: person
name: Sergey Lavrov
member_of: [russia]
attributes: {level: minister}
---
kind: scale
id: level
values: [official, deputy-minister, minister]
---
kind: scoring
qualifier_pad: 1
levels: {watch: 0.2, warning: 0.55, alert: 0.8}
---
kind: indicator
id: meeting-before-attack
title: A sponsor official met the group shortly before its attack
vars:
  sponsor: {type: state}
  group: {type: armed-group}
select:
  meeting:
    type: meeting
    entities:
      - {of: $sponsor, type: person, level: {at_least: deputy-minister}}
      - {of: $group}
  attack:
    type: attack
    entities:
      - {of: $group, role: perpetrator}
require:
  - {first: meeting, then: attack, within: 12w}
likelihood_ratio: 2
---
kind: hypothesis
id: russia-supports-hamas
statement: Russia supports Hamas.
bind: {sponsor: russia, group: hamas}
prior: 0.1
"""

CLEAN_OBSERVATIONS = """\
kind: observation
id: moscow-talks
type: meeting
date: 2023-08-16
entities: [Sergey Lavrov, hamas]
sources: [{name: TASS, reliability: B, credibility: 2}]
---
kind: observation
id: october-attack
type: attack
date: 2023-10-07
entities: [{entity: Hamas, role: perpetrator}]
sources: [{name: Reuters, reliability: A, credibility: 1}]
"""

CLEAN_TREE = {"rules/world.yaml": CLEAN_RULES, "observations/2023.yaml": CLEAN_OBSERVATIONS}


@pytest.mark.parametrize(
    ("command", "nothing_was", "crowded"),
    [
        (["evaluate", "--as-of", "2023-12-01"], "scored", "crowded"),
        (["timeline", "--from", "2023-09-01", "--to", "2023-12-01"], "evaluated", "crowded"),
        (["test"], "tested", "t-crowded"),  # the rule test's own observation
    ],
)
def test_max_assignments_stops_every_evaluating_command_at_the_indicator(
    tmp_tree, monkeypatch, command, nothing_was, crowded
):
    """A meeting of Lavrov with Hamas and PIJ meets the meeting selection under two assignments."""
    extra = (
        "kind: entity\nid: pij\ntype: armed-group\n---\n"
        "kind: observation\nid: crowded\ntype: meeting\ndate: 2023-08-20\n"
        "entities: [sergey-lavrov, hamas, pij]\n"
    )
    rule_test = (
        "likelihood_ratio: 2\ntests:\n  - name: crowded\n    bind: {sponsor: russia, group: hamas}\n"
        "    as_of: 2023-12-01\n    observations:\n      - {id: t-crowded, type: meeting, date: 2023-08-20,"
        " entities: [sergey-lavrov, hamas, pij]}\n    expect: not-fired\n"
    )
    rules = CLEAN_RULES.replace("likelihood_ratio: 2\n", rule_test)
    root = tmp_tree(
        {
            "rules/world.yaml": rules,
            "observations/2023.yaml": CLEAN_OBSERVATIONS,
            "observations/extra.yaml": extra,
        }
    )
    monkeypatch.chdir(root)
    args = [*command, "observations", "--rules", "rules"]
    assert CliRunner().invoke(main, [*args, "--max-assignments", "2"]).exit_code == 0
    result = CliRunner().invoke(main, [*args, "--max-assignments", "1"])
    assert result.exit_code == 2
    line = rules.splitlines().index("id: meeting-before-attack") + 1
    assert result.stderr.splitlines() == [
        f"rules/world.yaml:{line}:5: error: indicator 'meeting-before-attack': observation {crowded!r} "
        "alone makes selection 'meeting' build more than 1 variable assignment; see --max-assignments",
        f"iandw: 1 error; nothing was {nothing_was}",
    ]


def test_validate_clean_tree_exits_0_with_counts_per_kind(tmp_tree, monkeypatch):
    root = tmp_tree(CLEAN_TREE)
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        "read 3 entities, 1 hypothesis, 1 indicator, 2 observations, 1 scale, 1 scoring: "
        "0 errors, 0 warnings\n"
    )


def test_validate_defaults_to_observations_and_rules(tmp_tree, monkeypatch):
    root = tmp_tree(CLEAN_TREE)
    result = validate(root, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("read 3 entities, 1 hypothesis, 1 indicator, 2 observations")


def test_validate_summary_uses_singular_for_one(tmp_tree, monkeypatch):
    root = tmp_tree(
        {
            "rules/one.yaml": """\
kind: entity
id: russia
type: state
""",
            "observations/one.yaml": """\
kind: observation
id: only
type: meeting
date: 2023
entities: [russia]
""",
        }
    )
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0
    # the observation has no source: one warning
    assert result.stdout == "read 1 entity, 1 observation: 0 errors, 1 warning\n"


def test_validate_missing_path_is_an_error(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep.yaml": ""})
    result = validate(root, monkeypatch, "nowhere", "--rules", "rules")
    assert result.exit_code == 2
    assert parse_diagnostics(result.stderr) == [("nowhere", 1, 1, "error", "no such file or directory")]


def test_validate_warnings_only_exits_0(tmp_tree, monkeypatch):
    root = tmp_tree({"observations/empty.yaml": "", "rules/.keep": ""})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0
    assert parse_diagnostics(result.stderr) == [("observations/empty.yaml", 1, 1, "warning", "empty file")]
    assert result.stdout == "read nothing: 0 errors, 1 warning\n"


def test_a_file_name_that_is_not_utf8_is_shown_with_escapes_in_every_format(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep": "", "observations/.keep": ""})
    try:
        with open(os.path.join(os.fsencode(root), b"observations", b"bad\xff.yaml"), "wb") as stream:
            stream.write(b"")  # an empty file: a warning that names it
    except (OSError, UnicodeError):  # pragma: no cover - a file system that refuses such names
        pytest.skip("this file system refuses names that are not UTF-8")
    result = validate(root, monkeypatch, "observations", "--rules", "rules", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert diagnostic["file"] == "observations/bad\\xff.yaml"  # the four characters \xff
    text = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert parse_diagnostics(text.stderr) == [("observations/bad\\xff.yaml", 1, 1, "warning", "empty file")]


@pytest.mark.parametrize(
    "option", ["--max-file-bytes", "--max-record-bytes", "--max-depth", "--max-alias-nodes"]
)
def test_a_limit_beyond_any_machine_means_no_limit(tmp_tree, monkeypatch, option):
    line = '{"id": "o1", "type": "attack", "date": "2023-10-07", "entities": ["e1"]}\n'
    root = tmp_tree(
        {
            "observations/e.yaml": "kind: entity\nid: e1\ntype: state\n",
            "observations/o.jsonl": line,
            "rules/.keep": "",
        }
    )
    default = validate(root, monkeypatch, "observations", "--rules", "rules")
    for huge in ("9223372036854775807", "1" + "0" * 30):  # 2**63 − 1 and more: once an internal error
        result = validate(root, monkeypatch, "observations", "--rules", "rules", option, huge)
        assert (result.exit_code, result.stdout, result.stderr) == (0, default.stdout, default.stderr)


# --- 3. lint warnings --------------------------------------------------------

LINT_RULES = """\
kind: entity
id: russia
type: state
---
kind: entity
id: hamas
type: armed-group
---
kind: entity
id: tass
type: news-agency
---
kind: indicator
id: meeting-before-attack
title: Sponsor met the group before its attack
vars:
  sponsor: {type: state}
  group: {type: armed-group}
select:
  meeting:
    type: [meeting, visit]
    entities:
      - {of: $sponsor}
      - {of: $group}
  attack:
    type: attack
    entities:
      - {of: $group, role: perpetrator}
require:
  - {first: meeting, then: attack, within: 12w}
likelihood_ratio: 2
---
kind: indicator
id: orphan
title: No hypothesis lists this one
select:
  talk:
    type: meeting
    entities: [{entity: russia}]
likelihood_ratio: 1.5
---
kind: hypothesis
id: russia-supports-hamas
statement: Russia supports Hamas.
bind: {sponsor: russia, group: hamas}
indicators: [meeting-before-attack]
"""

LINT_OBSERVATIONS = """\
kind: observation
id: talks
type: meeting
date: 2023-03-16
entities: [russia, hamas]
sources: [{name: TASS, reliability: B, credibility: 2}]
---
kind: observation
id: attack
type: attack
date: 2023-10-07
entities: [{entity: hamas, role: perpetrator}]
"""


def test_validate_lint_warnings(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/rules.yaml": LINT_RULES, "observations/obs.yaml": LINT_OBSERVATIONS})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    W = "warning"
    expected = [
        # the id value of the observation without sources
        ("observations/obs.yaml", 9, 5, W, "observation 'attack' has no sources"),
        # the id value of an entity whose type no variable or pattern selects
        ("rules/rules.yaml", 10, 5, W, "no rule can reach entity 'tass'"),
        # "    type: [meeting, " is 20 characters: 'visit' starts at 21; 'meeting' is observed
        (
            "rules/rules.yaml",
            21,
            21,
            W,
            "no observation has type 'visit', one of the types selection 'meeting' takes",
        ),
        ("rules/rules.yaml", 34, 5, W, "indicator 'orphan' moves no posterior: no hypothesis lists it"),
    ]
    diagnostics = parse_diagnostics(result.stderr)
    assert_reported(diagnostics, expected)
    assert len(diagnostics) == len(expected), diagnostics
    assert result.stdout == (
        "read 3 entities, 1 hypothesis, 2 indicators, 2 observations: 0 errors, 4 warnings\n"
    )


def test_validate_warns_of_a_where_attribute_and_a_type_no_observation_has(tmp_tree, monkeypatch):
    """'talks' has attribute 'acquisition' and type 'meeting': a where path on 'acquisiton' and a
    type 'meetng' never match, each said with what was likely meant; 'rank' under exists: false
    holds on every observation, and 'acquisition' is had: neither is said."""
    rules = LINT_RULES.replace(
        "    type: meeting\n    entities: [{entity: russia}]\n",
        "    type: meetng\n    entities: [{entity: russia}]\n    where:\n"
        "      attributes.acquisiton: battlefield-capture\n"
        "      attributes.acquisition.kind: {exists: true}\n"
        "      attributes.rank: {exists: false}\n",
    )
    observations = LINT_OBSERVATIONS.replace(
        "date: 2023-03-16\n", "date: 2023-03-16\nattributes: {acquisition: {kind: purchase}}\n"
    )
    root = tmp_tree({"rules/rules.yaml": rules, "observations/obs.yaml": observations})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    W = "warning"
    new = [
        # "    type: " is 10 characters
        (
            "rules/rules.yaml",
            38,
            11,
            W,
            "no observation has type 'meetng', so selection 'talk' never matches (did you mean 'meeting'?)",
        ),
        # at the key, indented 6
        (
            "rules/rules.yaml",
            41,
            7,
            W,
            "no observation has attribute 'acquisiton', so selection 'talk' never matches "
            "(did you mean 'acquisition'?)",
        ),
    ]
    diagnostics = parse_diagnostics(result.stderr)
    assert_reported(diagnostics, new)
    assert [d for d in diagnostics if "attribute" in d[4]] == [new[1]], diagnostics


def test_lint_says_nothing_a_document_that_did_not_load_may_contradict(tmp_tree, monkeypatch):
    """A hypothesis with a bad prior, an observation with a bad date: two errors, no cascade.

    Before, they also warned that the orphan and meeting-before-attack moved no posterior, that
    no rule reached 'tass' and that nothing of type 'meeting' was observed: all four false.
    """
    rules = LINT_RULES.replace(
        "statement: Russia supports Hamas.\n", "statement: Russia supports Hamas.\nprior: 50%\n"
    )
    observations = LINT_OBSERVATIONS.replace("date: 2023-03-16", "date: 2023-02-30")
    root = tmp_tree({"rules/rules.yaml": rules, "observations/obs.yaml": observations})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 2
    prior_line = rules.splitlines().index("prior: 50%") + 1
    E, W = "error", "warning"
    expected = [
        ("observations/obs.yaml", 4, 7, E, "invalid date '2023-02-30'"),
        ("observations/obs.yaml", 9, 5, W, "observation 'attack' has no sources"),
        ("rules/rules.yaml", 21, 21, W, "no observation has type 'visit'"),  # still true
        # "prior: " is 7 characters
        ("rules/rules.yaml", prior_line, 8, E, "prior: expected a number, got the string '50%'"),
    ]
    diagnostics = parse_diagnostics(result.stderr)
    assert_reported(diagnostics, expected)
    assert len(diagnostics) == len(expected), diagnostics


def test_a_path_mistyped_on_the_command_line_is_one_error(tmp_tree, monkeypatch):
    """`iandw validate observation`: its entities were never read, so no reference to them is judged."""
    root = tmp_tree(
        {
            "rules/rules.yaml": LINT_RULES.replace("kind: entity\nid: hamas\ntype: armed-group\n---\n", ""),
            "observations/obs.yaml": LINT_OBSERVATIONS,
        }
    )
    result = validate(root, monkeypatch, "observation", "--rules", "rules")
    assert result.exit_code == 2
    assert parse_diagnostics(result.stderr) == [("observation", 1, 1, "error", "no such file or directory")]
    # the same tree, read: hamas is unknown indeed, and said so
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert "unknown entity 'hamas'" in result.stderr


_MEETING_LINE = json.dumps(
    {
        "id": "moscow-talks",
        "type": "meeting",
        "date": "2023-08-16",
        "entities": ["Sergey Lavrov", "hamas"],
        "sources": [{"name": "TASS", "reliability": "B", "credibility": 2}],
    }
)
_ATTACK_LINE = json.dumps(
    {
        "id": "october-attack",
        "type": "attack",
        "date": "2023-10-07",
        "summary": "x" * 500,  # with its other keys, past --max-record-bytes 400
        "entities": [{"entity": "Hamas", "role": "perpetrator"}],
        "sources": [{"name": "Reuters", "reliability": "A", "credibility": 1}],
    }
)
# "    type: attack", the 39th line of CLEAN_RULES: the selection no observation would have
_NO_ATTACK = (
    "rules/world.yaml",
    39,
    11,
    "warning",
    "no observation has type 'attack', so selection 'attack' never matches",
)


def test_a_record_too_long_to_read_is_one_error_and_the_checks_needing_every_input_wait(
    tmp_tree, monkeypatch
):
    """The attack's record is past the limit: it may be the attack, so no type is said never observed."""
    assert len(_MEETING_LINE) < 400 < len(_ATTACK_LINE)
    feed = {"observations/feed.jsonl": f"{_MEETING_LINE}\n{_ATTACK_LINE}\n"}
    root = tmp_tree({"rules/world.yaml": CLEAN_RULES, **feed})
    result = validate(root, monkeypatch, "--max-record-bytes", "400")
    assert result.exit_code == 2
    assert parse_diagnostics(result.stderr) == [
        ("observations/feed.jsonl", 2, 1, "error", "record longer than 400 bytes; see --max-record-bytes")
    ]
    # the same file without that record: nothing of type 'attack' is observed indeed, and said so
    Path(root, "observations", "feed.jsonl").write_text(f"{_MEETING_LINE}\n", encoding="utf-8")
    result = validate(root, monkeypatch, "--max-record-bytes", "400")
    assert result.exit_code == 0
    assert parse_diagnostics(result.stderr) == [_NO_ATTACK]


def test_a_file_that_cannot_be_decoded_is_one_error_and_the_checks_needing_every_input_wait(
    tmp_tree, monkeypatch
):
    """Not UTF-8: none of its documents was read, so neither the meeting's type nor the attack's is
    said to be never observed, nor is Sergey Lavrov, whom only its meeting names, said to be unreached."""
    latin1 = CLEAN_OBSERVATIONS.replace("name: TASS", "name: T\xc4SS").encode("latin-1")
    root = tmp_tree({"rules/world.yaml": CLEAN_RULES, "observations/2023.yaml": latin1})
    result = validate(root, monkeypatch)
    assert result.exit_code == 2
    # "sources: [{name: T" is 18 characters: the byte 0xc4 is the 19th of line 6
    message = "not UTF-8: byte 0xc4 cannot be decoded (save the file as UTF-8)"
    assert parse_diagnostics(result.stderr) == [("observations/2023.yaml", 6, 19, "error", message)]


_UNSUPPORTED = "unsupported file type: expected .yaml, .yml, .json, .jsonl"


def test_an_event_table_named_as_observations_says_how_to_import_it(tmp_tree, monkeypatch):
    """GDELT exports (.CSV, tab-separated) and ACLED's (.csv): the importers are named, with the file."""
    files = {"20150218230000.export.CSV": "", "acled 2023.csv": "", "events.tsv": "", "notes.txt": ""}
    root = tmp_tree({**CLEAN_TREE, **files})
    result = validate(root, monkeypatch, *files)
    assert result.exit_code == 2
    imported = f"{_UNSUPPORTED}; a GDELT or ACLED export is imported first: iandw import gdelt|acled"
    assert parse_diagnostics(result.stderr) == [
        ("20150218230000.export.CSV", 1, 1, "error", f"{imported} 20150218230000.export.CSV -o out.jsonl"),
        (
            "acled 2023.csv",
            1,
            1,
            "error",
            f"{imported} 'acled 2023.csv' -o out.jsonl",
        ),  # quoted for the shell
        ("events.tsv", 1, 1, "error", f"{imported} events.tsv -o out.jsonl"),
        ("notes.txt", 1, 1, "error", _UNSUPPORTED),
    ]


_BUNDLE_21 = {  # STIX 2.1: the bundle has an id and objects, its objects a spec_version
    "type": "bundle",
    "id": "bundle--2ac7882f-76a3-4a9b-97b3-811b3af1c7c0",
    "objects": [{"type": "identity", "spec_version": "2.1", "id": "identity--1", "name": "Hamas"}],
}
_BUNDLE_20 = {"type": "bundle", "id": "bundle--5d0092c5", "spec_version": "2.0", "objects": []}
_STIX = "this looks like a STIX bundle, not an iandw document: import it with iandw import stix"


def test_a_stix_bundle_named_as_observations_is_one_error_saying_how_to_import_it(tmp_tree, monkeypatch):
    """Not 'missing required key date' and 'unknown key objects', nor a warning for each type a rule
    selects: the bundle's objects, once imported, may be any of them."""
    bundles = {
        "feeds/indicator.json": json.dumps(_BUNDLE_21, indent=4),
        # a list of documents: each is judged, at its own position ("[" is line 1, the bundle line 2)
        "feeds/old.json": "[\n" + json.dumps(_BUNDLE_20) + "\n]\n",
        "feeds/lines.jsonl": json.dumps(_BUNDLE_21) + "\n",
    }
    root = tmp_tree({"rules/world.yaml": CLEAN_RULES, **bundles})
    result = validate(root, monkeypatch, "feeds")
    assert result.exit_code == 2
    assert parse_diagnostics(result.stderr) == [
        ("feeds/indicator.json", 1, 1, "error", f"{_STIX} feeds/indicator.json -o out.jsonl"),
        ("feeds/lines.jsonl", 1, 1, "error", f"{_STIX} feeds/lines.jsonl -o out.jsonl"),
        ("feeds/old.json", 2, 1, "error", f"{_STIX} feeds/old.json -o out.jsonl"),
    ]


def test_an_observation_of_type_bundle_is_an_observation(tmp_tree, monkeypatch):
    """Only what looks like STIX (a `bundle--` id, a spec_version) is a bundle: a type is the user's."""
    observation = {
        "id": "arms-bundle",
        "type": "bundle",
        "date": "2023-10-07",
        "entities": ["hamas"],
        "sources": [{"name": "Reuters", "reliability": "A", "credibility": 1}],
    }
    no_date = {"type": "bundle", "id": "bundle-1"}  # its own error, as any observation's
    files = {"observations/arms.json": json.dumps(observation), "observations/bad.json": json.dumps(no_date)}
    root = tmp_tree({**CLEAN_TREE, **files})
    result = validate(root, monkeypatch)
    # CLEAN_TREE's meeting and attack, and arms-bundle
    assert result.stdout.startswith("read 3 entities, 1 hypothesis, 1 indicator, 3 observations, 1 scale")
    assert parse_diagnostics(result.stderr) == [
        ("observations/bad.json", 1, 1, "error", "missing required key 'date'")
    ]


# LINT_RULES with its entities in a file of their own, as a case keeps them (observations/entities/)
RULES_ALONE = LINT_RULES[LINT_RULES.index("kind: indicator") :]
LINT_ENTITIES = LINT_RULES[: LINT_RULES.index("kind: indicator")].removesuffix("---\n")
# what an import writes: observations and the entities they name, none of which the rules name
FEED = {
    "feed/feed.entities.yaml": "kind: entity\nid: apt1\ntype: intrusion-set\nname: APT1\n",
    "feed/feed.jsonl": '{"id": "f1", "type": "intrusion", "date": "2013-02", "entities": ["apt1"]}\n',
}
ENTITIES_FOLDER = "e.g. observations/entities, or the whole observations/ folder"


def test_with_no_entity_loaded_references_only_in_the_rules_are_said_to_be_there(tmp_tree, monkeypatch):
    """The observations name nobody: the 3 references (above) are all the rules', the first the
    orphan's, rules.yaml line 27 ("    entities: [{entity: " is 24 characters)."""
    quiet = "kind: observation\nid: quiet\ntype: statement\ndate: 2023-01-01\n"
    root = tmp_tree({"rules/rules.yaml": RULES_ALONE, "observations/obs.yaml": quiet})
    result = validate(root, monkeypatch, "observations/obs.yaml")
    assert result.exit_code == 2
    errors = [d for d in parse_diagnostics(result.stderr) if d[3] == "error"]
    assert errors == [
        (
            "rules/rules.yaml",
            27,
            25,
            "error",
            "unknown entity 'russia'; no entity is loaded, so 3 references in the rules to 2 names could "
            f"not be resolved: pass the folder that holds the entities too, {ENTITIES_FOLDER}",
        )
    ]


def test_with_no_entity_loaded_the_unresolved_references_are_one_error(tmp_tree, monkeypatch):
    """`iandw validate observations/obs.yaml` without the entities: every reference is unknown,
    which is one mistake, on the command line; one error says so, where the first one is written.

    References, by hand: the rules name russia ('orphan', and the bind) and hamas (the bind); the
    observations name russia and hamas ('talks'), and hamas ('attack'): 3 references in the
    observations and 3 in the rules, to 2 names.
    """
    root = tmp_tree(
        {
            "rules/rules.yaml": RULES_ALONE,
            "observations/entities.yaml": LINT_ENTITIES,
            "observations/obs.yaml": LINT_OBSERVATIONS,
        }
    )
    result = validate(root, monkeypatch, "observations/obs.yaml")
    assert result.exit_code == 2
    errors = [d for d in parse_diagnostics(result.stderr) if d[3] == "error"]
    assert errors == [
        # "entities: [" is 11 characters
        (
            "observations/obs.yaml",
            5,
            12,
            "error",
            "unknown entity 'russia'; no entity is loaded, so 3 references in the observations and 3 "
            "in the rules, to 2 names, could not be resolved: pass the folder that holds the entities "
            f"too, {ENTITIES_FOLDER}",
        )
    ]
    as_json = validate(root, monkeypatch, "observations/obs.yaml", "--format", "json")
    payload = json.loads(as_json.stdout)
    assert payload["errors"] == 1
    assert [d for d in payload["diagnostics"] if d["severity"] == "error"] == [
        dict(zip(["file", "line", "column", "severity", "message"], errors[0], strict=True))
    ]
    # given the entities, every reference resolves
    assert validate(root, monkeypatch, "observations").exit_code == 0


def test_with_none_of_the_rules_entities_loaded_their_references_are_one_error(tmp_tree, monkeypatch):
    """An imported feed validated alone: its entities are loaded, none of the three the rules name.

    The rules name russia twice and tass once ('orphan'; the bind), hamas once (the bind): 4
    references to 3 names, the first of them in 'orphan'.  The observations' own unknown
    references are said as ever, once per name.
    """
    rules = RULES_ALONE.replace("[{entity: russia}]", "[{entity: russia}, {entity: tass}]")
    root = tmp_tree(
        {
            "rules/rules.yaml": rules,
            "observations/entities.yaml": LINT_ENTITIES,
            "observations/obs.yaml": LINT_OBSERVATIONS,
            **FEED,
        }
    )
    in_rules = (
        # "    entities: [{entity: " is 24 characters
        "rules/rules.yaml",
        27,
        25,
        "error",
        "unknown entity 'russia'; none of the entities the rules name is loaded (entities were read only "
        "from feed/feed.entities.yaml), so 4 references in the rules to 3 names could not be resolved: "
        f"pass the folder that holds the rules' entities too, {ENTITIES_FOLDER}",
    )
    result = validate(root, monkeypatch, "feed")
    assert result.exit_code == 2
    assert [d for d in parse_diagnostics(result.stderr) if d[3] == "error"] == [in_rules]
    result = validate(root, monkeypatch, "feed", "observations/obs.yaml")
    assert [d for d in parse_diagnostics(result.stderr) if d[3] == "error"] == [
        ("observations/obs.yaml", 5, 12, "error", "unknown entity 'russia'"),
        # "entities: [russia, " is 19 characters
        ("observations/obs.yaml", 5, 20, "error", "unknown entity 'hamas' (named 2 times, first here)"),
        in_rules,
    ]
    assert validate(root, monkeypatch, "feed", "observations").exit_code == 0


def test_two_unknown_names_in_the_rules_are_two_errors_though_none_is_loaded(tmp_tree, monkeypatch):
    """Two names may be two mistakes of their own (a bind written `{sponsor: Rusia, group: Hamaz}`):
    each is said, not taken for entities left out.  russia: 'orphan' and the bind; hamas: the bind."""
    root = tmp_tree({"rules/rules.yaml": RULES_ALONE, **FEED})
    result = validate(root, monkeypatch, "feed")
    assert [d for d in parse_diagnostics(result.stderr) if d[3] == "error"] == [
        ("rules/rules.yaml", 27, 25, "error", "unknown entity 'russia' (named 2 times, first here)"),
        # "bind: {sponsor: russia, group: " is 31 characters
        ("rules/rules.yaml", 33, 32, "error", "unknown entity 'hamas'"),
    ]


def test_with_some_of_the_rules_entities_loaded_each_unknown_name_is_one_error(tmp_tree, monkeypatch):
    """russia is loaded, so the rules' entities were read: hamas is simply unknown, one error
    for its three references (the bind, 'talks' and 'attack'), where it is written first."""
    root = tmp_tree(
        {
            "rules/rules.yaml": RULES_ALONE,
            "observations/entities.yaml": "kind: entity\nid: russia\ntype: state\n",
            "observations/obs.yaml": LINT_OBSERVATIONS,
        }
    )
    result = validate(root, monkeypatch, "observations")
    assert [d for d in parse_diagnostics(result.stderr) if d[3] == "error"] == [
        ("observations/obs.yaml", 5, 20, "error", "unknown entity 'hamas' (named 3 times, first here)"),
    ]


def test_entities_left_out_leave_what_the_rules_ask_of_entities_unjudged(tmp_tree, monkeypatch):
    """With the entities left out, "no entity has type 'state'" (for $sponsor), "… 'armed-group'"
    ($group) and "no rule can reach entity 'apt1'" would be said of entities never read: the
    error says what to pass, and these wait until it is.  What is said of observations stays."""
    W = "warning"
    root = tmp_tree(
        {
            "rules/rules.yaml": RULES_ALONE,
            "observations/entities.yaml": LINT_ENTITIES,
            "observations/obs.yaml": LINT_OBSERVATIONS,
        }
    )
    result = validate(root, monkeypatch, "observations/obs.yaml")
    assert [d for d in parse_diagnostics(result.stderr) if d[3] == W] == [
        ("observations/obs.yaml", 9, 5, W, "observation 'attack' has no sources, so its confidence is 0"),
        # "    type: [meeting, " is 20 characters
        (
            "rules/rules.yaml",
            9,
            21,
            W,
            # 'meeting', the selection's other type, is observed
            "no observation has type 'visit', one of the types selection 'meeting' takes",
        ),
        ("rules/rules.yaml", 22, 5, W, "indicator 'orphan' moves no posterior: no hypothesis lists it"),
    ]
    rules = RULES_ALONE.replace("[{entity: russia}]", "[{entity: russia}, {entity: tass}]")
    root = tmp_tree({"rules/rules.yaml": rules, **FEED})
    result = validate(root, monkeypatch, "feed")
    assert [d for d in parse_diagnostics(result.stderr) if d[3] == W] == [
        # '{"id": ' is 7 characters
        ("feed/feed.jsonl", 1, 8, W, "observation 'f1' has no sources, so its confidence is 0"),
        # "    type: [" is 11 characters, "    type: " 10
        (
            "rules/rules.yaml",
            9,
            12,
            W,
            "no observation has type 'meeting', so selection 'meeting' never matches",
        ),
        (
            "rules/rules.yaml",
            9,
            21,
            W,
            "no observation has type 'visit', so selection 'meeting' never matches",
        ),
        (
            "rules/rules.yaml",
            14,
            11,
            W,
            "no observation has type 'attack', so selection 'attack' never matches",
        ),
        ("rules/rules.yaml", 22, 5, W, "indicator 'orphan' moves no posterior: no hypothesis lists it"),
        (
            "rules/rules.yaml",
            26,
            11,
            W,
            "no observation has type 'meeting', so selection 'talk' never matches",
        ),
    ]


def test_an_entity_with_its_own_error_still_has_its_type(tmp_tree, monkeypatch):
    """hamas, the only armed group, has a bad `aliases`: one error, not also "no entity has type
    'armed-group'" on the variable `group`, which hamas answers once its aliases are fixed."""
    rules = LINT_RULES.replace("type: armed-group\n", "type: armed-group\naliases: Hamas\n", 1)
    root = tmp_tree({"rules/rules.yaml": rules, "observations/obs.yaml": LINT_OBSERVATIONS})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 2
    E, W = "error", "warning"
    expected = [
        ("observations/obs.yaml", 9, 5, W, "observation 'attack' has no sources"),
        # "aliases: " is 9 characters; the lines below it are one further down than in LINT_RULES
        ("rules/rules.yaml", 8, 10, E, "aliases: expected a list, got the string 'Hamas'"),
        ("rules/rules.yaml", 11, 5, W, "no rule can reach entity 'tass'"),
        ("rules/rules.yaml", 22, 21, W, "no observation has type 'visit'"),
        ("rules/rules.yaml", 35, 5, W, "indicator 'orphan' moves no posterior: no hypothesis lists it"),
    ]
    diagnostics = parse_diagnostics(result.stderr)
    assert_reported(diagnostics, expected)
    assert len(diagnostics) == len(expected), diagnostics


def test_lint_no_indicator_warning_when_a_hypothesis_uses_all(tmp_tree, monkeypatch):
    rules = LINT_RULES.replace("indicators: [meeting-before-attack]\n", "")
    root = tmp_tree({"rules/rules.yaml": rules, "observations/obs.yaml": LINT_OBSERVATIONS})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    assert "moves no posterior" not in result.stderr
    # Of test_validate_lint_warnings' four warnings only the orphan indicator's is gone:
    # 3 entities (russia, hamas, tass), 1 hypothesis, 2 indicators, 2 observations, 3 warnings.
    assert len(parse_diagnostics(result.stderr)) == 3, result.stderr
    assert result.stdout == (
        "read 3 entities, 1 hypothesis, 2 indicators, 2 observations: 0 errors, 3 warnings\n"
    )


NEVER_REPORTED = """\
kind: observation
id: open-ended
type: meeting
date: 2023-03-16/..
entities: [russia, hamas]
sources: [{name: TASS, reliability: B, credibility: 2}]
---
kind: observation
id: reported-open
type: meeting
date: 2023-03-16
reported: 2023-04/..
entities: [russia, hamas]
sources: [{name: TASS, reliability: B, credibility: 2}]
---
kind: observation
id: open-but-reported
type: meeting
date: 2023-03-16/..
reported: 2023-04
entities: [russia, hamas]
sources: [{name: TASS, reliability: B, credibility: 2}]
"""


def test_validate_warns_of_an_observation_reported_on_no_known_day(tmp_tree, monkeypatch):
    """SPEC §13: an open-ended date with no `reported` is never used; nor is an open-ended `reported`.

    Only what was reported by the evaluation date is used (SPEC §9); a report
    whose upper bound is open is by no date.  The third is reported by
    2023-04-30 and is used from then: no warning.
    """
    root = tmp_tree({"rules/rules.yaml": LINT_RULES, "observations/obs.yaml": NEVER_REPORTED})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    W = "warning"
    expected = [
        # the date value "2023-03-16/.." starts at column 7 of line 4
        (
            "observations/obs.yaml",
            4,
            7,
            W,
            "observation 'open-ended' is never used: its date '2023-03-16/..' is open-ended "
            "and no 'reported' says when it became known",
        ),
        # the reported value "2023-04/.." starts at column 11 of line 12
        (
            "observations/obs.yaml",
            12,
            11,
            W,
            "observation 'reported-open' is never used: its 'reported' date '2023-04/..' is open-ended",
        ),
    ]
    diagnostics = parse_diagnostics(result.stderr)
    assert_reported(diagnostics, expected)
    assert "open-but-reported" not in result.stderr


NAMED_AGAIN_RULES = """\
kind: indicator
id: two-officials
title: two officials of the sponsor met
vars: {sponsor: {type: state}}
select:
  meeting: {type: meeting, entities: [{of: $sponsor}, {of: $sponsor}]}
likelihood_ratio: 3
"""

NAMED_AGAIN_ENTITIES = """\
kind: entity
id: russia
type: state
---
kind: entity
id: lavrov
type: person
member_of: [russia]
aliases: [Sergey Lavrov]
---
kind: entity
id: bogdanov
type: person
member_of: [russia]
"""

NAMED_AGAIN = """\
kind: observation
id: m1
type: meeting
date: 2023-09-01
entities: [lavrov, Sergey Lavrov, LAVROV]
sources: [{name: s, reliability: B, credibility: 2}]
---
kind: observation
id: m2
type: meeting
date: 2023-09-02
entities:
  - {entity: lavrov, role: host}
  - bogdanov
  - {entity: Sergey Lavrov, role: guest}
  - {entity: bogdanov, role: guest}
sources: [{name: s, reliability: B, credibility: 2}]
---
kind: observation
id: m3
type: meeting
date: 2023-09-03
entities: [lavrov, bogdanov]
sources: [{name: s, reliability: B, credibility: 2}]
"""


def _feed_line(id: str, names: list[str]) -> str:
    entities = ", ".join(f'"{name}"' for name in names)
    return (
        f'{{"kind": "observation", "id": "{id}", "type": "meeting", "date": "2023-09-03", '
        f'"entities": [{entities}], "sources": [{{"name": "s"}}]}}\n'
    )


def test_validate_warns_of_an_observation_naming_an_entity_again(tmp_tree, monkeypatch):
    """One entity named twice in an observation is one participant (docs/semantics.md): a warning
    at its second name, one per observation, whatever the spelling, role or count."""
    root = tmp_tree(
        {
            "rules/rules.yaml": NAMED_AGAIN_RULES,
            "observations/entities.yaml": NAMED_AGAIN_ENTITIES,
            "observations/obs.yaml": NAMED_AGAIN,
            "observations/feed.jsonl": _feed_line("f1", ["bogdanov", "Bogdanov"])
            + _feed_line("f2", ["bogdanov", "Bogdanov"] + ["bogdanov"] * 1_999)
            + _feed_line("f3", ["bogdanov", "bogdanov"]).replace(
                '["bogdanov", "bogdanov"]',
                '[{"entity": "bogdanov", "role": "host"}, {"entity": "bogdanov", "role": "guest"}]',
            ),
        }
    )
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    W = "warning"
    assert [d for d in parse_diagnostics(result.stderr) if "participant" in d[4]] == [
        # '{"kind": "observation", "id": "f1", "type": "meeting", "date": "2023-09-03", '
        # is 77 characters, '"entities": ["bogdanov", ' 25 more
        (
            "observations/feed.jsonl",
            1,
            103,
            W,
            "observation 'f1' names bogdanov 2 times (as 'bogdanov', 'Bogdanov'): it is one participant",
        ),
        (
            "observations/feed.jsonl",
            2,
            103,
            W,
            "observation 'f2' names bogdanov 2,001 times (as 'bogdanov', 'Bogdanov'): it is one participant",
        ),
        # written alike, in two roles (as an import writes one actor of both sides): no "as";
        # '"entities": [' is 13 more than the 77, '{"entity": "bogdanov", "role": "host"}, ' 40 and
        # '{"entity": ' 11 more: 141
        (
            "observations/feed.jsonl",
            3,
            142,
            W,
            "observation 'f3' names bogdanov 2 times: it is one participant",
        ),
        # "entities: [lavrov, " is 19 characters
        (
            "observations/obs.yaml",
            5,
            20,
            W,
            "observation 'm1' names lavrov 3 times (as 'lavrov', 'Sergey Lavrov', 'LAVROV'): "
            "it is one participant",
        ),
        # lavrov is named again first (bogdanov after him): "  - {entity: " is 13 characters
        (
            "observations/obs.yaml",
            15,
            14,
            W,
            "observation 'm2' names lavrov 2 times (as 'lavrov', 'Sergey Lavrov'): it is one participant",
        ),
    ]


# --- 7. schemas ------------------------------------------------------------------

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

SPEC_INDICATOR = """\
kind: indicator
id: leadership-meeting-before-attack
title: Sponsor officials met the group's leadership shortly before its attack
vars:
  sponsor: {type: state}
  group: {type: armed-group}
select:
  meeting:
    type: meeting
    entities:
      - {of: $sponsor, level: {at_least: deputy-minister}}
      - {of: $group}
  attack:
    type: attack
    entities:
      - {of: $group, role: perpetrator}
require:
  - {first: meeting, then: attack, within: 12w}
likelihood_ratio: 3
absent_likelihood_ratio: 1
tests:
  - name: fires five weeks before the attack
    bind: {sponsor: russia, group: hamas}
    as_of: "2023-10-08"
    observations:
      - kind: observation
        id: test-meeting
        type: meeting
        date: "2023-09-01"
        entities: [{entity: sergey-lavrov}, {entity: saleh-al-arouri}]
        sources: [{name: fixture, reliability: B, credibility: 2}]
    expect: fired
"""


def schema_of(what: str | None) -> dict:
    result = CliRunner().invoke(main, ["schema", *([what] if what else [])])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("what", ["rules", "observations", "report"])
def test_schema_is_draft_2020_12(what):
    schema = schema_of(what)
    assert schema["$schema"] == DRAFT_2020_12
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_defaults_to_rules():
    assert schema_of(None) == schema_of("rules")


def test_shipped_style_rules_validate_against_the_rules_schema():
    validator = jsonschema.Draft202012Validator(schema_of("rules"))
    indicator = yaml.safe_load(SPEC_INDICATOR)
    assert list(validator.iter_errors(indicator)) == []
    assert list(validator.iter_errors([indicator])) == []  # a list of documents
    scale = {"kind": "scale", "id": "level", "values": ["official", "minister"]}
    hypothesis = {
        "kind": "hypothesis",
        "id": "russia-supported-hamas",
        "statement": "Russia supported Hamas.",
        "bind": {"sponsor": "russia", "group": "hamas"},
        "prior": 0.1,
        "indicators": ["leadership-meeting-before-attack", {"id": "x", "likelihood_ratio": 1.5}],
    }
    for document in (scale, hypothesis):
        assert list(validator.iter_errors(document)) == [], document
    # a typo is caught by the schema too
    typo = dict(indicator, likelyhood_ratio=3)
    assert list(validator.iter_errors(typo)) != []


@pytest.mark.parametrize(
    ("path", "valid"),
    [("place", True), ("attributes", True), ("attributes.cargo.kind", True)]
    + [(path, False) for path in ("plac", "atributes.tonnage", "place.x", "sources.name", "attributesx")],
)
def test_the_rules_schema_knows_the_where_paths(path, valid):
    """An editor flags a where path as iandw does (docs/language.md)."""
    validator = jsonschema.Draft202012Validator(schema_of("rules"))
    indicator = yaml.safe_load(SPEC_INDICATOR)
    indicator["select"]["meeting"]["where"] = {path: "x"}
    assert (list(validator.iter_errors(indicator)) == []) is valid


def shipped_documents(folder: str) -> Iterator[tuple[str, Any]]:
    """(file name, document as JSON would hold it) for every YAML document under the shipped folder."""
    root = os.path.join(ROOT, folder)
    if not os.path.isdir(root):
        pytest.skip(f"no shipped {folder}/")
    for directory, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(directory, name), encoding="utf-8") as stream:
                    for document in yaml.safe_load_all(stream):
                        if document is not None:
                            yield name, json.loads(json.dumps(document, default=str))


def test_the_shipped_rules_validate_against_the_rules_schema():
    validator = jsonschema.Draft202012Validator(schema_of("rules"))
    checked = 0
    for name, plain in shipped_documents("rules"):
        errors = [e.message for e in validator.iter_errors(plain)]
        assert errors == [], (name, plain.get("id"), errors[:1])
        checked += 1
    assert checked > 0


def test_the_shipped_observations_validate_against_the_observations_schema():
    validator = jsonschema.Draft202012Validator(schema_of("observations"))
    checked = 0
    for name, plain in shipped_documents("observations"):
        errors = [e.message for e in validator.iter_errors(plain)]
        ids = [d.get("id") for d in plain] if isinstance(plain, list) else plain.get("id")
        assert errors == [], (name, ids, errors[:1])
        checked += 1
        # the schema is not vacuous: the same document with a misspelt key fails
        first = plain[0] if isinstance(plain, list) else plain
        assert list(validator.iter_errors(dict(first, sourcse=[]))) != [], (name, first)
    assert checked > 0


def test_schemas_accept_what_the_language_documents_as_valid():
    """An editor must not flag a reference written as a bare id, nor an unquoted year, both valid."""
    observations = jsonschema.Draft202012Validator(schema_of("observations"))
    shorthand = {
        "kind": "observation",
        "id": "moscow-talks-2023-03-16",
        "type": "meeting",
        "date": 2023,  # an unquoted YAML year, as an editor's YAML 1.2 reader holds it
        "entities": ["saleh-al-arouri", {"entity": "sergey-lavrov", "role": "host"}],
    }
    assert list(observations.iter_errors(shorthand)) == []
    assert list(observations.iter_errors(dict(shorthand, entities=[3]))) != []
    assert list(observations.iter_errors(dict(shorthand, date=0))) != []
    assert list(observations.iter_errors(dict(shorthand, date=True))) != []
    rules = jsonschema.Draft202012Validator(schema_of("rules"))
    indicator = yaml.safe_load(SPEC_INDICATOR)
    test_observation = indicator["tests"][0]["observations"][0]
    test_observation["entities"] = ["sergey-lavrov", "saleh-al-arouri"]
    assert list(rules.iter_errors(indicator)) == []


def test_observation_schema_accepts_a_kindless_observation():
    validator = jsonschema.Draft202012Validator(schema_of("observations"))
    assert list(validator.iter_errors({"id": "a", "type": "meeting", "date": "2023"})) == []
    assert list(validator.iter_errors({"id": "a", "type": "meeting", "date": "2023", "bogus": 1})) != []


# --- no traceback, ever ----------------------------------------------------------------


def run_module(root: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.run(
        [sys.executable, "-m", "iandw", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


HOSTILE_TREE = {
    "rules/.keep.yaml": "",
    "observations/bomb.yaml": textwrap.dedent(
        """\
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        """
    ),
    "observations/deep.json": "[" * 20000 + "]" * 20000 + "\n",
    "observations/deep.yaml": "deep: " + "{a: " * 20000 + "}" * 20000 + "\n",
    "observations/unsafe.yaml": (
        'kind: observation\nid: x\nsummary: !!python/object/apply:os.system ["echo hi"]\n'
    ),
    "observations/latin1.yaml": b"kind: observation\nid: caf\xe9\n",
    "observations/syntax.yaml": "kind: [observation\n",
    "observations/fine.yaml": (
        "kind: observation\nid: fine\ntype: meeting\ndate: 2023\nsources: [{name: x}]\n"
    ),
}


def test_hostile_inputs_never_give_a_traceback(tmp_tree):
    root = tmp_tree(HOSTILE_TREE)
    completed = run_module(root, "validate", "observations", "--rules", "rules")
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "internal error" not in completed.stderr
    assert "hi" not in completed.stdout.splitlines()  # os.system("echo hi") was not run
    files = {d[0] for d in parse_diagnostics(completed.stderr) if d[3] == "error"}
    assert files == {
        "observations/bomb.yaml",
        "observations/deep.json",
        "observations/deep.yaml",
        "observations/unsafe.yaml",
        "observations/latin1.yaml",
        "observations/syntax.yaml",
    }
    assert completed.stdout.startswith("read 1 observation:")


def test_control_character_gives_one_located_diagnostic_line(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep": "", "observations/nul.yaml": "kind: observation\nid: n\x00x\n"})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 2
    # "id: n" is 5 characters: the NUL is at line 2, column 6
    ((file, line, column, severity, _),) = parse_diagnostics(result.stderr)
    assert (file, line, column, severity) == ("observations/nul.yaml", 2, 6, "error")


def test_a_diagnostic_is_one_inert_line_whatever_its_message_holds():
    from iandw.diagnostics import Diagnostic

    message = "key 'a\x1b]0;title\x07' \x9b31m\nnext\u2028line"  # OSC, CSI (C1), newline, separator
    diagnostic = Diagnostic("observations/a.yaml", 1, 2, "error", message)
    assert diagnostic.format() == (
        "observations/a.yaml:1:2: error: key 'a\\x1b]0;title\\x07' \\x9b31m\\nnext\\u2028line"
    )


def test_bidirectional_overrides_and_invisible_spaces_are_shown_as_escapes():
    """A right-to-left override would make the rest of a line read backwards; a zero-width space
    makes two names look alike. The joiners and marks of Persian and Arabic writing stay."""
    from iandw.diagnostics import one_line

    name = "\u202eevil\u202c \u2066x\u2069 ha\u200bmas \u2060\ufeff"
    assert one_line(name) == "\\u202eevil\\u202c \\u2066x\\u2069 ha\\u200bmas \\u2060\\ufeff"
    persian = "\u0645\u06cc\u200c\u0631\u0648\u062f \u200f\u200e\u061c\u200d"  # ZWNJ, RLM, LRM, ALM, ZWJ
    assert one_line(persian) == persian


def test_a_file_name_with_controls_and_overrides_is_one_inert_line(tmp_tree, monkeypatch):
    """A file in a shared folder names itself: its name must not end a line, colour it or reverse it."""
    name = "a\x1b[31mb\nc\u202e.yaml"
    root = tmp_tree({"rules/.keep": "", f"observations/{name}": ""})
    result = validate(root, monkeypatch, "observations", "--rules", "rules")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "observations/a\\x1b[31mb\\nc\\u202e.yaml:1:1: warning: empty file\n"


def test_an_internal_error_is_one_inert_line(tmp_tree, monkeypatch):
    import iandw.cli.commands

    def broken(*args, **kwargs):
        raise RuntimeError("first\nsecond \x1b[2J")

    monkeypatch.setattr(iandw.cli.commands, "_load", broken)
    root = tmp_tree(CLEAN_TREE)
    result = validate(root, monkeypatch)
    assert result.exit_code == 3
    expected = "iandw: internal error: RuntimeError: first\\nsecond \\x1b[2J (please report this)\n"
    assert result.stderr == expected


def test_limit_options_are_checked(tmp_tree, monkeypatch):
    root = tmp_tree(CLEAN_TREE)
    result = validate(root, monkeypatch, "--max-depth", "0")
    assert result.exit_code == 2
    assert "--max-depth" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # a month is an interval of days, not the one day a report is as of
        (
            ["evaluate", "--as-of", "2023-10"],
            "Invalid value for --as-of: '2023-10' is not a single day (write YYYY-MM-DD)",
        ),
        (  # a day without its dashes: the hint is a day, never the month or interval --as-of refuses
            ["evaluate", "--as-of", "20231006"],
            "Invalid value for --as-of: '20231006' is not a day: write YYYY-MM-DD, here 2023-10-06",
        ),
        (
            ["timeline", "--from", "20231006"],
            "Invalid value for --from: '20231006' is not a day: write YYYY-MM-DD, here 2023-10-06",
        ),
        (
            ["timeline", "--from", "2023-10-01", "--to", "Oct 2023"],
            "Invalid value for --to: 'Oct 2023' is not a day: write YYYY-MM-DD, such as 2023-10-06",
        ),
        (
            ["timeline", "--from", "2023-10-01", "--to", "2023-09-01"],
            "Invalid value for --to: 2023-09-01 is before --from 2023-10-01",
        ),
        (
            ["timeline", "--from", "9999-01-01"],
            f"Invalid value for --to: {dt.date.today()} (today, when --to is not given) "
            "is before --from 9999-01-01",
        ),
        (
            ["timeline", "--from", "2023-09-01", "--step", "2x"],
            "Invalid value for --step: '2x': write days as '7d' or weeks as '1w'",
        ),
        (  # docs/reports.md: months are not steps
            ["timeline", "--from", "2023-09-01", "--step", "1m"],
            "Invalid value for --step: '1m': write days as '7d' or weeks as '1w' "
            "(a month or a year is not a fixed number of days)",
        ),
        (  # more digits than Python turns into a number: once an internal error; quoted short
            ["timeline", "--from", "2023-09-01", "--step", "1" + "0" * 5000 + "d"],
            f"Invalid value for --step: '1{'0' * 19}'…: a step is 1 to 9,999,999 days or weeks",
        ),
        (
            ["timeline", "--from", "2023-09-01", "--step", "0w"],
            "Invalid value for --step: '0w': a step is 1 to 9,999,999 days or weeks",
        ),
        (  # 1800-01-01 + 100,000 days is 2073-10-16: one evaluation too many, daily
            ["timeline", "--from", "1800-01-01", "--to", "2073-10-16", "--step", "1d"],
            "Invalid value for --step: 1800-01-01 to 2073-10-16 every 1 day is 100,001 evaluations, "
            "more than 100,000: take a longer step",
        ),
        (  # once '<stdout>:1:1: error: cannot write', after all the work
            ["evaluate", "-o", ""],
            "Invalid value for '-o' / '--output': an empty file name",
        ),
        (
            ["evaluate", "--max-matches", "0"],
            "Invalid value for '--max-matches': '0' is less than 1",
        ),
        (
            ["evaluate", "--max-assignments", "-3"],
            "Invalid value for '--max-assignments': '-3' is less than 1",
        ),
        (  # a long word is quoted short
            ["evaluate", "--workers", "x" * 5000],
            "Invalid value for '--workers': 'xxxxxxxxxxxxxxxxxxxx'… is not a whole number",
        ),
    ],
)
def test_bad_command_line_values_exit_2_naming_the_option(tmp_tree, monkeypatch, args, message):
    monkeypatch.chdir(tmp_tree(CLEAN_TREE))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"


_CASE_STDIN = (
    "reading standard input is not supported: save it to a file with a .jsonl, .yaml or .json name "
    "(./- names a path called '-')"
)
_RULES_STDIN = (
    "reading standard input is not supported: rules are read from a directory (./- names a path called '-')"
)
_IMPORT = ["import", "acled", "events.csv", "-o", "events.jsonl"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "-"], f"Invalid value for '[PATHS]...': {_CASE_STDIN}"),
        (["evaluate", "-"], f"Invalid value for '[PATHS]...': {_CASE_STDIN}"),
        (["test", "-"], f"Invalid value for '[PATHS]...': {_CASE_STDIN}"),
        (
            ["timeline", "--from", "2023-01-01", "observations", "-"],
            f"Invalid value for '[PATHS]...': {_CASE_STDIN}",
        ),
        (["validate", "--rules", "-"], f"Invalid value for '--rules': {_RULES_STDIN}"),
        (
            ["evaluate", "-o", "-"],
            "Invalid value for '-o' / '--output': '-' is not standard output here: "
            "leave out -o to write to standard output (./- names a file called '-')",
        ),
        (
            ["timeline", "--from", "2023-01-01", "--format", "svg", "-o", "-"],
            "Invalid value for '-o' / '--output': '-' is not standard output here: "
            "leave out -o to write to standard output (./- names a file called '-')",
        ),
        (
            ["import", "acled", "-", "-o", "events.jsonl"],
            "Invalid value for 'INPUTS...': reading standard input is not supported: "
            "save it to a file first (./- names a path called '-')",
        ),
        (
            ["import", "acled", "events.csv", "-o", "-"],
            "Invalid value for '-o' / '--output': writing standard output is not supported: "
            "an import writes files, so name one (./- names a file called '-')",
        ),
        (
            [*_IMPORT, "--entities-out", "-"],
            "Invalid value for '--entities-out': writing standard output is not supported: "
            "an import writes files, so name one (./- names a file called '-')",
        ),
        (
            [*_IMPORT, "--mapping", "-"],
            "Invalid value for '--mapping': reading standard input is not supported: "
            "save the mapping to a file first (./- names a file called '-')",
        ),
        ([*_IMPORT, "--known", "-"], f"Invalid value for '--known': {_CASE_STDIN}"),
        ([*_IMPORT, "--rules", "-"], f"Invalid value for '--rules': {_RULES_STDIN}"),
    ],
)
def test_a_dash_is_refused_as_a_standard_stream_not_taken_as_a_file(tmp_tree, monkeypatch, args, message):
    """docs/language.md, Files: '-' is neither read from standard input nor written as a file named '-'.

    A file named '-' is there, and a document on standard input: neither is read, nothing is written.
    """
    root = tmp_tree({**CLEAN_TREE, "-": CLEAN_OBSERVATIONS, "events.csv": "event_id_cnty\n"})
    monkeypatch.chdir(root)
    before = sorted(os.listdir(root))
    result = CliRunner().invoke(main, args, input=CLEAN_OBSERVATIONS)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert sorted(os.listdir(root)) == before


def test_a_file_named_dash_is_still_read_as_dot_slash_dash(tmp_tree, monkeypatch):
    """./- names the file: it is read, and as a file without a known extension it is refused as one."""
    monkeypatch.chdir(tmp_tree({**CLEAN_TREE, "-": CLEAN_OBSERVATIONS}))
    result = CliRunner().invoke(main, ["validate", "./-"])
    assert result.exit_code == 2
    assert parse_diagnostics(result.stderr) == [
        ("-", 1, 1, "error", "unsupported file type: expected .yaml, .yml, .json, .jsonl")
    ]


def test_an_output_that_cannot_be_written_is_said_so_before_the_work(tmp_tree, monkeypatch):
    root = tmp_tree(CLEAN_TREE)
    report = os.path.join(root, "report.html")
    Path(report).write_text("an earlier report")
    real_access = os.access  # root may write any file: refuse this one as a mode of 0o000 would
    monkeypatch.setattr(os, "access", lambda path, mode: path != report and real_access(path, mode))
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["evaluate", "-o", report])
    assert result.exit_code == 2
    assert f"Invalid value for '-o' / '--output': File '{report}' is not writable." in result.stderr


def test_a_limit_of_more_digits_than_python_reads_means_no_limit(tmp_tree, monkeypatch):
    monkeypatch.chdir(tmp_tree(CLEAN_TREE))
    result = CliRunner().invoke(
        main, ["evaluate", "--max-assignments", "9" * 5000, "--max-depth", "0" * 99 + "7"]
    )
    assert result.exit_code == 0, result.stderr


def test_limit_options_are_applied(tmp_tree, monkeypatch):
    root = tmp_tree(CLEAN_TREE)
    result = validate(root, monkeypatch, "observations", "--rules", "rules", "--max-depth", "2")
    assert result.exit_code == 2
    # CLEAN_OBSERVATIONS line 6: "sources: [" is 10 characters; the source mapping is level 3
    assert "observations/2023.yaml:6:11: error: nesting deeper than 2 levels; see --max-depth" in (
        result.stderr.splitlines()
    )


def test_progress_bar_only_on_a_terminal(tmp_tree, monkeypatch):
    from iandw.cli import support as cli_support

    root = tmp_tree(CLEAN_TREE)
    monkeypatch.setattr(cli_support, "PROGRESS_MIN_BYTES", 0)
    assert "reading" not in validate(root, monkeypatch).stderr  # a pipe, a log: no bar
    monkeypatch.setattr(cli_support, "stderr_is_terminal", lambda: True)
    result = validate(root, monkeypatch)
    assert result.exit_code == 0 and "reading" in result.stderr
    assert result.stdout.startswith("read 3 entities")  # the bar is on stderr only


def test_evaluate_shows_evaluating_only_after_a_reading_bar(tmp_tree, monkeypatch):
    from iandw.cli import support as cli_support

    root = tmp_tree(CLEAN_TREE)
    monkeypatch.chdir(root)
    monkeypatch.setattr(cli_support, "stderr_is_terminal", lambda: True)
    args = ["evaluate", "--as-of", "2024-01-01"]
    small = CliRunner().invoke(main, args)  # a few hundred bytes: no bar at all
    assert small.exit_code == 0 and "reading" not in small.stderr and "evaluating" not in small.stderr
    monkeypatch.setattr(cli_support, "PROGRESS_MIN_BYTES", 0)
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0 and "reading" in shown.stderr and "evaluating" in shown.stderr
    assert shown.stdout == small.stdout  # the report itself is untouched


def test_a_diagnostic_line_shows_at_most_a_thousand_characters_of_its_message():
    """An unknown entity named by 3 MB of text is quoted short on the terminal, whole in JSON."""
    from iandw.diagnostics import Diagnostic

    message = "unknown entity '" + "x" * 5_000 + "'"
    line = Diagnostic("o.yaml", 3, 7, "error", message).format()
    assert line == f"o.yaml:3:7: error: {message[:1000]}… ({len(message) - 1000:,} more characters)"
    assert Diagnostic("o.yaml", 3, 7, "error", message).as_dict()["message"] == message


@pytest.mark.parametrize(
    ("command", "target"),
    [
        (["evaluate", "--as-of", "2024-01-01"], "observations/2023.yaml"),
        (["evaluate", "--as-of", "2024-01-01", "observations/2023.yaml"], "./observations/2023.yaml"),
        (["timeline", "--from", "2023-01-01", "--to", "2023-01-08"], "rules/world.yaml"),
    ],
)
def test_a_report_may_not_overwrite_a_file_of_the_case(tmp_tree, monkeypatch, command, target):
    root = tmp_tree(CLEAN_TREE)
    monkeypatch.chdir(root)
    before = {path: Path(root, path).read_bytes() for path in CLEAN_TREE}
    result = CliRunner().invoke(main, [*command, "-o", target])
    assert result.exit_code == 2
    assert f"Invalid value for -o: '{target}' is one of the files read; write elsewhere" in result.stderr
    assert {path: Path(root, path).read_bytes() for path in CLEAN_TREE} == before
    assert CliRunner().invoke(main, [*command, "-o", "report.txt"]).exit_code == 0  # elsewhere: written


@pytest.mark.parametrize("link", [os.link, os.symlink])
def test_a_report_may_not_overwrite_a_file_of_the_case_through_a_link(tmp_tree, monkeypatch, link):
    root = tmp_tree(CLEAN_TREE)
    monkeypatch.chdir(root)
    link(os.path.join("observations", "2023.yaml"), "linked.yaml")
    before = Path(root, "observations", "2023.yaml").read_bytes()
    result = CliRunner().invoke(main, ["evaluate", "--as-of", "2024-01-01", "-o", "linked.yaml"])
    assert result.exit_code == 2
    assert "Invalid value for -o: 'linked.yaml' is one of the files read; write elsewhere" in result.stderr
    assert Path(root, "observations", "2023.yaml").read_bytes() == before


def test_a_watched_run_says_when_reading_is_done_and_checking_begins(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the last byte is read, the bar is relabelled: checking a large case takes seconds."""
    from iandw.cli import support as cli_support

    monkeypatch.setattr(cli_support, "PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(cli_support, "stderr_is_terminal", lambda: True)
    shipped = [os.path.join(ROOT, "observations"), "--rules", os.path.join(ROOT, "rules")]
    stderr = CliRunner().invoke(main, ["validate", *shipped]).stderr
    assert stderr.index("reading") < stderr.index("checking")


def test_without_the_default_rules_directory_the_observations_are_checked_alone(tmp_tree, monkeypatch):
    """A case just imported has observations and no rules/ yet: validate checks them, and says so."""
    observation = "kind: observation\nid: o\ntype: t\ndate: 2023\nsources: [{name: wire}]\n"
    root = tmp_tree({"observations/o.yaml": observation})
    result = validate(root, monkeypatch, "observations")  # --rules left at its default, rules/
    assert result.exit_code == 0
    assert parse_diagnostics(result.stderr) == [
        ("rules", 1, 1, "warning", "no rules directory: the observations were checked alone, without rules")
    ]
    assert result.stdout == "read 1 observation: 0 errors, 1 warning\n"
    evaluated = CliRunner().invoke(main, ["evaluate", "observations"])  # nothing to evaluate without rules
    assert evaluated.exit_code == 2
    assert "rules:1:1: error: no such rules directory" in evaluated.stderr


def test_a_rule_among_observations_checked_alone_is_still_refused(tmp_tree, monkeypatch):
    """With no rules directory, observation files still may not bring their own rules."""
    scale = "kind: scale\nid: level\nvalues: [low, high]\n"
    root = tmp_tree({"observations/level.yaml": scale})
    result = validate(root, monkeypatch, "observations")
    assert result.exit_code == 2
    errors = [d for d in parse_diagnostics(result.stderr) if d[3] == "error"]
    assert [(file, line) for file, line, *_ in errors] == [("observations/level.yaml", 1)]
    assert errors[0][4].startswith("a 'scale' document outside the rules")


def test_a_named_rules_directory_that_is_missing_is_an_error(tmp_tree, monkeypatch):
    """`--rules` written out and missing is a mistake (a typo, a wrong folder), not a choice."""
    observation = "kind: observation\nid: o\ntype: t\ndate: 2023\nsources: [{name: wire}]\n"
    root = tmp_tree({"observations/o.yaml": observation})
    result = validate(root, monkeypatch, "observations", "--rules", "rulez")
    assert result.exit_code == 2
    assert parse_diagnostics(result.stderr) == [
        (
            "rulez",
            1,
            1,
            "error",
            "no such rules directory: indicators and hypotheses are read from it (--rules)",
        )
    ]


def test_a_reader_of_the_diagnostics_that_stops_reading_ends_the_program_quietly(tmp_tree) -> None:
    """`iandw validate 2>&1 | head`: the status of a SIGPIPE, not an internal error or Python's exit 1."""
    unsourced = "---\n".join(f"{{kind: observation, id: o{i}, type: t, date: 2023}}\n" for i in range(200))
    root = tmp_tree({"observations/o.yaml": unsourced, "rules/.keep": ""})
    program = subprocess.Popen(
        [sys.executable, "-m", "iandw", "validate"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert program.stdout is not None and program.stderr is not None
    program.stderr.close()  # before the first of the 200 warnings is written
    assert (program.wait(timeout=60), program.stdout.read()) == (141, b"")


def test_a_broken_pipe_that_is_not_the_readers_is_an_internal_error(tmp_tree) -> None:
    """A pipe of the program's own that breaks is a fault to report, not `| head` to end quietly (141)."""
    root = tmp_tree({"observations/o.yaml": "", "rules/.keep": ""})
    broken = (
        "import iandw.cli.commands\n"
        "def load(*args, **kwargs):\n"
        "    raise BrokenPipeError(32, 'Broken pipe')\n"
        "iandw.cli.commands._load = load\n"
        "iandw.cli.commands.program()\n"
    )
    # stdout and stderr are pipes whose reader stays: the program sees them as it sees `| head`
    ran = subprocess.run(
        [sys.executable, "-c", broken, "validate"], cwd=root, capture_output=True, timeout=60
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (
        3,
        b"",
        b"iandw: internal error: BrokenPipeError: [Errno 32] Broken pipe (please report this)\n",
    )
