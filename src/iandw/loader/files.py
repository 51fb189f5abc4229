"""Finding input files: sorted, hidden entries skipped, symlink loops cut."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from iandw.diagnostics import Diagnostic, Span, shown

EXTENSIONS = (".yaml", ".yml", ".json", ".jsonl")


def named_extensions(extensions: tuple[str, ...]) -> str:
    """('.yaml', '.json', '.jsonl') → '.yaml, .json or .jsonl'."""
    return ", ".join(extensions[:-1]) + " or " + extensions[-1] if len(extensions) > 1 else extensions[0]


@dataclass(frozen=True)
class InputFile:
    """A file to read, named as the user will see it in diagnostics."""

    path: str  # as given or joined from the given directory: stable, relative
    real: str  # resolved path on disk
    found: str  # `path` as the system names it, which may hold bytes that are not UTF-8: to hand on

    @property
    def extension(self) -> str:
        return os.path.splitext(self.path)[1].lower()


def _at(path: str) -> Span:
    return Span(shown(path))


def find_files(
    paths: list[str],
    warn_empty: bool = False,
    extensions: tuple[str, ...] = EXTENSIONS,
    skipped: list[str] | None = None,
) -> tuple[list[InputFile], list[Diagnostic]]:
    """Every input file under `paths`, in sorted order, each once.

    With `warn_empty`, a directory holding no input file is a warning: a
    directory of CSV exports, or the wrong one, would otherwise be read as
    nothing without a word (a rules directory may be empty on purpose).
    Input files are those whose names end in one of `extensions` (in any
    case); the other files found in directories are added to `skipped`, if
    given, for a command that says what it left.
    """
    files: list[InputFile] = []
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    for given in paths:
        display = os.path.normpath(given)
        if not os.path.exists(display):
            kind = "broken symlink" if os.path.islink(display) else "no such file or directory"
            diagnostics.append(_at(display).error(kind))
            continue
        if os.path.isdir(display):
            inside = sorted(_walk(display, diagnostics, extensions, skipped), key=lambda f: f.path)
            if warn_empty and not inside:
                diagnostics.append(
                    _at(display).warning(f"no {named_extensions(extensions)} file in this directory")
                )
            for found in inside:
                if found.real not in seen:
                    seen.add(found.real)
                    files.append(found)
            continue
        if not os.path.isfile(display):
            diagnostics.append(_at(display).error("not a regular file (a pipe or a device?)"))
            continue
        if not display.lower().endswith(extensions):
            diagnostics.append(_at(display).error(_unsupported(display, extensions)))
            continue
        real = os.path.realpath(display)
        if real not in seen:
            seen.add(real)
            files.append(InputFile(shown(display), real, display))
    return files, diagnostics


_EVENT_TABLES = (".csv", ".tsv")  # GDELT's exports (.CSV, tab-separated) and ACLED's


def _unsupported(path: str, extensions: tuple[str, ...]) -> str:
    """Why a file named on the command line is not read; a table of events is to be imported first."""
    message = "unsupported file type: expected " + ", ".join(extensions)
    if extensions != EXTENSIONS or not path.lower().endswith(_EVENT_TABLES):
        return message
    import shlex

    command = f"iandw import gdelt|acled {shlex.quote(shown(path))} -o out.jsonl"
    return f"{message}; a GDELT or ACLED export is imported first: {command}"


def overwritten(outputs: Mapping[str, str | None], inputs: Iterable[str]) -> tuple[str, str] | None:
    """The first output that is one of the inputs, which writing it would destroy: its key, and
    the message that says so; or None.

    `inputs` are files, and directories read whole (as `find_files` finds
    their files).  Files are compared by device and inode, so that neither a
    symlink nor a hard link to an input gets through.
    """
    existing = {
        key: (output, identity)
        for key, output in outputs.items()
        if output is not None and (identity := _identity(output)) is not None
    }
    if not existing:
        return None  # nothing to overwrite, so no input to look at
    read = {_identity(path) for path in _files_in(inputs)}
    for key, (output, identity) in existing.items():
        if identity in read:
            return key, f"{shown(output)!r} is one of the files read; write elsewhere"
    return None


def _files_in(inputs: Iterable[str]) -> Iterator[str]:
    for path in inputs:
        if os.path.isdir(path):
            yield from (file.real for file in find_files([path])[0])
        else:
            yield path


def _identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


def _walk(
    top: str, diagnostics: list[Diagnostic], extensions: tuple[str, ...], skipped: list[str] | None
) -> Iterator[InputFile]:
    """Every input file under `top`; a directory already on the current path is a loop."""
    pending: list[tuple[str, bool, frozenset[str]]] = [(top, True, frozenset())]
    while pending:
        path, is_directory, ancestors = pending.pop()
        if not is_directory:
            yield InputFile(shown(path), os.path.realpath(path), path)
            continue
        real_directory = os.path.realpath(path)
        if real_directory in ancestors:
            diagnostics.append(_at(path).warning("symlink loop: this directory contains itself; skipped"))
            continue
        inside = ancestors | {real_directory}
        try:
            entries = sorted(os.scandir(path), key=lambda entry: entry.name)
        except OSError as exc:
            diagnostics.append(_at(path).error(f"cannot read directory: {exc.strerror or exc}"))
            continue
        children: list[tuple[str, bool, frozenset[str]]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = os.path.join(path, entry.name)
            try:
                child_is_directory, child_is_file = entry.is_dir(), entry.is_file()
            except OSError:
                child_is_directory = child_is_file = False
            wanted = entry.name.lower().endswith(extensions)
            if child_is_directory:
                children.append((child, True, inside))
            elif child_is_file and wanted:
                children.append((child, False, inside))
            elif child_is_file:
                if skipped is not None:
                    skipped.append(shown(child))
            elif entry.is_symlink() and not os.path.exists(child):
                diagnostics.append(_at(child).warning("broken symlink; skipped"))
            elif wanted:
                diagnostics.append(_at(child).warning("not a regular file (a pipe or a device?); skipped"))
        pending.extend(reversed(children))
