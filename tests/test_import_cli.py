"""The `iandw import` command: outputs, registry, progress, and usage errors (any source)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from iandw.cli import support as cli_support
from iandw.cli.import_command import import_command
from iandw.diagnostics import Span
from iandw.importers.entities import EntityBook, EntitySpec, slugify
from iandw.importers.writer import default_entities_path
from iandw.loader import load
from iandw.model.documents import Entity
from iandw.model.registry import EntityRegistry
from worlds import ROOT, SHARED_DATA

EVENTS = str(Path(ROOT) / "tests" / "data" / "acled" / "events.csv")


def invoke(cwd: Path, *args: str) -> Result:
    with contextlib.chdir(cwd):
        return CliRunner().invoke(import_command, list(args), catch_exceptions=False)


def entity_ids(path: Path) -> list[str]:
    return [e["id"] for e in yaml.safe_load_all(path.read_text(encoding="utf-8")) if e]


def test_entities_go_next_to_the_observations_by_default(tmp_path: Path) -> None:
    assert default_entities_path("out/acled.jsonl") == "out/acled.entities.yaml"
    assert invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--entities-out", "people.yaml").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "people.yaml"]


def test_no_new_entities_still_writes_a_valid_entities_file(tmp_path: Path) -> None:
    assert invoke(tmp_path, "acled", EVENTS, "-o", "first.jsonl").exit_code == 0
    result = invoke(tmp_path, "acled", EVENTS, "-o", "obs/second.jsonl", "--known", "first.entities.yaml")
    assert result.exit_code == 0  # obs/ did not exist: it is created
    assert "wrote 0 new entities to obs/second.entities.yaml; 16 known entities referenced" in result.stdout
    assert entity_ids(tmp_path / "obs" / "second.entities.yaml") == []
    assert load([str(tmp_path / "obs"), str(tmp_path / "first.entities.yaml")], rules=None).errors == []


def test_reimporting_into_observations_rewrites_its_own_entities(tmp_path: Path) -> None:
    """observations/ is known by default, but the outputs being rewritten are not."""
    (tmp_path / "observations").mkdir()
    for _ in range(2):
        result = invoke(tmp_path, "acled", EVENTS, "-o", "observations/acled.jsonl")
        assert result.exit_code == 0, result.output
        assert "wrote 16 new entities" in result.stdout
    assert load([str(tmp_path / "observations")], rules=None).errors == []


def test_rules_and_known_entities_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "state.yaml").write_text("kind: entity\nid: syria\ntype: state\nname: Syria\n")
    (tmp_path / "observations").mkdir()
    (tmp_path / "observations" / "people.yaml").write_text(
        "kind: entity\nid: russia\ntype: state\nname: Russian Federation\naliases: [Russia]\n"
    )
    result = invoke(tmp_path, "acled", EVENTS, "-o", "acled.jsonl")
    assert "; 1 known entity referenced" in result.stdout  # russia; no row names Syria itself
    made = {e["id"]: e for e in yaml.safe_load_all((tmp_path / "acled.entities.yaml").read_text()) if e}
    assert "russia" not in made
    assert made["military-forces-of-russia-2000"]["member_of"] == ["russia"]
    other_rules = invoke(tmp_path, "acled", EVENTS, "-o", "b.jsonl", "--rules", "nowhere", "--known", "rules")
    assert "russia" in entity_ids(tmp_path / "b.entities.yaml")
    assert other_rules.exit_code == 0


def test_an_ambiguous_name_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "twins.yaml").write_text(
        "kind: entity\nid: israel-a\ntype: state\nname: Israel\n---\n"
        "kind: entity\nid: israel-b\ntype: state\naliases: [Israel]\n"
    )
    result = invoke(tmp_path, "acled", EVENTS, "-o", "acled.jsonl")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{EVENTS}:3:1: warning: 'Israel' names 2 known entities (israel-a, israel-b); "
        "a new entity was made: map it in --mapping 'entities' to choose"
    ]
    assert "israel" in entity_ids(tmp_path / "acled.entities.yaml")


def test_progress_bar_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_support, "PROGRESS_MIN_BYTES", 0)
    assert "importing" not in invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl").stderr
    monkeypatch.setattr(cli_support, "stderr_is_terminal", lambda: True)
    assert "importing" in invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl").stderr


def test_usage_errors(tmp_path: Path) -> None:
    result = invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--grade", "G7")
    assert result.exit_code == 2
    assert "'G7' is not a grade" in result.stderr
    assert invoke(tmp_path, "acled", EVENTS).exit_code == 2  # no -o
    assert invoke(tmp_path, "geojson", EVENTS, "-o", "a.jsonl").exit_code == 2
    assert invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--known", "nowhere").exit_code == 2
    assert not list(tmp_path.iterdir())


def test_the_entities_cannot_go_to_the_observations_file(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").symlink_to("a.jsonl")  # named for YAML, but the observations file
    result = invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--entities-out", "e.yaml")
    assert result.exit_code == 2
    assert (
        "Invalid value for --entities-out: 'e.yaml' is the observations file (-o); "
        "the entities need a file of their own" in result.stderr
    )
    assert [p.name for p in tmp_path.iterdir()] == ["e.yaml"]


@pytest.mark.parametrize(
    ("option", "name", "error"),
    [
        ("-o", "x.yaml", "'x.yaml' does not end in .jsonl: the observations are written as JSON Lines"),
        ("-o", "x.json", "'x.json' does not end in .jsonl: the observations are written as JSON Lines"),
        (
            "--entities-out",
            "e.json",
            "'e.json' does not end in .yaml or .yml: the entities are written as YAML",
        ),
    ],
)
def test_an_output_must_be_named_for_what_is_written(
    tmp_path: Path, option: str, name: str, error: str
) -> None:
    """`iandw validate` reads a file by its extension: JSON Lines in x.yaml would be misread."""
    other = {"-o": [], "--entities-out": ["-o", "a.jsonl"]}[option]
    result = invoke(tmp_path, "acled", EVENTS, option, name, *other)
    assert result.exit_code == 2
    expected = f"Invalid value for {option}: {error}, and iandw reads a file by its extension"
    assert expected in " ".join(result.stderr.split())  # click wraps the line
    assert not list(tmp_path.iterdir())


def test_an_output_extension_is_read_in_any_case(tmp_path: Path) -> None:
    result = invoke(tmp_path, "acled", EVENTS, "-o", "A.JSONL", "--entities-out", "E.YML")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A.JSONL", "E.YML"]
    assert load([str(tmp_path)], rules=None).errors == []
    assert invoke(tmp_path, "acled", EVENTS, "-o", "B.JSONL").exit_code == 0
    assert (tmp_path / "B.entities.yaml").exists()


def test_csv_field_limit_is_restored(tmp_path: Path) -> None:
    before = csv.field_size_limit()
    assert invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--max-record-bytes", "5000").exit_code == 0
    assert csv.field_size_limit() == before


def test_a_row_over_the_limit_is_reported_and_reading_goes_on_after_it(tmp_path: Path) -> None:
    lines = Path(EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    long_notes = lines[1].replace(
        "killing 3 civilians.", "killing 3 civilians.\n" + "a line of words\n" * 100
    )
    (tmp_path / "long.csv").write_text(lines[0] + long_notes + lines[2], encoding="utf-8")
    result = invoke(tmp_path, "acled", "long.csv", "-o", "a.jsonl", "--max-record-bytes", "1000")
    assert result.exit_code == 0
    # The row of lines 2-103 is read past to its closing quote; the row after it is intact.
    assert result.stderr.splitlines() == [
        "long.csv:2:1: error: unreadable row: row longer than 1000 characters"
    ]
    assert [json.loads(line)["id"] for line in (tmp_path / "a.jsonl").read_text().splitlines()] == [
        "acled-pse9002"
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Military Forces of Syria (2000-)", "military-forces-of-syria-2000"),
        ("Sāleh al-Arūri", "saleh-al-aruri"),
        ("حماس", ""),
        ("  --APT 1--  ", "apt-1"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_actors_of_one_name_are_numbered_in_turn_around_known_ids() -> None:
    known = EntityRegistry.build(
        [Entity(kind="entity", id="militia-3", type="armed-group", name="Third militia")]
    )
    book = EntityBook(known)
    span = Span("events.csv", 1, 1)
    # five names that slugify alike ('militia': the Greek letters are dropped) but are not one name
    made = [
        book.ref(
            f"acled:{n}", lambda n=n: EntitySpec(f"acled:{n}", f"Militía {'αβγδε'[n]}", "armed-group"), span
        )
        for n in range(5)
    ]
    assert made == ["militia", "militia-2", "militia-4", "militia-5", "militia-6"]


def test_actors_of_one_name_are_one_new_entity_as_they_will_be_once_written() -> None:
    """GDELT's EDU and EDUEDU are both 'Education': one entity, so that the next import into the
    same directory finds one 'Education' rather than two (which it would have to warn of)."""
    book = EntityBook(EntityRegistry.build([]))
    span = Span("events.csv", 1, 1)

    def education(code: str) -> str:
        spec = EntitySpec(f"cameo:{code}", "Education", "sector-group", id_hint=code)
        return book.ref(f"cameo:{code}", lambda: spec, span)

    assert education("EDU") == "education"
    book.commit()
    assert education("EDUEDU") == "education"  # a row that is then rejected …
    book.rollback()
    assert [d["id"] for d in book.documents()] == ["education"]  # … takes nothing the first row made
    assert education("EDUEDU") == "education"
    book.commit()
    spec = EntitySpec("cameo:MIL", "Military", "sector-group")
    assert book.ref("cameo:MIL", lambda: spec, span) == "military"
    book.rollback()  # the only row naming it: gone, and its name with it
    assert [d["id"] for d in book.documents()] == ["education"]
    again = EntitySpec("cameo:MILMIL", "Military", "sector-group", id_hint="MILMIL")
    assert book.ref("cameo:MILMIL", lambda: again, span) == "military"


GDELT_EXPORT = Path(SHARED_DATA) / "gdelt" / "20150218230000.export.CSV"
STIX_BUNDLES = sorted(str(p) for p in (Path(SHARED_DATA) / "stix").glob("*.json"))


@pytest.mark.parametrize(
    ("source", "inputs"),
    [("acled", [EVENTS]), ("gdelt", [str(GDELT_EXPORT)]), ("stix", STIX_BUNDLES)],
)
def test_importing_again_into_the_same_directory_finds_every_entity(
    tmp_path: Path, source: str, inputs: list[str]
) -> None:
    """The second import resolves to the first's entities (docs/import.md): no new entity, no
    warning, the same observations.  GDELT names EDU and EDUEDU both 'Education'; four STIX
    indicators share one name; DOTA names a threat actor and a person."""
    if not all(Path(path).exists() for path in inputs) or not inputs:
        pytest.skip("shared/data is not present")
    (tmp_path / "observations").mkdir()
    first = invoke(tmp_path, source, *inputs, "-o", "observations/first.jsonl")
    assert first.exit_code == 0, first.output
    second = invoke(tmp_path, source, *inputs, "-o", "observations/second.jsonl")
    assert second.exit_code == 0 and second.stderr == "", second.output
    assert entity_ids(tmp_path / "observations" / "second.entities.yaml") == []
    first_lines = (tmp_path / "observations" / "first.jsonl").read_bytes()
    assert (tmp_path / "observations" / "second.jsonl").read_bytes() == first_lines
    names = [
        e["name"] for e in yaml.safe_load_all((tmp_path / "observations" / "first.entities.yaml").read_text())
    ]
    if source == "gdelt":
        assert names.count("Education") == 1


def test_actors_named_by_no_letter_or_digit_are_not_one_entity() -> None:
    book = EntityBook(EntityRegistry.build([]))
    span = Span("events.csv", 1, 1)
    made = []
    for name in ("?", "—", "🔥"):
        spec = EntitySpec(f"acled:{name}", name, "armed-group", candidates=(name,))
        made.append(book.ref(spec.key, lambda spec=spec: spec, span))
        book.commit()
    assert len(set(made)) == 3


def test_a_row_whose_observation_would_be_too_long_to_read_back_is_skipped(tmp_path: Path) -> None:
    """A 600,000-character Actor1Name is under the 1 MiB input limit, but the observation repeats
    it (summary and attributes): its line would be over the 1 MiB iandw reads back."""
    if not GDELT_EXPORT.exists():
        pytest.skip("shared/data is not present")
    rows = GDELT_EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)[:3]
    fields = rows[1].split("\t")
    fields[6] = "A" * 600_000  # Actor1Name
    (tmp_path / "big.csv").write_text(rows[0] + "\t".join(fields) + rows[2], encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "big.csv", "-o", "g.jsonl")
    assert result.exit_code == 0, result.output
    (error,) = result.stderr.splitlines()
    assert error.startswith("big.csv:2:1: error: its observation would be a line of 1,2")
    assert error.endswith(" bytes, longer than the 1,048,576 that iandw reads back (--max-record-bytes)")
    assert len((tmp_path / "g.jsonl").read_text().splitlines()) == 2
    assert "skipped 1 row: observation too long (1)" in result.stdout


@pytest.mark.parametrize(("option", "name"), [("-o", "events.jsonl"), ("--entities-out", "events.yaml")])
def test_no_output_may_overwrite_an_input(tmp_path: Path, option: str, name: str) -> None:
    """An input named as an output may be (a CSV named .jsonl is read as given): it is not overwritten."""
    (tmp_path / name).write_bytes(Path(EVENTS).read_bytes())
    other = {"-o": ["--entities-out", "e.yaml"], "--entities-out": ["-o", "a.jsonl"]}[option]
    result = invoke(tmp_path, "acled", name, option, f"./{name}", *other)
    assert result.exit_code == 2
    assert (
        f"Invalid value for {option}: './{name}' is one of the files read; write elsewhere" in result.stderr
    )
    assert (tmp_path / name).read_bytes() == Path(EVENTS).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_mapped_entity_that_names_nothing_is_a_warning_at_its_entry(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "e.yaml").write_text("kind: entity\nid: russia\ntype: state\nname: Russia\n")
    (tmp_path / "m.yaml").write_text(
        'entities:\n  "Military Forces of Russia (2000-)": Russia\n  "Civilians (Syria)": Civilans\n'
    )
    result = invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--mapping", "m.yaml")
    assert result.exit_code == 0, result.output
    # line 3, the value after `  "Civilians (Syria)": ` (23 characters)
    assert result.stderr.splitlines()[0] == (
        "m.yaml:3:24: warning: mapping entities: 'Civilans' (for 'Civilians (Syria)') names no known "
        "entity: a new entity is made"
    )
    assert "Russia" not in result.stderr  # it names the rules' russia


def test_a_mapping_is_read_as_validate_reads_a_file(tmp_path: Path) -> None:
    """In UTF-16 it is one error that names the encoding; over --max-file-bytes, one that gives its size."""
    (tmp_path / "m.yaml").write_bytes("default_grade: B2\n".encode("utf-16"))
    result = invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--mapping", "m.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "m.yaml:1:1: error: not UTF-8: the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
        "save it as UTF-8"
    ]
    (tmp_path / "m.yaml").write_text("default_grade: B2\n")  # 18 bytes
    result = invoke(
        tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--mapping", "m.yaml", "--max-file-bytes", "17"
    )
    assert result.stderr.splitlines() == [
        "m.yaml:1:1: error: file is 18 bytes, larger than the limit of 17; see --max-file-bytes"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


@pytest.mark.parametrize("text", ["-1", " 3", "+3", "3.0", "1_000", "٣", ""])
def test_a_count_is_ascii_digits_only(text: str) -> None:
    from iandw.importers.rows import NotA, count

    with pytest.raises(NotA, match=r"^a count \(a whole number from 0\)$"):
        count(text)


def test_counts_and_quad_classes_read() -> None:
    from iandw.importers.rows import NotA, count, within

    assert (count("0"), count("0042")) == (0, 42)
    quad = within(1, 4, "a quad class")
    assert [quad(text) for text in "1234"] == [1, 2, 3, 4]
    for text in ("0", "5", "9", "-1"):
        with pytest.raises(NotA, match=r"^a quad class \(1 to 4\)$"):
            quad(text)


def test_an_import_may_not_overwrite_a_rules_file(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    scale = "kind: scale\nid: level\nvalues: [low, high]\n"
    (tmp_path / "rules" / "scales.yaml").write_text(scale)
    result = invoke(tmp_path, "acled", EVENTS, "-o", "a.jsonl", "--entities-out", "rules/scales.yaml")
    assert result.exit_code == 2
    assert (
        "Invalid value for --entities-out: 'rules/scales.yaml' is one of the files read; write elsewhere"
        in result.stderr
    )
    assert (tmp_path / "rules" / "scales.yaml").read_text() == scale


@pytest.mark.parametrize(
    ("source", "given", "error"),
    [
        (
            "gdelt",
            Path(SHARED_DATA) / "stix" / "apt1.json",
            "1:1: error: not a GDELT 2.0 export: expected 61 tab-separated columns, got 1, "
            "and no row of its first 10 has 61 columns",
        ),
        (
            "acled",
            GDELT_EXPORT,
            "1:1: error: not an ACLED export: the header has no event_id_cnty, event_date, time_precision, "
            "event_type, sub_event_type, actor1, inter1, actor2, inter2, source",
        ),
        ("stix", GDELT_EXPORT, "1:1: error: not a STIX bundle: a bundle is a JSON object, starting with '{'"),
    ],
)
def test_a_file_of_another_format_is_one_error(tmp_path: Path, source: str, given: Path, error: str) -> None:
    if not given.exists():
        pytest.skip("shared/data is not present")
    result = invoke(tmp_path, source, str(given), "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{given}:{error}"]
    assert not list(tmp_path.iterdir())


def test_a_directory_is_searched_for_the_sources_files(tmp_path: Path) -> None:
    """Its files of the source's extension, sorted, at any depth; hidden ones and the import's own
    outputs are left quietly, any other file is said; the output is that of the files named in that order."""
    if not STIX_BUNDLES:
        pytest.skip("shared/data is not present")
    bundles = {Path(path).name: Path(path).read_bytes() for path in STIX_BUNDLES}
    feed = tmp_path / "feed"
    (feed / "older").mkdir(parents=True)
    (feed / "sighting-of-an-indicator.json").write_bytes(bundles["sighting-of-an-indicator.json"])
    (feed / "older" / "apt1.json").write_bytes(bundles["apt1.json"])
    (feed / "Campaigns.JSON").write_bytes(bundles["defining-campaigns-threat-actors-intrusion-sets.json"])
    (feed / ".draft.json").write_text("not JSON")
    (feed / "LICENSE.txt").write_text("BSD")
    (feed / "older" / "notes.md").write_text("")
    result = invoke(tmp_path, "stix", "feed", "-o", "feed/stix.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "feed:1:1: warning: skipped 2 files not ending in .json: LICENSE.txt, older/notes.md"
    ]
    assert result.stdout.startswith("read 106 objects from 3 files\n")  # 26 + 76 + 4, in that order
    given = ["feed/Campaigns.JSON", "feed/older/apt1.json", "feed/sighting-of-an-indicator.json"]
    assert invoke(tmp_path, "stix", *given, "-o", "explicit.jsonl").exit_code == 0
    assert (tmp_path / "feed" / "stix.jsonl").read_bytes() == (tmp_path / "explicit.jsonl").read_bytes()
    again = invoke(tmp_path, "stix", "feed", "-o", "feed/stix.jsonl")  # its outputs are now in feed/
    assert again.exit_code == 0 and len(again.stderr.splitlines()) == 1, again.output


def test_a_directory_without_the_sources_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "events.json").write_text("{}")
    result = invoke(tmp_path, "acled", "empty", EVENTS, "other/", "-o", "a.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "empty:1:1: error: no .csv file in this directory",
        "other:1:1: warning: skipped 1 file not ending in .csv: events.json",
        "other:1:1: error: no .csv file in this directory",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "other"]


def test_the_summary_says_why_nothing_was_written() -> None:
    from collections import Counter

    from iandw.importers.run import ImportSummary

    summary = ImportSummary(
        "row", "o.jsonl", "o.entities.yaml", files=2, read=3, written=2, skipped=Counter({"bad date": 1})
    )
    summary.unreadable = 1
    assert summary.failure == "1 file could not be read"
    summary.strict = True
    assert summary.failure == "1 file could not be read, and 1 row was skipped (--strict)"
    assert summary.lines() == [
        "read 3 rows from 2 files",
        "wrote nothing: 1 file could not be read, and 1 row was skipped (--strict)",
        "skipped 1 row: bad date (1)",
    ]
    assert ImportSummary("row", "o.jsonl", "o.entities.yaml", strict=True, files=1, read=2).failure is None


def test_the_summary_counts_as_every_other_summary_does() -> None:
    """With `counted`: thousands separated, and the noun's last word made plural."""
    from collections import Counter

    from iandw.diagnostics import counted
    from iandw.importers.run import ImportSummary

    assert [counted(1, "new entity"), counted(2, "new entity"), counted(0, "row")] == [
        "1 new entity",
        "2 new entities",
        "0 rows",
    ]
    summary = ImportSummary(
        "object",
        "o.jsonl",
        "o.entities.yaml",
        files=1,
        read=2271,
        written=1070,
        skipped=Counter({"bad object": 1}),
        passed=Counter({"entity": 1200}),
        new_entities=1,
        known_entities=1000,
    )
    assert summary.lines() == [
        "read 2,271 objects from 1 file",
        "wrote 1,070 observations to o.jsonl",
        "wrote 1 new entity to o.entities.yaml; 1,000 known entities referenced",
        "skipped 1 object: bad object (1)",
        "1,200 objects not observations: entity (1,200)",
    ]


def test_a_file_in_a_directory_whose_name_is_not_utf8_is_read_and_named_with_escapes(tmp_path: Path) -> None:
    """Found in a directory, a file is opened by the name the system gave, and said as 'b\\xff.csv'."""
    feed = tmp_path / "d"
    feed.mkdir()
    try:
        (feed / os.fsdecode(b"b\xff.csv")).write_bytes(Path(EVENTS).read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses a name that is not UTF-8")
    result = invoke(tmp_path, "acled", "d", "-o", "out.jsonl", "--rules", "none")
    assert result.exit_code == 0, result.output
    # events.csv: five events, none of them read twice
    assert result.stdout.startswith("read 5 rows from 1 file\nwrote 5 observations to out.jsonl\n")
    (feed / os.fsdecode(b"b\xff.csv")).write_text("event_id_cnty\n", encoding="utf-8")
    result = invoke(tmp_path, "acled", "d", "-o", "out.jsonl", "--rules", "none")
    assert result.exit_code == 2
    assert result.stderr.startswith("d/b\\xff.csv:1:1: error: not an ACLED export")
