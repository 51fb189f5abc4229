"""Bounded CSV reading (iandw.importers.rows) against Python's own csv module.

A row longer than the limit (a line of it, or its lines together) is
refused; every other row must come out exactly as `csv.reader` reads the
whole file, whatever the refused rows held: quoted fields over several
lines, doubled quotes, a quote in the middle of an unquoted field (`5" gun`,
only a character there).  The expectation is csv's reading of the text,
with the rows whose text is over the limit taken out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iandw.diagnostics import Diagnostic
from iandw.importers.rows import NotA, count, read_rows, within

LIMIT = 40

plain = st.text(alphabet="ab \"'", max_size=60).filter(lambda text: not text.startswith('"'))
quoted = st.text(alphabet='ab ,"\n', max_size=60).map(lambda text: '"' + text.replace('"', '""') + '"')
rows = st.lists(
    st.lists(st.one_of(plain, quoted), min_size=1, max_size=4).map(",".join), min_size=1, max_size=8
)


def refused(row: str) -> bool:
    """Over the limit: the row's text, without the line end that closes it."""
    return len(row) > LIMIT


@settings(max_examples=400, deadline=None)
@given(rows)
def test_rows_under_the_limit_are_read_as_csv_reads_them(tmp_path_factory, written: list[str]) -> None:
    written = [row for row in written if next(csv.reader(io.StringIO(row + "\n")), [])]  # no blank rows
    text = "".join(row + "\n" for row in written)
    path = Path(tmp_path_factory.mktemp("rows")) / "rows.csv"
    path.write_text(text, encoding="utf-8", newline="")
    expected = [
        None if refused(row) else fields
        for row, fields in zip(written, csv.reader(io.StringIO(text), strict=True), strict=True)
    ]
    got = [
        None if isinstance(item, Diagnostic) else item.fields
        for item in read_rows(str(path), ",", quoted=True, limit=LIMIT, advance=lambda _: None)
    ]
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(rows)
def test_each_field_of_a_row_of_one_line_is_located_where_it_starts(
    tmp_path_factory, written: list[str]
) -> None:
    """csv reading the row's line from a field's column reads that field first: a comma inside
    quotes or a doubled quote moves the columns after it as the text does."""
    path = Path(tmp_path_factory.mktemp("rows")) / "rows.csv"
    path.write_text("".join(row + "\n" for row in written), encoding="utf-8", newline="")
    lines = path.read_text(encoding="utf-8").splitlines()
    for item in read_rows(str(path), ",", quoted=True, limit=LIMIT, advance=lambda _: None):
        if isinstance(item, Diagnostic) or item.columns is None:
            continue
        line = lines[item.span.line - 1]
        assert len(item.columns) == len(item.fields)
        for field, column in zip(item.fields, item.columns, strict=True):
            assert (next(csv.reader([line[column - 1 :]])) or [""])[0] == field  # nothing after: ''


def test_columns_of_quoted_and_unquoted_rows(tmp_path: Path) -> None:
    """`a,"b,c",d`: d starts at 9, the comma in quotes starts no field; `"x""y",5" gun,w`: a
    doubled quote is two characters, a quote inside a field one; a row of two lines has no columns."""
    path = tmp_path / "rows.csv"
    path.write_text('a,"b,c",d\n"x""y",5" gun,"\nz",w\n"x""y",5" gun,w\n', encoding="utf-8", newline="")
    got = [
        (item.span.line, item.fields, item.columns)
        for item in read_rows(str(path), ",", quoted=True, limit=LIMIT, advance=lambda _: None)
        if not isinstance(item, Diagnostic)
    ]
    assert got == [
        (1, ["a", "b,c", "d"], (1, 3, 9)),
        (2, ['x"y', '5" gun', "\nz", "w"], None),
        (4, ['x"y', '5" gun', "w"], (1, 8, 15)),
    ]
    # without quoting (GDELT) a quote is a character like any other
    path.write_text('a\t"b\tc\n', encoding="utf-8", newline="")
    (row,) = read_rows(str(path), "\t", quoted=False, limit=LIMIT, advance=lambda _: None)
    assert not isinstance(row, Diagnostic)
    assert (row.fields, row.columns) == (["a", '"b', "c"], (1, 3, 6))


def test_a_doubled_quote_cut_by_the_limit_and_a_quote_inside_a_long_unquoted_field(tmp_path: Path) -> None:
    """Two cases a count of quotes got wrong: a doubled quote straddling the point where a long
    line is cut, and a quote in the middle of an unquoted field of a long line."""
    # the line is read 41 characters at a time: 40 b's and the first quote of the pair
    straddle = 'x1,"multi\n' + "b" * 40 + '""' + "b" * 10 + "\n" + "c" * 30 + '\nx666,injected\nend"\nx2,ok\n'
    literal = 'x1,a 5" gun ' + "z" * 50 + "\nx2,ok\nx3,ok\n"
    for text, rows_read in ((straddle, [None, ["x2", "ok"]]), (literal, [None, ["x2", "ok"], ["x3", "ok"]])):
        path = tmp_path / "rows.csv"
        path.write_text(text, encoding="utf-8", newline="")
        got = [
            None if isinstance(item, Diagnostic) else item.fields
            for item in read_rows(str(path), ",", quoted=True, limit=LIMIT, advance=lambda _: None)
        ]
        assert got == rows_read, text


def test_a_malformed_row_is_reported_at_its_first_line(tmp_path: Path) -> None:
    """`"x⏎y"z`: the quoted field opened on line 2 closes on line 3, where `z` follows its quote."""
    path = tmp_path / "rows.csv"
    path.write_text('a,b\n"x\ny"z,1\nok,2\n', encoding="utf-8", newline="")
    got = list(read_rows(str(path), ",", quoted=True, limit=LIMIT, advance=lambda _: None))
    assert [item.fields for item in got if not isinstance(item, Diagnostic)] == [["a", "b"], ["ok", "2"]]
    (error,) = [item for item in got if isinstance(item, Diagnostic)]
    assert (error.line, error.message) == (2, "malformed row: ',' expected after '\"' (on its line 3)")


@pytest.mark.parametrize("reader", [count, within(1, 4, "a quad class")])
def test_a_count_of_more_digits_than_python_converts_is_not_a_count(reader: Callable[[str], int]) -> None:
    """`int` raises ValueError past 4,300 digits: it escaped the readers, which the importers
    catch as NotA only, and the import ended with an internal error."""
    with pytest.raises(NotA):
        reader("9" * 5000)
    assert reader("3") == 3


def test_a_count_too_long_to_read_says_so_not_that_it_is_no_whole_number() -> None:
    with pytest.raises(NotA, match=r"^a count of at most 4,300 digits$"):
        count("9" * 5000)
    with pytest.raises(NotA, match=r"^a count \(a whole number from 0\)$"):
        count("-1")
