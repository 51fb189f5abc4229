"""The top-level API: `import iandw` names what its docstring promises, lazily."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
from pathlib import Path

import pytest

import iandw
from worlds import ROOT

# Where each public name is defined (iandw's docstring: load, evaluate, render, LoadResult, Report ...).
HOMES = {
    "CannotImport": "iandw.importers.run",
    "ImportSummary": "iandw.importers.run",
    "IncompleteCase": "iandw.model.case",
    "import_files": "iandw.importers.run",
    "Limits": "iandw.loader",
    "LoadResult": "iandw.loader",
    "Report": "iandw.model.report",
    "evaluate": "iandw.api",
    "load": "iandw.loader",
    "load_documents": "iandw.loader",
    "render": "iandw.render",
    "Timeline": "iandw.model.timeline",
    "compute_timeline": "iandw.timeline",
    "parse_step": "iandw.timeline",
    "render_timeline": "iandw.render",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert sorted(iandw.__all__) == sorted(HOMES)


@pytest.mark.parametrize("name", sorted(HOMES))
def test_each_public_name_is_the_object_of_its_module(name: str) -> None:
    assert getattr(iandw, name) is getattr(importlib.import_module(HOMES[name]), name)


def test_the_documented_entry_points_are_the_real_ones() -> None:
    from iandw.api import evaluate
    from iandw.loader import load
    from iandw.render import render

    assert iandw.load is load
    assert iandw.evaluate is evaluate
    assert iandw.render is render
    assert callable(iandw.load_documents)
    assert isinstance(iandw.Report, type) and isinstance(iandw.LoadResult, type)


def test_from_iandw_import_star_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from iandw import *", namespace)
    assert set(HOMES) <= set(namespace)


@pytest.mark.parametrize("name", ["no_such_name", "loader_", "Load"])
def test_an_unknown_attribute_raises_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError, match=f"module 'iandw' has no attribute '{name}'"):
        getattr(iandw, name)
    assert not hasattr(iandw, name)


def test_importing_the_render_package_does_not_shadow_the_render_function() -> None:
    """`import iandw.render.text` binds the submodule's name on iandw; `iandw.render` stays the function."""
    import iandw.render.text
    from iandw.render import render

    assert iandw.render is render
    assert iandw.render is render  # a second look finds the same function


def test_the_docstring_timeline_example_renders() -> None:
    """The module docstring computes a timeline, then renders it as text and as a PNG."""
    result = iandw.load([os.path.join(ROOT, "observations")], rules=os.path.join(ROOT, "rules"))
    start, end = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
    timeline = iandw.compute_timeline(result.case, start, end, iandw.parse_step("2w"))
    assert isinstance(timeline, iandw.Timeline) and timeline.step_days == 14
    text = iandw.render_timeline(timeline, "text")
    assert isinstance(text, str) and text.startswith(
        "iandw timeline — 2023-01-01 to 2023-12-31, every 14 days"
    )
    chart = iandw.render_timeline(timeline, "png")
    assert isinstance(chart, bytes) and chart.startswith(b"\x89PNG")


def test_the_docstring_example_renders_twice() -> None:
    """The module docstring calls iandw.render twice: text, then html."""
    result = iandw.load([os.path.join(ROOT, "observations")], rules=os.path.join(ROOT, "rules"))
    assert result.ok
    report = iandw.evaluate(result.case, as_of=dt.date(2023, 10, 6))
    assert isinstance(report, iandw.Report)
    text = iandw.render(report, "text")
    page = iandw.render(report, "html")
    # docs/seed-case.md: as of 2023-10-06 the highest level is warning (0.7920, 0.7674)
    assert text.startswith("iandw — as of 2023-10-06 — level: WARNING\n")
    assert page.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2023-10-06", "as_of is a datetime.date, not str: datetime.date.fromisoformat('2023-10-06')"),
        (20231006, "as_of is a datetime.date, not int"),
    ],
)
def test_evaluate_says_what_as_of_must_be(as_of: object, message: str) -> None:
    case = iandw.load_documents([]).case
    with pytest.raises(TypeError) as raised:
        iandw.evaluate(case, as_of=as_of)  # type: ignore[arg-type]
    assert str(raised.value) == message
    assert (
        iandw.evaluate(case, as_of=dt.datetime(2023, 10, 6, 12)).as_of == "2023-10-06"
    )  # a datetime is a date


def test_a_single_path_or_document_is_one_not_a_sequence_of_its_parts() -> None:
    """`load("observations")` reads the directory, not the paths 'o', 'b', 's' …; likewise one mapping."""
    as_list = iandw.load([os.path.join(ROOT, "observations")], rules=os.path.join(ROOT, "rules"))
    alone = iandw.load(os.path.join(ROOT, "observations"), rules=os.path.join(ROOT, "rules"))
    assert alone.ok and alone.counts() == as_list.counts()
    as_path = iandw.load(Path(ROOT) / "observations", rules=Path(ROOT) / "rules")
    assert as_path.ok and as_path.counts() == as_list.counts()
    one = iandw.load_documents({"kind": "entity", "id": "iran", "type": "state"})
    assert one.ok and one.counts() == {"entity": 1}


def test_the_documents_loaded_are_typed_lists_also_read_by_kind() -> None:
    """`result.loaded.indicators` for typed code; `result.loaded["indicator"]` as a mapping, as before."""
    result = iandw.load(os.path.join(ROOT, "observations"), rules=os.path.join(ROOT, "rules"))
    loaded = result.loaded
    assert loaded["indicator"] is loaded.indicators and loaded.get("entity") is loaded.entities
    assert loaded.get("scoring", []) == [] and "scoring" not in loaded  # a kind with none is absent
    assert (
        sorted(loaded)
        == sorted(result.counts())
        == ["entity", "hypothesis", "indicator", "observation", "scale"]
    )
    assert all(item.document.kind == "indicator" for item in loaded.indicators)


def test_evaluate_says_to_pass_the_case_not_the_load_result() -> None:
    result = iandw.load_documents([])
    with pytest.raises(TypeError) as raised:
        iandw.evaluate(result, as_of=dt.date(2023, 10, 6))  # type: ignore[arg-type]
    assert str(raised.value) == "evaluate takes a Case, not LoadResult: pass result.case, once result.ok"


def test_a_case_whose_load_failed_is_not_scored() -> None:
    """As `iandw evaluate` exits 2 on it: the observation with the unknown entity is left out of
    the case, so a report of what remains would look complete and not be."""
    documents = [
        {"kind": "entity", "id": "hamas", "type": "armed-group"},
        {"kind": "observation", "id": "ok", "type": "attack", "date": "2023-10-07", "entities": ["hamas"]},
        {"kind": "observation", "id": "lost", "type": "meeting", "date": "2023-09-01", "entities": ["iran"]},
    ]
    result = iandw.load_documents(documents)
    assert not result.ok and len(result.errors) == 1
    assert [o.id for o in result.case.observations] == ["ok"]
    message = (
        "the case was loaded with 1 error, so what they were found in is left out of it and no score "
        "of it could be trusted: fix what result.errors lists and load it again"
    )
    with pytest.raises(iandw.IncompleteCase) as raised:
        iandw.evaluate(result.case, as_of=dt.date(2023, 10, 6))
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)
    with pytest.raises(iandw.IncompleteCase):
        iandw.compute_timeline(result.case, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    with pytest.raises(TypeError) as wrong:
        iandw.compute_timeline(result, dt.date(2023, 1, 1), dt.date(2023, 12, 31))  # type: ignore[arg-type]
    assert (
        str(wrong.value) == "compute_timeline takes a Case, not LoadResult: pass result.case, once result.ok"
    )
    # the same documents, the unknown entity defined: scored
    fixed = iandw.load_documents([{"kind": "entity", "id": "iran", "type": "state"}, *documents])
    assert fixed.ok
    assert iandw.evaluate(fixed.case, as_of=dt.date(2023, 10, 6)).inputs.observations == 2


def _readme_example(marker: str) -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as stream:
        readme = stream.read()
    match = re.search(rf"<!-- {marker}: tests/test_api.py -->\n```python\n(.*?)```", readme, re.S)
    assert match, f"README.md lost its Python example after '{marker}'"
    return match[1]


def test_the_readme_example_prints_what_the_readme_says(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """README 'From Python': `warning`, then the posteriors as of 2023-10-06 (docs/seed-case.md)."""
    example = _readme_example("the test suite runs this example")
    monkeypatch.chdir(ROOT)
    exec(compile(example, "README.md", "exec"), {})
    assert capsys.readouterr().out == (
        "warning\niran-supported-hamas 0.79\nrussia-diplomacy-only 0.77\nrussia-supported-hamas 0.19\n"
    )


def test_the_readme_timeline_example_prints_the_highest_levels(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """README 'From Python': the attack, reported on 2023-10-07, tips two hypotheses at the next step."""
    example = _readme_example("the test suite runs this example too")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert capsys.readouterr().out == (
        "iran-supported-hamas alert 2023-10-08 hamas-attack-2023-10-07\n"
        "russia-diplomacy-only warning 2023-01-01 None\n"
        "russia-supported-hamas watch 2023-10-08 hamas-attack-2023-10-07\n"
    )
    assert isinstance(namespace["chart"], bytes) and b"<svg" in namespace["chart"]
    assert isinstance(namespace["page"], str) and 'id="over-time"' in namespace["page"]


def test_the_readme_timeline_example_survives_a_hypothesis_that_never_reaches_watch(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """In 2015, before any report, the two hypotheses whose first point is at warning cross on the
    first day, and russia-supported-hamas (0.18 until the attack) crosses nothing."""
    example = _readme_example("the test suite runs this example too")
    period = "datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)"
    assert period in example
    monkeypatch.chdir(ROOT)
    exec(compile(example.replace(period, period.replace("2023", "2015")), "README.md", "exec"), {})
    assert capsys.readouterr().out == (
        "iran-supported-hamas warning 2015-01-01 None\n"
        "russia-diplomacy-only warning 2015-01-01 None\n"
        "russia-supported-hamas none\n"
    )


@pytest.mark.parametrize("text", ["kind: observation\nid: x", b"kind: observation\nid: x"])
def test_load_documents_refuses_text_rather_than_reading_each_character(text: str | bytes) -> None:
    with pytest.raises(TypeError) as raised:
        iandw.load_documents(text)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "load_documents takes documents as mappings, not text: read YAML with iandw.load, or parse it first"
    )
