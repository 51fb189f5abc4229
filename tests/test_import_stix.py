"""`iandw import stix` on the OASIS STIX 2.1 example bundles in shared/data, and on broken ones."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from iandw.api import evaluate
from iandw.cli.import_command import import_command
from iandw.importers.stix import credibility
from iandw.loader import load
from worlds import SHARED_DATA

STIX = os.path.join(SHARED_DATA, "stix")
BUNDLES = (
    sorted(os.path.join(STIX, name) for name in os.listdir(STIX) if name.endswith(".json"))
    if os.path.isdir(STIX)
    else []
)
needs_data = pytest.mark.skipif(not BUNDLES, reason="shared/data is not present")

SIGHTING = "sighting--8356e820-8080-4692-aa91-ecbe94006833"
OBSERVED = "observed-data--cf8eaa41-6f4c-482e-89b9-9cd2d6a83cb1"
BRAN_FLAKES = "campaign--e5268b6e-4931-42f1-b379-87f48eb41b1e"
OMEGA = "campaign--b549a58c-afd9-4847-85c3-5be13d56d3cc"
APT1_REPORT = "report--e33ffe07-2f4c-48d8-b0af-ee2619d765cf"
APT1_ATTRIBUTION = "relationship--8668d82a-1c97-4bea-a367-e391b025e00e"


def invoke(cwd: Path, *args: str) -> Result:
    """Run `iandw import` in `cwd`, so that no rules/ or observations/ of the repository leak in."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(import_command, list(args), catch_exceptions=False)


def read(path: Path) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def entities(path: Path) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in yaml.safe_load_all(path.read_text(encoding="utf-8")) if e}


def expected_summary() -> list[str]:
    """The import's summary, counted on the bundles by the documented mapping (docs/import.md).

    Observations: each campaign, sighting, observed-data and report; each intrusion-set,
    threat-actor, malware or infrastructure with first_seen/last_seen (an `activity`); each relationship
    not folded into a campaign (one with a campaign at either end is folded).  Entities:
    every other object (SDOs such as identity, tool, indicator, and the observables),
    and the campaigns too; those that became an activity are observations first.
    """
    objects = [o for path in BUNDLES for o in json.loads(Path(path).read_text(encoding="utf-8"))["objects"]]
    kinds = [o["type"] for o in objects]
    relationships = [o for o in objects if o["type"] == "relationship"]
    folded = sum(
        r["source_ref"].startswith("campaign--") or r["target_ref"].startswith("campaign--")
        for r in relationships
    )
    activity = sum(
        o["type"] in ("intrusion-set", "threat-actor", "malware", "infrastructure")
        and ("first_seen" in o or "last_seen" in o)
        for o in objects
    )
    dated = sum(kinds.count(kind) for kind in ("campaign", "sighting", "observed-data", "report"))
    observations = len(relationships) - folded + dated + activity
    entity_objects = len(objects) - len(relationships) - dated
    new_entities = entity_objects + kinds.count("campaign")
    not_observations = entity_objects - activity
    return [
        f"read {len(objects)} objects from {len(BUNDLES)} files",
        f"wrote {observations} observations to stix.jsonl",
        f"wrote {new_entities} new entities to stix.entities.yaml; 0 known entities referenced",
        "skipped 0 objects",
        f"{not_observations + folded} objects not observations: entity ({not_observations}), "
        f"relationship folded into an observation ({folded})",
    ]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not BUNDLES:
        pytest.skip("shared/data is not present")
    work = tmp_path_factory.mktemp("stix")
    result = invoke(work, "stix", *BUNDLES, "-o", "stix.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == expected_summary()
    return work


@needs_data
def test_sightings_and_observed_data_keep_their_intervals_and_entities(imported: Path) -> None:
    observations = read(imported / "stix.jsonl")
    sighting = observations[SIGHTING]
    assert (sighting["type"], sighting["date"], sighting["reported"]) == (
        "sighting",
        "2017-02-27",
        "2017-02-28",
    )
    assert sighting["entities"] == [
        {"entity": "malicious-url", "role": "sighted"},
        {"entity": "beta-cyber-intelligence-company", "role": "observer"},
    ]
    assert sighting["sources"] == [
        {
            "name": "Beta Cyber Intelligence Company",
            "origin": "Beta Cyber Intelligence Company",
            "reliability": "C",
            "credibility": 3,
        }
    ]
    observed = observations[OBSERVED]
    assert (observed["type"], observed["date"], observed["reported"]) == (
        "observed-data",
        "2017-02-27",
        "2017-02-28",
    )
    assert observed["entities"] == [{"entity": "resume-pdf", "role": "observed"}]
    # what its observed data saw made it a sighting of the trojan (STIX 2.1 5.2)
    assert observations["sighting--779c4ae8-e134-4180-baa4-03141095d971"]["entities"] == [
        {"entity": "online-job-site-trojan", "role": "sighted"},
        {"entity": "oscorp-industries", "role": "observer"},
        {"entity": "resume-pdf", "role": "observed"},
        {"entity": "hkey-local-machine-system-controlset001-services-wsalg2", "role": "observed"},
    ]


@needs_data
def test_campaigns_are_open_intervals_with_their_relationships_folded_in(imported: Path) -> None:
    observations = read(imported / "stix.jsonl")
    campaign = observations[BRAN_FLAKES]
    assert (campaign["date"], campaign["reported"], campaign["summary"]) == (
        "2016-01-08/..",
        "2016-08-08",
        "Operation Bran Flakes",
    )
    assert campaign["entities"] == [
        {"entity": "operation-bran-flakes", "role": "campaign"},
        {"entity": "fake-bpp-branistan-peoples-party", "role": "responsible"},
        {"entity": "apt-bpp", "role": "responsible"},
        {"entity": "branistan-peoples-party", "role": "target"},
        {"entity": "content-spoofing", "role": "used"},
    ]
    # No first_seen: it happened at some time up to when it was recorded.
    assert observations[OMEGA]["date"] == "../2014-09-09"
    assert observations[OMEGA]["entities"][1] == {"entity": "test-name", "role": "ioc"}


@needs_data
def test_a_report_dates_what_it_contains(imported: Path) -> None:
    observations = read(imported / "stix.jsonl")
    report = observations[APT1_REPORT]
    assert (report["type"], report["date"], report["reported"]) == ("report", "2013-02-19", "2013-02-19")
    attribution = observations[APT1_ATTRIBUTION]  # created 2015-05-15, in the report published 2013-02-19
    assert attribution == {
        "id": APT1_ATTRIBUTION,
        "type": "attribution",
        "date": "../2013-02-19",
        "reported": "2013-02-19",
        "summary": "APT1 attributed-to Unit 61398",
        "entities": [
            {"entity": "apt1", "role": "attributed"},
            {"entity": "unit-61398", "role": "responsible"},
        ],
        "attributes": {
            "stix_id": APT1_ATTRIBUTION,
            "stix_type": "relationship",
            "relationship_type": "attributed-to",
        },
        "sources": [
            {
                "name": "STIX bundle--cf20f99b-3ed2-4a9f-b4f1-d660a7fc8241",
                "origin": "bundle--cf20f99b-3ed2-4a9f-b4f1-d660a7fc8241",
                "note": "no created_by_ref",
                "reliability": "C",
                "credibility": 3,
            }
        ],
    }
    assert observations["intrusion-set--da1065ce-972c-4605-8755-9cd1074e3b5a"]["date"] == "2006-06-01/.."


@needs_data
def test_stix_objects_become_entities(imported: Path) -> None:
    made = entities(imported / "stix.entities.yaml")
    apt1 = made["apt1"]
    apt1_id = "intrusion-set--da1065ce-972c-4605-8755-9cd1074e3b5a"
    # its STIX id is an alias too: a second import of the bundle finds it by id, not by name
    assert (apt1["type"], apt1["aliases"]) == (
        "intrusion-set",
        ["Comment Crew", "Comment Group", "Shady Rat", apt1_id],
    )
    assert apt1["attributes"]["stix_id"] == apt1_id
    assert made["jackwang"]["type"] == "person"  # identity_class individual
    assert made["oscorp-industries"]["type"] == "organisation"
    assert made["malicious-url"]["type"] == "ioc"
    assert made["resume-pdf"]["type"] == "file"  # a cyber observable
    assert made["resume-pdf"]["attributes"]["hashes_md5"] == "1717b7fff97d37a1e1a0029d83492de1"
    assert made["content-spoofing"]["attributes"]["external_ids"] == ["CAPEC-148"]
    # Two objects named DOTA/dota: the second gets its STIX id's first digits.
    assert (made["dota"]["type"], made["dota-0e9d20d9"]["type"]) == ("threat-actor", "person")


@needs_data
def test_the_output_validates_and_evaluates(imported: Path, tmp_path: Path) -> None:
    (tmp_path / "attribution.yaml").write_text(
        "kind: indicator\nid: attributed-campaign\ntitle: A campaign attributed to an intrusion set\n"
        "vars: {actor: {type: intrusion-set}}\n"
        "select:\n  campaign: {type: campaign, entities: [{entity: $actor, role: responsible}]}\n"
        "likelihood_ratio: 2\n",
        encoding="utf-8",
    )
    result = load([str(imported)], rules=str(tmp_path))
    assert result.errors == []
    report = evaluate(result.case, as_of=dt.date(2016, 12, 31))
    assert [(g.vars, g.status) for g in report.indicators[0].groups] == [({"actor": "apt-bpp"}, "fired")]


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        *[(0, 5), (19, 5), (20, 4), (50, 3), (79, 2), (80, 1), (100, 1), (85.0, 1)],
        *[(101, None), (True, None), (85.5, None), ("85", None)],
    ],
)
def test_stix_confidence_is_admiralty_credibility(confidence: Any, expected: int | None) -> None:
    assert credibility(confidence) == expected


def bundle(*objects: dict[str, Any]) -> str:
    return json.dumps(
        {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": list(objects)},
        indent=1,
    )


def sdo(kind: str, number: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--00000000-0000-4000-8000-{number:012d}",
        "created": "2023-01-02T03:04:05Z",
        "modified": "2023-01-02T03:04:05Z",
        **fields,
    }


def test_relationship_times_confidence_versions_and_revocations(tmp_path: Path) -> None:
    producer = sdo("identity", 1, name="Example CERT", identity_class="organization")
    actor = sdo("threat-actor", 2, name="Example Actor", created_by_ref=producer["id"])
    victim = sdo("identity", 3, name="Example Victim", identity_class="organization")
    targets = sdo(
        "relationship",
        4,
        relationship_type="targets",
        source_ref=actor["id"],
        target_ref=victim["id"],
        start_time="2022-12-30T23:00:00-02:00",
        stop_time="2023-01-01T10:00:00Z",
        confidence=85,
        created_by_ref=producer["id"],
    )
    old = {
        **sdo("relationship", 5, relationship_type="uses", source_ref=actor["id"], target_ref=victim["id"])
    }
    new = {**old, "modified": "2023-02-01T00:00:00.5Z", "relationship_type": "related-to"}
    revoked = sdo("campaign", 6, name="Withdrawn", revoked=True)
    (tmp_path / "bundle.json").write_text(
        bundle(producer, actor, victim, targets, new, old, revoked), encoding="utf-8"
    )
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    observations = read(tmp_path / "out.jsonl")
    assert list(observations) == [targets["id"], new["id"]]
    relationship = observations[targets["id"]]
    assert (relationship["type"], relationship["date"], relationship["reported"]) == (
        "targeting",
        "2022-12-31/2023-01-01",  # 23:00 at UTC-2 is the next day in UTC
        "2023-01-02",
    )
    assert relationship["sources"] == [
        {
            "name": "Example CERT",
            "origin": "Example CERT",
            "reliability": "C",
            "credibility": 1,
            "note": "STIX confidence 85",
        }
    ]
    assert observations[new["id"]]["type"] == "related"  # the newer version wins
    assert "5 objects not observations: entity (3), older version (1), revoked (1)" in result.stdout


def test_the_latest_version_in_utc_wins_and_a_revoked_one_revokes_the_object(tmp_path: Path) -> None:
    original = sdo("campaign", 1, name="Original")
    withdrawn = {**original, "modified": "2023-03-01T00:00:00Z", "revoked": True}
    six_utc = sdo("campaign", 2, name="Six UTC", modified="2023-01-02T06:00:00Z")
    # 10:00 at UTC+5 is 05:00 UTC: older, though its clock reads later
    ten_local = {**six_utc, "name": "Ten at UTC+5", "modified": "2023-01-02T10:00:00+05:00"}
    (tmp_path / "bundle.json").write_text(bundle(original, withdrawn, six_utc, ten_local), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    observations = read(tmp_path / "out.jsonl")
    assert [(o["id"], o["summary"]) for o in observations.values()] == [(six_utc["id"], "Six UTC")]
    assert "3 objects not observations: older version (2), revoked (1)" in result.stdout


def test_bad_objects_are_located_and_skipped(tmp_path: Path) -> None:
    actor = sdo("threat-actor", 1, name="Example Actor")
    reversed_campaign = sdo(
        "campaign", 2, name="Backwards", first_seen="2023-05-01T00:00:00Z", last_seen="2023-04-01T00:00:00Z"
    )
    dangling = sdo(
        "relationship",
        3,
        relationship_type="uses",
        source_ref=actor["id"],
        target_ref="tool--00000000-0000-4000-8000-000000000099",
    )
    bad_time = sdo("sighting", 4, sighting_of_ref=actor["id"], first_seen="yesterday")
    (tmp_path / "bundle.json").write_text(
        bundle(actor, reversed_campaign, dangling, bad_time, "not an object"), encoding="utf-8"
    )
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    located = [line.split(":", 3) for line in result.stderr.splitlines()]
    assert [message for *_, message in located] == [
        " error: last_seen is before first_seen",
        " error: target_ref 'tool--00000000-0000-4000-8000-000000000099' is not in the bundle",
        " error: first_seen 'yesterday' is not a STIX timestamp",
        " error: a STIX object needs a string 'id' and 'type'",
    ]
    # Each is placed at the value at fault.
    lines = (tmp_path / "bundle.json").read_text(encoding="utf-8").splitlines()
    found = [lines[int(line) - 1][int(column) - 1 :] for _, line, column, _ in located]
    assert found == [
        '"2023-04-01T00:00:00Z"',
        '"tool--00000000-0000-4000-8000-000000000099"',
        '"yesterday"',
        '"not an object"',
    ]
    assert read(tmp_path / "out.jsonl") == {}
    assert (
        "skipped 4 objects: bad object (1), bad timestamp (1), dangling reference (1), reversed interval (1)"
        in result.stdout
    )


def test_timestamps_outside_the_calendar_in_utc_are_bad(tmp_path: Path) -> None:
    # 00:00 at UTC+1 on 1 January of year 1 is in year 0 in UTC;
    # 23:00 at UTC-2 on 31 December 9999 is in year 10000.
    early = sdo("campaign", 1, name="Early", first_seen="0001-01-01T00:00:00+01:00")
    late = sdo("report", 2, name="Late", published="9999-12-31T23:00:00-02:00", object_refs=[early["id"]])
    kept = sdo("campaign", 3, name="Kept", first_seen="0001-01-01T00:00:00Z")
    (tmp_path / "bundle.json").write_text(bundle(early, late, kept), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert [line.split(": error: ")[1] for line in result.stderr.splitlines()] == [
        "first_seen '0001-01-01T00:00:00+01:00' is not a STIX timestamp",
        "published '9999-12-31T23:00:00-02:00' is not a STIX timestamp",
    ]
    assert read(tmp_path / "out.jsonl")[kept["id"]]["date"] == "0001-01-01/.."
    assert "skipped 2 objects: bad timestamp (2)" in result.stdout


def test_a_leap_second_is_read_as_its_own_day(tmp_path: Path) -> None:
    # RFC 3339 section 5.8: 1990-12-31T23:59:60Z is the leap second that ended 1990, and
    # 1990-12-31T15:59:60-08:00 the same second in Pacific time; it is no second of 1991.
    utc = sdo(
        "campaign", 1, name="UTC", first_seen="1990-12-31T23:59:60Z", last_seen="1990-12-31T15:59:60-08:00"
    )
    june = sdo("campaign", 2, name="June", first_seen="2015-06-30T23:59:60.999Z")
    created = sdo("campaign", 3, name="Created", created="2016-12-31T23:59:60Z")  # reported: its created day
    last = sdo("campaign", 4, name="Last", first_seen="9999-12-31T23:59:60Z")  # the calendar's last second
    (tmp_path / "bundle.json").write_text(bundle(utc, june, created, last), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [(o["date"], o["reported"]) for o in read(tmp_path / "out.jsonl").values()] == [
        ("1990-12-31", "2023-01-02"),
        ("2015-06-30/..", "2023-01-02"),
        ("../2016-12-31", "2016-12-31"),
        ("9999-12-31/..", "2023-01-02"),
    ]


def test_a_leap_second_is_after_the_second_before_it(tmp_path: Path) -> None:
    # of two versions, the newer `modified` wins whatever their order in the input
    leap = sdo("campaign", 1, name="Leap", modified="2016-12-31T23:59:60Z")
    before = {**leap, "name": "Before", "modified": "2016-12-31T23:59:59.999Z"}
    midnight = sdo("campaign", 2, name="Midnight", modified="2017-01-01T00:00:00Z")
    leap_too = {**midnight, "name": "Leap too", "modified": "2016-12-31T23:59:60.5Z"}
    (tmp_path / "bundle.json").write_text(bundle(leap, before, midnight, leap_too), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [o["summary"] for o in read(tmp_path / "out.jsonl").values()] == ["Leap", "Midnight"]


def test_second_60_of_a_minute_that_has_no_leap_second_is_bad(tmp_path: Path) -> None:
    # RFC 3339 section 5.6: 60 only in the last minute of a month in UTC
    times = (
        "2017-02-27T10:15:60Z",  # mid-month
        "2016-12-30T23:59:60Z",  # a day before the month ends
        "2016-12-31T23:58:60Z",  # a minute early
        "2016-12-31T23:59:60+01:00",  # 22:59 in UTC
    )
    objects = [sdo("campaign", n, name=f"C{n}", first_seen=t) for n, t in enumerate(times, start=1)]
    (tmp_path / "bundle.json").write_text(bundle(*objects), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert [line.split(": error: ")[1] for line in result.stderr.splitlines()] == [
        f"first_seen {t!r} is not a STIX timestamp" for t in times
    ]
    assert "skipped 4 objects: bad timestamp (4)" in result.stdout


def test_wrong_shapes_are_located_and_skipped(tmp_path: Path) -> None:
    actor = sdo("threat-actor", 1, name="Example Actor")
    victim = sdo("identity", 2, name="Example Victim", identity_class="organization")
    listed_end = sdo(
        "relationship", 3, relationship_type="targets", source_ref=[actor["id"]], target_ref=victim["id"]
    )
    numbered = sdo("campaign", 4, name="Numbered", external_references=5)
    one_phase = sdo("attack-pattern", 5, name="One phase", kill_chain_phases={"phase_name": "recon"})
    kept = sdo("campaign", 6, name="Kept", kill_chain_phases=[{"kill_chain_name": "k", "phase_name": "scan"}])
    (tmp_path / "bundle.json").write_text(
        bundle(actor, victim, listed_end, numbered, one_phase, kept), encoding="utf-8"
    )
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    located = [line.split(":", 3) for line in result.stderr.splitlines()]
    assert [message for *_, message in located] == [
        " error: a relationship needs a string source_ref",
        " error: external_references must be a list",
        " error: kill_chain_phases must be a list",
    ]
    lines = (tmp_path / "bundle.json").read_text(encoding="utf-8").splitlines()
    assert [lines[int(line) - 1][int(column) - 1] for _, line, column, _ in located] == ["[", "5", "{"]
    assert read(tmp_path / "out.jsonl")[kept["id"]]["attributes"]["kill_chain_phases"] == ["scan"]
    assert "skipped 3 objects: bad object (3)" in result.stdout


def test_files_that_are_not_bundles(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"type": "bundle",\n "objects": [}', encoding="utf-8")
    (tmp_path / "object.json").write_text(json.dumps(sdo("campaign", 1, name="Alone")), encoding="utf-8")
    result = invoke(tmp_path, "stix", "broken.json", "object.json", "missing.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "broken.json:2:14: error: JSON syntax error: expected value",
        "object.json:1:1: error: not a STIX bundle: expected {'type': 'bundle', 'objects': [...]}",
        "missing.json:1:1: error: cannot read: No such file or directory",
    ]
    assert result.stdout.splitlines() == [
        "read 0 objects from 3 files",
        "wrote nothing: 3 files could not be read",
    ]
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(
    ("encoding", "said"),
    [
        ("utf-16", "the file is UTF-16 (it starts with a UTF-16 byte-order mark)"),
        ("utf-16-le", "the file looks UTF-16 (its first characters hold NUL bytes)"),
        ("utf-32", "the file is UTF-32 (it starts with a UTF-32 byte-order mark)"),
    ],
)
def test_a_bundle_in_a_wide_encoding_is_one_error_that_names_it(
    tmp_path: Path, encoding: str, said: str
) -> None:
    """As `validate` says it of a JSON file, not a byte or syntax error somewhere in it."""
    text = json.dumps({"type": "bundle", "id": "bundle--1", "objects": [sdo("campaign", 1, name="Wide")]})
    (tmp_path / "bundle.json").write_bytes(text.encode(encoding))
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"bundle.json:1:1: error: not UTF-8: {said}; save it as UTF-8"]
    assert result.stdout.splitlines() == [
        "read 0 objects from 1 file",
        "wrote nothing: 1 file could not be read",
    ]


def test_a_bundle_over_max_file_bytes_is_not_read(tmp_path: Path) -> None:
    text = '{"type": "bundle", "objects": []}'  # 33 bytes, and a byte-order mark before them: 36
    (tmp_path / "bundle.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl", "--max-file-bytes", "35")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "bundle.json:1:1: error: file is 36 bytes, larger than the limit of 35; see --max-file-bytes"
    ]
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl", "--max-file-bytes", "36")
    assert (result.exit_code, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("NaN", "1:38: error: JSON syntax error: expected value"),
        ('1, "n": 2', "1:41: error: duplicate key 'n'"),
        # jiter refuses a lone surrogate, which could not be written as UTF-8
        ('"\\ud800"', "1:45: error: JSON syntax error: unexpected end of hex escape"),
    ],
)
def test_json_that_validate_refuses_is_not_imported(tmp_path: Path, value: str, error: str) -> None:
    # The object's value starts at column 38.
    text = '{"type": "bundle", "objects": [{"n": ' + value + "}]}"
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"bundle.json:{error}"]


def test_nesting_is_bounded_by_max_depth(tmp_path: Path) -> None:
    # bundle, objects, an object, a list in it: 4 levels; the list starts at column 38
    (tmp_path / "bundle.json").write_text('{"type": "bundle", "objects": [{"a": [1]}]}', encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl", "--max-depth", "3")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "bundle.json:1:38: error: nesting deeper than 3 levels; see --max-depth",
    ]
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl", "--max-depth", "4")
    assert "bundle.json:1:32: error: a STIX object needs a string 'id' and 'type'" in result.stderr


def test_an_integer_too_long_to_read_is_located(tmp_path: Path) -> None:
    digits = 5000  # Python reads at most 4300 digits as an int
    text = '{"type": "bundle", "objects": [{"n": ' + "1" * digits + "}]}"
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    file, line, column, message = result.stderr.splitlines()[0].split(":", 3)
    assert (file, line, message) == ("bundle.json", "1", " error: JSON syntax error: number out of range")
    assert 38 <= int(column) < 38 + digits


def test_line_separators_in_strings_do_not_shift_positions(tmp_path: Path) -> None:
    # JSON allows U+2028, U+2029 and U+0085 in strings; YAML would count them as line breaks.
    described = sdo("campaign", 1, name="Described", description="one\u2028two\u2029three\u0085four")
    bad_time = sdo("campaign", 2, name="Undated", first_seen="yesterday")
    text = json.dumps(
        {"type": "bundle", "id": "bundle--1", "objects": [described, bad_time]}, indent=1, ensure_ascii=False
    )
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    lines = text.split("\n")
    line = next(number for number, written in enumerate(lines, 1) if '"yesterday"' in written)
    column = lines[line - 1].index('"yesterday"') + 1
    assert result.stderr.splitlines() == [
        f"bundle.json:{line}:{column}: error: first_seen 'yesterday' is not a STIX timestamp"
    ]


def test_doubtful_versions_confidences_and_producers_are_reported(tmp_path: Path) -> None:
    """Two versions of one object with the same `modified` (the later in the file wins, with a
    warning); a confidence outside 0-100 (a bad object, at its value); a producer not in the
    bundle (a warning; the reference names the source); a bundle whose id is not a string (the
    file names the source, not "None")."""
    actor = sdo("threat-actor", 2, name="Example Actor")
    victim = sdo("identity", 3, name="Example Victim", identity_class="organization")
    uses = sdo("relationship", 5, relationship_type="uses", source_ref=actor["id"], target_ref=victim["id"])
    same_time = {**uses, "relationship_type": "related-to"}
    wrong = sdo(
        "relationship", 6, relationship_type="targets", source_ref=actor["id"], target_ref=victim["id"]
    )
    wrong["confidence"] = 150
    ghost = sdo(
        "relationship", 7, relationship_type="targets", source_ref=actor["id"], target_ref=victim["id"]
    )
    ghost["created_by_ref"] = "identity--dead0000-0000-4000-8000-000000000000"  # no such object
    text = json.dumps(
        {"type": "bundle", "id": None, "objects": [actor, victim, uses, same_time, wrong, ghost]}, indent=1
    )
    (tmp_path / "b.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "b.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    lines = text.splitlines()
    at = {  # 1-based lines: the fourth object's opening brace (objects open on "  {"), and two keys
        "same": [i for i, line in enumerate(lines, 1) if line == "  {"][3],
        "confidence": next(i for i, line in enumerate(lines, 1) if '"confidence": 150' in line),
        "creator": next(i for i, line in enumerate(lines, 1) if '"created_by_ref": "identity--dead' in line),
    }
    stderr = result.stderr.splitlines()
    doubt = f"two versions of {uses['id']!r} with the same 'modified': the later one in the input"
    doubt += " is taken as the newer"
    assert f"b.json:{at['same']}:3: warning: {doubt}" in stderr
    # keys are indented 3 spaces: a value starts after `   "confidence": ` (17 characters), and
    # after `   "created_by_ref": ` (21)
    bad = "confidence 150 is not a STIX confidence (a whole number 0-100)"
    assert f"b.json:{at['confidence']}:18: error: {bad}" in stderr
    warned = f"created_by_ref {ghost['created_by_ref']!r} is not in the bundle: the source is named by it"
    assert f"b.json:{at['creator']}:22: warning: {warned}" in stderr
    observations = read(tmp_path / "out.jsonl")
    assert list(observations) == [same_time["id"], ghost["id"]]
    assert observations[same_time["id"]]["type"] == "related"  # the later of the two
    assert observations[same_time["id"]]["sources"][0]["name"] == "STIX b.json"


def test_the_bundles_of_one_import_are_one_collection(tmp_path: Path) -> None:
    """A feed delivered as several bundles: a newer version, a revocation and a relationship's
    ends may each be in another file than the object they concern."""
    actor = sdo("threat-actor", 1, name="Example Actor")
    victim = sdo("identity", 2, name="Example Victim", identity_class="organization")
    first = sdo("campaign", 3, name="First name", first_seen="2023-01-01T00:00:00Z")
    renamed = {**first, "name": "Second name", "modified": "2023-02-01T00:00:00Z"}
    withdrawn_campaign = sdo("campaign", 4, name="Withdrawn later", first_seen="2023-01-05T00:00:00Z")
    withdrawal = {**withdrawn_campaign, "modified": "2023-03-01T00:00:00Z", "revoked": True}
    targets = sdo(
        "relationship", 5, relationship_type="targets", source_ref=actor["id"], target_ref=victim["id"]
    )
    (tmp_path / "one.json").write_text(bundle(actor, victim, first, withdrawn_campaign), encoding="utf-8")
    (tmp_path / "two.json").write_text(bundle(renamed, withdrawal, targets), encoding="utf-8")
    result = invoke(tmp_path, "stix", "one.json", "two.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    observations = read(tmp_path / "out.jsonl")
    # the newer version only, where it is; the withdrawn campaign not at all
    assert [(o["id"], o.get("summary")) for o in observations.values()] == [
        (renamed["id"], "Second name"),
        (targets["id"], "Example Actor targets Example Victim"),
    ]
    assert [e["role"] for e in observations[targets["id"]]["entities"]] == ["attacker", "target"]
    assert "5 objects not observations: entity (2), older version (2), revoked (1)" in result.stdout


def test_the_same_object_read_twice_is_one_object(tmp_path: Path) -> None:
    """A bundle given twice, and a copy of it under another bundle id: each object is read three
    times and is one version, not three; the first reading is the one imported, and a version
    older than the newest is still an older version, whether or not it was read before."""
    actor = sdo("threat-actor", 1, name="Example Actor")
    victim = sdo("identity", 2, name="Example Victim", identity_class="organization")
    campaign = sdo("campaign", 3, name="Example", first_seen="2023-01-01T00:00:00Z")
    (tmp_path / "feed.json").write_text(bundle(actor, victim, campaign), encoding="utf-8")
    copy = {"type": "bundle", "id": "bundle--11111111-1111-4111-8111-111111111111"}
    (tmp_path / "copy.json").write_text(json.dumps({**copy, "objects": [actor, victim, campaign]}))
    result = invoke(tmp_path, "stix", "feed.json", "feed.json", "copy.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "read 9 objects from 3 files",
        "wrote 1 observation to out.jsonl",
        "wrote 3 new entities to out.entities.yaml; 0 known entities referenced",
        "skipped 0 objects",
        "8 objects not observations: entity (2), same object read twice (6)",
    ]
    (observation,) = read(tmp_path / "out.jsonl").values()
    assert observation["sources"][0]["name"] == "STIX bundle--00000000-0000-4000-8000-000000000000"
    renamed = {**campaign, "name": "Renamed", "modified": "2023-02-01T00:00:00Z"}
    (tmp_path / "newer.json").write_text(bundle(renamed), encoding="utf-8")
    result = invoke(tmp_path, "stix", "feed.json", "newer.json", "copy.json", "-o", "out.jsonl")
    assert result.exit_code == 0 and result.stderr == "", result.output
    # the actor and victim are read twice; the campaign's first version is older, read twice or not
    assert "6 objects not observations: entity (2), older version (2), same object read twice (2)" in (
        result.stdout
    )
    assert [o["summary"] for o in read(tmp_path / "out.jsonl").values()] == ["Renamed"]


def test_what_refers_to_a_revoked_object_says_so(tmp_path: Path) -> None:
    """A relationship with a revoked end is withdrawn with it (counted, no error); a sighting of a
    revoked indicator leaves the reference out and says it is revoked, not missing; a revoked
    producer still names the source."""
    producer = sdo("identity", 1, name="Example CERT", identity_class="organization", revoked=True)
    actor = sdo("threat-actor", 2, name="Example Actor")
    indicator = sdo("indicator", 3, name="Bad IP", pattern="[ipv4-addr:value = '192.0.2.1']", revoked=True)
    indicates = sdo(
        "relationship", 4, relationship_type="indicates", source_ref=indicator["id"], target_ref=actor["id"]
    )
    sighting = sdo(
        "sighting",
        5,
        sighting_of_ref=indicator["id"],
        first_seen="2023-01-01T00:00:00Z",
        created_by_ref=producer["id"],
    )
    (tmp_path / "bundle.json").write_text(
        bundle(producer, actor, indicator, indicates, sighting), encoding="utf-8"
    )
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "bundle.json").read_text(encoding="utf-8").splitlines()
    opening = [number for number, line in enumerate(lines, 1) if line == "  {"][4]  # the sighting
    assert result.stderr.splitlines() == [
        f"bundle.json:{opening}:3: warning: {sighting['id']}: left out references to revoked objects: "
        + indicator["id"]
    ]
    observations = read(tmp_path / "out.jsonl")
    assert list(observations) == [sighting["id"]]
    assert observations[sighting["id"]]["entities"] == []
    assert observations[sighting["id"]]["sources"][0]["name"] == "Example CERT"
    assert "skipped 0 objects" in result.stdout
    assert "4 objects not observations: entity (1), relationship with a revoked end (1), revoked (2)" in (
        result.stdout
    )


def test_a_stix_2_0_bundle_is_refused_at_its_spec_version(tmp_path: Path) -> None:
    """STIX 2.0 put `spec_version` on the bundle (2.1 moved it onto each object) and embedded
    observed data's observables, which a 2.1 reading would drop without a word."""
    producer = sdo("identity", 1, name="ACME", identity_class="organization")
    del producer["spec_version"]  # as in STIX 2.0
    text = json.dumps(
        {"type": "bundle", "id": "bundle--1", "spec_version": "2.0", "objects": [producer]}, indent=1
    )
    (tmp_path / "old.json").write_text(text, encoding="utf-8")
    said_21 = json.dumps({"type": "bundle", "id": "bundle--2", "spec_version": "2.1", "objects": [producer]})
    (tmp_path / "new.json").write_text(said_21, encoding="utf-8")
    result = invoke(tmp_path, "stix", "old.json", "new.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    line = text.splitlines().index(' "spec_version": "2.0",') + 1
    assert result.stderr.splitlines() == [
        f"old.json:{line}:18: error: a STIX 2.0 bundle (spec_version '2.0'); iandw reads STIX 2.1: "
        "convert it first (OASIS's stix2-elevator does)",
    ]
    assert "read 1 object from 2 files" in result.stdout  # new.json was read


def test_a_later_stix_version_is_refused_without_advice_to_convert_it(tmp_path: Path) -> None:
    """stix2-elevator converts STIX 1.x and 2.0 only: it is no advice for a newer bundle."""
    bundle = {"type": "bundle", "id": "bundle--3", "spec_version": "3.0", "objects": []}
    (tmp_path / "next.json").write_text(json.dumps(bundle), encoding="utf-8")
    result = invoke(tmp_path, "stix", "next.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "next.json:1:55: error: a STIX 3.0 bundle (spec_version '3.0'); iandw reads STIX 2.1"
    )


def test_observables_embedded_in_observed_data_are_said_to_be_left_out(tmp_path: Path) -> None:
    embedded = sdo(
        "observed-data",
        1,
        first_observed="2023-01-01T00:00:00Z",
        last_observed="2023-01-01T00:00:00Z",
        number_observed=1,
        objects={"0": {"type": "file", "name": "evil.exe"}},
    )
    text = bundle(embedded)
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    line = text.splitlines().index('   "objects": {') + 1
    assert result.stderr.splitlines() == [
        f"bundle.json:{line}:15: warning: {embedded['id']}: the observables in 'objects' (deprecated in "
        "STIX 2.1) are not imported; only those in 'object_refs' are"
    ]
    assert read(tmp_path / "out.jsonl")[embedded["id"]]["entities"] == []


def test_markings_are_kept_as_attributes(tmp_path: Path) -> None:
    """Handling markings travel with what they mark: a marking definition's name, or for the four
    TLP markings STIX 2.1 predefines (section 7.2.1.4) their name even when the bundle leaves
    them out."""
    red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"  # TLP:RED in STIX 2.1
    statement = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--00000000-0000-4000-8000-000000000009",
        "created": "2023-01-01T00:00:00Z",
        "name": "Copyright Example CERT",
        "definition_type": "statement",
        "definition": {"statement": "Copyright Example CERT"},
    }
    victim = sdo("identity", 1, name="Example Victim", identity_class="organization")
    victim["object_marking_refs"] = [red]
    marked = sdo("campaign", 2, name="Marked", object_marking_refs=[red, statement["id"]])
    listed = sdo("campaign", 3, name="Misshapen", object_marking_refs=red)
    (tmp_path / "bundle.json").write_text(bundle(statement, victim, marked, listed), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert [line.split(": error: ")[1] for line in result.stderr.splitlines()] == [
        "object_marking_refs must be a list"
    ]
    observation = read(tmp_path / "out.jsonl")[marked["id"]]
    assert observation["attributes"]["markings"] == ["TLP:RED", "Copyright Example CERT"]
    assert entities(tmp_path / "out.entities.yaml")["example-victim"]["attributes"]["markings"] == ["TLP:RED"]


def test_a_location_without_a_name_is_named_by_its_address(tmp_path: Path) -> None:
    """STIX 2.1 locations need no name: a country, a region or coordinates will do."""
    actor = sdo("threat-actor", 1, name="Example Actor")
    city = sdo("location", 2, city="Kharkiv", administrative_area="Kharkiv Oblast", country="UA")
    region = sdo("location", 3, region="eastern-europe")
    point = sdo("location", 4, latitude=48.8566, longitude=2.3522)
    located = [
        sdo(
            "relationship",
            5 + n,
            relationship_type="located-at",
            source_ref=actor["id"],
            target_ref=place["id"],
        )
        for n, place in enumerate((city, region, point))
    ]
    (tmp_path / "bundle.json").write_text(bundle(actor, city, region, point, *located), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    names = {e["attributes"]["stix_id"]: e["name"] for e in entities(tmp_path / "out.entities.yaml").values()}
    assert [names[place["id"]] for place in (city, region, point)] == [
        "Kharkiv, Kharkiv Oblast, UA",
        "eastern-europe",
        "48.8566, 2.3522",
    ]
    assert read(tmp_path / "out.jsonl")[located[0]["id"]]["summary"] == (
        "Example Actor located-at Kharkiv, Kharkiv Oblast, UA"
    )


def test_a_spec_version_that_is_not_a_string_is_refused_as_such(tmp_path: Path) -> None:
    """`"spec_version": 2.1` names no version: not 'a STIX 2.1 bundle' that iandw, reading 2.1, refuses."""
    producer = sdo("identity", 1, name="ACME", identity_class="organization")
    text = json.dumps(
        {"type": "bundle", "id": "bundle--1", "spec_version": 2.1, "objects": [producer]}, indent=1
    )
    (tmp_path / "number.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "number.json", "-o", "out.jsonl")
    assert result.exit_code == 2
    line = text.splitlines().index(' "spec_version": 2.1,') + 1
    assert result.stderr.splitlines() == [
        f"number.json:{line}:18: error: spec_version must be a string: a STIX 2.0 bundle says '2.0', "
        "a STIX 2.1 bundle has none",
    ]


def test_a_blank_region_or_a_true_coordinate_does_not_name_a_location(tmp_path: Path) -> None:
    """A region of spaces hid the coordinates after it; `true` is no latitude, though Python counts it 1."""
    blank_region = sdo("location", 1, region="  ", latitude=50.45, longitude=30.52)
    true_latitude = sdo("location", 2, latitude=True, longitude=30.52)
    (tmp_path / "bundle.json").write_text(bundle(blank_region, true_latitude), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    names = {e["attributes"]["stix_id"]: e["name"] for e in entities(tmp_path / "out.entities.yaml").values()}
    assert names == {blank_region["id"]: "50.45, 30.52", true_latitude["id"]: true_latitude["id"]}


def test_infrastructure_seen_at_work_is_an_activity_like_the_other_sdos_that_are_seen(tmp_path: Path) -> None:
    """STIX 2.1 4.8.1: an infrastructure's first_seen/last_seen are when it was seen performing
    malicious activities, as an intrusion set's, a threat actor's and malware's are when they
    were seen: each dates an `activity` of the thing, which stays an entity too."""
    c2 = sdo(
        "infrastructure",
        1,
        name="Example C2",
        infrastructure_types=["command-and-control"],
        first_seen="2023-01-01T00:00:00Z",
        last_seen="2023-02-01T12:00:00Z",
    )
    idle = sdo("infrastructure", 2, name="Example Server")
    malware = sdo("malware", 3, name="Example Malware", is_family=True, first_seen="2022-12-01T00:00:00Z")
    (tmp_path / "bundle.json").write_text(bundle(c2, idle, malware), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    observations = read(tmp_path / "out.jsonl")
    assert observations[c2["id"]] == {
        "id": c2["id"],
        "type": "activity",
        "date": "2023-01-01/2023-02-01",
        "reported": "2023-01-02",
        "summary": "Example C2",
        "entities": [{"entity": "example-c2", "role": "infrastructure"}],
        "attributes": {
            "stix_id": c2["id"],
            "stix_type": "infrastructure",
            "infrastructure_types": ["command-and-control"],
            "first_seen": "2023-01-01T00:00:00Z",
            "last_seen": "2023-02-01T12:00:00Z",
        },
        "sources": [
            {
                "name": "STIX bundle--00000000-0000-4000-8000-000000000000",
                "origin": "bundle--00000000-0000-4000-8000-000000000000",
                "note": "no created_by_ref",
                "reliability": "C",
                "credibility": 3,
            }
        ],
    }
    assert (observations[malware["id"]]["type"], observations[malware["id"]]["date"]) == (
        "activity",
        "2022-12-01/..",
    )
    assert list(observations) == [
        c2["id"],
        malware["id"],
    ]  # an infrastructure never seen at work is an entity only
    made = entities(tmp_path / "out.entities.yaml")
    assert [(e["type"], e["name"]) for e in made.values()] == [
        ("infrastructure", "Example C2"),
        ("malware", "Example Malware"),
        ("infrastructure", "Example Server"),
    ]
    assert "1 object not observations: entity (1)" in result.stdout


def sco(kind: str, number: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--00000000-0000-5000-8000-{number:012d}",
        **fields,
    }


# Every relationship STIX 2.1 defines (section 3.7 and Appendix B), restated from docs/import.md
# independently of the shipped YAML: its observation type and roles, and a source and target
# type the specification allows it between.
RELATIONSHIPS = {
    "attributed-to": ("attribution", "attributed", "responsible", "intrusion-set", "threat-actor"),
    "authored-by": ("authorship", "authored", "author", "malware", "threat-actor"),
    "beacons-to": ("beaconing", "beaconer", "destination", "malware", "infrastructure"),
    "belongs-to": ("belonging", "member", "holder", "ipv4-addr", "autonomous-system"),
    "communicates-with": ("communication", "communicator", "peer", "infrastructure", "domain-name"),
    "compromises": ("compromise", "attacker", "compromised", "threat-actor", "infrastructure"),
    "consists-of": ("composition", "whole", "part", "infrastructure", "ipv4-addr"),
    "controls": ("control", "controller", "controlled", "infrastructure", "malware"),
    "delivers": ("delivery", "deliverer", "delivered", "tool", "malware"),
    "derived-from": ("derived-from", "source", "target", "indicator", "indicator"),
    "downloads": ("download", "downloader", "downloaded", "malware", "file"),
    "drops": ("drop", "dropper", "dropped", "tool", "malware"),
    "duplicate-of": ("duplicate", "duplicate", "duplicate", "malware", "malware"),
    "exfiltrates-to": ("exfiltration", "exfiltrator", "destination", "malware", "infrastructure"),
    "exploits": ("exploitation", "exploiter", "exploited", "malware", "vulnerability"),
    "has": ("weakness", "affected", "weakness", "infrastructure", "vulnerability"),
    "hosts": ("hosting", "host", "hosted", "infrastructure", "tool"),
    "impersonates": ("impersonation", "impersonator", "impersonated", "threat-actor", "identity"),
    "indicates": ("indication", "ioc", "indicated", "indicator", "malware"),
    "investigates": ("investigative-measure", "measure", "investigated", "course-of-action", "indicator"),
    "located-at": ("location", "located", "location", "identity", "location"),
    "mitigates": ("mitigation", "measure", "mitigated", "course-of-action", "attack-pattern"),
    "originates-from": ("origin", "originator", "origin", "intrusion-set", "location"),
    "owns": ("ownership", "owner", "owned", "intrusion-set", "infrastructure"),
    "related-to": ("related", "related", "related", "malware", "tool"),
    "remediates": ("remediation", "measure", "remediated", "course-of-action", "vulnerability"),
    "resolves-to": ("resolution", "resolved", "address", "domain-name", "ipv4-addr"),
    "targets": ("targeting", "attacker", "target", "attack-pattern", "identity"),
    "uses": ("use", "user", "used", "threat-actor", "attack-pattern"),
    "variant-of": ("variant", "variant", "original", "malware", "malware"),
}


def test_every_relationship_stix_defines_is_an_observation_with_roles(tmp_path: Path) -> None:
    """Each relationship type of the specification becomes an observation of a type of its own,
    its ends in roles that say which is which; derived-from keeps the generic roles."""
    # two objects of each type (a source, a target), named by their type
    ends: dict[str, list[dict[str, Any]]] = {}
    for number, kind in enumerate(sorted({t for row in RELATIONSHIPS.values() for t in row[3:]}), 1):
        names = [f"Example {kind}", f"Example {kind} 2"]
        if kind in ("ipv4-addr", "domain-name"):
            ends[kind] = [
                sco(kind, n, value=name) for n, name in ((number, names[0]), (100 + number, names[1]))
            ]
        elif kind in ("file", "autonomous-system"):
            ends[kind] = [
                sco(kind, n, name=name) for n, name in ((number, names[0]), (100 + number, names[1]))
            ]
        else:
            ends[kind] = [
                sdo(kind, n, name=name) for n, name in ((number, names[0]), (100 + number, names[1]))
            ]
    relationships = [
        sdo(
            "relationship",
            200 + number,
            relationship_type=kind,
            source_ref=ends[source][0]["id"],
            target_ref=ends[target][1]["id"],
        )
        for number, (kind, (_, _, _, source, target)) in enumerate(RELATIONSHIPS.items())
    ]
    objects = [o for made in ends.values() for o in made]
    (tmp_path / "bundle.json").write_text(bundle(*objects, *relationships), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    observations = read(tmp_path / "out.jsonl")
    found = {
        o["attributes"]["relationship_type"]: (o["type"], *(e["role"] for e in o["entities"]), o["summary"])
        for o in observations.values()
    }
    assert found == {
        kind: (observation, source_role, target_role, f"Example {source} {kind} Example {target} 2")
        for kind, (observation, source_role, target_role, source, target) in RELATIONSHIPS.items()
    }


def test_a_relationship_with_an_object_that_is_no_entity(tmp_path: Path) -> None:
    """Observed data is an observation, not an entity: what is based on it or consists of it is
    referenced in it (folded, as into a campaign).  A relationship with an object iandw makes
    nothing of (a malware analysis) or none it can relate (a report) is valid STIX: counted, not
    an error.  An end STIX forbids (a sighting) and a relationship_type outside a-z, 0-9 and
    hyphens are bad objects, located at the value."""
    ip = sco("ipv4-addr", 1, value="192.0.2.1")
    observed = sdo(
        "observed-data",
        2,
        first_observed="2023-01-01T00:00:00Z",
        last_observed="2023-01-01T00:00:00Z",
        number_observed=1,
        object_refs=[ip["id"]],
    )
    indicator = sdo("indicator", 3, name="Bad IP", pattern="[ipv4-addr:value = '192.0.2.1']")
    c2 = sdo("infrastructure", 4, name="Example C2")
    malware = sdo("malware", 5, name="Example Malware", is_family=True)
    analysis = sdo("malware-analysis", 6, product="example-av", result="malicious")
    campaign = sdo("campaign", 7, name="Example Campaign")
    report = sdo("report", 8, name="Example Report", published="2023-01-03T00:00:00Z", object_refs=[c2["id"]])
    sighting = sdo("sighting", 9, sighting_of_ref=indicator["id"])

    def relationship(
        number: int, kind: str, source: dict[str, Any], target: dict[str, Any]
    ) -> dict[str, Any]:
        return sdo(
            "relationship", number, relationship_type=kind, source_ref=source["id"], target_ref=target["id"]
        )

    based_on = relationship(10, "based-on", indicator, observed)
    consists_of = relationship(11, "consists-of", c2, observed)
    characterizes = relationship(12, "characterizes", analysis, malware)
    campaign_report = relationship(13, "related-to", campaign, report)
    to_sighting = relationship(14, "related-to", malware, sighting)
    capitalised = relationship(15, "Uses", malware, c2)
    objects = [ip, observed, indicator, c2, malware, analysis, campaign, report, sighting]
    links = [based_on, consists_of, characterizes, campaign_report, to_sighting, capitalised]
    text = bundle(*objects, *links)
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    lines = text.splitlines()
    sighting_ref = next(i for i, line in enumerate(lines, 1) if f'"target_ref": "{sighting["id"]}"' in line)
    uses = next(i for i, line in enumerate(lines, 1) if '"relationship_type": "Uses"' in line)
    # keys are indented 3 spaces: a value starts after `   "target_ref": ` (17 characters), and
    # after `   "relationship_type": ` (24)
    assert result.stderr.splitlines() == [
        f"bundle.json:{sighting_ref}:18: error: target_ref {sighting['id']!r} is of type sighting: "
        "a relationship joins domain and cyber-observable objects",
        f"bundle.json:{uses}:25: error: relationship_type 'Uses' is not a STIX relationship type: "
        "lowercase letters, digits and hyphens",
    ]
    observations = read(tmp_path / "out.jsonl")
    assert list(observations) == [observed["id"], campaign["id"], report["id"], sighting["id"]]
    assert observations[observed["id"]] == {
        "id": observed["id"],
        "type": "observed-data",
        "date": "2023-01-01",
        "reported": "2023-01-02",
        "entities": [
            {"entity": "192-0-2-1", "role": "observed"},
            {"entity": "bad-ip", "role": "derived"},
            {"entity": "example-c2", "role": "whole"},
        ],
        "attributes": {
            "stix_id": observed["id"],
            "stix_type": "observed-data",
            "first_observed": "2023-01-01T00:00:00Z",
            "last_observed": "2023-01-01T00:00:00Z",
            "number_observed": 1,
        },
        "sources": [
            {
                "name": "STIX bundle--00000000-0000-4000-8000-000000000000",
                "origin": "bundle--00000000-0000-4000-8000-000000000000",
                "note": "no created_by_ref",
                "reliability": "C",
                "credibility": 3,
            }
        ],
    }
    # the campaign folds nothing it could not reference
    assert observations[campaign["id"]]["entities"] == [{"entity": "example-campaign", "role": "campaign"}]
    assert "skipped 2 objects: bad object (2)" in result.stdout
    assert (
        "9 objects not observations: entity (4), malware-analysis (not mapped) (1), relationship folded "
        "into an observation (2), relationship with malware-analysis (not mapped) (1), relationship with "
        "report (not mapped) (1)"
    ) in result.stdout


def test_sightings_as_stix_means_them(tmp_path: Path) -> None:
    """STIX 2.1 5.2.1: a count of 0 says the thing was looked for and not seen (a
    `negative-sighting`, dated by the window it was looked for in); observed_data_refs name the
    observed data that made it a sighting, whose observables the sighting references as
    `observed`; where_sighted_refs name identities and locations only.  A reference STIX does
    not allow there, or to what is no entity here, is left out with a warning; a count that is
    not a whole number 0-999,999,999 is a bad object."""
    producer = sdo("identity", 1, name="Example CERT", identity_class="organization")
    indicator = sdo("indicator", 2, name="Bad IP", pattern="[ipv4-addr:value = '192.0.2.1']")
    ip = sco("ipv4-addr", 3, value="192.0.2.1")
    observed = sdo(
        "observed-data",
        4,
        first_observed="2023-03-05T10:00:00Z",
        last_observed="2023-03-05T11:00:00Z",
        number_observed=3,
        object_refs=[ip["id"]],
    )
    malware = sdo("malware", 5, name="Example Malware", is_family=True)
    report = sdo(
        "report", 6, name="Example Report", published="2023-01-03T00:00:00Z", object_refs=[malware["id"]]
    )
    missing = "observed-data--00000000-0000-4000-8000-000000000099"
    unseen = sdo(
        "sighting",
        10,
        created_by_ref=producer["id"],
        sighting_of_ref=indicator["id"],
        first_seen="2023-03-01T00:00:00Z",
        last_seen="2023-03-31T23:59:59Z",
        count=0,
        where_sighted_refs=[producer["id"]],
    )
    seen = sdo(
        "sighting",
        11,
        sighting_of_ref=indicator["id"],
        first_seen="2023-03-05T10:00:00Z",
        last_seen="2023-03-05T11:00:00Z",
        count=2.0,
        observed_data_refs=[observed["id"], producer["id"], missing],
        where_sighted_refs=[producer["id"], malware["id"]],
    )
    wordy = sdo("sighting", 12, sighting_of_ref=indicator["id"], count="2")
    huge = sdo("sighting", 13, sighting_of_ref=indicator["id"], count=1_000_000_000)
    of_report = sdo("sighting", 14, sighting_of_ref=report["id"])
    text = bundle(producer, indicator, ip, observed, malware, report, unseen, seen, wordy, huge, of_report)
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    lines = text.splitlines()
    opening = [number for number, line in enumerate(lines, 1) if line == "  {"]  # objects open on "  {"
    counts = [number for number, line in enumerate(lines, 1) if line.startswith('   "count": ')]
    # a count's value starts after `   "count": ` (12 characters)
    assert result.stderr.splitlines() == [
        f"bundle.json:{opening[7]}:3: warning: {seen['id']}: left out references to objects not in the "
        f"bundle: {missing}",
        f"bundle.json:{opening[7]}:3: warning: {seen['id']}: left out references to objects "
        f"where_sighted_refs may not name (only identity or location): {malware['id']}",
        f"bundle.json:{opening[7]}:3: warning: {seen['id']}: left out references to objects "
        f"observed_data_refs may not name (only observed-data): {producer['id']}",
        f"bundle.json:{counts[2]}:13: error: count '2' is not a STIX count (a whole number 0-999999999)",
        f"bundle.json:{counts[3]}:13: error: count 1000000000 is not a STIX count "
        "(a whole number 0-999999999)",
        f"bundle.json:{opening[10]}:3: warning: {of_report['id']}: left out references to objects that are "
        f"no entity: {report['id']}",
    ]
    observations = read(tmp_path / "out.jsonl")
    assert list(observations) == [observed["id"], report["id"], unseen["id"], seen["id"], of_report["id"]]
    assert observations[unseen["id"]] == {
        "id": unseen["id"],
        "type": "negative-sighting",
        "date": "2023-03-01/2023-03-31",
        "reported": "2023-01-02",
        "entities": [
            {"entity": "bad-ip", "role": "sighted"},
            {"entity": "example-cert", "role": "observer"},
        ],
        "attributes": {
            "stix_id": unseen["id"],
            "stix_type": "sighting",
            "first_seen": "2023-03-01T00:00:00Z",
            "last_seen": "2023-03-31T23:59:59Z",
            "count": 0,
        },
        "sources": [{"name": "Example CERT", "origin": "Example CERT", "reliability": "C", "credibility": 3}],
    }
    assert observations[seen["id"]] == {
        "id": seen["id"],
        "type": "sighting",
        "date": "2023-03-05",
        "reported": "2023-01-02",
        "entities": [
            {"entity": "bad-ip", "role": "sighted"},
            {"entity": "example-cert", "role": "observer"},
            {"entity": "192-0-2-1", "role": "observed"},
        ],
        "attributes": {
            "stix_id": seen["id"],
            "stix_type": "sighting",
            "first_seen": "2023-03-05T10:00:00Z",
            "last_seen": "2023-03-05T11:00:00Z",
            "count": 2,
        },
        "sources": [
            {
                "name": "STIX bundle--00000000-0000-4000-8000-000000000000",
                "origin": "bundle--00000000-0000-4000-8000-000000000000",
                "note": "no created_by_ref",
                "reliability": "C",
                "credibility": 3,
            }
        ],
    }
    assert observations[of_report["id"]]["entities"] == []
    assert "skipped 2 objects: bad count (2)" in result.stdout


def test_a_marking_reference_to_what_is_no_marking_definition_is_a_located_warning(tmp_path: Path) -> None:
    """STIX 2.1 7.2.2, 7.2.3: object_marking_refs and a granular marking's marking_ref name marking
    definitions.  One that names an identity, or an id of no marking definition, marks nothing:
    each is a warning at the value, and the object is imported with the markings it has (an
    identity's name was taken for a marking, a number left out without a word)."""
    red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"  # TLP:RED, not in the bundle
    elsewhere = "marking-definition--00000000-0000-4000-8000-000000000098"  # not in the bundle either
    producer = sdo("identity", 1, name="Example CERT", identity_class="organization")
    actor = sdo("threat-actor", 2, name="Example Actor")
    gone = "identity--00000000-0000-4000-8000-000000000099"
    marked = sdo(
        "campaign",
        3,
        name="Marked",
        description="Described",
        object_marking_refs=[red, producer["id"], gone, elsewhere, 5],
        granular_markings=[
            {"marking_ref": actor["id"], "selectors": ["description"]},
            {"lang": "de", "selectors": ["name"]},
            {"marking_ref": red, "selectors": ["name"]},
        ],
    )
    text = bundle(producer, actor, marked)
    (tmp_path / "bundle.json").write_text(text, encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    lines = text.splitlines()
    refs = lines.index('   "object_marking_refs": [') + 1  # its items follow, one a line, at column 5
    granular = next(n for n, line in enumerate(lines, 1) if f'"marking_ref": "{actor["id"]}"' in line)
    column = lines[granular - 1].index(f'"{actor["id"]}"') + 1
    assert result.stderr.splitlines() == [
        f"bundle.json:{refs + 2}:5: warning: object_marking_refs {producer['id']!r} is of type identity, "
        "not a marking definition: it marks nothing",
        f"bundle.json:{refs + 3}:5: warning: object_marking_refs {gone!r} is not a marking definition's id: "
        "it marks nothing",
        f"bundle.json:{refs + 5}:5: warning: object_marking_refs 5 is not a marking definition's id: "
        "it marks nothing",
        f"bundle.json:{granular}:{column}: warning: a granular marking's marking_ref {actor['id']!r} is of "
        "type threat-actor, not a marking definition: it marks nothing",
    ]
    assert read(tmp_path / "out.jsonl")[marked["id"]]["attributes"]["markings"] == ["TLP:RED", elsewhere]


def test_granular_and_folded_relationship_markings_mark_the_observation(tmp_path: Path) -> None:
    """A document here is marked whole: a granular marking (STIX 2.1 7.2.3) marks the imported
    observation, and a relationship folded into a campaign's observation passes its markings on,
    since the observation now says what it said.  Listed in order, each once: the campaign's
    object marking, its granular markings, then the relationship's."""
    green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"  # TLP:GREEN, predefined
    amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"  # TLP:AMBER
    red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"  # TLP:RED
    actor = sdo("threat-actor", 1, name="Example Actor")
    campaign = sdo(
        "campaign",
        2,
        name="Example Campaign",
        description="Who ran it, from a named informant",
        first_seen="2023-01-01T00:00:00Z",
        object_marking_refs=[green],
        granular_markings=[
            {"marking_ref": amber, "selectors": ["description"]},
            {"marking_ref": green, "selectors": ["name"]},  # already marked: listed once
        ],
    )
    attribution = sdo(
        "relationship",
        3,
        relationship_type="attributed-to",
        source_ref=campaign["id"],
        target_ref=actor["id"],
        object_marking_refs=[red],
    )
    (tmp_path / "bundle.json").write_text(bundle(actor, campaign, attribution), encoding="utf-8")
    result = invoke(tmp_path, "stix", "bundle.json", "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    observation = read(tmp_path / "out.jsonl")[campaign["id"]]
    assert {"entity": "example-actor", "role": "responsible"} in observation["entities"]  # folded in
    assert observation["attributes"]["markings"] == ["TLP:GREEN", "TLP:AMBER", "TLP:RED"]
