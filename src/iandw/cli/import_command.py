"""`iandw import gdelt|acled|stix FILE|DIR… -o OUT.jsonl`: other people's event data as observations.

iandw.cli.commands registers `import_command` with `main.add_command`.  The work is
`iandw.importers.run.import_files`'s: the command turns options into its
arguments, prints what it finds and returns, and chooses the exit code.  It
is imported inside the command so that `iandw --help` stays instant.

Exit codes: 0 done (bad rows, if any, were reported and skipped); 2 bad input
or usage: an unreadable input or mapping, or with `--strict` any bad row —
and then nothing is written; 3 an internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from iandw.choices import SOURCES
from iandw.cli.support import (
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
)
from iandw.limits import Limits

# the observations and the entities are two files, moved into place when the import succeeds
_WRITTEN = output_file("writing standard output is not supported: an import writes files, so name one")
# The option that gives each argument of `import_files` that can be refused.
OPTIONS = {"output": "-o", "entities_out": "--entities-out", "grade": "--grade"}


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
    from iandw.importers.run import CannotImport, ImportArgumentError, import_files

    try:
        with Progress("importing") as progress:
            summary = import_files(
                source,
                inputs,
                output,
                entities_out=entities_out,
                mapping=mapping_path,
                rules=rules,
                known=known or None,
                grade=grade,
                strict=strict,
                limits=Limits(
                    max_file_bytes=max_file_bytes, max_record_bytes=max_record_bytes, max_depth=max_depth
                ),
                on_diagnostic=lambda diagnostic: print_diagnostics([diagnostic]),
                on_progress=progress.update,
            )
    except ImportArgumentError as exc:
        raise click.BadParameter(str(exc), param_hint=OPTIONS.get(exc.argument)) from None
    except CannotImport:  # its diagnostics were printed as they were found
        sys.exit(EXIT_BAD_INPUT)
    except OSError as exc:
        print_cannot_write(str(exc.filename or output), exc)
        sys.exit(EXIT_BAD_INPUT)
    for line in summary.lines():
        click.echo(line)
    if summary.failure is not None:
        sys.exit(EXIT_BAD_INPUT)
