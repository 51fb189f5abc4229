"""Names compared as a reader compares them: case, diacritics and punctuation aside.

Entity names and aliases (SPEC §4) and source origins (SPEC §5) are both
written by hand and by importers, so 'Reuters' and 'reuters', or 'Ḥamas'
and 'Hamas', must be one name.  Entity names are compared after Unicode
normalisation (NFKD from the standard library's `unicodedata`): case
folded, diacritics (combining marks) dropped, and everything that is not a
letter or a digit (punctuation, spaces, symbols) removed.  Modifier letters
(Unicode category Lm) count as punctuation: they are the ʿ and ʾ of
transliterated Arabic and Hebrew ("al-ʿĀrūrī") and the Arabic tatweel ـ,
marks of spelling rather than letters of the name.
"""

from __future__ import annotations

import re
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


_ENDS = re.compile(r"^[\W_]+|[\W_]+$")  # what surrounds the letters and digits


@lru_cache(maxsize=65536)
def origin_key(written: str) -> str:
    """What makes two sources' origins one origin, so that circular reporting counts once.

    Case, diacritics, runs of spaces and the punctuation around an origin
    aside ('Reuters', 'REUTERS.', ' reuters'), not the punctuation inside
    it: origins are often web sites, and news-24.com and news24.com are two.
    An origin of punctuation alone is only ever itself.
    """
    decomposed = unicodedata.normalize("NFKD", written)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    key = unicodedata.normalize("NFKC", _ENDS.sub("", " ".join(plain.split())))
    return sys.intern(key or written)  # a million observations share a few hundred
