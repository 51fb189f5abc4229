"""A seeded synthetic world of any size, shaped like imported event data.

    python bench/generate.py 100000 bench/out/100k

writes OUT/observations/observations.jsonl (the events), OUT/observations/
entities.jsonl and OUT/rules/ (the shipped indicators and scales, plus
hypotheses for ten sponsor–group pairs).  The world: 20 states with officials
on the level scale, 50 armed groups with members, 100 weapon systems with
origins, 20 exchanges with countries, 5 private military companies.
Observations: 40% meetings (an official and a group member), 5% attacks, 10%
weapons displays, 5% financing, 1% designations, the rest noise; 10% of dates
have month precision and 5% are intervals; each has 1-3 graded sources from
300 origins.  The same N and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
from collections.abc import Iterator
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START = dt.date(2022, 1, 1)
DAYS = 730
LEVELS = ["official", "senior-official", "deputy-minister", "minister", "head-of-government", "head-of-state"]
RANKS = ["member", "commander", "senior-leader", "leader"]
PORTFOLIOS = ["foreign", "defence", "security", "finance"]
NOISE_TYPES = ["statement", "protest", "travel", "arrest", "election", "interview"]


def entities(rng: random.Random) -> list[dict[str, Any]]:
    states = [
        {"kind": "entity", "id": f"state-{i:02d}", "type": "state", "name": f"State {i}"} for i in range(20)
    ]
    officials = [
        {
            "kind": "entity",
            "id": f"official-{s:02d}-{j}",
            "type": "person",
            "member_of": [f"state-{s:02d}"],
            "attributes": {"level": rng.choice(LEVELS), "portfolio": rng.choice(PORTFOLIOS)},
        }
        for s in range(20)
        for j in range(10)
    ]
    groups = [{"kind": "entity", "id": f"group-{g:02d}", "type": "armed-group"} for g in range(50)]
    members = [
        {
            "kind": "entity",
            "id": f"member-{g:02d}-{j}",
            "type": "person",
            "member_of": [f"group-{g:02d}"],
            "attributes": {"rank": rng.choice(RANKS)},
        }
        for g in range(50)
        for j in range(10)
    ]
    weapons = [
        {
            "kind": "entity",
            "id": f"weapon-{w:03d}",
            "type": "weapon-system",
            "attributes": {"origin": f"state-{rng.randrange(20):02d}"},
        }
        for w in range(100)
    ]
    exchanges = [
        {
            "kind": "entity",
            "id": f"exchange-{e:02d}",
            "type": "exchange",
            "attributes": {"country": f"state-{rng.randrange(20):02d}"},
        }
        for e in range(20)
    ]
    pmcs = [
        {
            "kind": "entity",
            "id": f"pmc-{p}",
            "type": "pmc",
            "attributes": {"affiliated_state": f"state-{rng.randrange(20):02d}"},
        }
        for p in range(5)
    ]
    return states + officials + groups + members + weapons + exchanges + pmcs


def date_text(rng: random.Random) -> tuple[str, dt.date]:
    """(EDTF date, its last day): 85% a day, 10% a month, 5% an interval."""
    day = START + dt.timedelta(days=rng.randrange(DAYS))
    roll = rng.random()
    if roll < 0.10:
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return day.strftime("%Y-%m"), following - dt.timedelta(days=1)
    if roll < 0.15:
        end = day + dt.timedelta(days=rng.randrange(2, 30))
        return f"{day.isoformat()}/{end.isoformat()}", end
    return day.isoformat(), day


def sources(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "name": f"outlet-{rng.randrange(1000)}",
            "origin": f"origin-{rng.randrange(300)}",
            "reliability": rng.choice("ABCDEF"),
            "credibility": rng.randrange(1, 7),
        }
        for _ in range(rng.randrange(1, 4))
    ]


def observation(rng: random.Random, index: int) -> dict[str, Any]:
    roll = rng.random()
    group = rng.randrange(50)
    member = f"member-{group:02d}-{rng.randrange(10)}"
    official = f"official-{rng.randrange(20):02d}-{rng.randrange(10)}"
    if roll < 0.40:
        kind, refs = "meeting", [{"entity": official, "role": "host"}, {"entity": member}]
    elif roll < 0.45:
        kind, refs = "attack", [{"entity": f"group-{group:02d}", "role": "perpetrator"}]
    elif roll < 0.55:
        kind = "weapons-display"
        refs = [
            {"entity": f"group-{group:02d}", "role": "displayer"},
            {"entity": f"weapon-{rng.randrange(100):03d}"},
        ]
    elif roll < 0.60:
        kind = "financing"
        refs = [
            {"entity": f"exchange-{rng.randrange(20):02d}"},
            {"entity": f"group-{group:02d}", "role": "beneficiary"},
        ]
    elif roll < 0.61:
        kind = "designation"
        refs = [
            {"entity": f"exchange-{rng.randrange(20):02d}", "role": "designee"},
            {"entity": "state-00", "role": "designator"},
        ]
    else:
        kind = rng.choice(NOISE_TYPES)
        refs = [{"entity": rng.choice([official, member, f"group-{group:02d}"])}]
    date, last = date_text(rng)
    reported = last + dt.timedelta(days=rng.randrange(0, 30))
    return {
        "id": f"obs-{index:07d}",
        "type": kind,
        "date": date,
        "reported": reported.isoformat(),
        "summary": f"synthetic {kind} {index}",
        "entities": refs,
        "sources": sources(rng),
    }


def observations(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    for index in range(count):
        yield observation(rng, index)


def hypotheses(rng: random.Random) -> list[dict[str, Any]]:
    pairs = sorted({(rng.randrange(20), rng.randrange(50)) for _ in range(40)})[:10]
    return [
        {
            "kind": "hypothesis",
            "id": f"state-{s:02d}-supported-group-{g:02d}",
            "statement": f"State {s} supported group {g}.",
            "bind": {"sponsor": f"state-{s:02d}", "group": f"group-{g:02d}"},
            "prior": 0.2,
        }
        for s, g in pairs
    ]


def shipped_indicators() -> list[dict[str, Any]]:
    """The shipped indicators without their tests (which name the seed case's entities)."""
    import yaml

    folder = os.path.join(ROOT, "rules", "indicators")
    indicators = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as stream:
            for document in yaml.safe_load_all(stream):
                document.pop("tests", None)
                indicators.append(document)
    return indicators


def write_jsonl(path: str, documents: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        for document in documents:
            stream.write(json.dumps(document, separators=(",", ":")) + "\n")


def generate(count: int, out: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    observations_dir, rules_dir = os.path.join(out, "observations"), os.path.join(out, "rules")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(observations_dir)
    os.makedirs(rules_dir)
    shutil.copy(os.path.join(ROOT, "rules", "scales.yaml"), rules_dir)
    write_jsonl(os.path.join(rules_dir, "indicators.jsonl"), shipped_indicators())
    write_jsonl(os.path.join(observations_dir, "entities.jsonl"), entities(rng))
    write_jsonl(os.path.join(observations_dir, "observations.jsonl"), observations(rng, count))
    with open(os.path.join(rules_dir, "hypotheses.json"), "w", encoding="utf-8") as stream:
        json.dump(hypotheses(random.Random(seed + 1)), stream, indent=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of observations")
    parser.add_argument("out", help="output directory (replaced)")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    generate(arguments.count, arguments.out, arguments.seed)


if __name__ == "__main__":
    main()
