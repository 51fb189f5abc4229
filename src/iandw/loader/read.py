"""One input file to raw documents, by its extension."""

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
        size = os.path.getsize(file.real)
        if size > limits.max_file_bytes:
            yield from _unread(
                where.error(
                    f"file is {size} bytes, larger than the limit of {limits.max_file_bytes}; "
                    "see --max-file-bytes (JSONL files are streamed and have no such limit)"
                )
            )
            return
        with open(file.real, "rb") as stream:
            raw = read_at_most(stream, limits.max_file_bytes)
    except OSError as exc:
        yield from _unread(where.error(f"cannot read file: {exc.strerror or exc}"))
        return
    if len(raw) > limits.max_file_bytes:  # it grew since its size was read
        limit = limits.max_file_bytes
        yield from _unread(
            where.error(f"file is larger than the limit of {limit} bytes; see --max-file-bytes")
        )
        return
    if wide := wide_encoding_error(raw[:4], file.path):
        yield from _unread(wide)
        return
    raw = raw.removeprefix(BOM)
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
