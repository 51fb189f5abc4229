"""A JSONL line is read twice: once to check it, again when its text is needed.

A file rewritten, truncated or removed in between must not put another
observation's text in its place, nor end in a traceback: it is a located
error, and the command exits 2.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import iandw.loader
from iandw.cli import main
from iandw.diagnostics import InputChanged, Span
from iandw.limits import DEFAULT_LIMITS
from iandw.loader.json_reader import JsonlLine

ROOT = Path(__file__).resolve().parents[1]


def trained(identifier: str, summary: str) -> str:
    """An observation the shipped indicator `pmc-training` matches, so the report shows its text."""
    return json.dumps(
        {
            "id": identifier,
            "type": "training",
            "date": "2023-06-01",
            "summary": summary,
            "entities": [
                {"entity": "wagner-group", "role": "trainer"},
                {"entity": "hamas", "role": "trainee"},
            ],
            "sources": [{"name": "a wire", "origin": "wire", "reliability": "B", "credibility": 2}],
        }
    )


def case_with_feed(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "observations", tmp_path / "observations")
    feed = tmp_path / "observations" / "feed.jsonl"
    feed.write_text(trained("trained-first", "first") + "\n" + trained("trained-second", "second") + "\n")
    return feed


def evaluate_changing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], Any]) -> Any:
    """`iandw evaluate` with `change` made to the feed once it has been read, before the report."""
    feed = case_with_feed(tmp_path)
    read = iandw.loader.load

    def read_then_change(*args: Any, **kwargs: Any) -> Any:
        result = read(*args, **kwargs)
        change(feed)
        return result

    monkeypatch.setattr(iandw.loader, "load", read_then_change)
    arguments = ["evaluate", str(tmp_path / "observations"), "--rules", str(ROOT / "rules")]
    return CliRunner().invoke(main, [*arguments, "--as-of", "2024-01-01", "--format", "json"])


def swapped(feed: Path) -> None:
    first, second = feed.read_text().splitlines()
    feed.write_text(second + "\n" + first + "\n")


def test_a_feed_rewritten_while_evaluated_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = evaluate_changing(tmp_path, monkeypatch, swapped)
    assert result.exit_code == 2, result.output
    feed = str(tmp_path / "observations" / "feed.jsonl")
    assert f"{feed}:1:1: error: this line no longer holds observation 'trained-first'" in result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout == ""  # no report mixing the two files


def test_a_feed_removed_while_evaluated_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = evaluate_changing(tmp_path, monkeypatch, Path.unlink)
    assert result.exit_code == 2, result.output
    assert "feed.jsonl:1:1: error: cannot read this line again (No such file or directory)" in result.stderr


def test_a_line_read_again_must_hold_the_same_observation(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(trained("trained-first", "first") + "\n" + trained("trained-second", "second") + "\n")
    second_line_offset = len(trained("trained-first", "first")) + 1
    line = JsonlLine(str(feed), "feed.jsonl", 2, second_line_offset, DEFAULT_LIMITS)
    assert line("trained-second").summary == "second"
    moved_up = "x" * (second_line_offset - 1) + "\n" + trained("trained-second", "second") + "\n"
    feed.write_text(moved_up)  # the first line changed, the second is where it was
    assert line("trained-second").summary == "second"
    feed.write_bytes(b"\xff" * second_line_offset * 2)  # not even text
    with pytest.raises(InputChanged) as raised:
        line("trained-second")
    assert raised.value.diagnostic.file == "feed.jsonl"
    assert (raised.value.diagnostic.line, raised.value.diagnostic.column) == (2, 1)


def test_a_problem_on_a_line_of_a_removed_file_is_still_located(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(trained("trained-first", "first") + "\n")
    line = JsonlLine(str(feed), "feed.jsonl", 1, 0, DEFAULT_LIMITS)
    feed.unlink()
    assert line.span(("sources", 0, "origin")) == Span("feed.jsonl", 1, 1)
