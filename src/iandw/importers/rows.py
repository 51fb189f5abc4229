"""Untrusted delimited text (GDELT's TSV, ACLED's CSV) as located rows, within bounds.

The `csv` module parses; this module keeps it safe and honest on hostile
input.  Lines are read with a bounded `readline`, so one enormous line costs
at most the limit in memory; fields are bounded by `csv.field_size_limit`;
bytes that are not UTF-8 are carried through (`surrogateescape`) and reported
on their row instead of aborting the file; and every problem is a located
diagnostic, after which reading goes on with the next row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iandw.diagnostics import Diagnostic, Span

_NOT_UTF8 = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Row:
    """The fields of one row and where it starts."""

    span: Span
    fields: list[str]
    exact_columns: bool  # unquoted single-line rows: each field's column is known

    def span_at(self, index: int) -> Span:
        """Where field `index` starts (the row's start when columns are not exact)."""
        if not self.exact_columns:
            return self.span
        column = 1 + sum(len(field) + 1 for field in self.fields[:index])
        return Span(self.span.file, self.span.line, column)


def read_rows(
    path: str,
    delimiter: str,
    quoted: bool,
    limit: int,
    advance: Callable[[int], None],
) -> Iterator[Row | Diagnostic]:
    """Every row of a delimited file, or a located error in place of a bad one.

    `quoted` selects CSV quoting (ACLED); without it every character but the
    delimiter and the line end is data (GDELT). `advance` is told how many
    bytes of the file were consumed since it was last called.
    """
    with open(path, "rb") as binary, _field_limit(limit):
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
        problems: dict[int, str] = {}
        lines = _bounded_lines(text, limit, problems)
        reader = csv.reader(
            lines,
            delimiter=delimiter,
            quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
            strict=quoted,
        )
        position = last = 0
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.clear()
                yield Span(path, reader.line_num).error(f"malformed row: {exc}")
                continue
            position = binary.tell()
            if position - last >= 1 << 16:
                advance(position - last)
                last = position
            bad = sorted(line for line in problems if start <= line <= reader.line_num)
            if bad:
                yield Span(path, bad[0]).error(f"unreadable row: {problems[bad[0]]}")
                problems.clear()
                continue
            if fields:
                yield Row(Span(path, start), fields, not quoted and start == reader.line_num)
        advance(binary.tell() - last)


def _bounded_lines(text: io.TextIOWrapper, limit: int, problems: dict[int, str]) -> Iterator[str]:
    """Lines of at most `limit` characters; a longer or non-UTF-8 line is noted and blanked."""
    number = 0
    while True:
        line = text.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(("\n", "\r")):
            while line and not line.endswith(("\n", "\r")):  # drain the rest of the long line
                line = text.readline(limit)
            problems[number] = f"line longer than {limit} characters"
            yield "\n"
        elif _NOT_UTF8.search(line):
            problems[number] = "bytes that are not UTF-8 (save the file as UTF-8)"
            yield "\n"
        else:
            yield line


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Bound the size of one field while reading (a process-wide csv setting)."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def finite(text: str) -> float:
    """A field read as a number JSON can hold: NaN and infinity are errors too."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value
