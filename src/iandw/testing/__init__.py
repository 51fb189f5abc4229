"""Property-test your own indicators: hypothesis strategies and invariant checks.

A rule author's hand-written `tests:` show that an indicator fires on the
cases they thought of.  This kit checks the cases nobody thought of:
`worlds_for` generates small worlds of observations aimed at a rule set's
selections, and the `assert_*` helpers check that the engine's promises
(SPEC §12, as corrected in docs/semantics.md) hold on each of them::

    from hypothesis import given, settings
    from iandw.testing import assert_invariants, read_documents, worlds_for

    RULES = read_documents("rules", "observations/entities")

    @settings(max_examples=50, deadline=None)
    @given(worlds_for(RULES))
    def test_my_rules_keep_the_invariants(world):
        assert_invariants(RULES, world.documents, world.as_of)

Documents are plain mappings, exactly as a YAML file holds them, so a test
can build or tweak them freely.  Everything here is deterministic given its
arguments (random choices take a `random.Random` or a seed), so hypothesis
can shrink a failure to a minimal world.  docs/testing.md has a complete
example and the list of invariants as tested.

Import everything from here.  The kit is split by job: `documents` reads
and evaluates documents and reads a report, `worlds` holds the hypothesis
strategies and the world generator, `transformations` moves and reads
dates exactly, `invariants` compares reports to check each promise, and
`arguments` checks what every helper is given, so that a misuse is refused
where it is made, in the same words everywhere.
"""

from iandw.testing.documents import (
    InvalidDocuments,
    evaluate_documents,
    posterior_of,
    read_documents,
    status_of,
)
from iandw.testing.invariants import (
    assert_deterministic,
    assert_invariants,
    assert_monotone,
    assert_narrowing_safe,
    assert_neutral_indicators,
    assert_no_hindsight,
    assert_permutation_invariant,
    assert_same_origin_source_neutral,
    assert_shift_invariant,
    assert_widening_safe,
    is_no_better_source,
)
from iandw.testing.transformations import shift_date
from iandw.testing.worlds import (
    DEFAULT_DATE_KINDS,
    DEFAULT_START,
    SHIFTABLE_DATE_KINDS,
    DateKind,
    World,
    edtf_dates,
    entities,
    observations,
    sources,
    worlds_for,
)

__all__ = [
    "DEFAULT_DATE_KINDS",
    "DEFAULT_START",
    "SHIFTABLE_DATE_KINDS",
    "DateKind",
    "InvalidDocuments",
    "World",
    "assert_deterministic",
    "assert_invariants",
    "assert_monotone",
    "assert_narrowing_safe",
    "assert_neutral_indicators",
    "assert_no_hindsight",
    "assert_permutation_invariant",
    "assert_same_origin_source_neutral",
    "assert_shift_invariant",
    "assert_widening_safe",
    "edtf_dates",
    "entities",
    "evaluate_documents",
    "is_no_better_source",
    "observations",
    "posterior_of",
    "read_documents",
    "shift_date",
    "sources",
    "status_of",
    "worlds_for",
]
