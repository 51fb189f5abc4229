"""A timeline for people (text) and programs (csv, json)."""

from __future__ import annotations

import csv
import io

from iandw.diagnostics import counted, one_line
from iandw.model.timeline import Timeline
from iandw.render.json import model_json
from iandw.render.words import band_edges, crossing_reason, percent


def render_timeline_json(timeline: Timeline) -> str:
    return model_json(timeline)


def render_timeline_csv(timeline: Timeline) -> str:
    """One row per date and hypothesis (tidy data for a spreadsheet or a plot)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "hypothesis", "posterior", "likelihood", "level"])
    for hypothesis in timeline.hypotheses:
        for point in hypothesis.points:
            writer.writerow([point.date, hypothesis.id, repr(point.posterior), point.likelihood, point.level])
    return out.getvalue()


def render_timeline_text(timeline: Timeline) -> str:
    """No percentage is rounded across a threshold of the timeline's `levels` (`words.percent`)."""
    edges = band_edges(timeline.levels)
    lines = [
        f"iandw timeline — {timeline.start} to {timeline.end}, every {counted(timeline.step_days, 'day')} "
        f"({counted(timeline.evaluations, 'evaluation')}, each with only what was reported by then)",
    ]
    for hypothesis in timeline.hypotheses:
        first, last = hypothesis.points[0], hypothesis.points[-1]
        lines += [
            "",
            f"{hypothesis.id}: prior {percent(hypothesis.prior, edges)}; "
            f"{percent(first.posterior, edges)} ({first.level}) on {first.date} → "
            f"{percent(last.posterior, edges)} ({last.level}) on {last.date}",
        ]
        if not hypothesis.crossings:
            lines.append("  never reached watch")
        for crossing in hypothesis.crossings:
            lines.append(
                f"  {crossing.level:<7} first on {crossing.date} at {percent(crossing.posterior, edges)}: "
                f"{one_line(crossing_reason(crossing, timeline.start))}"  # holds an observation's summary
            )
        changes = [
            f"{point.date} {percent(point.posterior, edges)}"
            for before, point in zip(hypothesis.points, hypothesis.points[1:], strict=False)
            if abs(point.posterior - before.posterior) >= 0.005
        ]
        if changes:
            lines.append("  moved: " + ", ".join(changes))
    return "\n".join(lines) + "\n"
