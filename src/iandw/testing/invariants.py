"""The engine's promises (SPEC §12, as corrected in docs/semantics.md) checked on one world.

Each `assert_*` evaluates a world and a variation of it and compares the
two reports, raising AssertionError with the first difference that the
promise forbids, or ValueError when the variation asked for is outside
what the promise covers.  `assert_invariants` runs them all.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import math
import random
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from iandw.assessment.arithmetic import RELIABILITY_RANK, source_weight
from iandw.choices import STATUS_RANK, IndicatorStatus
from iandw.model.documents import Scoring, Source, date_as_text, duration_days
from iandw.model.report import Report
from iandw.model.scoring import UNGRADED_CREDIBILITY, UNGRADED_RELIABILITY, ScoringTables
from iandw.testing.arguments import (
    AsOf,
    by_observation,
    document_of,
    documents_of,
    whole_days,
    world_of,
)
from iandw.testing.documents import Document, Documents, evaluate_documents, posterior_of
from iandw.testing.transformations import day_interval, day_text, shift_date, window_items

Rng: TypeAlias = "random.Random | int | None"

_COMPARE_MATCHES = 100_000  # compare whole traces, not the first five matches


def _rng(value: Rng) -> random.Random:
    return value if isinstance(value, random.Random) else random.Random(value or 0)


def _observation_documents(documents: Documents) -> list[int]:
    return [i for i, d in enumerate(documents) if d.get("kind", "observation") == "observation"]


# --- comparing reports ------------------------------------------------------------


def _evaluate(documents: Documents, as_of: AsOf) -> Report:
    return evaluate_documents(documents, as_of, max_matches=_COMPARE_MATCHES)


def _json(report: Report) -> str:
    from iandw.render import render

    return render(report, "json")


def _canonical(report: Report, drop: Sequence[str] = ()) -> Any:
    """The JSON report as data, without the fields `drop` names (dotted, `*` for lists)."""
    data = json.loads(_json(report))
    for path in drop:
        _drop(data, path.split("."))
    return data


def _drop(node: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if head == "*":
        for item in node if isinstance(node, list) and rest else []:
            _drop(item, rest)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _drop(node[head], rest)
    else:
        del node[head]


def _difference(left: Any, right: Any, path: str = "$") -> str | None:
    """Where two JSON values first differ, for a readable failure."""
    if type(left) is not type(right):
        return f"{path}: {left!r} != {right!r}"
    if isinstance(left, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}.{key}: present on one side only"
            found = _difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found = _difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)} items"
        return None
    return None if left == right else f"{path}: {left!r} != {right!r}"


def _assert_same_bytes(before: str, after: str, what: str) -> None:
    if before == after:
        return
    try:
        left, right = json.loads(before), json.loads(after)
    except ValueError:
        raise AssertionError(f"{what} changed the report's bytes") from None
    _assert_same(left, right, what)
    raise AssertionError(f"{what} changed the report's bytes (the same data, written differently)")


def _assert_same(before: Any, after: Any, what: str) -> None:
    found = _difference(before, after)
    if found:
        raise AssertionError(f"{what} changed the report: {found}")


def _statuses(report: Report) -> dict[tuple[str, tuple[tuple[str, str], ...]], IndicatorStatus]:
    """(indicator, assignment) → status; absent assignments did not fire."""
    return {
        (item.id, tuple(sorted(group.vars.items()))): group.status
        for item in report.indicators
        for group in item.groups
    }


def _posteriors(report: Report) -> dict[str, float]:
    return {h.id: h.posterior for h in report.hypotheses}


# --- the invariants ---------------------------------------------------------------


def assert_permutation_invariant(
    rules: Documents, observations: Documents, as_of: AsOf, rng: Rng = None
) -> None:
    """Invariant 1: shuffling documents (files), observations and their sources changes no byte."""
    rules, observations, as_of = world_of(rules, observations, as_of)
    generator = _rng(rng)
    baseline = _json(_evaluate([*rules, *observations], as_of))
    shuffled = [copy.deepcopy(dict(d)) for d in [*rules, *observations]]
    generator.shuffle(shuffled)
    for document in shuffled:
        if document.get("kind", "observation") == "observation" and isinstance(document.get("sources"), list):
            generator.shuffle(document["sources"])
    _assert_same_bytes(baseline, _json(_evaluate(shuffled, as_of)), "permuting documents and sources")


def assert_shift_invariant(rules: Documents, observations: Documents, as_of: AsOf, days: int) -> None:
    """Invariant 2: moving every date and as_of by `days` changes nothing but the dates shown.

    Raises ValueError when a date cannot be moved exactly (months, years,
    unspecified digits: see `shift_date`).
    """
    rules, observations, as_of = world_of(rules, observations, as_of)
    days = whole_days(days)
    moved = []
    for original in observations:
        document: dict[str, Any] = dict(original)
        if document.get("kind", "observation") == "observation":
            for key in ("date", "reported"):
                if document.get(key) is not None:
                    shifted = shift_date(document[key], days)
                    if shifted is None:
                        raise ValueError(f"{document.get('id')}: {key} {document[key]!r} cannot be shifted")
                    document[key] = shifted
        moved.append(document)
    new_as_of = as_of + dt.timedelta(days=days)
    drop = (
        "as_of",
        "observations.*.date",
        "observations.*.first_day",
        "observations.*.last_day",
        "observations.*.reported",
        "observations.*.used_from",
    )
    before = _canonical(_evaluate([*rules, *observations], as_of), drop)
    after = _canonical(_evaluate([*rules, *moved], new_as_of), drop)
    _undate_reasons(before, as_of)
    _undate_reasons(after, new_as_of)
    _assert_same(before, after, f"shifting every date by {days} days")


def _undate_reasons(data: Any, as_of: dt.date) -> None:
    """The evaluation date in the report's `unmatched_reasons` ('none reported by 2023-10-06') made
    a placeholder: it is a date shown, which shifting moves."""
    dated, undated = f"reported by {as_of.isoformat()}", "reported by AS_OF"
    for hypothesis in data["hypotheses"]:
        for item in hypothesis["indicators"]:
            reasons = item["unmatched_reasons"]
            for name, reason in reasons.items():
                reasons[name] = reason.replace(dated, undated)


def _monotone_preconditions(rules: Documents) -> list[str]:
    problems = []
    for document in rules:
        if document.get("kind") == "indicator":
            if float(document.get("likelihood_ratio", 1)) < 1:
                problems.append(f"indicator {document.get('id')} has a likelihood_ratio below 1")
            if float(document.get("absent_likelihood_ratio", 1)) != 1:
                problems.append(f"indicator {document.get('id')} has an absent_likelihood_ratio other than 1")
        if document.get("kind") == "hypothesis":
            for entry in document.get("indicators") or []:
                if isinstance(entry, Mapping):
                    if float(entry.get("likelihood_ratio") or 1) < 1:
                        problems.append(f"hypothesis {document.get('id')} lowers a likelihood_ratio below 1")
                    if float(entry.get("absent_likelihood_ratio") or 1) != 1:
                        problems.append(f"hypothesis {document.get('id')} sets an absent_likelihood_ratio")
    return problems


def assert_monotone(rules: Documents, observations: Documents, as_of: AsOf, extra: Document) -> None:
    """Invariant 3: with every LR ≥ 1 and absent LR = 1, adding `extra` lowers no posterior.

    Also checks the stronger fact behind it: no indicator's status for any
    assignment drops.  Raises ValueError if the rules do not meet the
    precondition.
    """
    rules, observations, as_of = world_of(rules, observations, as_of)
    extra = document_of(extra, "extra")
    problems = _monotone_preconditions(rules)
    if problems:
        raise ValueError("assert_monotone needs LR ≥ 1 and absent LR = 1: " + "; ".join(problems))
    before = _evaluate([*rules, *observations], as_of)
    after = _evaluate([*rules, *observations, extra], as_of)
    _assert_not_lowered(before, after, f"adding observation {extra.get('id')!r}")
    for hypothesis, posterior in _posteriors(before).items():
        if _posteriors(after)[hypothesis] < posterior:
            raise AssertionError(
                f"adding observation {extra.get('id')!r} lowered the posterior of {hypothesis} "
                f"from {posterior!r} to {_posteriors(after)[hypothesis]!r}"
            )


def _assert_not_lowered(before: Report, after: Report, what: str) -> None:
    old, new = _statuses(before), _statuses(after)
    for key, status in sorted(old.items()):
        if STATUS_RANK[new.get(key, "not-fired")] < STATUS_RANK[status]:
            raise AssertionError(
                f"{what} turned {key[0]} {dict(key[1])} from {status} into {new.get(key, 'not-fired')}"
            )


def assert_widening_safe(
    rules: Documents, observations: Documents, as_of: AsOf, days: int | None = 7, rng: Rng = None
) -> None:
    """Invariant 4: widening `within` windows never turns fired into not fired.

    Every window's `within` grows by `days` and its `min` shrinks by as much
    (`days=None` removes both bounds); with `rng`, each window is widened by
    a random amount up to `days`, or left alone.  The check is the stronger
    one that holds: no status of any assignment drops.
    """
    rules, observations, as_of = world_of(rules, observations, as_of)
    if days is not None:
        days = whole_days(days)
    generator = _rng(rng) if rng is not None else None
    widened = [copy.deepcopy(dict(d)) for d in rules]
    for i, j in window_items(rules):
        item = widened[i]["require"][j]
        amount = days
        if generator is not None and days is not None:
            if generator.random() < 0.3:
                continue
            amount = generator.randint(0, days)
        if amount is None:
            item.pop("within", None)
            item.pop("min", None)
            continue
        if "within" in item:
            item["within"] = f"{duration_days(item['within']) + amount}d"
        if "min" in item:
            low = duration_days(item["min"]) - amount
            if low > 0:
                item["min"] = f"{low}d"
            else:
                del item["min"]
    before = _evaluate([*rules, *observations], as_of)
    after = _evaluate([*widened, *observations], as_of)
    _assert_not_lowered(before, after, "widening windows")


def assert_narrowing_safe(
    rules: Documents,
    observations: Documents,
    as_of: AsOf,
    narrowed: Mapping[str, str] | None = None,
    rng: Rng = None,
) -> None:
    """Invariant 5: narrowing uncertain dates inside their bounds, `reported` fixed, resolves only "possible".

    `narrowed` maps observation ids to new dates (each must lie inside the
    old one's interval; an id naming no observation raises KeyError); by
    default every multi-day date is narrowed to a random sub-interval.
    Fired stays fired and not fired stays not fired, for every assignment
    of every indicator.
    """
    rules, observations, as_of = world_of(rules, observations, as_of)
    if narrowed is not None:
        narrowed = by_observation(narrowed, "narrowed", observations)
    pad = _tables(rules).qualifier_pad
    generator = _rng(rng)
    changed: list[dict[str, Any]] = []
    for original in observations:
        document: dict[str, Any] = dict(original)
        if document.get("kind", "observation") == "observation":
            lo, hi = day_interval(document["date"], pad)
            if narrowed is not None:
                new = narrowed.get(str(document.get("id")))
            else:
                new = _random_narrowing(lo, hi, generator, as_of.toordinal())
            if new is not None:
                new_lo, new_hi = day_interval(new, pad)
                if not lo <= new_lo <= new_hi <= hi:
                    raise ValueError(f"{document.get('id')}: {new!r} is not inside {document['date']!r}")
                document["reported"] = document.get("reported") or date_as_text(document["date"])
                document["date"] = new
        changed.append(document)
    before = _statuses(_evaluate([*rules, *observations], as_of))
    after = _statuses(_evaluate([*rules, *changed], as_of))
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, "not-fired"), after.get(key, "not-fired")
        if old != new and old != "possible":
            raise AssertionError(f"narrowing dates turned {key[0]} {dict(key[1])} from {old} into {new}")


def _random_narrowing(lo: float, hi: float, generator: random.Random, anchor: int) -> str | None:
    if lo == hi:
        return None
    low = int(lo) if math.isfinite(lo) else int(min(hi, anchor)) - 60
    high = int(hi) if math.isfinite(hi) else max(low, anchor) + 60
    a = generator.randint(low, high)
    b = generator.randint(a, min(high, a + generator.choice((0, 0, 1, 3, 10))))
    return day_text(a, b)


def _rank(source: Source) -> tuple[int, int]:
    """Admiralty order, best first; ungraded ranks as F and 6 (cannot be judged), as for min_grade."""
    return (
        RELIABILITY_RANK[source.reliability or UNGRADED_RELIABILITY],
        source.credibility or UNGRADED_CREDIBILITY,
    )


def is_no_better_source(
    new: Mapping[str, Any], existing: Sequence[Mapping[str, Any]], tables: ScoringTables
) -> bool:
    """The corrected reading of invariant 6's "no better grade" (docs/semantics.md).

    The origin is already present; one source of that origin grades at
    least as well on both scales (F and 6 lowest); and the new source's
    weight is no higher than that origin's best.
    """
    added = Source.model_validate(dict(new))
    same = [s for s in map(Source.model_validate, map(dict, existing)) if s.origin_key == added.origin_key]
    if not same:
        return False
    reliability, credibility = _rank(added)
    dominated = any(_rank(s)[0] <= reliability and _rank(s)[1] <= credibility for s in same)
    best = max(source_weight(s.reliability, s.credibility, tables) for s in same)
    return dominated and source_weight(added.reliability, added.credibility, tables) <= best


def _tables(rules: Documents) -> ScoringTables:
    for document in rules:
        if document.get("kind") == "scoring":
            return ScoringTables.from_document(Scoring.model_validate(dict(document)))
    return ScoringTables()


def assert_same_origin_source_neutral(
    rules: Documents,
    observations: Documents,
    as_of: AsOf,
    added: Mapping[str, Mapping[str, Any]] | None = None,
    rng: Rng = None,
) -> None:
    """Invariant 6 (corrected): a source adding no new origin and no better grade changes nothing.

    `added` maps observation ids to a source to append (each must pass
    `is_no_better_source`; an id naming no observation raises KeyError, one
    naming an observation without sources ValueError); by default each
    sourced observation gets a renamed copy of one of its sources,
    downgraded at random while that keeps its weight.  The report may only
    differ in the sources it lists.
    """
    rules, observations, as_of = world_of(rules, observations, as_of)
    if added is not None:
        added = by_observation(added, "added", observations, sourced=True)
    tables = _tables(rules)
    generator = _rng(rng)
    changed = []
    for original in observations:
        document: dict[str, Any] = copy.deepcopy(dict(original))
        existing = document.get("sources") or []
        if document.get("kind", "observation") == "observation" and existing:
            if added is not None:
                new = added.get(str(document.get("id")))
            else:
                new = _downgraded_copy(generator.choice(existing), existing, tables, generator)
            if new is not None:
                if not is_no_better_source(new, existing, tables):
                    raise ValueError(f"{document.get('id')}: {dict(new)} adds an origin or a better grade")
                document["sources"] = [*existing, dict(new)]
        changed.append(document)
    drop = ("observations.*.sources",)
    before = _canonical(_evaluate([*rules, *observations], as_of), drop)
    after = _canonical(_evaluate([*rules, *changed], as_of), drop)
    _assert_same(before, after, "adding same-origin sources with no better grade")


def _downgraded_copy(
    source: Mapping[str, Any],
    existing: Sequence[Mapping[str, Any]],
    tables: ScoringTables,
    generator: random.Random,
) -> dict[str, Any]:
    copied = Source.model_validate(dict(source))
    new: dict[str, Any] = {"name": f"{copied.name} (echo)", "origin": copied.origin_written}
    reliability, credibility = _rank(copied)
    new["reliability"] = list(RELIABILITY_RANK)[generator.randint(reliability, 5)]
    new["credibility"] = generator.randint(credibility, 6)
    if not is_no_better_source(new, existing, tables):
        new["reliability"], new["credibility"] = copied.reliability, copied.credibility
        new = {k: v for k, v in new.items() if v is not None}
    return new


def assert_no_hindsight(
    rules: Documents, observations: Documents, as_of: AsOf, late: Documents | None = None
) -> None:
    """Invariant 7 (as corrected): observations reported after as_of change nothing but the counts read.

    `late` are extra observations whose `reported` upper bound is after
    as_of; by default, a copy of every observation reported the next day.
    `inputs.observations` counts what was read, and `unmatched_reasons`
    counts, per selection nothing met, what was read but not yet reported:
    they are the fields allowed to change (which selections nothing met,
    `unmatched_selections`, is not).
    """
    rules, observations, day = world_of(rules, observations, as_of)
    pad = _tables(rules).qualifier_pad
    if late is None:
        late = [
            {**dict(d), "id": f"{d.get('id')}-late", "reported": (day + dt.timedelta(days=1)).isoformat()}
            for d in observations
            if d.get("kind", "observation") == "observation"
        ]
    late = documents_of(late, "late")
    for document in late:
        reported = document.get("reported") or document.get("date")
        if day_interval(reported, pad)[1] <= day.toordinal():
            raise ValueError(f"{document.get('id')} is reported by {day}: it is not late")
    drop = ("inputs.observations", "hypotheses.*.indicators.*.unmatched_reasons")
    before = _canonical(_evaluate([*rules, *observations], as_of), drop)
    after = _canonical(_evaluate([*rules, *observations, *late], as_of), drop)
    _assert_same(before, after, "observations reported after as_of")


def _entries(hypothesis: Mapping[str, Any], rules: Documents) -> list[Any]:
    entries = hypothesis.get("indicators")
    if entries is None:
        return sorted(d["id"] for d in rules if d.get("kind") == "indicator")
    return list(entries)


def _entry_id(entry: Any) -> str:
    return entry if isinstance(entry, str) else str(entry.get("id"))


def _without(rules: Documents, hypothesis_id: str, indicator_id: str) -> list[dict[str, Any]]:
    changed = []
    for original in rules:
        document: dict[str, Any] = dict(original)
        if document.get("kind") == "hypothesis" and document.get("id") == hypothesis_id:
            document["indicators"] = [e for e in _entries(document, rules) if _entry_id(e) != indicator_id]
        changed.append(document)
    return changed


def assert_neutral_indicators(rules: Documents, observations: Documents, as_of: AsOf) -> None:
    """Invariant 8 (corrected): a neutral indicator changes no posterior.

    Neutral means: both ratios 1 (LR and absent LR, after the hypothesis's
    overrides), or fired or possible with confidence 0.  Each such
    indicator is dropped from its hypothesis and the posterior must not
    move; then every indicator in turn is made neutral by setting both
    ratios to 1, and must change no posterior against its removal.
    """
    rules, observations, as_of = world_of(rules, observations, as_of)
    documents = [*rules, *observations]
    report = _evaluate(documents, as_of)
    for hypothesis in report.hypotheses:
        for entry in hypothesis.indicators:
            ratios_one = entry.likelihood_ratio == 1 and entry.absent_likelihood_ratio == 1
            weightless = entry.status != "not-fired" and entry.confidence == 0
            if ratios_one or weightless:
                without = _evaluate([*_without(rules, hypothesis.id, entry.id), *observations], as_of)
                if posterior_of(without, hypothesis.id) != hypothesis.posterior:
                    raise AssertionError(
                        f"{entry.id} ({entry.status}, confidence {entry.confidence}, LR "
                        f"{entry.likelihood_ratio}/{entry.absent_likelihood_ratio}) moved {hypothesis.id} "
                        f"from {posterior_of(without, hypothesis.id)!r} to {hypothesis.posterior!r}"
                    )
    for document in rules:
        if document.get("kind") != "indicator":
            continue
        indicator_id = document.get("id")
        neutral: list[dict[str, Any]] = []
        for original in rules:
            other: dict[str, Any] = copy.deepcopy(dict(original))
            if other.get("kind") == "indicator" and other.get("id") == indicator_id:
                other["likelihood_ratio"], other["absent_likelihood_ratio"] = 1, 1
            if other.get("kind") == "hypothesis":
                for entry in other.get("indicators") or []:
                    if isinstance(entry, dict) and entry.get("id") == indicator_id:
                        entry.pop("likelihood_ratio", None)
                        entry.pop("absent_likelihood_ratio", None)
            neutral.append(other)
        with_neutral: dict[str, float] = _posteriors(_evaluate([*neutral, *observations], as_of))
        removed = list(neutral)
        for hypothesis_document in [d for d in neutral if d.get("kind") == "hypothesis"]:
            removed = _without(removed, str(hypothesis_document.get("id")), str(indicator_id))
        without_it = _posteriors(_evaluate([*removed, *observations], as_of))
        if with_neutral != without_it:
            raise AssertionError(
                f"{indicator_id} with LR = 1 and absent LR = 1 changed posteriors: "
                f"{with_neutral} vs {without_it}"
            )


@functools.lru_cache(maxsize=1)
def _report_validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    from iandw.model.schema import json_schema

    return jsonschema.Draft202012Validator(json_schema("report"))


def assert_deterministic(rules: Documents, observations: Documents, as_of: AsOf) -> None:
    """Invariant 9: two runs give the same bytes, and the JSON validates against `iandw schema report`."""
    rules, observations, as_of = world_of(rules, observations, as_of)
    try:
        import jsonschema  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        raise ImportError("assert_deterministic needs jsonschema: pip install 'iandw[test]'") from exc
    first = _json(_evaluate([copy.deepcopy(dict(d)) for d in [*rules, *observations]], as_of))
    second = _json(_evaluate([copy.deepcopy(dict(d)) for d in [*rules, *observations]], as_of))
    _assert_same_bytes(first, second, "running again")
    validator = _report_validator()
    errors = sorted(validator.iter_errors(json.loads(first)), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise AssertionError(f"the JSON report does not match its schema at {where}: {errors[0].message}")


def assert_invariants(
    rules: Documents, observations: Documents, as_of: AsOf, rng: Rng = None, max_removals: int = 8
) -> None:
    """Every invariant that can be checked on one world, with deterministic variations.

    Permutation, a shift of a year and a day (when every date can move
    exactly), monotonicity by removing up to `max_removals` observations
    one at a time (when the rules have LR ≥ 1 and absent LR = 1),
    widening, narrowing, same-origin sources, hindsight, neutral indicators
    and determinism.  Raises AssertionError naming the first that fails.
    """
    rules, observations, day = world_of(rules, observations, as_of)
    generator = _rng(rng)
    assert_deterministic(rules, observations, day)
    assert_permutation_invariant(rules, observations, day, generator)
    movable = all(
        shift_date(d[key], 1) is not None
        for d in observations
        if d.get("kind", "observation") == "observation"
        for key in ("date", "reported")
        if d.get(key) is not None
    )
    if movable:
        assert_shift_invariant(rules, observations, day, 366)
    if not _monotone_preconditions(rules):
        indices = _observation_documents(observations)
        for index in generator.sample(indices, min(max_removals, len(indices))):
            rest = [d for i, d in enumerate(observations) if i != index]
            assert_monotone(rules, rest, day, observations[index])
    assert_widening_safe(rules, observations, day, days=7)
    assert_widening_safe(rules, observations, day, days=None)
    assert_narrowing_safe(rules, observations, day, rng=generator)
    assert_same_origin_source_neutral(rules, observations, day, rng=generator)
    assert_no_hindsight(rules, observations, day)
    assert_neutral_indicators(rules, observations, day)
