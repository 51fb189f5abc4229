"""Benchmark worlds on disk, and a plain-Python reference for the one indicator the peers run.

A world is `bench/out/<name>/` with `observations/` (entities.jsonl,
observations.jsonl), `rules/` (what `generate.py` writes) and `rules-single/`
(only leadership-meeting-before-attack, its scales, and the hypotheses
restricted to it). Generated worlds are cached: `stamp.json` records the size,
the seed and a hash of the generator and the shipped rules it copies, and a
world is regenerated only when one of them changes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import generate
import yaml

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")
SEED = 7
INDICATOR = "leadership-meeting-before-attack"
MIN_LEVEL = "deputy-minister"  # the indicator's `level: {at_least: deputy-minister}`
WINDOW_DAYS = 84  # its `within: 12w`

Pair = tuple[str, str]  # (sponsor, group)
Verdict = tuple[str, int, int]  # (status, match_count, near_miss_count), as iandw reports them


@dataclass(frozen=True)
class World:
    """Paths of one benchmark world."""

    root: str
    count: int

    @property
    def observations(self) -> str:
        return os.path.join(self.root, "observations")

    @property
    def rules(self) -> str:
        return os.path.join(self.root, "rules")

    @property
    def single_rules(self) -> str:
        return os.path.join(self.root, "rules-single")

    @property
    def entities_file(self) -> str:
        return os.path.join(self.observations, "entities.jsonl")

    @property
    def observations_file(self) -> str:
        return os.path.join(self.observations, "observations.jsonl")


@dataclass
class Counts:
    """Bindings of the indicator for one (sponsor, group): definite, possible-or-definite, all."""

    definite: int = 0
    possible: int = 0  # possible or definite: iandw's match_count
    total: int = 0  # every (meeting, attack) pair: match_count + near_miss_count

    @property
    def status(self) -> str:
        if self.definite:
            return "fired"
        return "possible" if self.possible else "not-fired"

    @property
    def verdict(self) -> Verdict:
        return self.status, self.possible, self.total - self.possible


def label(count: int) -> str:
    """10000 → '10k', 1000000 → '1M'."""
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


def inputs_hash() -> str:
    """Hash of everything a generated world depends on: generate.py and the shipped rules it copies."""
    digest = hashlib.sha256()
    folder = os.path.join(ROOT, "rules", "indicators")
    paths = [os.path.join(BENCH, "generate.py"), os.path.join(ROOT, "rules", "scales.yaml")]
    paths += [os.path.join(folder, name) for name in sorted(os.listdir(folder))]
    for path in paths:
        digest.update(os.path.relpath(path, ROOT).encode())
        with open(path, "rb") as stream:
            digest.update(stream.read())
    return digest.hexdigest()


def ensure_world(count: int, seed: int = SEED, out: str = OUT) -> tuple[World, bool]:
    """The world of `count` observations, generated unless a matching stamp is there; (world, generated)."""
    world = World(os.path.join(out, label(count)), count)
    stamp = {"count": count, "seed": seed, "inputs_sha256": inputs_hash()}
    stamp_path = os.path.join(world.root, "stamp.json")
    generated = False
    if _read_json(stamp_path) != stamp or not os.path.exists(world.observations_file):
        generate.generate(count, world.root, seed)
        with open(stamp_path, "w", encoding="utf-8") as stream:
            json.dump(stamp, stream)
        generated = True
    write_single_rules(world.rules, world.single_rules)
    return world, generated


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None


def write_single_rules(rules: str, out: str) -> None:
    """rules-single/: the one indicator (tests stripped), the scales, the hypotheses restricted to it."""
    os.makedirs(out, exist_ok=True)
    indicators = [i for i in generate.shipped_indicators() if i["id"] == INDICATOR]
    generate.write_jsonl(os.path.join(out, "indicators.jsonl"), indicators)
    shutil.copy(os.path.join(rules, "scales.yaml"), out)
    with open(os.path.join(rules, "hypotheses.json"), encoding="utf-8") as stream:
        hypotheses = json.load(stream)
    for hypothesis in hypotheses:
        hypothesis["indicators"] = [INDICATOR]
    with open(os.path.join(out, "hypotheses.json"), "w", encoding="utf-8") as stream:
        json.dump(hypotheses, stream, indent=1)


def day_precision_world(world: World) -> World:
    """`<world>-day/`: the same world with only the observations dated to a single day."""
    day = World(world.root + "-day", 0)
    os.makedirs(day.observations, exist_ok=True)
    shutil.copy(world.entities_file, day.entities_file)
    kept = [o for o in read_jsonl(world.observations_file) if len(set(day_interval(o["date"]))) == 1]
    generate.write_jsonl(day.observations_file, kept)
    shutil.copytree(world.rules, day.rules, dirs_exist_ok=True)
    shutil.copytree(world.single_rules, day.single_rules, dirs_exist_ok=True)
    return World(day.root, len(kept))


def read_jsonl(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def hypothesis_pairs(rules: str) -> list[Pair]:
    """The (sponsor, group) of each hypothesis in rules/hypotheses.json."""
    with open(os.path.join(rules, "hypotheses.json"), encoding="utf-8") as stream:
        return [(h["bind"]["sponsor"], h["bind"]["group"]) for h in json.load(stream)]


def level_scale(rules: str) -> list[str]:
    """The `level` scale's values, lowest first."""
    with open(os.path.join(rules, "scales.yaml"), encoding="utf-8") as stream:
        for document in yaml.safe_load_all(stream):
            if document.get("kind") == "scale" and document.get("id") == "level":
                return list(document["values"])
    raise ValueError(f"no level scale in {rules}")


def day_interval(text: str) -> tuple[int, int]:
    """The days (proleptic ordinals) an EDTF date may denote: YYYY, YYYY-MM, YYYY-MM-DD, or A/B.

    Only the forms the generator writes; qualifiers and open ends raise ValueError.
    """
    if "/" in text:
        first, last = text.split("/")
        return day_interval(first)[0], day_interval(last)[1]
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts).toordinal()
        return day, day
    if len(parts) == 2:
        year, month = parts
        last_day = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1).toordinal(), dt.date(year, month, last_day).toordinal()
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1).toordinal(), dt.date(parts[0], 12, 31).toordinal()
    raise ValueError(f"unsupported date {text!r}")


class Membership:
    """Entities by id, with the transitive `member_of` closure."""

    def __init__(self, entities: Iterable[dict[str, Any]]) -> None:
        self.by_id = {e["id"]: e for e in entities}
        self._up: dict[str, frozenset[str]] = {}

    def ancestors(self, entity: str) -> frozenset[str]:
        """The entity and everything it is transitively a member of (cycle-safe)."""
        if entity not in self._up:
            seen, stack = set(), [entity]
            while stack:
                current = stack.pop()
                if current not in seen:
                    seen.add(current)
                    stack.extend(self.by_id.get(current, {}).get("member_of", []))
            self._up[entity] = frozenset(seen)
        return self._up[entity]

    def of_type(self, entity: str, kind: str) -> list[str]:
        """What the entity is (or is a member of) that has type `kind`."""
        return sorted(a for a in self.ancestors(entity) if self.by_id.get(a, {}).get("type") == kind)


def meeting_and_attack_roles(
    observation: dict[str, Any], members: Membership, levels: list[str]
) -> tuple[set[Pair], set[str]]:
    """(sponsor, group) pairs this observation can be the indicator's meeting for; groups it is an attack by.

    Mirrors the indicator's selections: a meeting (or visit) with a person of
    a state at deputy-minister level or above and, through another reference,
    anyone of a group; an attack with a group (or a member of one) as perpetrator.
    """
    meetings: set[Pair] = set()
    attacks: set[str] = set()
    references = observation.get("entities", [])
    if observation["type"] in ("meeting", "visit"):
        floor = levels.index(MIN_LEVEL)
        for i, sponsor_ref in enumerate(references):
            entity = members.by_id[sponsor_ref["entity"]]
            level = entity.get("attributes", {}).get("level")
            if entity["type"] != "person" or level not in levels or levels.index(level) < floor:
                continue
            for j, group_ref in enumerate(references):
                if i != j:
                    meetings |= {
                        (sponsor, group)
                        for sponsor in members.of_type(sponsor_ref["entity"], "state")
                        for group in members.of_type(group_ref["entity"], "armed-group")
                    }
    if observation["type"] == "attack":
        for reference in references:
            if reference.get("role") == "perpetrator":
                attacks |= set(members.of_type(reference["entity"], "armed-group"))
    return meetings, attacks


def reference_counts(world: World, as_of: dt.date) -> dict[Pair, Counts]:
    """The indicator's bindings per (sponsor, group), by brute force over (meeting, attack) pairs."""
    members = Membership(read_jsonl(world.entities_file))
    levels = level_scale(world.rules)
    as_of_day = as_of.toordinal()
    meetings: list[tuple[Pair, str, int, int]] = []
    attacks: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for observation in read_jsonl(world.observations_file):
        if observation["type"] not in ("meeting", "visit", "attack"):
            continue
        lo, hi = day_interval(observation["date"])
        reported = observation.get("reported")
        if (day_interval(reported)[1] if reported else hi) > as_of_day:
            continue  # no hindsight
        as_meeting, as_attack = meeting_and_attack_roles(observation, members, levels)
        meetings += [(pair, observation["id"], lo, hi) for pair in as_meeting]
        for group in as_attack:
            attacks[group].append((observation["id"], lo, hi))
    counts: dict[Pair, Counts] = defaultdict(Counts)
    for pair, meeting_id, m_lo, m_hi in meetings:
        tally = counts[pair]
        for attack_id, a_lo, a_hi in attacks.get(pair[1], []):
            if attack_id == meeting_id:
                continue
            gap_lo, gap_hi = a_lo - m_hi, a_hi - m_lo
            tally.total += 1
            if gap_hi >= 0 and gap_lo <= WINDOW_DAYS:
                tally.possible += 1
                if gap_lo >= 0 and gap_hi <= WINDOW_DAYS:
                    tally.definite += 1
    return dict(counts)


@dataclass(frozen=True)
class IandwResult:
    """The indicator's verdicts in an iandw JSON report."""

    hypotheses: dict[Pair, Verdict]  # per hypothesis (bind fixed)
    groups: dict[Pair, Verdict]  # every assignment that fired or was possible


def read_iandw_report(path: str) -> IandwResult:
    """Read leadership-meeting-before-attack's verdicts from `iandw evaluate --format json`."""
    with open(path, encoding="utf-8") as stream:
        report = json.load(stream)
    hypotheses = {
        (item["vars"]["sponsor"], item["vars"]["group"]): _verdict(item)
        for hypothesis in report["hypotheses"]
        for item in hypothesis["indicators"]
        if item["id"] == INDICATOR
    }
    groups = {
        (group["vars"]["sponsor"], group["vars"]["group"]): _verdict(group)
        for indicator in report["indicators"]
        if indicator["id"] == INDICATOR
        for group in indicator["groups"]
    }
    return IandwResult(hypotheses, groups)


def _verdict(item: dict[str, Any]) -> Verdict:
    return item["status"], item["match_count"], item["near_miss_count"]
