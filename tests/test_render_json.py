"""The JSON writer gives exactly the bytes of `json.dumps(sort_keys=True, indent=2, ensure_ascii=False)`.

The writer encodes compactly and lets msgspec lay out the whitespace; the
standard library's indenting encoder is the reference it must equal, on
any JSON value: nesting, empty containers, every float (non-finite ones
too), big integers and text with escapes, controls and non-ASCII.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from iandw.render.json import pretty_json

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
)


def reference(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)


@given(values)
@example({"b": [1e-05, 1e22, -0.0, {}, []], "a": {"": 'é\u2028\x1f\x7f"\\/\n\t'}})
@example([float("nan"), float("inf")])
@example(12345678901234567890)
def test_the_writer_equals_the_standard_librarys_indented_output(value: Any) -> None:
    assert pretty_json(value) == reference(value)


def test_the_layout_is_two_space_indents_with_sorted_keys() -> None:
    assert pretty_json({"b": [1, {}], "a": "x"}) == '{\n  "a": "x",\n  "b": [\n    1,\n    {}\n  ]\n}'
