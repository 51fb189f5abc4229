"""Why an indicator stands as it does under some variables, in the words reports and rule tests share.

What answers it is chosen once, by `evidence`: the best match when the
indicator fired or may have; else its nearest misses, each with the checks
that ruled it out; else, per selection no observation met, why; else that
every selection met some observation but none fit one binding.  Each reader
lays the choice out in its own form: the renderers for people
(iandw.render.words, the page's template) and a failing rule test in one
line (iandw.ruletests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from iandw.model.report import Match

# Why not, when every selection matches some observation but no binding exists.
NO_BINDING = (
    "each selection matches some observation, but they never fit one binding: "
    "they disagree on a variable they share, or would need one observation or one entity twice"
)


@dataclass(frozen=True)
class Evidence:
    """What `evidence` chose: only the first of these that applies is set."""

    match: Match | None = None  # the best match: the indicator fired or may have
    near_misses: Sequence[Match] = ()  # else the nearest misses, closest first
    why_not: str = ""  # else the selections nothing met and why, or that none fit one binding


def evidence(
    matches: Sequence[Match], near_misses: Sequence[Match], unmatched: Mapping[str, str]
) -> Evidence:
    """The first of `matches`; else the `near_misses`; else why each selection `unmatched` met nothing.

    Else NO_BINDING: an indicator without a match did not fire, as a
    status of fired or possible is that of its best match.
    """
    if matches:
        return Evidence(match=matches[0])
    if near_misses:
        return Evidence(near_misses=near_misses)
    if unmatched:
        return Evidence(why_not=_unmatched_text(unmatched))
    return Evidence(why_not=NO_BINDING)


def _unmatched_text(reasons: Mapping[str, str]) -> str:
    """ "no observation matches 'display': 2 of type 'display', none from …": each selection with its why."""
    return "no observation matches " + "; ".join(f"{name!r}: {why}" for name, why in reasons.items())


def failed_checks(match: Match) -> str:
    """What ruled a near miss out: the detail of each check that failed."""
    return _details(match, "false")


def uncertain_checks(match: Match) -> str:
    """What keeps a possible match from firing: the detail of each check the dates leave open."""
    return _details(match, "possible")


def _details(match: Match, status: str) -> str:
    return "; ".join(c.detail for c in match.checks if c.status == status)


def vars_text(vars: Mapping[str, str]) -> str:
    """'group=hamas, sponsor=iran': an assignment, its variables in order."""
    return ", ".join(f"{k}={v}" for k, v in sorted(vars.items()))
