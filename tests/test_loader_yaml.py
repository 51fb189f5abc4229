"""The position-keeping YAML reader: syntax errors, safety, limits (SPEC §2, §11).

Positions are counted by hand in the inputs (1-based line and column).
"""

from __future__ import annotations

import textwrap

import pytest

from iandw.limits import Limits
from iandw.loader import LoadResult, load


def load_tree(tmp_tree, monkeypatch, files: dict, limits: Limits | None = None) -> LoadResult:
    root = tmp_tree({"rules/.keep": "", **files})
    monkeypatch.chdir(root)
    if limits is None:
        return load(["obs"], rules="rules")
    return load(["obs"], rules="rules", limits=limits)


def errors(result: LoadResult) -> list[tuple[str, int, int, str]]:
    return [(d.file, d.line, d.column, d.message) for d in result.errors]


def positions(result: LoadResult) -> list[tuple[str, int, int]]:
    return [(d.file, d.line, d.column) for d in result.errors]


def ids(result: LoadResult, kind: str = "observation") -> list[str]:
    return [item.document.id for item in result.loaded.get(kind, [])]


def good(id: str) -> str:
    return f"kind: observation\nid: {id}\ntype: meeting\ndate: 2023\nsources: [{{name: x}}]\n"


# --- syntax errors ------------------------------------------------------------------

SYNTAX_ERRORS = [
    pytest.param(
        textwrap.dedent(
            """\
            kind: observation
            id: a
            type: meeting
             date: 2023
            """
        ),
        # the indented key continues the scalar 'meeting'; its ':' is the error
        4,
        6,
        "mapping values are not allowed in this context; usually a key indented deeper than the line above",
        id="bad-indentation",
    ),
    pytest.param(
        "kind: observation\nid: a\ntype: meeting\ndate: 2023\nsummary: Note: unquoted\n",
        # "summary: Note" is 13 characters: the second ': ' is the error
        5,
        14,
        "or a value holding ': ' that needs quotes",
        id="colon-in-a-plain-value",
    ),
    pytest.param(
        textwrap.dedent(
            """\
            kind: observation
            id: a
            type: meeting
            date: 2023
            entities: [russia, hamas
            sources: []
            """
        ),
        # the flow sequence may go on over lines: it fails at the ':' of line 6
        6,
        8,
        "did not find expected ',' or ']'",
        id="unclosed-bracket",
    ),
    pytest.param(
        "kind: observation\nid: a\ntype: meeting\n\tdate: 2023\n",
        4,
        1,
        "tab",
        id="tab-indentation",
    ),
    pytest.param(
        "kind: observation\nsources:\n\t- name: x\n",
        3,
        1,
        "found character that cannot start any token (while scanning for the next token); "
        "the character is a tab: YAML indents with spaces only",
        id="tab-before-item",
    ),
]


@pytest.mark.parametrize("text, line, column, fragment", SYNTAX_ERRORS)
def test_yaml_syntax_errors_are_located(tmp_tree, monkeypatch, text, line, column, fragment):
    result = load_tree(tmp_tree, monkeypatch, {"obs/bad.yaml": text, "obs/good.yaml": good("fine")})
    assert positions(result) == [("obs/bad.yaml", line, column)], errors(result)
    message = result.errors[0].message
    assert message.startswith("YAML syntax error: ")
    assert fragment in message
    assert ids(result) == ["fine"]  # another file is not affected


def test_unclosed_quote_is_found_at_the_end_and_names_where_it_starts(tmp_tree, monkeypatch):
    """The quote opened on line 3 (`summary: "` is 10 characters: column 10) runs to the end of
    the text; the end is placed just past the last character, line 4 `type: meeting` (13
    characters): column 14; the message names where the quoted scalar starts."""
    text = 'kind: observation\nid: a\nsummary: "abc\ntype: meeting\n'
    result = load_tree(tmp_tree, monkeypatch, {"obs/q.yaml": text})
    (diagnostic,) = result.errors
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("obs/q.yaml", 4, 14)
    assert diagnostic.message.startswith("YAML syntax error: found unexpected end of stream")
    assert "quoted scalar that starts at line 3, column 10" in diagnostic.message


def test_documents_before_a_syntax_error_are_kept(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        kind: observation
        id: before
        type: meeting
        date: 2023
        sources: [{name: x}]
        ---
        kind: observation
        id: broken
        type: [meeting
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/multi.yaml": text})
    # libyaml reports the unclosed flow sequence at the end of the stream, past
    # the last line; it is placed at the end of the last line instead (9:15)
    assert positions(result) == [("obs/multi.yaml", 9, 15)]
    assert ids(result) == ["before"]


def test_a_syntax_error_is_one_error_not_one_per_reference_to_what_it_defined(tmp_tree, monkeypatch):
    """The entity on a tab-indented line, the indicator with a key one space too far in: each
    one syntax error, and what names them is not also 'unknown' (nor its type never seen)."""
    entities = (
        "kind: entity\nid: russia\ntype: state\n---\n"
        "kind: entity\nid: wagner-group\ntype: pmc\nname: 'Wagner Group'  # a PMC\n"
        'aliases: [PMC Wagner, "Vagner"]\n'
        "attributes:\n\tstate: russia\n"
    )
    indicator = textwrap.dedent(
        """\
        kind: indicator
        id: trained
        title: Trained
        vars:
          pmc: {type: pmc}
           sponsor: {type: state}
        select:
          training: {type: training, entities: [{of: $pmc}]}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Trained by a PMC
        indicators: [trained]
        """
    )
    observations = textwrap.dedent(
        """\
        - kind: observation
          id: camp
          type: training
          date: 2023
          entities: [wagner-group, PMC Wagner, vagner]
          sources: [{name: x}]
        """
    )
    result = load_tree(
        tmp_tree,
        monkeypatch,
        {"rules/rules.yaml": indicator, "obs/entities.yaml": entities, "obs/o.yaml": observations},
    )
    # the tab opens line 11 (column 1); " sponsor" is one column deeper than "pmc" (line 6, column 4)
    assert positions(result) == [("obs/entities.yaml", 11, 1), ("rules/rules.yaml", 6, 4)], errors(result)
    assert result.warnings == [], result.warnings


def test_only_the_top_level_keys_of_a_document_with_a_syntax_error_are_kept_from_it(tmp_tree, monkeypatch):
    """A source's `name` inside the broken observation names no entity: the reference to it
    elsewhere is still unknown, and so is a name in a list of documents when the file is not one."""
    broken = "kind: observation\nid: o\ntype: x\nsources:\n  - name: Radio Free\n    note: a: b\n"
    observation = good("p").replace("sources:", "entities: [radio-free]\nsources:")
    result = load_tree(tmp_tree, monkeypatch, {"obs/a.yaml": broken, "obs/b.yaml": observation})
    # "    note: a: b": the second ': ' is at column 12; "entities: [" is 11 characters
    assert positions(result) == [("obs/a.yaml", 6, 12), ("obs/b.yaml", 5, 12)], errors(result)
    # no entity is loaded at all, which the error says too
    assert errors(result)[1][3].startswith("unknown entity 'radio-free'; no entity is loaded")


def test_each_element_of_a_broken_list_is_read_apart_whatever_key_it_opens_with(tmp_tree, monkeypatch):
    """An element opening with `id` is still one document: the entity 'alpha' keeps its id and
    kind, and the observation after it defines no entity 'o1' (a reference to it is unknown)."""
    broken = (
        "- id: alpha\n  kind: entity\n  type: group\n"
        "- id: o1\n  type: meeting\n  date: 2023\n  sources: [{name: x}]\n"
        "- name: Gamma\n  kind: entity\n  id: gamma\n  type: group\n"
        "\tnote: tab\n"
    )
    observation = good("p").replace("sources:", "entities: [alpha, o1, gamma, Gamma]\nsources:")
    result = load_tree(tmp_tree, monkeypatch, {"obs/a.yaml": broken, "obs/b.yaml": observation})
    # the tab opens line 12; "entities: [alpha, " is 18 characters, so 'o1' is at column 19
    assert positions(result) == [("obs/a.yaml", 12, 1), ("obs/b.yaml", 5, 19)], errors(result)
    assert errors(result)[1][3].startswith("unknown entity 'o1'"), errors(result)


def test_a_broken_document_that_is_not_a_list_is_one_document_whatever_its_key_order():
    from iandw.loader.salvage import salvage
    from iandw.loader.yaml_reader import read_alone

    def read(text, offset):
        return read_alone(text, "f.yaml", Limits(), offset)

    found = salvage("id: foo\nkind: entity\nname: Foo\nid: bar\n\tx: 1\n", "f.yaml", 4, read)
    assert [(item.data, item.start.line) for item in found] == [
        ({"id": "foo", "kind": "entity", "name": "Foo"}, 5)
    ]


def test_a_quoted_alias_with_a_comma_in_a_broken_document_names_no_entity_by_its_pieces(
    tmp_tree, monkeypatch
):
    broken = "kind: entity\nid: a\ntype: group\naliases: ['b, c', d]\n\tnote: tab\n"
    observation = good("p").replace("sources:", 'entities: [a, d, "c\'"]\nsources:')
    result = load_tree(tmp_tree, monkeypatch, {"obs/a.yaml": broken, "obs/b.yaml": observation})
    # "entities: [a, d, " is 17 characters
    assert positions(result) == [("obs/a.yaml", 5, 1), ("obs/b.yaml", 5, 18)], errors(result)


def test_a_quoted_name_in_a_broken_document_is_the_name_the_parser_reads(tmp_tree, monkeypatch):
    """The name escaped as "Caf\\u00e9 Noir" is Café Noir, not its letters 'Cafu00e9 Noir'; the
    name "Unit # 9" followed by a comment is read whole, not cut at its ' #'."""
    broken = textwrap.dedent(
        """\
        - kind: entity
          id: e1
          type: group
          name: "Caf\\u00e9 Noir"
        - kind: entity
          id: e2
          type: group
          name: "Unit # 9"  # the ninth
        \tnote: tab
        """
    )
    references = '["Café Noir", "Unit # 9", "Cafu00e9 Noir", "Unit"]'
    observation = good("p").replace("sources:", f"entities: {references}\nsources:")
    result = load_tree(tmp_tree, monkeypatch, {"obs/a.yaml": broken, "obs/b.yaml": observation})
    # "entities: [" is 11 characters, '"Café Noir", ' 13 and '"Unit # 9", ' 12: the two wrong
    # names are at columns 12 + 13 + 12 = 37 and 37 + 17 ('"Cafu00e9 Noir", ') = 54
    assert positions(result) == [("obs/a.yaml", 9, 1), ("obs/b.yaml", 5, 37), ("obs/b.yaml", 5, 54)]
    assert errors(result)[1][3].startswith("unknown entity 'Cafu00e9 Noir'")
    assert errors(result)[2][3].startswith("unknown entity 'Unit'")


def test_directives_go_with_the_document_they_stand_before(tmp_tree, monkeypatch):
    text = "%YAML 1.1\n---\n" + good("first") + "...\n# the second\n%YAML 1.1\n\n---\n" + good("second")
    result = load_tree(
        tmp_tree,
        monkeypatch,
        {"obs/directives.yaml": text, "obs/wrong.yaml": "%YAML 1.1\n---\n" + good("x") + "bad: [\n"},
    )
    assert ids(result) == ["first", "second"]
    # lines still count from the file's start: the unclosed list is on line 8 of wrong.yaml
    assert positions(result) == [("obs/wrong.yaml", 8, 7)]


@pytest.mark.parametrize(
    "description",
    [
        '"rose by 5\n% in May"',  # a quoted string's line that starts with '%'
        "'rose by 5\n%YAML 1.1 in May'",  # even one that reads like a directive
    ],
)
def test_a_line_that_is_not_after_a_document_end_is_not_a_directive(tmp_tree, monkeypatch, description):
    # YAML allows directives only at the stream's start or after '...'; both documents stay whole
    entity = f"kind: entity\nid: e\ntype: state\ndescription: {description}\n---\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/text.yaml": entity + good("after")})
    assert errors(result) == []
    assert (ids(result, "entity"), ids(result)) == (["e"], ["after"])


# --- duplicate keys --------------------------------------------------------------------


def test_duplicate_keys_at_every_level(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        kind: observation
        id: a
        type: meeting
        date: 2023
        sources:
          - {name: x, name: y}
          - name: z
            name: w
        attributes:
          a: 1
          b: 2
          a: 3
        type: visit
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/dup.yaml": text})
    assert errors(result) == [
        # "  - {name: x, " is 14 characters
        ("obs/dup.yaml", 6, 15, "duplicate key 'name' (first at column 6)"),  # "  - {" is 5
        ("obs/dup.yaml", 8, 5, "duplicate key 'name' (first at line 7)"),
        ("obs/dup.yaml", 12, 3, "duplicate key 'a' (first at line 10)"),
        ("obs/dup.yaml", 13, 1, "duplicate key 'type' (first at line 3)"),
    ]


def test_a_collection_as_a_key_is_an_error(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        kind: observation
        id: a
        type: meeting
        date: 2023
        sources: [{name: x}]
        attributes:
          ? [a, b]
          : 1
          {c: d}: 2
          ok: 3
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/keys.yaml": text})
    assert errors(result) == [
        ("obs/keys.yaml", 7, 5, "a mapping or list cannot be used as a key"),
        ("obs/keys.yaml", 9, 3, "a mapping or list cannot be used as a key"),
    ]


# --- unsafe tags -------------------------------------------------------------------------


def test_unsafe_tags_are_rejected_and_not_executed(tmp_tree, monkeypatch, tmp_path, capfd):
    marker = tmp_path / "pwned"
    text = textwrap.dedent(
        f"""\
        kind: observation
        id: a
        type: meeting
        date: 2023
        summary: !!python/object/apply:os.system ["echo hi"]
        ---
        kind: observation
        id: b
        type: meeting
        date: 2023
        note: !!python/object/apply:os.mkdir ["{marker}"]
        ---
        kind: observation
        id: c
        type: meeting
        date: 2023
        note: !!python/name:os.system
        ---
        !!python/object:collections.OrderedDict
        kind: observation
        ---
        kind: observation
        id: d
        type: meeting
        date: 2023
        note: !custom x
        ---
        kind: observation
        id: fine
        type: meeting
        date: 2023
        sources: [{{name: x}}]
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/unsafe.yaml": text})
    assert errors(result) == [
        # "summary: " is 9 characters: the tagged sequence starts at 10
        (
            "obs/unsafe.yaml",
            5,
            10,
            "unsupported YAML tag '!!python/object/apply:os.system': only plain data is allowed",
        ),
        (
            "obs/unsafe.yaml",
            11,
            7,
            "unsupported YAML tag '!!python/object/apply:os.mkdir': only plain data is allowed",
        ),
        (
            "obs/unsafe.yaml",
            17,
            7,
            "unsupported YAML tag '!!python/name:os.system': only plain data "
            "(strings, numbers, booleans, dates, null) is allowed",
        ),
        (
            "obs/unsafe.yaml",
            19,
            1,
            "unsupported YAML tag '!!python/object:collections.OrderedDict': only plain data is allowed",
        ),
        (
            "obs/unsafe.yaml",
            26,
            7,
            "unsupported YAML tag '!custom': only plain data "
            "(strings, numbers, booleans, dates, null) is allowed",
        ),
    ]
    assert not marker.exists()
    assert "hi" not in capfd.readouterr().out.splitlines()
    assert ids(result) == ["fine"]


@pytest.mark.parametrize(
    "value, line, column, tag",
    [
        ("attributes: !!set {a, b}", 6, 13, "!!set"),
        ("attributes: !!omap [a: 1]", 6, 13, "!!omap"),
        ("summary: !!binary aGVsbG8=", 6, 10, "!!binary"),
    ],
)
def test_non_plain_standard_tags_are_rejected(tmp_tree, monkeypatch, value, line, column, tag):
    result = load_tree(tmp_tree, monkeypatch, {"obs/tags.yaml": good("a") + value + "\n"})
    ((file, got_line, got_column, message),) = errors(result)
    assert (file, got_line, got_column) == ("obs/tags.yaml", line, column)
    assert f"unsupported YAML tag '{tag}'" in message


def test_plain_standard_tags_are_accepted(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        kind: observation
        id: !!str 2023
        type: !!str meeting
        date: !!timestamp 2023-03-16
        summary: !!str 42
        sources: !!seq [!!map {name: x, credibility: !!int "2"}]
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/tags.yaml": text})
    assert result.errors == []
    (record,) = result.case.observations
    assert (record.id, record.document.date, record.document.summary) == ("2023", "2023-03-16", "42")
    assert record.document.sources[0].credibility == 2


def test_unsafe_tag_in_a_list_item_drops_only_that_item(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        - {kind: observation, id: a, type: meeting, date: 2023, sources: [{name: x}]}
        - {kind: observation, id: b, type: meeting, date: 2023, summary: !!python/name:os.system }
        - {kind: observation, id: c, type: meeting, date: 2023, sources: [{name: x}]}
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/list.yaml": text})
    # "- {kind: observation, id: b, type: meeting, date: 2023, summary: " is 65 characters
    assert positions(result) == [("obs/list.yaml", 2, 66)]
    assert ids(result) == ["a", "c"]


@pytest.mark.parametrize(
    "value, message",
    [
        ('sources: !!python/object/apply:os.system ["echo hi"]', "unsupported YAML tag"),
        ("sources: *undefined", "unknown YAML alias '*undefined'"),
    ],
    ids=["tagged-collection", "undefined-alias"],
)
def test_bad_list_item_does_not_drop_its_neighbours(tmp_tree, monkeypatch, value, message):
    text = (
        "- {kind: observation, id: a, type: meeting, date: 2023, sources: [{name: x}]}\n"
        "- {kind: observation, id: b, type: meeting, date: 2023, " + value + "}\n"
        "- {kind: observation, id: c, type: meeting, date: 2023, sources: [{name: x}]}\n"
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/list.yaml": text})
    # "- {kind: observation, id: b, type: meeting, date: 2023, sources: " is 65 characters
    ((file, line, column, got),) = errors(result)
    assert (file, line, column) == ("obs/list.yaml", 2, 66)
    assert message in got
    assert ids(result) == ["a", "c"]


# --- aliases and alias bombs ------------------------------------------------------------------

BOMB = textwrap.dedent(
    """\
    kind: observation
    id: bomb
    type: meeting
    date: 2023
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    """
)


def test_billion_laughs_is_rejected_at_the_node_limit(tmp_tree, monkeypatch):
    result = load_tree(tmp_tree, monkeypatch, {"obs/bomb.yaml": BOMB, "obs/fine.yaml": good("fine")})
    # a: 10 nodes, b: 91, c: 820, d: 7381, e: 66430; the aliases of b..e add 74718 nodes,
    # so the first *e of line 10 (after "f: &f [", 7 characters) passes 100000
    assert errors(result) == [
        (
            "obs/bomb.yaml",
            10,
            8,
            "YAML aliases expand this document beyond 100000 nodes (an alias bomb?); see --max-alias-nodes",
        )
    ]
    assert ids(result) == ["fine"]


def test_alias_limit_is_configurable(tmp_tree, monkeypatch):
    result = load_tree(tmp_tree, monkeypatch, {"obs/bomb.yaml": BOMB}, Limits(max_alias_nodes=50))
    # the first *a adds 10 nodes; the sixth on line 6 passes 50: "b: &b [*a, *a, *a, *a, *a, " is 27
    assert positions(result) == [("obs/bomb.yaml", 6, 28)]


def test_ordinary_anchors_and_aliases_work(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        - kind: observation
          id: first
          type: meeting
          date: 2023
          sources: &sources [{name: TASS, reliability: B, credibility: 2}]
        - kind: observation
          id: second
          type: meeting
          date: 2023
          sources: *sources
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/aliases.yaml": text})
    assert result.errors == []
    second = next(record for record in result.case.observations if record.id == "second")
    assert second.document.sources[0].name == "TASS"


def test_an_aliased_attribute_list_is_checked_once(tmp_tree, monkeypatch):
    """One list under 50 keys (by alias) is checked once: is it plain (1 call), are its items (3).

    Without the per-document memory: 50 × (1 + 3) calls.
    """
    from iandw.model import documents

    calls = []

    def counting(value):
        calls.append(value)
        return plain(value)

    plain = documents.is_plain
    monkeypatch.setattr(documents, "is_plain", counting)
    keys = "".join(f"  k{n}: *base\n" for n in range(49))
    text = f"kind: entity\nid: crown\ntype: state\nattributes:\n  base: &base [1, 2, 3]\n{keys}"
    result = load_tree(tmp_tree, monkeypatch, {"obs/crown.yaml": text})
    assert result.errors == []
    assert result.case.registry.entities["crown"].attributes["k48"] == [1, 2, 3]
    assert len(calls) == 1 + 3


# --- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text, line, column",
    [
        # root mapping = level 1, so the 64th '[' opens level 65; "attributes: " is 12 characters
        ("deep.yaml", "kind: observation\nid: deep\nattributes: " + "[" * 100 + "]" * 100 + "\n", 3, 76),
        # '{"deep": ' is 9 characters
        ("deep.json", '{"deep": ' + "[" * 100 + "]" * 100 + "}\n", 1, 73),
    ],
)
def test_nesting_beyond_the_limit_is_located(tmp_tree, monkeypatch, name, text, line, column):
    result = load_tree(tmp_tree, monkeypatch, {f"obs/{name}": text})
    assert errors(result) == [(f"obs/{name}", line, column, "nesting deeper than 64 levels; see --max-depth")]


def test_nesting_limit_in_jsonl_keeps_the_other_lines(tmp_tree, monkeypatch):
    line = '{"id": "a", "type": "meeting", "date": "2023", "sources": [{"name": "x"}]}\n'
    deep = '{"deep": ' + "[" * 100 + "]" * 100 + "}\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/feed.jsonl": line + deep + line.replace('"a"', '"b"')})
    assert errors(result) == [("obs/feed.jsonl", 2, 73, "nesting deeper than 64 levels; see --max-depth")]
    assert ids(result) == ["a", "b"]


DEEP_20000 = [
    pytest.param(
        "deep.yaml", "kind: observation\nid: deep\nx: " + "[" * 20000 + "]" * 20000 + "\n", 3, id="yaml-seq"
    ),
    pytest.param(
        "deep.yaml",
        "kind: observation\nid: deep\nx: " + "{a: " * 20000 + "}" * 20000 + "\n",
        3,
        id="yaml-map",
    ),
    pytest.param("deep.json", "[" * 20000 + "]" * 20000 + "\n", 1, id="json"),
    pytest.param(
        "deep.jsonl",
        '{"id": "a", "type": "m", "date": "2023"}\n' + '{"x": ' + "[" * 20000 + "]" * 20000 + "}\n",
        2,
        id="jsonl",
    ),
]


@pytest.mark.parametrize("name, text, line", DEEP_20000)
def test_20000_deep_nesting_is_rejected_without_a_crash(tmp_tree, monkeypatch, name, text, line):
    result = load_tree(tmp_tree, monkeypatch, {f"obs/{name}": text, "obs/fine.yaml": good("fine")})
    assert result.errors, "not rejected"
    for file, got_line, _, message in errors(result):
        assert (file, got_line) == (f"obs/{name}", line)
        assert "nesting" in message
    assert "fine" in ids(result)


DEPTH_LIMIT = "nesting deeper than 64 levels; see --max-depth"
PARSER_LIMIT = "nesting deeper than the YAML parser allows (1000 flow levels); see docs/limits.md"


@pytest.mark.parametrize(
    "text, column, message",
    [
        # libyaml's scanner looks ahead through bare '[' before emitting any event,
        # so its own limit (1000 flow levels) is hit first: "x: " is 3 characters,
        # the 1000th '[' is at column 3 + 1000
        ("kind: observation\nx: " + "[" * 20000 + "]" * 20000 + "\n", 3 + 1000, PARSER_LIMIT),
        # the 64th "{a: " starts at 3 + 63 * 4 + 1
        ("kind: observation\nx: " + "{a: " * 20000 + "}" * 20000 + "\n", 3 + 63 * 4 + 1, DEPTH_LIMIT),
    ],
    ids=["yaml-seq", "yaml-map"],
)
def test_20000_deep_nesting_is_one_error_at_the_limit(tmp_tree, monkeypatch, text, column, message):
    result = load_tree(tmp_tree, monkeypatch, {"obs/deep.yaml": text})
    assert errors(result) == [("obs/deep.yaml", 2, column, message)]


# --- merge keys ------------------------------------------------------------------------------


def test_yaml_merge_keys(tmp_tree, monkeypatch):
    text = textwrap.dedent(
        """\
        - &base
          kind: observation
          type: meeting
          date: 2023-03-16
          sources: [{name: TASS}]
          id: base-obs
        - <<: *base
          id: second
          date: 2023-03-17
        - id: third
          <<: [*base]
          summary: merged from a list
        - <<: *base
          id: fourth
          bogus: 1
        """
    )
    result = load_tree(tmp_tree, monkeypatch, {"obs/merge.yaml": text})
    assert positions(result) == [("obs/merge.yaml", 15, 3)]
    assert "unknown key 'bogus'" in result.errors[0].message
    records = {record.id: record for record in result.case.observations}
    assert sorted(records) == ["base-obs", "second", "third"]
    assert records["second"].document.date == "2023-03-17"  # explicit keys win
    assert records["second"].document.type == "meeting"  # the rest is merged
    assert records["third"].document.summary == "merged from a list"  # explicit key before '<<'
    assert records["third"].document.sources[0].name == "TASS"


def test_problem_in_merged_values_is_placed_at_the_merge(tmp_tree, monkeypatch):
    # the base's own id is bad, and an id is never guessed to check the rest of a document
    # that failed typing: only the derived document names 'nobody'
    text = textwrap.dedent(
        """\
        - &bad {kind: observation, type: meeting, date: 2023-02-30, entities: [nobody], id: Bad-Base}
        - {<<: *bad, id: derived, date: 2023}
        """
    )
    root = tmp_tree({"rules/e.yaml": "kind: entity\nid: nobody-else\ntype: state\n", "obs/merge.yaml": text})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules")
    assert errors(result) == [
        # "- &bad {kind: observation, type: meeting, date: " is 48 characters
        ("obs/merge.yaml", 1, 49, "date: invalid date '2023-02-30': day 30 does not exist in 2023-02"),
        # "2023-02-30, entities: [nobody], id: " is 36 characters more
        (
            "obs/merge.yaml",
            1,
            85,
            "invalid id 'Bad-Base': use lowercase letters, digits, '.', '_' and '-', "
            "starting with a letter or digit",
        ),
        # "- {<<: " is 7 characters: the merged value comes from the alias
        ("obs/merge.yaml", 2, 8, "unknown entity 'nobody' (did you mean nobody-else?)"),
    ]


def test_merge_of_a_scalar_is_an_error(tmp_tree, monkeypatch):
    text = "kind: observation\nid: a\ntype: meeting\ndate: 2023\n<<: just text\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/merge.yaml": text})
    assert errors(result) == [("obs/merge.yaml", 5, 5, "'<<' merges only mappings or lists of mappings")]


# --- characters YAML cannot read ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("kind: observation\nid: n\x00x\n", 2, 6),
        # "summary: it" is 11 characters; U+0092 is what cp1252's apostrophe becomes in Latin-1
        ("kind: observation\nid: a\ntype: meeting\ndate: 2023\nsummary: it\u0092s\n", 5, 12),
    ],
    ids=["nul", "c1-control"],
)
def test_control_character_in_yaml_is_located(tmp_tree, monkeypatch, text, line, column):
    result = load_tree(tmp_tree, monkeypatch, {"obs/ctl.yaml": text})
    ((file, got_line, got_column, message),) = errors(result)
    assert "\n" not in message
    assert (file, got_line, got_column) == ("obs/ctl.yaml", line, column)


@pytest.mark.parametrize("name", ["c1.json", "c1.jsonl"])
def test_json_with_c1_character_keeps_positions(tmp_tree, monkeypatch, name):
    if name.endswith(".jsonl"):
        text = '{"id": "a", "type": "meeting", "date": "2023", "summary": "it\u0092s", "bogus": 1}\n'
        where = (1, 67)  # 12 + 19 + 16 + 19 characters before "bogus"
    else:
        text = (
            '{\n  "id": "a",\n  "type": "meeting",\n  "date": "2023",\n'
            '  "summary": "it\u0092s",\n  "bogus": 1\n}\n'
        )
        where = (6, 3)
    result = load_tree(tmp_tree, monkeypatch, {f"obs/{name}": text})
    assert positions(result) == [(f"obs/{name}", *where)]


def test_non_utf8_file_is_never_parsed_as_yaml(tmp_tree, monkeypatch):
    text = b"kind: observation\nid: \xff\xfe\n"
    result = load_tree(tmp_tree, monkeypatch, {"obs/bin.yaml": text})
    assert errors(result) == [
        ("obs/bin.yaml", 2, 5, "not UTF-8: byte 0xff cannot be decoded (save the file as UTF-8)")
    ]


HEX_5000 = "0x" + "f" * 5000  # 16⁵⁰⁰⁰ is 6,021 digits: more than Python will write in decimal


def test_a_number_too_long_to_show_is_text_as_a_long_decimal_one_is(tmp_tree, monkeypatch):
    """Python reads a hexadecimal number of any length, and then refuses to show it."""
    files = {
        "obs/id.yaml": good(HEX_5000),  # an id such a number reads as: kept as the text it is
        "obs/grade.yaml": good("graded").replace("{name: x}", f"{{name: x, credibility: {HEX_5000}}}"),
        "obs/tagged.yaml": good("tagged") + f"attributes: {{n: !!int {HEX_5000}}}\n",
    }
    result = load_tree(tmp_tree, monkeypatch, files)
    assert ids(result) == [HEX_5000]
    found = {(file, line, column): message for file, line, column, message in errors(result)}
    assert sorted(found) == [("obs/grade.yaml", 5, 34), ("obs/tagged.yaml", 6, 17)]  # at the numbers
    assert found["obs/grade.yaml", 5, 34].startswith(
        "credibility: expected a whole number, got the string '0xfff"
    )
    assert found["obs/tagged.yaml", 6, 17].startswith(f"invalid !!int value '{HEX_5000}'")
