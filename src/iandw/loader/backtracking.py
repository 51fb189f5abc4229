"""Regexes whose search can take time exponential in the text: a heuristic.

Python's `re` backtracks. A repetition holding a part of variable length
(`(a+)+`, `(\\w+\\.\\w+)+`) can split a text among its iterations in
exponentially many ways, and on a text that almost matches it tries them
all: no bound on the text's length helps. Rules are the analyst's, texts
are untrusted, so a rule author is warned (iandw.loader.lint).

The test reads the tree `re` itself compiles (`re._parser`): a repetition
without upper bound (or of more than MANY iterations) whose part varies in length, unless each iteration is
pinned by a character no repetition in the part can match, at the part's
start or end. It is a heuristic, like `safe-regex`'s star height but
narrower: overlapping alternatives (`(a|aa)+`) are not seen, nor are case-
insensitive flags, and some safe patterns (`(\\s*,\\s*\\w+)*`, whose comma no
repetition matches but which starts and ends with repetitions) are warned of.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_sre: Any = importlib.import_module("re._constants")  # imported by `re` itself: free
_parser: Any = importlib.import_module("re._parser")

_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)  # they backtrack; possessive ones do not
# A repetition of at most MANY iterations splits a text in polynomially many ways, of
# degree MANY at worst (`(?:\w+\W+){0,5}`, "within five words", is fine); `(.*a){20}` is not.
MANY = 10
_CHARACTERS = (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY)


def can_backtrack_exponentially(pattern: str) -> bool:
    """Whether `pattern` (a valid regex) repeats without bound a part that can be split two ways."""
    try:
        return _nested(_parser.parse(pattern))
    except RecursionError:  # hundreds of nested groups: too deep to read, so not known to be safe
        return True


def _nested(tree: Any) -> bool:
    for op, argument in tree:
        if any(_nested(part) for part in _parts(op, argument)):
            return True
        if op in _REPEATS and (argument[1] == _sre.MAXREPEAT or argument[1] > MANY):
            body = list(argument[2])
            while len(body) == 1 and body[0][0] == _sre.SUBPATTERN:  # the group repeated: its content
                body = list(body[0][1][-1])
            if _varies(body) and not _pinned(body):
                return True
    return False


def _parts(op: Any, argument: Any) -> list[Any]:
    """The subtrees of one node."""
    if op in (*_REPEATS, _sre.POSSESSIVE_REPEAT):
        return [argument[2]]
    if op == _sre.SUBPATTERN:
        return [argument[-1]]
    if op == _sre.BRANCH:
        return list(argument[1])
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [argument[1]]
    if op == _sre.ATOMIC_GROUP:
        return [argument]
    if op == _sre.GROUPREF_EXISTS:  # (?(1)yes|no)
        return [part for part in argument[1:] if part is not None]
    return []


def _varies(tree: Any) -> bool:
    """Whether a part holds a backtracking repetition of more than one length (`\\s?` aside)."""
    return any(
        (op in _REPEATS and argument[1] > 1 and argument[0] != argument[1])
        or (op in (_sre.SUBPATTERN, _sre.BRANCH) and any(_varies(part) for part in _parts(op, argument)))
        for op, argument in tree
    )


def _pinned(body: list[Any]) -> bool:
    """Whether each iteration starts or ends with a character no repetition in it can match:
    then iterations cannot trade characters at their joins (`(-[a-z]+)*`, `(\\s[A-Z]{2,})*`)."""
    repeated = _repeated_items(body)
    return any(
        item[0] in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN)
        and not any(_overlap(item, other) for other in repeated)
        for item in body[:1] + body[-1:]
    )


# Characters tried when asking whether two single-character items can match the same one:
# ASCII, and a letter, a digit and spaces of other scripts; the items' own range ends and
# literals are added, so two ranges that overlap are always caught.
_SAMPLES = [*range(128), 0xA0, 0xE9, 0x410, 0x44F, 0x627, 0x663, 0x2028, 0x3000, 0x4E2D]


def _overlap(first: tuple[Any, Any], second: tuple[Any, Any]) -> bool:
    """Whether two single-character items can match one character (tried on samples)."""
    candidates = set(_SAMPLES) | _ends(first) | _ends(second)
    return any(_matches(first, code) and _matches(second, code) for code in candidates)


def _ends(item: tuple[Any, Any]) -> set[int]:
    op, argument = item
    if op in (_sre.LITERAL, _sre.NOT_LITERAL):
        return {argument}
    if op != _sre.IN:
        return set()
    found: set[int] = set()
    for member_op, member in argument:
        if member_op == _sre.LITERAL:
            found.add(member)
        elif member_op == _sre.RANGE:
            found.update(member)
    return found


_CATEGORIES = {
    name: pattern
    for names, pattern in (
        (("CATEGORY_DIGIT", "CATEGORY_UNI_DIGIT"), r"\d"),
        (("CATEGORY_NOT_DIGIT", "CATEGORY_UNI_NOT_DIGIT"), r"\D"),
        (("CATEGORY_SPACE", "CATEGORY_UNI_SPACE"), r"\s"),
        (("CATEGORY_NOT_SPACE", "CATEGORY_UNI_NOT_SPACE"), r"\S"),
        (("CATEGORY_WORD", "CATEGORY_UNI_WORD", "CATEGORY_LOC_WORD"), r"\w"),
        (("CATEGORY_NOT_WORD", "CATEGORY_UNI_NOT_WORD", "CATEGORY_LOC_NOT_WORD"), r"\W"),
    )
    for name in names
}


def _matches(item: tuple[Any, Any], code: int) -> bool:
    """Whether a single-character item can match the character `code` (flags aside)."""
    op, argument = item
    if op == _sre.ANY:
        return code != ord("\n")
    if op == _sre.LITERAL:
        return bool(argument == code)
    if op == _sre.NOT_LITERAL:
        return bool(argument != code)
    negated = any(member_op == _sre.NEGATE for member_op, _ in argument)
    return negated != any(_in_class(member, code) for member in argument)


def _in_class(member: tuple[Any, Any], code: int) -> bool:
    op, argument = member
    if op == _sre.LITERAL:
        return bool(argument == code)
    if op == _sre.RANGE:
        return bool(argument[0] <= code <= argument[1])
    if op == _sre.CATEGORY:
        pattern = _CATEGORIES.get(str(argument))
        return pattern is None or re.fullmatch(pattern, chr(code)) is not None  # unknown: it may
    return op != _sre.NEGATE  # anything else: it may


def _repeated_items(tree: Any) -> list[tuple[Any, Any]]:
    """The single-character items under the backtracking repetitions of a part."""
    found: list[tuple[Any, Any]] = []
    for op, argument in tree:
        if op in _REPEATS:
            found += [item for item in argument[2] if item[0] in _CHARACTERS] + _repeated_items(argument[2])
        elif op in (_sre.SUBPATTERN, _sre.BRANCH):
            for part in _parts(op, argument):
                found += _repeated_items(part)
    return found
