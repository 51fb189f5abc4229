"""Why a selection matched nothing: the first of its filters no observation got past, with counts.

Each case is built by hand so that exactly one stage of matching (type,
`min_origins`, `min_grade`, entity patterns under the hypothesis's `bind`,
`where`) leaves no observation; the expected words and counts are worked out
from the observations listed, not read off the program.
"""

from __future__ import annotations

from typing import Any

from iandw.render.html import render_html
from iandw.render.markdown import render_markdown
from iandw.render.text import render_text
from worlds import entity, observation, run, source


def indicator(select: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "indicator",
        "id": "ind",
        "title": "ind",
        "select": select,
        "likelihood_ratio": 2,
        **extra,
    }


def hypothesis(**extra: Any) -> dict[str, Any]:
    return {"kind": "hypothesis", "id": "h", "statement": "h", "prior": 0.5, **extra}


def why(documents: list[dict[str, Any]], as_of: str = "2030-01-01") -> dict[str, str]:
    """The only hypothesis's only indicator: its unmatched selections, each with its reason."""
    (item,) = run(documents, as_of=as_of).hypotheses[0].indicators
    assert item.status == "not-fired"
    assert list(item.unmatched_reasons) == item.unmatched_selections
    return item.unmatched_reasons


def test_no_observation_of_the_type_collected_at_all() -> None:
    """Only a meeting was collected: nothing of type 'display', known or not yet known."""
    documents = [
        indicator({"display": {"type": "display"}}),
        observation("m1", "meeting", "2023-01-01", [], [source("s", "B2")]),
        hypothesis(),
    ]
    assert why(documents, as_of="2023-02-01") == {"display": "no observation of type 'display'"}


def test_collected_but_not_yet_reported_is_not_a_gap_in_collection() -> None:
    """d1 (dated 2023-03-01) and d2 (dated 2023-01-15, reported 2023-02-02) are displays, neither
    known on 2023-02-01: two collected, none reported by then; the meeting is of another type."""
    documents = [
        indicator({"display": {"type": "display"}}),
        observation("m1", "meeting", "2023-01-01", [], [source("s", "B2")]),
        observation("d1", "display", "2023-03-01", [], [source("s", "B2")]),
        observation("d2", "display", "2023-01-15", [], [source("s", "B2")], reported="2023-02-02"),
        hypothesis(),
    ]
    assert why(documents, as_of="2023-02-01") == {
        "display": "2 of type 'display', none reported by 2023-02-01"
    }


def test_an_observation_reported_on_no_known_day_is_never_reported_not_late() -> None:
    """d1's date is open-ended and it has no `reported`: collected, and never used, so no
    later as_of brings it in: not "none reported by 2030-01-01"."""
    documents = [
        indicator({"display": {"type": "display"}}),
        observation("d1", "display", "2023-01-01/..", [], [source("s", "B2")]),
        hypothesis(),
    ]
    assert why(documents) == {"display": "1 of type 'display', 1 never reported (open-ended dates)"}


def test_never_reported_and_reported_late_are_said_apart() -> None:
    """On 2023-02-01: d1 (open-ended date, no `reported`) is never reported, d2 (dated 2023-03-01)
    is reported later: 2 displays, 1 of them never, none reported by then."""
    documents = [
        indicator({"display": {"type": "display"}}),
        observation("d1", "display", "2023-01-01/..", [], [source("s", "B2")]),
        observation("d2", "display", "2023-03-01", [], [source("s", "B2")]),
        hypothesis(),
    ]
    assert why(documents, as_of="2023-02-01") == {
        "display": "2 of type 'display', 1 never reported (open-ended dates), none reported by 2023-02-01"
    }


def test_never_reported_is_left_out_of_those_reported_by_the_date() -> None:
    """d1 never reported, d2 reported after 2023-02-01, d3 (dated 2023-01-10) reported by then
    but from one origin, short of min_origins 2: 3 displays, 1 of them reported by the date."""
    documents = [
        indicator({"display": {"type": "display", "min_origins": 2}}),
        observation("d1", "display", "2023-01-01/..", [], [source("s", "B2")]),
        observation("d2", "display", "2023-03-01", [], [source("s", "B2")]),
        observation("d3", "display", "2023-01-10", [], [source("s", "B2")]),
        hypothesis(),
    ]
    assert why(documents, as_of="2023-02-01") == {
        "display": "3 of type 'display', 1 never reported (open-ended dates), "
        "1 of them reported by 2023-02-01, none from at least 2 independent origins (min_origins: 2)"
    }


def test_a_selection_of_any_type_counts_every_observation_not_yet_reported() -> None:
    """No `type`: the meeting and the display both count, and neither is known on 2022-12-31."""
    documents = [
        indicator({"any": {"entities": [{"type": "state"}]}}),
        entity("iran", "state"),
        observation("m1", "meeting", "2023-01-01", ["iran"], [source("s", "B2")]),
        observation("d1", "display", "2023-01-02", ["iran"], [source("s", "B2")]),
        hypothesis(),
    ]
    assert why(documents, as_of="2022-12-31") == {"any": "2 observations, none reported by 2022-12-31"}


def test_two_accounts_of_one_origin_fall_short_of_min_origins() -> None:
    """d1 and d2 each have two sources of the one origin 'osint': 1 origin each, short of 2."""
    echoed = [source("account-a", "C2", "osint"), source("account-b", "C2", "osint")]
    documents = [
        indicator({"display": {"type": "display", "min_origins": 2}}),
        observation("d1", "display", "2023-01-01", [], echoed),
        observation("d2", "display", "2023-01-02", [], echoed),
        hypothesis(),
    ]
    assert why(documents) == {
        "display": "2 of type 'display', none from at least 2 independent origins (min_origins: 2)"
    }


def test_min_grade_after_min_origins_with_the_count_of_each_stage() -> None:
    """s1 (C3, C3) and s2 (B3, C2) have two origins each, s3 one: 2 pass min_origins.

    Neither of those has a source both B or better and 2 or better: none passes min_grade B2.
    """
    documents = [
        indicator({"e": {"type": "signal", "min_origins": 2, "min_grade": "B2"}}),
        observation("s1", "signal", "2023-01-01", [], [source("a", "C3", "x"), source("b", "C3", "y")]),
        observation("s2", "signal", "2023-01-02", [], [source("a", "B3", "x"), source("b", "C2", "y")]),
        observation("s3", "signal", "2023-01-03", [], [source("a", "A1", "x")]),
        hypothesis(),
    ]
    assert why(documents) == {
        "e": "3 of type 'signal', 2 of them from at least 2 independent origins (min_origins: 2), "
        "none with a source graded B2 or better (min_grade: B2)"
    }


PATTERNED = [
    entity("iran", "state"),
    entity("russia", "state"),
    entity("lavrov", "person", member_of=["russia"]),
    indicator(
        {"meeting": {"type": "meeting", "entities": [{"of": "$sponsor"}]}},
        vars={"sponsor": {"type": "state"}},
    ),
    observation("m1", "meeting", "2023-01-01", ["lavrov"], [source("s", "B2")]),
    observation("m2", "meeting", "2023-01-02", ["russia"], [source("s", "B2")]),
]


def test_entity_patterns_are_checked_under_the_hypothesis_bind() -> None:
    """Both meetings are Russia's (one through Lavrov): none is Iran's."""
    assert why([*PATTERNED, hypothesis(bind={"sponsor": "iran"})]) == {
        "meeting": "2 of type 'meeting', none with entities matching its patterns for sponsor=iran"
    }
    (item,) = run([*PATTERNED, hypothesis(bind={"sponsor": "russia"})]).hypotheses[0].indicators
    assert (item.status, item.unmatched_reasons) == ("fired", {})


def test_those_not_yet_reported_are_counted_before_the_stage_that_fails() -> None:
    """m3, Iran's meeting, is reported on 2023-02-02: on 2023-02-01 three meetings were collected, the
    two reported by then are Russia's."""
    late = observation("m3", "meeting", "2023-01-03", ["iran"], [source("s", "B2")], reported="2023-02-02")
    documents = [*PATTERNED, late, hypothesis(bind={"sponsor": "iran"})]
    assert why(documents, as_of="2023-02-01") == {
        "meeting": "3 of type 'meeting', 2 of them reported by 2023-02-01, "
        "none with entities matching its patterns for sponsor=iran"
    }
    (item,) = run(documents, as_of="2023-02-02").hypotheses[0].indicators
    assert (item.status, item.unmatched_reasons) == ("fired", {})


def test_entity_patterns_under_the_bind_come_before_where() -> None:
    """With a `where` after them the patterns are checked, not inferred: still none is Iran's."""
    meeting = {"type": "meeting", "entities": [{"of": "$sponsor"}], "where": {"place": "Tehran"}}
    documents = [*PATTERNED[:3], {**PATTERNED[3], "select": {"meeting": meeting}}, *PATTERNED[4:]]
    assert why([*documents, hypothesis(bind={"sponsor": "iran"})]) == {
        "meeting": "2 of type 'meeting', none with entities matching its patterns for sponsor=iran"
    }
    assert why([*documents, hypothesis(bind={"sponsor": "russia"})]) == {
        "meeting": "2 of type 'meeting', 2 of them with entities matching its patterns for sponsor=russia, "
        "none meeting its 'where' on 'place'"
    }


def test_where_comes_last() -> None:
    """Both attacks name Hamas as perpetrator, neither took place in Gaza."""
    documents = [
        entity("hamas", "armed-group"),
        indicator(
            {
                "attack": {
                    "type": "attack",
                    "entities": [{"entity": "hamas", "role": "perpetrator"}],
                    "where": {"place": "Gaza"},
                }
            }
        ),
        observation(
            "a1", "attack", "2023-01-01", [{"entity": "hamas", "role": "perpetrator"}], place="Sderot"
        ),
        observation("a2", "attack", "2023-01-02", [{"entity": "hamas", "role": "perpetrator"}]),
        observation("a3", "attack", "2023-01-03", [{"entity": "hamas", "role": "victim"}], place="Gaza"),
        hypothesis(),
    ]
    assert why(documents) == {
        "attack": "3 of type 'attack', 2 of them with entities matching its patterns, "
        "none meeting its 'where' on 'place'"
    }


def test_the_where_item_no_observation_meets_is_named() -> None:
    """Items without a variable are checked in the order written, up to the first that none meets;
    those with one come last, together, as matching checks them."""
    where = {"attributes.tonnage": {"at_least": 100}, "place": "Port Alpha", "attributes.owner": "$owner"}
    documents = [
        entity("acme", "company"),
        indicator(
            {"arrival": {"type": "arrival", "where": where}},
            vars={"owner": {"type": "company"}},
        ),
        observation("a1", "arrival", "2023-01-01", [], attributes={"tonnage": 150}, place="Port Beta"),
        observation("a2", "arrival", "2023-01-02", [], attributes={"tonnage": 200}, place="Port Beta"),
        observation("a3", "arrival", "2023-01-03", [], attributes={"tonnage": 50}, place="Port Alpha"),
        hypothesis(),
    ]
    assert why(documents) == {
        "arrival": "3 of type 'arrival', 2 of them meeting its 'where' on 'attributes.tonnage', "
        "none meeting its 'where' on 'place'"
    }
    # a2 now passes both: what remains is the item with a variable, named unchecked
    documents[3] = observation(
        "a2", "arrival", "2023-01-02", [], attributes={"tonnage": 200, "owner": "nobody"}, place="Port Alpha"
    )
    assert why(documents) == {
        "arrival": "3 of type 'arrival', 2 of them meeting its 'where' on 'attributes.tonnage', "
        "1 of them meeting its 'where' on 'place', none meeting its 'where' on 'attributes.owner'"
    }


def test_each_report_says_why_after_the_words_it_said_before() -> None:
    """Two selections unmatched, each with its own reason, in the rule's order."""
    documents = [
        indicator({"display": {"type": "display"}, "parade": {"type": "parade"}}),
        observation("m1", "meeting", "2023-01-01", [], [source("s", "B2")]),
        hypothesis(),
    ]
    report = run(documents)
    line = (
        "no observation matches 'display': no observation of type 'display'; "
        "'parade': no observation of type 'parade'"
    )
    assert f"            {line}\n" in render_text(report)
    assert line in render_markdown(report)
    escaped = line.replace("'", "&#39;")  # as Jinja escapes a quote
    assert f'<span class="why">{escaped}</span>' in render_html(report)


def test_each_stage_names_only_the_fixed_variables_it_uses() -> None:
    """The pattern names $group, the `where` $sponsor: Hamas's meeting passes the pattern, whatever
    the sponsor, and fails the `where` for Iran alone (its sponsor attribute is Russia)."""
    documents = [
        entity("iran", "state"),
        entity("russia", "state"),
        entity("hamas", "armed-group"),
        indicator(
            {
                "meeting": {
                    "type": "meeting",
                    "entities": [{"of": "$group"}],
                    "where": {"attributes.sponsor": "$sponsor"},
                }
            },
            vars={"group": {"type": "armed-group"}, "sponsor": {"type": "state"}},
        ),
        observation(
            "m1", "meeting", "2023-01-01", ["hamas"], [source("s", "B2")], attributes={"sponsor": "russia"}
        ),
    ]
    assert why([*documents, hypothesis(bind={"sponsor": "iran"})]) == {
        "meeting": "1 of type 'meeting', 1 of them with entities matching its patterns, "
        "none meeting its 'where' on 'attributes.sponsor' for sponsor=iran"
    }
    (item,) = run([*documents, hypothesis(bind={"sponsor": "russia"})]).hypotheses[0].indicators
    assert (item.status, item.unmatched_reasons) == ("fired", {})
