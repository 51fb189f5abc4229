"""The loader's file handling: formats, discovery, encodings (SPEC §2, §11).

Positions are counted by hand in the inputs (1-based line and column).  The
tests `chdir` into the temporary tree so that diagnostics name files as a
user would see them (`obs/a.yaml`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest

import iandw.loader.read
from iandw.diagnostics import Diagnostic
from iandw.loader import LoadResult, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_tree(tmp_tree, monkeypatch, files: dict, paths=("obs",), rules="rules") -> LoadResult:
    root = tmp_tree({"rules/.keep": "", **files})
    monkeypatch.chdir(root)
    return load(list(paths), rules=rules)


def located(result: LoadResult, severity: str = "error") -> list[tuple[str, int, int, str]]:
    return [(d.file, d.line, d.column, d.message) for d in result.diagnostics if d.severity == severity]


def assert_one(result: LoadResult, file: str, line: int, column: int, fragment: str, severity="error"):
    hits = [
        d
        for d in result.diagnostics
        if (d.file, d.line, d.column, d.severity) == (file, line, column, severity) and fragment in d.message
    ]
    shown = [d.format() for d in result.diagnostics]
    assert hits, f"no {severity} {fragment!r} at {file}:{line}:{column}; got {shown}"


def assert_exactly(result: LoadResult, expected: list[tuple[str, int, int, str]], severity="error"):
    """The diagnostics of `severity` are exactly these positions, each message containing its fragment."""
    got = located(result, severity)
    assert [g[:3] for g in got] == [e[:3] for e in expected], got
    for (*_, message), (*_, fragment) in zip(got, expected, strict=True):
        assert fragment in message, (message, fragment)


def ids(result: LoadResult, kind: str = "observation") -> list[str]:
    return [item.document.id for item in result.loaded.get(kind, [])]


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


# --- YAML: several documents per file ------------------------------------------


def test_yaml_multi_document_file(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        kind: entity
        id: russia
        type: state
        ---
        kind: observation
        id: talks
        type: meeting
        date: 2023-03-16
        entities: [russia]
        sources: [{name: TASS, reliability: Z}]
        ---
        kind: observation
        id: attack
        type: attack
        date: 2023-10-07
        entities: [russia]
        sources: [{name: AP}]
        ---
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/multi.yaml": text})
    # "sources: [{name: TASS, reliability: " is 36 characters
    assert_exactly(
        result,
        [
            (
                "obs/multi.yaml",
                10,
                37,
                "reliability: expected 'A', 'B', 'C', 'D', 'E' or 'F', got the string 'Z'",
            )
        ],
    )
    assert ids(result, "entity") == ["russia"]
    assert ids(result) == ["attack"]  # the trailing '---' is an empty document, ignored


def test_yaml_list_of_documents(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        - kind: observation
          id: first
          type: meeting
          date: 2023-03-16
          sources: [{name: x}]
        - {kind: observation, id: second, type: meeting, date: 2023, sources: [{name: y}]}
        - kind: observation
          id: third
          type: meeting
          date: 2023
          sources: [{name: x, reliability: G}]
        - kind: observation
          id: fourth
          type: meeting
        - 42
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/list.yaml": text})
    assert_exactly(
        result,
        [
            # "  sources: [{name: x, reliability: " is 35 characters
            (
                "obs/list.yaml",
                11,
                36,
                "reliability: expected 'A', 'B', 'C', 'D', 'E' or 'F', got the string 'G'",
            ),
            # a missing key is placed at the mapping that lacks it
            ("obs/list.yaml", 12, 3, "missing required key 'date'"),
            ("obs/list.yaml", 15, 3, "a document must be a mapping with a 'kind', got the number 42"),
        ],
    )
    assert ids(result) == ["first", "second"]


def test_yaml_document_without_kind(tmp_tree, monkeypatch):
    text = "id: nokind\ntype: meeting\ndate: 2023\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/nokind.yaml": text})
    assert_one(result, "obs/nokind.yaml", 1, 1, "missing 'kind': one of 'entity', 'observation'")


# --- JSON and JSON Lines -----------------------------------------------------------


def test_json_single_document_kind_defaults_to_observation(tmp_tree, monkeypatch):
    good = '{"id": "json-ok", "type": "meeting", "date": "2023-03-16", "sources": [{"name": "x"}]}\n'
    bad = textwrap.dedent(
        """\
        {
          "id": "json-one",
          "type": "meeting",
          "date": "2023-03-16",
          "sources": [{"name": "x", "credibility": 9}]
        }
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/good.json": good, "obs/one.json": bad})
    # '  "sources": [{"name": "x", "credibility": ' is 43 characters
    assert_exactly(result, [("obs/one.json", 5, 44, "credibility must be <= 6, got 9")])
    assert ids(result) == ["json-ok"]
    assert result.loaded["observation"][0].document.kind == "observation"


def test_json_list_of_documents(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        [
          {"id": "json-a", "type": "meeting", "date": "2023-03-16", "sources": [{"name": "x"}]},
          {"kind": "entity", "id": "json-entity", "type": "state"},
          {"id": "json-b", "type": "meeting", "date": "2023-02-30"},
          {"id": "json-c", "type": "meeting"},
          {"id": "json-d", "type": "meeting", "date": "2023", "bogus": true}
        ]
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/many.json": text})
    assert_exactly(
        result,
        [
            # '  {"id": "json-b", "type": "meeting", "date": ' is 46 characters
            ("obs/many.json", 4, 47, "date: invalid date '2023-02-30': day 30 does not exist in 2023-02"),
            ("obs/many.json", 5, 3, "missing required key 'date'"),
            # an unknown key is placed at the key: 54 characters before "bogus"
            (
                "obs/many.json",
                6,
                55,
                "unknown key 'bogus'; allowed keys: kind, id, type, date, reported, place, summary, "
                "entities, attributes, sources, note",
            ),
        ],
    )
    assert ids(result) == ["json-a"]
    assert ids(result, "entity") == ["json-entity"]


def test_json_syntax_error_is_located(tmp_tree, monkeypatch):
    text = '{\n  "id": "a",\n  "type": "meeting"\n  "date": "2023"\n}\n'
    result = load_tree(tmp_tree, monkeypatch, {"obs/broken.json": text})
    assert_exactly(result, [("obs/broken.json", 4, 3, "JSON syntax error: expected `,` or `}`")])


def test_json_duplicate_key_is_located(tmp_tree, monkeypatch):
    text = '{\n  "id": "a",\n  "type": "meeting",\n  "id": "b",\n  "date": "2023"\n}\n'
    result = load_tree(tmp_tree, monkeypatch, {"obs/dup.json": text})
    assert_exactly(result, [("obs/dup.json", 4, 3, "duplicate key 'id' (first at line 2)")])


def test_a_key_twice_in_a_json_list_is_an_error_and_every_document_is_still_read(tmp_tree, monkeypatch):
    """As in a YAML list: 'j1' gives 'type' twice (at characters 16 and 85 of its line) and 'j3'
    its id, each an error there, and each read with its last value, as JSON parsers read it, so
    that its other mistakes are found too; 'j2' has an error of its own; 'j5' none, and its
    JSON number 1e-1 stays a number (YAML would read it as text).  The parser stopped at the
    first key given twice, and the whole file was lost, with every other mistake in it."""
    text = (
        "[\n"
        '  {"id": "j1", "type": "meeting", "date": "2023-09-02", "sources": [{"name": "s"}], '
        '"type": "visit"},\n'
        '  {"id": "j2", "type": "meeting", "date": "2023-02-30"},\n'
        '  {"id": "j3", "type": "meeting", "date": "2023-09-02", "id": "j4"},\n'
        '  {"id": "j5", "type": "meeting", "date": "2023-09-02", "attributes": {"n": 1e-1}}\n'
        "]\n"
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/list.json": text})
    assert_exactly(
        result,
        [
            # '  {"id": "j1", ' is 15 characters; '"type": "meeting", "date": "2023-09-02", ' 41 and
            # '"sources": [{"name": "s"}], ' 28 more: 84
            ("obs/list.json", 2, 85, "duplicate key 'type' (first at column 16)"),
            # '  {"id": "j2", "type": "meeting", "date": ' is 42 characters
            ("obs/list.json", 3, 43, "date: invalid date '2023-02-30': day 30 does not exist in 2023-02"),
            # '  {"id": "j3", "type": "meeting", "date": "2023-09-02", ' is 56 characters
            ("obs/list.json", 4, 57, "duplicate key 'id' (first at column 4)"),
        ],
    )
    assert ids(result) == ["j1", "j4", "j5"]
    (j5,) = [o for o in result.case.observations if o.id == "j5"]
    assert j5.document.attributes == {"n": 0.1}


def test_a_jsonl_file_with_cr_line_ends_says_so(tmp_tree, monkeypatch):
    """Lines ended by CR alone run together: the error says why, not only 'trailing characters'."""
    record = '{"id": "a", "type": "meeting", "date": "2023", "sources": [{"name": "x"}]}'
    result = load_tree(
        tmp_tree, monkeypatch, {"obs/cr.jsonl": record + "\r" + record.replace('"a"', '"b"') + "\r"}
    )
    column = len(record) + 2  # past the first record and its CR: where the second begins to trail it
    assert_exactly(
        result,
        [
            (
                "obs/cr.jsonl",
                1,
                column,
                "JSON syntax error: trailing characters (its records are separated by CR alone: "
                "end each line with LF or CRLF)",
            )
        ],
    )


JSONL = (
    '{"id": "a", "type": "meeting", "date": "2023-03-16", "sources": [{"name": "x"}]}\n'
    '{"id": "b", "type": "meeting" "date": "2023"}\n'
    '{"id": "c", "type": "meeting", "date": "2023", "sources": {"name": "x"}}\n'
    "\n"
    '{"id": "d", "type": "meeting", "date": 2023, "sources": [{"name": "x"}]}\n'
    '["not", "an", "object"]\n'
    '{"id": "e", "type": "meeting", "date": "2023-10-06/2023-10-01", "sources": [{"name": "x"}]}\n'
    '{"id": "f", "type": "meeting", "date": "2023", "id": "g"}\n'
    '{"id": "h", "type": "meeting", "date": "2023-10-07", "sources": [{"name": "x"}]}\n'
)


def test_jsonl_bad_lines_are_reported_at_their_line_and_the_others_kept(tmp_tree, monkeypatch):
    result = load_tree(tmp_tree, monkeypatch, {"obs/feed.jsonl": JSONL})
    assert_exactly(
        result,
        [
            # '{"id": "b", "type": "meeting" ' is 30 characters
            ("obs/feed.jsonl", 2, 31, "JSON syntax error: expected `,` or `}`"),
            # '{"id": "c", "type": "meeting", "date": "2023", "sources": ' is 58 characters
            ("obs/feed.jsonl", 3, 59, "sources: expected a list, got a mapping"),
            ("obs/feed.jsonl", 6, 1, "a JSONL line must hold one JSON object"),
            # '{"id": "e", "type": "meeting", "date": ' is 39 characters
            ("obs/feed.jsonl", 7, 40, "date: reversed interval '2023-10-06/2023-10-01'"),
            # '{"id": "f", "type": "meeting", "date": "2023", ' is 47 characters
            ("obs/feed.jsonl", 8, 48, "duplicate key 'id'"),
        ],
    )
    assert ids(result) == ["a", "d", "h"]  # the blank line 4 is skipped but counted
    d = next(record for record in result.case.observations if record.id == "d")
    assert d.document.date == "2023"  # a JSON number is taken as a year


def test_a_date_in_digits_other_than_ascii_is_located_on_either_path(tmp_tree, monkeypatch):
    # 2023-09-01 in Arabic-Indic digits: plain-looking, so JSONL's fast path sees it first
    jsonl = '{"id": "a", "type": "meeting", "date": "٢٠٢٣-٠٩-٠١"}\n'
    yaml = "kind: observation\nid: b\ntype: meeting\ndate: ٢٠٢٣-٠٩-٠١\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/feed.jsonl": jsonl, "obs/b.yaml": yaml})
    assert_exactly(
        result,
        [
            ("obs/b.yaml", 4, 7, "date: invalid EDTF date '٢٠٢٣-٠٩-٠١'"),  # "date: " is 6 characters
            ("obs/feed.jsonl", 1, 40, "date: invalid EDTF date '٢٠٢٣-٠٩-٠١'"),
        ],
    )
    assert ids(result) == []


def test_numbers_that_are_not_finite_are_located(tmp_tree, monkeypatch):
    # 1e400 is valid JSON that reads as infinity; YAML writes infinity and NaN as .inf and .nan
    jsonl = (
        '{"kind": "entity", "id": "e", "type": "state", "name": "E", "attributes": {"size": 1e400}}\n'
        '{"id": "a", "type": "meeting", "date": "2023", "attributes": {"n": -1e999}}\n'
        '{"id": "ok", "type": "meeting", "date": "2023", "attributes": {"n": 1e300}}\n'
    )
    yaml = "kind: observation\nid: b\ntype: meeting\ndate: 2023\nattributes: {n: [1, {m: .nan}]}\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/feed.jsonl": jsonl, "obs/b.yaml": yaml})
    assert_exactly(
        result,
        [
            # "attributes: " is 12 characters
            ("obs/b.yaml", 5, 13, "attributes: numbers must be finite: attributes.n[1].m is nan"),
            # the entity's value 1e400 starts at column 84, the observation's attributes at 62
            ("obs/feed.jsonl", 1, 84, "an attribute value is a string, finite number, boolean or a list"),
            ("obs/feed.jsonl", 2, 62, "attributes: numbers must be finite: attributes.n is -inf"),
        ],
    )
    assert ids(result) == ["ok"]


def test_jsonl_record_limit(tmp_tree, monkeypatch):
    long_line = '{"id": "long", "type": "meeting", "date": "2023", "summary": "' + "y" * 300 + '"}\n'
    text = JSONL.splitlines(keepends=True)[0] + long_line + JSONL.splitlines(keepends=True)[-1]
    root = tmp_tree({"rules/.keep": "", "obs/feed.jsonl": text})
    monkeypatch.chdir(root)
    from iandw.limits import Limits

    result = load(["obs"], rules="rules", limits=Limits(max_record_bytes=120))
    assert_exactly(result, [("obs/feed.jsonl", 2, 1, "record longer than 120 bytes")])
    assert ids(result) == ["a", "h"]


def test_file_size_limit(tmp_tree, monkeypatch):
    from iandw.limits import Limits

    big = "kind: observation\nid: big\ntype: meeting\ndate: 2023\nsummary: " + "x" * 300 + "\n"
    small = "kind: observation\nid: small\ntype: meeting\ndate: 2023\nsources: [{name: x}]\n"
    root = tmp_tree({"rules/.keep": "", "obs/big.yaml": big, "obs/small.yaml": small})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules", limits=Limits(max_file_bytes=200))
    assert len(result.errors) == 1
    assert_one(result, "obs/big.yaml", 1, 1, "larger than the limit of 200")
    assert ids(result) == ["small"]


# --- dates written without quotes ----------------------------------------------------


def test_unquoted_yaml_dates_and_years(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        kind: observation
        id: unquoted
        type: meeting
        date: 2023-03-16
        reported: 2023-03-17
        sources: [{name: x}]
        ---
        kind: observation
        id: year
        type: meeting
        date: 2023
        sources: [{name: x}]
        ---
        kind: observation
        id: month
        type: meeting
        date: 2023-09
        sources: [{name: x}]
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/dates.yaml": text})
    assert result.diagnostics == []
    records = {record.id: record for record in result.case.observations}
    assert records["unquoted"].document.date == "2023-03-16"
    assert records["unquoted"].date.lo == records["unquoted"].date.hi == day("2023-03-16")
    assert records["unquoted"].reported_hi == day("2023-03-17")
    assert records["year"].document.date == "2023"
    assert (records["year"].date.lo, records["year"].date.hi) == (day("2023-01-01"), day("2023-12-31"))
    assert (records["month"].date.lo, records["month"].date.hi) == (day("2023-09-01"), day("2023-09-30"))


def test_quoted_impossible_date(tmp_tree, monkeypatch):
    text = 'kind: observation\nid: x\ntype: meeting\ndate: "2023-02-30"\n'
    result = load_tree(tmp_tree, monkeypatch, {"obs/d.yaml": text})
    assert_exactly(
        result, [("obs/d.yaml", 4, 7, "date: invalid date '2023-02-30': day 30 does not exist in 2023-02")]
    )


# --- discovery -------------------------------------------------------------------


BROKEN = "kind: observation\nid: [unclosed\n"


def observation(id: str) -> str:
    return f"kind: observation\nid: {id}\ntype: meeting\ndate: 2023\nsources: [{{name: x}}]\n"


def test_hidden_files_and_directories_are_skipped(tmp_tree, monkeypatch):
    files = {
        "obs/visible.yaml": observation("visible"),
        "obs/.hidden.yaml": BROKEN,
        "obs/.git/config.yaml": BROKEN,
        "obs/sub/.secret/inner.yaml": BROKEN,
        "obs/sub/shown.yml": observation("shown"),
        "obs/notes.txt": BROKEN,
        "obs/README.md": BROKEN,
    }
    result = load_tree(tmp_tree, monkeypatch, files)
    assert result.diagnostics == []
    assert ids(result) == ["shown", "visible"]


def test_files_are_read_in_sorted_path_order(tmp_tree, monkeypatch):
    files = {  # written in scrambled order
        "obs/b.yaml": observation("b"),
        "obs/c/d.yaml": observation("c-d"),
        "obs/9.yaml": observation("nine"),
        "obs/a.yaml": observation("a"),
        "obs/B.yaml": observation("upper-b"),
        "obs/10.yaml": observation("ten"),
    }
    result = load_tree(tmp_tree, monkeypatch, files)
    assert ids(result) == ["ten", "nine", "upper-b", "a", "b", "c-d"]


def test_duplicate_id_reports_the_later_file(tmp_tree, monkeypatch):
    files = {"obs/z.yaml": observation("same"), "obs/a.yaml": observation("same")}
    result = load_tree(tmp_tree, monkeypatch, files)
    assert_exactly(
        result, [("obs/z.yaml", 2, 5, "duplicate observation id 'same' (first defined at obs/a.yaml:1)")]
    )


def test_same_file_given_twice_is_read_once(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep": "", "obs/a.yaml": observation("a")})
    monkeypatch.chdir(root)
    result = load(["obs", "obs/a.yaml", "./obs/"], rules="rules")
    assert result.diagnostics == []
    assert ids(result) == ["a"]


def test_unsupported_extension_given_explicitly(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep": "", "notes.txt": "hello"})
    monkeypatch.chdir(root)
    result = load(["notes.txt"], rules="rules")
    assert_exactly(
        result, [("notes.txt", 1, 1, "unsupported file type: expected .yaml, .yml, .json, .jsonl")]
    )


def test_directory_symlink_loop_terminates_with_a_warning(tmp_tree):
    root = tmp_tree({"rules/.keep": "", "obs/sub/a.yaml": observation("a")})
    os.symlink("..", os.path.join(root, "obs", "sub", "loop"))  # obs/sub/loop -> obs
    os.symlink(".", os.path.join(root, "obs", "self"))  # obs/self -> obs
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    completed = subprocess.run(
        [sys.executable, "-m", "iandw", "validate", "obs", "--rules", "rules"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stderr.splitlines()
    assert "obs/self:1:1: warning: symlink loop: this directory contains itself; skipped" in lines
    assert "obs/sub/loop:1:1: warning: symlink loop: this directory contains itself; skipped" in lines
    assert "duplicate" not in completed.stderr  # a.yaml is read once
    assert completed.stdout.startswith("read 1 observation: 0 errors")


def test_broken_symlink_is_a_warning(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep": "", "obs/a.yaml": observation("a")})
    os.symlink("nowhere.yaml", os.path.join(root, "obs", "gone.yaml"))
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules")
    assert_exactly(result, [("obs/gone.yaml", 1, 1, "broken symlink; skipped")], "warning")
    assert ids(result) == ["a"]


# --- encodings -----------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def test_utf8_bom_is_accepted(tmp_tree, monkeypatch):
    files = {
        "obs/bom.yaml": BOM + observation("bom-yaml").encode() + b"bogus: 1\n",
        "obs/bom.json": BOM
        + b'{"id": "bom-json", "type": "meeting", "date": "2023", "sources": [{"name": "x"}]}',
        "obs/bom.jsonl": BOM
        + b'{"id": "bom-jsonl", "type": "meeting", "date": "2023", "sources": [{"name": "x"}]}\n',
        "obs/only-bom.yaml": BOM,
    }
    result = load_tree(tmp_tree, monkeypatch, files)
    # the BOM takes no column: the unknown key is on line 6 at column 1
    assert [(d[0], d[1], d[2]) for d in located(result)] == [("obs/bom.yaml", 6, 1)]
    assert ids(result) == ["bom-json", "bom-jsonl"]
    assert_exactly(result, [("obs/only-bom.yaml", 1, 1, "empty file")], "warning")


def test_non_utf8_bytes_are_located(tmp_tree, monkeypatch):
    files = {
        # "summary: café " is 14 characters (é is one character, two bytes)
        "obs/latin1.yaml": "kind: observation\nid: x\nsummary: café ".encode() + b"\xe9t\xe9\n",
        "obs/feed.jsonl": (
            b'{"id": "a", "type": "meeting", "date": "2023", "sources": [{"name": "x"}]}\n'
            b'{"id": "caf\xe9", "type": "meeting"}\n'
            b'{"id": "b", "type": "meeting", "date": "2023", "sources": [{"name": "x"}]}\n'
        ),
        "obs/latin1.json": b'{"id": "x",\n "summary": "\xff"}',
    }
    result = load_tree(tmp_tree, monkeypatch, files)
    message = "not UTF-8: byte 0x{} cannot be decoded (save the file as UTF-8)"
    assert_exactly(
        result,
        [
            ("obs/feed.jsonl", 2, 12, message.format("e9")),
            ("obs/latin1.json", 2, 14, message.format("ff")),
            ("obs/latin1.yaml", 3, 15, message.format("e9")),
        ],
    )
    assert ids(result) == ["a", "b"]


def test_crlf_line_endings_keep_positions(tmp_tree, monkeypatch):
    text = "kind: observation\r\nid: crlf\r\ntype: meeting\r\ndate: 2023\r\nbogus: 1\r\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/crlf.yaml": text})
    assert [(d[0], d[1], d[2]) for d in located(result)] == [("obs/crlf.yaml", 5, 1)]


# --- empty and unreadable files ------------------------------------------------------


@pytest.mark.parametrize("name, text", [("empty.yaml", ""), ("blank.yaml", "  \n\n"), ("empty.json", "")])
def test_empty_file_is_a_warning_not_an_error(tmp_tree, monkeypatch, name, text):
    result = load_tree(tmp_tree, monkeypatch, {f"obs/{name}": text, "obs/a.yaml": observation("a")})
    assert result.ok
    assert_exactly(result, [(f"obs/{name}", 1, 1, "empty file")], "warning")
    assert ids(result) == ["a"]


def test_empty_jsonl_file_is_a_warning(tmp_tree, monkeypatch):
    result = load_tree(tmp_tree, monkeypatch, {"obs/empty.jsonl": ""})
    assert_exactly(result, [("obs/empty.jsonl", 1, 1, "empty file")], "warning")


WIDE_JSONL = "".join(json.dumps({"id": f"w{n}", "type": "meeting", "date": "2023"}) + "\n" for n in range(3))


@pytest.mark.parametrize(
    "encoding, said",
    [
        ("utf-16", "the file is UTF-16 (it starts with a UTF-16 byte-order mark)"),  # as Windows writes it
        ("utf-16-be", "the file looks UTF-16 (its first characters hold NUL bytes)"),
        ("utf-16-le", "the file looks UTF-16 (its first characters hold NUL bytes)"),
        ("utf-32", "the file is UTF-32 (it starts with a UTF-32 byte-order mark)"),
        ("utf-32-be", "the file looks UTF-32 (its first characters hold NUL bytes)"),
    ],
)
@pytest.mark.parametrize("name", ["wide.jsonl", "wide.json", "wide.yaml"])
def test_a_utf16_or_utf32_file_is_one_error_that_says_so(tmp_tree, monkeypatch, encoding, said, name):
    """Not one error per line of a JSONL file, none of which named the encoding."""
    text = WIDE_JSONL if name.endswith(".jsonl") else WIDE_JSONL.splitlines()[0]  # a YAML flow mapping too
    files = {f"obs/{name}": text.encode(encoding), "obs/a.yaml": observation("a")}
    result = load_tree(tmp_tree, monkeypatch, files)
    assert_exactly(result, [(f"obs/{name}", 1, 1, f"not UTF-8: {said}; save it as UTF-8")])
    assert ids(result) == ["a"]


def test_nul_bytes_that_are_not_a_wide_encoding_are_found_where_they_are(tmp_tree, monkeypatch):
    line = json.dumps({"id": "ok", "type": "meeting", "date": "2023"})
    result = load_tree(tmp_tree, monkeypatch, {"obs/feed.jsonl": "a\x00\n" + line + "\n"})
    assert [(d.line, d.column) for d in result.errors] == [(1, 1)]
    assert "NUL" not in result.errors[0].message
    assert ids(result) == ["ok"]


def test_unreadable_file_is_an_error(tmp_tree, monkeypatch):
    root = tmp_tree({"rules/.keep": "", "obs/a.yaml": observation("a"), "obs/secret.yaml": observation("s")})
    secret = os.path.join(root, "obs", "secret.yaml")
    os.chmod(secret, 0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running with privileges that read a chmod 000 file")
        monkeypatch.chdir(root)
        result = load(["obs"], rules="rules")
    finally:
        os.chmod(secret, 0o644)
    assert_exactly(result, [("obs/secret.yaml", 1, 1, "cannot read file: Permission denied")])
    assert ids(result) == ["a"]


@pytest.mark.parametrize("name", ["secret.yaml", "secret.json", "secret.jsonl"])
def test_unreadable_file_is_an_error_simulated(tmp_tree, monkeypatch, name):
    """The same as above for any user: opening the file raises PermissionError."""
    root = tmp_tree({"rules/.keep": "", "obs/a.yaml": observation("a"), f"obs/{name}": "{}"})
    monkeypatch.chdir(root)
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if os.path.basename(str(path)) == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(iandw.loader.read, "open", guarded_open, raising=False)
    result = load(["obs"], rules="rules")
    assert_exactly(result, [(f"obs/{name}", 1, 1, "cannot read file: Permission denied")])
    assert ids(result) == ["a"]


def test_diagnostics_are_sorted_and_unique(tmp_tree, monkeypatch):
    files = {"obs/b.yaml": "kind: observation\nid: B\n", "obs/a.yaml": "kind: observation\nid: A\n"}
    result = load_tree(tmp_tree, monkeypatch, files)
    assert result.diagnostics == sorted(set(result.diagnostics))
    assert all(isinstance(d, Diagnostic) for d in result.diagnostics)
    assert [d.file for d in result.errors] == ["obs/a.yaml"] * 3 + ["obs/b.yaml"] * 3


def test_progress_reports_bytes_read_up_to_the_total(tmp_path, monkeypatch):
    """Long JSONL files report progress within the file, every 4096 lines, and end at the total."""
    monkeypatch.chdir(tmp_path)
    os.mkdir("obs")
    os.mkdir("rules")
    with open("rules/world.yaml", "w", encoding="utf-8") as stream:
        stream.write("kind: entity\nid: hamas\ntype: group\n")
    line = '{"id": "o%05d", "type": "attack", "date": "2023-10-07", "entities": ["hamas"]}\n'
    with open("obs/big.jsonl", "w", encoding="utf-8") as stream:
        stream.writelines(line % number for number in range(10_000))
    total = os.path.getsize("obs/big.jsonl") + os.path.getsize("rules/world.yaml")
    calls: list[tuple[int, int]] = []
    result = load(["obs"], rules="rules", progress=lambda done, whole: calls.append((done, whole)))
    assert result.ok and len(result.case.observations) == 10_000
    assert {whole for _, whole in calls} == {total}
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == total
    # lines 4096 and 8192 start at these offsets (every line is as long as the first)
    width = len(line % 0)
    assert 4095 * width in done and 8191 * width in done


def test_a_jsonl_line_with_many_problems_is_read_again_once(tmp_tree, monkeypatch):
    """Each located problem of a JSONL line needs its source map: 8,000 unknown entities on one
    line took 181 s when the line was read and mapped again for each."""
    from iandw.loader.json_reader import JsonlLine

    names = [f"u{n}" for n in range(50)]
    line = json.dumps({"id": "o1", "type": "meeting", "date": "2023-01-01", "entities": names}) + "\n"
    reads: list[int] = []
    real = JsonlLine.raw

    def counting(self):
        reads.append(self.number)
        return real(self)

    monkeypatch.setattr(JsonlLine, "raw", counting)
    # an entity is loaded, so the unknown ones are said one by one (and not as entities left out)
    entity = "kind: entity\nid: russia\ntype: state\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/feed.jsonl": line, "obs/entities.yaml": entity})
    unknown = [d for d in result.errors if "unknown entity" in d.message]
    assert len(unknown) == 50
    # each name is a quoted string after '"entities": [' and the names before it
    start = line.index('"u0"') + 1
    assert unknown[0].column == start
    assert unknown[-1].column == line.index('"u49"') + 1
    assert reads == [1]


def test_an_unknown_entity_on_many_jsonl_lines_is_located_on_the_first_alone(tmp_tree, monkeypatch):
    """A feed naming an unknown actor on every line is one error, and no line after the one it is
    first on is read again to locate it: 312,028 such references took 46 s, 5 s without.  b.jsonl
    is named first, so read first, yet a.jsonl's first line is where the error is shown."""
    from iandw.loader.json_reader import JsonlLine

    line = (
        '{"id": "%s", "type": "meeting", "date": "2023", "entities": ["nobody"], "sources": [{"name": "x"}]}'
    )
    line += "\n"
    files = {
        "obs/a.jsonl": line % "a1" + line % "a2",
        "obs/b.jsonl": line % "b1" + line % "b2",
        "obs/entities.yaml": "kind: entity\nid: russia\ntype: state\n",
    }
    reads: list[tuple[str, int]] = []
    real = JsonlLine.raw

    def counting(self):
        reads.append((self.file, self.number))
        return real(self)

    monkeypatch.setattr(JsonlLine, "raw", counting)
    result = load_tree(
        tmp_tree, monkeypatch, files, paths=("obs/b.jsonl", "obs/a.jsonl", "obs/entities.yaml")
    )
    # '{"id": "a1", "type": "meeting", "date": "2023", "entities": [' is 61 characters
    assert located(result) == [("obs/a.jsonl", 1, 62, "unknown entity 'nobody' (named 4 times, first here)")]
    assert reads == [("obs/b.jsonl", 1), ("obs/a.jsonl", 1)]


def _line_of(length: int, id: str) -> str:
    """A JSONL observation of exactly `length` bytes (ASCII), its summary padded."""
    bare = f'{{"id": "{id}", "type": "meeting", "date": "2023", "sources": [{{"name": "x"}}], "summary": ""}}'
    return bare[:-2] + "x" * (length - len(bare)) + '"}'


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_line_of_exactly_the_limit_is_read_whatever_ends_it(tmp_tree, monkeypatch, end: str) -> None:
    from iandw.limits import Limits

    lines = [_line_of(200, "at"), _line_of(201, "over"), _line_of(199, "under")]
    assert [len(line) for line in lines] == [200, 201, 199]
    text = end.join(lines) + end + _line_of(200, "last-at") + end + _line_of(201, "last-over")  # no end
    root = tmp_tree({"rules/.keep": "", "obs/feed.jsonl": text})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules", limits=Limits(max_record_bytes=200))
    assert_exactly(
        result,
        [("obs/feed.jsonl", 2, 1, "record longer than 200 bytes"), ("obs/feed.jsonl", 5, 1, "longer")],
    )
    assert ids(result) == ["at", "under", "last-at"]  # in file order


@pytest.mark.parametrize("value", [0, 1.5, True, "64", 1 << 49])
def test_a_limit_is_a_whole_number_from_one(value: object) -> None:
    from iandw.limits import Limits

    with pytest.raises(
        ValueError, match=r"^max_depth must be a whole number from 1 to 281474976710656, not "
    ):
        Limits(max_depth=value)  # type: ignore[arg-type]


def test_a_directory_without_input_files_is_a_warning(tmp_tree, monkeypatch):
    """A directory of CSV exports, or the wrong one, is not read as nothing without a word."""
    files = {"obs/a.yaml": observation("a"), "exports/events.csv": "id\n", "exports/.hidden.yaml": BROKEN}
    result = load_tree(tmp_tree, monkeypatch, files, paths=("obs", "exports"))
    message = "no .yaml, .yml, .json or .jsonl file in this directory"
    assert_exactly(result, [("exports", 1, 1, message)], "warning")
    assert ids(result) == ["a"]
    assert result.ok


def test_an_empty_rules_directory_is_no_warning(tmp_tree, monkeypatch):
    """The way to check observations alone (docs/limits.md)."""
    result = load_tree(tmp_tree, monkeypatch, {"obs/a.yaml": observation("a")})
    assert not [d for d in result.diagnostics if "in this directory" in d.message]
