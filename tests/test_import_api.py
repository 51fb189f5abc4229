"""`iandw.import_files`: the import `iandw import` runs, called from Python without printing or exiting."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import iandw
from iandw.cli.import_command import import_command
from iandw.diagnostics import Diagnostic
from iandw.importers.run import ImportArgumentError
from worlds import ROOT

EVENTS = Path(ROOT) / "tests" / "data" / "acled" / "events.csv"  # a header and 5 rows, the third on two lines
# the first row's event_date, 2023-09-04, after `SYR9001,` (8 characters): line 2, column 9
BAD_DATE = EVENTS.read_text(encoding="utf-8").replace("SYR9001,2023-09-04", "SYR9001,2023-09-31")
BAD_DATE_ERROR = Diagnostic(
    "bad.csv", 2, 9, "error", "event_date '2023-09-31' is not a date (2023-09-04 or 04 September 2023)"
)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """An empty working directory: no rules/ or observations/ of the repository resolve actors."""
    with contextlib.chdir(tmp_path):
        yield tmp_path


def test_it_writes_and_counts_what_the_command_writes_and_prints(workdir: Path) -> None:
    summary = iandw.import_files("acled", EVENTS, Path("api/a.jsonl"))  # one input; paths as Path or str
    assert isinstance(summary, iandw.ImportSummary)
    assert (summary.files, summary.read, summary.written, summary.unreadable) == (1, 5, 5, 0)
    assert (summary.skipped, summary.passed, summary.diagnostics, summary.failure) == (
        Counter(),
        Counter(),
        [],
        None,
    )
    assert (summary.new_entities, summary.known_entities) == (
        16,
        0,
    )  # as tests/test_import_cli.py counts them
    assert summary.lines() == [
        "read 5 rows from 1 file",
        "wrote 5 observations to api/a.jsonl",
        "wrote 16 new entities to api/a.entities.yaml; 0 known entities referenced",
        "skipped 0 rows",
    ]
    command = CliRunner().invoke(import_command, ["acled", str(EVENTS), "-o", "cli/a.jsonl"])
    assert command.exit_code == 0 and command.stderr == ""
    assert command.stdout.replace("cli/", "api/").splitlines() == summary.lines()
    for name in ("a.jsonl", "a.entities.yaml"):
        assert (workdir / "api" / name).read_bytes() == (workdir / "cli" / name).read_bytes()


def test_it_prints_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "bad.csv").write_text(BAD_DATE, encoding="utf-8")
    iandw.import_files("acled", ["bad.csv", "missing.csv"], "a.jsonl")
    assert capsys.readouterr() == ("", "")


def test_without_a_callback_the_diagnostics_are_kept_in_the_summary(workdir: Path) -> None:
    (workdir / "bad.csv").write_text(BAD_DATE, encoding="utf-8")
    summary = iandw.import_files("acled", ["bad.csv"], "a.jsonl")
    assert summary.diagnostics == [BAD_DATE_ERROR]
    assert (summary.read, summary.written, summary.skipped) == (5, 4, Counter({"bad date": 1}))
    assert summary.failure is None
    assert len((workdir / "a.jsonl").read_text(encoding="utf-8").splitlines()) == 4


def test_a_callback_is_given_each_diagnostic_as_it_is_found_and_none_is_kept(workdir: Path) -> None:
    (workdir / "bad.csv").write_text(BAD_DATE, encoding="utf-8")
    found: list[Diagnostic] = []
    summary = iandw.import_files("acled", ["bad.csv"], "a.jsonl", on_diagnostic=found.append)
    assert found == [BAD_DATE_ERROR]
    assert summary.diagnostics == []


def test_strict_writes_nothing_and_says_why(workdir: Path) -> None:
    (workdir / "bad.csv").write_text(BAD_DATE, encoding="utf-8")
    summary = iandw.import_files("acled", ["bad.csv"], "a.jsonl", strict=True)
    assert summary.failure == "1 row was skipped (--strict)"
    assert summary.lines() == [
        "read 5 rows from 1 file",
        "wrote nothing: 1 row was skipped (--strict)",
        "skipped 1 row: bad date (1)",
    ]
    assert sorted(path.name for path in workdir.iterdir()) == ["bad.csv"]


def test_a_missing_file_is_read_as_unreadable_and_nothing_is_written(workdir: Path) -> None:
    summary = iandw.import_files("acled", [str(EVENTS), "missing.csv"], "a.jsonl")
    assert summary.diagnostics == [
        Diagnostic("missing.csv", 1, 1, "error", "cannot read: No such file or directory")
    ]
    assert (summary.files, summary.read, summary.unreadable) == (2, 5, 1)
    assert summary.failure == "1 file could not be read"
    assert list(workdir.iterdir()) == []


def test_progress_is_told_the_bytes_read_of_all_the_files(workdir: Path) -> None:
    calls: list[tuple[int, int]] = []
    iandw.import_files(
        "acled", [str(EVENTS)], "a.jsonl", on_progress=lambda done, total: calls.append((done, total))
    )
    size = EVENTS.stat().st_size
    assert calls and calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_directory_without_the_sources_files_cannot_be_imported(workdir: Path) -> None:
    (workdir / "feed").mkdir()
    (workdir / "feed" / "notes.txt").write_text("")
    with pytest.raises(iandw.CannotImport) as raised:
        iandw.import_files("acled", ["feed"], "a.jsonl")
    assert raised.value.diagnostics == [
        Diagnostic("feed", 1, 1, "warning", "skipped 1 file not ending in .csv: notes.txt"),
        Diagnostic("feed", 1, 1, "error", "no .csv file in this directory"),
    ]
    assert sorted(path.name for path in workdir.iterdir()) == ["feed"]


def test_a_mapping_that_cannot_be_used_stops_the_import(workdir: Path) -> None:
    (workdir / "m.yaml").write_text("default_grade: Z9\n", encoding="utf-8")
    found: list[Diagnostic] = []
    with pytest.raises(iandw.CannotImport) as raised:
        iandw.import_files("acled", [str(EVENTS)], "a.jsonl", mapping="m.yaml", on_diagnostic=found.append)
    assert raised.value.diagnostics == []  # they went to the callback
    assert found == [  # at the value, after `default_grade: ` (15 characters)
        Diagnostic(
            "m.yaml",
            1,
            16,
            "error",
            "invalid grade 'Z9': a reliability letter A-F then a credibility digit 1-6, such as 'B2'",
        )
    ]
    assert sorted(path.name for path in workdir.iterdir()) == ["m.yaml"]


@pytest.mark.parametrize(
    ("arguments", "argument", "message"),
    [
        (
            {"grade": "Z9"},
            "grade",
            "'Z9' is not a grade: a reliability letter A-F then a credibility digit 1-6, such as D4",
        ),
        (
            {"output": "a.yaml"},
            "output",
            "'a.yaml' does not end in .jsonl: the observations are written as JSON Lines, "
            "and iandw reads a file by its extension",
        ),
        (
            {"entities_out": "e.json"},
            "entities_out",
            "'e.json' does not end in .yaml or .yml: the entities are written as YAML, "
            "and iandw reads a file by its extension",
        ),
        ({"source": "csv"}, "source", "'csv' is not a source: one of 'gdelt', 'acled', 'stix'"),
    ],
)
def test_an_argument_that_cannot_be_used_is_a_value_error_that_names_it(
    workdir: Path, arguments: dict[str, str], argument: str, message: str
) -> None:
    given = {"source": "acled", "paths": [str(EVENTS)], "output": "a.jsonl", **arguments}
    with pytest.raises(ImportArgumentError) as raised:
        iandw.import_files(**given)  # type: ignore[arg-type]
    assert isinstance(raised.value, ValueError)
    assert (raised.value.argument, str(raised.value)) == (argument, message)
    assert list(workdir.iterdir()) == []


def test_an_output_that_is_an_input_is_refused(workdir: Path) -> None:
    (workdir / "events.jsonl").write_bytes(EVENTS.read_bytes())  # a CSV named .jsonl is read as given
    with pytest.raises(ImportArgumentError) as raised:
        iandw.import_files("acled", ["events.jsonl"], "./events.jsonl")
    assert raised.value.argument == "output"
    assert str(raised.value) == "'./events.jsonl' is one of the files read; write elsewhere"
    assert (workdir / "events.jsonl").read_bytes() == EVENTS.read_bytes()


def test_errors_in_the_rules_are_one_warning_at_the_first(workdir: Path) -> None:
    """Russia resolves, the entity without a type (lines 6-7) does not; the import goes on."""
    (workdir / "rules").mkdir()
    (workdir / "rules" / "e.yaml").write_text(
        "kind: entity\nid: russia\ntype: state\nname: Russia\n---\nkind: entity\nid: x\n", encoding="utf-8"
    )
    summary = iandw.import_files("acled", [str(EVENTS)], "a.jsonl")
    assert summary.diagnostics == [
        Diagnostic(
            "rules/e.yaml",
            6,
            1,
            "warning",
            "1 error in the rules and known entities, the first here (run iandw validate); "
            "their valid entities are used",
        )
    ]
    assert summary.known_entities == 1  # Military Forces of Russia (2000-) is made a member of russia
    assert summary.failure is None


def test_the_readme_example_prints_the_summary(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README 'From Python', on a copy of the test rows named as the example names its file."""
    readme = (Path(ROOT) / "README.md").read_text(encoding="utf-8")
    marker = "<!-- the test suite runs this example: tests/test_import_api.py -->"
    match = re.search(re.escape(marker) + r"\n```python\n(.*?)```", readme, re.S)
    assert match, "README.md lost its import example"
    shutil.copy(EVENTS, workdir / "acled-2023.csv")
    exec(compile(match[1], "README.md", "exec"), {})
    assert capsys.readouterr().out == (
        "read 5 rows from 1 file\n"
        "wrote 5 observations to observations/acled.jsonl\n"
        "wrote 16 new entities to observations/acled.entities.yaml; 0 known entities referenced\n"
        "skipped 0 rows\n"
    )


def test_no_paths_is_refused_before_an_existing_output_is_touched(workdir: Path) -> None:
    # a script's glob that matched nothing: the earlier import's output is kept as it was
    (workdir / "out.jsonl").write_text("kept\n", encoding="utf-8")
    with pytest.raises(ImportArgumentError, match="no input given") as raised:
        iandw.import_files("acled", [], "out.jsonl")
    assert raised.value.argument == "paths"
    assert (workdir / "out.jsonl").read_text(encoding="utf-8") == "kept\n"
    assert sorted(path.name for path in workdir.iterdir()) == ["out.jsonl"]
