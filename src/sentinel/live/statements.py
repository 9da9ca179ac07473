"""SQL text as statements, each parsed on its own: one statement a dialect cannot read must not hide
the others (``USE master; ALTER DATABASE [Sales] …; DROP DATABASE [Sales]``), and a client's own
lines (``\\c billing``, ``SET ECHO ON``, ``EXIT``, ``GO``) are no SQL at all. A statement is parsed
by sqlglot in its default dialect, then in the dialects its spelling points to (``[x]`` names are
T-SQL, backticks BigQuery or MySQL, ``ON CLUSTER`` ClickHouse …; ``[sql] dialects``), then in the
others; what no dialect reads is returned unparsed, for the keyword reading in ``sql.py``.

Bounded: one linear pass splits at most ``MAX_STATEMENTS`` statements, and a snippet gets at most
``MAX_FALLBACK_PARSES`` parses in other dialects (only for statements of at most
``MAX_FALLBACK_CHARS``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from sentinel.live.rules import pattern, rules

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" notices are not errors here
Node = Any  # a sqlglot expression (its typing differs between sqlglot versions)
MAX_STATEMENTS = 64
MAX_FALLBACK_PARSES = 16
MAX_FALLBACK_CHARS = 2000
DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_]\w{0,30})?\$")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: its text and its parse (None when no dialect reads it)."""

    text: str
    node: Node | None


def _client_line(line: str) -> str | None:
    """What a line of a client script stands for: ``;`` for a batch separator (``GO``, Oracle's
    ``/``), ``""`` for a client command that is no SQL (``\\c db``, ``SET ECHO ON``, ``EXIT``), or
    None for SQL."""
    stripped = line.strip()
    if not stripped:
        return None
    sql = rules()["sql"]
    if pattern(sql["batch_separator"], re.IGNORECASE).fullmatch(stripped):
        return ";"
    if stripped.startswith("\\") or pattern(sql["client_command"], re.IGNORECASE).match(stripped):
        return ""
    return None


def _without_client_lines(text: str) -> str:
    """The script with its client lines dropped and its batch separators made ``;``."""
    if "\n" not in text and not text.lstrip().startswith("\\"):
        return text
    lines = text.split("\n")
    out = []
    for line in lines:
        replaced = _client_line(line)
        out.append(line if replaced is None else replaced)
    return "\n".join(out)


def split(text: str) -> list[str]:
    """The statements of a script, split at ``;`` outside quotes, quoted names and dollar-quoted
    bodies (``DO $$ … ; … $$``), client lines dropped; at most ``MAX_STATEMENTS``."""
    text = _without_client_lines(text)
    if ";" not in text:
        return [text.strip()] if text.strip() else []
    out: list[str] = []
    start, i, n = 0, 0, len(text)
    while i < n and len(out) < MAX_STATEMENTS:
        c = text[i]
        if c in "'\"`[":
            close = "]" if c == "[" else c
            end = text.find(close, i + 1)
            i = n if end < 0 else end + 1
        elif c == "$" and (m := DOLLAR_TAG.match(text, i)):
            end = text.find(m.group(0), m.end())
            i = n if end < 0 else end + len(m.group(0))
        elif c == ";":
            piece = text[start:i].strip()
            if piece:
                out.append(piece)
            start = i = i + 1
        else:
            i += 1
    rest = text[start:].strip()
    if rest and len(out) < MAX_STATEMENTS:
        out.append(rest)
    return out


def _dialect_order(text: str) -> list[str]:
    """The dialects to try after the default one: those the statement's spelling points to first."""
    sql = rules()["sql"]
    hinted = [d for d, hint in sql["dialect_hints"].items() if pattern(hint, re.IGNORECASE).search(text)]
    return hinted + [d for d in sql["dialects"] if d not in hinted]


class Parser:
    """Parses the statements of one snippet, counting the fallback parses it spends."""

    def __init__(self) -> None:
        self.fallbacks = MAX_FALLBACK_PARSES

    def parse(self, text: str) -> Node | None:
        """The statement in the default dialect, else (when it has a changing verb) in the first other
        dialect that reads it without falling back to a bare command; a bare command when that is all
        any reads; None when none reads it."""
        command: Node | None = None
        try:
            node = sqlglot.parse_one(text)
        except Exception:  # noqa: BLE001 - sqlglot raises several error types; the next dialect may read it
            node = None
        if node is not None and not isinstance(node, exp.Command):
            return node
        command = node
        if len(text) > MAX_FALLBACK_CHARS or not pattern(rules()["sql"]["changes"]).search(text):
            return command  # a statement that changes nothing is not worth another dialect
        for dialect in _dialect_order(text):
            if self.fallbacks <= 0:
                break
            self.fallbacks -= 1
            try:
                node = sqlglot.parse_one(text, read=dialect)
            except Exception:  # noqa: BLE001
                continue
            if node is not None and not isinstance(node, exp.Command):
                return node
            command = command or node
        return command

    def statements(self, text: str) -> list[Statement]:
        """Every statement of a snippet with its parse."""
        return [Statement(piece, self.parse(piece)) for piece in split(text)]
