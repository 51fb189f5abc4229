"""The HTML report: one self-contained page, user text inert, the same bytes every time.

Also the other renderers' handling of untrusted text: inert on a terminal too.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from iandw.api import evaluate
from iandw.cli import main
from iandw.loader import LoadResult, load
from iandw.model.report import HypothesisReport, LevelThresholds, Report
from iandw.model.scoring import ScoringTables
from iandw.model.timeline import Crossing, HypothesisTimeline, Timeline, TimelinePoint
from iandw.render import charts, render
from iandw.render import html as html_page
from iandw.render.html import render_html, safe_href
from iandw.render.timeline import render_timeline_text
from iandw.render.words import more_near_misses

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2024-01-01"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
SPEC_LEVELS = LevelThresholds.of(ScoringTables())
PAYLOADS = ("<script>document.title='PWNED'</script>", "<img src=x onerror=alert(1)>")


class Page(HTMLParser):
    """What a browser would build from the markup: elements, attributes, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def content(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def seed() -> LoadResult:
    with pytest.MonkeyPatch.context() as patch:  # the file names as the command line gives them
        patch.chdir(ROOT)
        return load(["observations"], rules="rules")


@pytest.fixture(scope="module")
def report(seed: LoadResult) -> Report:
    return evaluate(seed.case, as_of=dt.date.fromisoformat(AS_OF), diagnostics=seed.warnings)


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return render(report, "html")


def test_the_page_is_self_contained_and_forbids_scripts(html: str) -> None:
    page = Page(html)
    assert html.startswith("<!DOCTYPE html>")
    assert {"content": CSP, "http-equiv": "Content-Security-Policy"} in page.all("meta")
    assert not [tag for tag, _ in page.tags if tag in ("script", "link", "iframe", "object", "embed", "img")]
    assert not [attrs for _, attrs in page.tags if any(name.startswith("on") for name in attrs)]
    assert "@import" not in html and "url(http" not in html
    for attrs in page.all("a"):
        href = attrs["href"] or ""
        assert href.startswith("#") or (href.startswith("https://") and attrs["rel"] == "noopener noreferrer")


def test_the_level_and_hypotheses_come_first(report: Report, html: str) -> None:
    page = Page(html)
    assert page.all("title") and f"as of {AS_OF}: {report.level}" in html
    summary, details = html.index('id="hypotheses"'), html.index('id="details"')
    for hypothesis in report.hypotheses:
        row = html.index(f'href="#hyp-{hypothesis.id}"', summary)
        assert summary < row < details
        for text in (
            hypothesis.likelihood,
            f"{hypothesis.posterior * 100:.0f}%",
            f"{hypothesis.prior * 100:.0f}%",
        ):
            assert text in html[row:details]
    banner = html[: html.index("<nav>")]
    assert report.level.upper() in banner and "iran-supported-hamas</a>: very likely (86%)" in banner


def test_every_part_of_the_trace_is_shown(report: Report, html: str) -> None:
    text = Page(html).content
    for hypothesis in report.hypotheses:
        assert f'id="hyp-{hypothesis.id}"' in html and hypothesis.statement in text
    sensitive = sum(1 for h in report.hypotheses if h.sensitivity)
    assert html.count("<svg") == sensitive + 1  # a sensitivity chart each, and the evidence timeline
    for indicator in report.indicators:
        assert f'id="ind-{indicator.id}"' in html and indicator.title in text
        for group in indicator.groups:
            for match in group.matches + group.near_misses:
                assert all(check.detail in text for check in match.checks)
    for trace in report.observations:
        assert f'id="obs-{trace.id}"' in html and (trace.summary or "") in text
        assert all(source.name in text for source in trace.sources)
    assert "any day from 2023-09-16 to 2023-09-30" in text  # a range stays a range
    assert "any day up to 2023-10-06 (open start)" in text
    assert "2 independent origins: 1 − (1 − " in text  # the confidence arithmetic
    assert '<a href="https://home.treasury.gov/news/press-releases/jy0701" rel="noopener noreferrer">' in html


def test_the_page_says_what_did_not_match_as_the_text_report_does(report: Report, html: str) -> None:
    text, page = render(report, "text"), Page(html).content
    # two hypotheses miss leadership-meeting-before-attack 6 times: 3 misses shown each, 3 more counted
    assert text.count("near miss: ") == page.count("near miss: ") == 2 * 3
    assert text.count("… and 3 more near misses") == page.count("… and 3 more near misses") == 2
    assert "no observation matches 'financing'" in text and "no observation matches 'financing'" in page


def many_hypotheses(report: Report, count: int) -> Report:
    """The seed report with `count` hypotheses: one nothing moved, then the seed's in turn, renamed."""
    unmoved = report.hypotheses[0].model_copy(update={"id": "h-unmoved", "sensitivity": []})
    copies = [
        report.hypotheses[n % len(report.hypotheses)].model_copy(update={"id": f"h{n:03d}"})
        for n in range(count - 1)
    ]
    return report.model_copy(update={"hypotheses": [unmoved, *copies]})


def card(html: str, hypothesis: str) -> str:
    start = html.index(f'<article class="card" id="hyp-{hypothesis}">')
    return html[start : html.index("</article>", start)]


def table_rows(card: str) -> list[str]:
    """The rows of a card's sensitivity table, as written."""
    return [
        line.strip()
        for line in card.splitlines()
        if line.strip().startswith('<tr><td><a class="id" href="#ind-')
    ]


def sensitivity_rows(hypothesis: HypothesisReport) -> list[str]:
    """The table rows the page should show: posterior without, then the change in points, largest first."""
    ranked = sorted(
        hypothesis.sensitivity, key=lambda s: (-abs(hypothesis.posterior - s.posterior_without), s.indicator)
    )
    return [
        f'<tr><td><a class="id" href="#ind-{s.indicator}">{s.indicator}</a></td>'
        f'<td class="num">{round(s.posterior_without * 100)}%</td>'
        f'<td class="num">{(hypothesis.posterior - s.posterior_without) * 100:+.1f}</td></tr>'
        for s in ranked
    ]


def test_sensitivity_charts_stop_at_the_limit_and_the_rest_are_tables(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_page, "MAX_SENSITIVITY_CHARTS", 2)
    many = many_hypotheses(report, 1 + 2 + 3)  # one without a sensitivity, the limit, and 3 more
    html = render_html(many)
    assert html.count("<svg") == 2 + 1  # two sensitivity charts and the evidence timeline
    assert Page(html).content.count("Only the first 2 sensitivity charts are drawn;") == 1
    assert (
        "for the other 3 hypotheses the same numbers are given as a table, since thousands of charts"
        in Page(html).content
    )
    assert "No indicator moved this hypothesis" in card(html, "h-unmoved")  # it takes no chart's place
    for n, hypothesis in enumerate(many.hypotheses[1:]):
        shown = card(html, hypothesis.id)
        assert shown.count("<svg") == (1 if n < 2 else 0)
        if n < 2:
            assert not table_rows(shown)  # the chart draws them all
            continue
        assert "No chart past the first 2 (" in shown
        assert table_rows(shown) == sensitivity_rows(hypothesis)
    assert render_html(many) == html  # past the limit, still the same bytes


def test_a_chart_that_leaves_out_rows_comes_with_them_all_as_a_table(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "MAX_SENSITIVITY_ROWS", 4)
    assert sorted(len(h.sensitivity) for h in report.hypotheses) == [4, 5, 6]  # one drawn whole, two cut
    html = render_html(report)
    for hypothesis in report.hypotheses:
        shown, total = card(html, hypothesis.id), len(hypothesis.sensitivity)
        assert shown.count("<svg") == 1
        rows = table_rows(shown)
        if total <= 4:
            assert not rows and "indicators drawn" not in shown
        else:
            assert f"4 of {total} indicators drawn, the largest effects" in shown
            assert f"The chart draws the largest effects; all {total} are listed here" in Page(shown).content
            assert rows == sensitivity_rows(hypothesis)


def test_near_misses_left_out_are_counted_in_words(report: Report) -> None:
    missed = next(i for h in report.hypotheses for i in h.indicators if i.near_miss_count > 3)
    said = {n: more_near_misses(missed.model_copy(update={"near_miss_count": n})) for n in (3, 4, 6)}
    assert said == {3: "", 4: "… and 1 more near miss", 6: "… and 3 more near misses"}


def test_near_misses_left_out_count_those_the_report_did_not_keep(seed: LoadResult) -> None:
    # --max-matches 1 keeps one near miss of russia's six (2 meetings × 3 attacks): 5 are left out
    report = evaluate(seed.case, as_of=dt.date.fromisoformat(AS_OF), max_matches=1)
    text, page = render(report, "text"), Page(render_html(report)).content
    assert text.count("near miss: ") == page.count("near miss: ") == 2 * 1
    assert text.count("… and 5 more near misses") == page.count("… and 5 more near misses") == 2


def listed(monkeypatch: pytest.MonkeyPatch, output_format: str, *options: str) -> str:
    """`iandw evaluate` of the shipped case as of AS_OF, in a format, with options."""
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["evaluate", "--as-of", AS_OF, "--format", output_format, *options])
    assert result.exit_code == 0, result.output
    return result.output if output_format != "html" else Page(result.output).content


@pytest.mark.parametrize("output_format", ["text", "markdown", "html"])
def test_a_given_max_matches_lists_that_many_near_misses(
    monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    """Russia's leadership-meeting-before-attack misses 6 times under each of its two hypotheses:
    Lavrov's and Bogdanov's meetings of 2023-03-16 and the Moscow trilateral of 2023-10-26 (the 2006
    visit names no Russian official), each with Hamas's attacks of 2001 and 2023-10-07 (the 2014
    kidnapping codes no perpetrator).  By default 3 are listed and 3 counted; --max-matches 4
    lists 4 and counts 2; 20 lists all 6; 5, given though it is the default, lists 5."""
    default = listed(monkeypatch, output_format)
    assert default.count("near miss: ") == 2 * 3 and default.count("… and 3 more near misses") == 2
    four = listed(monkeypatch, output_format, "--max-matches", "4")
    assert four.count("near miss: ") == 2 * 4 and four.count("… and 2 more near misses") == 2
    twenty = listed(monkeypatch, output_format, "--max-matches", "20")
    assert twenty.count("near miss: ") == 2 * 6 and "more near miss" not in twenty
    five = listed(monkeypatch, output_format, "--max-matches", "5")
    assert five.count("near miss: ") == 2 * 5 and five.count("… and 1 more near miss") == 2


def test_render_lists_at_least_one_near_miss(report: Report) -> None:
    with pytest.raises(ValueError, match="near_misses is at least 1, not 0"):
        render(report, "text", near_misses=0)


def _hostile(report: Report) -> Report:
    """The seed report with every free-text field an observation file controls set to markup."""
    script, img = PAYLOADS
    traces = [
        trace.model_copy(
            update={
                "summary": f"{script} {img}",
                "place": img,
                "sources": [
                    source.model_copy(update={"name": f"{img}{script}", "url": "javascript:alert(1)"})
                    for source in trace.sources
                ],
            }
        )
        for trace in report.observations
    ]
    hypotheses = [h.model_copy(update={"statement": script + ' "quoted" & done'}) for h in report.hypotheses]
    return report.model_copy(update={"observations": traces, "hypotheses": hypotheses})


def test_untrusted_text_is_shown_as_text_never_as_markup(report: Report) -> None:
    html = render_html(_hostile(report))
    page = Page(html)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert not [tag for tag, _ in page.tags if tag in ("script", "img")]
    assert not [attrs for _, attrs in page.tags if any(name.startswith("on") for name in attrs)]
    assert not [a for a in page.all("a") if "javascript" in (a.get("href") or "").lower()]
    for payload in PAYLOADS:
        assert payload in page.content  # visible, as the text it is
    assert "javascript:alert(1)" in page.content and "not linked" in page.content


CONTROL = "a\x1b]0;pwned\x07\nb\x9b2J"  # an OSC title, a newline, a C1 CSI


def with_untrusted_text(report: Report, statement: str, summary: str) -> Report:
    """The report with its first hypothesis's statement and first observation's summary replaced."""
    hypothesis, trace = report.hypotheses[0], report.observations[0]
    return report.model_copy(
        update={
            "hypotheses": [hypothesis.model_copy(update={"statement": statement})],
            "observations": [trace.model_copy(update={"summary": summary})],
        }
    )


def test_untrusted_text_cannot_drive_a_terminal(report: Report) -> None:
    hypothesis = report.hypotheses[0]
    trace = report.observations[0]
    hostile = with_untrusted_text(report, CONTROL, CONTROL)
    text = render(hostile, "text")
    assert f"\n{hypothesis.id}: a\\x1b]0;pwned\\x07\\nb\\x9b2J\n" in text
    markdown = render(hostile, "markdown")
    row = f"| {trace.id} | {trace.date} | {trace.confidence:.2f} | a\\x1b\\]0;pwned\\x07 b\\x9b2J |"
    assert row in markdown.splitlines()
    for output in (text, markdown):
        assert not {"\x1b", "\x07", "\x9b"} & set(output)


# A right-to-left override and its pop: "txt.exe" would read "exe.txt"; a zero-width
# space inside a name.  An Arabic name with its joiner and mark, which stay.
SPOOF = "report \u202etxt.exe\u202c by Ha\u200bmas"
ARABIC = "\u062d\u0645\u0627\u0633\u200c\u200f (Hamas)"


def test_untrusted_text_cannot_reorder_the_page(report: Report) -> None:
    html = render_html(with_untrusted_text(report, SPOOF, ARABIC + "\nsecond line"))
    assert not {"\u202e", "\u202c", "\u200b"} & set(html)
    assert "report \\u202etxt.exe\\u202c by Ha\\u200bmas" in html  # shown, as the text report shows it
    assert ARABIC + "\nsecond line" in html  # right-to-left text, and the page's own line breaks, as written


MARKDOWN = "[x](javascript:alert(1)) *b* _c_ `d` <b> &amp; | ~~s~~ \\"


@pytest.mark.parametrize(
    ("statement", "paragraph"),
    [
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("> not a quote", "\\> not a quote"),
        ("    not code", "not code"),
        ("--- not a rule", "\\--- not a rule"),
        ("2023 was plain", "2023 was plain"),
    ],
)
def test_untrusted_text_is_inert_markdown(report: Report, statement: str, paragraph: str) -> None:
    hypothesis, trace = report.hypotheses[0], report.observations[0]
    hostile = with_untrusted_text(report, statement, MARKDOWN)
    lines = render(hostile, "markdown").splitlines()
    assert lines[lines.index(f"## {hypothesis.id}") + 2] == paragraph
    # every character that could open a link, emphasis, code, HTML, an entity, a cell or a
    # strikethrough is backslash-escaped, and read as itself
    summary = "\\[x\\](javascript:alert(1)) \\*b\\* \\_c\\_ \\`d\\` \\<b> \\&amp; \\| \\~\\~s\\~\\~ \\\\"
    assert f"| {trace.id} | {trace.date} | {trace.confidence:.2f} | {summary} |" in lines


def test_a_timeline_shows_the_summary_that_tipped_it_inert() -> None:
    points = [
        TimelinePoint(date="2023-01-01", posterior=0.1, likelihood="", level="none"),
        TimelinePoint(date="2023-02-01", posterior=0.6, likelihood="", level="watch"),
    ]
    crossing = Crossing(
        level="watch",
        date="2023-02-01",
        posterior=0.6,
        observation="o1",
        summary=CONTROL,
        reported="2023-01-30",
    )
    series = HypothesisTimeline(id="h", statement="", prior=0.1, points=points, crossings=[crossing])
    timeline = Timeline(
        start="2023-01-01", end="2023-02-01", step_days=31, levels=SPEC_LEVELS, hypotheses=[series]
    )
    assert render_timeline_text(timeline) == (
        "iandw timeline — 2023-01-01 to 2023-02-01, every 31 days "
        "(2 evaluations, each with only what was reported by then)\n"
        "\n"
        "h: prior 10%; 10% (none) on 2023-01-01 → 60% (watch) on 2023-02-01\n"
        "  watch   first on 2023-02-01 at 60%: tipped by o1 (reported 2023-01-30): "
        "a\\x1b]0;pwned\\x07\\nb\\x9b2J\n"
        "  moved: 2023-02-01 60%\n"
    )


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
        ("HTTP://example.org", "HTTP://example.org"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//example.org/x", None),
        ("http:alert(1)", None),
        ("http://[::1", None),
        (None, None),
    ],
)
def test_only_absolute_http_urls_become_links(url: str | None, href: str | None) -> None:
    assert safe_href(url) == href


def test_same_inputs_give_the_same_bytes_across_processes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    args = ["evaluate", "--as-of", AS_OF, "--format", "html", "-o"]
    monkeypatch.chdir(ROOT)
    here = CliRunner().invoke(main, [*args, str(tmp_path / "here.html")])
    assert here.exit_code == 0, here.output
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "iandw", *args, str(tmp_path / "there.html")], check=True, env=env)
    assert (tmp_path / "here.html").read_bytes() == (tmp_path / "there.html").read_bytes()


def test_timeline_html_adds_the_posterior_over_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "timeline.html"
    args = ["timeline", "--from", "2023-01-01", "--to", "2023-12-31", "--step", "4w", "--format", "html"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    text = Page(html).content
    assert "as of 2023-12-31" in text  # the report as of the timeline's last date
    assert 'id="over-time"' in html and "Posterior over time" in text
    assert "tipped by hamas-attack-2023-10-07" in text
    assert html.count("<svg") >= 2 and "alert ≥ 80%" in text  # thresholds drawn on the chart
    assert "Levels: none < 20% ≤ watch < 55% ≤ warning < 80% ≤ alert." in text  # the case's own thresholds


def test_a_timeline_of_many_hypotheses_draws_the_first_and_says_so(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "MAX_POSTERIOR_LINES", 2)
    points = [TimelinePoint(date="2023-01-01", posterior=0.1, likelihood="", level="none")]
    series = [
        HypothesisTimeline(id=f"line-{n}", statement="", prior=0.1, points=points, crossings=[])
        for n in range(5)
    ]
    timeline = Timeline(
        start="2023-01-01", end="2023-01-01", step_days=7, levels=SPEC_LEVELS, hypotheses=series
    )
    html = render_html(report, timeline=timeline)
    over_time = html[html.index('id="over-time"') : html.index('id="details"')]
    assert "the first 2 of 5 hypotheses drawn" in over_time  # on the chart
    assert "The chart draws the first 2 of 5 hypotheses" in Page(over_time).content
    chart = over_time[over_time.index("<svg") : over_time.index("</svg>")]
    assert "line-1" in chart and "line-2" not in chart
    assert all(f"line-{n}</td>" in over_time for n in range(5))  # the table lists them all


def test_timeline_images(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    args = ["timeline", "--from", "2023-06-01", "--to", "2023-11-30", "--step", "4w"]
    svg = CliRunner().invoke(main, [*args, "--format", "svg"])
    assert svg.exit_code == 0 and "<svg" in svg.output and "russia-supported-hamas" in svg.output
    png = tmp_path / "posterior.png"
    result = CliRunner().invoke(main, [*args, "--format", "png", "-o", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    no_file = CliRunner().invoke(main, [*args, "--format", "png"])
    assert no_file.exit_code == 2 and "-o FILE" in no_file.output


MISSING_MATPLOTLIB = "html, png and svg output need matplotlib: pip install 'iandw[html]'"


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "--as-of", AS_OF, "--format", "html"],
        ["timeline", "--from", "2023-06-01", "--to", "2023-11-30", "--step", "4w", "--format", "svg"],
    ],
)
def test_without_matplotlib_the_user_is_told_what_to_install(
    monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output == f"Error: {MISSING_MATPLOTLIB}\n"


def test_without_matplotlib_the_api_raises_an_import_error(
    monkeypatch: pytest.MonkeyPatch, report: Report
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError) as raised:
        render(report, "html")
    assert str(raised.value) == MISSING_MATPLOTLIB
    assert not isinstance(raised.value, click.ClickException)  # a renderer knows nothing of click


def test_an_empty_case_still_renders() -> None:
    empty = Report.model_validate(
        {
            "as_of": AS_OF,
            "level": "none",
            "levels": {"watch": 0.2, "warning": 0.55, "alert": 0.8},
            "inputs": {
                "entities": 0,
                "observations": 0,
                "observations_reported": 0,
                "indicators": 0,
                "hypotheses": 0,
            },
            "indicators": [],
            "hypotheses": [],
            "observations": [],
            "diagnostics": [],
        }
    )
    html = render_html(empty)
    assert "No hypotheses: the level is <strong>none</strong>." in html and "<svg" not in html


def test_evaluate_html_states_the_cases_own_levels(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A `kind: scoring` that moves the levels moves them on the page too."""
    monkeypatch.chdir(ROOT)
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "scoring.yaml").write_text("kind: scoring\nlevels: {watch: 0.3, warning: 0.6, alert: 0.9}\n")
    out = tmp_path / "report.html"
    args = ["evaluate", "--rules", str(rules), "--as-of", AS_OF, "--format", "html", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = Page(out.read_text(encoding="utf-8")).content
    assert "Levels: none < 30% ≤ watch < 60% ≤ warning < 90% ≤ alert." in text
    # the text and the brief say them too, which a reader holding only those could not know
    moved = "levels set by the case's scoring: none < 30% ≤ watch < 60% ≤ warning < 90% ≤ alert"
    brief = moved.capitalize().replace(" < ", r" \< ") + "."  # markdown escapes what may open a tag
    for format, line in (("text", moved), ("markdown", brief)):
        said = CliRunner().invoke(
            main, ["evaluate", "--rules", str(rules), "--as-of", AS_OF, "--format", format]
        )
        assert said.exit_code == 0, said.output
        assert said.stdout.splitlines()[2 if format == "text" else 4] == line
    # SPEC's levels are not repeated in every report
    default = CliRunner().invoke(main, ["evaluate", "--as-of", AS_OF])
    assert "levels set by" not in default.stdout


def test_the_api_page_is_the_command_lines_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`render(report, "html")` gives the bytes of `iandw evaluate --format html`, thresholds and pad too.

    The report carries both; the scoring tables that `render` once needed are ignored, with a warning.
    """
    monkeypatch.chdir(ROOT)
    rules, observations = tmp_path / "rules", tmp_path / "observations"
    shutil.copytree(ROOT / "rules", rules)
    shutil.copytree(ROOT / "observations", observations)
    scoring = "kind: scoring\nqualifier_pad: 3\nlevels: {watch: 0.3, warning: 0.6, alert: 0.9}\n"
    (rules / "scoring.yaml").write_text(scoring)
    year = observations / "2023.yaml"
    year.write_text(year.read_text().replace('date: "2023-10-07"', 'date: "2023-10-07~"', 1))
    out = tmp_path / "report.html"
    args = ["evaluate", str(observations), "--rules", str(rules), "--as-of", AS_OF, "--format", "html"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    loaded = load([str(observations)], rules=str(rules))
    report = evaluate(loaded.case, as_of=dt.date.fromisoformat(AS_OF), diagnostics=loaded.warnings)
    page = render(report, "html")
    assert page == out.read_text(encoding="utf-8")
    with pytest.warns(DeprecationWarning, match="no longer needs the case's scoring tables"):
        assert render(report, "html", tables=ScoringTables()) == page
    text = Page(page).content
    assert "Levels: none < 30% ≤ watch < 60% ≤ warning < 90% ≤ alert." in text
    assert "any day from 2023-10-04 to 2023-10-10" in text  # 2023-10-07~ padded by 3 days


def test_a_source_repeating_an_origin_however_spelled_is_shown_not_counted() -> None:
    from worlds import PROBE, entity, observation, run, source

    sources = [source("wire", "C3", origin="Hamas"), source("site", "B2", origin="hamas"), source("m", "A1")]
    report = run([entity("x", "thing"), PROBE, observation("o", "report", "2023-01-01", ["x"], sources)])
    page = render_html(report)
    # 'Hamas' (.25) repeats 'hamas' (.49), which counts: two independent origins, .81 and .49
    assert page.count("(repeats its origin: not counted)") == 1
    assert "2 independent origins: 1 − (1 − 0.81) × (1 − 0.49) = 0.90" in page


def test_every_format_says_a_fired_indicator_had_more_matches_than_the_one_shown(report: Report) -> None:
    """Counted by hand in observations/: sponsor=russia meets designated-leader-received twice,
    once through each of lavrov-meets-hamas and bogdanov-meets-hamas (both 2023-03-16, both with
    al-Arouri, designated 2015-09); two hypotheses list it with sponsor=russia.  The text showed
    the best match alone, as if it were the only one."""
    head = (
        "designated-leader-received (designator=united-states, group=hamas, leader=saleh-al-arouri, "
        "sponsor=russia)"
    )
    text = render(report, "text").splitlines()
    starts = [i for i, line in enumerate(text) if line.startswith(f"  fired     {head}")]
    assert len(starts) == 2
    assert all(text[i + 2] == "            … and 1 more match" for i in starts)
    rows = render(report, "markdown").splitlines()
    russian = [row for row in rows if row.startswith("| designated-leader") and "sponsor=russia" in row]
    assert len(russian) == 2 and all(row.endswith("; … and 1 more match |") for row in russian)
    assert Page(render(report, "html")).content.count("… and 1 more match") >= 2
