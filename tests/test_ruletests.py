"""`iandw test`: the rule author's loop (SPEC §10).

A passing test is silent; a failing one prints `file:line:column: failed:
indicator::name: expected X, got Y: why` pointing at the test in the rule
file, with the near miss or the binding that fired; then `N passed, N
failed`.  Exit 0 when all pass, 1 on a failure, 2 on bad input.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from iandw.cli import main
from iandw.loader import load
from iandw.ruletests import run_rule_tests

ROOT = Path(__file__).resolve().parent.parent

ENTITIES = """\
- {kind: entity, id: iran, type: state}
- {kind: entity, id: hamas, type: armed-group}
- {kind: entity, id: amir, type: person, member_of: [iran]}
- {kind: entity, id: saleh, type: person, member_of: [hamas]}
"""

MEETING = """\
      - {id: t-meeting, type: meeting, date: 2023-09-01, entities: [amir, saleh],
         sources: [{name: t, reliability: B, credibility: 2}]}
"""
ATTACK = """\
      - {id: t-attack, type: attack, date: 2023-10-07,
         entities: [{entity: hamas, role: perpetrator}], sources: [{name: t, reliability: A, credibility: 1}]}
"""


def indicator(within: str = "12w") -> str:
    """A meeting-then-attack indicator with four tests, the second and third of which expect a miss."""
    return f"""\
kind: indicator
id: meeting-before-attack
title: Sponsor officials met the group shortly before its attack
vars:
  sponsor: {{type: state}}
  group: {{type: armed-group}}
select:
  meeting:
    type: meeting
    entities:
      - {{of: $sponsor}}
      - {{of: $group}}
  attack:
    type: attack
    entities:
      - {{of: $group, role: perpetrator}}
require:
  - {{first: meeting, then: attack, within: {within}}}
likelihood_ratio: 3
tests:
  - name: fires five weeks before the attack
    bind: {{sponsor: iran, group: hamas}}
    as_of: 2023-10-08
    observations:
{MEETING}{ATTACK}    expect: fired
    matches: [t-attack, t-meeting]
  - name: does not fire a year too early
    bind: {{sponsor: iran, group: hamas}}
    as_of: 2023-10-08
    observations:
      - {{id: t-old, type: meeting, date: 2022-09-01, entities: [amir, saleh]}}
{ATTACK}    expect: not-fired
  - name: cannot use what was reported after as_of
    bind: {{sponsor: iran, group: hamas}}
    as_of: 2023-10-06
    observations:
{MEETING}{ATTACK}    expect: not-fired
  - name: possible when the meeting is only known by month
    bind: {{sponsor: iran, group: hamas}}
    as_of: 2023-10-08
    observations:
      - {{id: t-month, type: meeting, date: 2023-07, entities: [amir, saleh]}}
{ATTACK}    expect: possible
"""


@pytest.fixture
def project(tmp_tree: Callable[[dict[str, str]], str]) -> Callable[[str], str]:
    """A rules/ and observations/ tree; returns its root."""

    def make(rule: str) -> str:
        return tmp_tree(
            {
                "observations/entities.yaml": ENTITIES,
                "rules/meeting-before-attack.yaml": rule,
            }
        )

    return make


def run(root: str, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["test", os.path.join(root, "observations"), "--rules", os.path.join(root, "rules"), *arguments],
    )
    return result.exit_code, result.output


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_passing_tests_print_only_the_summary(project: Callable[[str], str]) -> None:
    code, output = run(project(indicator()))
    assert (code, output) == (0, "4 passed, 0 failed\n")


def test_a_broken_rule_points_at_the_failing_test_with_a_why(project: Callable[[str], str]) -> None:
    """A two-week window cannot see a meeting five weeks earlier: the near miss says by how much."""
    rule = indicator(within="2w")
    root = project(rule)
    code, output = run(root)
    assert code == 1
    lines = output.splitlines()
    assert lines[-1] == "2 passed, 2 failed"  # the month-precision test can no longer be possible either
    (failure,) = [line for line in lines if "five weeks" in line]
    path = os.path.join(root, "rules", "meeting-before-attack.yaml")
    match = re.fullmatch(r"(.+):(\d+):(\d+): failed: (.+?): expected fired, got not-fired: (.+)", failure)
    assert match, failure
    assert os.path.normpath(match[1]) == os.path.normpath(path)
    assert int(match[2]) == line_of(rule, "name: fires five weeks before the attack")
    assert match[4] == "meeting-before-attack::fires five weeks before the attack"
    why = match[5]
    assert "nearest miss" in why and "t-meeting" in why and "t-attack" in why
    assert re.search(r"\b36 days\b", why) and "wanted 0–14 days before" in why  # the gap, and the window


def test_an_unexpected_fire_names_the_binding_that_fired(project: Callable[[str], str]) -> None:
    """With no window at all the year-old meeting fires: the why names the binding and variables."""
    rule = indicator().replace(
        "  - {first: meeting, then: attack, within: 12w}", "  - {first: meeting, then: attack}"
    )
    code, output = run(project(rule))
    assert code == 1
    (failure,) = [line for line in output.splitlines() if "year too early" in line]
    assert ":" + str(line_of(rule, "name: does not fire a year too early")) + ":" in failure
    assert "expected not-fired, got fired: fired on meeting=t-old, attack=t-attack" in failure
    assert "group=hamas, sponsor=iran" in failure


def test_a_failing_test_is_one_inert_line_whatever_its_name_holds(project: Callable[[str], str]) -> None:
    """A test's name is the author's text: a newline or a terminal escape in it is shown escaped."""
    rule = indicator(within="2w").replace(
        "name: fires five weeks before the attack", 'name: "fires five weeks\\nbefore \\e[2J the attack"'
    )
    code, output = run(project(rule))
    assert code == 1
    (failure,) = [line for line in output.splitlines() if "five weeks" in line]
    assert "::fires five weeks\\nbefore \\x1b[2J the attack: expected fired" in failure


def test_expected_matches_are_checked(project: Callable[[str], str]) -> None:
    rule = indicator().replace("matches: [t-attack, t-meeting]", "matches: [t-meeting]")
    code, output = run(project(rule))
    assert code == 1
    assert (
        "got fired: the best match uses ['t-attack', 't-meeting'], not the expected ['t-meeting']" in output
    )


def test_an_unexpected_possible_says_what_the_dates_leave_open(project: Callable[[str], str]) -> None:
    """A meeting known only to July 2023 and the attack of 2023-10-07: 10-07 − 07-31 = 31 + 30 + 7 =
    68 days, − 07-01 = 98; the window is 84 days: the check the failure must name."""
    rule = indicator().replace("expect: possible", "expect: not-fired")
    code, output = run(project(rule))
    assert code == 1
    (failure,) = [line for line in output.splitlines() if "known by month" in line]
    assert failure.endswith(
        "expected not-fired, got possible: possible on meeting=t-month, attack=t-attack (group=hamas, "
        "sponsor=iran), uncertain: meeting 68–98 days before attack (wanted 0–84 days before)"
    )


def test_a_selection_nothing_matches_is_named(project: Callable[[str], str]) -> None:
    rule = indicator().replace("role: perpetrator}]", "role: victim}]")  # the test data, not the rule
    code, output = run(project(rule))
    assert code == 1
    # the one attack is Hamas's as victim: the pattern asks for the group (hamas) as perpetrator
    assert (
        "no observation matches 'attack': 1 of type 'attack', "
        "none with entities matching its patterns for group=hamas" in output
    )


def test_selections_that_never_fit_one_binding_are_said_to(tmp_tree: Callable[[dict[str, str]], str]) -> None:
    """The meeting is with Hamas, every attack PIJ's: each selection matches, no binding holds both."""
    test = "name: fires five weeks before the attack\n    bind: {sponsor: iran, group: hamas}\n"
    rule = indicator().replace(test, test.replace(", group: hamas", ""))
    rule = rule.replace(
        "entities: [{entity: hamas, role: perpetrator}]", "entities: [{entity: pij, role: perpetrator}]"
    )
    entities = ENTITIES + "- {kind: entity, id: pij, type: armed-group}\n"
    root = tmp_tree({"observations/entities.yaml": entities, "rules/meeting-before-attack.yaml": rule})
    code, output = run(root)
    assert code == 1
    (failure,) = [line for line in output.splitlines() if "::fires five weeks before the attack:" in line]
    assert failure.endswith(
        "expected fired, got not-fired: each selection matches some observation, but they never fit "
        "one binding: they disagree on a variable they share, or would need one observation or one "
        "entity twice"
    )


def the_one_failure(project: Callable[[str], str], test: str, before: str, after: str) -> str:
    """The failure line of `iandw test` once `before` is written `after` in the rule test named `test`."""
    header = f"name: {test}\n    bind: {{sponsor: iran, group: hamas}}\n"
    rule = indicator().replace(header + before, header + after)
    assert rule != indicator()
    code, output = run(project(rule))
    assert code == 1
    (failure,) = [line for line in output.splitlines() if "failed:" in line]
    return failure


def test_a_failure_names_the_observations_not_yet_reported_by_as_of(project: Callable[[str], str]) -> None:
    """The attack of 7 October is not known on 6 October: 'no observation matches' alone hides why."""
    test = "cannot use what was reported after as_of"
    observations = "    as_of: 2023-10-06\n    observations:\n" + MEETING + ATTACK
    failure = the_one_failure(
        project, test, observations + "    expect: not-fired", observations + "    expect: fired"
    )
    assert failure.endswith(
        f"::{test}: expected fired, got not-fired: "
        "no observation matches 'attack': 1 of type 'attack', none reported by 2023-10-06; "
        "reported after as_of 2023-10-06, so not used: t-attack"
    )


def test_a_failure_names_the_observations_reported_on_no_known_day(project: Callable[[str], str]) -> None:
    """An attack dated '2023-10-07/..' with no `reported` is known on no day: never used, whatever as_of."""
    test = "fires five weeks before the attack"
    observations = "    as_of: 2023-10-08\n    observations:\n" + MEETING
    open_attack = ATTACK.replace("date: 2023-10-07,", "date: 2023-10-07/..,")
    failure = the_one_failure(project, test, observations + ATTACK, observations + open_attack)
    assert failure.endswith(
        f"::{test}: expected fired, got not-fired: "
        "no observation matches 'attack': 1 of type 'attack', 1 never reported (open-ended dates); "
        "reported on no known day, so never used: t-attack"
    )


@pytest.mark.parametrize(
    ("pattern", "summary"),
    [
        ("year too early", "1 passed, 0 failed"),
        ("MEETING-BEFORE-ATTACK::", "4 passed, 0 failed"),  # case-insensitive, on indicator::name
        ("possible", "1 passed, 0 failed"),
    ],
)
def test_k_selects_tests_by_indicator_and_name(
    project: Callable[[str], str], pattern: str, summary: str
) -> None:
    code, output = run(project(indicator()), "-k", pattern)
    assert (code, output.splitlines()[-1]) == (0, summary)


def test_k_that_selects_nothing_is_a_usage_error(project: Callable[[str], str]) -> None:
    code, output = run(project(indicator()), "-k", "no such test")
    assert code == 2
    assert (
        output.splitlines()[-1]
        == "Error: Invalid value for -k: no test's indicator::name contains 'no such test'"
    )


def test_k_hides_failures_it_does_not_select(project: Callable[[str], str]) -> None:
    root = project(indicator(within="2w"))
    assert run(root, "-k", "five weeks")[0] == 1
    assert run(root, "-k", "year too early") == (0, "1 passed, 0 failed\n")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (("entities: [amir, saleh],\n", "entities: [amir, salah],\n"), "unknown entity 'salah'"),
        (
            ("expect: possible", "expect: maybe"),
            "expect: expected 'fired', 'possible' or 'not-fired', got the string 'maybe'",
        ),
        (("as_of: 2023-10-06", "as_of: 2023-10"), "as_of: '2023-10' is not a single day (write YYYY-MM-DD)"),
        # a day without its dashes, which YAML reads as a number: a month is not suggested
        (
            ("as_of: 2023-10-06", "as_of: 20231006"),
            "as_of: '20231006' is not a day: write YYYY-MM-DD, here 2023-10-06",
        ),
        # "indicator" becomes a plain scalar continued on the next line, whose "bad:" cannot be a key:
        (
            ("kind: indicator", "kind: indicator\n  bad: [unclosed"),
            "YAML syntax error: mapping values are not allowed in this context",
        ),
    ],
)
def test_bad_input_exits_2_with_located_errors(
    project: Callable[[str], str], breakage: tuple[str, str], message: str
) -> None:
    rule = indicator().replace(*breakage, 1)
    assert rule != indicator()
    code, output = run(project(rule))
    assert code == 2
    assert "passed" not in output
    assert re.search(r"meeting-before-attack\.yaml:\d+:\d+: error: ", output), output
    assert message in output


def test_the_shipped_rules_pass_their_own_tests() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = load([os.path.join(root, "observations")], rules=os.path.join(root, "rules"), lints=False)
    assert result.ok
    outcomes = run_rule_tests(result)
    assert all(o.passed for o in outcomes), [o.format() for o in outcomes if not o.passed]
    written = 0  # every test written under `tests:` in the rules' YAML runs, once
    for path in sorted(Path(root, "rules").rglob("*.yaml")):
        with open(path, encoding="utf-8") as stream:
            documents = [d for d in yaml.safe_load_all(stream) if isinstance(d, dict)]
        written += sum(len(d.get("tests") or []) for d in documents)
    assert written > 0
    assert len(outcomes) == written


def test_a_bind_key_no_variable_has_is_shown_and_a_name_given_twice_is_an_error(
    project: Callable[[str], str],
) -> None:
    rule = indicator().replace(
        "    bind: {sponsor: iran, group: hamas}\n", "    bind: {sponsor: iran, grup: hamas}\n", 1
    )
    rule = rule.replace(
        "  - name: does not fire a year too early", "  - name: fires five weeks before the attack"
    )
    lines = rule.splitlines()
    first, second = (
        i for i, line in enumerate(lines, 1) if "name: fires five weeks before the attack" in line
    )
    bind = next(i for i, line in enumerate(lines, 1) if "grup: hamas" in line)
    root = project(rule)
    code, output = run(root, "-k", "year")
    where = os.path.join(root, "rules", "meeting-before-attack.yaml")
    assert code == 2
    assert (
        f"{where}:{second}:11: error: test name 'fires five weeks before the attack' is used twice in this "
        f"indicator (first at line {first})"
    ) in output
    fixed = project(rule.replace("  - name: fires five weeks before the attack", "  - name: once", 1))
    code, output = run(fixed, "-k", "once")
    # the test runs, but its `grup` binds nothing: said on stderr, as `iandw validate` says it;
    # "    bind: {sponsor: iran, " is 26 characters
    where = os.path.join(fixed, "rules", "meeting-before-attack.yaml")
    assert (
        f"{where}:{bind}:27: warning: bind key 'grup' is not a variable of its indicator "
        "(did you mean 'group'?), so it binds nothing\n"
    ) in output


MISSPELT = f"""\
kind: indicator
id: attack
title: The group attacked
vars:
  group: {{type: armed-group}}
select:
  attack:
    type: attack
    entities:
      - {{of: $group, rol: perpetrator}}
likelihood_ratio: 2
tests:
  - name: fires on the group's attack
    bind: {{group: hamas}}
    as_of: 2023-10-08
    observations:
{ATTACK}    expect: fired
---
kind: indicator
id: meeting
title: A person met the group
vars:
  person: {{type: persn}}
select:
  meeting:
    type: meeting
    entities: [{{entity: $person}}]
likelihood_ratio: 2
tests:
  - name: fires on a meeting
    as_of: 2023-10-08
    observations:
{MEETING}    expect: fired
"""


def test_the_warnings_that_explain_a_failure_are_shown_before_it(project: Callable[[str], str]) -> None:
    """`rol` for `role` and `persn` for `person` fail every pattern, and the failures only say that
    nothing matched: the warnings say why, located as `iandw validate` prints them.  What validate
    also says of this case (no hypothesis, no observation of type 'attack') is not about the rules
    tested, and is left out."""
    root = project(MISSPELT)
    where = os.path.join(root, "rules", "meeting-before-attack.yaml")
    # "      - {of: $group, " is 21 characters; "  person: {type: " 17
    rol = (
        f"{where}:10:22: warning: no entity has attribute 'rol', so this pattern never matches "
        "(did you mean 'role'?)"
    )
    persn = (
        f"{where}:25:18: warning: no entity has type 'persn' (did you mean 'person'?); "
        "known types: 'armed-group', 'person', 'state'"
    )
    attack = (
        f"{where}:13:5: failed: attack::fires on the group's attack: expected fired, got not-fired: "
        "no observation matches 'attack': 1 of type 'attack', none with entities matching its patterns "
        "for group=hamas"
    )
    meeting = (
        f"{where}:32:5: failed: meeting::fires on a meeting: expected fired, got not-fired: "
        "no observation matches 'meeting': 1 of type 'meeting', none with entities matching its patterns"
    )
    assert run(root) == (1, "\n".join([rol, persn, attack, meeting, "0 passed, 2 failed"]) + "\n")
    # only the warnings about the indicators whose tests run
    assert run(root, "-k", "meeting::") == (1, "\n".join([persn, meeting, "0 passed, 1 failed"]) + "\n")


def test_the_failure_shown_in_docs_is_what_the_shipped_case_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/testing.md: the shipped leadership indicator with its window cut from 12w to 2w."""
    doc = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    match = re.search(
        r"```console\n\$ iandw test --rules rules observations\n(.*?)\$ echo \$\?\n1\n```", doc, re.S
    )
    assert match, "docs/testing.md lost its iandw test example"
    case = tmp_path / "case"
    shutil.copytree(ROOT / "rules", case / "rules")
    shutil.copytree(ROOT / "observations", case / "observations")
    rule = case / "rules" / "indicators" / "leadership-meeting-before-attack.yaml"
    text = rule.read_text(encoding="utf-8")
    assert text.count("within: 12w}") == 1
    rule.write_text(text.replace("within: 12w}", "within: 2w}"), encoding="utf-8")
    monkeypatch.chdir(case)
    result = CliRunner().invoke(main, ["test", "--rules", "rules", "observations"])
    assert (result.exit_code, result.output) == (1, match[1])


COUNTED = """\
kind: indicator
id: repeated
title: Sponsor officials met the group twice in the month before its attack
vars:
  sponsor: {type: state}
  group: {type: armed-group}
select:
  meeting:
    type: meeting
    entities: [{of: $sponsor}, {of: $group}]
  attack:
    type: attack
    entities: [{of: $group, role: perpetrator}]
require:
  - {first: meeting, then: attack, within: 30d}
  - {count: meeting, at_least: 2}
likelihood_ratio: 3
tests:
  - name: fires on two meetings in the month before
    bind: {sponsor: iran, group: hamas}
    as_of: 2023-10-08
    observations:
      - {id: m1, type: meeting, date: 2023-09-06, entities: [amir, saleh]}
      - {id: m2, type: meeting, date: 2023-09-28, entities: [amir, saleh]}
      - {id: at, type: attack, date: 2023-10-07, entities: [{entity: hamas, role: perpetrator}]}
    expect: fired
"""


def test_a_count_short_of_its_number_names_the_observation_a_window_dropped(
    project: Callable[[str], str],
) -> None:
    """m1 is 24 + 7 = 31 days before the attack, one past the 30-day window, so the count has m2
    alone.  The failure said only "1 distinct observation … (need 2)": m1 and its window are what
    the author must look at."""
    code, output = run(project(COUNTED))
    assert code == 1
    (failure,) = [line for line in output.splitlines() if "failed:" in line]
    assert "expected fired, got not-fired: nearest miss meeting=m2, attack=at: " in failure
    assert failure.endswith(
        "; not counted: meeting=m1, attack=at: meeting 31 days before attack (wanted 0–30 days before)"
    )
