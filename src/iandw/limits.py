"""Resource limits for untrusted input files (see docs/limits.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

MiB = 1024 * 1024
READ_CHUNK_BYTES = MiB
MAX_LIMIT = 1 << 48  # beyond any machine's memory: a larger limit means the same, and still fits an index


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
            value = getattr(self, name)
            if type(value) is not int or not 1 <= value <= MAX_LIMIT:  # not a bool, not 1.5
                raise ValueError(f"{name} must be a whole number from 1 to {MAX_LIMIT}, not {value!r}")


DEFAULT_LIMITS = Limits()

# Evaluation, not reading: the variable assignments (groups) one indicator may
# consider, in one observation or in all (`--max-assignments`; iandw.engine.match).
# Free variables bound over one crowded observation multiply: a meeting naming
# 600 states' officials makes 600 × 599 (sponsor, partner) groups, each to
# evaluate and report (147 s, 3 GB).
MAX_ASSIGNMENTS = 200_000


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to `limit` + 1 bytes: one more than the limit tells that the file is over it.

    Read a chunk at a time: `stream.read(limit + 1)` would reserve the whole
    limit at once, and a limit may be as large as a user likes.
    """
    chunks = []
    left = limit + 1
    while left > 0 and (chunk := stream.read(min(left, READ_CHUNK_BYTES))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
