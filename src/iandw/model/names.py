"""Names compared as a reader compares them: case, diacritics and punctuation aside.

Entity names and aliases (SPEC §4) and source origins (SPEC §5) are both
written by hand and by importers, so 'Reuters' and 'reuters', or 'Ḥamas'
and 'Hamas', must be one name.  Names are compared after Unicode
normalisation (NFKD from the standard library's `unicodedata`): case
folded, diacritics (combining marks) dropped, and everything that is not a
letter or a digit (punctuation, spaces, symbols) removed.  Modifier letters
(Unicode category Lm) count as punctuation: they are the ʿ and ʾ of
transliterated Arabic and Hebrew ("al-ʿĀrūrī") and the Arabic tatweel ـ,
marks of spelling rather than letters of the name.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """'Saleh al-Arouri' and 'SALEH AL ÁROURI' both become 'salehalarouri'."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch for ch in decomposed if unicodedata.category(ch)[0] in "LN" and unicodedata.category(ch) != "Lm"
    )
    return unicodedata.normalize("NFKC", kept.casefold())


@lru_cache(maxsize=65536)
def origin_key(written: str) -> str:
    """What makes two sources' origins one origin, so that circular reporting counts once.

    Compared as names are; an origin of punctuation alone, which has no
    letters to compare, is only ever itself.
    """
    return sys.intern(normalize_name(written) or written)  # a million observations share a few
