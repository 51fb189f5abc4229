"""Bytes to text: UTF-8 only, a leading byte-order mark tolerated, bad bytes located."""

from __future__ import annotations

from iandw.diagnostics import Diagnostic, Span

BOM = b"\xef\xbb\xbf"


def decode_utf8(raw: bytes, file: str, line_offset: int = 0) -> tuple[str, Diagnostic | None]:
    """The text, or '' and an error at the first byte that is not UTF-8."""
    raw = raw.removeprefix(BOM)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1 + line_offset
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        byte = raw[exc.start : exc.start + 1].hex()
        return "", Span(file, line, column).error(
            f"not UTF-8: byte 0x{byte} cannot be decoded (save the file as UTF-8)"
        )
