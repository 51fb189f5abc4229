"""A small world, scored by hand end to end (SPEC §6, §7).

Four indicators, two hypotheses (one fully bound, one with a free group), as
of 2023-10-15.  Every number below is worked out from the SPEC's tables:
R = {A .9, B .7, C .5, D .3, E .1}, C = {1 .9, 2 .7, 3 .5, 4 .3, 5 .1}.
"""

from __future__ import annotations

import math

import pytest

from worlds import entity, observation, run, source

TOL = 1e-9
AS_OF = "2023-10-15"


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- confidences of the observations, by hand ---------------------------------------
C_M1 = 1 - (1 - 0.7 * 0.7) * (1 - 0.5 * 0.5)  # B2 (TASS) + C3 (Hamas site): 1 − .51·.75 = .6175
C_A1 = 0.9 * 0.9  # A1: .81
C_M3 = 0.7 * 0.5  # B3: .35
C_D1 = 0.5 * 0.7  # C2: .35
C_D2 = 0.3 * 0.5  # D3: .15
C_T1 = 1 - (1 - 0.9 * 0.9) * (1 - 0.1 * 0.1)  # A1 (u) + E5 (v): 1 − .19·.99 = .8119
C_S1 = 0.7 * 0.7  # B2: .49
C_S2 = 0.5 * 0.5  # C3: .25

DOCUMENTS = [
    {"kind": "scale", "id": "level", "values": ["official", "deputy-minister", "minister"]},
    entity("russia", "state", name="Russian Federation"),
    entity("iran", "state"),
    entity("hamas", "armed-group", name="Hamas"),
    entity("pij", "armed-group", name="Palestinian Islamic Jihad"),
    entity("russia-mfa", "ministry", member_of=["russia"]),
    entity("bogdanov", "person", member_of=["russia-mfa"], attributes={"level": "deputy-minister"}),
    entity("irgc", "military", member_of=["iran"]),
    entity("qaani", "person", member_of=["irgc"], attributes={"level": "minister"}),
    entity("kornet", "weapon", attributes={"made_in": "Russian Federation"}),
    entity("fajr-5", "weapon", attributes={"made_in": "iran"}),
    # I1
    {
        "kind": "indicator",
        "id": "meeting-before-attack",
        "title": "Sponsor officials met the group shortly before its attack",
        "vars": {"sponsor": {"type": "state"}, "group": {"type": "armed-group"}},
        "select": {
            "meeting": {
                "type": "meeting",
                "entities": [{"of": "$sponsor", "level": {"at_least": "deputy-minister"}}, {"of": "$group"}],
            },
            "attack": {"type": "attack", "entities": [{"of": "$group", "role": "perpetrator"}]},
        },
        "require": [{"first": "meeting", "then": "attack", "within": "12w"}],
        "likelihood_ratio": 3,
        "absent_likelihood_ratio": 0.8,
    },
    # I2
    {
        "kind": "indicator",
        "id": "weapons-displayed",
        "title": "The group displayed weapons made in the sponsor state",
        "vars": {"sponsor": {"type": "state"}, "group": {"type": "armed-group"}},
        "select": {
            "display": {
                "type": "display",
                "entities": [{"of": "$group"}, {"type": "weapon", "made_in": "$sponsor"}],
            }
        },
        "likelihood_ratio": 1.5,
    },
    # I3
    {
        "kind": "indicator",
        "id": "financing",
        "title": "Money reached the group (two independent origins)",
        "vars": {"group": {"type": "armed-group"}},
        "select": {
            "transfer": {
                "type": "transfer",
                "entities": [{"of": "$group", "role": "recipient"}],
                "min_origins": 2,
            }
        },
        "likelihood_ratio": 2,
        "absent_likelihood_ratio": 0.5,
    },
    # I4
    {
        "kind": "indicator",
        "id": "statement-recent",
        "title": "The sponsor made a statement in the last 30 days",
        "vars": {"sponsor": {"type": "state"}},
        "select": {"statement": {"type": "statement", "entities": [{"of": "$sponsor"}]}},
        "require": [{"first": "statement", "then": "as_of", "within": "30d"}],
        "likelihood_ratio": 4,
    },
    {
        "kind": "hypothesis",
        "id": "russia-hamas",
        "statement": "Russia supported Hamas",
        "bind": {"sponsor": "russia", "group": "hamas"},
        "prior": 0.1,
        "indicators": [
            "meeting-before-attack",
            {"id": "weapons-displayed", "likelihood_ratio": 2.5},
            "financing",
            "statement-recent",
        ],
    },
    {
        "kind": "hypothesis",
        "id": "iran-any-group",
        "statement": "Iran supported an armed group",
        "bind": {"sponsor": "iran"},
        "prior": 0.3,
    },
    # observations
    observation(
        "m1",
        "meeting",
        "2023-09-01",
        ["bogdanov", "Hamas"],
        [source("TASS", "B2"), source("Hamas site", "C3")],
    ),
    observation(
        "a1", "attack", "2023-10-07", [{"entity": "hamas", "role": "perpetrator"}], [source("wire", "A1")]
    ),
    observation(
        "m2",
        "meeting",
        "2023-06-01",
        ["qaani", "pij"],
        [source("IRNA", "A2"), source("IRNA English", "A2", origin="IRNA")],
    ),
    observation(
        "a2", "attack", "2023-09-30", [{"entity": "pij", "role": "perpetrator"}], [source("agency", "B1")]
    ),
    observation("m3", "meeting", "2023-09-20", ["qaani", "hamas"], [source("Al Mayadeen", "B3")]),
    observation("d1", "display", "2023-10-08", ["hamas", "kornet"], [source("video", "C2")]),
    observation("d2", "display", "2023-10-09", ["pij", "fajr-5"], [source("photo", "D3")]),
    observation(
        "t1",
        "transfer",
        "2023-05-01",
        [{"entity": "pij", "role": "recipient"}],
        [source("Treasury", "A1", origin="u"), source("blog", "E5", origin="v")],
    ),
    observation(
        "t2",
        "transfer",
        "2023-05-02",
        [{"entity": "hamas", "role": "recipient"}],
        [source("paper", "B2", origin="a"), source("paper online", "B2", origin="a")],
    ),
    observation("s1", "statement", "2023-09", ["russia"], [source("TASS", "B2")], reported="2023-09-30"),
    observation("s2", "statement", "2023-10-01", ["iran"], [source("IRNA", "C3")]),
    # reported after as_of: must change nothing (it would give russia–pij a fired meeting)
    observation(
        "m4", "meeting", "2023-09-25", ["bogdanov", "pij"], [source("leak", "A1")], reported="2023-10-20"
    ),
]


@pytest.fixture(scope="module")
def report():
    return run(DOCUMENTS, as_of=AS_OF)


def hyp(report, id):
    (found,) = [h for h in report.hypotheses if h.id == id]
    return found


def entries(h):
    return {e.id: e for e in h.indicators}


def test_indicator_groups(report):
    found = {
        i.id: {tuple(sorted(g.vars.items())): (g.status, g.confidence) for g in i.groups}
        for i in report.indicators
    }
    expected = {
        "financing": {(("group", "pij"),): ("fired", C_T1)},  # t2 has one origin only
        "meeting-before-attack": {
            # m1 → a1: 2023-10-07 − 2023-09-01 = 36 ≤ 84
            (("group", "hamas"), ("sponsor", "russia")): ("fired", C_M1 * C_A1),
            # m3 → a1: 17 days
            (("group", "hamas"), ("sponsor", "iran")): ("fired", C_M3 * C_A1),
            # iran–pij: m2 → a2 is 121 days (not fired, not listed); russia–pij: m4 not yet reported
        },
        # as_of − 2023-09 = 15..44 against 0..30 → possible (c′ = .49); 2023-10-01 → 14 → fired
        "statement-recent": {
            (("sponsor", "russia"),): ("possible", C_S1),
            (("sponsor", "iran"),): ("fired", C_S2),
        },
        "weapons-displayed": {
            (("group", "hamas"), ("sponsor", "russia")): ("fired", C_D1),
            (("group", "pij"), ("sponsor", "iran")): ("fired", C_D2),
        },
    }
    assert found.keys() == expected.keys()
    for id, groups in expected.items():
        assert found[id].keys() == groups.keys(), id
        for key, (status, confidence) in groups.items():
            assert found[id][key][0] == status, (id, key)
            assert found[id][key][1] == pytest.approx(confidence, abs=TOL), (id, key)


def test_bound_hypothesis(report):
    h = hyp(report, "russia-hamas")
    e = entries(h)
    d_meeting = C_M1 * C_A1 * math.log(3)  # .500175 · ln 3 ≈ .5495
    d_weapons = C_D1 * math.log(2.5)  # per-hypothesis LR 2.5: .35 · ln 2.5 ≈ .3207
    d_financing = math.log(0.5)  # not fired for hamas: absent LR
    d_statement = 0.0  # possible
    assert {k: v.status for k, v in e.items()} == {
        "meeting-before-attack": "fired",
        "weapons-displayed": "fired",
        "financing": "not-fired",
        "statement-recent": "possible",
    }
    assert e["meeting-before-attack"].delta_log_odds == pytest.approx(d_meeting, abs=TOL)
    assert e["weapons-displayed"].delta_log_odds == pytest.approx(d_weapons, abs=TOL)
    assert e["financing"].delta_log_odds == pytest.approx(d_financing, abs=TOL)
    assert e["statement-recent"].delta_log_odds == d_statement
    assert e["statement-recent"].what_if_delta_log_odds == pytest.approx(C_S1 * math.log(4), abs=TOL)
    assert e["financing"].confidence == 0
    assert e["statement-recent"].confidence == pytest.approx(C_S1, abs=TOL)

    base = logit(0.1)
    total = d_meeting + d_weapons + d_financing + d_statement
    posterior = sigma(base + total)  # σ(−2.1972 − 0.1771 + …) ≈ 0.117
    assert h.posterior == pytest.approx(posterior, abs=TOL)
    assert 0.05 <= posterior < 0.20
    assert (h.likelihood, h.level) == ("very unlikely", "none")

    sensitivity = {s.indicator: s.posterior_without for s in h.sensitivity}
    assert sensitivity == pytest.approx(
        {
            "meeting-before-attack": sigma(base + total - d_meeting),
            "weapons-displayed": sigma(base + total - d_weapons),
            "financing": sigma(base + total - d_financing),
        },
        abs=TOL,
    )
    assert h.shared_evidence == []


def test_hypothesis_with_a_free_variable(report):
    h = hyp(report, "iran-any-group")
    e = entries(h)
    assert list(e) == ["financing", "meeting-before-attack", "statement-recent", "weapons-displayed"]
    # each indicator takes its own strongest assignment of the free group
    assert {k: (v.status, v.vars) for k, v in e.items()} == {
        "financing": ("fired", {"group": "pij"}),
        "meeting-before-attack": ("fired", {"group": "hamas", "sponsor": "iran"}),
        "statement-recent": ("fired", {"sponsor": "iran"}),
        "weapons-displayed": ("fired", {"group": "pij", "sponsor": "iran"}),
    }
    deltas = {
        "financing": C_T1 * math.log(2),  # .8119 · ln 2 ≈ .5628
        "meeting-before-attack": C_M3 * C_A1 * math.log(3),  # .2835 · ln 3 ≈ .3115
        "statement-recent": C_S2 * math.log(4),  # .25 · ln 4 ≈ .3466
        "weapons-displayed": C_D2 * math.log(1.5),  # .15 · ln 1.5 ≈ .0608
    }
    for id, delta in deltas.items():
        assert e[id].delta_log_odds == pytest.approx(delta, abs=TOL), id
        assert e[id].what_if_delta_log_odds is None
    base = logit(0.3)
    total = sum(deltas.values())
    posterior = sigma(base + total)  # σ(−0.8473 + 1.2817) ≈ 0.607
    assert h.posterior == pytest.approx(posterior, abs=TOL)
    assert 0.55 <= posterior < 0.80
    assert (h.likelihood, h.level) == ("likely", "warning")
    sensitivity = {s.indicator: s.posterior_without for s in h.sensitivity}
    assert sensitivity == pytest.approx({id: sigma(base + total - d) for id, d in deltas.items()}, abs=TOL)
    assert h.shared_evidence == []


def test_report_level_and_inputs(report):
    assert report.level == "warning"  # the highest of none and warning
    assert report.inputs.indicators == 4
    assert report.inputs.hypotheses == 2


def test_observation_confidences_in_the_trace(report):
    traced = {o.id: o.confidence for o in report.observations}
    expected = {
        "m1": C_M1,
        "a1": C_A1,
        "m3": C_M3,
        "d1": C_D1,
        "d2": C_D2,
        "t1": C_T1,
        "s1": C_S1,
        "s2": C_S2,
    }
    for id, confidence in expected.items():
        assert traced[id] == pytest.approx(confidence, abs=TOL), id
    assert "m4" not in traced  # reported after as_of


def test_the_late_report_would_have_mattered():
    later = run(DOCUMENTS, as_of="2023-10-20")
    (meeting,) = [i for i in later.indicators if i.id == "meeting-before-attack"]
    keys = {tuple(sorted(g.vars.items())) for g in meeting.groups}
    # m4 (2023-09-25) → a2 (2023-09-30): 5 days, definite
    assert (("group", "pij"), ("sponsor", "russia")) in keys
    # and the statement of 2023-09 is now 20..49 days old: still possible against 0..30
    (statement,) = [i for i in later.indicators if i.id == "statement-recent"]
    assert {g.vars["sponsor"]: g.status for g in statement.groups} == {"russia": "possible", "iran": "fired"}
