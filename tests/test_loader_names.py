"""Entity references by id, name or alias (SPEC §4, §13 "Names").

Normalisation, worked out by hand for the cases below: NFKD splits a letter
from its combining marks (Á → A + U+0301, ṣ → s + U+0323); everything whose
Unicode category is not a letter (L*) or a digit/number (N*) is dropped —
combining marks (Mn), spaces, hyphens, apostrophes; then the text is
case-folded (ß → ss).  Modifier letters such as ʿ (U+02BF, category Lm) are
letters, so they are kept.
"""

from __future__ import annotations

import textwrap

import pytest

from iandw.loader import LoadResult, load
from iandw.model.names import normalize_name


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Saleh al-Arouri", "salehalarouri"),
        ("SALEH AL ÁROURI", "salehalarouri"),
        ("saleh al-aruri", "salehalaruri"),
        ("Saleh-al-Arouri", "salehalarouri"),
        ("Salih al-'Aruri", "salihalaruri"),  # ASCII apostrophe: punctuation, dropped
        ("Salih al\u2018Aruri", "salihalaruri"),  # left single quotation mark: punctuation
        ("Ṣāliḥ al-ʿĀrūrī", "salihalaruri"),  # ʿ is a modifier letter (Lm): dropped like punctuation
        ("صَالِح العَارُورِي", "صالحالعاروري"),  # Arabic vowel marks are combining: dropped
        ("Ｈａｍａｓ", "hamas"),  # fullwidth letters fold to ASCII under NFKD
        ("Straße", "strasse"),
        ("Hamas (movement)", "hamasmovement"),
        ("Saleh\u200b al-Arouri", "salehalarouri"),  # zero-width space: format character, dropped
    ],
)
def test_normalize_name_by_hand(text, expected):
    assert normalize_name(text) == expected


ENTITIES = textwrap.dedent(
    """\
    kind: entity
    id: saleh-al-arouri
    type: person
    name: Saleh al-Arouri
    aliases: [Saleh al-Aruri, صالح العاروري]
    member_of: [Hamas]
    ---
    kind: entity
    id: hamas
    type: armed-group
    name: Hamas
    ---
    kind: entity
    id: sergey-lavrov
    type: person
    name: Sergey Lavrov
    member_of: [Rusia]
    ---
    kind: entity
    id: russia
    type: state
    name: Russia
    ---
    kind: entity
    id: abu-marzouk
    type: person
    name: Mousa Abu Marzouk
    aliases: [Abu Marzouk]
    ---
    kind: entity
    id: marzouk-cousin
    type: person
    name: Abu-Marzouk
    """
)


def load_tree(tmp_tree, monkeypatch, observations: str, entities: str = ENTITIES) -> LoadResult:
    root = tmp_tree({"rules/entities.yaml": entities, "obs/o.yaml": observations})
    monkeypatch.chdir(root)
    return load(["obs"], rules="rules")


def errors(result: LoadResult) -> list[tuple[str, int, int, str]]:
    return [(d.file, d.line, d.column, d.message) for d in result.errors]


def test_references_by_id_name_or_alias_ignore_case_diacritics_and_punctuation(tmp_tree, monkeypatch):
    observations = textwrap.dedent(
        """\
        kind: observation
        id: talks
        type: meeting
        date: 2023-03-16
        sources: [{name: x}]
        entities:
          - saleh-al-arouri
          - Saleh al-Arouri
          - saleh al-aruri
          - SALEH AL ÁROURI
          - Saleh-al-Arouri
          - salehalarouri
          - صَالِح العَارُورِي
          - {entity: HAMAS, role: host}
          - {entity: sergey lavrov}
        """
    )
    result = load_tree(tmp_tree, monkeypatch, observations)
    # the only error is in the entities file: a member_of by a misspelt name
    assert errors(result) == [
        # "member_of: [" is 12 characters
        ("rules/entities.yaml", 17, 13, "unknown entity 'Rusia' (did you mean Russia (russia)?)")
    ]
    (record,) = result.case.observations
    assert [ref.entity for ref in record.refs] == ["saleh-al-arouri"] * 7 + ["hamas", "sergey-lavrov"]
    assert record.refs[7].role == "host"
    # member_of by name resolves too, and is transitive
    assert "hamas" in result.case.registry.ancestors("saleh-al-arouri")


def test_unresolved_reference_names_the_closest_entity(tmp_tree, monkeypatch):
    observations = textwrap.dedent(
        """\
        kind: observation
        id: talks
        type: meeting
        date: 2023-03-16
        sources: [{name: x}]
        entities:
          - {entity: Ṣāliḥ al-ʿĀrūrī}
          - {entity: Sergei Lavrov}
          - Abu Marzuk
          - {entity: Nobody At All}
        """
    )
    entities = ENTITIES.replace("member_of: [Rusia]", "member_of: [Russia]")
    result = load_tree(tmp_tree, monkeypatch, observations, entities)
    assert errors(result) == [
        # "  - {entity: " is 13 characters
        (
            "obs/o.yaml",
            7,
            14,
            "unknown entity 'Ṣāliḥ al-ʿĀrūrī' (did you mean Saleh al-Arouri (saleh-al-arouri)?)",
        ),
        ("obs/o.yaml", 8, 14, "unknown entity 'Sergei Lavrov' (did you mean Sergey Lavrov (sergey-lavrov)?)"),
        (
            "obs/o.yaml",
            9,
            5,
            "unknown entity 'Abu Marzuk' (did you mean Mousa Abu Marzouk (abu-marzouk) "
            "or Abu-Marzouk (marzouk-cousin)?)",
        ),
        ("obs/o.yaml", 10, 14, "unknown entity 'Nobody At All'"),
    ]
    assert result.case.observations == []  # an observation with an unresolved reference is not used


def test_a_name_shared_by_two_entities_is_an_error_naming_both(tmp_tree, monkeypatch):
    observations = textwrap.dedent(
        """\
        kind: observation
        id: talks
        type: meeting
        date: 2023-03-16
        sources: [{name: x}]
        entities:
          - {entity: Abu Marzouk}
          - {entity: ABU-MARZOUK}
        ---
        kind: observation
        id: by-id
        type: meeting
        date: 2023-03-16
        sources: [{name: x}]
        entities: [abu-marzouk, marzouk-cousin]
        """
    )
    entities = ENTITIES.replace("member_of: [Rusia]", "member_of: [Russia]")
    result = load_tree(tmp_tree, monkeypatch, observations, entities)
    both = "names 2 entities: Mousa Abu Marzouk (abu-marzouk), Abu-Marzouk (marzouk-cousin); use an id"
    assert errors(result) == [
        # one name as names compare (case and hyphens aside), written two ways: one error
        (
            "obs/o.yaml",
            7,
            14,
            f"'Abu Marzouk' (named 2 times, first here; also written 'ABU-MARZOUK') {both}",
        ),
    ]
    # an exact id is never ambiguous
    (record,) = result.case.observations
    assert [ref.entity for ref in record.refs] == ["abu-marzouk", "marzouk-cousin"]


def test_rule_references_resolve_and_suggest_too(tmp_tree, monkeypatch):
    rules = ENTITIES.replace("member_of: [Rusia]", "member_of: [Russia]") + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: named
        title: Patterns may name entities
        select:
          meeting:
            type: meeting
            entities:
              - {of: hamas}
              - {entity: Sergey Lavrov}
              - {of: Hamaz}
        likelihood_ratio: 2
        ---
        kind: hypothesis
        id: h
        statement: Binds are checked too.
        bind: {group: Hamass}
        """
    )
    root = tmp_tree({"rules/all.yaml": rules, "obs/.keep": ""})
    monkeypatch.chdir(root)
    result = load(["obs"], rules="rules")
    assert errors(result) == [
        # ENTITIES has 33 lines; "      - {of: " is 13 characters
        ("rules/all.yaml", 44, 14, "unknown entity 'Hamaz' (did you mean Hamas (hamas)?)"),
        # "bind: {group: " is 14 characters
        ("rules/all.yaml", 50, 15, "unknown entity 'Hamass' (did you mean Hamas (hamas)?)"),
    ]


def test_a_reference_written_many_times_is_one_error_at_its_first_place(tmp_tree, monkeypatch):
    """'Belarus' three times is one entity left undefined: one error, where it is shown first
    (obs/ before rules/, though the rules are checked first), saying how often it is written.
    'BELARUS' is other words, and said apart."""
    rules = ENTITIES.replace("member_of: [Rusia]", "member_of: [Russia]") + textwrap.dedent(
        """\
        ---
        kind: indicator
        id: named
        title: Patterns may name entities
        select:
          meeting:
            type: meeting
            entities: [{entity: Belarus}]
        likelihood_ratio: 2
        """
    )
    observations = textwrap.dedent(
        """\
        kind: observation
        id: a
        type: meeting
        date: 2023-03-16
        sources: [{name: x}]
        entities: [russia, Belarus]
        ---
        kind: observation
        id: b
        type: meeting
        date: 2023-03-17
        sources: [{name: x}]
        entities: [Belarus, BELARUS]
        """
    )
    result = load_tree(tmp_tree, monkeypatch, observations, rules)
    assert errors(result) == [
        # "entities: [russia, " is 19 characters
        # Belarus in the rule, twice in the observations, and BELARUS, the same name as names compare
        ("obs/o.yaml", 6, 20, "unknown entity 'Belarus' (named 4 times, first here; also written 'BELARUS')"),
    ]


def test_transliteration_marks_are_ignored_like_punctuation(tmp_tree, monkeypatch):
    entities = textwrap.dedent(
        """\
        kind: entity
        id: saleh-al-arouri
        type: person
        name: Saleh al-Arouri
        aliases: [Salih al-Aruri]
        """
    )
    observations = textwrap.dedent(
        """\
        kind: observation
        id: talks
        type: meeting
        date: 2023-03-16
        sources: [{name: x}]
        entities: [Ṣāliḥ al-ʿĀrūrī]
        """
    )
    result = load_tree(tmp_tree, monkeypatch, observations, entities)
    assert result.errors == []
    # "Ṣāliḥ al-ʿĀrūrī" and the alias "Salih al-Aruri" both normalize to "salihalaruri"
    (record,) = result.case.observations
    assert [ref.entity for ref in record.refs] == ["saleh-al-arouri"]


def test_a_name_shared_by_many_entities_lists_five_and_counts_the_rest(tmp_tree, monkeypatch):
    entities = "".join(
        f"---\nkind: entity\nid: same-{i}\ntype: person\nname: Person {i}\naliases: [Same]\n"
        for i in range(7)
    )
    observation = (
        "kind: observation\nid: o\ntype: meeting\ndate: 2023\nsources: [{name: x}]\nentities: [Same, same]\n"
    )
    result = load_tree(tmp_tree, monkeypatch, observation, entities)
    listed = ", ".join(f"Person {i} (same-{i})" for i in range(5))
    assert errors(result) == [
        (
            "obs/o.yaml",
            6,
            12,
            f"'Same' (named 2 times, first here; also written 'same') names 7 entities: "
            f"{listed} and 2 more; use an id",
        ),
    ]


def test_only_the_first_hundred_unknown_references_are_compared_with_every_name(tmp_tree, monkeypatch):
    # each such comparison reads every entity's name: with thousands of both, minutes
    lines = [
        f"---\nkind: observation\nid: o{i}\ntype: meeting\ndate: 2023\nsources: [{{name: x}}]\n"
        f"entities: [Hamaz{i:03d}]\n"
        for i in range(101)
    ]
    entities = "".join(f"---\nkind: entity\nid: hamas{i:03d}\ntype: armed-group\n" for i in range(101))
    result = load_tree(tmp_tree, monkeypatch, "".join(lines), entities)
    messages = [message for *_, message in errors(result)]
    assert len(messages) == 101
    assert all(
        m.startswith(f"unknown entity 'Hamaz{i:03d}' (did you mean hamas{i:03d}")
        for i, m in enumerate(messages[:100])
    )
    assert messages[100] == "unknown entity 'Hamaz100'"
