"""Shared fixtures."""

from __future__ import annotations

import pytest


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
