"""Windows command lines read like the Unix ones: ``C:\\Users\\bob`` becomes ``C:/Users/bob``
before the (POSIX) lexer would eat its backslashes as escapes, a drive's root is the root,
``%SystemRoot%``/``$env:windir`` are ``/windows`` …, and ``/s``, ``/q``, ``/all`` of cmd.exe
programs are flags rather than paths (``[windows]`` in the rules file).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sentinel.live.rules import pattern, rules

DRIVE = re.compile(r"^[a-z]:(?=/|$)")


def posix_paths(text: str) -> str:
    """The text with the backslashes of Windows paths and registry keys made slashes."""
    if "\\" not in text:
        return text
    slashed = pattern(rules()["windows"]["quoted_path"]).sub(lambda m: m.group().replace("\\", "/"), text)
    return pattern(rules()["windows"]["path"]).sub(lambda m: m.group().replace("\\", "/"), slashed)


@lru_cache(maxsize=1)
def _programs() -> tuple[frozenset[str], frozenset[str]]:
    data = rules()["windows"]
    return frozenset(data["programs"]), frozenset(data["ambiguous"])


def is_switch(program: str, word: str) -> bool:
    """Whether a word is a cmd.exe switch of this program (``/s``, ``/quiet``, ``/w:C:``)."""
    if not word.startswith("/") or len(word) < 2:
        return False
    windows, ambiguous = _programs()
    if program in windows:
        return bool(pattern(rules()["windows"]["switch"]).match(word.lower()))
    return program in ambiguous and bool(pattern(rules()["windows"]["short_switch"]).match(word.lower()))


def unixish(path: str) -> str:
    """A lower-cased Windows path as the path tables know it: ``c:/windows`` → ``/windows``,
    ``%userprofile%/x`` → ``~/x``, a bare drive (``d:``) → the root."""
    if "%" in path or "$env:" in path:
        for name, value in rules()["windows"]["variables"].items():
            if path.startswith(name):
                path = value + path[len(name) :]
                break
    return DRIVE.sub("", path) or "/" if DRIVE.match(path) else path
