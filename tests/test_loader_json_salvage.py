"""What is read of a JSON text or JSONL line with a syntax error (iandw.loader.json_salvage).

Each expected value is what a JSON parser gives for what is written, worked
out by hand, and positions are counted by hand in the inputs (1-based line
and column).  Only what lies before the error is read, and of that only a
whole value: a key the error cuts short, or one after it, is not read at
all, never read wrong.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from iandw.limits import Limits
from iandw.loader import LoadResult, load
from iandw.loader.json_reader import salvaged


def read(raw: bytes, elements: bool = False, line_offset: int = 0) -> list[tuple[Any, ...]]:
    """(start line, start column, default kind, keys read) of each document salvaged."""
    found = salvaged(raw, "f.json", line_offset, elements)
    return [(item.start.line, item.start.column, item.default_kind, item.data) for item in found]


def load_tree(tmp_tree, monkeypatch, files: dict, limits: Limits | None = None) -> LoadResult:
    root = tmp_tree({"rules/.keep": "", "obs/.keep": "", **files})
    monkeypatch.chdir(root)
    return load(["obs"], rules="rules", limits=limits or Limits())


def errors(result: LoadResult) -> list[tuple[str, int, int, str]]:
    return [(d.file, d.line, d.column, d.message) for d in result.errors]


def assert_errors(result: LoadResult, expected: list[tuple[str, int, int, str]]) -> None:
    """The errors are exactly at these positions, each message starting with its fragment."""
    got = errors(result)
    assert [g[:3] for g in got] == [e[:3] for e in expected], got
    for (*_, message), (*_, fragment) in zip(got, expected, strict=True):
        assert message.startswith(fragment), (message, fragment)


# --- what is read -----------------------------------------------------------------


def test_values_before_the_error_read_as_the_parser_reads_them_and_none_after_it():
    raw = (
        b'{"kind": "entity", "id": "e1", "name": "Al-Qassam \\"Brigades\\"", '
        b'"aliases": ["Caf\\u00e9", "a, b", "x]"] "type": "group"}'
    )
    expected = {
        "kind": "entity",
        "id": "e1",
        "name": 'Al-Qassam "Brigades"',
        "aliases": ["Café", "a, b", "x]"],
    }
    assert read(raw, line_offset=6) == [(7, 1, None, expected)]


def test_a_value_the_error_cuts_short_is_not_read():
    """A list left open, an unknown escape, a line cut off, a raw control character."""
    assert read(b'{"kind": "entity", "id": "e2", "aliases": ["a", "b" "c"]}') == [
        (1, 1, None, {"kind": "entity", "id": "e2"})
    ]
    assert read(b'{"kind": "entity", "id": "e3", "name": "Unit \\q 9"}') == [
        (1, 1, None, {"kind": "entity", "id": "e3"})
    ]
    assert read(b'{"kind": "entity", "id": "e4", "name": "Cut sh') == [
        (1, 1, None, {"kind": "entity", "id": "e4"})
    ]
    assert read(b'{"kind": "entity", "id": "e5", "name": "a\x01b"}') == [
        (1, 1, None, {"kind": "entity", "id": "e5"})
    ]


def test_a_line_cut_after_a_whole_value_keeps_it():
    assert read(b'{"kind": "entity", "id": "e6"') == [(1, 1, None, {"kind": "entity", "id": "e6"})]


def test_a_key_written_twice_is_not_read_whichever_way_it_is_spelt():
    assert read(b'{"kind": "entity", "id": "a", "name": "A", "id": "b"}') == [
        (1, 1, None, {"kind": "entity", "name": "A"})
    ]
    assert read(b'{"kind": "entity", "\\u0069d": "a", "id": "b"}') == [(1, 1, None, {"kind": "entity"})]


def test_a_key_written_with_escapes_is_the_key_it_spells():
    assert read(b'{"\\u006bind": "entity", "id": "k" x}') == [(1, 1, None, {"kind": "entity", "id": "k"})]


def test_values_that_name_nothing_are_not_read():
    """A number, null or true is no name; a list of aliases is read as written, names or not."""
    raw = b'{"kind": "entity", "id": 12, "name": null, "type": true, "aliases": ["A", 1] x'
    assert read(raw) == [(1, 1, None, {"kind": "entity", "aliases": ["A", 1]})]


def test_keys_inside_a_value_are_not_the_documents():
    raw = b'{"attributes": {"kind": "entity", "id": "inner"}, "sources": [{"name": "R"}], "id": "outer" x'
    assert read(raw) == [(1, 1, None, {"id": "outer"})]
    assert read(b'{"attributes": {"kind": "entity", "id": "inner" x') == []


def test_a_record_whole_before_the_error_without_kind_is_an_observation():
    """Records run together by a CR: the first is whole, so it has no kind and is an observation.
    One cut short may have its kind after the error: it has none."""
    assert read(b'{"id": "o1", "type": "meeting"}\r{"id": "o2", "type": "visit"}') == [
        (1, 1, "observation", {"id": "o1", "type": "meeting"})
    ]
    assert read(b'{"id": "o3", "type": "meeting" "date": "2023"}') == [
        (1, 1, None, {"id": "o3", "type": "meeting"})
    ]


def test_a_jsonl_line_holding_a_list_holds_no_document():
    assert read(b'[{"kind": "entity", "id": "x"}, oops]') == []


def test_each_element_of_a_json_list_before_the_error_is_read_apart():
    """Not a string element, nor a list's objects inside an element; nothing after the error."""
    raw = (
        "[\n"
        '  {"kind": "entity", "id": "before", "name": "Before"},\n'
        '  "not a document", [{"id": "nested"}],\n'
        '  {"id": "o1", "type": "meeting", "entities": [{"entity": "x", "role": "r"}]},\n'
        '  {"kind": "entity", "id": "été", "name": "Broken" "type": "group"},\n'
        '  {"kind": "entity", "id": "after"}\n'
        "]\n"
    ).encode()
    found = salvaged(raw, "f.json", 0, elements=True)
    assert [(item.start.line, item.start.column, item.default_kind, item.data) for item in found] == [
        (2, 3, None, {"kind": "entity", "id": "before", "name": "Before"}),
        (4, 3, "observation", {"id": "o1", "type": "meeting"}),
        (5, 3, None, {"kind": "entity", "id": "été", "name": "Broken"}),
    ]
    # '  {"kind": "entity", "id": ' is 27 characters; '"été", "name": ' 15 more (in characters, not bytes)
    assert (found[2].span(("id",)).column, found[2].span(("name",)).column) == (28, 43)


def test_a_json_text_that_parses_but_nests_too_deep_is_read_whole():
    raw = b'{"kind": "entity", "attributes": {"a": [[1]]}, "id": "deep"}'
    assert read(raw) == [(1, 1, None, {"kind": "entity", "id": "deep"})]


# any characters, JSON's own among them
CHARACTERS = st.one_of(st.sampled_from('aZ é"\\/[]{},:\t\n'), st.characters(exclude_categories=("Cs",)))
TEXT = st.text(CHARACTERS, max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
DOCUMENTS = st.fixed_dictionaries(
    {"kind": TEXT, "id": TEXT, "name": TEXT, "aliases": st.lists(TEXT, max_size=3), "type": TEXT},
    optional={"attributes": st.dictionaries(TEXT, JSON_VALUES, max_size=3), "date": JSON_VALUES},
)


@given(document=DOCUMENTS, ascii_only=st.booleans(), order=st.randoms())
def test_whatever_a_json_writer_makes_of_the_keys_reads_back_as_written(document, ascii_only, order):
    """Keys in any order, values of any characters, escaped or not: a line broken after its
    last value reads back each identifying key as it was written."""
    keys = list(document)
    order.shuffle(keys)
    written = json.dumps({key: document[key] for key in keys}, ensure_ascii=ascii_only)
    broken = (written[:-1] + " oops}").encode()
    identifying = {key: document[key] for key in ("kind", "id", "name", "aliases", "type")}
    assert read(broken) == [(1, 1, None, identifying)]


@given(document=DOCUMENTS, ascii_only=st.booleans(), cut=st.floats(0, 1))
def test_a_line_cut_anywhere_reads_only_what_it_wrote(document, ascii_only, cut):
    """Cut off at any byte: each key read is read whole, as written, never a piece of it."""
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()
    found = read(raw[: int(len(raw) * cut)])
    assert len(found) <= 1
    for *_, data in found:
        assert data == {key: document[key] for key in data}


# --- what the checks make of it ----------------------------------------------------

OBSERVATION = (
    '{"id": "o1", "type": "meeting", "date": "2023", '
    '"entities": ["hamas", "Hamas", "Harakat", "iran", "hezbollah"], "sources": [{"name": "x"}]}\n'
)


def test_an_entity_on_a_broken_jsonl_line_is_not_unknown_too(tmp_tree, monkeypatch):
    """Its id, name and alias name it; 'hezbollah', defined nowhere, is still unknown."""
    entities = (
        '{"kind": "entity", "id": "iran", "type": "state"}\n'
        '{"kind": "entity", "id": "hamas", "name": "Hamas", "aliases": ["Harakat"] "type": "group"}\n'
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/entities.jsonl": entities, "obs/o.jsonl": OBSERVATION})
    assert_errors(
        result,
        [
            # '{"kind": "entity", "id": "hamas", "name": "Hamas", "aliases": ["Harakat"] ' is 74 characters
            ("obs/entities.jsonl", 2, 75, "JSON syntax error: expected `,` or `}`"),
            # '{"id": "o1", "type": "meeting", "date": "2023", "entities": ["hamas", "Hamas",
            # "Harakat", "iran", ' is 98 characters
            ("obs/o.jsonl", 1, 99, "unknown entity 'hezbollah'"),
        ],
    )


def test_an_indicator_on_a_broken_jsonl_line_is_not_unknown_to_its_hypothesis(tmp_tree, monkeypatch):
    indicators = '{"kind": "indicator", "id": "trained", "title": "Trained" "select": {}}\n'
    hypothesis = "kind: hypothesis\nid: h\nstatement: S\nindicators: [trained, missing]\n"
    files = {"rules/indicators.jsonl": indicators, "rules/h.yaml": hypothesis}
    result = load_tree(tmp_tree, monkeypatch, files)
    assert_errors(
        result,
        [
            # "indicators: [trained, " is 22 characters
            ("rules/h.yaml", 4, 23, "unknown indicator 'missing'"),
            # '{"kind": "indicator", "id": "trained", "title": "Trained" ' is 58 characters
            ("rules/indicators.jsonl", 1, 59, "JSON syntax error: expected `,` or `}`"),
        ],
    )


def test_a_rule_on_a_broken_line_outside_the_rules_is_refused_at_its_kind(tmp_tree, monkeypatch):
    """As it will be once it parses, so that the fix does not bring a second error."""
    result = load_tree(
        tmp_tree, monkeypatch, {"obs/feed.jsonl": '{"kind": "indicator", "id": "x" "title": "T"}\n'}
    )
    assert_errors(
        result,
        [
            ("obs/feed.jsonl", 1, 10, "a 'indicator' document outside the rules"),
            # '{"kind": "indicator", "id": "x" ' is 32 characters
            ("obs/feed.jsonl", 1, 33, "JSON syntax error: expected `,` or `}`"),
        ],
    )


def test_an_entity_whose_id_is_not_read_leaves_its_names_unknown(tmp_tree, monkeypatch):
    """An id after the error, and an id written twice: neither is read, and a name without its
    id names nothing; the references to them are still errors."""
    entities = (
        '{"kind": "entity", "id": "x", "type": "state"}\n'
        '{"kind": "entity", "name": "Hamas", "type": "group" "id": "hamas"}\n'
        '{"kind": "entity", "id": "iran", "id": "persia", "type": "state"}\n'
    )
    observation = (
        '{"id": "o1", "type": "meeting", "date": "2023", "entities": ["x", "Hamas", "iran", "persia"], '
        '"sources": [{"name": "x"}]}\n'
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/entities.jsonl": entities, "obs/o.jsonl": observation})
    assert_errors(
        result,
        [
            # '{"kind": "entity", "name": "Hamas", "type": "group" ' is 52 characters
            ("obs/entities.jsonl", 2, 53, "JSON syntax error: expected `,` or `}`"),
            # '{"kind": "entity", "id": "iran", ' is 33 characters
            ("obs/entities.jsonl", 3, 34, "duplicate key 'id'"),
            # '{"id": "o1", "type": "meeting", "date": "2023", "entities": ["x", ' is 66 characters;
            # '"Hamas", ' 9 more, '"iran", ' 8 more
            ("obs/o.jsonl", 1, 67, "unknown entity 'Hamas'"),
            ("obs/o.jsonl", 1, 76, "unknown entity 'iran'"),
            ("obs/o.jsonl", 1, 84, "unknown entity 'persia'"),
        ],
    )


def test_the_entities_of_a_broken_json_list_before_its_error_are_not_unknown(tmp_tree, monkeypatch):
    entities = (
        "[\n"
        '  {"kind": "entity", "id": "iran", "type": "state"},\n'
        '  {"kind": "entity", "id": "hamas", "name": "Hamas", "type": "group" "aliases": []},\n'
        '  {"kind": "entity", "id": "hezbollah", "type": "group"}\n'
        "]\n"
    )
    observation = (
        "kind: observation\nid: p\ntype: meeting\ndate: 2023\n"
        "entities: [iran, hamas, Hamas, hezbollah]\nsources: [{name: x}]\n"
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/entities.json": entities, "obs/o.yaml": observation})
    assert_errors(
        result,
        [
            # '  {"kind": "entity", "id": "hamas", "name": "Hamas", "type": "group" ' is 69 characters
            ("obs/entities.json", 3, 70, "JSON syntax error: expected `,` or `}`"),
            # "entities: [iran, hamas, Hamas, " is 31 characters: hezbollah is after the error
            ("obs/o.yaml", 5, 32, "unknown entity 'hezbollah'"),
        ],
    )


def test_a_broken_json_document_is_read_up_to_its_error(tmp_tree, monkeypatch):
    entity = '{\n  "kind": "entity",\n  "id": "hamas",\n  "type": "group"\n  "name": "Harakat"\n}\n'
    observation = (
        "kind: observation\nid: p\ntype: meeting\ndate: 2023\n"
        "entities: [hamas, Harakat]\nsources: [{name: x}]\n"
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/entity.json": entity, "obs/o.yaml": observation})
    assert_errors(
        result,
        [
            ("obs/entity.json", 5, 3, "JSON syntax error: expected `,` or `}`"),
            # "entities: [hamas, " is 18 characters: the name is after the error
            ("obs/o.yaml", 5, 19, "unknown entity 'Harakat'"),
        ],
    )


def test_a_line_too_deep_for_the_limit_still_names_its_entity(tmp_tree, monkeypatch):
    entities = (
        '{"kind": "entity", "id": "deep", "type": "group", "attributes": {"a": [[1]]}, "name": "Deep One"}\n'
    )
    observation = (
        '{"id": "o1", "type": "meeting", "date": "2023", "entities": ["Deep One"], '
        '"sources": [{"name": "x"}]}\n'
    )
    files = {"obs/entities.jsonl": entities, "obs/o.jsonl": observation}
    result = load_tree(tmp_tree, monkeypatch, files, Limits(max_depth=3))
    assert [(d.file, d.line, d.message[:30]) for d in result.errors] == [
        ("obs/entities.jsonl", 1, "nesting deeper than 3 levels; ")
    ]


MiB = 1 << 20


def test_hostile_lines_cost_little_and_end_in_their_syntax_error(tmp_tree, monkeypatch):
    """Lines of a megabyte built to make a scan backtrack, recurse or loop: each is its one
    error, and what could be read of the last two still names their entities."""
    lines = [
        '"' * MiB,  # strings that never close
        '{"kind": "entity", "id": "' + '\\"' * (MiB // 2 - 20),  # an escaped quote, again and again
        '{"kind": "entity", "id": "' + "\\" * (MiB - 30),
        "{" + "".join(f'"k{n}": "v", ' for n in range(MiB // 16)) + "x",  # a key after another
        '{"id": "' + '", "id": "' * (MiB // 12),
        "[" * (MiB - 10),
        '{"kind": "entity", "id": "deep", "x": ' + "[" * (MiB - 40),
        '{"kind": "entity", "id": "wide", "x": [' + "[]," * (MiB // 3 - 20) + "oops",
    ]
    observation = (
        '{"id": "o1", "type": "meeting", "date": "2023", "entities": ["deep", "wide"], '
        '"sources": [{"name": "x"}]}\n'
    )
    feed = "".join(line + "\n" for line in lines)
    started = time.monotonic()
    result = load_tree(tmp_tree, monkeypatch, {"obs/hostile.jsonl": feed, "obs/o.jsonl": observation})
    assert time.monotonic() - started < 30  # a guard against a hang, not a timing assumption
    assert [(d.file, d.line) for d in result.errors] == [("obs/hostile.jsonl", n) for n in range(1, 9)]
    syntax = ("JSON syntax error: ", "duplicate key ", "nesting deeper than the JSON parser allows")
    assert all(d.message.startswith(syntax) for d in result.errors), errors(result)  # none too long
