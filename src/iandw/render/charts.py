"""Charts of a report and a timeline, drawn with matplotlib into deterministic SVG or PNG.

Matplotlib is the optional `html` extra, imported only when a chart is drawn
so that text output stays fast.  Every figure has a fixed size, a fixed SVG
hash salt (per chart, so the ids of several inline SVGs do not collide), no
date in its metadata and no mathtext: user text is drawn as it was written
and the same inputs give the same bytes.  Figures use the Agg canvas
directly, never pyplot, so no GUI backend or global figure state is touched.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from iandw.choices import LEVELS
from iandw.dates import DayInterval, parse_date
from iandw.diagnostics import counted
from iandw.extras import MissingExtraError
from iandw.model.report import Report
from iandw.model.timeline import Crossing, Timeline
from iandw.render.page_data import Window, by_effect
from iandw.render.time_axis import TimeAxis
from iandw.render.words import BAND_EDGES, band_edges, percent, threshold_percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter
    from matplotlib.typing import RcKeyType

ImageFormat = Literal["svg", "png"]

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LEVEL_COLOUR = {"none": "#9ca3af", "watch": "#eab308", "warning": "#f97316", "alert": "#dc2626"}
LEVEL_MARKER = {"watch": "^", "warning": "s", "alert": "D"}
STATUS_COLOUR = {"fired": "#D55E00", "possible": "#E69F00"}
OBSERVATION_COLOUR = "#0072B2"
LABEL_CHARS = 44  # longer row labels are cut (the page shows them in full)
MAX_OBSERVATION_ROWS = 60
MAX_WINDOW_ROWS = 40
MAX_SENSITIVITY_ROWS = 30  # the largest effects; a row costs about 12 ms and a quarter inch
MAX_POSTERIOR_LINES = 16  # two lines a colour: more cannot be told apart, and each widens the legend

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable, escaped by matplotlib
    "text.parse_math": False,  # a '$' in user text is a dollar, not TeX
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 8,
    "axes.edgecolor": "#9ca3af",
    "axes.linewidth": 0.6,
    "xtick.color": "#374151",
    "ytick.color": "#374151",
    "path.simplify": False,
}


@contextmanager
def _figure(width: float, height: float, salt: str) -> Iterator[Figure]:
    """A standalone Agg figure under fixed settings (the salt keeps ids unique per chart)."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError() from None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context():  # restores the caller's settings afterwards
        matplotlib.rcParams.update(_RC)
        matplotlib.rcParams["svg.hashsalt"] = f"iandw-{salt}"
        figure = Figure(figsize=(width, height), dpi=100)
        FigureCanvasAgg(figure)
        yield figure


def _plain_rows(axes: Axes) -> None:
    """The look of the horizontal charts: light vertical grid behind, no frame but the base."""
    axes.tick_params(axis="y", length=0)
    axes.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def _save(figure: Figure, format: ImageFormat) -> bytes:
    out = io.BytesIO()
    if format == "svg":
        figure.savefig(out, format="svg", metadata={"Date": None})
    else:
        figure.savefig(out, format="png", dpi=150, metadata={"Software": None})
    return out.getvalue()


def inline_svg(svg: bytes) -> str:
    """The <svg> element alone, for a page holding several charts.

    The XML prolog and DOCTYPE do not belong inside HTML, and nor do the
    ids matplotlib numbers the same in every chart (`figure_1`, `axes_1`):
    an id must be unique in a page.  Only the ids the chart itself refers
    to (`url(#…)`, `href="#…"`) are kept, and the salt makes those unique.
    Both are looked for in tags alone: a label's text is the observation
    file's, and may read ` id="x"` or `url(#figure_1)` (matplotlib escapes
    '<' and '>' in text, not '"').
    """
    text = svg.decode("utf-8")
    text = text[text.index("<svg") :].rstrip() + "\n"
    referenced = {found for tag in _TAG.findall(text) for found in _REFERENCE.findall(tag)}

    def kept(tag: re.Match[str]) -> str:
        return _ID.sub(lambda found: found[0] if found[1] in referenced else "", tag[0])

    return _TAG.sub(kept, text)


_TAG = re.compile(r"<[^<>]*>")  # an attribute's '<' and '>' are escaped too
_ID = re.compile(r' id="([^"]*)"')
_REFERENCE = re.compile(r'(?:url\(#|href="#)([^")]*)')


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _left_margin(labels: Sequence[str], width: float) -> float:
    longest = max((len(_short(label)) for label in labels), default=8)
    return min(0.45, (0.3 + 0.06 * longest) / width)


def _percent_formatter(span: float) -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    decimals = 0 if span >= 0.05 else 1 if span >= 0.005 else 2
    return FuncFormatter(lambda value, _: f"{value * 100:.{decimals}f}%")


def sensitivity_chart(
    prior: float,
    posterior: float,
    without: Sequence[tuple[str, float]],
    salt: str,
    edges: Sequence[float] = BAND_EDGES,
) -> bytes:
    """Posterior without each indicator against the posterior: what the judgement rests on.

    At most MAX_SENSITIVITY_ROWS rows, the largest effects, and a note when
    some are left out: a hypothesis of thousands of indicators would
    otherwise take minutes and a chart hundreds of inches tall.  `edges`:
    the bands' (`words.band_edges`), which no label is rounded across.
    """
    ranked = by_effect(posterior, without)
    rows = ranked[:MAX_SENSITIVITY_ROWS]
    note = (
        f"{len(rows)} of {len(ranked)} indicators drawn, the largest effects (the page lists them all)"
        if len(rows) < len(ranked)
        else ""
    )
    width = 7.5
    room = 0.2 if note else 0.0  # a line under the axis for the note
    height = 0.75 + room + 0.28 * len(rows)
    with _figure(width, height, salt) as figure:
        left = _left_margin([name for name, _ in rows], width)
        axes = figure.add_axes((left, (0.45 + room) / height, 0.96 - left, 1 - (0.75 + room) / height))
        values = [prior, posterior, *(p for _, p in rows)]
        lo, hi = min(values), max(values)
        pad = max(0.01, 0.12 * (hi - lo))
        axes.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad))
        axes.set_ylim(len(rows) - 0.4, -0.6)
        axes.xaxis.set_major_formatter(_percent_formatter(hi - lo))
        axes.axvline(prior, color="#6b7280", linestyle=(0, (3, 2)), linewidth=1)
        axes.axvline(posterior, color="#111827", linewidth=1.4)
        top = axes.get_xaxis_transform()
        prior_side, posterior_side = ("right", "left") if prior <= posterior else ("left", "right")
        axes.text(
            prior,
            1.01,
            f" prior {percent(prior, edges)} ",
            transform=top,
            ha=prior_side,
            va="bottom",
            color="#6b7280",
        )
        axes.text(
            posterior,
            1.01,
            f" posterior {percent(posterior, edges)} ",
            transform=top,
            ha=posterior_side,
            va="bottom",
            fontweight="bold",
        )
        for y, (_, value) in enumerate(rows):
            colour = "#D55E00" if value < posterior else "#0072B2"
            axes.annotate(
                "",
                xy=(posterior, y),
                xytext=(value, y),
                arrowprops={
                    "arrowstyle": "->",
                    "color": colour,
                    "linewidth": 1.2,
                    "shrinkA": 3,
                    "shrinkB": 0,
                },
            )
            axes.plot([value], [y], marker="o", markersize=5, color=colour)
            away = -1 if value < posterior else 1
            axes.annotate(
                percent(value, edges),
                (value, y),
                xytext=(6 * away, 0),
                textcoords="offset points",
                ha="right" if away < 0 else "left",
                va="center",
                fontsize=7,
                color="#374151",
            )
        axes.set_yticks(range(len(rows)), [_short(name) for name, _ in rows])
        if note:
            figure.text(left, 0.08 / height, note, ha="left", va="bottom", fontsize=7)
        _plain_rows(axes)
        return _save(figure, "svg")


def evidence_chart(report: Report, days: dict[str, DayInterval], windows: Sequence[Window]) -> bytes:
    """Observations as points or bars over their date intervals, then the indicator windows."""
    traces = sorted(report.observations, key=lambda t: (days[t.id].lo, days[t.id].hi, t.id))
    in_windows = {i for w in windows for i in w.observations}
    first = [t for t in traces if t.id in in_windows] + [t for t in traces if t.id not in in_windows]
    shown = {t.id for t in first[:MAX_OBSERVATION_ROWS]}  # the evidence of the windows first
    observations = [t for t in traces if t.id in shown]
    bands = list(windows[:MAX_WINDOW_ROWS])
    time = TimeAxis(
        [d for t in observations for d in (days[t.id].lo, days[t.id].hi)]
        + [d for w in bands for d in (w.span.lo, w.span.hi)]
        + [float(parse_date(report.as_of).lo)]
    )
    labels = [t.id for t in observations] + [f"#{n} {w.indicator}" for n, w in enumerate(bands, 1)]
    rows = len(labels)
    width, height = 10.5, 0.95 + 0.22 * max(rows, 1)
    with _figure(width, height, "evidence") as figure:
        left = _left_margin(labels, width)
        axes = figure.add_axes((left, 0.55 / height, 0.985 - left, 1 - 0.85 / height))
        axes.set_xlim(0, 1)
        axes.set_ylim(rows - 0.5, -0.7)
        for gap in time.breaks():
            axes.axvspan(*gap, color="#f3f4f6", linewidth=0)
            axes.text(
                sum(gap) / 2,
                0,
                "//",
                transform=axes.get_xaxis_transform(),
                ha="center",
                va="center",
                fontsize=9,
                color="#6b7280",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0},
            )
        for y, trace in enumerate(observations):
            _draw_interval(axes, time, days[trace.id], y, OBSERVATION_COLOUR, height=0.5)
        if observations and bands:
            axes.axhline(len(observations) - 0.5, color="#9ca3af", linewidth=0.6)
        for offset, window in enumerate(bands):
            y = len(observations) + offset
            colour = STATUS_COLOUR.get(window.status, "#9ca3af")
            _draw_interval(axes, time, window.span, y, colour, height=0.62, hatch=window.status == "possible")
            for observation in window.observations:
                _draw_interval(axes, time, days[observation], y, "#111827", height=0.2)
        as_of_x = time.x(float(parse_date(report.as_of).lo))
        axes.axvline(as_of_x, color="#111827", linestyle=(0, (2, 2)), linewidth=0.9)
        axes.text(
            as_of_x,
            1.005,
            f"as of {report.as_of}",
            transform=axes.get_xaxis_transform(),
            ha="right" if as_of_x > 0.9 else "left" if as_of_x < 0.1 else "center",
            va="bottom",
            fontsize=7,
        )
        positions, names = time.ticks(width * (0.985 - left))
        axes.set_xticks(positions, names)
        axes.set_yticks(range(rows), [_short(label) for label in labels])
        for tick in axes.get_yticklabels()[len(observations) :]:
            tick.set_fontstyle("italic")
        left_out = [
            f"{len(shown)} of {len(traces)} observations" if len(shown) < len(traces) else "",
            f"{len(bands)} of {len(windows)} windows" if len(bands) < len(windows) else "",
        ]
        if any(left_out):
            note = " and ".join(part for part in left_out if part) + " drawn (the page lists them all)"
            axes.text(0, 1.005, note, transform=axes.transAxes, ha="left", va="bottom", fontsize=7)
        _plain_rows(axes)
        return _save(figure, "svg")


def _draw_interval(
    axes: Axes, time: TimeAxis, span: DayInterval, y: float, colour: str, height: float, hatch: bool = False
) -> None:
    """A point for one day, a bar for a range; an open end runs to the edge with an arrow."""
    if span.lo == span.hi:
        axes.plot(
            [time.x(span.lo)],
            [y],
            marker="o",
            markersize=4.5 if height > 0.3 else 3,
            color=colour,
            clip_on=False,
        )
        return
    x0, x1 = time.x(span.lo), time.x(span.hi + 1)
    if x1 - x0 < 0.004:  # a short range on a long axis: still visibly a range
        middle = (x0 + x1) / 2
        x0, x1 = middle - 0.002, middle + 0.002
    open_ends = not math.isfinite(span.lo) or not math.isfinite(span.hi)
    axes.barh(
        y,
        x1 - x0,
        left=x0,
        height=height,
        color=colour,
        alpha=0.35 if open_ends else 0.75,
        hatch="////" if hatch else None,
        edgecolor=colour,
        linewidth=0.6,
    )
    if not math.isfinite(span.lo):
        axes.plot([0.0], [y], marker="<", markersize=6, color=colour, clip_on=False)
    if not math.isfinite(span.hi):
        axes.plot([1.0], [y], marker=">", markersize=6, color=colour, clip_on=False)


def posterior_chart(timeline: Timeline, format: ImageFormat = "svg", standalone: bool = False) -> bytes:
    """Each hypothesis's posterior over time, on bands of the warning levels, with first crossings.

    The first MAX_POSTERIOR_LINES hypotheses only, and a note when there are
    more: thousands of lines cannot be told apart, took minutes, and their
    legend made the chart hundreds of inches tall.  A `standalone` chart (an
    image file) is titled with its period and step; on the page, the
    section's heading and text say them.
    """
    title = _posterior_title(timeline) if standalone else None
    drawn = timeline.hypotheses[:MAX_POSTERIOR_LINES]
    levels = timeline.levels
    edges = band_edges(levels)
    time = TimeAxis((parse_date(p.date).lo for h in drawn for p in h.points), breaks=False)
    legend_rows = math.ceil((len(drawn) + len(LEVELS[1:])) / 2)  # a line each, and each level but none
    width, height = 10.5, 4.2 + 0.2 * legend_rows + (0.3 if title else 0)
    with _figure(width, height, "posterior") as figure:
        bottom = (0.75 + 0.2 * legend_rows) / height
        top = 1 - ((0.55 if title else 0.25) / height)
        axes = figure.add_axes((0.07, bottom, 0.83, top - bottom))
        if title:
            figure.suptitle(title, fontsize=10, y=1 - 0.12 / height, va="top")
        thresholds = [*zip(LEVELS, (0.0, levels.watch, levels.warning, levels.alert), strict=True)]
        for (level, lo), (_, hi) in zip(thresholds, [*thresholds[1:], ("", 1.0)], strict=True):
            axes.axhspan(lo, hi, color=LEVEL_COLOUR[level], alpha=0.08, linewidth=0)
            if level != "none":
                axes.axhline(lo, color=LEVEL_COLOUR[level], linestyle=(0, (4, 2)), linewidth=0.9)
                axes.text(
                    1.005,
                    lo,
                    f"{level} ≥ {threshold_percent(lo)}",
                    transform=axes.get_yaxis_transform(),
                    va="center",
                    ha="left",
                    color=LEVEL_COLOUR[level],
                    fontsize=7.5,
                )
        labelled: dict[str, int] = {}  # date → labels already there, to stack rather than overlap
        for index, hypothesis in enumerate(drawn):
            colour = PALETTE[index % len(PALETTE)]
            xs = [time.x(parse_date(p.date).lo) for p in hypothesis.points]
            ys = [p.posterior for p in hypothesis.points]
            # each value holds until the next date, and the last, with none after it, to the right
            # edge: a step line stops at its last point, where the dot hid the last value's rise
            ends = [*xs[1:], 1.0]
            axes.plot(
                [x for start, end in zip(xs, ends, strict=True) for x in (start, end)],
                [y for y in ys for _ in range(2)],
                color=colour,
                linewidth=1.6,
                label=_short(hypothesis.id),
            )
            axes.plot(xs[-1:], ys[-1:], marker="o", markersize=3.5, color=colour)
            axes.annotate(
                percent(ys[-1], edges),
                (xs[-1], ys[-1]),
                xytext=(5, 2),  # above the line that runs on to the right
                textcoords="offset points",
                va="bottom",
                fontsize=7,
                color=colour,
            )
            for date, crossings in _by_date(hypothesis.crossings):
                highest = crossings[-1]
                x = time.x(parse_date(date).lo)
                axes.plot(
                    [x],
                    [highest.posterior],
                    marker=LEVEL_MARKER[highest.level],
                    markersize=7,
                    color=LEVEL_COLOUR[highest.level],
                    markeredgecolor="#111827",
                    markeredgewidth=0.7,
                    clip_on=False,
                    zorder=5,
                    linestyle="none",
                )
                if date == timeline.start:  # already there at the start: the marker says it
                    continue
                stacked = labelled.get(date, 0)
                labelled[date] = stacked + 1
                axes.annotate(
                    f"{highest.level} {date}",
                    (x, highest.posterior),
                    xytext=(-4, 6 + 10 * stacked),
                    textcoords="offset points",
                    ha="right",
                    fontsize=7,
                    color="#111827",
                    zorder=6,
                )
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.yaxis.set_major_formatter(_percent_formatter(1.0))
        axes.set_ylabel("posterior")
        if len(drawn) < len(timeline.hypotheses):
            note = f"the first {len(drawn)} of {len(timeline.hypotheses)} hypotheses drawn"
            axes.text(0, 1.005, note, transform=axes.transAxes, ha="left", va="bottom", fontsize=7)
        positions, names = time.ticks(width * 0.83)
        axes.set_xticks(positions, names)
        axes.grid(axis="x", color="#e5e7eb", linewidth=0.6)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if drawn:
            from matplotlib.lines import Line2D

            handles, _ = axes.get_legend_handles_labels()
            handles += [
                Line2D(
                    [],
                    [],
                    marker=LEVEL_MARKER[level],
                    color=LEVEL_COLOUR[level],
                    markeredgecolor="#111827",
                    linestyle="none",
                    label=f"{level} first reached",
                )
                for level in LEVELS[1:]
            ]
            axes.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.1 - 0.02 * legend_rows),
                ncol=2,
                frameon=False,
                fontsize=8,
            )
        return _save(figure, format)


def _posterior_title(timeline: Timeline) -> str:
    every = counted(timeline.step_days, "day")
    return f"Posterior over time, {timeline.start} to {timeline.end} (every {every})"


def _by_date(crossings: Sequence[Crossing]) -> list[tuple[str, list[Crossing]]]:
    """Levels first reached on one date share one marker (the highest of them)."""
    grouped: dict[str, list[Crossing]] = {}
    for crossing in crossings:
        grouped.setdefault(crossing.date, []).append(crossing)
    return list(grouped.items())
