"""`iandw import gdelt|acled|stix FILE|DIR… -o OUT.jsonl`: other people's event data as observations.

iandw.cli registers `import_command` with `main.add_command`.  Heavy modules
are imported inside the command so that `iandw --help` stays instant.

Exit codes: 0 done (bad rows, if any, were reported and skipped); 2 bad input
or usage: an unreadable input or mapping, or with `--strict` any bad row —
and then nothing is written; 3 an internal error.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from iandw.cli_support import (
    CASE_DASH,
    EXIT_BAD_INPUT,
    RULES_DASH,
    STDIN_UNSUPPORTED,
    CommandLinePath,
    Progress,
    limit_option,
    no_traceback,
    output_file,
    print_cannot_write,
    print_diagnostics,
    refuse_to_overwrite,
)
from iandw.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from iandw.diagnostics import Diagnostic, Span
    from iandw.importers.entities import EntityBook
    from iandw.importers.mapping import Mapping
    from iandw.importers.run import Importer
    from iandw.model.documents import Credibility, Reliability
    from iandw.model.registry import EntityRegistry

SOURCES = ("gdelt", "acled", "stix")
# What a directory given as an input is searched for: GDELT's event exports are
# YYYYMMDDHHMMSS.export.CSV, beside its mentions and GKG files, which are not events.
EXTENSIONS = {"gdelt": (".export.csv",), "acled": (".csv",), "stix": (".json",)}
# the observations and the entities are two files, moved into place when the import succeeds
_WRITTEN = output_file("writing standard output is not supported: an import writes files, so name one")


@click.command(name="import")
@click.argument("source", type=click.Choice(SOURCES))
@click.argument(
    "inputs", nargs=-1, required=True, type=CommandLinePath(f"{STDIN_UNSUPPORTED}: save it to a file first")
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=_WRITTEN,
    help="Observations file to write (JSON Lines, .jsonl).",
)
@click.option(
    "--entities-out",
    type=_WRITTEN,
    help="Entities file to write (YAML, .yaml or .yml); default: OUTPUT with the extension .entities.yaml.",
)
@click.option(
    "--mapping",
    "mapping_path",
    type=CommandLinePath(f"{STDIN_UNSUPPORTED}: save the mapping to a file first", dir_okay=False),
    help="Mapping file merged over the shipped one (see docs/import.md).",
)
@click.option(
    "--rules",
    default="rules",
    show_default=True,
    type=CommandLinePath(RULES_DASH),
    help="Rules whose entities imported actors resolve to (skipped if missing).",
)
@click.option(
    "--known",
    multiple=True,
    type=CommandLinePath(CASE_DASH, exists=True),
    help="Files or directories whose entities imported actors resolve to (repeatable); "
    "default: observations/ if it exists.",
)
@click.option(
    "--grade",
    metavar="GRADE",
    help="Admiralty grade of every imported source, such as D4; default: the mapping's.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 2, nothing written) if any row is bad.")
@limit_option("max_file_bytes", "Largest STIX bundle or mapping file read.")
@limit_option("max_record_bytes", "Longest GDELT or ACLED line or row read.")
@limit_option("max_depth", "Deepest nesting of mappings and lists in a STIX bundle.")
@no_traceback
def import_command(
    source: str,
    inputs: Sequence[str],
    output: str,
    entities_out: str | None,
    mapping_path: str | None,
    rules: str,
    known: Sequence[str],
    grade: str | None,
    strict: bool,
    max_file_bytes: int,
    max_record_bytes: int,
    max_depth: int,
) -> None:
    """Import GDELT 2.0 events, ACLED events or STIX 2.1 bundles as observations.

    INPUTS are files, or directories searched for GDELT's *.export.CSV, ACLED's
    *.csv or STIX's *.json files.
    """
    from iandw.diagnostics import has_errors
    from iandw.importers.entities import EntityBook
    from iandw.importers.mapping import MappingError, grade_parts, load_mapping
    from iandw.importers.run import run_import
    from iandw.importers.writer import ImportOutput, default_entities_path
    from iandw.model.documents import GRADE_PATTERN

    if grade is not None and not re.fullmatch(GRADE_PATTERN, grade):
        raise click.BadParameter(
            f"{grade!r} is not a grade: a reliability letter A-F then a credibility digit 1-6, such as D4",
            param_hint="--grade",
        )
    _check_extension("-o", output, (".jsonl",), "the observations are written as JSON Lines")
    _check_extension("--entities-out", entities_out, (".yaml", ".yml"), "the entities are written as YAML")
    limits = Limits(max_file_bytes=max_file_bytes, max_record_bytes=max_record_bytes, max_depth=max_depth)
    entities_path = entities_out or default_entities_path(output)
    if os.path.realpath(entities_path) == os.path.realpath(output):
        raise click.BadParameter(
            f"{entities_out!r} is the observations file (-o); the entities need a file of their own",
            param_hint="--entities-out",
        )
    files, problems = _files(inputs, EXTENSIONS[source], (output, entities_path))
    print_diagnostics(problems)
    if has_errors(problems):
        sys.exit(EXIT_BAD_INPUT)
    # the known observations are not inputs here: importing again into them replaces its own outputs
    refuse_to_overwrite(
        {"-o": output, "--entities-out": entities_path},
        [*files, *([mapping_path] if mapping_path else []), rules],
    )
    try:
        mapping, entity_spans = load_mapping(source, mapping_path, limits.max_file_bytes)
    except MappingError as exc:
        print_diagnostics(exc.diagnostics)
        sys.exit(EXIT_BAD_INPUT)
    book = EntityBook(_registry(rules, known, (output, entities_path)))
    print_diagnostics(_unresolved_targets(mapping.entities, entity_spans, book.registry))
    importer = _importer(source, mapping, book, grade_parts(grade or mapping.default_grade), limits, files)
    total = sum(os.path.getsize(path) for path in files if os.path.isfile(path))
    try:
        with ImportOutput(output, entities_path) as out, Progress("importing") as progress:
            summary = run_import(
                importer,
                files,
                book,
                out,
                lambda d: print_diagnostics([d]),
                lambda read: progress.update(progress.done + read, total),
                # what `validate` reads back by default, or more if the user reads more
                max(limits.max_record_bytes, DEFAULT_LIMITS.max_record_bytes),
            )
            failure = summary.failure(strict)
            if failure is None:
                out.commit()
    except OSError as exc:
        print_cannot_write(str(exc.filename or output), exc)
        sys.exit(EXIT_BAD_INPUT)
    for line in summary.lines(output, entities_path, failure):
        click.echo(line)
    if failure is not None:
        sys.exit(EXIT_BAD_INPUT)


def _files(
    inputs: Sequence[str], extensions: tuple[str, ...], outputs: Sequence[str]
) -> tuple[list[str], list[Diagnostic]]:
    """The files to import: each input file as given, each directory's files of the source's
    extensions, sorted; what a directory holds besides them and the outputs is said, and one
    without any is an error."""
    from iandw.diagnostics import Span, counted, first_few
    from iandw.loader.files import find_files, named_extensions, shown

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
        files += [file.path for file in found]
    return files, problems


def _check_extension(option: str, path: str | None, extensions: tuple[str, ...], written: str) -> None:
    """An output named for another format would be written, then misread by `iandw validate`,
    which reads a file by its extension: a usage error before any work."""
    if path is not None and not path.lower().endswith(extensions):
        named = " or ".join(extensions)
        raise click.BadParameter(
            f"{path!r} does not end in {named}: {written}, and iandw reads a file by its extension",
            param_hint=option,
        )


def _importer(
    source: str,
    mapping: Mapping,
    book: EntityBook,
    grade: tuple[Reliability, Credibility],
    limits: Limits,
    files: Sequence[str],
) -> Importer:
    from iandw.importers.mapping import AcledMapping, GdeltMapping, StixMapping

    if isinstance(mapping, GdeltMapping):
        from iandw.importers.gdelt import GdeltImporter

        return GdeltImporter(mapping, book, grade, limits.max_record_bytes)
    if isinstance(mapping, AcledMapping):
        from iandw.importers.acled import AcledImporter

        return AcledImporter(mapping, book, grade, limits.max_record_bytes)
    assert isinstance(mapping, StixMapping), source
    from iandw.importers.stix import StixImporter

    return StixImporter(mapping, book, grade, limits, files)


def _unresolved_targets(
    targets: dict[str, str], spans: dict[str, Span], registry: EntityRegistry
) -> list[Diagnostic]:
    """A mapping's `entities` targets that name no known entity, or several: a typo would make one."""
    from iandw.diagnostics import first_few

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


def _registry(rules: str, known: Sequence[str], outputs: Sequence[str]) -> EntityRegistry:
    """The entities of the rule set and known observations, which imported actors resolve to.

    The import's own earlier outputs are left out: they are about to be rewritten.
    """
    from iandw.loader import load
    from iandw.model.documents import Entity
    from iandw.model.registry import EntityRegistry

    paths = list(known) or (["observations"] if os.path.isdir("observations") else [])
    rules_path = rules if os.path.isdir(rules) else None
    if not paths and rules_path is None:
        return EntityRegistry()
    result = load(paths, rules=rules_path, lints=False)
    if result.errors:
        from iandw.diagnostics import counted

        click.echo(
            f"iandw import: warning: {counted(len(result.errors), 'error')} in the rules and known entities "
            "(run iandw validate); their valid entities are used",
            err=True,
        )
    rewritten = {os.path.realpath(path) for path in outputs}
    entities = [
        item.document
        for item in result.loaded.get("entity", [])
        if isinstance(item.document, Entity) and os.path.realpath(item.raw.file) not in rewritten
    ]
    return EntityRegistry.build(entities)
