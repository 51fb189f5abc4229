"""Reading a JSONL file in parts, on worker processes, gives exactly what reading it whole gives."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iandw.loader.read
from iandw.both_ends import BothEnds
from iandw.limits import Limits
from iandw.loader import LoadResult, load, parallel

ENTITIES = [
    {"kind": "entity", "id": "iran", "type": "state"},
    {"kind": "entity", "id": "hamas", "type": "group", "aliases": ["Harakat"]},
]


def plain(number: int) -> str:
    return json.dumps(
        {
            "id": f"obs-{number:04d}",
            "type": "meeting",
            "date": ["2023-09-01", "2023-09", "../2023-10-06"][number % 3],
            "entities": ["iran", {"entity": "Harakat", "role": "host"}],
            "sources": [{"name": "Reuters", "origin": "reuters", "reliability": "B", "credibility": 2}],
        }
    )


# Every kind of line the sequential reader treats differently.
SPECIAL_LINES = {
    "blank": "",
    "spaces": "   ",
    "entity": json.dumps({"kind": "entity", "id": "iraq", "type": "state"}),
    "not typed plainly": json.dumps(
        {"id": "odd-{n}", "type": "visit", "date": 2023, "entities": ["iran"]}
    ),  # a bare year: the model path
    "unknown key": json.dumps({"id": "bad-{n}", "type": "visit", "date": "2023", "wher": "x"}),
    "unresolved": json.dumps({"id": "lost-{n}", "type": "visit", "date": "2023", "entities": ["nobody"]}),
    "duplicate id": json.dumps({"id": "obs-0000", "type": "visit", "date": "2023"}),
    "duplicate key": '{"id": "dup-{n}", "type": "visit", "type": "meeting", "date": "2023"}',
    "syntax": '{"id": "broken-{n}", "type": ',
    # salvaged (iandw.loader.json_salvage) wherever it is read: 'nobody' is then not unknown
    "broken entity": '{"kind": "entity", "id": "nobody", "type": "group" "name": "x"}',
    "not an object": "[1, 2, 3]",
    "too long": json.dumps({"id": "long-{n}", "type": "visit", "date": "2023", "summary": "x" * 400}),
    "bad date": json.dumps({"id": "date-{n}", "type": "visit", "date": "2023-02-30"}),
}
LIMITS = Limits(max_record_bytes=300)


def write_case(tmp: Path, lines: list[str], bom: bool, final_newline: bool) -> Path:
    folder = tmp / "observations"
    folder.mkdir(exist_ok=True)
    (folder / "entities.jsonl").write_text("\n".join(json.dumps(e) for e in ENTITIES) + "\n")
    text = "\n".join(lines) + ("\n" if final_newline else "")
    (folder / "observations.jsonl").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return folder


def outcome(result: LoadResult) -> tuple[Any, ...]:
    """Everything a user or the engine can see of a load, with the lines kept for re-reading."""
    observations = [
        (o.id, o.type, o.date, o.reported_hi, o.refs, o.origins, o.sources, o.confidence, o.document)
        for o in result.case.observations
    ]
    kept = [(item.id, type(item).__name__) for item in result.loaded.get("observation", [])]
    return [d.format() for d in result.diagnostics], observations, kept


def load_both(
    folder: Path, processes: int, monkeypatch: pytest.MonkeyPatch, per_process: int = 1
) -> tuple[Any, Any]:
    """Loaded on one process, and on `processes` with `per_process` ranges each."""
    whole = load([str(folder)], rules=None, limits=LIMITS, workers=1)
    monkeypatch.setattr(parallel, "CHUNK_MIN_BYTES", 1)  # split even a small file
    monkeypatch.setattr(parallel, "RANGES_PER_PROCESS", per_process)
    in_parts = load([str(folder)], rules=None, limits=LIMITS, workers=processes)
    return outcome(whole), outcome(in_parts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.sampled_from(["plain", *SPECIAL_LINES]), min_size=1, max_size=40),
    processes=st.integers(2, 4),
    per_process=st.sampled_from([1, 3]),
    bom=st.booleans(),
    final_newline=st.booleans(),
)
def test_reading_in_parts_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    kinds: list[str],
    processes: int,
    per_process: int,
    bom: bool,
    final_newline: bool,
) -> None:
    lines = [
        plain(n) if kind == "plain" else SPECIAL_LINES[kind].replace("{n}", str(n))
        for n, kind in enumerate(kinds)
    ]
    folder = write_case(tmp_path_factory.mktemp("case"), lines, bom, final_newline)
    whole, in_parts = load_both(folder, processes, monkeypatch, per_process)
    assert in_parts == whole


def record_worker_lines(monkeypatch: pytest.MonkeyPatch, all_taken: bool) -> list[list[int]]:
    """Per file read in parts, per range after the first: the lines a worker read (0: read here).

    Results are taken once workers have taken every range (`all_taken`:
    none is left to this process), or once they have taken the last, which
    they take first.
    """
    per_file: list[list[int]] = []
    original = BothEnds.results

    def recorded(self: BothEnds[Any]) -> Any:
        wait_until_taken(self, 1 if all_taken else self.count - 1)
        per_file.append([])
        for index, chunk in enumerate(original(self)):
            if index:  # the first range is always read here
                per_file[-1].append(0 if chunk is None else chunk[0])  # its line count
            yield chunk

    monkeypatch.setattr(BothEnds, "results", recorded)
    return per_file


def wait_until_taken(shared: BothEnds[Any], first: int) -> None:
    """Until workers have taken every task from `first` on."""
    deadline = time.monotonic() + 60
    while shared.back.value >= first:
        assert time.monotonic() < deadline, "no worker took the tasks"
        time.sleep(0.01)


def test_a_large_file_is_read_by_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [plain(n) for n in range(300)] + [SPECIAL_LINES["syntax"].replace("{n}", "1")]
    folder = write_case(tmp_path, lines, bom=False, final_newline=True)
    per_file = record_worker_lines(monkeypatch, all_taken=True)
    whole, in_parts = load_both(folder, 3, monkeypatch)
    assert in_parts == whole
    # three ranges of observations (two of the two-line entities): the first read here,
    # the others by the workers
    entities, observations = per_file
    assert len(entities) == 1 and len(observations) == 2
    assert all(observations), "a worker failed"
    assert sum(observations) > 150
    # the line with a syntax error is the last: read again here, and located there
    errors = [d for d in whole[0] if ": error: " in d]
    assert len(errors) == 1 and errors[0].startswith(f"{folder / 'observations.jsonl'}:301:")


def slow_worker(*args: Any) -> Any:
    time.sleep(0.5)
    return READ_CHUNK(*args)


READ_CHUNK = parallel.read_chunk


def test_ranges_no_worker_started_are_read_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process reads on from the front while a slow worker reads from the back."""
    lines = [plain(n) for n in range(200)] + [SPECIAL_LINES["unknown key"].replace("{n}", "1")]
    folder = write_case(tmp_path, lines, bom=False, final_newline=True)
    per_file = record_worker_lines(monkeypatch, all_taken=False)
    monkeypatch.setattr(parallel, "read_chunk", slow_worker)
    whole, in_parts = load_both(folder, 2, monkeypatch, per_process=10)
    assert in_parts == whole
    # 20 ranges: the first is read here and not counted; of the 19 others, the one
    # worker reads the last (and perhaps a few more before this process gets there)
    by_workers = per_file[-1]
    assert len(by_workers) == 19
    assert by_workers[-1] > 0
    assert by_workers[0] == 0, "this process read the second range itself"


def failing_worker(*args: Any) -> Any:
    raise MemoryError("a worker ran out of memory")


def test_a_failed_worker_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [plain(n) for n in range(50)] + [SPECIAL_LINES["unknown key"].replace("{n}", "1")]
    folder = write_case(tmp_path, lines, bom=True, final_newline=False)
    monkeypatch.setattr(parallel, "read_chunk", failing_worker)
    whole, in_parts = load_both(folder, 4, monkeypatch)
    assert in_parts == whole
    assert len(whole[1]) == 50


def test_a_failed_worker_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its exception is not raised here: a traceback would tie the pool and its results into a cycle."""
    import gc

    folder = write_case(tmp_path, [plain(n) for n in range(50)], bom=False, final_newline=True)
    monkeypatch.setattr(parallel, "read_chunk", failing_worker)
    gc.collect()
    gc.disable()  # so that only reference counting frees anything
    try:
        load_both(folder, 3, monkeypatch)
        assert not [o for o in gc.get_objects() if isinstance(o, BothEnds)]
    finally:
        gc.enable()


def test_an_all_blank_file_is_still_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_case(tmp_path, ["  "] * 40, bom=False, final_newline=True)
    whole, in_parts = load_both(folder, 3, monkeypatch)
    assert in_parts == whole
    assert f"{folder / 'observations.jsonl'}:1:1: warning: empty file" in whole[0]


def failing_start(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("daemonic processes are not allowed to have children")


def test_no_workers_to_be_had_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a daemonic process (or without fork) no worker starts: the file is read here."""
    import multiprocessing.process

    lines = [plain(n) for n in range(60)] + [SPECIAL_LINES["syntax"].replace("{n}", "1")]
    folder = write_case(tmp_path, lines, bom=False, final_newline=True)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", failing_start)
    whole, in_parts = load_both(folder, 3, monkeypatch)
    assert in_parts == whole


def test_a_read_error_midway_is_a_diagnostic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_case(tmp_path, [plain(n) for n in range(60)], bom=False, final_newline=True)

    def broken(*args: Any) -> Any:
        yield from ()
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(parallel, "CHUNK_MIN_BYTES", 1)
    monkeypatch.setattr(iandw.loader.read, "read_jsonl_in_parts", broken)
    result = load([str(folder)], rules=None, limits=LIMITS, workers=2)
    assert f"{folder / 'observations.jsonl'}:1:1: error: cannot read file: Input/output error" in [
        d.format() for d in result.diagnostics
    ]


@given(
    text=st.lists(st.sampled_from(["", "a", "bb", "x" * 40]), max_size=30).map("\n".join),
    parts=st.integers(1, 6),
    scan=st.sampled_from([1, 3, parallel.SCAN_BYTES]),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_parts_start_at_line_starts_and_cover_the_file(
    tmp_path_factory: pytest.TempPathFactory, text: str, parts: int, scan: int
) -> None:
    path = tmp_path_factory.mktemp("bounds") / "f.jsonl"
    data = text.encode()
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch, path.open("rb") as stream:
        patch.setattr(parallel, "SCAN_BYTES", scan)  # a line longer than one read
        ranges = parallel.chunk_bounds(stream, len(data), parts)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert len(ranges) <= parts
    for (start, end), (next_start, _) in itertools.pairwise(ranges):
        assert start < end == next_start
        assert data[next_start - 1 : next_start] == b"\n"
