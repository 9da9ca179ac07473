"""Undo the cheap evasions before anything is parsed.

NFKC folds full-width and other compatibility forms (``ｒｍ`` → ``rm``); format characters
(zero-width spaces and joiners, word joiners, soft hyphens) are dropped; look-alike letters from
other scripts (Cyrillic ``о``, Greek ``ο``) become Latin; odd spaces become plain ones. Case and
line breaks are kept: shell is case-sensitive in its payloads (base64) and scripts are multi-line.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from sentinel.live.rules import rules


@lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    """``str.translate`` table of the look-alike letters in the rules file."""
    return {ord(k): v for k, v in rules()["confusables"].items()}


def clean(text: str) -> str:
    """The text with compatibility forms folded, format characters dropped, confusables mapped to
    ASCII, tabs and other horizontal spaces made plain and ``\\r\\n`` made ``\\n``."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = text.translate(_confusables())
        text = "".join(" " if ch != "\n" and ch.isspace() else ch for ch in text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
