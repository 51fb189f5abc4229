"""What every command shares: exit codes, the no-traceback boundary, diagnostic output.

Kept apart from iandw.cli so that command modules elsewhere (the importers)
can use it without importing the command group itself.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from iandw.diagnostics import Diagnostic

EXIT_OK, EXIT_LEVEL, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


def no_traceback(command: F) -> F:
    """A user never sees a Python traceback; an internal error is one clear line."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("iandw: interrupted", err=True)
            sys.exit(130)
        except MemoryError:
            click.echo("iandw: error: out of memory; see docs/limits.md", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except Exception as exc:
            click.echo(f"iandw: internal error: {type(exc).__name__}: {exc} (please report this)", err=True)
            sys.exit(EXIT_INTERNAL)

    return guarded  # type: ignore[return-value]


def print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    """One line per problem on stderr: `path:line:column: severity: message`."""
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)
