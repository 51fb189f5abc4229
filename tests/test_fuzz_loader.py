"""Fuzzing the loader and `validate` with hypothesis: no input escapes as an exception.

Inputs are random YAML (yaml.safe_dump of random nested structures built from
the language's own keys and kinds), random JSON and JSONL, and random byte and
character mutations of the valid documents of tests/corpus/world/.  Each is
written into a copy of that world and read with `iandw.loader.load`
(in-process), which must return diagnostics, never raise; every diagnostic
must name a file and a position inside it.  A smaller number of inputs goes
through `python -m iandw validate` in a subprocess, under the same time and
memory limits as the corpus (tests/test_corpus.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iandw.api import evaluate
from iandw.limits import Limits
from iandw.loader import LoadResult, load
from iandw.render import render
from iandw.ruletests import run_rule_tests
from test_corpus import DIAGNOSTIC, WORLD, assert_sane, run_iandw

# IANDW_FUZZ_SCALE=20 multiplies every budget, for a long bug hunt outside CI.
SCALE = float(os.environ.get("IANDW_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


WORLD_FILES = sorted(p.relative_to(WORLD).as_posix() for p in WORLD.rglob("*") if p.is_file())
WORLD_TEXT = {name: (WORLD / name).read_text(encoding="utf-8") for name in WORLD_FILES}
# What the untouched world holds, by kind: none of it may be lost because another file is bad.
WORLD_IDS = {
    "entity": {"ruritania", "red-hand", "rudolf-rassendyll"},
    "observation": {"zenda-meeting", "strelsau-attack"},
    "indicator": {"meeting-before-attack"},
    "hypothesis": {"ruritania-supported-red-hand"},
    "scale": {"level"},
}
WORLD_FILE_OF = {
    "entity": "observations/entities.yaml",
    "observation": "observations/observations.yaml",
    "indicator": "rules/rules.yaml",
    "hypothesis": "rules/rules.yaml",
    "scale": "rules/rules.yaml",
}

# --- strategies -----------------------------------------------------------------------------------

KINDS = ["entity", "observation", "indicator", "hypothesis", "scale", "scoring"]
KEYS = [
    "kind", "id", "type", "name", "aliases", "member_of", "attributes", "description", "date",
    "reported", "place", "summary", "entities", "entity", "role", "sources", "origin", "reliability",
    "credibility", "url", "note", "title", "rationale", "vars", "select", "where", "of", "min_origins",
    "min_grade", "require", "first", "then", "within", "min", "between", "count", "at_least",
    "at_most", "distinct", "likelihood_ratio", "absent_likelihood_ratio", "tests", "bind", "as_of",
    "observations", "expect", "matches", "statement", "prior", "indicators", "values",
    "qualifier_pad", "levels", "watch", "warning", "alert", "in", "not_in", "contains", "exists",
    "level", "meeting", "attack", "sponsor", "group",
]  # fmt: skip
WORDS = [
    *KINDS, "ruritania", "red-hand", "Red Hand", "rudolf-rassendyll", "$sponsor", "$group", "$nobody",
    "meeting", "attack", "state", "armed-group", "minister", "official", "2023", "2023-09",
    "2023-09-01", "2023-10-07?", "2023-10~", "2023-09-18/2023-09-21", "../2023-10-06", "2021/..",
    "2023-XX", "202X", "2023-02-30", "2023-10-06/2023-10-01", "12w", "3d", "B2", "A", "F", "fired",
    "possible", "not-fired", "origins", "observations", "as_of", "", " ", "<<",
]  # fmt: skip

scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(-3, 3), st.booleans(), st.none())
structures = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=30,
)
documents = st.builds(
    lambda kind, body: {"kind": kind, **body} if isinstance(body, dict) else body,
    st.one_of(st.sampled_from(KINDS), scalars),
    st.one_of(st.dictionaries(st.sampled_from(KEYS), structures, max_size=8), structures),
)
json_scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
json_structures = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6),
    ),
    max_leaves=30,
)
json_documents = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), json_structures, max_size=8),
    json_structures,
)
SPECIAL = [
    *":-[]{},&*!|>'\"%@`#?\t\n\r \\\ufeff\x00\x85\u2028",
    *("---", "...", "<<: *a", "&a ", "!!python/object:os.system", ": ", "\n  - "),
]


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """`text` with a few random edits: deletions, insertions, duplications, bad bytes."""
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "insert", "byte", "duplicate", "swap-lines", "truncate"]))
        if action == "delete":
            data[position : position + draw(st.integers(1, 20))] = b""
        elif action == "insert":
            piece = draw(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=6), st.sampled_from(WORDS)))
            data[position:position] = piece.encode("utf-8", errors="surrogatepass")
        elif action == "byte":
            data[position:position] = bytes([draw(st.integers(0, 255))])
        elif action == "duplicate":
            end = min(len(data), position + draw(st.integers(1, 80)))
            data[position:position] = data[position:end]
        elif action == "swap-lines":
            lines = bytes(data).split(b"\n")
            if len(lines) > 1:
                i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
                data = bytearray(b"\n".join(lines))
        else:
            del data[position:]
    return bytes(data)


WORLD_YAML = {
    name: list(yaml.safe_load_all(text)) for name, text in WORLD_TEXT.items() if name.endswith(".yaml")
}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `node` (lists by index, mappings by key)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def structurally_mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A world YAML file with a few values replaced, removed or added, dumped again."""
    name = draw(st.sampled_from(sorted(WORLD_YAML)))
    docs = copy.deepcopy(WORLD_YAML[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(docs)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = docs
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "duplicate"]))
        if action == "replace":
            parent[last] = draw(structures)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(structures)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return name, yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False)


# --- checks ---------------------------------------------------------------------------------------


def world_with(tmp: Path, files: dict[str, bytes]) -> Path:
    root = tmp / "world"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(WORLD, root)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def load_in(root: Path, limits: Limits | None = None) -> LoadResult:
    """`load` with paths relative to `root`, as the CLI would run there."""
    before = os.getcwd()
    os.chdir(root)
    try:
        return load(["observations"], rules="rules", limits=limits or Limits())
    finally:
        os.chdir(before)


# Known bugs, each pinned by a strict xfail case in tests/corpus/bad/ (named
# here).  The fuzz tests step around them so that they keep finding new
# problems; once a bug is fixed its corpus case XPASSes (a failure), and its
# entry here goes too.
KNOWN_BUGS: dict[str, Callable[[str], bool]] = {}


def known_bug(message: str) -> str | None:
    return next((case for case, matches in KNOWN_BUGS.items() if matches(message)), None)


def without_known_bugs(stderr: str) -> str:
    """stderr without the diagnostics of known bugs (continuation lines joined first)."""
    diagnostics: list[str] = []
    for line in stderr.splitlines():
        if diagnostics and not DIAGNOSTIC.match(line) and not line.startswith("iandw: "):
            diagnostics[-1] += "\n" + line  # the rest of a message that contained a newline
        else:
            diagnostics.append(line)
    kept = [d for d in diagnostics if not known_bug(d.split(": ", 2)[-1])]
    return "".join(d + "\n" for d in kept)


def yaml_lines(data: bytes) -> int:
    """Lines as YAML counts them: NEL, LS, PS and a lone CR also break lines."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return sum(text.count(brk) for brk in ("\n", "\r", "\x85", "\u2028", "\u2029")) + 1


def check_diagnostics(root: Path, result: LoadResult) -> None:
    """Every diagnostic names an existing file (or directory) and a position inside it."""
    for diagnostic in result.diagnostics:
        shown = diagnostic.format()
        if known_bug(diagnostic.message):
            continue
        assert diagnostic.severity in ("error", "warning"), shown
        assert diagnostic.file and diagnostic.line >= 1 and diagnostic.column >= 1, shown
        assert diagnostic.message.strip(), shown
        assert "\n" not in diagnostic.message and "\r" not in diagnostic.message, shown
        assert DIAGNOSTIC.match(shown), shown
        path = root / diagnostic.file
        assert path.exists() or path.is_symlink(), shown
        if path.is_file():
            # libyaml places an error at the end of a file that lacks a final newline one
            # line past the last (after the line break it supplies): allow that one line.
            lines = yaml_lines(path.read_bytes())
            assert diagnostic.line <= lines + 1, f"{shown}: the file has {lines} lines"


def check_untouched_kept(result: LoadResult, touched: set[str]) -> None:
    """Documents of the world's files that were not touched are all still loaded."""
    for kind, ids in WORLD_IDS.items():
        if WORLD_FILE_OF[kind] in touched:
            continue
        loaded = {getattr(item.document, "id", None) for item in result.loaded.get(kind, [])}
        assert ids <= loaded, f"valid {kind} documents lost: {sorted(ids - loaded)}"


def safe_dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


# --- in-process properties ------------------------------------------------------------------------


@fuzz(150)
@given(st.lists(documents, min_size=1, max_size=4), st.booleans())
def test_random_yaml_documents(
    tmp_path_factory: pytest.TempPathFactory, docs: list[Any], as_list: bool
) -> None:
    text = safe_dump(docs) if as_list else "---\n".join(safe_dump(d) for d in docs)
    root = world_with(tmp_path_factory.mktemp("fuzz"), {"observations/fuzz.yaml": text.encode("utf-8")})
    result = load_in(root)
    check_diagnostics(root, result)
    check_untouched_kept(result, {"observations/fuzz.yaml"})


@fuzz(250)
@given(st.data())
def test_mutated_world_documents(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(WORLD_FILES))
    content = data.draw(mutated(WORLD_TEXT[name]))
    root = world_with(tmp_path_factory.mktemp("fuzz"), {name: content})
    result = load_in(root)
    check_diagnostics(root, result)
    check_untouched_kept(result, {name})


@fuzz(100)
@given(structurally_mutated())
def test_structurally_mutated_world(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, str]
) -> None:
    """Valid documents with a value swapped: the loader reports it, and whatever loads cleanly
    evaluates, renders and runs its rule tests without an exception."""
    name, text = mutation
    root = world_with(tmp_path_factory.mktemp("fuzz"), {name: text.encode("utf-8")})
    result = load_in(root)
    check_diagnostics(root, result)
    check_untouched_kept(result, {name})
    if result.ok:
        report = evaluate(result.case, as_of=dt.date(2023, 12, 1))
        for output in ("text", "markdown", "json"):
            assert render(report, output)
        run_rule_tests(result)


@fuzz(100)
@given(st.one_of(json_documents, st.lists(json_documents, max_size=4)), st.data())
def test_random_and_mutated_json(
    tmp_path_factory: pytest.TempPathFactory, value: Any, data: st.DataObject
) -> None:
    text = json.dumps(
        value, ensure_ascii=data.draw(st.booleans()), indent=data.draw(st.sampled_from([None, 2]))
    )
    content = data.draw(st.one_of(st.just(text.encode("utf-8")), mutated(text)))
    root = world_with(tmp_path_factory.mktemp("fuzz"), {"observations/fuzz.json": content})
    result = load_in(root)
    check_diagnostics(root, result)
    check_untouched_kept(result, {"observations/fuzz.json"})


JSONL_OK = {
    "id": "wire-1",
    "type": "meeting",
    "date": "2023-09-03",
    "entities": ["ruritania"],
    "sources": [{"name": "Strelsau wire"}],
}


@fuzz(100)
@given(st.lists(st.one_of(json_documents, st.just(JSONL_OK)), min_size=1, max_size=6), st.data())
def test_random_and_mutated_jsonl(
    tmp_path_factory: pytest.TempPathFactory, lines: list[Any], data: st.DataObject
) -> None:
    text = "".join(json.dumps(line) + "\n" for line in lines)
    content = data.draw(st.one_of(st.just(text.encode("utf-8")), mutated(text)))
    limits = Limits(max_record_bytes=data.draw(st.sampled_from([64, 1024, 1 << 20])))
    root = world_with(tmp_path_factory.mktemp("fuzz"), {"observations/fuzz.jsonl": content})
    result = load_in(root, limits)
    check_diagnostics(root, result)
    check_untouched_kept(result, {"observations/fuzz.jsonl"})
    # A line that is a valid observation on its own is never lost because of its neighbours.
    if content == text.encode("utf-8") and lines.count(JSONL_OK) == 1 and limits.max_record_bytes > 200:
        observations = {item.document.id for item in result.loaded.get("observation", [])}  # type: ignore[union-attr]
        assert "wire-1" in observations


@fuzz(80)
@given(
    st.data(),
    st.integers(1, 6),
    st.integers(1, 200),
)
def test_small_limits_never_crash(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, depth: int, nodes: int
) -> None:
    """Tiny limits make the limit paths common: they must report, not raise."""
    name = data.draw(st.sampled_from(WORLD_FILES))
    content = data.draw(st.one_of(st.just(WORLD_TEXT[name].encode("utf-8")), mutated(WORLD_TEXT[name])))
    limits = Limits(
        max_file_bytes=data.draw(st.sampled_from([64, 512, 1 << 20])),
        max_record_bytes=64,
        max_depth=depth,
        max_alias_nodes=nodes,
    )
    root = world_with(tmp_path_factory.mktemp("fuzz"), {name: content})
    check_diagnostics(root, load_in(root, limits))


# --- through the command line ---------------------------------------------------------------------


@fuzz(8)
@given(st.data())
def test_validate_subprocess_on_mutations(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(WORLD_FILES))
    content = data.draw(mutated(WORLD_TEXT[name]))
    extra = data.draw(st.lists(documents, max_size=2))
    files = {name: content}
    if extra:
        files["observations/extra.yaml"] = "---\n".join(safe_dump(d) for d in extra).encode("utf-8")
    root = world_with(tmp_path_factory.mktemp("fuzz"), files)
    run = run_iandw(["validate"], root)
    run.stderr = without_known_bugs(run.stderr)
    assert_sane(run)
    assert run.returncode in (0, 2), run.describe()
    assert run.stdout.splitlines()[-1].startswith("read "), run.describe()
