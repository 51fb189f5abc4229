"""Large JSONL files read on every core, with the result of reading them on one.

Parsing and typing a JSONL line costs tens of microseconds of Python; a
million lines are most of a large run.  A large file is cut into byte
ranges at line starts, many more than there are cores.  This process reads
them from the front, in order, while forked workers take them from the
back; each worker sends back, per line and in order, either the reduced
fields of a plain observation (`PlainFields`, plain data: cheap to send) or
the line's position, for this process to read again.  When this process
comes to a range no worker has started, it reads that range itself; so all
end together however fast each is, and no one waits long for another.
Everything that is not a plain observation — an entity, a line with an
error, a blank line's absence — is thus decided by the ordinary code path,
in this process, with the same diagnostics; the workers only save time.

A worker that fails for any reason (no fork on this platform, killed,
out of memory) costs nothing but time: its ranges are read here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, BinaryIO

from iandw.both_ends import BothEnds, process_count
from iandw.diagnostics import Diagnostic, Span
from iandw.limits import Limits, MiB
from iandw.loader.fast import PlainFields
from iandw.loader.json_reader import (
    JsonlLine,
    bounded_lines,
    jsonl_line_items,
    jsonl_range,
    with_plain_fields,
)
from iandw.loader.observations import ObservationInput
from iandw.loader.source import RawDocument

CHUNK_MIN_BYTES = 4 * MiB  # about half a second of reading: smaller ranges would not pay for their messages
RANGES_PER_PROCESS = 32  # small ranges: this process waits at most for the two a worker holds


def chunk_bounds(stream: BinaryIO, size: int, parts: int) -> list[tuple[int, int]]:
    """About `parts` byte ranges of the file, each starting at a line start."""
    starts = [0]
    for part in range(1, parts):
        start = _next_line_start(stream, max(size * part // parts - 1, starts[-1]))
        if start is None or start >= size:
            break
        if start > starts[-1]:
            starts.append(start)
    return list(zip(starts, [*starts[1:], size], strict=True))


SCAN_BYTES = 1 << 16  # read this much at a time looking for a line's end: one line may be huge


def _next_line_start(stream: BinaryIO, position: int) -> int | None:
    """Where the line after the one holding byte `position` starts; None at the end of the file."""
    stream.seek(position)
    while block := stream.read(SCAN_BYTES):
        newline = block.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(block)
    return None


def split_for(size: int, workers: int | None) -> tuple[int, int]:
    """How many ranges to cut a file of `size` bytes into, and how many forked workers read them.

    `workers` counts the processes that read, this one included (default:
    one per core); (1, 0) means reading the file here alone.
    """
    processes = process_count(workers)
    ranges = min(processes * RANGES_PER_PROCESS, size // CHUNK_MIN_BYTES)
    if processes < 2 or ranges < 2:
        return 1, 0
    return ranges, min(processes - 1, ranges - 1)


# Per line of a range, in order: the line's number (within the range) and
# offset, followed by the fields of a plain observation if it holds one;
# just (number, offset) for a line this process must read itself.  Plain
# tuples, as what a worker sends back must be (iandw.both_ends).
Entry = tuple[Any, ...]

# What a worker found in one range: how many lines it has, and their entries.
Chunk = tuple[int, list[Entry]]


def read_chunk(real: str, start: int, end: int, limits: Limits) -> Chunk:
    """Run in a worker: the plain observations of one range, and where everything else is."""
    entries: list[Entry] = []
    lines = 0
    with open(real, "rb") as stream:
        stream.seek(start)
        numbered = bounded_lines(stream, limits.max_record_bytes, start, end)
        for number, offset, raw, fields in with_plain_fields(numbered, limits.max_depth):
            lines = number
            if raw is not None and not raw.strip():
                continue  # blank: nothing to report
            entries.append((number, offset) if fields is None else (number, offset, *fields))
    return lines, entries


def read_jsonl_in_parts(
    stream: BinaryIO, real: str, file: str, ranges: list[tuple[int, int]], pool_size: int, limits: Limits
) -> Iterator[RawDocument | Diagnostic | ObservationInput]:
    """What `documents_from_jsonl` yields for the whole file, with plain observations typed by workers.

    `stream` is the open file: the ranges no worker read and the lines a
    worker left to this process are read through it.
    """
    read_range = functools.partial(_read_range, real, ranges, limits)
    with BothEnds(read_range, len(ranges), pool_size) as workers:
        base = 0
        found = False
        for (start, end), chunk in zip(ranges, workers.results(), strict=True):
            if chunk is None:  # the first range, one no worker started, or a worker's that failed
                stream.seek(start)
                lines, found_here = yield from jsonl_range(stream, file, real, limits, start, end, base)
                base += lines
                found = found or found_here
                continue
            lines, entries = chunk
            for entry in entries:
                line = JsonlLine(real, file, base + entry[0], entry[1], limits)
                if len(entry) > 2:
                    fields: PlainFields = entry[2:]  # in their order: no need to name them
                    yield ObservationInput(*fields, line, line)
                else:
                    yield from jsonl_line_items(line.read_from(stream), line, None)  # not plain
            found = found or bool(entries)
            base += lines
        if not found:
            yield Span(file).warning("empty file")


def _read_range(real: str, ranges: list[tuple[int, int]], limits: Limits, index: int) -> Chunk:
    start, end = ranges[index]
    return read_chunk(real, start, end, limits)
