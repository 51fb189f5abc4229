"""One import, from its arguments to its summary: what `iandw import` runs, and a script may call.

`import_files` finds the inputs, reads the mapping and the entities actors
resolve to, and chooses the source's importer.  The importers say what a
row means; this module decides what happens to it.  Every converted
observation is checked against the same model `iandw validate` uses (and
for a repeated id) before it is written, so the output always validates;
every row that is not written is either an error the user sees (skipped,
with its location and reason) or counted as not an observation by design
(passed).  Nothing is dropped silently.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from iandw.choices import SOURCES
from iandw.diagnostics import Diagnostic, Span, counted, first_few, has_errors, quoted_list, shown
from iandw.importers.acled import AcledImporter
from iandw.importers.entities import EntityBook
from iandw.importers.gdelt import GdeltImporter
from iandw.importers.mapping import (
    AcledMapping,
    GdeltMapping,
    Mapping,
    MappingError,
    StixMapping,
    grade_parts,
    load_mapping,
)
from iandw.importers.outcomes import Converted, Outcome, Passed, Skipped, Unreadable
from iandw.importers.stix import StixImporter
from iandw.importers.writer import ImportOutput, default_entities_path, observation_line
from iandw.limits import DEFAULT_LIMITS, Limits
from iandw.loader import load
from iandw.loader.files import find_files, named_extensions, overwritten
from iandw.model.documents import GRADE_PATTERN, Credibility, Entity, Observation, Reliability
from iandw.model.registry import EntityRegistry

StrPath = str | os.PathLike[str]
# What a directory given as an input is searched for: GDELT's event exports are
# YYYYMMDDHHMMSS.export.CSV, beside its mentions and GKG files, which are not events.
EXTENSIONS = {"gdelt": (".export.csv",), "acled": (".csv",), "stix": (".json",)}


class Importer(Protocol):
    """A source format: its rows or objects as outcomes."""

    unit: str  # what one input item is called in the summary: "row", "object"

    def read(self, path: str, advance: Callable[[int], None]) -> Iterator[Outcome | Diagnostic]:
        """Outcomes in input order; bare diagnostics are warnings not tied to a skip."""
        ...


@dataclass
class ImportSummary:
    """What an import did: counts of what was read, written, skipped (and why) and passed (and
    why), and the diagnostics, unless they went to `on_diagnostic` as they were found."""

    unit: str  # what one input item is called: "row", "object"
    observations_path: str
    entities_path: str
    strict: bool = False
    files: int = 0
    read: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0
    new_entities: int = 0
    known_entities: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failure(self) -> str | None:
        """Why nothing was written, if so: an input that could not be read, or when `strict`
        any skipped row."""
        reasons = []
        if self.unreadable:
            reasons.append(f"{counted(self.unreadable, 'file')} could not be read")
        skipped = sum(self.skipped.values())
        if self.strict and skipped:
            were = "was" if skipped == 1 else "were"
            reasons.append(f"{counted(skipped, self.unit)} {were} skipped (--strict)")
        return ", and ".join(reasons) or None

    def lines(self) -> list[str]:
        """The summary `iandw import` prints."""
        failure = self.failure
        lines = [f"read {counted(self.read, self.unit)} from {counted(self.files, 'file')}"]
        if failure:
            lines.append(f"wrote nothing: {failure}")
        else:
            lines.append(f"wrote {counted(self.written, 'observation')} to {self.observations_path}")
            lines.append(
                f"wrote {counted(self.new_entities, 'new entity')} to {self.entities_path}; "
                f"{counted(self.known_entities, 'known entity')} referenced"
            )
        if self.read:  # of nothing read, nothing was skipped
            skipped = counted(sum(self.skipped.values()), self.unit)
            lines.append(f"skipped {skipped}{_reasons(self.skipped)}")
        if self.passed:
            passed = counted(sum(self.passed.values()), self.unit)
            lines.append(f"{passed} not observations{_reasons(self.passed)}")
        return lines


class ImportArgumentError(ValueError):
    """An argument of `import_files` that cannot be used, named so that a command can name its option."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class CannotImport(Exception):
    """The import did not start, and nothing was read or written: an input directory holds none of
    the source's files, or the mapping cannot be used.

    `diagnostics` says why and where, unless they went to `on_diagnostic` as they were found.
    """

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics) or "see the diagnostics")
        self.diagnostics = diagnostics


def import_files(
    source: str,
    paths: StrPath | Iterable[StrPath],
    output: StrPath,
    *,
    entities_out: StrPath | None = None,
    mapping: StrPath | None = None,
    rules: StrPath | None = "rules",
    known: Iterable[StrPath] | None = None,
    grade: str | None = None,
    strict: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    on_diagnostic: Callable[[Diagnostic], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import `paths` of `source` ("gdelt", "acled" or "stix") as `iandw import` does (docs/import.md).

    `paths` (one, or several) are files, or directories searched for the source's files.  The
    observations go to `output` (.jsonl), the entities they need to
    `entities_out` (default: OUTPUT.entities.yaml).  Actors resolve to the
    entities of `rules` (skipped if it is no directory) and of `known`
    (default: observations/ if it exists); `mapping` is merged over the
    shipped one; `grade` (such as "D4") replaces the mapping's default.
    Nothing is written if an input cannot be read or, when `strict`, if any
    row is skipped: the summary's `failure` says why.

    Each diagnostic goes to `on_diagnostic` as it is found, if given (a
    long import's errors shown as they come, none held); else they are kept
    in the `diagnostics` of the summary returned or the CannotImport raised.
    `on_progress(done, total)` is told the bytes read of all the files.

    Raises ImportArgumentError for an argument that cannot be used (no
    paths, a bad grade, an output named for another format or that is one of the files
    read), CannotImport when an input directory or the mapping cannot be
    used, and OSError when an output cannot be written.
    """
    named = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not named:  # a glob that matched nothing must not empty the output
        raise ImportArgumentError("paths", "no input given: paths is empty, so there is nothing to import")
    observations_path, mapping_path, rules_path = os.fspath(output), _path(mapping), _path(rules)
    kept: list[Diagnostic] = []
    emit = on_diagnostic or kept.append
    entities_path = _checked_arguments(source, observations_path, _path(entities_out), grade)
    outputs = (observations_path, entities_path)
    files, problems = _files([os.fspath(path) for path in named], EXTENSIONS[source], outputs)
    for problem in problems:
        emit(problem)
    if has_errors(problems):
        raise CannotImport(kept)
    # the known observations are not inputs here: importing again into them replaces its own outputs
    read = [*files, *([mapping_path] if mapping_path else []), *([rules_path] if rules_path else [])]
    found = overwritten({"output": observations_path, "entities_out": entities_path}, read)
    if found is not None:
        raise ImportArgumentError(*found)
    try:
        chosen, entity_spans = load_mapping(source, mapping_path, limits.max_file_bytes)
    except MappingError as exc:
        for diagnostic in exc.diagnostics:
            emit(diagnostic)
        raise CannotImport(kept) from None
    known_paths = None if known is None else [os.fspath(path) for path in known]
    book = EntityBook(_registry(rules_path, known_paths, outputs, emit))
    for warning in _unresolved_targets(chosen.entities, entity_spans, book.registry):
        emit(warning)
    importer = _importer(chosen, book, grade_parts(grade or chosen.default_grade), limits, files)
    summary = ImportSummary(importer.unit, *outputs, strict, files=len(files), diagnostics=kept)
    total = sum(os.path.getsize(path) for path in files if os.path.isfile(path))
    done = 0

    def advance(read: int) -> None:
        nonlocal done
        done += read
        if on_progress is not None:
            on_progress(done, total)

    with ImportOutput(*outputs) as out:
        # what `validate` reads back by default, or more if the user reads more
        max_line_bytes = max(limits.max_record_bytes, DEFAULT_LIMITS.max_record_bytes)
        _import_rows(importer, files, book, out, summary, emit, advance, max_line_bytes)
        if summary.failure is None:
            out.commit()
    return summary


def _path(path: StrPath | None) -> str | None:
    return None if path is None else os.fspath(path)


def _checked_arguments(source: str, output: str, entities_out: str | None, grade: str | None) -> str:
    """The entities file, once the arguments are known to be usable: checked before any work."""
    if source not in SOURCES:
        raise ImportArgumentError("source", f"{source!r} is not a source: one of {quoted_list(SOURCES)}")
    if grade is not None and not re.fullmatch(GRADE_PATTERN, grade):
        raise ImportArgumentError(
            "grade",
            f"{grade!r} is not a grade: a reliability letter A-F then a credibility digit 1-6, such as D4",
        )
    _check_extension("output", output, (".jsonl",), "the observations are written as JSON Lines")
    _check_extension("entities_out", entities_out, (".yaml", ".yml"), "the entities are written as YAML")
    entities_path = entities_out or default_entities_path(output)
    if os.path.realpath(entities_path) == os.path.realpath(output):
        raise ImportArgumentError(
            "entities_out",
            f"{entities_out!r} is the observations file (-o); the entities need a file of their own",
        )
    return entities_path


def _check_extension(argument: str, path: str | None, extensions: tuple[str, ...], written: str) -> None:
    """An output named for another format would be written, then misread by `iandw validate`,
    which reads a file by its extension."""
    if path is not None and not path.lower().endswith(extensions):
        named = " or ".join(extensions)
        raise ImportArgumentError(
            argument, f"{path!r} does not end in {named}: {written}, and iandw reads a file by its extension"
        )


def _files(
    inputs: Sequence[str], extensions: tuple[str, ...], outputs: Sequence[str]
) -> tuple[list[str], list[Diagnostic]]:
    """The files to import: each input file as given, each directory's files of the source's
    extensions, sorted; what a directory holds besides them and the outputs is said, and one
    without any is an error."""
    files: list[str] = []
    problems: list[Diagnostic] = []
    named = named_extensions(extensions)
    rewritten = {os.path.realpath(path) for path in outputs}  # an import's own outputs are no inputs
    for given in inputs:
        if not os.path.isdir(given):
            files.append(given)  # read as it is, whatever its name: a missing one is said when read
            continue
        skipped: list[str] = []
        found, diagnostics = find_files([given], extensions=extensions, skipped=skipped)
        problems += diagnostics
        where = Span(shown(os.path.normpath(given)))
        names = [
            os.path.relpath(path, where.file) for path in skipped if os.path.realpath(path) not in rewritten
        ]
        if names:
            problems.append(
                where.warning(
                    f"skipped {counted(len(names), 'file')} not ending in {named}: {first_few(names)}"
                )
            )
        if not found:
            problems.append(where.error(f"no {named} file in this directory"))
        files += [file.found for file in found]  # opened as named: not UTF-8, its shown name is none
    return files, problems


def _registry(
    rules: str | None, known: Sequence[str] | None, outputs: Sequence[str], emit: Callable[[Diagnostic], None]
) -> EntityRegistry:
    """The entities of the rule set and known observations, which imported actors resolve to.

    The import's own earlier outputs are left out: they are about to be rewritten.
    """
    paths = list(known) if known is not None else (["observations"] if os.path.isdir("observations") else [])
    rules_path = rules if rules is not None and os.path.isdir(rules) else None
    if not paths and rules_path is None:
        return EntityRegistry()
    result = load(paths, rules=rules_path, lints=False)
    if result.errors:
        first = result.errors[0]
        emit(
            Span(first.file, first.line, first.column).warning(
                f"{counted(len(result.errors), 'error')} in the rules and known entities, the first here "
                "(run iandw validate); their valid entities are used"
            )
        )
    rewritten = {os.path.realpath(path) for path in outputs}
    entities = [
        item.document
        for item in result.loaded.get("entity", [])
        if isinstance(item.document, Entity) and os.path.realpath(item.raw.file) not in rewritten
    ]
    return EntityRegistry.build(entities)


def _unresolved_targets(
    targets: dict[str, str], spans: dict[str, Span], registry: EntityRegistry
) -> list[Diagnostic]:
    """A mapping's `entities` targets that name no known entity, or several: a typo would make one."""
    warnings = []
    for key, target in sorted(targets.items()):
        resolution = registry.resolve(target)
        if resolution.entity_id is None:
            names = (
                f"names {len(resolution.ambiguous)} known entities ({first_few(resolution.ambiguous)})"
                if resolution.ambiguous
                else "names no known entity"
            )
            message = f"mapping entities: {target!r} (for {key!r}) {names}: a new entity is made"
            warnings.append(spans[key].warning(message))
    return warnings


def _importer(
    mapping: Mapping,
    book: EntityBook,
    grade: tuple[Reliability, Credibility],
    limits: Limits,
    files: Sequence[str],
) -> Importer:
    """The importer of the mapping's source."""
    if isinstance(mapping, GdeltMapping):
        return GdeltImporter(mapping, book, grade, limits.max_record_bytes)
    if isinstance(mapping, AcledMapping):
        return AcledImporter(mapping, book, grade, limits.max_record_bytes)
    assert isinstance(mapping, StixMapping)
    return StixImporter(mapping, book, grade, limits, files)


def _import_rows(
    importer: Importer,
    paths: Sequence[str],
    book: EntityBook,
    output: ImportOutput,
    summary: ImportSummary,
    emit: Callable[[Diagnostic], None],
    advance: Callable[[int], None],
    max_line_bytes: int,
) -> None:
    """Import every path into `output`, counted in `summary`; diagnostics go to `emit` as they are found.

    An observation whose JSONL line would be longer than `max_line_bytes`,
    which `iandw validate` would refuse at the same limit, is skipped.
    """
    first_seen: dict[str, tuple[str, int]] = {}  # id → where it was first written
    for path in paths:
        for item in importer.read(path, advance):
            if isinstance(item, Diagnostic):
                emit(item)
            elif isinstance(item, Unreadable):
                summary.unreadable += 1
                emit(item.diagnostic)
            else:
                summary.read += 1
                line = _checked(item, first_seen, max_line_bytes) if isinstance(item, Converted) else None
                if isinstance(line, Skipped):
                    item = line
                if isinstance(item, Skipped):
                    book.rollback()
                    summary.skipped[item.reason] += 1
                    emit(item.diagnostic)
                else:
                    book.commit()
                    if isinstance(item, Passed):
                        summary.passed[item.reason] += 1
                    elif isinstance(line, str):
                        output.write_line(line)
                        summary.written += 1
            for warning in book.warnings:
                emit(warning)
            book.warnings.clear()
    summary.new_entities = len(book.new)
    summary.known_entities = len(book.known_used)
    output.write_entities(book.documents())


def _checked(item: Converted, first_seen: dict[str, tuple[str, int]], max_line_bytes: int) -> str | Skipped:
    """The observation's JSONL line, as `iandw validate` will read it: valid, not too long, its
    id not repeated."""
    try:
        Observation.model_validate(item.document)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        return Skipped(
            item.span.error(f"invalid observation: {where}: {error['msg']}"), "invalid observation"
        )
    text = observation_line(item.document)
    size = len(text.encode("utf-8", "surrogatepass")) - 1  # its newline is not counted
    if size > max_line_bytes:
        return Skipped(
            item.span.error(
                f"its observation would be a line of {size:,} bytes, longer than the "
                f"{max_line_bytes:,} that iandw reads back (--max-record-bytes)"
            ),
            "observation too long",
        )
    identifier = item.document["id"]
    if identifier in first_seen:
        file, line = first_seen[identifier]
        return Skipped(
            item.span.error(f"duplicate observation id {identifier!r} (first at {file}:{line})"),
            "duplicate id",
        )
    first_seen[identifier] = (item.span.file, item.span.line)
    return text


def _reasons(counts: Counter[str]) -> str:
    if not counts:
        return ""
    return ": " + ", ".join(f"{reason} ({count:,})" for reason, count in sorted(counts.items()))
