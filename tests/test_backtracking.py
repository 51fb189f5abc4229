"""The warning for regexes whose search can take time exponential in the text.

Each pattern is classified by hand: "exponential" where a text of a few dozen
characters that almost matches makes Python's `re` try exponentially many
splits of it among the repetitions (`(a+)+$` on "aaaa…b"), "safe" where each
character can be taken by one repetition only, or nothing gives characters
back (possessive and atomic forms).
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from iandw.loader import load
from iandw.loader.backtracking import can_backtrack_exponentially

EXPONENTIAL = [
    r"(a+)+$",
    r"(\w+\s?)*$",
    r"((a+)|b)+",  # through an alternative
    r"(?=(x+x+)+y)",  # inside a lookahead
    r"(\w+\.\w+)+$",  # the dot is fixed, but the words of two iterations meet
    r"^(\w+-\w+)+$",
    r"(?:[a-z]+ [a-z]+)+$",
    r"(a*a)+$",  # the fixed 'a' is also repeated
    r"(.+ )+$",  # '.' takes the space too
    r"(.*,)+$",
    r"(a)?(?(1)(b+)+|c)$",  # inside a conditional
    r"(-[^a]+)+$",  # '[^a]' takes '-'
    r"(.*a){20}c",  # bounded, but twenty iterations: a polynomial of degree 20
    r"(\w[\w-]*)+ minister",
    r"(.*?a){3,}b",
]
SAFE = [
    r"\w+ minister",
    r"(a+)++",  # possessive
    r"((?>a+))+",  # atomic
    r"((?>\w+)\s?)*$",
    r"(?:\w++\s?)*$",
    r"[a-z]+(-[a-z]+)*",  # every iteration starts with a '-' no repetition takes
    r"(-\w+)+",
    r"(-[^-]+)+",
    r"(\d{4}-)+",  # fixed length
    r"(foo|bar)+",
    r"(?:\w+\W+){0,5}minister",  # bounded: at most five iterations
    r"(?i)minist(er|ry)",
    r"\b[A-Z][a-z]+(?:[-'][A-Z][a-z]+)*\b",  # hyphens and apostrophes no letter class takes
    r"[А-Яа-яЁё]+(?:[\s-][А-Яа-яЁё]+)*",
    r"\b[A-Z]{2,}(?:\s[A-Z]{2,})*\b",
]


@pytest.mark.parametrize("pattern", EXPONENTIAL)
def test_exponential_patterns_are_recognised(pattern: str) -> None:
    assert can_backtrack_exponentially(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_are_not(pattern: str) -> None:
    assert not can_backtrack_exponentially(pattern)


def test_a_pattern_too_deep_to_read_is_not_known_to_be_safe() -> None:
    pattern = "(?:" * 150 + "a" + ")" * 150  # `re` compiles it; read with less stack than usual
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        assert can_backtrack_exponentially(pattern)
    finally:
        sys.setrecursionlimit(limit)


RULE = textwrap.dedent(
    r"""
    kind: indicator
    id: speech
    title: a minister named in the summary
    select:
      said:
        type: statement
        where:
          summary: {matches: '(\w+\s?)*minister$'}
    likelihood_ratio: 2
    """
)


def test_the_rule_author_is_warned_at_the_regex(tmp_tree, monkeypatch) -> None:
    root = tmp_tree({"rules/rules.yaml": RULE, "obs/o.yaml": "# none\n"})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules")
    assert result.errors == []
    located = [
        (d.file, d.line, d.column, d.message) for d in result.warnings if "regular expression" in d.message
    ]
    # line 9 (the text starts with a newline) is "      summary: {matches: '…'}": the value at column 26
    assert [(file, line, column) for file, line, column, _ in located] == [("rules/rules.yaml", 9, 26)]
    assert located[0][3].startswith(
        r"regular expression '(\w+\s?)*minister$' repeats a part that can be split"
    )
