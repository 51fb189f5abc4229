"""The command line: arguments → API → renderer → exit code.

Exit codes: 0 done; 1 the `--fail-on` level was reached (or a rule test
failed); 2 bad input or usage.  Beyond SPEC §9, the program's own failures
have codes of their own: 3 an internal error (a bug: one line, never a
traceback), 130 interrupted, 141 the reader of stdout stopped reading, 120
flushing stdout failed at exit (as Python itself).  Diagnostics go to
stderr, one per line, as `path:line:column: severity: message`.  Heavy modules are imported inside
the commands so that `iandw --help` is instant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from iandw import __version__
from iandw.choices import DEFAULT_MAX_MATCHES, FORMATS, LEVELS, TIMELINE_FORMATS
from iandw.cli.import_command import import_command
from iandw.cli.support import (
    AT_LEAST_ONE,
    CASE_DASH,
    EXIT_BAD_INPUT,
    EXIT_LEVEL,
    EXIT_OK,
    OUTPUT_FILE,
    RULES_DASH,
    CommandLinePath,
    Progress,
    leave,
    limit_option,
    no_traceback,
    print_cannot_write,
    print_diagnostics,
    reader_stopped_reading,
    refuse_to_overwrite,
    run_program,
    write_stdout,
)
from iandw.limits import MAX_ASSIGNMENTS, Limits
from iandw.runtime import paused_gc

if TYPE_CHECKING:
    from iandw.loader import LoadResult

F = TypeVar("F", bound=Callable[..., Any])


def _limit_options(command: F) -> F:
    """The limit options, which a command receives as `**limits`: the fields of `Limits`."""
    for name, help_text in reversed(
        (
            ("max_file_bytes", "Largest YAML or JSON file read."),
            ("max_record_bytes", "Longest JSONL line read."),
            ("max_depth", "Deepest nesting of mappings and lists."),
            ("max_alias_nodes", "Most nodes YAML aliases may add to one document."),
        )
    ):
        command = limit_option(name, help_text)(command)
    return command


_max_assignments_option = click.option(
    "--max-assignments",
    type=AT_LEAST_ONE,
    default=MAX_ASSIGNMENTS,
    show_default=True,
    help="Most variable assignments (groups) one indicator may consider.",
)


@contextlib.contextmanager
def _assignments_bounded(result: LoadResult, nothing_was: str) -> Iterator[None]:
    """An indicator past --max-assignments is an error at its id, and the command exits 2."""
    from iandw.engine.match import TooManyAssignments

    try:
        yield
    except TooManyAssignments as exc:
        found = [item for item in result.loaded.indicators if item.document.id == exc.indicator]
        if found:
            print_diagnostics([found[0].span("id").error(str(exc))])
        else:  # raised where no indicator was known (its `indicator` is ""): no document to point at
            click.echo(f"iandw: error: {exc}", err=True)
        click.echo(f"iandw: 1 error; nothing was {nothing_was}", err=True)
        leave(EXIT_BAD_INPUT)


def _load(
    paths: Iterable[str],
    rules: str,
    limits: Limits,
    nothing_was: str | None = None,
    lints: bool = True,
    reading: Progress | None = None,
    workers: int | None = None,
    rules_required: bool = True,
) -> LoadResult:
    """The case read.

    With `nothing_was` ('scored'), any error is listed and the command exits
    2: no result from a case with errors could be trusted.
    """
    from iandw.loader import load

    with paused_gc(freeze=True), reading or Progress("reading") as progress:

        def update(done: int, total: int) -> None:
            progress.update(done, total)
            if done == total:  # every file read: checking them together takes a million observations seconds
                progress.relabel("checking")

        result = load(
            list(paths) or ["observations"],
            rules=rules,
            limits=limits,
            lints=lints,
            progress=update,
            workers=workers,
            rules_required=rules_required,
        )
    if nothing_was is not None and not result.ok:
        from iandw.diagnostics import counted

        print_diagnostics(result.errors)
        click.echo(f"iandw: {counted(len(result.errors), 'error')}; nothing was {nothing_was}", err=True)
        leave(EXIT_BAD_INPUT)
    return result


def _parse_as_of(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    from iandw.dates import DateError, parse_day

    try:
        return dt.date.fromordinal(parse_day(value))
    except DateError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _write(content: str | bytes, output: str | None) -> None:
    """A report or an image to the file `output`, or to stdout; failing to is a located error, exit 2."""
    try:
        if output is None:
            write_stdout(content)
        else:
            with open(output, "wb") as stream:
                stream.write(content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as exc:  # a full disk, an I/O error, a missing directory; or a closed pipe
        if output is None and isinstance(exc, BrokenPipeError):  # the reader stopped reading: nothing to say
            reader_stopped_reading()
        print_cannot_write(output or "<stdout>", exc)
        leave(EXIT_BAD_INPUT)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iandw")
def main() -> None:
    """iandw: check indicators and warning against dated, sourced observations."""


def program() -> None:
    """The `iandw` program: the script pyproject installs, and `python -m iandw`."""
    run_program(main)


# readable=False: a missing or unreadable path is reported by the loader as a
# located diagnostic, with every other input still checked
paths_argument = click.argument("paths", nargs=-1, type=CommandLinePath(CASE_DASH, readable=False))
workers_option = click.option(
    "--workers",
    type=AT_LEAST_ONE,
    help="Processes that read large files and evaluate large cases, this one included "
    "[default: one per core]; 1 uses the least memory.",
)
rules_option = click.option(
    "--rules",
    default="rules",
    show_default=True,
    type=CommandLinePath(RULES_DASH, readable=False),
    help="Directory of rules.",
)


@main.command()
@paths_argument
@rules_option
@click.option("--as-of", "as_of", metavar="DATE", help="Evaluation date (YYYY-MM-DD); default: today.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
)
@click.option("-o", "--output", type=OUTPUT_FILE, help="Write the report to FILE.")
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS[1:]),
    help="Exit 1 when the report's level reaches LEVEL.",
)
@click.option(
    "--max-matches",
    type=AT_LEAST_ONE,
    default=DEFAULT_MAX_MATCHES,
    show_default=True,
    help="Matches and near misses kept per group (the report counts them all); when given, also the "
    "near misses text, markdown and html list per indicator that did not fire (otherwise 3).",
)
@_max_assignments_option
@workers_option
@_limit_options
@no_traceback
def evaluate(
    paths: tuple[str, ...],
    rules: str,
    as_of: str | None,
    output_format: str,
    output: str | None,
    fail_on: str | None,
    max_matches: int,
    max_assignments: int,
    workers: int | None,
    **limits: int,
) -> None:
    """Evaluate every indicator and hypothesis; PATHS default to observations/."""
    day = _parse_as_of(as_of)
    refuse_to_overwrite({"-o": output}, [*(paths or ["observations"]), rules])
    reading = Progress("reading")
    result = _load(paths, rules, Limits(**limits), "scored", reading=reading, workers=workers)
    from iandw.api import evaluate as run
    from iandw.render import render

    # evaluating takes about as long as reading: a bar whenever reading had one
    with (
        _assignments_bounded(result, "scored"),
        paused_gc(freeze=True),
        Progress("evaluating", min_total=0 if reading.shown else math.inf) as evaluating,
    ):
        report = run(
            result.case,
            as_of=day,
            max_matches=max_matches,
            diagnostics=result.warnings,
            progress=evaluating.update,
            workers=workers,
            max_assignments=max_assignments,
        )
    # a compact summary by default; as many near misses as the user asked for
    given = click.get_current_context().get_parameter_source("max_matches") is not ParameterSource.DEFAULT
    near_misses = max_matches if given else None
    _write(render(report, output_format, near_misses=near_misses), output)
    leave(EXIT_LEVEL if fail_on and LEVELS.index(report.level) >= LEVELS.index(fail_on) else EXIT_OK)


@main.command()
@paths_argument
@rules_option
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@workers_option
@_limit_options
@no_traceback
def validate(
    paths: tuple[str, ...], rules: str, output_format: str, workers: int | None, **limits: int
) -> None:
    """Report every error and warning in the inputs, then a summary.

    Without the default rules/ (a case just imported), the observations are
    checked alone; a --rules directory named and missing is an error.
    """
    named = click.get_current_context().get_parameter_source("rules") is not ParameterSource.DEFAULT
    result = _load(paths, rules, Limits(**limits), workers=workers, rules_required=named)
    counts = result.counts()
    errors, warnings = len(result.errors), len(result.warnings)
    if output_format == "json":
        from iandw.render.json import pretty_json

        payload = {
            "counts": counts,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.as_dict() for d in result.diagnostics],
        }
        _write(pretty_json(payload) + "\n", None)
    else:
        from iandw.diagnostics import counted

        print_diagnostics(result.diagnostics)
        read = ", ".join(counted(n, kind) for kind, n in counts.items()) or "nothing"
        _write(f"read {read}: {counted(errors, 'error')}, {counted(warnings, 'warning')}\n", None)
    leave(EXIT_BAD_INPUT if errors else EXIT_OK)


@main.command()
@paths_argument
@rules_option
@click.option("--from", "start", required=True, metavar="DATE", help="First evaluation date (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last evaluation date; default: today.")
@click.option("--step", default="1w", show_default=True, help="Time between evaluations: Nd or Nw.")
@click.option(
    "--format", "output_format", type=click.Choice(TIMELINE_FORMATS), default="text", show_default=True
)
@click.option("-o", "--output", type=OUTPUT_FILE, help="Write to FILE.")
@_max_assignments_option
@workers_option
@_limit_options
@no_traceback
def timeline(
    paths: tuple[str, ...],
    rules: str,
    start: str,
    end: str | None,
    step: str,
    output_format: str,
    output: str | None,
    max_assignments: int,
    workers: int | None,
    **limits: int,
) -> None:
    """Replay the case: each hypothesis as of every step, with only what was reported by then."""
    first = _parse_as_of(start, "--from")
    last = _parse_as_of(end, "--to")
    if last < first:
        default = " (today, when --to is not given)" if end is None else ""
        raise click.BadParameter(f"{last}{default} is before --from {first}", param_hint="--to")
    from iandw.timeline import TimelineTooLong, compute_timeline, parse_step, too_long

    try:
        days = parse_step(step)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--step") from None
    problem = too_long(first, last, days)  # before reading anything: the steps alone
    if problem:
        raise click.BadParameter(problem, param_hint="--step")
    if output_format == "png" and output is None:
        raise click.BadParameter("a PNG image needs a file: add -o FILE", param_hint="--format png")
    refuse_to_overwrite({"-o": output}, [*(paths or ["observations"]), rules])
    reading = Progress("reading")
    result = _load(paths, rules, Limits(**limits), "evaluated", reading=reading, workers=workers)
    # each step may evaluate the case again: a bar whenever reading had one
    try:
        with (
            _assignments_bounded(result, "evaluated"),
            Progress("replaying", min_total=0 if reading.shown else math.inf) as replaying,
        ):
            computed = compute_timeline(result.case, first, last, days, max_assignments, replaying.update)
    except TimelineTooLong as exc:  # too many points, now that the hypotheses are known
        raise click.BadParameter(str(exc), param_hint="--step") from None
    report = None
    if output_format == "html":  # the page of the report as of the last date
        from iandw.api import evaluate as run

        report = run(
            result.case,
            as_of=last,
            diagnostics=result.warnings,
            workers=workers,
            max_assignments=max_assignments,
        )
    from iandw.render import render_timeline

    _write(render_timeline(computed, output_format, report), output)
    leave()


@main.command(name="test")
@paths_argument
@rules_option
@click.option(
    "-k", "pattern", metavar="PATTERN", help="Run only tests whose 'indicator::name' contains PATTERN."
)
@_max_assignments_option
@workers_option
@_limit_options
@no_traceback
def run_tests(
    paths: tuple[str, ...],
    rules: str,
    pattern: str | None,
    max_assignments: int,
    workers: int | None,
    **limits: int,
) -> None:
    """Run the `tests:` of every indicator; entities come from PATHS (default observations/)."""
    result = _load(paths, rules, Limits(**limits), "tested", lints=False, workers=workers)
    from iandw.ruletests import rule_test_warnings, run_rule_tests

    # a test's bind key no variable has, a pattern attribute no entity has: why a test fails
    print_diagnostics(sorted(result.warnings + rule_test_warnings(result, pattern)))

    with _assignments_bounded(result, "tested"):
        outcomes = run_rule_tests(result, pattern, max_assignments)
    if pattern is not None and not outcomes:  # a typo would otherwise pass, having run nothing
        raise click.BadParameter(f"no test's indicator::name contains {pattern!r}", param_hint="-k")
    failed = [o for o in outcomes if not o.passed]
    tally = f"{len(outcomes) - len(failed)} passed, {len(failed)} failed"
    _write("".join(line + "\n" for line in [*(outcome.format() for outcome in failed), tally]), None)
    leave(EXIT_LEVEL if failed else EXIT_OK)


@main.command()
@click.argument("what", type=click.Choice(["rules", "observations", "report"]), default="rules")
@no_traceback
def schema(what: str) -> None:
    """Print the JSON Schema (draft 2020-12) of rules, observations or the report."""
    from iandw.model.schema import json_schema
    from iandw.render.json import pretty_json

    _write(pretty_json(json_schema(what)) + "\n", None)


main.add_command(import_command)
