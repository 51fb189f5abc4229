"""The shipped case (rules/ and observations/) says what the article supports.

Expectations come from the article's facts, not from a stored report: the
Beirut meeting was 36 days before 7 October, the Moscow meetings 205 days
before, the Kornet display and the Garantex financing tie Russia to Hamas,
and the Wagner training claim is dated only "before 7 October".
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from iandw.api import evaluate
from iandw.cli import main
from iandw.loader import load
from iandw.model.report import HypothesisIndicator, HypothesisReport, Report
from worlds import ROOT

AS_OF = dt.date(2024, 1, 1)
ATTACK = dt.date(2023, 10, 7)


@pytest.fixture(scope="module")
def report() -> Report:
    result = load([os.path.join(ROOT, "observations")], rules=os.path.join(ROOT, "rules"))
    assert result.ok, [d.format() for d in result.errors]
    return evaluate(result.case, as_of=AS_OF)


def hypothesis(report: Report, hypothesis_id: str) -> HypothesisReport:
    return next(h for h in report.hypotheses if h.id == hypothesis_id)


def indicator(report: Report, hypothesis_id: str, indicator_id: str) -> HypothesisIndicator:
    return next(i for i in hypothesis(report, hypothesis_id).indicators if i.id == indicator_id)


def test_validate_reports_no_errors_and_no_warnings() -> None:
    result = load([os.path.join(ROOT, "observations")], rules=os.path.join(ROOT, "rules"))
    assert result.diagnostics == []


def test_the_rule_tests_pass(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    outcome = CliRunner().invoke(main, ["test"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.strip().endswith("0 failed")


def test_iran_met_hamas_leadership_five_weeks_before_the_attack(report: Report) -> None:
    item = indicator(report, "iran-supported-hamas", "leadership-meeting-before-attack")
    assert item.status == "fired"
    assert item.matches[0].observations == {
        "meeting": "beirut-meeting-2023-09-01",
        "attack": "hamas-attack-2023-10-07",
    }
    gap = (ATTACK - dt.date(2023, 9, 1)).days
    assert gap == 36
    assert f"{gap} days before attack" in item.matches[0].checks[0].detail


def test_russias_march_meetings_are_near_misses_six_and_a_half_months_early(report: Report) -> None:
    item = indicator(report, "russia-supported-hamas", "leadership-meeting-before-attack")
    assert item.status == "not-fired"
    gap = (ATTACK - dt.date(2023, 3, 16)).days
    assert gap == 205  # about six and a half months; the window is 12 weeks (84 days)
    march = [
        m
        for m in item.near_misses
        if m.observations["meeting"].endswith("2023-03-16")
        and m.observations["attack"] == "hamas-attack-2023-10-07"
    ]
    assert {m.observations["meeting"] for m in march} == {
        "bogdanov-meets-hamas-2023-03-16",
        "lavrov-meets-hamas-2023-03-16",
    }
    for miss in march:
        assert miss.status == "not-fired"
        assert miss.checks[0].status == "false"
        assert f"{gap} days before attack (window 0..84 days)" in miss.checks[0].detail


def test_russian_weapons_were_displayed_by_hamas(report: Report) -> None:
    item = indicator(report, "russia-supported-hamas", "state-origin-weapons-displayed")
    assert item.status == "fired"
    assert item.vars["sponsor"] == "russia" and item.vars["group"] == "hamas"
    assert item.matches[0].observations["display"] == "qassam-weapons-display-2023-07-01"


def test_hamas_was_financed_through_the_sanctioned_russian_exchange(report: Report) -> None:
    item = indicator(report, "russia-supported-hamas", "financing-through-sanctioned-exchange")
    assert item.status == "fired"
    assert item.vars["exchange"] == "garantex"


def test_the_undated_wagner_training_claim_is_only_possible(report: Report) -> None:
    item = indicator(report, "russia-supported-hamas", "pmc-training")
    assert item.status == "possible"
    assert item.delta_log_odds == 0
    assert item.what_if_delta_log_odds == pytest.approx(item.confidence * math.log(item.likelihood_ratio))


def test_every_posterior_follows_from_its_trace(report: Report) -> None:
    """posterior = σ(logit(prior) + Σ Δ), each Δ recomputed from c and the ratios shown."""
    assert {h.id for h in report.hypotheses} == {
        "iran-supported-hamas",
        "russia-supported-hamas",
        "russia-diplomacy-only",
    }
    for h in report.hypotheses:
        deltas = []
        for item in h.indicators:
            if item.status == "fired":
                deltas.append(item.confidence * math.log(item.likelihood_ratio))
            elif item.status == "not-fired":
                deltas.append(math.log(item.absent_likelihood_ratio))
            else:
                deltas.append(0.0)
            assert item.delta_log_odds == pytest.approx(deltas[-1], abs=1e-12)
        log_odds = math.log(h.prior / (1 - h.prior)) + sum(deltas)
        assert h.posterior == pytest.approx(1 / (1 + math.exp(-log_odds)), abs=1e-12)
        assert h.sensitivity, h.id


def test_iran_support_is_more_likely_than_russian_support(report: Report) -> None:
    iran = hypothesis(report, "iran-supported-hamas")
    russia = hypothesis(report, "russia-supported-hamas")
    assert iran.posterior > russia.posterior
    assert russia.posterior > russia.prior  # the circumstantial evidence points the article's way


def test_evaluate_reports_progress_per_indicator_then_the_report(report: Report) -> None:
    """Eight indicators, then the hypotheses and the report: nine steps, and the same report."""
    loaded = load([os.path.join(ROOT, "observations")], rules=os.path.join(ROOT, "rules"))
    calls: list[tuple[int, int]] = []
    with_progress = evaluate(
        loaded.case, as_of=AS_OF, progress=lambda done, steps: calls.append((done, steps))
    )
    assert calls == [(done, 9) for done in range(1, 10)]
    assert with_progress == report


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["evaluate", "--as-of", "2024-01-01", "--format", "json"], 0),
        (["evaluate", "--as-of", "2024-01-01", "--fail-on", "watch"], 1),  # the case reaches WARNING
        (["validate"], 0),
        (["test"], 0),
    ],
)
def test_the_program_leaves_at_once_with_all_its_output_and_its_exit_code(args: list[str], code: int) -> None:
    """As a program, a command exits without freeing its objects: nothing written may be lost."""
    inputs = [os.path.join(ROOT, "observations"), "--rules", os.path.join(ROOT, "rules")]
    in_process = CliRunner().invoke(main, [*args[:1], *inputs, *args[1:]])
    program = subprocess.run(
        [sys.executable, "-m", "iandw", *args[:1], *inputs, *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (program.returncode, in_process.exit_code) == (code, code)
    assert program.stdout == in_process.stdout
    assert program.stdout.strip()


def test_a_reader_that_stops_reading_ends_the_program_quietly() -> None:
    """`iandw evaluate | head`: no traceback, no 'internal error', the exit status of a SIGPIPE."""
    program = subprocess.Popen(
        [sys.executable, "-m", "iandw", "evaluate", "observations", "--rules", "rules", "--format", "html"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert program.stdout is not None and program.stderr is not None
    program.stdout.close()  # before the report is written: writing it fails with EPIPE
    assert (program.wait(timeout=60), program.stderr.read()) == (141, b"")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_disk_under_stdout_is_a_located_error() -> None:
    with open("/dev/full", "w") as full:
        program = subprocess.run(
            [sys.executable, "-m", "iandw", "evaluate", "observations", "--rules", "rules"],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert program.returncode == 2
    assert program.stderr == "<stdout>:1:1: error: cannot write: No space left on device\n"


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "--as-of", "2024-01-01"],  # text
        ["timeline", "--from", "2023-06-01", "--to", "2023-11-30", "--format", "png"],  # bytes
    ],
)
def test_a_file_that_cannot_be_written_is_a_located_error(args: list[str], tmp_path: Path) -> None:
    inputs = [os.path.join(ROOT, "observations"), "--rules", os.path.join(ROOT, "rules")]
    output = tmp_path / "missing" / "out"
    result = CliRunner().invoke(main, [*args[:1], *inputs, *args[1:], "-o", str(output)])
    assert result.exit_code == 2
    assert result.output == f"{output}:1:1: error: cannot write: No such file or directory\n"
