"""What every command shares: exit codes, the no-traceback boundary, diagnostic output.

Kept apart from iandw.cli.commands so that the other command module
(import_command) can use it without importing the command group itself.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from iandw.extras import MissingExtraError
from iandw.limits import DEFAULT_LIMITS, MAX_LIMIT

if TYPE_CHECKING:
    from iandw.diagnostics import Diagnostic

EXIT_OK, EXIT_LEVEL, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
PROGRESS_MIN_BYTES = 1 << 20  # a progress bar only for inputs that take a noticeable time

F = TypeVar("F", bound=Callable[..., Any])


STDIN_UNSUPPORTED = "reading standard input is not supported"
# what '-' is told in place of observation paths and of a rules directory, by every command
CASE_DASH = f"{STDIN_UNSUPPORTED}: save it to a file with a .jsonl, .yaml or .json name"
RULES_DASH = f"{STDIN_UNSUPPORTED}: rules are read from a directory"


class CommandLinePath(click.Path):
    """A path on the command line, where '-' is refused with `dash` rather than taken as a file of that name.

    Many programs read '-' as standard input or write it as standard output;
    iandw does neither (docs/language.md, Files).  Taken as a file's name, it
    answered what was piped in with "no such file or directory", and `-o -`
    wrote a file called '-'.  ./- still names one.
    """

    def __init__(self, dash: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dash = dash

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-":
            self.fail(f"{self.dash} (./- names a {self.name} called '-')", param, ctx)
        return super().convert(value, param, ctx)


class _OutputFile(CommandLinePath):
    """A file to write: an empty name would fail only once the work is done, as '<stdout>' or a temporary."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "":
            self.fail("an empty file name", param, ctx)
        return super().convert(value, param, ctx)


def output_file(dash: str) -> click.Path:
    """The type of an option naming a file to write; `dash` says what to do instead of '-'.

    An existing output is written, not read: one that cannot be is said before the work.
    """
    return _OutputFile(dash, dir_okay=False, readable=False, writable=True)


# a report or an image: without -o it goes to standard output
OUTPUT_FILE = output_file("'-' is not standard output here: leave out -o to write to standard output")


class AtLeastOne(click.ParamType):
    """A whole number ≥ 1 in ASCII digits, of any length.

    One beyond any machine's memory is held at MAX_LIMIT, which means the
    same and which every size in Python can hold; Python itself refuses to
    read a number of more than 4,300 digits.
    """

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from iandw.diagnostics import quoted_start

        text = str(value).strip().removeprefix("+")
        digits = text.removeprefix("-")
        shown = quoted_start(text, 20)
        if not (digits.isascii() and digits.isdigit()):
            self.fail(f"{shown} is not a whole number", param, ctx)
        significant = digits.lstrip("0")
        if digits != text or not significant:
            self.fail(f"{shown} is less than 1", param, ctx)
        return MAX_LIMIT if len(significant) > len(str(MAX_LIMIT)) else min(int(significant), MAX_LIMIT)


AT_LEAST_ONE = AtLeastOne()


def limit_option(name: str, help_text: str) -> Callable[[F], F]:
    """The `--max-…` option of the `Limits` field `name`."""
    return click.option(
        "--" + name.replace("_", "-"),
        name,
        type=AT_LEAST_ONE,
        default=getattr(DEFAULT_LIMITS, name),
        show_default=True,
        help=help_text,
    )


def no_traceback(command: F) -> F:
    """A user never sees a Python traceback; an internal error is one clear line."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _say("iandw: interrupted")
            sys.exit(130)
        except BrokenPipeError as exc:
            # writing diagnostics or a summary to a reader that stopped (`2>&1 | head`)
            if _a_reader_has_gone():
                reader_stopped_reading()
            _internal_error(exc)  # a pipe of its own, not the user's: not to be ended quietly
        except MissingExtraError as exc:  # "Error: …", as click prints its own errors
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except MemoryError:
            click.echo("iandw: error: out of memory; see docs/limits.md", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except Exception as exc:
            from iandw.diagnostics import InputChanged

            if isinstance(exc, InputChanged):  # a file changed under the command: the user's to fix
                print_diagnostics([exc.diagnostic])
                sys.exit(EXIT_BAD_INPUT)
            _internal_error(exc)

    return guarded  # type: ignore[return-value]


def _say(last_words: str) -> None:
    """A line on stderr as the program ends, unless no one reads it: the exit code still says it all."""
    with contextlib.suppress(OSError):
        click.echo(last_words, err=True)


def _internal_error(exc: BaseException) -> NoReturn:
    from iandw.diagnostics import one_line

    error = one_line(f"{type(exc).__name__}: {exc}")
    _say(f"iandw: internal error: {error} (please report this)")
    sys.exit(EXIT_INTERNAL)


def _a_reader_has_gone() -> bool:
    """Whether the reader of stdout or stderr has gone: the pipe a BrokenPipeError came from is one of them.

    The system says so of a pipe or socket with no reader left (POLLERR,
    POLLHUP).  A stream that is no file (a test's capture) has no reader to
    lose; where poll is missing (Windows), any broken pipe is taken as theirs.
    """
    import select

    if not hasattr(select, "poll"):
        return True
    poll = select.poll()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a stream closed or not a file
            poll.register(stream.fileno(), select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))


_as_program = False  # whether the commands run as the `iandw` program, not called in process


def run_program(main: Callable[[], Any]) -> None:
    """Run the command group as the program itself: commands then end with `leave`'s quick exit."""
    global _as_program
    _as_program = True
    main()


EXIT_FLUSH_FAILED = 120  # what Python itself exits with when flushing stdout fails at exit
EXIT_BROKEN_PIPE = 128 + 13  # as a program killed by SIGPIPE: what a shell expects of `| head`


def reader_stopped_reading() -> NoReturn:
    """End quietly, as a program killed by SIGPIPE: the reader of stdout or stderr has gone.

    Both streams are pointed at /dev/null first, so that nothing flushed
    at exit fails again (Python would exit 120 and say so on stderr).
    """
    null = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a stream closed or not a file
            os.dup2(null, stream.fileno())
    leave(EXIT_BROKEN_PIPE)


def leave(code: int = EXIT_OK) -> NoReturn:
    """End a command with `code`, its output flushed.

    As the program, without freeing anything: freeing a large case's
    objects one by one takes seconds (a million observations hold tens of
    millions), where the system frees a process's memory at once.  Called in
    process (tests, scripts), an ordinary `sys.exit`.
    """
    if not _as_program:
        sys.exit(code)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: the program was started with it closed
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: as Python itself reports it
        code = EXIT_FLUSH_FAILED
    os._exit(code)


def write_stdout(content: str | bytes) -> None:
    """All of `content` on stdout as UTF-8, the bytes `-o` writes, or an OSError.

    Not through the locale's encoding: Latin-1 or a Windows code page cannot
    hold what a report quotes (an Arabic name, an arrow), and the report
    ended in an internal error.  Not through `click.echo` either: a large
    write to a pipe whose reader leaves midway (`| head`) can come back short
    without an error, the buffered writer returning the bytes it wrote, and
    the command then said it was done with its output cut; a short write is
    carried on, and the next one is the broken pipe.
    """
    if sys.stdout is None:  # started with stdout closed
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))
    sys.stdout.flush()
    stream = sys.stdout.buffer
    left = memoryview(content.encode("utf-8") if isinstance(content, str) else content)
    while left:
        written = stream.write(left)
        if not written:
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))
        left = left[written:]
    stream.flush()


def print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    """One line per problem on stderr: `path:line:column: severity: message`."""
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


def print_cannot_write(where: str, exc: OSError) -> None:
    """A report or import that could not be written, as a diagnostic at the file it was for."""
    from iandw.diagnostics import Span

    print_diagnostics([Span(where).error(f"cannot write: {exc.strerror or exc}")])


def refuse_to_overwrite(outputs: dict[str, str | None], inputs: Iterable[str]) -> None:
    """An output (by its option) that is one of the inputs would be destroyed: a usage error first."""
    from iandw.loader.files import overwritten

    found = overwritten(outputs, inputs)
    if found is not None:
        option, message = found
        raise click.BadParameter(message, param_hint=option)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


class Progress:
    """A progress bar on stderr for long work, shown only when a person is watching.

    Call `update(done, total)` as work proceeds, with the same total each
    time.  The first call decides, once: the bar appears if that total is
    worth a bar (`min_total`, by default PROGRESS_MIN_BYTES) and stderr is a
    terminal; never in a pipe or a log, where it would only be noise.
    """

    def __init__(self, label: str, min_total: float | None = None) -> None:
        self.label = label
        self.min_total = min_total
        self.done = 0
        self._bar: Any = None
        self._decided = False

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def update(self, done: int, total: int) -> None:
        if not self._decided:
            self._decided = True
            worth = total >= (PROGRESS_MIN_BYTES if self.min_total is None else self.min_total)
            if worth and stderr_is_terminal():
                self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
                self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done

    def relabel(self, label: str) -> None:
        """Name the work the bar now stands for, as when reading is done and checking begins."""
        self.label = label
        if self._bar is not None:
            self._bar.label = label
            self._bar.render_progress()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
