"""Contributions, posteriors, sensitivity, shared evidence, free variables (SPEC §7, §13); the text lines.

posterior = σ(logit(prior) + ΣΔ); fired Δ = c·ln LR; possible Δ = 0 (what-if c′·ln LR);
not fired Δ = ln(absent LR).  The expected numbers are computed below with the
test's own σ and logit, never read from the engine.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from iandw.model.report import DiagnosticReport
from iandw.render.html import render_html
from iandw.render.markdown import render_markdown
from iandw.render.text import render_text
from worlds import entity, observation, run, source

TOL = 1e-9


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def single(id: str, type: str, lr: float = 4, absent: float = 1, **extra: Any) -> dict[str, Any]:
    """An indicator that fires on any observation of `type`."""
    return {
        "kind": "indicator",
        "id": id,
        "title": id,
        "select": {"e": {"type": type}},
        "likelihood_ratio": lr,
        "absent_likelihood_ratio": absent,
        **extra,
    }


def pair(id: str, lr: float = 4, absent: float = 1) -> dict[str, Any]:
    """Fires when a `b` follows an `a` within 5 weeks."""
    return {
        "kind": "indicator",
        "id": id,
        "title": id,
        "select": {"a": {"type": "a"}, "b": {"type": "b"}},
        "require": [{"first": "a", "then": "b", "within": "5w"}],
        "likelihood_ratio": lr,
        "absent_likelihood_ratio": absent,
    }


def hypothesis(id: str, prior: float, indicators: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    document = {"kind": "hypothesis", "id": id, "statement": id, "prior": prior, **extra}
    if indicators is not None:
        document["indicators"] = indicators
    return document


def hyp(report, id: str):
    (found,) = [h for h in report.hypotheses if h.id == id]
    return found


def entry(h, indicator_id: str):
    (found,) = [i for i in h.indicators if i.id == indicator_id]
    return found


# observations with known confidence
S_B2 = observation("s-b2", "signal", "2023-01-01", [], [source("s", "B2")])  # 0.49
A_MONTH = observation("a-month", "a", "2023-09", [], [source("s", "B2")])  # 0.49
B_DAY = observation("b-day", "b", "2023-10-07", [], [source("t", "A1")])  # 0.81
# gap 2023-10-07 − 2023-09 = 7..36 against 0..35: possible, c′ = 0.49 · 0.81


def test_fired_contribution():
    report = run([single("sig", "signal", lr=4, absent=0.5), S_B2, hypothesis("h", 0.5)])
    h = hyp(report, "h")
    e = entry(h, "sig")
    assert (e.status, e.what_if_delta_log_odds) == ("fired", None)
    assert e.confidence == pytest.approx(0.49, abs=TOL)
    assert e.delta_log_odds == pytest.approx(0.49 * math.log(4), abs=TOL)
    assert h.posterior == pytest.approx(sigma(0 + 0.49 * math.log(4)), abs=TOL)
    # = 4**0.49 / (1 + 4**0.49)
    assert h.posterior == pytest.approx(4**0.49 / (1 + 4**0.49), abs=TOL)


def test_not_fired_applies_the_absent_likelihood_ratio():
    report = run([single("sig", "signal", lr=4, absent=0.5), hypothesis("h", 0.5), hypothesis("h2", 0.2)])
    e = entry(hyp(report, "h"), "sig")
    assert (e.status, e.confidence, e.what_if_delta_log_odds) == ("not-fired", 0, None)
    assert e.delta_log_odds == pytest.approx(math.log(0.5), abs=TOL)
    # odds 1 · 0.5 = 0.5 → 1/3
    assert hyp(report, "h").posterior == pytest.approx(1 / 3, abs=TOL)
    # odds 0.25 · 0.5 = 0.125 → 0.125 / 1.125 = 1/9
    assert hyp(report, "h2").posterior == pytest.approx(1 / 9, abs=TOL)


def test_not_fired_with_default_absent_ratio_moves_nothing():
    report = run([single("sig", "signal", lr=4), hypothesis("h", 0.3)])
    h = hyp(report, "h")
    assert entry(h, "sig").delta_log_odds == 0
    assert h.posterior == pytest.approx(0.3, abs=TOL)
    assert h.sensitivity == []


def test_possible_contributes_nothing_and_reports_the_what_if():
    report = run([pair("p", lr=4, absent=0.5), A_MONTH, B_DAY, hypothesis("h", 0.3)])
    h = hyp(report, "h")
    e = entry(h, "p")
    assert e.status == "possible"
    assert e.confidence == pytest.approx(0.49 * 0.81, abs=TOL)  # c′
    assert e.delta_log_odds == 0  # even though the absent LR is 0.5
    assert e.what_if_delta_log_odds == pytest.approx(0.49 * 0.81 * math.log(4), abs=TOL)
    assert h.posterior == pytest.approx(0.3, abs=TOL)
    assert h.sensitivity == []


def test_possible_what_if_uses_the_best_possible_binding():
    weaker = observation("a-month-2", "a", "2023-09", [], [source("s", "C3")])  # 0.25
    report = run([pair("p", lr=3), A_MONTH, weaker, B_DAY, hypothesis("h", 0.5)])
    e = entry(hyp(report, "h"), "p")
    assert e.what_if_delta_log_odds == pytest.approx(max(0.49, 0.25) * 0.81 * math.log(3), abs=TOL)


def test_per_hypothesis_likelihood_ratio_overrides():
    documents = [
        single("sig", "signal", lr=4, absent=0.5),
        single("quiet", "nothing-of-this-type", lr=4, absent=0.5),
        S_B2,
        hypothesis(
            "h-override",
            0.5,
            [{"id": "sig", "likelihood_ratio": 9}, {"id": "quiet", "absent_likelihood_ratio": 0.25}],
        ),
        hypothesis("h-plain", 0.5, ["sig", "quiet"]),
    ]
    report = run(documents)
    h = hyp(report, "h-override")
    assert entry(h, "sig").likelihood_ratio == 9
    assert entry(h, "sig").delta_log_odds == pytest.approx(0.49 * math.log(9), abs=TOL)
    assert entry(h, "quiet").delta_log_odds == pytest.approx(math.log(0.25), abs=TOL)
    assert h.posterior == pytest.approx(sigma(0.49 * math.log(9) + math.log(0.25)), abs=TOL)
    plain = hyp(report, "h-plain")
    assert plain.posterior == pytest.approx(sigma(0.49 * math.log(4) + math.log(0.5)), abs=TOL)
    # the indicator itself keeps its own ratio in the indicator section
    (sig,) = [i for i in report.indicators if i.id == "sig"]
    assert sig.likelihood_ratio == 4


def test_hypothesis_uses_all_indicators_by_default_and_only_the_listed_ones_otherwise():
    documents = [
        single("one", "signal", lr=4),
        single("two", "signal", lr=2),
        S_B2,
        hypothesis("all", 0.5),
        hypothesis("some", 0.5, ["two"]),
        hypothesis("none", 0.5, []),
    ]
    report = run(documents)
    assert [i.id for i in hyp(report, "all").indicators] == ["one", "two"]
    assert hyp(report, "all").posterior == pytest.approx(
        sigma(0.49 * math.log(4) + 0.49 * math.log(2)), abs=TOL
    )
    assert hyp(report, "some").posterior == pytest.approx(sigma(0.49 * math.log(2)), abs=TOL)
    assert hyp(report, "none").posterior == pytest.approx(0.5, abs=TOL)


def test_sensitivity_covers_every_indicator_with_a_nonzero_delta():
    documents = [
        single("fired", "signal", lr=4),  # Δ = 0.49 ln 4
        single("absent", "nothing", lr=4, absent=0.5),  # Δ = ln 0.5
        single("lr-one", "signal", lr=1),  # fired, Δ = 0.49 · ln 1 = 0
        single("absent-one", "nothing", lr=4, absent=1),  # Δ = ln 1 = 0
        pair("possible", lr=4, absent=0.2),  # possible, Δ = 0
        S_B2,
        A_MONTH,
        B_DAY,
        hypothesis("h", 0.2),
    ]
    h = hyp(run(documents), "h")
    base = logit(0.2)
    d_fired, d_absent = 0.49 * math.log(4), math.log(0.5)
    assert h.posterior == pytest.approx(sigma(base + d_fired + d_absent), abs=TOL)
    found = {s.indicator: s.posterior_without for s in h.sensitivity}
    assert found == pytest.approx(
        {"fired": sigma(base + d_absent), "absent": sigma(base + d_fired)},
        abs=TOL,
    )


def test_shared_evidence_between_two_fired_indicators():
    documents = [
        single("first", "signal", lr=3),
        single("second", "signal", lr=2),
        S_B2,
        hypothesis("both", 0.5, ["first", "second"]),
        hypothesis("one", 0.5, ["first"]),
    ]
    report = run(documents)
    shared = hyp(report, "both").shared_evidence
    assert [(s.observation, s.indicators) for s in shared] == [("s-b2", ["first", "second"])]
    assert hyp(report, "one").shared_evidence == []
    # the caution does not change the arithmetic: both still count
    assert hyp(report, "both").posterior == pytest.approx(
        sigma(0.49 * math.log(3) + 0.49 * math.log(2)), abs=TOL
    )


def test_shared_evidence_ignores_a_fired_indicator_that_moves_nothing():
    # s-b2 (c = 0.49) fires all three; `neutral` has LR 1 for this hypothesis (Δ = 0.49 · ln 1 = 0),
    # so s-b2 is counted twice in the posterior, by `first` and `second`, not three times
    documents = [
        single("first", "signal", lr=3),
        single("second", "signal", lr=2),
        single("neutral", "signal", lr=5),
        S_B2,
        hypothesis("h", 0.5, ["first", "second", {"id": "neutral", "likelihood_ratio": 1}]),
    ]
    h = hyp(run(documents), "h")
    assert [entry(h, i).status for i in ("first", "second", "neutral")] == ["fired"] * 3
    assert entry(h, "neutral").delta_log_odds == 0.0
    assert [(s.observation, s.indicators) for s in h.shared_evidence] == [("s-b2", ["first", "second"])]
    assert h.posterior == pytest.approx(sigma(0.49 * math.log(3) + 0.49 * math.log(2)), abs=TOL)


def test_shared_evidence_needs_two_contributing_indicators():
    # with `second` neutral too, only `first` counts s-b2: no caution
    documents = [
        single("first", "signal", lr=3),
        single("second", "signal", lr=1),
        S_B2,
        hypothesis("h", 0.5, ["first", "second"]),
    ]
    assert hyp(run(documents), "h").shared_evidence == []


def test_shared_evidence_looks_only_at_the_best_binding_of_fired_indicators():
    strong = observation("strong", "signal", "2023-01-01", [], [source("s", "A1")])  # 0.81
    weak = observation("weak", "signal", "2023-01-01", [], [source("s", "B2")], attributes={"tag": "weak"})
    weak_only = {
        "kind": "indicator",
        "id": "weak-only",
        "title": "t",
        "select": {"e": {"type": "signal", "where": {"attributes.tag": "weak"}}},
        "likelihood_ratio": 2,
    }
    documents = [single("any-signal", "signal", lr=3), weak_only, strong, weak, hypothesis("h", 0.5)]
    h = hyp(run(documents), "h")
    # any-signal also matches `weak`, but its best binding is `strong`: nothing shared
    assert h.shared_evidence == []
    assert h.posterior == pytest.approx(sigma(0.81 * math.log(3) + 0.49 * math.log(2)), abs=TOL)


def test_shared_evidence_ignores_a_possible_indicator():
    # a-month is behind the fired `a-seen` and the possible `possible`
    documents = [single("a-seen", "a", lr=3), pair("possible", lr=4), A_MONTH, B_DAY, hypothesis("h", 0.5)]
    h = hyp(run(documents), "h")
    assert [entry(h, "a-seen").status, entry(h, "possible").status] == ["fired", "possible"]
    assert h.shared_evidence == []


# --- free variables ---------------------------------------------------------------

STATES = [
    entity("russia", "state"),
    entity("iran", "state"),
    entity("hamas", "armed-group"),
    entity("pij", "armed-group"),
]

MET = {
    "kind": "indicator",
    "id": "met",
    "title": "t",
    "vars": {"sponsor": {"type": "state"}, "group": {"type": "armed-group"}},
    "select": {
        "meeting": {"type": "meeting", "entities": [{"of": "$sponsor"}, {"of": "$group"}]},
        "attack": {"type": "attack", "entities": [{"of": "$group"}]},
    },
    "require": [{"first": "meeting", "then": "attack", "within": "5w"}],
    "likelihood_ratio": 5,
    "absent_likelihood_ratio": 0.5,
}


def meeting(id: str, group: str, date: str, grade: str, sponsor: str = "russia"):
    return observation(id, "meeting", date, [sponsor, group], [source("s-" + id, grade)])


def attack(id: str, group: str, date: str = "2023-10-07"):
    return observation(id, "attack", date, [group], [source("wire", "A1")])  # 0.81


def chosen(documents: list[dict[str, Any]], bind: dict[str, str]):
    report = run([*STATES, MET, *documents, hypothesis("h", 0.5, bind=bind)])
    return entry(hyp(report, "h"), "met"), hyp(report, "h")


def test_free_variable_takes_the_fired_assignment_with_the_highest_confidence():
    e, h = chosen(
        [
            meeting("m-hamas", "hamas", "2023-09-20", "B2"),  # 0.49
            meeting("m-pij", "pij", "2023-09-20", "A1"),  # 0.81
            attack("a-hamas", "hamas"),
            attack("a-pij", "pij"),
        ],
        {"sponsor": "russia"},
    )
    assert (e.status, e.vars) == ("fired", {"group": "pij", "sponsor": "russia"})
    assert e.delta_log_odds == pytest.approx(0.81 * 0.81 * math.log(5), abs=TOL)
    assert h.posterior == pytest.approx(sigma(0.81 * 0.81 * math.log(5)), abs=TOL)


def test_free_variable_ties_go_to_the_smallest_vars():
    e, _ = chosen(
        [
            meeting("m-pij", "pij", "2023-09-20", "B2"),
            meeting("m-hamas", "hamas", "2023-09-20", "B2"),
            attack("a-pij", "pij"),
            attack("a-hamas", "hamas"),
        ],
        {"sponsor": "russia"},
    )
    assert e.vars == {"group": "hamas", "sponsor": "russia"}
    assert e.delta_log_odds == pytest.approx(0.49 * 0.81 * math.log(5), abs=TOL)


def test_fired_beats_a_possible_assignment_with_higher_confidence():
    e, h = chosen(
        [
            meeting("m-hamas", "hamas", "2023-09-20", "E5"),  # 0.01, definite gap 17
            meeting("m-pij", "pij", "2023-09", "A1"),  # 0.81, gap 7..36 → possible
            attack("a-hamas", "hamas"),
            attack("a-pij", "pij"),
        ],
        {"sponsor": "russia"},
    )
    assert (e.status, e.vars["group"]) == ("fired", "hamas")
    assert e.delta_log_odds == pytest.approx(0.01 * 0.81 * math.log(5), abs=TOL)
    assert h.posterior == pytest.approx(sigma(0.01 * 0.81 * math.log(5)), abs=TOL)


def test_possible_beats_not_fired():
    e, h = chosen(
        [
            meeting("m-hamas", "hamas", "2023-09", "E5"),  # possible
            meeting("m-pij", "pij", "2023-01-01", "A1"),  # gap 279: not fired
            attack("a-hamas", "hamas"),
            attack("a-pij", "pij"),
        ],
        {"sponsor": "russia"},
    )
    assert (e.status, e.vars["group"]) == ("possible", "hamas")
    assert e.delta_log_odds == 0
    assert e.what_if_delta_log_odds == pytest.approx(0.01 * 0.81 * math.log(5), abs=TOL)
    assert h.posterior == pytest.approx(0.5, abs=TOL)


def test_not_fired_shows_the_closest_near_miss_and_scores_the_absent_ratio():
    e, h = chosen(
        [
            meeting("m-hamas", "hamas", "2023-07-01", "A1"),  # gap 98: 63 outside 0..35
            meeting("m-pij", "pij", "2023-08-31", "E5"),  # gap 37: 2 outside
            attack("a-hamas", "hamas"),
            attack("a-pij", "pij"),
        ],
        {"sponsor": "russia"},
    )
    assert (e.status, e.confidence, e.vars["group"]) == ("not-fired", 0, "pij")
    assert e.delta_log_odds == pytest.approx(math.log(0.5), abs=TOL)
    assert [m.observations["meeting"] for m in e.near_misses] == ["m-pij"]
    (miss,) = e.near_misses
    assert miss.status == "not-fired"
    assert [c.status for c in miss.checks] == ["false"]
    # 2023-10-07 − 2023-08-31 = 37 days against the window 0..35
    assert [int(n) for n in re.findall(r"\d+", miss.checks[0].detail)] == [37, 0, 35]
    assert h.posterior == pytest.approx(1 / 3, abs=TOL)


def test_bound_variables_restrict_the_assignment():
    documents = [
        meeting("m-pij", "pij", "2023-09-20", "A1"),
        attack("a-pij", "pij"),
        meeting("m-iran", "hamas", "2023-09-20", "A1", sponsor="iran"),
        attack("a-hamas", "hamas"),
    ]
    # russia–hamas: nothing agrees with the binding → not fired
    e, h = chosen(documents, {"sponsor": "russia", "group": "hamas"})
    assert e.status == "not-fired"
    assert e.vars == {"group": "hamas", "sponsor": "russia"}
    assert h.posterior == pytest.approx(1 / 3, abs=TOL)
    e, h = chosen(documents, {"sponsor": "iran", "group": "hamas"})
    assert (e.status, e.vars) == ("fired", {"group": "hamas", "sponsor": "iran"})
    assert h.posterior == pytest.approx(sigma(0.81 * 0.81 * math.log(5)), abs=TOL)


def test_bind_keys_the_indicator_does_not_declare_are_ignored():
    group_only = {
        "kind": "indicator",
        "id": "attacked",
        "title": "t",
        "vars": {"group": {"type": "armed-group"}},
        "select": {"attack": {"type": "attack", "entities": [{"of": "$group"}]}},
        "likelihood_ratio": 3,
    }
    report = run(
        [
            *STATES,
            group_only,
            attack("a-hamas", "hamas"),
            hypothesis("h", 0.5, ["attacked"], bind={"sponsor": "russia", "group": "hamas"}),
        ]
    )
    e = entry(hyp(report, "h"), "attacked")
    assert (e.status, e.vars) == ("fired", {"group": "hamas"})
    assert e.delta_log_odds == pytest.approx(0.81 * math.log(3), abs=TOL)


def test_text_report_lines_for_a_hypothesis():
    """The default text report, line by line, for one fired and one absent indicator.

    sig fires on s-b2 (one B2 source: c = 0.7 × 0.7 = 0.49): Δ = 0.49 · ln 4 = 0.6793 → "+0.68".
    quiet has nothing to match (the one observation is a signal);
    absent LR 0.5: Δ = ln 0.5 = -0.6931 → "-0.69".
    Strongest first: |−0.6931| > |0.6793|, so quiet comes before sig.
    posterior = σ(logit .5 + 0.6793 − 0.6931) = σ(−0.0139) = 0.4965 → "50%",
    roughly even chance (.45 ≤ p < .55), level watch (≥ .20).
    without quiet: σ(0.6793) = 0.6636 → "66%"; without sig: σ(ln 0.5) = 1/3 → "33%".
    """
    report = run(
        [
            single("sig", "signal", lr=4, absent=0.5),
            single("quiet", "quiet", lr=3, absent=0.5),
            S_B2,
            hypothesis("h", 0.5, ["sig", "quiet"]),
        ]
    )
    assert hyp(report, "h").posterior == pytest.approx(sigma(0.49 * math.log(4) + math.log(0.5)), abs=TOL)
    lines = render_text(report).splitlines()
    assert lines[:4] == [
        "iandw — as of 2030-01-01 — level: WATCH",
        "read 0 entities, 1 observation, 2 indicators, 1 hypothesis",
        "",
        "  h   50% →  50%  roughly even chance  watch",
    ]
    assert lines[4:] == [
        "",
        "h: h",
        "  not fired quiet () absent LR 0.5: Δ -0.69",
        "            no observation matches 'e': no observation of type 'quiet'",
        "  fired     sig () c=0.49 × ln LR 4 = Δ +0.68",
        "            e: s-b2 (2023-01-01)",
        "  without: quiet 66%, sig 33%",
    ]


def test_counts_of_one_are_said_in_the_singular() -> None:
    report = run([entity("x", "state"), single("sig", "signal"), S_B2, hypothesis("h", 0.5)])
    warning = {"severity": "warning", "file": "a.yaml", "line": 1, "column": 1, "message": "m"}
    text = render_text(report.model_copy(update={"diagnostics": [DiagnosticReport(**warning)]}))
    assert "\nread 1 entity, 1 observation, 1 indicator, 1 hypothesis\n" in text
    assert text.endswith("\n1 warning: run `iandw validate` to see them\n")
    markdown = render_markdown(report.model_copy(update={"diagnostics": [DiagnosticReport(**warning)]}))
    assert "— read 1 entity, 1 observation, 1 indicator, 1 hypothesis.\n" in markdown
    assert markdown.endswith("\n1 warning: run `iandw validate` to see them\n")


NO_BINDING_WORDS = "each selection matches some observation, but they never fit one binding"


def test_why_not_when_the_selections_match_but_disagree_on_a_variable() -> None:
    """The meeting is with gee, the attack by hee: each selection matches, no binding joins them.

    With only the sponsor bound, `group` is free; the meeting gives group=gee, the attack
    group=hee, so no assignment has both: no binding, hence no near miss, and no selection
    is unmatched.  The report must still say why the indicator did not fire.
    """
    documents = [
        entity("aland", "state"),
        entity("gee", "armed-group"),
        entity("hee", "armed-group"),
        {
            "kind": "indicator",
            "id": "meet",
            "title": "meet",
            "vars": {"sponsor": {"type": "state"}, "group": {"type": "armed-group"}},
            "select": {
                "meeting": {"type": "meeting", "entities": [{"of": "$sponsor"}, {"of": "$group"}]},
                "attack": {"type": "attack", "entities": [{"of": "$group", "role": "perpetrator"}]},
            },
            "require": [{"first": "meeting", "then": "attack", "within": "10d"}],
            "likelihood_ratio": 4,
        },
        observation("m1", "meeting", "2023-01-01", ["aland", "gee"], [source("a", "B2")]),
        observation("a1", "attack", "2023-01-05", [{"entity": "hee", "role": "perpetrator"}], [source("w")]),
        hypothesis("h", 0.3, bind={"sponsor": "aland"}),
    ]
    report = run(documents)
    item = entry(hyp(report, "h"), "meet")
    assert (item.status, item.near_misses, item.unmatched_selections) == ("not-fired", [], [])
    lines = render_text(report).splitlines()
    index = lines.index("  not fired meet (sponsor=aland) Δ 0")
    assert lines[index + 1].startswith("            " + NO_BINDING_WORDS)
    assert f"| meet | sponsor=aland | not fired | Δ 0 | {NO_BINDING_WORDS}" in render_markdown(report)
    assert f'<span class="why">{NO_BINDING_WORDS}' in render_html(report)


def test_why_not_when_one_observation_would_fill_two_selections() -> None:
    # `pair-of-signals` needs two distinct signals; there is one: its group has no binding
    documents = [
        {
            "kind": "indicator",
            "id": "pair-of-signals",
            "title": "two signals",
            "select": {"first": {"type": "signal"}, "second": {"type": "signal"}},
            "likelihood_ratio": 2,
        },
        S_B2,
        hypothesis("h", 0.5),
    ]
    report = run(documents)
    item = entry(hyp(report, "h"), "pair-of-signals")
    assert (item.status, item.near_misses, item.unmatched_selections) == ("not-fired", [], [])
    assert f"            {NO_BINDING_WORDS}" in render_text(report)


def test_reports_of_one_origin_below_min_origins_leave_their_selection_unmatched() -> None:
    """Two accounts echoing one origin are one source (docs/reports.md): the signal was
    collected, but no observation meets `min_origins: 2`, so the selection is named unmatched."""
    echoed = observation(
        "echoed",
        "signal",
        "2023-01-01",
        [],
        [source("account-a", "C2", "osint"), source("account-b", "C2", "osint")],
    )
    documents = [
        single("corroborated", "signal", select={"e": {"type": "signal", "min_origins": 2}}),
        echoed,
        hypothesis("h", 0.5),
    ]
    item = entry(hyp(run(documents), "h"), "corroborated")
    assert (item.status, item.near_misses, item.unmatched_selections) == ("not-fired", [], ["e"])
    second = source("wire", "C2")
    item = entry(
        hyp(run([documents[0], {**echoed, "sources": [*echoed["sources"], second]}, documents[2]]), "h"),
        "corroborated",
    )
    assert item.status == "fired"


def test_a_fired_indicator_gets_no_why_not() -> None:
    report = run([single("sig", "signal"), S_B2, hypothesis("h", 0.5)])
    assert NO_BINDING_WORDS not in render_text(report)
