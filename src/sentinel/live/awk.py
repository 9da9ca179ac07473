"""An ``awk`` program as what it does outside itself: the commands it runs (``system(…)``, ``print …
| "sh"``, ``"cmd" | getline``) and the files it writes (``print … > "/etc/passwd"``), rewritten as the
shell that does the same, so the shell layers judge them. A command built from a field of every
input line (``system("userdel -r " $1)``) runs once per line: it is the input piped through ``awk
'{print …}'`` into ``sh``, which the transform layer reads as a command applied to everything listed
(``cut -d: -f1 /etc/passwd | xargs userdel -r``). Only string literals and fields are read; any other
expression stands for an unknown part of a word.

Bounded: the program is scanned once, at most ``MAX_EFFECTS`` effects are returned.
"""

from __future__ import annotations

import re
import shlex

from sentinel.live.context import Nested
from sentinel.live.lexer import balanced_end

MAX_EFFECTS = 16
MAX_PROGRAM = 4000
STRING = re.compile(r'"((?:[^"\\]|\\.){0,1000})"')
FIELD = re.compile(r"\$(?:\d+|NF|\(\s*[^()]{0,40}\))")
CALL = re.compile(r"\bsystem\s*\(")
PIPE_TO = re.compile(r'\|\s*"((?:[^"\\]|\\.){1,400})"')
GETLINE = re.compile(r'"((?:[^"\\]|\\.){1,400})"\s*\|\s*getline\b')
WRITE_TO = re.compile(r'(?<![<>=!])(>>?)\s*(\(?\s*"(?:[^"\\]|\\.){1,400}"[^;}\n]{0,200}|"(?:[^"\\]|\\.){1,400}")')
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash"})
MAX_EXPRESSION = 1000  # characters of a system() argument read


def _balanced(text: str, start: int) -> str:
    """The text from ``start`` (just after an opening parenthesis) to its closing one, strings respected."""
    end = balanced_end(text, start, "(", ")", MAX_EXPRESSION, quotes='"')
    return text[start : min(len(text), start + MAX_EXPRESSION) if end is None else end]


def _unescape(literal: str) -> str:
    """An awk string literal's text (``\\n``, ``\\t``, octal ``\\167`` and escaped characters resolved)."""
    return re.sub(
        r"\\([0-7]{1,3}|.)",
        lambda m: (
            chr(int(m.group(1), 8))
            if m.group(1)[0] in "01234567"
            else {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1))
        ),
        literal,
    )


def _text(expr: str) -> tuple[str, bool]:
    """An expression's string literals joined (other parts as ``…``) and whether it reads a field of
    the input line (so it differs for every line)."""
    parts: list[str] = []
    pos = 0
    for m in STRING.finditer(expr):
        if expr[pos : m.start()].strip():
            parts.append("…")
        parts.append(_unescape(m.group(1)))
        pos = m.end()
    if expr[pos:].strip():
        parts.append("…")
    return "".join(parts), bool(FIELD.search(expr))


def _condition(program: str, at: int) -> str:
    """The pattern of the rule whose action holds position ``at`` (``/java/``, ``$3 >= 1000``,
    ``BEGIN``; "" for every line)."""
    head = program[:at].rsplit("{", 1)[0]
    return head.rsplit("}", 1)[-1].strip()


def _lines(files: list[str], producer: str, condition: str) -> str:
    """A shell command printing the input lines a rule acts on: the files (or the producer of the
    pipe), filtered by the rule's pattern when it has one; "" when there is no input."""
    picked = shlex.quote(condition)
    if files:
        return f"grep -h -e {picked} " + " ".join(shlex.quote(f) for f in files[:8])
    if producer:
        return f"{producer} | grep -e {picked}" if condition else producer
    return ""


def _per_line(expr: str, files: list[str], producer: str, condition: str) -> Nested | None:
    """A command made from every input line (those the rule's pattern picks): those lines through
    ``awk '{print EXPR}'`` into ``sh``; None when the program has no input."""
    lines = _lines(files, producer, condition)
    if not lines:
        return None
    printer = shlex.quote("{print " + expr.strip() + "}")
    return Nested("shell", f"{lines} | awk {printer} | sh")


def effects(program: str, files: list[str], producer: str) -> list[Nested]:
    """The shell equivalents of what an awk program runs and writes; its input is ``files`` or, when
    there are none, what ``producer`` (a shell command) prints."""
    program = program[:MAX_PROGRAM]
    out: list[Nested] = []
    for m in CALL.finditer(program):
        expr = _balanced(program, m.end())
        text, per_line = _text(expr)
        condition = _condition(program, m.start())
        each = _per_line(expr, files, producer, condition) if per_line and condition not in ("BEGIN", "END") else None
        out.append(each or Nested("shell", text))
    for m in PIPE_TO.finditer(program):
        target = _unescape(m.group(1))
        if target.split()[:1] and target.split()[0].rsplit("/", 1)[-1] in SHELLS:  # print … | "sh"
            statement = program[: m.start()].rsplit("{", 1)[-1].rsplit(";", 1)[-1]
            printed = re.sub(r"^\s*print(?:f)?\b", "", statement)
            each = _per_line(printed, files, producer or "cat", _condition(program, m.start()))
            out.append(each or Nested("shell", _text(printed)[0]))
        else:
            out.append(Nested("shell", target))
    for m in GETLINE.finditer(program):
        out.append(Nested("shell", _unescape(m.group(1))))
    for m in WRITE_TO.finditer(program):
        path, _ = _text(m.group(2).strip().strip("()"))
        out.append(Nested("shell", f"echo awk-output {m.group(1)} {shlex.quote(path)}"))
    return out[:MAX_EFFECTS]
