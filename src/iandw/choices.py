"""What a user chooses among, and the words a report answers in, shared by the API and the command line.

Free of imports but `typing`, so that `iandw --help` can offer these
choices and defaults without loading the modules that use them, and so
that the model can name an indicator's status and a warning level in its
types without depending on the rest of the package.
"""

from __future__ import annotations

from typing import Literal, get_args

IndicatorStatus = Literal["fired", "possible", "not-fired"]  # of an indicator's assignment (SPEC §8)
STATUSES: tuple[IndicatorStatus, ...] = get_args(IndicatorStatus)  # strongest first
# the stronger the status, the higher: not-fired 0 < possible 1 < fired 2
STATUS_RANK: dict[IndicatorStatus, int] = {status: rank for rank, status in enumerate(reversed(STATUSES))}
Level = Literal["none", "watch", "warning", "alert"]  # warning levels (SPEC §7)
LEVELS: tuple[Level, ...] = get_args(Level)  # lowest first
FORMATS: tuple[str, ...] = ("text", "markdown", "json", "html")  # of the report (SPEC §8)
SOURCES: tuple[str, ...] = ("gdelt", "acled", "stix")  # what `iandw import` reads (docs/import.md)
TIMELINE_FORMATS: tuple[str, ...] = ("text", "csv", "json", "html", "png", "svg")  # of a timeline
DEFAULT_MAX_MATCHES = 5  # matches and near misses a report lists per group
