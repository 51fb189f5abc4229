"""What goes to stdout: UTF-8 whatever the locale, all of it or a broken pipe, and a closed stdout said.

Each test runs `python -m iandw` on the shipped case, as a shell would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVALUATE = [sys.executable, "-m", "iandw", "evaluate", "--as-of", "2024-01-01"]
EXIT_BROKEN_PIPE = 141  # as a program killed by SIGPIPE


def environment(**changes: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", **changes}


def test_a_report_on_stdout_is_the_utf8_of_the_file_whatever_the_locale(tmp_path: Path) -> None:
    """A Latin-1 or Windows code-page stdout cannot hold the report's arrows and dashes."""
    written = tmp_path / "report.txt"
    subprocess.run([*EVALUATE, "-o", str(written)], cwd=ROOT, env=environment(), check=True)
    shown = subprocess.run(
        EVALUATE, cwd=ROOT, env=environment(PYTHONIOENCODING="latin-1"), capture_output=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr.decode()
    assert shown.stdout == written.read_bytes()
    assert "→".encode() in shown.stdout


def test_a_reader_that_leaves_midway_is_a_broken_pipe() -> None:
    """`| head -c 100` on a report larger than a pipe holds: not exit 0 with the report cut."""
    process = subprocess.Popen(
        [*EVALUATE, "--format", "html"],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100).startswith(b"<!DOCTYPE html>")  # the report is being written
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert stderr == b""  # the reader chose to stop: nothing to say


def test_a_closed_stdout_is_a_located_error() -> None:
    run = subprocess.run(
        EVALUATE, cwd=ROOT, env=environment(), capture_output=True, timeout=60, preexec_fn=lambda: os.close(1)
    )
    assert run.returncode == 2
    assert run.stderr.decode().splitlines() == ["<stdout>:1:1: error: cannot write: Bad file descriptor"]
