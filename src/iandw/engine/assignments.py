"""Variable assignments: what matching builds, and what groups are keyed by.

An assignment gives some of an indicator's variables one entity id each.
Matching builds them, joining partitions observations by them, and every
result names its group by one.
"""

from __future__ import annotations

from collections.abc import Iterable

Assignment = dict[str, str]
VarsKey = tuple[tuple[str, str], ...]  # an assignment as a key


def vars_key(assignment: Assignment) -> VarsKey:
    return tuple(sorted(assignment.items()))


def agrees(assignment: Assignment, fixed: Assignment) -> bool:
    """Whether the assignment leaves each fixed variable free or gives it its fixed value."""
    return all(assignment.get(name, value) == value for name, value in fixed.items())


def distinct_assignments(assignments: Iterable[Assignment]) -> list[Assignment]:
    """Each assignment once, in the order first met."""
    found: list[Assignment] = []
    seen: set[VarsKey] = set()
    for assignment in assignments:
        key = vars_key(assignment)
        if key not in seen:
            seen.add(key)
            found.append(assignment)
    return found
