"""The JSONL fast path accepts only what pydantic accepts, and reduces it the same way."""

from __future__ import annotations

from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from iandw.diagnostics import Span
from iandw.loader.fast import plain_fields
from iandw.loader.observations import ObservationInput
from iandw.model.documents import Observation

texts = st.one_of(st.text(max_size=8), st.sampled_from(["", " ", "meeting", " attack ", "a\n"]))
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


def nowhere(loc: Any) -> Span:
    return Span("x.jsonl")


@settings(max_examples=1500, deadline=None)
@given(observations())
@example(
    {
        "id": "a1",
        "type": " meeting ",
        "date": " 2023 ",
        "entities": ["hamas", {"entity": "iran", "role": None}],
    }
)
@example({"id": "a1\n", "type": "m", "date": "2023"})
@example({"id": "a1", "type": "m", "date": "2023", "sources": [{"name": "n", "credibility": True}]})
def test_fast_path_agrees_with_pydantic(data: dict[str, Any]) -> None:
    fast = plain_fields(data)
    event("fast path" if fast is not None else "pydantic path")
    if fast is None:
        return  # pydantic decides; nothing to compare
    try:
        model = Observation.model_validate(data)
    except ValidationError as exc:  # pragma: no cover - this is the failure being tested for
        raise AssertionError(f"the fast path accepted what pydantic rejects: {exc}") from None
    reference = ObservationInput.of(model, nowhere, None)
    fields = ("id", "type", "date", "reported", "refs", "sources")
    assert [getattr(fast, f) for f in fields] == [getattr(reference, f) for f in fields]


def test_the_fast_path_takes_plain_observations() -> None:
    plain = {
        "id": "obs-1",
        "type": "meeting",
        "date": "2023-09-01",
        "entities": [{"entity": "hamas", "role": "host"}, "iran"],
        "sources": [{"name": "Reuters", "origin": "reuters", "reliability": "B", "credibility": 2}],
        "attributes": {"n": 1.5},
    }
    fast = plain_fields(plain)
    assert fast is not None
    assert fast.refs == (("hamas", "host"), ("iran", None))
    assert fast.sources == (("reuters", "B", 2),)
