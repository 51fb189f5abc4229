"""Shared fixtures, and the property tests' profile.

Locally, property tests draw new examples on every run, so they keep
exploring. CI sets HYPOTHESIS_PROFILE=ci: the same examples every run, so
that a red CI is a reproducible failure, not a draw.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def tmp_tree(tmp_path):
    """Write {relative path: text} files under a temporary directory."""

    def write(files: dict[str, str | bytes]) -> str:
        for relative, content in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return str(tmp_path)

    return write
