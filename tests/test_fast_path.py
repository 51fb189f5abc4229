"""The JSONL fast path accepts only what the ordinary path accepts, and reduces it the same way.

The ordinary path is jiter (which reports duplicate keys and runaway
nesting) and the pydantic `Observation` model.  Lines are written here by a
small JSON writer of our own, so that they can hold what `json.dumps`
never writes: a key given twice, at any level, and odd spacing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from iandw.diagnostics import Span
from iandw.limits import DEFAULT_LIMITS, Limits
from iandw.loader import json_reader
from iandw.loader.fast import plain_line, plain_lines
from iandw.loader.json_reader import parse_json_bytes, with_plain_fields
from iandw.loader.observations import ObservationInput
from iandw.model.documents import Observation

texts = st.one_of(
    st.text(max_size=8), st.sampled_from(["", " ", "meeting", " attack ", "a\n", "a:b", "\u3000x\x85", 'q"'])
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 9),
    st.floats(allow_nan=True),
    texts,
    st.lists(texts, max_size=2),
)
words = st.sampled_from(["meeting", " attack ", "visit"])
good_dates = st.sampled_from(
    ["2023-09-01", "2023-09", " 2023 ", "../2023-10-06", "2023-10~", "2023-09-01/2023-09-03"]
)
bad_dates = st.sampled_from(["2023-02-30", "soon", "2023-09-01\n", "", "2023-10-06/2023-10-01"])

references = st.one_of(
    st.sampled_from(["hamas", "Iran"]),
    st.fixed_dictionaries(
        {"entity": st.sampled_from(["hamas", "iran"])}, optional={"role": st.sampled_from(["host", None])}
    ),
)
sources = st.fixed_dictionaries(
    {"name": st.sampled_from(["Reuters", "CNN"])},
    optional={
        "origin": st.sampled_from(["reuters", None, ""]),
        "reliability": st.sampled_from(["A", "B", "F", None]),
        "credibility": st.sampled_from([1, 2, 6, None]),
        "url": st.sampled_from(["https://x", None]),
        "language": st.sampled_from(["en", None]),
        "note": st.sampled_from(["why", None]),
    },
)
valid = st.fixed_dictionaries(
    {"id": st.sampled_from(["a1", "obs-1", "x.y_z-1"]), "type": words, "date": good_dates},
    optional={
        "kind": st.just("observation"),
        "reported": st.one_of(good_dates, st.none()),
        "place": st.sampled_from(["Moscow", None]),
        "summary": texts,
        "note": st.sampled_from(["n", None]),
        "entities": st.lists(references, max_size=3),
        "attributes": st.dictionaries(texts, anything, max_size=2),
        "sources": st.lists(sources, max_size=3),
    },
)

# one thing wrong, anywhere: a top-level field, a reference, or a source
top_level = [
    "id",
    "type",
    "date",
    "reported",
    "place",
    "summary",
    "note",
    "entities",
    "attributes",
    "sources",
    "kind",
]


@st.composite
def observations(draw: st.DrawFn) -> dict[str, Any]:
    document = draw(valid)
    where = draw(st.sampled_from(["none", "field", "extra", "reference", "source", "date", "drop"]))
    if where == "drop":
        document.pop(draw(st.sampled_from(["id", "type", "date"])))
        if document.get("sources"):
            document["sources"][0].pop("name", None)
        if document.get("entities") and isinstance(document["entities"][0], dict):
            document["entities"][0].pop("entity", None)
    elif where == "field":
        document[draw(st.sampled_from(top_level))] = draw(anything)
    elif where == "extra":
        document[draw(st.sampled_from(["extra", "Date", "sources "]))] = draw(anything)
    elif where == "date":
        document[draw(st.sampled_from(["date", "reported"]))] = draw(bad_dates)
    elif where == "reference" and document.get("entities"):
        document["entities"][0] = draw(
            st.one_of(anything, st.fixed_dictionaries({"entity": anything, "role": anything}))
        )
    elif where == "source" and document.get("sources"):
        key = draw(st.sampled_from(["name", "origin", "reliability", "credibility", "url", "grade"]))
        document["sources"][0] = {**document["sources"][0], key: draw(anything)}
    return document


class Pairs(list[tuple[str, Any]]):
    """An object written key by key, so that a key can be written twice."""


@st.composite
def with_duplicate(draw: st.DrawFn, document: dict[str, Any]) -> Any:
    """The document with a key given twice in one object: the top level, a reference, a source, attributes."""
    objects: list[tuple[Any, Any]] = [(None, None)]  # (container, key or index) of each object; None: the top
    for name in ("entities", "sources"):
        items = document.get(name)
        if isinstance(items, list):
            objects += [(items, i) for i, item in enumerate(items) if isinstance(item, dict) and item]
    if isinstance(document.get("attributes"), dict) and document["attributes"]:
        objects.append((document, "attributes"))
    container, where = draw(st.sampled_from(objects))
    target = document if container is None else container[where]
    pairs = list(target.items())
    key, value = draw(st.sampled_from(pairs))
    twin = (key, draw(st.one_of(st.just(value), anything)))
    position = draw(st.integers(0, len(pairs)))
    pairs.insert(position, twin)
    if container is None:
        return Pairs(pairs)
    container[where] = Pairs(pairs)
    return document


def write(value: Any, colon: str, comma: str, ensure_ascii: bool) -> str:
    if isinstance(value, dict):
        value = Pairs(value.items())
    if isinstance(value, Pairs):
        inner = comma.join(
            json.dumps(k, ensure_ascii=ensure_ascii) + colon + write(v, colon, comma, ensure_ascii)
            for k, v in value
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + comma.join(write(v, colon, comma, ensure_ascii) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    document: Any = draw(st.one_of(valid, observations()))
    if draw(st.integers(0, 3)) == 0:
        document = draw(with_duplicate(document))
    colon = draw(st.sampled_from([":", ": ", " :", " : ", ":\t"]))
    comma = draw(st.sampled_from([",", ", ", " ,"]))
    text = write(document, colon, comma, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8") + draw(st.sampled_from([b"", b" ", b"\r"]))


def ordinary(raw: bytes, limits: Limits) -> ObservationInput | None:
    """What the ordinary path makes of the line: the reduced observation, or None if it reports a problem."""
    value, problems = parse_json_bytes(raw, "x.jsonl", limits)
    if problems or not isinstance(value, dict):
        return None
    try:
        model = Observation.model_validate(value)
    except ValidationError:
        return None
    return ObservationInput.of(model, lambda loc: Span("x.jsonl"), None)


FIELDS = ("id", "type", "date", "reported", "refs", "sources")


def agrees(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Asserts that what the fast path accepts, the ordinary path accepts the same; True if it accepted."""
    fast = plain_line(raw, limits.max_depth)
    if fast is None:
        return False  # the ordinary path decides; nothing to compare
    reference = ordinary(raw, limits)
    assert reference is not None, f"the fast path accepted what the ordinary path rejects: {raw!r}"
    assert list(fast) == [getattr(reference, f) for f in FIELDS]
    return True


@settings(max_examples=2000, deadline=None)
@given(lines(), st.sampled_from([64, 64, 3, 2, 1]))
@example(
    b'{"id":"a1","type":" meeting ","date":" 2023 ","entities":["hamas",{"entity":"iran","role":null}]}', 64
)
@example(b'{"id":"a1","type":"m","date":"2023","sources":[{"name":"n","credibility":true}]}', 64)
def test_the_fast_path_agrees_with_the_ordinary_path(raw: bytes, max_depth: int) -> None:
    event("fast path" if agrees(raw, Limits(max_depth=max_depth)) else "ordinary path")


PLAIN = {
    "id": "obs-1",
    "type": "meeting",
    "date": "2023-09-01",
    "reported": "2023-09-03",
    "entities": [{"entity": "hamas", "role": "host"}, "iran"],
    "sources": [{"name": "Reuters", "origin": "reuters", "reliability": "B", "credibility": 2}],
    "attributes": {"n": 1.5, "place": "Doha: the Sheraton"},
}


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(PLAIN, separators=(",", ":")).encode(),
        json.dumps(PLAIN).encode(),  # spaces after colons and commas
        json.dumps(PLAIN, indent=None, separators=(" , ", " : ")).encode(),
        json.dumps({**PLAIN, "summary": "réunion à Doha"}, ensure_ascii=False).encode(),
        json.dumps(PLAIN).encode() + b"\r\n",
    ],
)
def test_the_fast_path_takes_plain_observations(raw: bytes) -> None:
    assert plain_line(raw, 64) == (
        "obs-1",
        "meeting",
        "2023-09-01",
        "2023-09-03",
        (("hamas", "host"), ("iran", None)),
        (("reuters", "B", 2),),
    )
    assert agrees(raw)


@pytest.mark.parametrize(
    "raw",
    [
        # a key given twice, at each level, with and without spaces before the colon
        b'{"id":"a","type":"m","date":"2023","date":"2024"}',
        b'{"id":"a","type":"m","date" :"2023","date":"2024"}',
        b'{"id":"a","type":"m","date":"2023","sources":[{"name":"n","name":"o"}]}',
        b'{"id":"a","type":"m","date":"2023","entities":[{"entity":"e","role":"x","role":"y"}]}',
        b'{"id":"a","type":"m","date":"2023","attributes":{"k":"x:y","k":1}}',
        # escapes: none is read by the fast path
        b'{"id":"a","type":"m","date":"2023","summary":"\\u0022"}',
        b'{"id":"a\\n","type":"m","date":"2023"}',
        b'{"id":"a","type":"\\u001cm","date":"2023"}',
        # what the model rejects
        b'{"id":"A","type":"m","date":"2023"}',
        b'{"id":"a","type":" ","date":"2023"}',
        b'{"id":"a","type":"m","date":"2023","reported":""}',
        b'{"id":"a","type":"m","date":"2023-02-30"}',
        b'{"id":"a","type":"m","date":"2023","kind":"entity"}',
        b'{"id":"a","type":"m","date":"2023","sources":[{"name":"n","credibility":7}]}',
        b'{"id":"a","type":"m","date":"2023","entities":null}',
        b'{"id":"a","type":"m","date":"2023","extra":1}',
        b'{"id":"a","type":"m","date":"2023","attributes":{"k":NaN}}',
        # what the ordinary path must read, though it may accept it
        b'{"id":"a","type":"m","date":"2023","attributes":{"k":[1]}}',
        b'{"id":"a","type":"m","date":2023}',
        b'{"id":"a","type":"m","date":"2023"} x',
        b'{"id":"a","type":"m","date":"2023","place":"\xff"}',
    ],
)
def test_the_fast_path_leaves_the_rest_to_the_ordinary_path(raw: bytes) -> None:
    assert plain_line(raw, 64) is None


def test_a_low_depth_limit_leaves_every_line_to_the_ordinary_path() -> None:
    raw = json.dumps(PLAIN).encode()
    assert plain_line(raw, 3) is not None
    assert plain_line(raw, 2) is None
    assert ordinary(raw, Limits(max_depth=2)) is None


def one_at_a_time(raw: bytes | None, max_depth: int) -> Any:
    """What a reader made of a line before lines were checked in batches."""
    return None if raw is None or not raw.strip() else plain_line(raw.rstrip(b"\r\n"), max_depth)


@settings(max_examples=500, deadline=None)
@given(st.lists(lines(), max_size=6), st.sampled_from([64, 3, 2]))
@example(
    [
        json.dumps(PLAIN).encode(),
        b'{"id":"a","type":"m","date":"2023","date":"2024"}',
        json.dumps({**PLAIN, "summary": "a : b"}).encode(),
    ],
    64,
)
def test_a_batch_of_lines_is_reduced_as_each_line_alone(batch: list[bytes], max_depth: int) -> None:
    # a key given twice on one line must not be hidden by the other lines' colons
    ended = [raw + b"\n" for raw in batch]
    event("all plain" if all(one_at_a_time(raw, max_depth) for raw in ended) else "some not plain")
    assert plain_lines(ended, max_depth) == [one_at_a_time(raw, max_depth) for raw in ended]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(lines(), st.sampled_from([b"", b" ", b"\t"]), st.none()), max_size=12),
    st.integers(1, 4),
)
def test_reading_in_batches_keeps_every_line_in_order(written: list[bytes | None], batch_lines: int) -> None:
    numbered = [
        (number, 100 * number, None if raw is None else raw + b"\n") for number, raw in enumerate(written, 1)
    ]
    saved = json_reader.PLAIN_BATCH_LINES
    json_reader.PLAIN_BATCH_LINES = batch_lines  # batches end at every place in the list
    try:
        found = list(with_plain_fields(iter(numbered), 64))
    finally:
        json_reader.PLAIN_BATCH_LINES = saved
    assert found == [(number, offset, raw, one_at_a_time(raw, 64)) for number, offset, raw in numbered]


def test_lines_read_before_a_read_error_are_still_yielded() -> None:
    def failing() -> Any:
        yield 1, 0, json.dumps(PLAIN).encode() + b"\n"
        yield 2, 100, b"\n"
        raise OSError("the disk went away")

    found = []
    with pytest.raises(OSError, match="disk"):
        for item in with_plain_fields(failing(), 64):
            found.append(item)
    assert [number for number, *_ in found] == [1, 2]
    assert found[0][3] is not None and found[1][3] is None
