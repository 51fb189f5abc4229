"""What a user chooses among, shared by the API and the command line.

Free of imports, so that `iandw --help` can offer these choices and
defaults without loading the modules that use them.
"""

from __future__ import annotations

LEVELS: tuple[str, ...] = ("none", "watch", "warning", "alert")  # warning levels, lowest first (SPEC §7)
FORMATS: tuple[str, ...] = ("text", "markdown", "json", "html")  # of the report (SPEC §8)
SOURCES: tuple[str, ...] = ("gdelt", "acled", "stix")  # what `iandw import` reads (docs/import.md)
TIMELINE_FORMATS: tuple[str, ...] = ("text", "csv", "json", "html", "png", "svg")  # of a timeline
DEFAULT_MAX_MATCHES = 5  # matches and near misses a report lists per group
