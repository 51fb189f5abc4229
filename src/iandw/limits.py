"""Resource limits for untrusted input files (see docs/limits.md)."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one hostile file from exhausting memory or time.

    Each limit has a command-line option of the same name with dashes
    (`--max-file-bytes` …); the defaults are far above any hand-written or
    imported case and far below what would hurt a laptop.
    """

    max_file_bytes: int = 64 * MiB  # a whole YAML or JSON file (JSONL streams)
    max_record_bytes: int = 1 * MiB  # one JSONL line
    max_depth: int = 64  # nesting of mappings and lists in one document
    max_alias_nodes: int = 100_000  # nodes a document may gain through YAML aliases

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_record_bytes", "max_depth", "max_alias_nodes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


DEFAULT_LIMITS = Limits()
