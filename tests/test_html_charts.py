"""Charts: a time axis that keeps recent detail readable, escaped labels, stable bytes."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iandw.api import evaluate
from iandw.dates import DayInterval, parse_date
from iandw.loader import load
from iandw.model.report import LevelThresholds, Report
from iandw.model.scoring import ScoringTables
from iandw.model.timeline import Crossing, HypothesisTimeline, Timeline, TimelinePoint
from iandw.render import charts
from iandw.render.charts import evidence_chart, inline_svg, posterior_chart, sensitivity_chart
from iandw.render.html import render_html
from iandw.render.page_data import evidence_windows, observation_days
from iandw.render.time_axis import TimeAxis
from iandw.render.words import band_edges

ROOT = Path(__file__).resolve().parent.parent
SPEC_LEVELS = LevelThresholds.of(ScoringTables())
HOSTILE = ("<script>alert(1)</script>", "a & b </text><script>x</script>", "$\\frac{1}{$ costs $5", "]]>")


def day(iso: str) -> float:
    return float(dt.date.fromisoformat(iso).toordinal())


@pytest.fixture(scope="module")
def report() -> Report:
    case = load([str(ROOT / "observations")], rules=str(ROOT / "rules")).case
    return evaluate(case, as_of=dt.date(2024, 1, 1))


def svg_texts(svg: bytes) -> list[str]:
    """Parse as XML (it must be well formed) and return every text, failing on any script."""
    root = ET.fromstring(svg)
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert not tags & {"script", "foreignObject", "a", "image"}
    assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    return ["".join(element.itertext()) for element in root.iter() if element.tag.endswith("}text")]


def test_long_empty_stretches_become_breaks_and_recent_detail_keeps_its_room() -> None:
    days = [day("2001-06-01"), day("2015-09-01"), *(day(f"2023-{m:02d}-01") for m in range(1, 13))]
    axis = TimeAxis(days)
    assert len(axis.segments) == 3 and len(axis.breaks()) == 2
    xs = [axis.x(d) for d in sorted(days)]
    assert xs == sorted(xs) and xs[0] > 0 and xs[-1] < 1
    recent = axis.segments[-1]
    assert recent.x_hi - recent.x_lo > 0.6  # 2023 holds most dates, so most of the width
    assert axis.x(-math.inf) == 0.0 and axis.x(math.inf) == 1.0  # open ends run to the edges
    positions, labels = axis.ticks(10)
    assert positions == sorted(positions) and all(0 <= p <= 1 for p in positions)
    assert labels[:3] == ["Jun\n2001", "Sep\n2015", "Jan\n2023"]  # one tick per lone date


def test_a_short_span_has_no_breaks_and_month_ticks() -> None:
    axis = TimeAxis([day("2023-01-01"), day("2023-12-31")], breaks=False)
    assert len(axis.segments) == 1 and not axis.breaks()
    _, labels = axis.ticks(9)
    assert labels[0] == "Jan\n2023" and "Jul" in labels


def test_an_axis_padded_past_the_calendar_ticks_within_it() -> None:
    # The axis pads 15 days each side: past 9999-12-31 and before 0001-01-01.
    last = TimeAxis([day("9999-12-01"), day("9999-12-25")], breaks=False)
    assert last.ticks(9)[1] == ["Dec\n9999"]
    first = TimeAxis([day("0001-01-05"), day("0001-01-10")], breaks=False)
    assert first.ticks(9)[1] == ["Jan\n1"]


def test_windows_span_their_observations(report: Report) -> None:
    days = observation_days(report)
    windows = evidence_windows(report, days)
    assert windows and {w.status for w in windows} <= {"fired", "possible"}
    for window in windows:
        for observation in window.observations:
            assert window.span.lo <= days[observation].lo and days[observation].hi <= window.span.hi
    assert days["wagner-trained-hamas-claim"].lo == -math.inf  # drawn to the edge, with an arrow
    texts = svg_texts(evidence_chart(report, days, windows))
    assert "as of 2024-01-01" in texts and "beirut-meeting-2023-09-01" in texts


def test_user_text_in_chart_labels_is_escaped_text() -> None:
    svg = sensitivity_chart(0.2, 0.3, [(label, 0.25) for label in HOSTILE], salt="t")
    texts = svg_texts(svg)
    for label in HOSTILE:
        assert label in texts  # drawn as written: no markup, no TeX
    assert b"<script" not in svg


def test_sensitivity_labels_are_not_rounded_across_the_case_thresholds() -> None:
    """With watch at 30%, a posterior of 0.2996 is below watch: '29.9%', not '30%' (docs/reports.md)."""
    edges = band_edges(LevelThresholds(watch=0.3, warning=0.5, alert=0.9))
    texts = " ".join(svg_texts(sensitivity_chart(0.1, 0.2996, [("a", 0.4996)], salt="t", edges=edges)))
    assert "posterior 29.9%" in texts and "49.9%" in texts
    by_default = " ".join(svg_texts(sensitivity_chart(0.1, 0.2996, [("a", 0.4996)], salt="t")))
    assert "posterior 30%" in by_default and "50%" in by_default  # 30% and 50% are no default edge


def test_the_posterior_chart_draws_levels_and_crossings() -> None:
    points = [
        TimelinePoint(date=date, posterior=p, likelihood="", level=level)  # type: ignore[arg-type]
        for date, p, level in (("2023-01-01", 0.1, "none"), ("2023-02-01", 0.6, "warning"))
    ]
    crossing = Crossing(
        level="warning", date="2023-02-01", posterior=0.6, observation="x", summary=None, reported=None
    )
    hostile = HypothesisTimeline(id=HOSTILE[1], statement="", prior=0.1, points=points, crossings=[crossing])
    levels = LevelThresholds(watch=0.3, warning=0.5, alert=0.9)
    timeline = Timeline(
        start="2023-01-01", end="2023-02-01", step_days=31, levels=levels, hypotheses=[hostile]
    )
    texts = svg_texts(posterior_chart(timeline, "svg"))
    assert HOSTILE[1] in texts
    assert {"watch ≥ 30%", "warning ≥ 50%", "alert ≥ 90%", "warning 2023-02-01"} <= set(texts)
    assert posterior_chart(timeline, "png").startswith(b"\x89PNG")


def _step_lines(svg: bytes, colour: str) -> list[list[tuple[float, float]]]:
    """The vertices of each line drawn in the plot (clipped to it, so not the legend's) in `colour`."""
    lines = []
    for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}path"):
        if "clip-path" in element.attrib and f"stroke: {colour}; stroke-width: 1.6" in element.get(
            "style", ""
        ):
            numbers = [float(word) for word in element.attrib["d"].split() if word not in ("M", "L")]
            lines.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    return lines


def test_the_posterior_line_holds_its_last_value_to_the_right_edge() -> None:
    """docs/reports.md: each step holds until the next evaluation, and the line ends with its last value.

    A step line stops at its last point, so the last value was only a dot
    floating above the line, its rise hidden under it.  Worked by hand, in
    SVG points (72 an inch): the axis pads the days 2023-01-01 (d) and
    d + 7 by 15 days a side, so they sit at 15/37 and 22/37 of the axes,
    which span 0.07-0.90 of 10.5 in: 52.92 + 627.48 × x.  One hypothesis
    and three level markers make two legend rows: 4.6 in tall, the axes
    from 0.25 of it (y 248.4 from the top) up to 0.25 in below the top
    (y 18.0), so a posterior p is at 248.4 - 230.4 p.
    """
    points = [
        TimelinePoint(date=date, posterior=p, likelihood="", level=level)  # type: ignore[arg-type]
        for date, p, level in (("2023-01-01", 0.2, "watch"), ("2023-01-08", 0.5, "watch"))
    ]
    series = HypothesisTimeline(id="h", statement="", prior=0.2, points=points, crossings=[])
    timeline = Timeline(
        start="2023-01-01", end="2023-01-08", step_days=7, levels=SPEC_LEVELS, hypotheses=[series]
    )
    (line,) = _step_lines(posterior_chart(timeline), charts.PALETTE[0].lower())
    first, last, edge = 52.92 + 627.48 * 15 / 37, 52.92 + 627.48 * 22 / 37, 52.92 + 627.48
    assert (first, last, edge) == pytest.approx((307.3038, 426.0162, 680.4), abs=1e-4)
    at_20, at_50 = 248.4 - 230.4 * 0.2, 248.4 - 230.4 * 0.5
    assert (at_20, at_50) == pytest.approx((202.32, 133.2))
    expected = [(first, at_20), (last, at_20), (last, at_50), (edge, at_50)]  # 20% a week, 50% from then on
    assert [coordinate for vertex in line for coordinate in vertex] == pytest.approx(
        [coordinate for vertex in expected for coordinate in vertex], abs=1e-3
    )


def test_charts_are_byte_identical_and_inline_without_prolog() -> None:
    first = sensitivity_chart(0.5, 0.7, [("a", 0.6)], salt="x")
    assert first == sensitivity_chart(0.5, 0.7, [("a", 0.6)], salt="x")
    assert first != sensitivity_chart(0.5, 0.7, [("a", 0.6)], salt="y")  # ids differ per chart
    inline = inline_svg(first)
    assert inline.startswith("<svg") and "<?xml" not in inline and "DOCTYPE" not in inline
    assert b"<dc:date>" not in first


def test_dates_are_drawn_as_the_case_read_them_with_its_pad(tmp_path: Path) -> None:
    """The report says which days each date may denote, under the case's qualifier pad: charts draw those."""
    rules, observations = tmp_path / "rules", tmp_path / "observations"
    shutil.copytree(ROOT / "rules", rules)
    shutil.copytree(ROOT / "observations", observations)
    (rules / "scoring.yaml").write_text("kind: scoring\nqualifier_pad: 2\n")
    year = observations / "2023.yaml"
    year.write_text(year.read_text().replace('date: "2023-10-07"', 'date: "2023-10-07~"', 1))
    loaded = load([str(observations)], rules=str(rules))
    assert loaded.ok
    report = evaluate(loaded.case, as_of=dt.date(2024, 1, 1))
    days = observation_days(report)
    assert days == {t.id: parse_date(t.date, 2) for t in report.observations}
    (approximate,) = [t for t in report.observations if t.date == "2023-10-07~"]
    assert (approximate.first_day, approximate.last_day) == ("2023-10-05", "2023-10-09")
    assert days[approximate.id] == DayInterval(day("2023-10-05"), day("2023-10-09"))


def test_a_crowded_evidence_chart_says_what_it_left_out(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iandw.render import charts

    monkeypatch.setattr(charts, "MAX_OBSERVATION_ROWS", 5)
    monkeypatch.setattr(charts, "MAX_WINDOW_ROWS", 3)
    days = observation_days(report)
    windows = evidence_windows(report, days)
    texts = svg_texts(evidence_chart(report, days, windows))
    note = f"5 of {len(report.observations)} observations and 3 of {len(windows)} windows drawn"
    assert any(text.startswith(note) for text in texts)
    assert sum(1 for text in texts if text.startswith("#")) == 3


def test_a_sensitivity_chart_draws_the_largest_effects_and_counts_the_rest() -> None:
    without = [(f"i{n:04d}", 0.49 - 0.0004 * n) for n in range(1000)]  # the last moved it most
    texts = svg_texts(sensitivity_chart(0.4, 0.5, without, salt="t"))
    drawn = {text for text in texts if text.startswith("i")}
    assert drawn == {f"i{n:04d}" for n in range(1000 - charts.MAX_SENSITIVITY_ROWS, 1000)}
    assert f"{charts.MAX_SENSITIVITY_ROWS} of 1000 indicators drawn, the largest effects" in " ".join(texts)


def test_a_threshold_is_stated_as_written_not_rounded_to_a_side_of_itself(report: Report) -> None:
    """Watch from 0.3333: 'watch ≥ 33.33%'.  As a value, 0.3333 is at watch and `percent` keeps it
    there by rounding up to '33.4%', which as the threshold would put 33.35% below watch."""
    point = TimelinePoint(date="2023-01-01", posterior=0.4, likelihood="", level="watch")  # type: ignore[arg-type]
    series = HypothesisTimeline(id="h", statement="", prior=0.4, points=[point], crossings=[])
    levels = LevelThresholds(watch=0.3333, warning=0.6, alert=0.875)
    timeline = Timeline(start="2023-01-01", end="2023-01-01", step_days=7, levels=levels, hypotheses=[series])
    texts = set(svg_texts(posterior_chart(timeline)))
    assert {"watch ≥ 33.33%", "warning ≥ 60%", "alert ≥ 87.5%"} <= texts
    page = render_html(report.model_copy(update={"levels": levels}))
    assert "Levels: none &lt; 33.33% ≤ watch &lt; 60% ≤ warning &lt; 87.5% ≤ alert." in page


def test_a_posterior_chart_of_many_hypotheses_draws_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "MAX_POSTERIOR_LINES", 2)
    points = [TimelinePoint(date="2023-01-01", posterior=0.4, likelihood="", level="watch")]
    series = [
        HypothesisTimeline(id=f"h{n}", statement="", prior=0.4, points=points, crossings=[]) for n in range(5)
    ]
    timeline = Timeline(
        start="2023-01-01", end="2023-01-01", step_days=7, levels=SPEC_LEVELS, hypotheses=series
    )
    texts = svg_texts(posterior_chart(timeline))
    assert {"h0", "h1"} <= set(texts) and not {"h2", "h3", "h4"} & set(texts)
    assert "the first 2 of 5 hypotheses drawn" in texts


def test_a_page_of_several_charts_has_each_id_once_and_every_reference_resolves() -> None:
    """matplotlib numbers its groups alike in each chart (figure_1, axes_1); a page needs unique ids."""
    import re
    from collections import Counter

    first = inline_svg(sensitivity_chart(0.5, 0.7, [("a", 0.6)], salt="x"))
    second = inline_svg(sensitivity_chart(0.5, 0.7, [("a", 0.6)], salt="y"))
    page = first + second
    ids = Counter(re.findall(r' id="([^"]*)"', page))
    assert ids and max(ids.values()) == 1
    references = set(re.findall(r'(?:url\(#|href="#)([^")]*)', page))
    assert references and references <= set(ids)  # the clip paths the axes use are kept


def test_a_label_that_reads_like_an_id_or_a_reference_is_text_not_markup() -> None:
    """Labels come from observation files; only the chart's own tags have ids and references.

    ' id="x" here' would lose its ' id="x"', and 'url(#figure_1)' would keep the
    figure_1 and axes_1 ids that every chart numbers alike: twice on one page.
    """
    import re
    from collections import Counter

    labels = [' id="x" here', 'url(#figure_1) href="#axes_1"']
    first, second = (
        inline_svg(sensitivity_chart(0.5, 0.7, [(label, 0.6) for label in labels], salt=salt))
        for salt in "xy"
    )
    assert set(labels) <= set(svg_texts(first.encode()))
    page = first + second
    ids = Counter(re.findall(r'<[^<>]* id="([^"]*)"', page))
    assert ids and max(ids.values()) == 1
    assert "figure_1" not in ids and "axes_1" not in ids
