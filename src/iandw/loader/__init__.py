"""Files to a checked `Case`, with every problem found on the way.

    result = load(["observations/"], rules="rules/")
    for diagnostic in result.diagnostics: print(diagnostic.format())
    if result.ok: report = evaluate(result.case)

Reading never stops at the first problem: every file is read, every
document typed and every reference checked, so one run lists everything a
user must fix, and valid documents are never dropped because another is bad.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iandw.diagnostics import Diagnostic, Span, has_errors, shown
from iandw.limits import DEFAULT_LIMITS, Limits
from iandw.loader.checks import build_case
from iandw.loader.files import InputFile, find_files
from iandw.loader.json_reader import JsonlLine
from iandw.loader.lint import lint
from iandw.loader.observations import ObservationInput
from iandw.loader.read import read_file
from iandw.loader.references import Broken
from iandw.loader.repair import Repairs
from iandw.loader.source import RawDocument
from iandw.loader.typed import LoadedDocuments, type_document
from iandw.model.case import Case
from iandw.model.documents import Observation
from iandw.runtime import paused_gc

__all__ = ["DEFAULT_LIMITS", "Limits", "LoadResult", "load", "load_documents"]


@dataclass
class LoadResult:
    """The case and every diagnostic, sorted by file and position.

    `loaded` keeps, per kind, the documents that were kept (the first of each
    id) with where they came from: typed lists (`loaded.indicators`,
    `loaded.entities`, …), also read by kind (`loaded["indicator"]`).
    Observations are kept lean: as the engine's `ObservationRecord`, or as an
    `ObservationInput` when a reference did not resolve; either reads its
    full document again on demand (`.document`).
    """

    case: Case
    diagnostics: list[Diagnostic] = field(default_factory=list)
    loaded: LoadedDocuments = field(default_factory=LoadedDocuments)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def counts(self) -> dict[str, int]:
        """Documents read per kind."""
        return {kind: len(items) for kind, items in sorted(self.loaded.items())}


PROGRESS_EVERY_LINES = 4096  # JSONL lines between two progress reports within a file


def load(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = ("observations",),
    rules: str | os.PathLike[str] | None = "rules",
    limits: Limits = DEFAULT_LIMITS,
    lints: bool = True,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    rules_required: bool = True,
) -> LoadResult:
    """Read, type and check every document under `paths` and `rules`.

    Indicators, hypotheses, scales and scoring are taken from `rules` only
    (an error anywhere else): observation files are untrusted, and a feed
    must not change what it is judged by.  With `rules=None`, `paths` hold
    everything.  Documents are typed as they are read, so a large JSONL
    file is never held in memory as parsed JSON.  `progress`, if given, is called now and
    then with (bytes read, total bytes).  A large JSONL file is read by up
    to `workers` processes (default: one per core; 1: this process alone),
    with the same result (iandw.loader.parallel).  A single path may be
    given alone: `load("case")` reads the directory, not its letters.
    A missing `rules` directory is an error, or with `rules_required=False`
    a warning: the observations are then checked alone.
    """
    named = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files, diagnostics = find_files([os.fspath(p) for p in named], warn_empty=True)
    rule_files: set[str] | None = None  # None: `paths` hold everything
    if rules is not None and os.fspath(rules):
        found, problems = _find_rules(os.fspath(rules), rules_required)
        rule_files = {file.real for file in found}
        listed = {file.real for file in files}  # the rules directory may sit inside an observation path
        files += [file for file in found if file.real not in listed]
        diagnostics += problems
    collector = _Collector(diagnostics)
    # `iandw evaluate observation` (a typo) must be one error, not one per reference to its entities
    collector.broken.unread_input = has_errors(diagnostics)
    sizes = [_size(file) for file in files]
    total, done = sum(sizes), 0
    with paused_gc():
        for file, size in zip(files, sizes, strict=True):
            holds_rules = rule_files is None or file.real in rule_files
            for item in read_file(file, limits, workers):
                collector.add(item, holds_rules)
                if progress is not None:
                    line = _line_of(item)  # a JSONL line: report every so many
                    if line is not None and line.number % PROGRESS_EVERY_LINES == 0:
                        progress(done + line.offset, total)
            done += size
            if progress is not None:
                progress(done, total)
        return collector.finish(lints)


def _find_rules(rules: str, required: bool) -> tuple[list[InputFile], list[Diagnostic]]:
    """The rule files; a missing directory is said with what it is for (a new case has none yet)."""
    if os.path.lexists(rules):
        return find_files([rules])
    where = Span(shown(os.path.normpath(rules)))
    if not required:
        return [], [where.warning("no rules directory: the observations were checked alone, without rules")]
    return [], [where.error("no such rules directory: indicators and hypotheses are read from it (--rules)")]


def _line_of(item: RawDocument | Diagnostic | ObservationInput) -> JsonlLine | None:
    if isinstance(item, ObservationInput):  # typed on the fast path, from a JSONL line
        return item.where if isinstance(item.where, JsonlLine) else None
    return item.origin if isinstance(item, RawDocument) else None


def _size(file: InputFile) -> int:
    try:
        return os.path.getsize(file.real)
    except OSError:
        return 0  # reported as unreadable when read


def load_documents(
    documents: Mapping[str, Any] | Iterable[Mapping[str, Any]], name: str = "<documents>", lints: bool = False
) -> LoadResult:
    """Check in-memory documents (dicts as a YAML file would hold them).

    Diagnostics name `name` and the document's position in the sequence as
    its line, since there is no file.  A single mapping is one document
    (not a sequence of its keys).  Text (str or bytes) raises TypeError: it
    is not read as YAML, and its characters are not documents.
    """
    if isinstance(documents, str | bytes | bytearray):
        raise TypeError(
            "load_documents takes documents as mappings, not text: "
            "read YAML with iandw.load, or parse it first"
        )
    if isinstance(documents, Mapping):
        documents = [documents]
    collector = _Collector([])
    for index, document in enumerate(documents):
        # a non-mapping is left to the typer, which reports it where a file's would be
        value = dict(document) if isinstance(document, Mapping) else document
        collector.add(RawDocument(value, name, Span(name, index + 1, 1)))
    return collector.finish(lints)


RULE_KINDS = ("indicator", "hypothesis", "scale", "scoring")


def _misplaced(item: RawDocument, kind: str) -> Diagnostic:
    where = item.span(("kind",)) if isinstance(item.data, dict) and "kind" in item.data else item.span()
    return where.error(
        f"a '{kind}' document outside the rules: indicators, hypotheses, scales and scoring are "
        "read only from the rules directory (--rules), so that no observation file can change "
        "what it is judged by"
    )


def _is_stix_bundle(data: Any) -> bool:
    """A STIX bundle handed over as observations (a `.json` file, read as one observation)."""
    if not isinstance(data, dict) or "kind" in data or data.get("type") != "bundle":
        return False
    identifier = data.get("id")
    return "spec_version" in data or (isinstance(identifier, str) and identifier.startswith("bundle--"))


def _stix_bundle(item: RawDocument) -> Diagnostic:
    """One error for the bundle, saying how to import it, rather than each key it lacks and has."""
    import shlex

    command = f"iandw import stix {shlex.quote(item.file)} -o out.jsonl"
    return item.span().error(
        f"this looks like a STIX bundle, not an iandw document: import it with {command}"
    )


class _Collector:
    """Types each document as it arrives; checks everything together at the end."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.loaded = LoadedDocuments()  # repeated ids still in: build_case drops them
        self.broken = Broken()
        self.repairs = Repairs()  # what the documents that failed typing are still checked for

    def add(self, item: RawDocument | Diagnostic | ObservationInput, holds_rules: bool = True) -> None:
        if isinstance(item, ObservationInput):  # a plain JSONL line, already typed and reduced
            self.loaded.observations.append(item)
            return
        if isinstance(item, Diagnostic):
            self.diagnostics.append(item)
            return
        if item.unparsed:  # what a document with a syntax error says of itself: not "unknown" too
            kind = item.data.get("kind")
            if not holds_rules and kind in RULE_KINDS:  # refused as it will be once it parses
                self.diagnostics.append(_misplaced(item, kind))
            self.broken.add(item)
            return
        line = item.origin  # a JSONL line: keep where it is, not what it says
        document, problems = type_document(item)
        if document is None and _is_stix_bundle(item.data):
            self.diagnostics.append(_stix_bundle(item))
            self.broken.unread_input = True  # its objects, once imported, may be any entity or observation
            return
        self.diagnostics.extend(problems)
        if document is not None and not holds_rules and document.kind in RULE_KINDS:
            self.diagnostics.append(_misplaced(item, document.kind))
            self.broken.add(item)  # what names it is not "unknown" too
        elif document is None:
            self.broken.add(item)
            kind = item.data.get("kind") if isinstance(item.data, dict) else None
            if holds_rules or kind not in RULE_KINDS:  # a rule outside the rules is refused however written
                self.repairs.add(item)
        elif isinstance(document, Observation):
            if line is None:
                self.loaded.observations.append(ObservationInput.of(document, item, None))
            else:
                self.loaded.observations.append(ObservationInput.of(document, line, line))
        else:
            self.loaded.add(document, item)

    def finish(self, lints: bool) -> LoadResult:
        case, problems, observation_lints = build_case(self.loaded, self.broken, self.repairs)
        self.diagnostics.extend(problems)
        if lints:
            self.diagnostics.extend(lint(case, self.loaded, self.broken) + observation_lints)
        result = LoadResult(case, sorted(set(self.diagnostics)), self.loaded)
        case.load_errors = len(result.errors)
        return result
