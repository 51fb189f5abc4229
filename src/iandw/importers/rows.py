"""Untrusted delimited text (GDELT's TSV, ACLED's CSV) as located rows, within bounds.

The `csv` module parses; this module keeps it safe and honest on hostile
input.  Lines are read with a bounded `readline`, and the lines of one row
(a quoted field may span lines) are bounded together, so one enormous line
or row costs at most the limit in memory; bytes that are not UTF-8 are
carried through (`surrogateescape`) and reported on their row instead of
aborting the file; and every problem is a located diagnostic, after which
reading goes on with the next row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TypeVar

from iandw.diagnostics import Diagnostic, Span
from iandw.importers.outcomes import RowError

T = TypeVar("T")

_NOT_UTF8 = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Row:
    """The fields of one row and where it starts."""

    span: Span
    fields: list[str]
    columns: tuple[int, ...] | None  # where each field starts; None for a row of several lines

    def span_at(self, index: int) -> Span:
        """Where field `index` starts (the row's start for a row of several lines)."""
        if self.columns is None:
            return self.span
        return Span(self.span.file, self.span.line, self.columns[index])


def read_rows(
    path: str,
    delimiter: str,
    quoted: bool,
    limit: int,
    advance: Callable[[int], None],
) -> Generator[Row | Diagnostic, None, None]:
    """Every row of a delimited file, or a located error in place of a bad one.

    `quoted` selects CSV quoting (ACLED); without it every character but the
    delimiter and the line end is data (GDELT). `advance` is told how many
    bytes of the file were consumed since it was last called.
    """
    with open(path, "rb") as binary, _field_limit(limit):
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
        lines = _BoundedLines(text, limit, _Quoting(delimiter) if quoted else None)
        reader = csv.reader(
            lines,
            delimiter=delimiter,
            quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
            strict=quoted,
        )
        last = 0
        while True:
            start = lines.start_row()
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                lines.problems.clear()
                # at the row's first line, as every row error; where reading stopped, too
                where = f" (on its line {lines.number})" if lines.number > start else ""
                yield Span(path, start).error(f"malformed row: {exc}{where}")
                continue
            position = binary.tell()
            if position - last >= 1 << 16:
                advance(position - last)
                last = position
            bad = sorted(line for line in lines.problems if start <= line <= lines.number)
            if bad:
                yield Span(path, bad[0]).error(f"unreadable row: {lines.problems[bad[0]]}")
                lines.problems.clear()
                continue
            if fields:
                yield Row(
                    Span(path, start), fields, _columns(fields, lines) if start == lines.number else None
                )
        advance(binary.tell() - last)


def _columns(fields: list[str], lines: _BoundedLines) -> tuple[int, ...]:
    """Where each field of a row of one line starts: after each delimiter, or with quoting,
    after each delimiter outside a quoted field."""
    if lines.quoting is None:
        return tuple(itertools.accumulate((len(field) + 1 for field in fields[:-1]), initial=1))
    return (1, *(offset + 2 for offset in lines.quoting.delimiters))


class _Quoting:
    """Whether the csv reader is inside a quoted field, followed through the text it is given,
    and which delimiters in a line end a field (for where a field of a one-line row starts).

    What a line left out in place of its text must give back: a quoted
    field that spans lines is closed by a quote on a later line, and a quote
    in the middle of an unquoted field is only a character (`5" gun`), so
    counting quotes is not enough.  The csv module's rules for
    QUOTE_MINIMAL with doubled quotes: a quote opens a field only at its
    start; inside, a doubled quote is a quote and a single one closes it.
    """

    START, FIELD, QUOTED, QUOTE_SEEN = range(4)

    def __init__(self, delimiter: str) -> None:
        self._delimiter = delimiter
        self._special = re.compile('["\r\n' + re.escape(delimiter) + "]")
        self.state = self.START
        self.delimiters: list[int] = []  # in the text last fed, the offsets of those that end a field

    @property
    def inside(self) -> bool:
        """At the end of a line: whether a quoted field goes on to the next."""
        return self.state == self.QUOTED

    def feed(self, text: str) -> None:
        state, position = self.state, 0
        self.delimiters = []
        for match in self._special.finditer(text):  # only these characters can change the state
            if match.start() > position:  # ordinary characters first
                state = _AFTER_ORDINARY[state]
            char = match.group()
            if state == self.QUOTED:
                state = self.QUOTE_SEEN if char == '"' else self.QUOTED
            elif char == '"':
                state = {self.START: self.QUOTED, self.QUOTE_SEEN: self.QUOTED}.get(state, self.FIELD)
            else:  # the delimiter or a line end: a new field, or a new row
                state = self.START
                if char == self._delimiter:
                    self.delimiters.append(match.start())
            position = match.end()
        if len(text) > position:
            state = _AFTER_ORDINARY[state]
        self.state = state


# ordinary text: starts a field, stays in one, or follows a closing quote (csv reads on)
_AFTER_ORDINARY = {
    _Quoting.START: _Quoting.FIELD,
    _Quoting.FIELD: _Quoting.FIELD,
    _Quoting.QUOTED: _Quoting.QUOTED,
    _Quoting.QUOTE_SEEN: _Quoting.FIELD,
}


class _BoundedLines:
    """The lines of a file for the csv reader: at most `limit` characters a line, and a row.

    A line longer than the limit is noted in `problems`, and given to the
    reader as a line end, with a quote when the line opened or closed a
    quoted field (`quoting`, for quoted CSV), so that the rows after it stay
    rows.  A line that is not UTF-8 is noted and given with its bad bytes
    replaced.  A row whose lines together are longer (only a quoted field
    spans lines) is noted at its first line and cut short: the rest of it is
    read past, to where its quoted field ends, and the reader is given a
    closing quote in its place.
    """

    def __init__(self, text: io.TextIOWrapper, limit: int, quoting: _Quoting | None) -> None:
        self.text = text
        self.limit = limit
        self.quoting = quoting
        self.number = 0  # lines read so far
        self.problems: dict[int, str] = {}  # line number → why its row cannot be read
        self._row_start = 1
        self._row_size = 0  # characters of the row given to the reader

    def start_row(self) -> int:
        """The reader starts a row at the next line: its number."""
        self._row_start, self._row_size = self.number + 1, 0
        return self._row_start

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._read()
        if not line:
            raise StopIteration
        if self._row_size + len(line.rstrip("\r\n")) <= self.limit:
            self._row_size += len(line)
            return line
        self.problems[self._row_start] = f"row longer than {self.limit} characters"
        while self.quoting is not None and self.quoting.inside:  # the quoted field, and the row, go on
            if not self._read():
                break
        return '"\n'  # ends the quoted field the reader is in, and with it the row

    def _read(self) -> str:
        """The next line as the reader is to see it ('' at the end of the file)."""
        line = self.text.readline(self.limit + 1)
        if not line:
            return ""
        self.number += 1
        if len(line) > self.limit and not line.endswith(("\n", "\r")):
            was_inside = self._feed(line)
            while line and not line.endswith(("\n", "\r")):  # drain the rest of the long line
                line = self.text.readline(self.limit)
                self._feed(line)
            self.problems[self.number] = f"line longer than {self.limit} characters"
            # a quote if the line opened or closed a quoted field: the rows after it stay rows
            return '"\n' if self.quoting is not None and self.quoting.inside != was_inside else "\n"
        if _NOT_UTF8.search(line):
            self.problems[self.number] = "bytes that are not UTF-8 (save the file as UTF-8)"
            line = _NOT_UTF8.sub("\ufffd", line)  # its row is refused; its quotes still count
        self._feed(line)
        return line

    def _feed(self, text: str) -> bool:
        """Follow `text` through the quoting; whether a quoted field was open before it."""
        if self.quoting is None:
            return False
        was_inside = self.quoting.inside
        self.quoting.feed(text)
        return was_inside


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Bound the size of one field while reading (a process-wide csv setting)."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


class NotA(ValueError):
    """A field that is not what its column holds; the message says what it holds ('a count')."""


def read_field(column: str, text: str, read: Callable[[str], T]) -> T:
    """The field of `column` as `read` reads it; one it cannot read is its row's error, at the field."""
    try:
        return read(text)
    except NotA as exc:
        raise RowError("bad number", f"{column} {text!r} is not {exc}", field=column) from None


def finite(text: str) -> float:
    """A field read as a number JSON can hold: NaN and infinity are errors too."""
    try:
        value = float(text)
    except ValueError:
        raise NotA("a number") from None
    if not math.isfinite(value):
        raise NotA("a number")
    return value


def count(text: str) -> int:
    """A field read as a count (mentions, fatalities): a whole number from 0, in ASCII digits."""
    value = _digits(text)
    if value is None:
        too_long = text.isascii() and text.isdigit()  # a whole number, longer than `int` reads
        raise NotA("a count of at most 4,300 digits" if too_long else "a count (a whole number from 0)")
    return value


def within(low: int, high: int, what: str) -> Callable[[str], int]:
    """A field read as a count from `low` to `high`, named `what` when it is not one."""

    def read(text: str) -> int:
        value = _digits(text)
        if value is None or not low <= value <= high:
            raise NotA(f"{what} ({low} to {high})")
        return value

    return read


def _digits(text: str) -> int | None:
    """The number ASCII digits write; None for anything else (a sign, a space, '٣'), and for
    more digits than Python converts (4,300: `int` raises ValueError past them)."""
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:
        return None
