"""The outputs of an import: observations as JSON Lines, entities as YAML documents.

Observations are written one line per row as they are converted, so an
import never holds a whole input in memory.  Both files are written to
temporary files beside their targets and moved into place only when the
import succeeds: a failed or strict-rejected import leaves no half-written
output, and an earlier good output is not lost.  Output is deterministic:
the same input gives the same bytes (observations in input order, entities
sorted by id, no timestamps).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any

import yaml

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

ENTITIES_HEADER = (
    "# Entities that imported observations refer to and the rule set did not know.\n"
    "# Written by `iandw import`; ids are stable across imports of the same sources.\n"
)


def observation_line(document: dict[str, Any]) -> str:
    """An observation as one JSONL line, its newline included."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def default_entities_path(observations_path: str) -> str:
    """'out/gdelt.jsonl' → 'out/gdelt.entities.yaml'."""
    return os.path.splitext(observations_path)[0] + ".entities.yaml"


class ImportOutput:
    """Temporary output files, moved into place by `commit` or removed.

    `commit` renames one file and then the other: each rename is atomic, the
    pair is not, so a crash between them leaves the new observations beside
    the old entities.
    """

    def __init__(self, observations_path: str, entities_path: str) -> None:
        self.observations_path = observations_path
        self.entities_path = entities_path
        self._observations = _temporary_beside(observations_path)
        try:
            self._entities = _temporary_beside(entities_path)
        except OSError:
            self.discard()
            raise

    def write_line(self, line: str) -> None:
        """One observation's line (`observation_line`)."""
        self._observations.write(line)

    def write_entities(self, documents: Iterable[dict[str, Any]]) -> None:
        self._entities.write(ENTITIES_HEADER)
        yaml.dump_all(
            documents,
            self._entities,
            Dumper=_Dumper,
            explicit_start=True,
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )

    def commit(self) -> None:
        """Move both files into place, the observations first."""
        for stream, target in (
            (self._observations, self.observations_path),
            (self._entities, self.entities_path),
        ):
            stream.close()
            os.replace(stream.name, target)

    def discard(self) -> None:
        for stream in (self._observations, getattr(self, "_entities", None)):
            if stream is None:
                continue
            stream.close()
            if os.path.exists(stream.name):
                os.unlink(stream.name)

    def __enter__(self) -> ImportOutput:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.discard()


def _temporary_beside(path: str) -> IO[str]:
    """A new hidden file in the target's directory (hidden: `iandw validate` skips it)."""
    directory, name = os.path.split(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)  # `-o out/events.jsonl` into a new directory
        return open(
            os.path.join(directory, f".{name}.{os.getpid()}.tmp"), "x", encoding="utf-8", newline="\n"
        )
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, path) from None
