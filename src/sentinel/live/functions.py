"""Shell functions called with arguments: ``wipe(){ rm -rf "$1"; }; wipe /var/lib/mysql`` runs
``rm -rf /var/lib/mysql``. The body of a function defined in the snippet is judged again for each
call, its positional parameters (``$1`` … ``$9``, ``${1}``, ``$@``, ``$*``) replaced by the call's
arguments (the lexer already judged the body as written, with the parameters unknown). Aliases
alike: ``alias ll='rm -rf /home/deploy'; ll`` runs ``rm -rf /home/deploy``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from sentinel.live.lexer import balanced_end
from sentinel.live.rules import pattern, rules

PARAMETER = re.compile(r"\$\{?([1-9@*])\}?")
MAX_FUNCTIONS = 16
MAX_HEADERS = 64
MAX_BODY = 4000


@dataclass(frozen=True, slots=True)
class Function:
    """A function definition: its name, its body, and where the whole definition starts and ends."""

    name: str
    body: str
    start: int
    end: int


def _closing(text: str, start: int) -> int | None:
    """The index of the brace that closes a body opened just before ``start`` (nested braces,
    ``${VAR}`` and quoted text respected), or None within ``MAX_BODY`` characters."""
    return balanced_end(text, start, "{", "}", MAX_BODY)


def spans(text: str) -> list[Function]:
    """Every function a text defines (``NAME() { … }``, ``function NAME { … }``), its body running to
    the matching brace, however long (up to ``MAX_BODY``); at most ``MAX_HEADERS`` are looked at."""
    if "{" not in text:
        return []
    out = []
    for count, m in enumerate(pattern(rules()["shapes"]["function"]).finditer(text)):
        if count >= MAX_HEADERS:
            break
        end = _closing(text, m.end())
        if end is not None:
            out.append(Function(m.group("name") or m.group("fname"), text[m.end() : end], m.start(), end + 1))
    return out


def definitions(text: str) -> dict[str, str]:
    """The functions a snippet defines: name → body."""
    out: dict[str, str] = {}
    for f in spans(text):
        out[f.name] = f.body
        if len(out) >= MAX_FUNCTIONS:
            break
    return out


def _double_quoted(body: str) -> list[bool]:
    """For each position of a body, whether it is inside double quotes (single quotes, escapes kept)."""
    inside, single, escaped = False, False, False
    out = []
    for c in body:
        out.append(inside)
        if escaped:
            escaped = False
        elif c == "\\" and not single:
            escaped = True
        elif c == "'" and not inside:
            single = not single
        elif c == '"' and not single:
            inside = not inside
    return out


def _escaped(arg: str) -> str:
    """An argument as text inside double quotes."""
    return re.sub(r'(["$`\\])', r"\\\1", arg)


def called(body: str, args: list[str]) -> str:
    """A function's body with its positional parameters replaced by a call's arguments (inside double
    quotes as text, ``"$@"`` as one word per argument; elsewhere quoted as words)."""
    quoted = _double_quoted(body)

    def value(m: re.Match[str]) -> str:
        key, inside = m.group(1), quoted[m.start()]
        if key in "@*":
            if inside:
                return ('" "' if key == "@" else " ").join(_escaped(a) for a in args)
            return " ".join(shlex.quote(a) for a in args)
        index = int(key) - 1
        if index >= len(args):
            return m.group(0)  # not given: still unknown
        return _escaped(args[index]) if inside else shlex.quote(args[index])

    return PARAMETER.sub(value, body)


def aliases(words: list[str]) -> dict[str, str]:
    """The names a command makes stand for another command: ``alias NAME=VALUE …``, ``hash -p
    PATH NAME`` and a link or copy of a program (``ln -sf /bin/rm /tmp/cleanup``, ``cp /bin/rm x``)."""
    program = words[0].rsplit("/", 1)[-1] if words else ""
    if program == "alias":
        out = {}
        for w in words[1:MAX_FUNCTIONS]:
            name, eq, value = w.partition("=")
            if eq and name and value.strip():
                out[name] = value
        return out
    operands = [w for w in words[1:] if not w.startswith("-")]
    if program == "hash" and "-p" in words and len(operands) == 2:
        return {operands[1]: operands[0]}
    if program in ("ln", "cp", "install") and len(operands) == 2 and PROGRAM_PATH.match(operands[0]):
        return {operands[1]: operands[0], operands[1].rsplit("/", 1)[-1]: operands[0]}
    return {}


# A program's own path (`/bin/rm`, `/usr/sbin/mkfs.ext4`): a link to it or a copy of it runs it.
PROGRAM_PATH = re.compile(r"^/(?:usr/)?(?:local/)?s?bin/[\w.+-]+$")


def expanded(value: str, args: list[str]) -> str:
    """An alias used as a command: its value followed by the command's arguments."""
    return " ".join([value, *(shlex.quote(a) for a in args)])
