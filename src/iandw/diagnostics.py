"""Diagnostics are values, collected and returned, never thrown through layers.

Every problem a user can cause is reported as one `Diagnostic` with a file,
a 1-based line and column, a severity and a message, so that a rule author can
jump straight to it and so that one bad file never hides another's problems.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


MESSAGE_CHARS = 1_000  # the longest message a diagnostic line shows


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One located problem; ordering is by file, then position, then text."""

    file: str
    line: int
    column: int
    severity: Severity
    message: str

    def format(self) -> str:
        """`path:line:column: severity: message`, always one line, and not a megabyte long.

        A message quotes what the user wrote (`unknown entity '…'`), which an
        untrusted file can make any length; the JSON form keeps it whole.
        """
        message = one_line(self.message)
        if len(message) > MESSAGE_CHARS:
            message = f"{message[:MESSAGE_CHARS]}… ({len(message) - MESSAGE_CHARS:,} more characters)"
        return f"{one_line(shown(self.file))}:{self.line}:{self.column}: {self.severity}: {message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True, order=True)
class Span:
    """A position in a file: 1-based line and column; ordered as diagnostics are."""

    file: str
    line: int = 1
    column: int = 1

    def error(self, message: str) -> Diagnostic:
        return Diagnostic(self.file, self.line, self.column, "error", message)

    def warning(self, message: str) -> Diagnostic:
        return Diagnostic(self.file, self.line, self.column, "warning", message)


class InputChanged(Exception):
    """A file no longer holds what was read from it: it changed while iandw ran.

    Raised, not returned, unlike every other problem: it is found where a
    document read earlier is needed again (a JSONL line is read twice, once
    to check it and again to show or test it), and nothing computed from a
    file that changed in between could be trusted.  The command reports
    its diagnostic and exits 2.
    """

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


# C0, DEL and C1 controls (a terminal acts on ESC and CSI), the Unicode line and
# paragraph separators (which end a line as a newline does), the bidirectional
# embeddings, overrides and isolates (which reorder what follows them on the line:
# a report line could be made to read otherwise than it is), and the invisible
# zero-width space, word joiner and byte-order mark (which make two names look
# alike).  The joiners ZWJ and ZWNJ and the marks LRM, RLM and ALM stay: Persian
# and Arabic names are written with them, and a mark moves only the neutral
# characters (spaces, punctuation, digits) next to it, never a whole line.
_CONTROL = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [
        *range(0x20),
        *range(0x7F, 0xA0),
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200B,
        0x2060,
        0xFEFF,
    ]
} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


_LAYOUT = (0x09, 0x0A, 0x0D)
_HIDDEN = {code: escape for code, escape in _CONTROL.items() if code not in _LAYOUT}


def shown(path: str) -> str:
    """A path as text any output can hold: bytes of a name that are not UTF-8 as '\\xff' escapes.

    Python reads such names with lone surrogates, which UTF-8 output cannot
    encode; the real name is still what is opened.
    """
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate no file name holds: written as it is
        return path


def one_line(text: str) -> str:
    """Inert on a terminal and one line: control characters (a newline in a user's key, say) as escapes."""
    return text.translate(_CONTROL)


def visible(text: str) -> str:
    """`one_line` for a page that lays text out itself: tabs and newlines stay, as mere spaces there."""
    return text.translate(_HIDDEN)


def quoted_start(text: str, chars: int) -> str:
    """`text` quoted, or its first `chars` characters quoted and an ellipsis: a message
    quotes what it refuses, which an untrusted input can make any length."""
    return repr(text) if len(text) <= chars else f"{text[:chars]!r}…"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


# difflib's similarity a suggestion needs.  Its default, 0.6, offered 'invitation' for
# 'designation' (0.67), which invites a wrong fix: a typo in a word of five letters or more
# (a letter dropped, doubled or swapped) scores 0.75 and more.  In a shorter word one typo
# costs more of the score ('aa' for 'a', 'teh' for 'the': 0.67), so there the default holds.
SUGGEST_CUTOFF = 0.75
SHORT_WORD = 4


def suggest(word: str, known: Iterable[str]) -> list[str]:
    """The three closest known words at most, for 'did you mean …' hints."""
    cutoff = 0.6 if len(word) <= SHORT_WORD else SUGGEST_CUTOFF
    return difflib.get_close_matches(word, sorted(set(known)), n=3, cutoff=cutoff)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or '' when nothing is close."""
    close = suggest(word, known)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


_PLURALS = {
    "entity": "entities",
    "hypothesis": "hypotheses",
    "scoring": "scoring",
    "match": "matches",
    "miss": "misses",
}


def counted(count: int, noun: str) -> str:
    """'1 error', '2 errors', '3 entities', '1,234 new entities': a count with its noun, the
    noun's last word made plural, for messages and reports."""
    if count == 1:
        return f"1 {noun}"
    before, space, last = noun.rpartition(" ")
    return f"{count:,} {before}{space}{_PLURALS.get(last, last + 's')}"


LISTED = 5  # items a message lists before it counts the rest


def first_few(items: Sequence[str]) -> str:
    """'a, b, c, d, e and 9,995 more': a message about untrusted input stays short however much there is."""
    more = f" and {len(items) - LISTED:,} more" if len(items) > LISTED else ""
    return ", ".join(items[:LISTED]) + more


def quoted_list(words: Iterable[str]) -> str:
    return ", ".join(repr(w) for w in words)
