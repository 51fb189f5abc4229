"""The peers iandw is measured against, on leadership-meeting-before-attack.

- stix2-matcher (OASIS's reference STIX pattern matcher): the world as STIX
  2.1 observed-data, one pattern per (sponsor, group).
- DuckDB: the JSONL files read with read_json and the indicator as one SQL
  query over every (sponsor, group).

Run as a script, it is the child process the harness measures:

    python bench/peers.py duckdb OBSERVATIONS_DIR RULES_DIR --as-of 2024-06-01
    python bench/peers.py iandw OBSERVATIONS_DIR RULES_DIR --as-of 2024-06-01

Each prints one JSON object on stdout: its own in-process timings (and, for
DuckDB, the counts per pair).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from collections.abc import Iterable
from typing import Any

from worldfiles import (
    INDICATOR,
    MIN_LEVEL,
    WINDOW_DAYS,
    Counts,
    Membership,
    Pair,
    World,
    day_interval,
    level_scale,
    read_jsonl,
)

SECONDS_PER_DAY = 86_400
STIX_NAMESPACE = uuid.UUID("6f1c7b3e-2b1a-4d53-9a43-6b9e0f1f0d2a")


# --- stix2-matcher ----------------------------------------------------------------------------


def _stix_id(kind: str, observation_id: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, kind + observation_id)}"


def _timestamp(day: int) -> str:
    return dt.date.fromordinal(day).strftime("%Y-%m-%dT00:00:00Z")


def stix_event(observation: dict[str, Any], members: Membership, levels: list[str]) -> dict[str, Any]:
    """The custom SCO `x-event`: kind, and sponsor / sponsor_level / group / perpetrator resolved.

    `sponsor` is the state a referenced person is (transitively) a member of,
    `sponsor_level` that person's place on the level scale (0 = lowest),
    `group` the armed group any reference is or belongs to, `perpetrator` the
    one a perpetrator reference is or belongs to. Scalars, so at most one of
    each per observation (true of every generated observation; else ValueError).
    """
    event: dict[str, Any] = {
        "type": "x-event",
        "spec_version": "2.1",
        "id": _stix_id("x-event", observation["id"]),
        "kind": observation["type"],
    }

    def put(key: str, value: Any) -> None:
        if event.setdefault(key, value) != value:
            raise ValueError(f"{observation['id']}: two values for {key}")

    for reference in observation.get("entities", []):
        entity = members.by_id[reference["entity"]]
        if entity["type"] == "person":
            for state in members.of_type(entity["id"], "state"):
                put("sponsor", state)
                level = entity.get("attributes", {}).get("level")
                if level in levels:
                    put("sponsor_level", levels.index(level))
        for group in members.of_type(entity["id"], "armed-group"):
            put("group", group)
            if reference.get("role") == "perpetrator":
                put("perpetrator", group)
    return event


def stix_bundle(world: World, as_of: dt.date) -> tuple[dict[str, Any], dict[str, str]]:
    """Every observation reported by `as_of` as observed-data + x-event, in one STIX 2.1 bundle.

    first_observed / last_observed are midnight of the first and last day of
    the date's interval, so a day-precision date is an instant and gaps are
    whole days. Returns the bundle and observed-data id → observation id.
    """
    members = Membership(read_jsonl(world.entities_file))
    levels = level_scale(world.rules)
    objects: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for observation in read_jsonl(world.observations_file):
        lo, hi = day_interval(observation["date"])
        reported = observation.get("reported")
        if (day_interval(reported)[1] if reported else hi) > as_of.toordinal():
            continue
        event = stix_event(observation, members, levels)
        observed = {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": _stix_id("observed-data", observation["id"]),
            "created": _timestamp(hi),
            "modified": _timestamp(hi),
            "first_observed": _timestamp(lo),
            "last_observed": _timestamp(hi),
            "number_observed": 1,
            "object_refs": [event["id"]],
        }
        objects += [observed, event]
        names[observed["id"]] = observation["id"]
    bundle = {"type": "bundle", "id": _stix_id("bundle", world.root), "objects": objects}
    return bundle, names


def stix_pattern(sponsor: str, group: str, min_level: int) -> str:
    """The indicator as a STIX pattern for one (sponsor, group)."""
    meeting = (
        f"x-event:kind IN ('meeting', 'visit') AND x-event:sponsor = '{sponsor}'"
        f" AND x-event:sponsor_level >= {min_level} AND x-event:group = '{group}'"
    )
    attack = f"x-event:kind = 'attack' AND x-event:perpetrator = '{group}'"
    return f"([{meeting}] FOLLOWEDBY [{attack}]) WITHIN {WINDOW_DAYS * SECONDS_PER_DAY} SECONDS"


def stix_match(
    bundle: dict[str, Any], names: dict[str, str], pairs: Iterable[Pair], min_level: int
) -> dict[Pair, list[str]]:
    """Per pair, the observation ids of the first binding stix2-matcher finds (empty: no match).

    The bundle is passed whole: the matcher merges a list of 2.1 bundles with
    deepmerge, which copies the growing object list on every merge.
    """
    from stix2matcher.matcher import match

    found: dict[Pair, list[str]] = {}
    for sponsor, group in pairs:
        matched = match(stix_pattern(sponsor, group, min_level), [bundle], stix_version="2.1")
        # One observation per matched SDO; in 2.1 each is a small bundle: the observed-data and its SCOs.
        found[(sponsor, group)] = sorted(
            names[obj["id"]] for sdo in matched for obj in sdo["objects"] if obj["type"] == "observed-data"
        )
    return found


# --- DuckDB -----------------------------------------------------------------------------------

DUCKDB_MACROS = """
CREATE MACRO epoch_day(d) AS CAST(d AS DATE) - DATE '1970-01-01';
CREATE MACRO first_day(s) AS CASE  -- s: YYYY, YYYY-MM or YYYY-MM-DD
    WHEN length(s) = 4 THEN epoch_day(s || '-01-01')
    WHEN length(s) = 7 THEN epoch_day(s || '-01')
    ELSE epoch_day(s) END;
CREATE MACRO last_day_of(s) AS CASE
    WHEN length(s) = 4 THEN epoch_day(s || '-12-31')
    WHEN length(s) = 7 THEN epoch_day(last_day(CAST(s || '-01' AS DATE)))
    ELSE epoch_day(s) END;
CREATE MACRO day_lo(s) AS first_day(split_part(s, '/', 1));  -- 'A/B': A's first day
CREATE MACRO day_hi(s) AS last_day_of(CASE WHEN contains(s, '/') THEN split_part(s, '/', 2) ELSE s END);
"""

DUCKDB_QUERY = """
WITH RECURSIVE
entities AS (
    SELECT id, type, member_of, attributes ->> '$.level' AS level
    FROM read_json({entities}, format = 'newline_delimited',
        columns = {{id: 'VARCHAR', type: 'VARCHAR', member_of: 'VARCHAR[]', attributes: 'JSON'}})
),
edges AS (SELECT id, unnest(member_of) AS parent FROM entities),
up(id, ancestor) AS (  -- member_of, transitively; UNION stops on cycles
    SELECT id, id FROM entities
    UNION
    SELECT up.id, edges.parent FROM up JOIN edges ON edges.id = up.ancestor
),
obs AS (
    SELECT id, type, entities, day_lo(date) AS lo, day_hi(date) AS hi
    FROM read_json({observations}, format = 'newline_delimited',
        columns = {{id: 'VARCHAR', type: 'VARCHAR', date: 'VARCHAR', reported: 'VARCHAR',
                   entities: 'STRUCT(entity VARCHAR, role VARCHAR)[]'}})
    WHERE type IN ('meeting', 'visit', 'attack')
      AND coalesce(day_hi(reported), day_hi(date)) <= epoch_day({as_of})  -- no hindsight
),
refs AS (
    SELECT id AS obs, type, lo, hi, i, entities[i].entity AS entity, entities[i].role AS role
    FROM (SELECT *, unnest(range(1, len(entities) + 1)) AS i FROM obs)
),
sponsor_refs AS (  -- a person of a state, deputy-minister or above
    SELECT r.obs, r.i, r.lo, r.hi, up.ancestor AS sponsor
    FROM refs r
    JOIN entities person ON person.id = r.entity
    JOIN up ON up.id = r.entity
    JOIN entities state ON state.id = up.ancestor
    WHERE r.type IN ('meeting', 'visit') AND person.type = 'person' AND state.type = 'state'
      AND list_position({levels}, person.level) >= {min_position}
),
group_refs AS (  -- the group itself or anyone of it
    SELECT r.obs, r.type, r.i, r.role, r.lo, r.hi, up.ancestor AS grp
    FROM refs r
    JOIN up ON up.id = r.entity
    JOIN entities g ON g.id = up.ancestor
    WHERE g.type = 'armed-group'
),
meetings AS (  -- the two patterns met by distinct references
    SELECT DISTINCT s.obs, s.sponsor, g.grp, s.lo, s.hi
    FROM sponsor_refs s JOIN group_refs g ON g.obs = s.obs AND g.i <> s.i
),
attacks AS (
    SELECT DISTINCT obs, grp, lo, hi FROM group_refs WHERE type = 'attack' AND role = 'perpetrator'
),
windowed AS (  -- gap range [a.lo - m.hi, a.hi - m.lo] meets [0, W]; definite if inside it
    SELECT m.sponsor, m.grp,
           count(*) AS possible,
           count(*) FILTER (WHERE a.lo - m.hi >= 0 AND a.hi - m.lo <= {window}) AS definite
    FROM meetings m JOIN attacks a
      ON a.grp = m.grp AND a.obs <> m.obs AND a.hi - m.lo >= 0 AND a.lo - m.hi <= {window}
    GROUP BY ALL
),
meeting_counts AS (SELECT sponsor, grp, count(*) AS n FROM meetings GROUP BY ALL),
attack_counts AS (SELECT grp, count(*) AS n FROM attacks GROUP BY ALL)
SELECT mc.sponsor, mc.grp, coalesce(w.definite, 0), coalesce(w.possible, 0), mc.n * ac.n AS total
FROM meeting_counts mc
JOIN attack_counts ac USING (grp)
LEFT JOIN windowed w USING (sponsor, grp)
ORDER BY ALL
"""


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_counts(observations: str, rules: str, as_of: dt.date) -> tuple[dict[Pair, Counts], float]:
    """Load the JSONL with DuckDB and count the indicator's bindings per (sponsor, group); (counts, s).

    The time runs from connect() to the last row fetched: reading, parsing
    and the query, in-process.
    """
    import duckdb

    levels = level_scale(rules)
    start = time.perf_counter()
    connection = duckdb.connect()
    connection.execute(DUCKDB_MACROS)
    query = DUCKDB_QUERY.format(
        entities=_sql_string(os.path.join(observations, "entities.jsonl")),
        observations=_sql_string(os.path.join(observations, "observations.jsonl")),
        as_of=_sql_string(as_of.isoformat()),
        levels="[" + ", ".join(_sql_string(level) for level in levels) + "]",
        min_position=levels.index(MIN_LEVEL) + 1,  # list_position is 1-based
        window=WINDOW_DAYS,
    )
    rows = connection.execute(query).fetchall()
    seconds = time.perf_counter() - start
    connection.close()
    counts = {(s, g): Counts(definite, possible, total) for s, g, definite, possible, total in rows}
    return counts, seconds


# --- the measured children --------------------------------------------------------------------


def _iandw_inprocess(observations: str, rules: str, as_of: dt.date) -> dict[str, Any]:
    """iandw's own load and evaluate times through the Python API (no rendering)."""
    start = time.perf_counter()
    from iandw.api import evaluate
    from iandw.loader import load

    imported = time.perf_counter()
    result = load([observations], rules=rules)
    loaded = time.perf_counter()
    report = evaluate(result.case, as_of=as_of)
    evaluated = time.perf_counter()
    statuses = {
        h.id: [i.status for i in h.indicators if i.id == INDICATOR] for h in report.hypotheses
    }  # touch the result so nothing is left lazy
    return {
        "import_s": imported - start,
        "load_s": loaded - imported,
        "evaluate_s": evaluated - loaded,
        "hypotheses": len(statuses),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one peer (or iandw in-process) and print JSON.")
    parser.add_argument("what", choices=["duckdb", "iandw"])
    parser.add_argument("observations")
    parser.add_argument("rules")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    arguments = parser.parse_args(argv)
    if arguments.what == "duckdb":
        counts, seconds = duckdb_counts(arguments.observations, arguments.rules, arguments.as_of)
        pairs = [[s, g, c.definite, c.possible, c.total] for (s, g), c in sorted(counts.items())]
        output: dict[str, Any] = {"seconds": seconds, "pairs": pairs}
    else:
        output = _iandw_inprocess(arguments.observations, arguments.rules, arguments.as_of)
    json.dump(output, sys.stdout)


if __name__ == "__main__":
    main()
