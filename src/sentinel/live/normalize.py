"""Undo the cheap evasions before anything is parsed.

NFKC folds full-width and other compatibility forms (``ｒｍ`` → ``rm``); format characters
(zero-width spaces and joiners, word joiners, soft hyphens) are dropped; look-alike letters from
other scripts (Cyrillic ``о``, Greek ``ο``) become Latin; odd spaces become plain ones. Case and
line breaks are kept: shell is case-sensitive in its payloads (base64) and scripts are multi-line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sentinel.live.rules import known_programs, rules

SQL_WORDS = frozenset({"select", "delete", "drop", "update", "truncate", "alter", "grant", "insert", "table", "from"})
# Where a camelCase or PascalCase name starts a new word (`kubectlDelete`, `AuditId`).
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
NON_ASCII_WORD = re.compile(r"\w*[^\x00-\x7f]\w*")
# An em dash that starts an option word (`git push —force`, as editors turn `--` into one).
EM_DASH_FLAG = re.compile(r"(?<=\s)\u2014(?=[a-z][a-z-]+\b)")


@lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    """``str.translate`` table of the look-alike letters in the rules file."""
    return {ord(k): v for k, v in rules()["confusables"].items()}


@lru_cache(maxsize=1)
def _transliterations() -> dict[int, str]:
    """``str.translate`` table reading Cyrillic letters by sound (``р`` → ``r``)."""
    return {ord(k): v for k, v in rules()["transliterations"].items()}


def _read_word(word: str) -> str:
    """A word with look-alike letters, read by look unless only its reading by sound, or only the
    word without its foreign letters (``mіkfs`` with a Cyrillic ``і`` slipped in), is a program."""
    by_look = word.translate(_confusables())
    known = known_programs() | SQL_WORDS
    if _program_word(by_look) in known:
        return by_look
    if any(ord(ch) in _transliterations() for ch in word):
        by_sound = word.translate(_transliterations()).translate(_confusables())
        if _program_word(by_sound) in known:
            return by_sound
    without = "".join(ch for ch in word if ch.isascii())
    return without if without and _program_word(without) in known else by_look


def _program_word(word: str) -> str:
    """The program a word would name (``mkfs.ext4`` → ``mkfs``), lower-cased."""
    low = word.lower()
    head = low.split(".", 1)[0]
    return head if head in known_programs() else low


def clean(text: str) -> str:
    """The text with compatibility forms folded, format characters dropped, confusables mapped to
    ASCII, tabs and other horizontal spaces made plain, ``\\r\\n`` made ``\\n``, a backslash-newline
    joined (the shell and Python both continue the line) and an em dash before an option word read
    as ``--``."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = NON_ASCII_WORD.sub(lambda m: _read_word(m.group()), text)
        text = "".join(" " if ch != "\n" and ch.isspace() else ch for ch in text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return EM_DASH_FLAG.sub("--", text.replace("\\\n", "")) if "\\\n" in text or "\u2014" in text else text
