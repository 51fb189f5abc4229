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


_WIDE_MARKS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def wide_encoding(start: bytes) -> str | None:
    """Why a file whose first bytes are `start` is UTF-16 or UTF-32, or None.

    Such a file is not UTF-8 anywhere: said once for the file, not once per
    line of a JSONL file.  Without a byte-order mark, two characters each
    written with NUL bytes say it (`{"` as `{\\0"\\0`): neither YAML nor JSON
    text may hold a NUL, and a UTF-8 file that starts so is no text at all.
    """
    for mark, encoding in _WIDE_MARKS:
        if start.startswith(mark):
            return f"the file is {encoding} (it starts with a {encoding} byte-order mark)"
    looks = _WIDE_NULS.get(tuple(byte == 0 for byte in start[:4]))
    return None if looks is None else f"the file looks {looks} (its first characters hold NUL bytes)"


_WIDE_NULS: dict[tuple[bool, ...], str] = {  # which of the first four bytes are NUL, when the text is ASCII
    (False, True, False, True): "UTF-16",
    (True, False, True, False): "UTF-16",
    (False, True, True, True): "UTF-32",
    (True, True, True, False): "UTF-32",
}


def wide_encoding_error(start: bytes, file: str) -> Diagnostic | None:
    """The one error for a UTF-16 or UTF-32 file (see `wide_encoding`), or None."""
    why = wide_encoding(start)
    return None if why is None else Span(file).error(f"not UTF-8: {why}; save it as UTF-8")
