"""`iandw import acled` on hand-written rows with ACLED's 31-column header (tests/data/acled)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from iandw.cli.import_command import import_command
from iandw.importers.acled import REQUIRED
from iandw.loader import load
from worlds import ROOT

DATA = Path(ROOT) / "tests" / "data" / "acled"
EVENTS = str(DATA / "events.csv")
BAD = str(DATA / "bad.csv")


def invoke(cwd: Path, *args: str) -> Result:
    """Run `iandw import` in `cwd`, so that no rules/ or observations/ of the repository leak in."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(import_command, list(args), catch_exceptions=False)


def read(path: Path) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def entities(path: Path) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in yaml.safe_load_all(path.read_text(encoding="utf-8")) if e}


def graded(*names: str, note: str) -> list[dict[str, Any]]:
    return [{"name": n, "origin": n, "reliability": "B", "credibility": 3, "note": note} for n in names]


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    result = invoke(tmp_path, "acled", EVENTS, "-o", "acled.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return tmp_path


def test_every_row_becomes_an_observation(imported: Path) -> None:
    assert list(read(imported / "acled.jsonl")) == [
        "acled-syr9001",
        "acled-pse9002",
        "acled-lbn9003",
        "acled-irq9004",
        "acled-yem9005",
    ]


def test_time_precision_gives_a_day_a_week_or_a_month(imported: Path) -> None:
    observations = read(imported / "acled.jsonl")
    dates = {key: (o["date"], o.get("reported")) for key, o in observations.items()}
    assert dates == {
        "acled-syr9001": ("2023-09-04", "2023-09-11"),  # precision 1: the day; timestamp 11:20 UTC
        "acled-pse9002": ("2023-09-04/2023-09-10", "2023-09-14"),  # 2: the week around 2023-09-07
        "acled-lbn9003": ("2023-09", "2023-09-25"),  # 3: the month
        "acled-irq9004": ("2023-10-04", "2023-10-10"),  # "04 October 2023", as the website exports
        "acled-yem9005": ("2023-09-20", "2023-09-27"),
    }


def test_an_air_strike(imported: Path) -> None:
    strike = read(imported / "acled.jsonl")["acled-syr9001"]
    assert strike == {
        "id": "acled-syr9001",
        "type": "attack",
        "date": "2023-09-04",
        "reported": "2023-09-11",
        "place": "Jisr al-Shughur, Idlib, Syria",
        "summary": "Invented for iandw tests: an air strike hit a market, killing 3 civilians.",
        "entities": [
            {"entity": "military-forces-of-russia-2000", "role": "perpetrator"},
            {"entity": "civilians-syria", "role": "target"},
        ],
        "attributes": {
            "event_id_cnty": "SYR9001",
            "time_precision": 1,
            "disorder_type": "Political violence",
            "event_type": "Explosions/Remote violence",
            "sub_event_type": "Air/drone strike",
            "interaction": "78",
            "civilian_targeting": "Civilian targeting",
            "iso": 760,
            "region": "Middle East",
            "country": "Syria",
            "admin1": "Idlib",
            "admin2": "Jisr al-Shughur",
            "location": "Jisr al-Shughur",
            "latitude": 35.8126,
            "longitude": 36.3192,
            "geo_precision": 1,
            "source_scale": "National-International",
            "fatalities": 3,
            "means": "air-strike",
        },
        "sources": graded(
            "Syrian Observatory for Human Rights",
            "Step News Agency",
            note="coded by ACLED; source scale: National-International",
        ),
    }


def test_associated_actors_take_their_sides_role(imported: Path) -> None:
    battle = read(imported / "acled.jsonl")["acled-pse9002"]
    assert (battle["type"], battle["entities"]) == (
        "fight",
        [
            {"entity": "military-forces-of-israel-2022", "role": "combatant"},
            {"entity": "hamas-movement", "role": "combatant"},
            {"entity": "al-quds-brigades", "role": "combatant"},
            {"entity": "palestinian-islamic-jihad", "role": "combatant"},
        ],
    )
    assert battle["sources"] == graded(
        "Times of Israel", "Al Jazeera", "WAFA", note="coded by ACLED; source scale: International"
    )
    protest = read(imported / "acled.jsonl")["acled-lbn9003"]
    assert protest["entities"] == [
        {"entity": "protesters-lebanon", "role": "protester"},
        {"entity": "labour-group-lebanon", "role": "protester"},
    ]
    assert protest["summary"].endswith(
        'protested, "peacefully", some day in September.\nA second line of notes.'
    )


def test_sources_are_split_deduplicated_or_acled_itself(imported: Path) -> None:
    observations = read(imported / "acled.jsonl")
    assert [s["name"] for s in observations["acled-yem9005"]["sources"]] == ["Yemen Monitor"]
    assert [s["name"] for s in observations["acled-irq9004"]["sources"]] == ["ACLED"]


def test_inter_codes_and_labels_give_entity_types(imported: Path) -> None:
    made = entities(imported / "acled.entities.yaml")
    assert made["military-forces-of-israel-2022"] == {
        "kind": "entity",
        "id": "military-forces-of-israel-2022",
        "type": "armed-force",
        "name": "Military Forces of Israel (2022-)",
        "member_of": ["israel"],
        "attributes": {"acled_inter": 1, "acled_inter_label": "State forces"},
    }
    assert made["israel"] == {"kind": "entity", "id": "israel", "type": "state", "name": "Israel"}
    assert made["government-of-iraq-2022"]["member_of"] == ["iraq"]
    assert (
        made["military-forces-of-russia-2000"]["type"],
        made["military-forces-of-russia-2000"]["member_of"],
    ) == (
        "external-force",
        ["russia"],
    )
    assert made["ansar-allah"]["attributes"] == {
        "acled_inter": 2,
        "acled_inter_label": "Rebel group",
    }  # a label
    assert made["al-quds-brigades"] == {
        "kind": "entity",
        "id": "al-quds-brigades",
        "type": "group",
        "name": "Al-Quds Brigades",
    }
    assert list(made) == sorted(made)


def test_the_output_validates(imported: Path) -> None:
    assert load([str(imported)], rules=None).errors == []


def test_actors_join_the_rule_sets_entities(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "entities.yaml").write_text(
        "kind: entity\nid: israel\ntype: state\nname: Israel\n---\n"
        "kind: entity\nid: hamas\ntype: armed-group\nname: Hamas\n---\n"
        "kind: entity\nid: pij\ntype: armed-group\nname: Palestinian Islamic Jihad\naliases: [PIJ]\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text("entities:\n  Hamas Movement: Hamas\n", encoding="utf-8")
    result = invoke(tmp_path, "acled", EVENTS, "-o", "acled.jsonl", "--mapping", "mapping.yaml")
    assert result.exit_code == 0, result.output
    battle = read(tmp_path / "acled.jsonl")["acled-pse9002"]
    assert [r["entity"] for r in battle["entities"]] == [
        "military-forces-of-israel-2022",
        "hamas",
        "al-quds-brigades",
        "pij",
    ]
    made = entities(tmp_path / "acled.entities.yaml")
    assert "israel" not in made and "hamas" not in made
    assert made["military-forces-of-israel-2022"]["member_of"] == ["israel"]
    assert (
        load(
            [str(tmp_path / "acled.jsonl"), str(tmp_path / "acled.entities.yaml")],
            rules=str(tmp_path / "rules"),
        ).errors
        == []
    )


def test_week_interval_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "mapping.yaml").write_text("week: {before: 0, after: 6}\n", encoding="utf-8")
    assert invoke(tmp_path, "acled", EVENTS, "-o", "acled.jsonl", "--mapping", "mapping.yaml").exit_code == 0
    assert read(tmp_path / "acled.jsonl")["acled-pse9002"]["date"] == "2023-09-07/2023-09-13"


def test_a_week_reaching_past_the_calendar_is_a_bad_date(tmp_path: Path) -> None:
    lines = Path(EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    week = lines[2]  # PSE9002: time_precision 2, three days either side
    days = ("0001-01-01", "9999-12-31", "0001-01-04")
    rows = [week.replace("PSE9002,2023-09-07", f"PSE{n},{day}") for n, day in enumerate(days, 1)]
    (tmp_path / "edges.csv").write_text(lines[0] + "".join(rows), encoding="utf-8")
    result = invoke(tmp_path, "acled", "edges.csv", "-o", "acled.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        # at the field: after `PSE1,`
        "edges.csv:2:6: error: event_date '0001-01-01': the week around it is outside the years 1-9999",
        "edges.csv:3:6: error: event_date '9999-12-31': the week around it is outside the years 1-9999",
    ]
    assert {key: o["date"] for key, o in read(tmp_path / "acled.jsonl").items()} == {
        "acled-pse3": "0001-01-01/0001-01-07"
    }


def test_a_number_python_cannot_read_is_a_bad_number_on_its_row(tmp_path: Path) -> None:
    """An `iso` that is no number, and a count of 5,000 digits (past what `int` converts), raised
    ValueError out of the import (an internal error, exit 3) instead of being errors on their rows."""
    lines = Path(EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    strike = lines[1]  # SYR9001: iso 760, fatalities 3
    assert ",760," in strike and ",3,," in strike
    rows = [
        strike.replace("SYR9001", "SYR1").replace(",760,", ",abc,"),
        strike.replace("SYR9001", "SYR2").replace(",760,", ",-760,"),
        strike.replace("SYR9001", "SYR3").replace(",3,,", "," + "9" * 5000 + ",,"),
        strike.replace("SYR9001", "SYR4"),
    ]
    (tmp_path / "numbers.csv").write_text(lines[0] + "".join(rows), encoding="utf-8")
    result = invoke(tmp_path, "acled", "numbers.csv", "-o", "acled.jsonl")
    assert result.exit_code == 0, result.output
    iso, negative, fatalities = result.stderr.splitlines()
    # each at its field: iso after `…,760` less the 3 characters SYR1 is shorter than SYR9001;
    # fatalities after the quoted notes, whose comma inside the quotes starts no field
    at_iso, at_fatalities = strike.index(",760,") + 2 - 3, strike.index(",3,,") + 2 - 3
    assert (at_iso, at_fatalities) == (167, 400)
    assert rows[2][at_fatalities - 1 :].startswith("999")
    iso_error = "error: iso 'abc' is not an ISO 3166 numeric country code (0 to 999)"
    assert iso == f"numbers.csv:2:{at_iso}: {iso_error}"
    assert (
        negative
        == f"numbers.csv:3:{at_iso}: error: iso '-760' is not an ISO 3166 numeric country code (0 to 999)"
    )
    assert fatalities.startswith(f"numbers.csv:4:{at_fatalities}: error: fatalities '999")
    assert "skipped 3 rows: bad number (3)" in result.stdout.splitlines()
    assert read(tmp_path / "acled.jsonl")["acled-syr4"]["attributes"]["iso"] == 760


def test_bad_rows_are_located_and_skipped(tmp_path: Path) -> None:
    result = invoke(tmp_path, "acled", BAD, "-o", "acled.jsonl")
    assert result.exit_code == 0, result.output
    assert list(read(tmp_path / "acled.jsonl")) == ["acled-syr9106"]
    assert result.stderr.splitlines() == [
        # a field at fault is pointed at: `SYR9101,` is 8 characters, `SYR9104,2023-03-03,2023,` 24
        f"{BAD}:2:9: error: event_date '2023-02-30' is not a date (2023-09-04 or 04 September 2023)",
        # two fields, or the whole row: at the row
        f"{BAD}:3:1: error: no rule maps event_type 'Skirmishes' or sub_event_type 'Skirmish' "
        "(see --mapping)",
        f"{BAD}:4:1: error: expected 31 fields as in the header, got 10",
        f"{BAD}:5:25: error: time_precision '4' is not 1, 2 or 3",
        f"{BAD}:6:124: error: inter2 '9' is not an ACLED actor type (see --mapping)",
        f"{BAD}:8:243: error: fatalities 'many' is not a count (a whole number from 0)",
        f"{BAD}:9:1: error: duplicate observation id 'acled-syr9106' (first at {BAD}:7)",
    ]
    lines = Path(BAD).read_text(encoding="utf-8").splitlines()
    for line, column, text in ((2, 9, "2023-02-30,"), (5, 25, "4,"), (6, 124, "9,"), (8, 243, "many,")):
        assert lines[line - 1][column - 1 :].startswith(text)
    assert result.stdout.splitlines() == [
        "read 8 rows from 1 file",
        "wrote 1 observation to acled.jsonl",
        "wrote 3 new entities to acled.entities.yaml; 0 known entities referenced",
        "skipped 7 rows: bad date (1), bad number (1), bad time precision (1), duplicate id (1), "
        "unknown inter code (1), unmapped event type (1), wrong number of fields (1)",
    ]
    # Entities only the skipped rows needed are not written.
    assert sorted(entities(tmp_path / "acled.entities.yaml")) == [
        "hayat-tahrir-al-sham",
        "military-forces-of-syria-2000",
        "syria",
    ]


def test_strict_fails_and_writes_nothing(tmp_path: Path) -> None:
    result = invoke(tmp_path, "acled", BAD, "-o", "acled.jsonl", "--strict")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "read 8 rows from 1 file",
        "wrote nothing: 7 rows were skipped (--strict)",
        "skipped 7 rows: bad date (1), bad number (1), bad time precision (1), duplicate id (1), "
        "unknown inter code (1), unmapped event type (1), wrong number of fields (1)",
    ]
    assert len(result.stderr.splitlines()) == 7  # the skipped rows' errors
    assert not list(tmp_path.iterdir())


def test_a_file_that_is_not_an_acled_export(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_text("id,date\n1,2023-01-01\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    result = invoke(tmp_path, "acled", "other.csv", "empty.csv", "-o", "acled.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "other.csv:1:1: error: not an ACLED export: the header has no event_id_cnty, event_date, "
        "time_precision, event_type, sub_event_type, actor1, inter1, actor2, inter2, source",
        "empty.csv:1:1: error: empty file: an ACLED export starts with its header row",
    ]
    assert result.stdout.splitlines() == [
        "read 0 rows from 2 files",
        "wrote nothing: 2 files could not be read",
    ]


def test_an_unreadable_header_makes_the_file_unreadable(tmp_path: Path) -> None:
    # a header with a stray quote: every row after it would be misread as the header
    lines = Path(EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "header.csv").write_text('event_id_cnty,"event_date"x\n' + lines[1], encoding="utf-8")
    result = invoke(tmp_path, "acled", "header.csv", "-o", "acled.jsonl")
    assert result.exit_code == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith("header.csv:1:1: error: header row: malformed row: ")
    assert not (tmp_path / "acled.jsonl").exists()


def test_malformed_quoting_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    lines = Path(EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    broken = lines[0] + lines[1].replace('civilians.",3', 'civilians."x,3') + lines[2]
    (tmp_path / "quoting.csv").write_text(broken, encoding="utf-8")
    result = invoke(tmp_path, "acled", "quoting.csv", "-o", "acled.jsonl")
    assert result.exit_code == 0
    assert result.stderr.startswith("quoting.csv:2:1: error: malformed row: ")
    assert list(read(tmp_path / "acled.jsonl")) == ["acled-pse9002"]


def test_a_row_of_many_short_lines_is_bounded_as_a_whole(tmp_path: Path) -> None:
    extra = 100  # columns beyond the required ones, each a quoted field of several lines
    header = ",".join([*REQUIRED, *(f"x{i}" for i in range(extra))])
    event = "X{},2023-09-07,1,Battles,Armed clash,Some Army,1,Some Rebels,2,Some Paper"
    long_row = event.format(1) + ',"one\ntwo\nthree"' * extra  # 16 characters a field: over 1600
    short_row = event.format(2) + ',"a\nb"' * extra  # 6 characters a field: under 700
    plain_row = event.format(3) + "," * extra
    text = "\n".join([header, long_row, short_row, plain_row]) + "\n"
    (tmp_path / "rows.csv").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "acled", "rows.csv", "-o", "acled.jsonl", "--max-record-bytes", "1000")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "rows.csv:2:1: error: unreadable row: row longer than 1000 characters"
    ]
    assert list(read(tmp_path / "acled.jsonl")) == ["acled-x2", "acled-x3"]
    assert "skipped 1 row: malformed row (1)" in result.stdout


def test_a_state_organ_pattern_must_name_the_state(tmp_path: Path) -> None:
    (tmp_path / "mapping.yaml").write_text("state_organ_pattern: '^Forces of (.+) \\('\n", encoding="utf-8")
    result = invoke(tmp_path, "acled", EVENTS, "-o", "acled.jsonl", "--mapping", "mapping.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("mapping.yaml:1:22: error: state_organ_pattern: ")
    assert "group named state" in result.stderr


@pytest.mark.parametrize("bad_line", ["not UTF-8", "too long"])
def test_a_bad_line_inside_a_quoted_field_spoils_its_row_only(tmp_path: Path, bad_line: str) -> None:
    """The row's notes span lines 2-3; its second line is not UTF-8, or over the limit, and holds
    the quote that closes the field.  Rows 4 and 5 must still be read as rows."""
    extra = ',"multi\n' + ("b\udcff" if bad_line == "not UTF-8" else "b" * 1500) + '"'
    header = ",".join([*REQUIRED, "notes"])
    event = "X{},2023-09-07,1,Battles,Armed clash,Some Army,1,Some Rebels,2,Some Paper"
    text = "\n".join([header, event.format(1) + extra, event.format(2) + ",x", event.format(3) + ",y"]) + "\n"
    (tmp_path / "rows.csv").write_bytes(text.encode("utf-8", "surrogateescape"))
    result = invoke(tmp_path, "acled", "rows.csv", "-o", "acled.jsonl", "--max-record-bytes", "1000")
    assert result.exit_code == 0, result.output
    why = (
        "bytes that are not UTF-8 (save the file as UTF-8)"
        if bad_line == "not UTF-8"
        else "line longer than 1000 characters"
    )
    assert result.stderr.splitlines() == [f"rows.csv:3:1: error: unreadable row: {why}"]
    assert list(read(tmp_path / "acled.jsonl")) == ["acled-x2", "acled-x3"]


def test_a_header_naming_a_column_twice_makes_the_file_unreadable(tmp_path: Path) -> None:
    lines = Path(EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "twice.csv").write_text(lines[0].rstrip("\n") + ",Actor1\n" + lines[1].rstrip("\n") + ",X\n")
    result = invoke(tmp_path, "acled", "twice.csv", "-o", "acled.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "twice.csv:1:1: error: the header names 'actor1' more than once",
    ]


def export(path: Path, *rows: tuple[str, str, str]) -> None:
    """An export of rows SYR9201, SYR9202 … from (event_date, time_precision, timestamp),
    each otherwise the good row of bad.csv."""
    header, *lines = Path(BAD).read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    template = next(line for line in lines if line.startswith("SYR9106,")).split(",")
    out = [header]
    for number, (date, precision, timestamp) in enumerate(rows, start=9201):
        fields = dict(zip(columns, template, strict=True))
        fields.update(
            event_id_cnty=f"SYR{number}", event_date=date, time_precision=precision, timestamp=timestamp
        )
        out.append(",".join(fields.values()))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_a_timestamp_is_read_as_its_utc_day(tmp_path: Path) -> None:
    # 2023-09-11T00:00Z is 19611 days of 86400 seconds after 1970-01-01: 1694390400
    export(
        tmp_path / "rows.csv",
        ("2023-09-04", "1", "1694390400"),  # midnight: 2023-09-11
        ("2023-09-04", "1", "1694476799.999999"),  # the day's last instant; as a float, midnight
        ("2023-09-04", "1", "1694431234.0"),  # a column a spreadsheet wrote as floats
        ("2023-09-04", "1", '" 1694431234 "'),  # surrounding spaces, as in every column
        ("2023-09-04", "1", "0001694476800"),  # leading zeros; the next midnight: 2023-09-12
        ("2023-09-04", "1", "253402300799"),  # 9999-12-31T23:59:59Z, the last day there is
    )
    result = invoke(tmp_path, "acled", "rows.csv", "-o", "acled.jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [o["reported"] for o in read(tmp_path / "acled.jsonl").values()] == [
        "2023-09-11",
        "2023-09-11",
        "2023-09-11",
        "2023-09-11",
        "2023-09-12",
        "9999-12-31",
    ]


def test_a_timestamp_that_is_not_a_day_in_seconds_is_a_bad_row(tmp_path: Path) -> None:
    export(
        tmp_path / "rows.csv",
        ("2023-09-04", "1", "1694431234000"),  # milliseconds: the year 55665 in seconds
        ("2023-09-04", "1", "253402300800"),  # 10000-01-01T00:00Z
        ("2023-09-04", "1", "9" * 5000),  # more digits than int() reads
        ("2023-09-04", "1", "-86400"),
        ("2023-09-04", "1", "1.694431234e9"),
        ("2023-09-04", "1", "1_694_431_234"),  # int() would read it
        ("2023-09-04", "1", "1694431234"),
    )
    result = invoke(tmp_path, "acled", "rows.csv", "-o", "acled.jsonl")
    assert result.exit_code == 0
    past = "is after the year 9999 in seconds since 1970 (ACLED gives seconds, not milliseconds)"
    not_seconds = "is not seconds since 1970-01-01 UTC (such as 1694431234)"
    # at the timestamp: the last field, after the 235 characters of those before it
    assert result.stderr.splitlines() == [
        f"rows.csv:2:236: error: timestamp '1694431234000' {past}",
        f"rows.csv:3:236: error: timestamp '253402300800' {past}",
        f"rows.csv:4:236: error: timestamp '{'9' * 30}'… {past}",
        f"rows.csv:5:236: error: timestamp '-86400' {not_seconds}",
        f"rows.csv:6:236: error: timestamp '1.694431234e9' {not_seconds}",
        f"rows.csv:7:236: error: timestamp '1_694_431_234' {not_seconds}",
    ]
    assert (tmp_path / "rows.csv").read_text().splitlines()[1][235:] == "1694431234000"
    assert list(read(tmp_path / "acled.jsonl")) == ["acled-syr9207"]
    assert "skipped 6 rows: bad timestamp (6)" in result.stdout


def test_a_row_published_before_its_event_could_happen_is_a_bad_row(tmp_path: Path) -> None:
    # 2023-09-04T00:00Z is 1693785600; a week-precise 2023-09-07 is 2023-09-04/2023-09-10,
    # a month-precise one 2023-09: published on its first day or later, nothing is amiss
    export(
        tmp_path / "rows.csv",
        ("2023-09-04", "1", "1693785599"),  # 2023-09-03T23:59:59Z
        ("2023-09-04", "1", "1693785600"),  # the event's own day
        ("2023-09-07", "2", "1693785599"),
        ("2023-09-07", "2", "1693872000"),  # 2023-09-05: inside the week, after its first day
        ("2023-09-15", "3", "1693526399"),  # 2023-08-31T23:59:59Z
        ("2023-09-15", "3", "1693526400"),  # 2023-09-01
        ("2023-09-04", "1", "0"),
    )
    result = invoke(tmp_path, "acled", "rows.csv", "-o", "acled.jsonl")
    assert result.exit_code == 0

    def before(line: int, timestamp: str, day: str, date: str) -> str:
        return (
            f"rows.csv:{line}:236: error: timestamp {timestamp!r} is {day}, before the event's date "
            f"{date}: ACLED publishes a row only after its event"
        )

    assert result.stderr.splitlines() == [
        before(2, "1693785599", "2023-09-03", "2023-09-04"),
        before(4, "1693785599", "2023-09-03", "2023-09-04/2023-09-10"),
        before(6, "1693526399", "2023-08-31", "2023-09"),
        before(8, "0", "1970-01-01", "2023-09-04"),
    ]
    written = read(tmp_path / "acled.jsonl")
    assert {key: (o["date"], o["reported"]) for key, o in written.items()} == {
        "acled-syr9202": ("2023-09-04", "2023-09-04"),
        "acled-syr9204": ("2023-09-04/2023-09-10", "2023-09-05"),
        "acled-syr9206": ("2023-09", "2023-09-01"),
    }
    assert "skipped 4 rows: timestamp before the event (4)" in result.stdout
