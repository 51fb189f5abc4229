"""`iandw import gdelt` on the real GDELT 2.0 export slot in shared/data, and on broken rows."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from iandw.api import evaluate
from iandw.cli.import_command import import_command
from iandw.loader import load
from worlds import SHARED_DATA

GDELT = os.path.join(SHARED_DATA, "gdelt", "20150218230000.export.CSV")
needs_data = pytest.mark.skipif(not os.path.exists(GDELT), reason="shared/data is not present")

# The documented CAMEO mapping (docs/import.md), restated independently of the shipped YAML.
ROOT_TYPES = {
    "01": "statement",
    "02": "appeal",
    "03": "intent-to-cooperate",
    "04": "meeting",
    "05": "cooperation",
    "06": "cooperation",
    "07": "aid",
    "08": "concession",
    "09": "investigation",
    "10": "demand",
    "11": "disapproval",
    "12": "rejection",
    "13": "threat",
    "14": "protest",
    "15": "force-posture",
    "16": "reduced-relations",
    "17": "coercion",
    "18": "attack",
    "19": "fight",
    "20": "attack",
}
SPECIFIC_TYPES = {"036": "meeting", "042": "visit", "043": "visit"}

INDICATOR = """\
kind: indicator
id: meeting-then-attack
title: Two states met, then one of them attacked or fought within two weeks
vars:
  attacker: {type: state}
  partner: {type: state}
select:
  meeting:
    type: [meeting, visit]
    entities:
      - {of: $attacker}
      - {of: $partner}
  attack:
    type: [attack, fight]
    entities:
      - {of: $attacker, role: perpetrator}
require:
  - {first: meeting, then: attack, within: 2w}
likelihood_ratio: 2
"""


def expected_type(code: str) -> str:
    return SPECIFIC_TYPES.get(code[:3]) or ROOT_TYPES[code[:2]]


def event_codes() -> list[str]:
    """The EventCode (column 27) of every row of the export slot."""
    with open(GDELT, encoding="utf-8", newline="") as stream:
        return [row[26] for row in csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)]


def invoke(cwd: Path, *args: str) -> Result:
    """Run `iandw import` in `cwd`, so that no rules/ or observations/ of the repository leak in."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(import_command, list(args), catch_exceptions=False)


def observations(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real export imported into out/gdelt.jsonl (+ out/gdelt.entities.yaml)."""
    if not os.path.exists(GDELT):
        pytest.skip("shared/data is not present")
    work = tmp_path_factory.mktemp("gdelt")
    (work / "out").mkdir()
    result = invoke(work, "gdelt", GDELT, "-o", "out/gdelt.jsonl")
    assert result.exit_code == 0, result.output
    return work / "out"


@needs_data
def test_one_observation_per_row_with_the_types_of_the_event_codes(imported: Path) -> None:
    with open(GDELT, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE))
    written = observations(imported / "gdelt.jsonl")
    assert [o["id"] for o in written] == [f"gdelt-{row[0]}" for row in rows]
    assert Counter(o["type"] for o in written) == Counter(expected_type(row[26]) for row in rows)
    counts = Counter(o["type"] for o in written)
    # the documented table, counted on the raw codes: 042 and 043 are visits; 036 and the
    # rest of root 04 are meetings; roots 18 and 20 are attacks, 19 fights
    codes = event_codes()
    visits = sum(c[:3] in ("042", "043") for c in codes)
    meetings = sum(c[:3] == "036" or (c[:2] == "04" and c[:3] not in ("042", "043")) for c in codes)
    attacks = sum(c[:2] in ("18", "20") for c in codes)
    fights = sum(c[:2] == "19" for c in codes)
    assert min(visits, meetings, attacks, fights) > 0  # each kind is in the slot
    assert (len(written), counts["visit"], counts["meeting"], counts["attack"], counts["fight"]) == (
        len(codes),
        visits,
        meetings,
        attacks,
        fights,
    )


@needs_data
def test_sqldate_is_the_date_and_dateadded_the_reported_day(imported: Path) -> None:
    first = observations(imported / "gdelt.jsonl")[0]
    assert (first["id"], first["date"], first["reported"]) == ("gdelt-410412347", "2014-02-18", "2015-02-18")
    assert first["type"] == "visit"  # 043 host a visit: Actor2 (GOV) is the visitor
    assert first["entities"] == [{"entity": "government", "role": "visitor"}]
    assert first["sources"] == [
        {
            "name": "dailymaverick.co.za",
            "origin": "dailymaverick.co.za",
            "url": "http://www.dailymaverick.co.za/article/2015-02-19-sona2015-jamming-state-security-agency-"
            "steps-forward-blames-low-ranking-operator/",
            "reliability": "D",
            "credibility": 4,
            "note": "machine-coded by GDELT",
        }
    ]
    assert first["attributes"]["cameo_event_code"] == "043"
    assert first["attributes"]["goldstein"] == 2.8


@needs_data
def test_sources_without_a_url_keep_their_text(imported: Path) -> None:
    texts = {o["sources"][0]["name"] for o in observations(imported / "gdelt.jsonl")}
    assert "Al-Sharq al-Awsat website, London/BBC Monitoring/(c) BBC" in texts


@needs_data
def test_actor_codes_become_states_and_their_organs(imported: Path) -> None:
    entities = {
        e["id"]: e for e in yaml.safe_load_all((imported / "gdelt.entities.yaml").read_text("utf-8")) if e
    }
    assert entities["united-states"] == {
        "kind": "entity",
        "id": "united-states",
        "type": "state",
        "name": "United States",
        "attributes": {"cameo_country": "USA"},
    }
    government = entities["united-states-government"]
    assert (government["type"], government["member_of"]) == ("government-body", ["united-states"])
    assert government["attributes"]["cameo_code"] == "USAGOV"
    assert entities["al-qaeda"]["attributes"] == {"cameo_known_group": "ALQ"}
    assert list(entities) == sorted(entities)


@needs_data
def test_a_country_code_with_a_role_gdelt_left_untyped_is_not_the_state(imported: Path) -> None:
    # Event 410414582 of the slot: Actor1Code USAREL ("SAN FRANCISCO"), Actor1CountryCode
    # USA, every Actor1Type column empty; Actor2 is USA itself. Event 410414581: USAPTY.
    written = {o["id"]: o for o in observations(imported / "gdelt.jsonl")}
    assert [r["entity"] for r in written["gdelt-410414582"]["entities"]] == [
        "united-states-rel",
        "united-states",
    ]
    assert [r["entity"] for r in written["gdelt-410414581"]["entities"]] == [
        "united-states-political-party",  # PTY: CAMEO's party code, not in GDELT's type lookup
        "united-states",
    ]
    entities = {
        e["id"]: e for e in yaml.safe_load_all((imported / "gdelt.entities.yaml").read_text("utf-8")) if e
    }
    assert entities["united-states-rel"] == {
        "kind": "entity",
        "id": "united-states-rel",
        "type": "actor",
        "name": "United States REL",
        "attributes": {
            "cameo_code": "USAREL",
            "cameo_country": "USA",
            "cameo_types": ["REL"],
            "country": "united-states",
        },
    }


@needs_data
def test_religion_codes_with_their_numbers_are_distinct_actors(imported: Path) -> None:
    # Event 410412833: CHRPRO300 "PRESBYTERIAN"; 410412835: CHRPRO365 "UNITED CHURCH OF CHRIST".
    # GDELT breaks out Religion1Code CHR and Religion2Code PRO for both; the number that ends a
    # CAMEO religion code (CAMEO manual 1.1b3, section 4.4) names the denomination.
    written = {o["id"]: o for o in observations(imported / "gdelt.jsonl")}
    assert written["gdelt-410412833"]["entities"][0]["entity"] == "christian-protestant-300"
    assert written["gdelt-410412835"]["entities"][0]["entity"] == "christian-protestant-365"
    entities = {
        e["id"]: e for e in yaml.safe_load_all((imported / "gdelt.entities.yaml").read_text("utf-8")) if e
    }
    assert entities["christian-protestant-365"] == {
        "kind": "entity",
        "id": "christian-protestant-365",
        "type": "religious-group",
        "name": "Christian Protestant 365",
        "attributes": {"cameo_code": "CHRPRO365", "cameo_religions": ["CHR", "PRO", "365"]},
    }
    assert "christian-protestant" not in entities


@needs_data
def test_codes_gdelt_broke_out_into_no_column_are_still_read(imported: Path) -> None:
    # 410412559: Actor2Code REL ("CLERIC"), every other Actor2 column empty; 410413301:
    # Actor2Code PTY ("POLITICIAN"); 410413314: Actor2Code SCGSRB ("SERBIA"), country SRB.
    written = {o["id"]: o for o in observations(imported / "gdelt.jsonl")}
    assert [written[f"gdelt-{n}"]["entities"][-1]["entity"] for n in (410412559, 410413301, 410413314)] == [
        "rel",
        "political-party",
        "serbia",
    ]
    entities = {
        e["id"]: e for e in yaml.safe_load_all((imported / "gdelt.entities.yaml").read_text("utf-8")) if e
    }
    assert entities["rel"]["attributes"] == {"cameo_code": "REL", "cameo_types": ["REL"]}
    assert entities["political-party"] == {
        "kind": "entity",
        "id": "political-party",
        "type": "political-party",
        "name": "Political Party",
        "attributes": {"cameo_code": "PTY", "cameo_types": ["PTY"]},
    }


def test_an_actor_is_never_read_as_less_than_its_code_says(tmp_path: Path) -> None:
    path = tmp_path / "rows.CSV"
    path.write_text(
        row(c0="1", c5="SCGSRBPTY", c7="SRB")  # a Serbian party, PTY in no column: not the state
        + row(c0="2", c5="SCGSRB", c7="SRB")  # Serbia within Serbia and Montenegro: the state
        + row(c0="3", c5="ISRGOV", c7="ISR", c12="GOV")
        + row(c0="4", c5="ISRGOVLKD", c7="ISR", c12="GOV")  # Likud in government, LKD in no column
        + row(c0="5", c5="IGOEUREEC", c7="EUR", c8="EEC", c12="IGO")  # a known group is itself
        + row(c0="6", c5="USAGOVPTY", c7="USA", c12="GOV"),  # a governing party: GOV comes first
        encoding="utf-8",
    )
    result = invoke(tmp_path, "gdelt", str(path), "-o", "out.jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [o["entities"][0]["entity"] for o in observations(tmp_path / "out.jsonl")] == [
        "serbia-political-party",
        "serbia",
        "israel-government",
        "israel-government-lkd",
        "european-union",
        "united-states-government-political-party",
    ]
    entities = {
        e["id"]: e for e in yaml.safe_load_all((tmp_path / "out.entities.yaml").read_text("utf-8")) if e
    }
    party = entities["serbia-political-party"]
    assert (party["type"], party.get("member_of"), party["attributes"]["cameo_types"]) == (
        "political-party",
        None,
        ["PTY"],
    )
    governing = entities["united-states-government-political-party"]
    assert (governing["type"], governing["member_of"]) == ("government-body", ["united-states"])
    likud = entities["israel-government-lkd"]
    assert (likud["name"], likud["member_of"], likud["attributes"]["cameo_types"]) == (
        "Israel Government LKD",
        ["israel"],
        ["GOV", "LKD"],
    )


def test_an_untyped_role_code_after_a_country_takes_its_mapped_type(tmp_path: Path) -> None:
    # USAMIL with the type columns empty is still the US military, a member of the state
    path = tmp_path / "rows.CSV"
    path.write_text(row(c5="USAMIL") + row(c0="2", c5="USA"), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", str(path), "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    written = observations(tmp_path / "out.jsonl")
    assert [[r["entity"] for r in o["entities"]] for o in written] == [
        ["united-states-military", "russia"],
        ["united-states", "russia"],
    ]
    entities = {
        e["id"]: e for e in yaml.safe_load_all((tmp_path / "out.entities.yaml").read_text("utf-8")) if e
    }
    military = entities["united-states-military"]
    assert (military["type"], military["member_of"]) == ("armed-force", ["united-states"])


def test_a_leap_second_in_dateadded_is_its_own_day(tmp_path: Path) -> None:
    # the last second of 2016 was the leap second 23:59:60 UTC; only DATEADDED's day is read
    path = tmp_path / "rows.CSV"
    path.write_text(row(c1="20161231", c59="20161231235960"), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", str(path), "-o", "out.jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [(o["date"], o["reported"]) for o in observations(tmp_path / "out.jsonl")] == [
        ("2016-12-31", "2016-12-31")
    ]


@needs_data
def test_the_output_validates(imported: Path) -> None:
    result = load([str(imported)], rules=None)
    assert result.errors == []
    assert len(result.case.observations) == 2271


@needs_data
def test_an_indicator_over_imported_meetings_and_attacks_evaluates(imported: Path, tmp_path: Path) -> None:
    (tmp_path / "indicator.yaml").write_text(INDICATOR, encoding="utf-8")
    result = load([str(imported)], rules=str(tmp_path))
    assert result.errors == []
    report = evaluate(result.case, as_of=dt.date(2015, 2, 19))
    groups = {(g.vars["attacker"], g.vars["partner"]): g.status for g in report.indicators[0].groups}
    assert groups[("israel", "occupied-palestinian-territory")] == "fired"
    assert len(groups) > 10
    # GDELT added every event on 2015-02-18: as of the day before, nothing was known.
    before = evaluate(result.case, as_of=dt.date(2015, 2, 17))
    assert before.indicators[0].groups == []


@needs_data
def test_output_is_deterministic(imported: Path, tmp_path: Path) -> None:
    assert invoke(tmp_path, "gdelt", GDELT, "-o", "again.jsonl").exit_code == 0
    assert (tmp_path / "again.jsonl").read_bytes() == (imported / "gdelt.jsonl").read_bytes()
    assert (tmp_path / "again.entities.yaml").read_bytes() == (imported / "gdelt.entities.yaml").read_bytes()


@needs_data
def test_actors_resolve_to_the_rule_sets_entities(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "states.yaml").write_text(
        "kind: entity\nid: russia\ntype: state\nname: Russian Federation\naliases: [Russia]\n---\n"
        "kind: entity\nid: usa\ntype: state\nname: United States of America\naliases: [United States]\n",
        encoding="utf-8",
    )
    result = invoke(tmp_path, "gdelt", GDELT, "-o", "gdelt.jsonl")
    assert result.exit_code == 0, result.output
    assert "2 known entities referenced" in result.stdout
    written = observations(tmp_path / "gdelt.jsonl")
    referenced = {r["entity"] for o in written for r in o["entities"]}
    assert {"russia", "usa"} <= referenced
    new = {e["id"]: e for e in yaml.safe_load_all((tmp_path / "gdelt.entities.yaml").read_text("utf-8")) if e}
    assert "united-states" not in new and "russia" not in new
    assert new["united-states-government"]["member_of"] == ["usa"]
    loaded = load(
        [str(tmp_path / "gdelt.jsonl"), str(tmp_path / "gdelt.entities.yaml")], rules=str(tmp_path / "rules")
    )
    assert loaded.errors == []


@needs_data
def test_mapping_and_grade_overrides(tmp_path: Path) -> None:
    (tmp_path / "mapping.yaml").write_text(
        "# visits are diplomatic visits here; telephone calls are not meetings\n"
        "event_codes:\n"
        '  "042": {type: diplomatic-visit, roles: [guest, host]}\n'
        '  "041": {type: phone-call}\n',
        encoding="utf-8",
    )
    result = invoke(
        tmp_path, "gdelt", GDELT, "-o", "gdelt.jsonl", "--mapping", "mapping.yaml", "--grade", "F6"
    )
    assert result.exit_code == 0, result.output
    written = observations(tmp_path / "gdelt.jsonl")
    counts = Counter(o["type"] for o in written)
    # the overrides take 042 from the visits and 041 from the meetings; 043 stays a visit
    codes = event_codes()
    made, hosted, phoned = (sum(c[:3] == code for c in codes) for code in ("042", "043", "041"))
    meetings = sum(c[:3] == "036" or (c[:2] == "04" and c[:3] not in ("041", "042", "043")) for c in codes)
    assert min(made, hosted, phoned, meetings) > 0  # each kind is in the slot
    assert (counts["diplomatic-visit"], counts["visit"], counts["phone-call"], counts["meeting"]) == (
        made,
        hosted,
        phoned,
        meetings,
    )
    assert {(s["reliability"], s["credibility"]) for o in written for s in o["sources"]} == {("F", 6)}


def row(**values: str) -> str:
    """A GDELT 2.0 row: 61 tab-separated fields, a visit of USA to RUS unless changed."""
    fields = [""] * 61
    fields[0], fields[1], fields[59], fields[60] = (
        "1",
        "20230301",
        "20230302101500",
        "https://www.example.org/a",
    )
    fields[5], fields[7], fields[15], fields[17] = "USA", "USA", "RUS", "RUS"
    fields[26], fields[27], fields[28], fields[29] = "042", "042", "04", "1"
    for name, value in values.items():
        fields[int(name.removeprefix("c"))] = value
    return "\t".join(fields) + "\n"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.CSV"
    with open(path, "wb") as stream:
        stream.write(row().encode())  # line 1: good
        stream.write(row(c0="2", c1="20230230").encode())  # 2: no such day
        stream.write(row(c0="3", c26="4x").encode())  # 3: not a CAMEO code
        stream.write(row(c0="4", c30="high").encode())  # 4: GoldsteinScale not a number
        stream.write(b"5\t20230301\ttoo few columns\n")  # 5
        stream.write(row(c0="6", c6="caf\xe9").encode("latin-1"))  # 6: not UTF-8
        stream.write(row(c0="7", c60="https://example.org/" + "x" * 5000).encode())  # 7: too long
        stream.write(row(c0="1").encode())  # 8: the id of line 1 again
        stream.write(row(c0="9", c30="nan").encode())  # 9: NaN is not a number JSON can hold
        stream.write(row(c0="10", c26="2222").encode())  # 10: no rule for root 22
        stream.write(row(c0="11", c1="20230303").encode())  # 11: good
    return path


def test_bad_rows_are_located_and_skipped(broken: Path, tmp_path: Path) -> None:
    result = invoke(tmp_path, "gdelt", str(broken), "-o", "out.jsonl", "--max-record-bytes", "4096")
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in observations(tmp_path / "out.jsonl")] == ["gdelt-1", "gdelt-11"]
    name = str(broken)
    located = [line.removeprefix(name + ":").split(":", 2) for line in result.stderr.splitlines()]
    assert [(int(line), message) for line, _, message in located] == [
        (2, " error: SQLDATE '20230230' is not a date (YYYYMMDD)"),
        (3, " error: EventCode '4x' is not a CAMEO code"),
        (4, " error: GoldsteinScale 'high' is not a number"),
        (5, " error: expected 61 tab-separated columns (a GDELT 2.0 export row), got 3"),
        (6, " error: unreadable row: bytes that are not UTF-8 (save the file as UTF-8)"),
        (7, " error: unreadable row: line longer than 4096 characters"),
        (8, f" error: duplicate observation id 'gdelt-1' (first at {name}:1)"),
        (9, " error: GoldsteinScale 'nan' is not a number"),
        (10, " error: no rule maps EventCode '2222' (see --mapping)"),
    ]
    # A bad field is pointed at: its column is where its text starts.
    lines = broken.read_bytes().decode("utf-8", errors="replace").splitlines()
    columns = {int(line): int(column) for line, column, _ in located}
    for line, text in ((2, "20230230"), (3, "4x\t"), (4, "high"), (9, "nan"), (10, "2222")):
        assert lines[line - 1][columns[line] - 1 :].startswith(text)
    assert "skipped 9 rows: bad date (1), bad event code (1), bad number (2)" in result.stdout


def test_strict_fails_and_writes_nothing(broken: Path, tmp_path: Path) -> None:
    result = invoke(tmp_path, "gdelt", str(broken), "-o", "out.jsonl", "--strict")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[:2] == [
        "read 11 rows from 1 file",
        "wrote nothing: 8 rows were skipped (--strict)",  # line 7 is short of the default limit
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.CSV"]


def test_a_file_that_is_not_an_export_is_one_error_and_fails_the_import(tmp_path: Path) -> None:
    """Its first 10 rows have 1 column each: one error at its first row, not one per row."""
    (tmp_path / "bundle.json").write_text("{\n" + '  "a": 1,\n' * 28 + "}\n", encoding="utf-8")
    (tmp_path / "good.CSV").write_text(row(), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "good.CSV", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "bundle.json:1:1: error: not a GDELT 2.0 export: expected 61 tab-separated columns, got 1, "
        "and no row of its first 10 has 61 columns",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json", "good.CSV"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        # a comma-separated file of one row, after two blank lines: said at that row
        (b"\n\nid,date\n", "3:1: error: not a GDELT 2.0 export: expected 61 tab-separated columns, got 1"),
        # the zip GDELT publishes, not unzipped: no row of it can be read
        (
            b"PK\x03\x04\x14\x00\xff\xfe\n",
            "1:1: error: not a GDELT 2.0 export: unreadable row: bytes that are not UTF-8 "
            "(save the file as UTF-8)",
        ),
    ],
)
def test_a_short_file_that_is_not_an_export(tmp_path: Path, content: bytes, error: str) -> None:
    (tmp_path / "in.CSV").write_bytes(content)
    result = invoke(tmp_path, "gdelt", "in.CSV", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "in.CSV:" + error


def test_an_export_whose_first_rows_are_bad_is_still_read(tmp_path: Path) -> None:
    """One export row among the first 10 makes the file an export: its bad rows are errors of their own."""
    bad = "1\t20230301\tcut short\n"
    (tmp_path / "in.CSV").write_text(bad * 9 + row(c0="10"), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "in.CSV", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"in.CSV:{line}:1: error: expected 61 tab-separated columns (a GDELT 2.0 export row), got 3"
        for line in range(1, 10)
    ]
    assert [o["id"] for o in observations(tmp_path / "out.jsonl")] == ["gdelt-10"]
    # ten bad rows first decide it: the file is refused, its 11th row with it
    (tmp_path / "in.CSV").write_text(bad * 10 + row(c0="11"), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "in.CSV", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "in.CSV:1:1: error: not a GDELT 2.0 export: expected 61 tab-separated columns, got 3, "
        "and no row of its first 10 has 61 columns"
    )


def test_a_directory_of_gdelt_slots_is_searched_for_event_exports(tmp_path: Path) -> None:
    """GDELT publishes each slot's events beside its mentions and GKG files, which are not events."""
    (tmp_path / "slots").mkdir()
    (tmp_path / "slots" / "20230301000000.export.CSV").write_text(row(), encoding="utf-8")
    (tmp_path / "slots" / "20230301000000.mentions.CSV").write_text("1\t2\n", encoding="utf-8")
    (tmp_path / "slots" / "20230301000000.gkg.csv").write_text("1\t2\n", encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "slots", "-o", "g.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "slots:1:1: warning: skipped 2 files not ending in .export.csv: "
        "20230301000000.gkg.csv, 20230301000000.mentions.CSV"
    ]
    assert result.stdout.startswith("read 1 row from 1 file\n")


def test_a_bad_mapping_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "mapping.yaml").write_text('event_codes:\n  "04": {typo: x}\n')
    (tmp_path / "in.CSV").write_text(row(), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "in.CSV", "-o", "out.jsonl", "--mapping", "mapping.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("mapping.yaml:2:10: error: unknown key 'typo' (did you mean 'type'?)")
    assert not (tmp_path / "out.jsonl").exists()


def test_an_unquoted_code_in_a_mapping_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "mapping.yaml").write_text("event_codes:\n  036: {type: meeting}\n")
    (tmp_path / "in.CSV").write_text(row(), encoding="utf-8")
    result = invoke(tmp_path, "gdelt", "in.CSV", "-o", "out.jsonl", "--mapping", "mapping.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'mapping.yaml:2:3: error: key 30 was read as a number: quote codes and names, such as "036"'
    ]
    assert not (tmp_path / "out.jsonl").exists()
