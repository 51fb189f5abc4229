"""A terminal summary that can be read in ten seconds.

First the overall level and each hypothesis on one line; then, per
hypothesis, what moved it (fired indicators with their strongest evidence),
what might (possible ones), why the rest did not, and how sensitive the
posterior is to each indicator.
"""

from __future__ import annotations

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


def render_text(report: Report, near_misses: int = NEAR_MISSES_SHOWN) -> str:
    """`near_misses`: listed per indicator that did not fire, the rest counted.

    No percentage is rounded across a threshold of the report's `levels` (`words.percent`).
    """
    edges = band_edges(report.levels)
    observations = observations_by_id(report)
    lines = [
        f"iandw — as of {report.as_of} — level: {report.level.upper()}",
        f"read {inputs_read(report.inputs, report.as_of)}",
        *filter(None, [levels_changed(report.levels)]),
        "",
    ]
    width = max((len(h.id) for h in report.hypotheses), default=0)
    shown = [(percent(h.prior, edges), percent(h.posterior, edges)) for h in report.hypotheses]
    # '100%', or '79.9%' by an edge (words.percent): the column is as wide as its widest
    column = max([4, *(len(text) for pair in shown for text in pair)])
    for hypothesis, (prior, posterior) in zip(report.hypotheses, shown, strict=True):
        lines.append(
            f"  {hypothesis.id:<{width}}  {prior:>{column}} → {posterior:>{column}}"
            f"  {hypothesis.likelihood:<19}  {hypothesis.level}"
        )
    for hypothesis in report.hypotheses:
        lines += ["", f"{hypothesis.id}: {one_line(hypothesis.statement)}"]
        for item in strongest_first(hypothesis.indicators):
            lines.append(
                f"  {STATUS_LABEL[item.status]:<9} {item.id} ({vars_text(item.vars)}) {contribution(item)}"
            )
            found = evidence(item.matches, item.near_misses, item.unmatched_reasons)
            if found.match is not None:
                lines.append(f"            {match_line(found.match, observations)}")
                uncertain = uncertain_checks(found.match)
                if uncertain:
                    lines.append(f"            uncertain: {uncertain}")
                more = more_matches(item)
                if more:
                    lines.append(f"            {more}")
            else:
                lines += [
                    f"            {reason}" for reason in why_not(found, item, observations, near_misses)
                ]
        if hypothesis.sensitivity:
            without = ", ".join(
                f"{s.indicator} {percent(s.posterior_without, edges)}" for s in hypothesis.sensitivity
            )
            lines.append(f"  without: {without}")
        for shared in hypothesis.shared_evidence:
            lines.append(
                f"  caution: {shared.observation} is counted {len(shared.indicators)} times, "
                f"by {', '.join(shared.indicators)}"
            )
    if report.diagnostics:
        lines += ["", warnings_note(report)]
    return "\n".join(lines) + "\n"
