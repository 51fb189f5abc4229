"""ICD 203 likelihood terms and warning levels (SPEC §7, §13 "Scoring document").

Bands are lower-bound inclusive: [0,.05) almost no chance, [.05,.20) very
unlikely, [.20,.45) unlikely, [.45,.55) roughly even chance, [.55,.80) likely,
[.80,.95) very likely, [.95,1] almost certain.  Levels: none < .20 ≤ watch <
.55 ≤ warning < .80 ≤ alert.
"""

from __future__ import annotations

import math

import pytest

from iandw.assessment.arithmetic import likelihood_term, warning_level
from iandw.model.documents import Scoring
from iandw.model.report import LevelThresholds
from iandw.model.scoring import ScoringTables
from iandw.render.markdown import render_markdown
from iandw.render.text import render_text
from iandw.render.words import band_edges, percent, threshold_percent
from worlds import run

BELOW = 1e-9  # a hair below an edge

TERMS = [
    (0.0, "almost no chance"),
    (0.05 - BELOW, "almost no chance"),
    (0.05, "very unlikely"),
    (0.20 - BELOW, "very unlikely"),
    (0.20, "unlikely"),
    (0.45 - BELOW, "unlikely"),
    (0.45, "roughly even chance"),
    (0.50, "roughly even chance"),
    (0.55 - BELOW, "roughly even chance"),
    (0.55, "likely"),
    (0.80 - BELOW, "likely"),
    (0.80, "very likely"),
    (0.95 - BELOW, "very likely"),
    (0.95, "almost certain"),
    (1.0, "almost certain"),
]

LEVELS = [
    (0.0, "none"),
    (0.20 - BELOW, "none"),
    (0.20, "watch"),
    (0.55 - BELOW, "watch"),
    (0.55, "warning"),
    (0.80 - BELOW, "warning"),
    (0.80, "alert"),
    (1.0, "alert"),
]


@pytest.mark.parametrize(("p", "term"), TERMS)
def test_likelihood_term(p, term):
    assert likelihood_term(p) == term


@pytest.mark.parametrize(("p", "level"), LEVELS)
def test_default_warning_levels(p, level):
    assert warning_level(p, ScoringTables()) == level


CUSTOM = ScoringTables.from_document(
    Scoring(kind="scoring", levels={"watch": 0.1, "warning": 0.3, "alert": 0.5})
)


@pytest.mark.parametrize(
    ("p", "level"),
    [
        (0.1 - BELOW, "none"),
        (0.1, "watch"),
        (0.2, "watch"),
        (0.3 - BELOW, "watch"),
        (0.3, "warning"),
        (0.5 - BELOW, "warning"),
        (0.5, "alert"),
        (0.9, "alert"),
    ],
)
def test_overridden_warning_levels(p, level):
    assert warning_level(p, CUSTOM) == level


# --- through hypotheses whose posterior is forced to the prior -----------------------

QUIET = {
    "kind": "indicator",
    "id": "quiet",
    "title": "never fires, absent LR 1",
    "select": {"e": {"type": "never-observed"}},
    "likelihood_ratio": 3,
    "absent_likelihood_ratio": 1,
}

TERM_EDGES = [
    (0.05, "very unlikely", "none"),
    (0.2, "unlikely", "watch"),
    # with ΣΔ = 0 the posterior is the prior exactly: σ(logit(.45)) would be
    # 0.44999999999999996, below the inclusive edge
    (0.45, "roughly even chance", "watch"),
    (0.55, "likely", "warning"),
    (0.8, "very likely", "alert"),
    (0.95, "almost certain", "alert"),
]


@pytest.mark.parametrize(("prior", "term", "level"), TERM_EDGES)
def test_band_edges_through_a_hypothesis(prior, term, level):
    hypothesis = {"kind": "hypothesis", "id": "h", "statement": "s", "prior": prior, "indicators": ["quiet"]}
    report = run([QUIET, hypothesis])
    (h,) = report.hypotheses
    # logit(prior) + ln 1 = logit(prior): the posterior is the prior
    assert h.posterior >= prior
    assert h.posterior == pytest.approx(prior, abs=1e-12)
    assert (h.likelihood, h.level) == (term, level)
    assert report.level == level


@pytest.mark.parametrize(
    ("prior", "term", "level"),
    [
        (0.01, "almost no chance", "none"),
        (0.5, "roughly even chance", "watch"),
        (0.99, "almost certain", "alert"),
    ],
)
def test_inner_band_values_through_a_hypothesis(prior, term, level):
    hypothesis = {"kind": "hypothesis", "id": "h", "statement": "s", "prior": prior, "indicators": ["quiet"]}
    (h,) = run([QUIET, hypothesis]).hypotheses
    assert (h.likelihood, h.level) == (term, level)


@pytest.mark.parametrize(
    ("absent", "posterior", "term", "level"),
    [
        (0.2, 0.2 / 1.2, "very unlikely", "none"),  # odds 1 · 0.2 → 1/6 ≈ 0.167
        (0.3, 0.3 / 1.3, "unlikely", "watch"),  # odds 0.3 → ≈ 0.231
        (1.5, 1.5 / 2.5, "likely", "warning"),  # odds 1.5 → 0.6
        (99, 99 / 100, "almost certain", "alert"),  # odds 99 → 0.99
    ],
)
def test_terms_and_levels_reached_through_the_absent_ratio(absent, posterior, term, level):
    lowered = {**QUIET, "absent_likelihood_ratio": absent}
    hypothesis = {"kind": "hypothesis", "id": "h", "statement": "s", "prior": 0.5}
    (h,) = run([lowered, hypothesis]).hypotheses
    assert h.posterior == pytest.approx(posterior, abs=1e-12)
    assert (h.likelihood, h.level) == (term, level)


def test_levels_overridden_by_the_scoring_document():
    scoring = {"kind": "scoring", "levels": {"watch": 0.1, "warning": 0.3, "alert": 0.5}}
    hypotheses = [
        {"kind": "hypothesis", "id": f"h{i}", "statement": "s", "prior": prior, "indicators": ["quiet"]}
        for i, prior in enumerate([0.05, 0.1, 0.3, 0.5])
    ]
    report = run([QUIET, scoring, *hypotheses])
    assert report.levels == LevelThresholds(watch=0.1, warning=0.3, alert=0.5)  # what they were read against
    assert [h.level for h in report.hypotheses] == ["none", "watch", "warning", "alert"]
    # the ICD 203 terms do not move with the levels
    assert [h.likelihood for h in report.hypotheses] == [
        "very unlikely",
        "very unlikely",
        "unlikely",
        "roughly even chance",
    ]
    assert report.level == "alert"


def test_report_level_is_the_highest_over_hypotheses():
    hypotheses = [
        {"kind": "hypothesis", "id": f"h{i}", "statement": "s", "prior": prior, "indicators": ["quiet"]}
        for i, prior in enumerate([0.1, 0.6, 0.3])
    ]
    report = run([QUIET, *hypotheses])
    assert [h.level for h in report.hypotheses] == ["none", "warning", "watch"]
    assert report.level == "warning"


def test_report_level_is_none_without_hypotheses():
    assert run([QUIET]).level == "none"


def test_a_fired_indicator_can_cross_a_level():
    # prior 0.5 (watch) with a fired indicator of c = 0.81 (A1) and LR 4
    from worlds import observation, source

    loud = {**QUIET, "id": "loud", "select": {"e": {"type": "signal"}}, "likelihood_ratio": 4}
    hypothesis = {"kind": "hypothesis", "id": "h", "statement": "s", "prior": 0.5, "indicators": ["loud"]}
    signal = observation("s1", "signal", "2023-01-01", [], [source("s", "A1")])
    (h,) = run([loud, signal, hypothesis]).hypotheses
    # 4**0.81 = e^(0.81 × 1.3863) = e^1.1229 ≈ 3.0738, so 3.0738 / 4.0738 ≈ 0.7545
    expected = 1 / (1 + math.exp(-0.81 * math.log(4)))
    assert h.posterior == pytest.approx(expected, abs=1e-9)
    assert h.posterior == pytest.approx(0.7545, abs=5e-5)
    assert (h.likelihood, h.level) == ("likely", "warning")


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.2, "20%"),  # on an edge: whole percent
        (0.45, "45%"),
        (0.55, "55%"),
        (0.8, "80%"),
        (0.95, "95%"),
        (0.5, "50%"),
        (0.29, "29%"),
        (0.7949, "79%"),  # rounds down, inside its band
        (0.795, "79.5%"),  # 79.5 would round to 80: a decimal more
        (0.7996, "79.9%"),  # 80.0 with a decimal too: rounded down
        (0.1996, "19.9%"),
        (0.4496, "44.9%"),
        (0.5496, "54.9%"),
        (0.9496, "94.9%"),
        (0.0496, "4.9%"),
        (0.8 - BELOW, "79.9%"),
        (0.999, "100%"),  # no band begins above .95
        (0.004, "0%"),
    ],
)
def test_a_percentage_is_never_rounded_onto_the_edge_of_a_band_it_is_below(p, shown):
    assert percent(p) == shown


def test_the_report_shows_a_posterior_below_an_edge_below_it():
    # prior .5 (odds 1), not fired with absent LR 3.99: odds 3.99, posterior 3.99 / 4.99 ≈ 0.79960,
    # 'likely' and 'warning'; printed "80%" it would read as 'very likely' and 'alert'
    lowered = {**QUIET, "absent_likelihood_ratio": 3.99}
    hypothesis = {"kind": "hypothesis", "id": "h", "statement": "s", "prior": 0.5}
    report = run([lowered, hypothesis])
    (h,) = report.hypotheses
    assert h.posterior == pytest.approx(3.99 / 4.99, abs=1e-12)
    assert (h.likelihood, h.level) == ("likely", "warning")
    assert "  h    50% → 79.9%  likely" in render_text(report)  # the column as wide as 79.9%
    assert "| h | 50% | 79.9% | likely | warning |" in render_markdown(report)


CUSTOM_RULES = """\
kind: scoring
levels: {watch: 0.3, warning: 0.6, alert: 0.9}
---
kind: indicator
id: quiet
title: never fires, absent LR 1
select: {e: {type: never-observed}}
likelihood_ratio: 3
---
kind: hypothesis
id: h
statement: s
prior: 0.2996
indicators: [quiet]
"""


def test_a_percentage_is_never_rounded_onto_a_threshold_of_the_scoring_document(tmp_tree, monkeypatch):
    """Watch from 0.3 here: 0.2996 is 'none' and 'unlikely', so it must not print as 30%.

    With ΣΔ = 0 the posterior is the prior, 0.2996: 29.96 rounds to 30, 30.0 too,
    so one decimal rounded down: 29.9%.  0.3 is no edge of the defaults, where it reads 30%.
    """
    from click.testing import CliRunner

    from iandw.cli import main

    assert percent(0.2996) == "30%"
    monkeypatch.chdir(tmp_tree({"rules/r.yaml": CUSTOM_RULES, "observations/none.yaml": "[]\n"}))
    runner = CliRunner()

    def output(*args: str) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    text = output("evaluate", "--as-of", "2023-01-01")
    assert "  h  29.9% → 29.9%  unlikely             none\n" in text
    assert "| h | 29.9% | 29.9% | unlikely | none |" in output(
        "evaluate", "--as-of", "2023-01-01", "--format", "markdown"
    )
    page = output("evaluate", "--as-of", "2023-01-01", "--format", "html")
    assert "<strong>29.9%</strong>" in page and "none &lt; 30% ≤ watch" in page
    timeline = output("timeline", "--from", "2023-01-01", "--to", "2023-01-08", "--format", "text")
    assert "h: prior 29.9%; 29.9% (none) on 2023-01-01 → 29.9% (none) on 2023-01-08\n" in timeline


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.3331, "33.3%"),  # at watch: '33%' would read below 33.3%; one decimal stays on its side
        (0.3329, "33%"),  # below watch, and 33 is below 33.3 too
        (0.3336, "33.4%"),  # 33.36 rounds to 33 (below watch), then to 33.4
    ],
)
def test_a_percentage_above_an_edge_is_never_rounded_below_it(p, shown):
    assert percent(p, band_edges(LevelThresholds(watch=0.333, warning=0.55, alert=0.8))) == shown


@pytest.mark.parametrize(
    ("edge", "shown"), [(0.3333, "33.33%"), (0.875, "87.5%"), (0.2, "20%"), (0.333, "33.3%")]
)
def test_a_threshold_reads_as_written(edge, shown):
    assert threshold_percent(edge) == shown
