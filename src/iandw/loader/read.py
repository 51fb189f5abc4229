"""One input file to raw documents, by its extension; any file read whole within its limit."""

from __future__ import annotations

import os
from collections.abc import Iterator

from iandw.diagnostics import Diagnostic, Span
from iandw.limits import Limits, read_at_most
from iandw.loader.files import InputFile
from iandw.loader.json_reader import documents_from_json, documents_from_jsonl
from iandw.loader.observations import ObservationInput
from iandw.loader.parallel import chunk_bounds, read_jsonl_in_parts, split_for
from iandw.loader.source import RawDocument
from iandw.loader.text import BOM, decode_utf8, wide_encoding_error
from iandw.loader.yaml_reader import documents_from_yaml

STREAMED_INSTEAD = " (JSONL files are streamed and have no such limit)"


def read_whole(path: str, max_bytes: int, real: str | None = None, instead: str = "") -> bytes | Diagnostic:
    """The bytes of a file read whole, without a byte-order mark; or the error that keeps it unread:
    it is larger than `max_bytes` (`instead` says what else the user can do), or UTF-16 or UTF-32.

    `path` is the file as diagnostics name it, `real` where it is on disk, if
    elsewhere.  Opening or reading it may raise OSError, which each reader
    words for what it reads.
    """
    where = Span(path)
    size = os.path.getsize(real or path)
    if size > max_bytes:
        return where.error(
            f"file is {size} bytes, larger than the limit of {max_bytes}; see --max-file-bytes{instead}"
        )
    with open(real or path, "rb") as stream:
        raw = read_at_most(stream, max_bytes)
    if len(raw) > max_bytes:  # it grew since its size was read, or it is a pipe, which has no size
        return where.error(
            f"file is larger than the limit of {max_bytes} bytes; see --max-file-bytes{instead}"
        )
    return wide_encoding_error(raw[:4], path) or raw.removeprefix(BOM)


def read_file(
    file: InputFile, limits: Limits, workers: int | None = None
) -> Iterator[RawDocument | Diagnostic | ObservationInput]:
    """Every document of the file, in file order, and every problem found.

    A JSONL file's problems come among its lines, where they occur; a YAML or
    JSON file is parsed whole, so all its problems come before its documents.
    A large JSONL file is read by up to `workers` processes (default: one per
    core), with the same result (iandw.loader.parallel).
    """
    where = Span(file.path)
    try:
        if file.extension == ".jsonl":
            with open(file.real, "rb") as stream:
                if wide := wide_encoding_error(stream.read(4), file.path):
                    yield from _unread(wide)
                    return
                size = os.fstat(stream.fileno()).st_size
                parts, pool_size = split_for(size, workers)
                ranges = chunk_bounds(stream, size, parts) if parts > 1 else []
                if len(ranges) > 1:
                    yield from read_jsonl_in_parts(stream, file.real, file.path, ranges, pool_size, limits)
                else:
                    stream.seek(0)
                    yield from documents_from_jsonl(stream, file.path, file.real, limits)
            return
        raw = read_whole(file.path, limits.max_file_bytes, file.real, STREAMED_INSTEAD)
    except OSError as exc:
        yield from _unread(where.error(f"cannot read file: {exc.strerror or exc}"))
        return
    if isinstance(raw, Diagnostic):
        yield from _unread(raw)
        return
    if not raw.strip():
        yield where.warning("empty file")
        return
    if file.extension == ".json":
        documents, diagnostics = documents_from_json(raw, file.path, limits)
    else:
        text, problem = decode_utf8(raw, file.path)
        if problem is not None:
            yield from _unread(problem)
            return
        documents, diagnostics = documents_from_yaml(text, file.path, limits)
    if not documents and not diagnostics:
        yield where.warning("no documents in this file (only comments?)")
    yield from diagnostics
    yield from documents


def _unread(problem: Diagnostic) -> Iterator[Diagnostic | RawDocument]:
    """A file, or the rest of one, that could not be read: its error, and what stands for its documents."""
    yield problem
    yield RawDocument.unread(Span(problem.file, problem.line, problem.column))
