"""The report as Markdown, for briefs, tickets and wikis."""

from __future__ import annotations

import re

from iandw.diagnostics import one_line
from iandw.explain import evidence, uncertain_checks, vars_text
from iandw.model.report import Report
from iandw.render.words import (
    NEAR_MISSES_SHOWN,
    STATUS_LABEL,
    band_edges,
    contribution,
    inputs_read,
    levels_changed,
    match_line,
    more_matches,
    observations_by_id,
    percent,
    strongest_first,
    warnings_note,
    why_not,
)

# What CommonMark (and GFM's tables and strikethrough) can read as inline markup, backslash-
# escaped: a reader sees the character itself.  "!", "(" and ")" make a link or an image only
# with a "[" and "]", which are escaped; "#", "+", "-", ">" and "1." or "1)" are markup only at
# a line's start, which `_paragraph` escapes.
_INLINE = str.maketrans({c: "\\" + c for c in "\\`*_[]<&|~"})
_BLOCK_START = re.compile(r"(?=[#>+-])|[0-9]{1,9}(?=[.)])")  # ends where the backslash goes


def _cell(text: str) -> str:
    """User text inert on one line (a cell, a heading, a list item): no markup, no control sequence."""
    return one_line(text.replace("\n", " ").translate(_INLINE))


def _paragraph(text: str) -> str:
    """A line of its own, inert: nor may its start open a heading, a list, a quote or code."""
    line = _cell(text).lstrip()  # four spaces would make it code
    marker = _BLOCK_START.match(line)
    return line if marker is None else line[: marker.end()] + "\\" + line[marker.end() :]


def render_markdown(report: Report, near_misses: int = NEAR_MISSES_SHOWN) -> str:
    """`near_misses`: listed per indicator that did not fire, the rest counted.

    No percentage is rounded across a threshold of the report's `levels` (`words.percent`).
    """
    edges = band_edges(report.levels)
    observations = observations_by_id(report)
    lines = [
        f"# Indicator and warning report, as of {report.as_of}",
        "",
        f"**Level: {report.level}** — read {inputs_read(report.inputs, report.as_of)}.",
        "",
        *([f"{_cell(changed).capitalize()}.", ""] if (changed := levels_changed(report.levels)) else []),
        "| hypothesis | prior | posterior | likelihood (ICD 203) | level |",
        "|---|---:|---:|---|---|",
    ]
    for hypothesis in report.hypotheses:
        prior, posterior = percent(hypothesis.prior, edges), percent(hypothesis.posterior, edges)
        lines.append(
            f"| {_cell(hypothesis.id)} | {prior} | {posterior} "
            f"| {hypothesis.likelihood} | {hypothesis.level} |"
        )
    for hypothesis in report.hypotheses:
        lines += [
            "",
            f"## {_cell(hypothesis.id)}",
            "",
            _paragraph(hypothesis.statement),
            "",
            "| indicator | vars | status | contribution | evidence or why not |",
            "|---|---|---|---|---|",
        ]
        for item in strongest_first(hypothesis.indicators):
            found = evidence(item.matches, item.near_misses, item.unmatched_reasons)
            if found.match is not None:
                said = match_line(found.match, observations)
                uncertain = uncertain_checks(found.match)
                if uncertain:
                    said += f" (uncertain: {uncertain})"
                more = more_matches(item)
                if more:
                    said += f"; {more}"
            else:
                said = "; ".join(why_not(found, item, observations, near_misses))
            lines.append(
                f"| {_cell(item.id)} | {_cell(vars_text(item.vars))} | {STATUS_LABEL[item.status]} "
                f"| {_cell(contribution(item))} | {_cell(said)} |"
            )
        if hypothesis.sensitivity:
            lines += ["", "Sensitivity (posterior without each indicator):", ""]
            lines += [
                f"- {_cell(s.indicator)}: {percent(s.posterior_without, edges)}"
                for s in hypothesis.sensitivity
            ]
        if hypothesis.shared_evidence:
            lines += ["", "Shared evidence (counted more than once):", ""]
            lines += [
                f"- {_cell(s.observation)}: {_cell(', '.join(s.indicators))}"
                for s in hypothesis.shared_evidence
            ]
    if report.observations:
        lines += [
            "",
            "## Evidence",
            "",
            "| observation | date | confidence | summary |",
            "|---|---|---:|---|",
        ]
        for trace in report.observations:
            lines.append(
                f"| {_cell(trace.id)} | {_cell(trace.date)} | {trace.confidence:.2f} "
                f"| {_cell(trace.summary or '')} |"
            )
    if report.diagnostics:
        lines += ["", warnings_note(report)]  # our own words: its backticks make code
    return "\n".join(lines) + "\n"
