"""What is read of a YAML document with a syntax error (iandw.loader.salvage).

Each expected value is the string a YAML parser gives for what is written,
worked out by hand; where a key's own lines do not parse alone, it is not
read at all, never read wrong.
"""

from __future__ import annotations

import textwrap
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from iandw.limits import Limits
from iandw.loader.salvage import salvage
from iandw.loader.yaml_reader import read_alone


def salvaged(chunk: str, line_offset: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """(first line, keys read) of each document salvaged from the chunk."""

    def read(text: str, offset: int) -> Any:
        return read_alone(text, "f.yaml", Limits(), offset)

    return [(item.start.line, item.data) for item in salvage(chunk, "f.yaml", line_offset, read)]


def test_quoted_values_read_as_yaml_reads_them():
    chunk = textwrap.dedent(
        """\
        - kind: entity
          id: e1
          name: "Al-Qassam \\"Brigades\\""
        - kind: entity
          id: e2
          name: 'it''s'  # a quote doubled
        - kind: entity
          id: e3
          name: "Caf\\u00e9 \\x41\\tB"
        - kind: entity
          id: e4
          name: "Unit # 9"  # the ninth
          aliases: ["Desk # 4", 'x, y', "a\\"b"]
        - kind: entity
          id: e5
          name: 'Line\x85Two'
        \tnote: tab
        """
    )
    assert salvaged(chunk) == [
        (1, {"kind": "entity", "id": "e1", "name": 'Al-Qassam "Brigades"'}),
        (4, {"kind": "entity", "id": "e2", "name": "it's"}),
        (7, {"kind": "entity", "id": "e3", "name": "Café A\tB"}),
        (10, {"kind": "entity", "id": "e4", "name": "Unit # 9", "aliases": ["Desk # 4", "x, y", 'a"b']}),
        # NEL (U+0085) breaks a line in YAML 1.1, and a line break in quotes folds to a space
        (14, {"kind": "entity", "id": "e5", "name": "Line Two"}),
    ]


def test_values_over_several_lines_read_whole():
    """A plain name folded onto the next line, a block list of aliases in the key's column
    and a folded block scalar: each read as the parser joins it, up to the tab line."""
    chunk = textwrap.dedent(
        """\
        --- # the corps
        kind: entity
        id: irgc
        name: Islamic Revolutionary
          Guard Corps
        aliases:
        - IRGC
        - Sepah  # in Persian

        type: >-
          state
          organ
        \tnote: tab
        """
    )
    assert salvaged(chunk, line_offset=10) == [
        (
            12,
            {
                "kind": "entity",
                "id": "irgc",
                "name": "Islamic Revolutionary Guard Corps",
                "aliases": ["IRGC", "Sepah"],
                "type": "state organ",
            },
        )
    ]


def test_an_anchor_is_read_through_and_an_alias_to_another_key_is_not_guessed():
    chunk = textwrap.dedent(
        """\
        - kind: entity
          id: wagner
          name: &wg Wagner Group
          aliases:
            - PMC Wagner
            - *wg
        - kind: entity
          id: x
        \tnote: tab
        """
    )
    assert salvaged(chunk) == [
        (1, {"kind": "entity", "id": "wagner", "name": "Wagner Group"}),
        (7, {"kind": "entity", "id": "x"}),
    ]


def test_a_key_whose_lines_do_not_parse_alone_is_not_read():
    """An unknown escape, a list left open, and a value followed by a deeper key: no name, no
    aliases, no type, rather than the text as written."""
    chunk = 'kind: entity\nid: e5\nname: "Unit \\q 9"\naliases: [a, b\ntype: group\n  sub: 1\n'
    assert salvaged(chunk) == [(1, {"kind": "entity", "id": "e5"})]


def test_values_that_are_not_text_are_what_the_parser_makes_of_them():
    chunk = "kind: entity\nid: yes\nname: null\ntype: 2023\naliases: [1, Foo]\n\tnote: tab\n"
    assert salvaged(chunk) == [(1, {"kind": "entity", "id": True, "type": 2023, "aliases": [1, "Foo"]})]


def test_documents_written_as_flow_mappings_are_read():
    chunk = textwrap.dedent(
        """\
        - {kind: entity, id: russia, type: state}
        - {kind: entity, id: ukraine, type: state,
           name: "Ukraine # UA"}
        - {kind: entity, id: open, type: state
        -
          kind: entity
          id: bad
        \tnote: tab
        """
    )
    assert salvaged(chunk) == [
        (1, {"kind": "entity", "id": "russia", "type": "state"}),
        (2, {"kind": "entity", "id": "ukraine", "type": "state", "name": "Ukraine # UA"}),
        (5, {"kind": "entity", "id": "bad"}),
    ]


def test_a_document_written_as_one_flow_mapping_is_read():
    chunk = "{kind: entity, id: solo, name: 'Solo # 1'}\n\tnote: tab\n"
    assert salvaged(chunk) == [(1, {"kind": "entity", "id": "solo", "name": "Solo # 1"})]


def test_a_list_whose_first_element_opens_with_a_bare_dash_is_a_list():
    chunk = "-\n  kind: entity\n  id: first\n- kind: entity\n  id: second\n\tnote: tab\n"
    assert salvaged(chunk) == [
        (1, {"kind": "entity", "id": "first"}),
        (4, {"kind": "entity", "id": "second"}),
    ]


def test_deep_nesting_in_a_broken_document_is_not_read_and_does_not_crash():
    chunk = "kind: entity\nid: deep\naliases: " + "[" * 20000 + "\n\tnote: tab\n"
    assert salvaged(chunk) == [(1, {"kind": "entity", "id": "deep"})]


# YAML's indicators and a few letters, or any character at all
CHARACTERS = st.one_of(
    st.sampled_from("aZ é#:'\"\\-,[]{}&*!|>%@`"), st.characters(exclude_categories=("Cs",))
)
NAMES = st.text(CHARACTERS, min_size=1, max_size=30)


@given(
    documents=st.lists(st.tuples(NAMES, st.lists(NAMES, max_size=3)), min_size=1, max_size=4),
    as_list=st.booleans(),
    width=st.integers(10, 120),
    allow_unicode=st.booleans(),
    flow=st.sampled_from([False, None]),
)
def test_whatever_a_yaml_writer_makes_of_a_name_reads_back_as_the_name(
    documents, as_list, width, allow_unicode, flow
):
    """Names of any characters, written by PyYAML in whatever style they need (plain, quoted
    with escapes, folded over lines), in a file broken by a tab after them, read as the same
    file reads without the tab (mostly the name written: not a NEL, which YAML reads as a
    line break).  U+2028 and U+2029 break lines for YAML 1.1 but not for the salvage, which
    may then leave a name unread, never read it wrong."""
    entities = [
        {"kind": "entity", "id": f"e{index}", "name": name, "aliases": aliases}
        for index, (name, aliases) in enumerate(documents)
    ]
    options = {"width": width, "allow_unicode": allow_unicode, "default_flow_style": flow}
    written = yaml.safe_dump(entities if as_list else entities[0], **options)
    whole = read_alone(written, "f.yaml", Limits(), 0)
    assert whole is not None
    expected = whole[0] if as_list else [whole[0]]
    broken = written + "\tnote: tab\n"
    assert read_alone(broken, "f.yaml", Limits(), 0) is None  # broken indeed
    found = [data for _, data in salvaged(broken)]
    if "\u2028" in written or "\u2029" in written:
        assert len(found) == len(expected)
        for data, whole_data in zip(found, expected, strict=True):
            assert data == {key: value for key, value in whole_data.items() if key in data}
    else:
        assert found == expected
