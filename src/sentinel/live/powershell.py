"""PowerShell command names built from strings (an evasion): ``& ('Rem'+'ove-Item') …``, ``& ("{0}{1}"
-f 'Remove-','Item') …``, ``& (-join ('Remove','-Item')) …``, ``. ('Clear'+'-Disk') …`` and ``$c =
'Remove-' + 'Item'; & $c …``. A string expression made of literals (and of variables assigned one
earlier) is folded to its value, and the call operator (``&`` or ``.``) in front of it is dropped, so
the command reads ``Remove-Item …`` and is judged like one; ``iex ('Remove-Item C:\\Users' + ' -Recurse')``
is the code it is given. Strings with interpolation (``"$x"``, a backtick escape) are not folded.

Bounded: only texts with a call operator (or ``iex``) in front of an expression are looked at, at most
``MAX_FOLDS`` expressions are folded, and every pattern is linear (no nested quantifiers).
"""

from __future__ import annotations

import re

from sentinel.live.rules import pattern, rules

MAX_FOLDS = 32
LITERAL = r"(?:'(?:[^'\n]|'')*'|\"[^\"`$\n]*\")"
ITEM = rf"(?:{LITERAL}|\$\w+)"
CONCAT = re.compile(rf"\(?\s*({ITEM}(?:\s*\+\s*{ITEM})+)\s*\)?")
FORMAT = re.compile(rf"\(\s*({LITERAL})\s+-f\s+({LITERAL}(?:\s*,\s*{LITERAL}){{0,16}})\s*\)")
JOIN = re.compile(rf"\(\s*-join\s*\(?\s*({LITERAL}(?:\s*,\s*{LITERAL}){{0,16}})\s*\)?\s*\)")
ASSIGN = re.compile(rf"\$(\w+)\s*=\s*({ITEM}(?:\s*\+\s*{ITEM}){{0,16}})\s*(?=;|\n|$)")
CALL = re.compile(
    rf"(?:^|(?<=[;|{{\n(]))(\s*)([&.]|(?i:iex|invoke-expression))\s*"
    rf"(\(\s*-join[^)]*\)\s*\)|\([^()\n]{{1,400}}\)|{LITERAL}|\$\w+)(?=\s|$)"
)
STRINGS = re.compile(LITERAL)
QUICK = re.compile(r"(?i)(?:^|[;|{\n(])\s*(?:[&.]|iex|invoke-expression)\s*[(\$'\"]")
NAME = re.compile(r"[\w.:\\/ -]{1,200}")
TICKED = re.compile(r"(?<![`\w])-?[A-Za-z][\w-]{0,60}`[A-Za-z][\w`-]{0,60}")


def _literal(text: str) -> str:
    """A quoted PowerShell literal's value (``'it''s'`` → ``it's``)."""
    body = text[1:-1]
    return body.replace("''", "'") if text.startswith("'") else body


def _value(expr: str, variables: dict[str, str]) -> str | None:
    """The value of a string expression of literals and known variables, or None."""
    expr = expr.strip()
    m = FORMAT.fullmatch(expr)
    if m:
        args = [_literal(a) for a in STRINGS.findall(m.group(2))]
        try:
            return _literal(m.group(1)).format(*args)
        except (IndexError, KeyError, ValueError):
            return None
    m = JOIN.fullmatch(expr)
    if m:
        return "".join(_literal(a) for a in STRINGS.findall(m.group(1)))
    m = CONCAT.fullmatch(expr)
    if m:
        parts = []
        for item in re.findall(ITEM, m.group(1)):
            if item.startswith("$"):
                if item[1:] not in variables:
                    return None
                parts.append(variables[item[1:]])
            else:
                parts.append(_literal(item))
        return "".join(parts)
    if STRINGS.fullmatch(expr):
        return _literal(expr)
    if expr.startswith("$"):
        return variables.get(expr[1:])
    if expr.startswith("(") and expr.endswith(")"):
        return _value(expr[1:-1], variables)
    return None


def untick(text: str) -> str:
    """PowerShell's backtick escapes inside words dropped (``Re`m`ove-Item -Re`curse`` is
    ``Remove-Item -Recurse``) when a word they spell is a cmdlet: a backtick before a letter is that
    letter in PowerShell, while in Markdown backticks wrap whole spans."""
    if "`" not in text:
        return text
    words = list(TICKED.finditer(text))
    cmdlet = pattern(rules()["known"]["powershell_cmdlet"])
    if not any(cmdlet.match(m.group(0).replace("`", "")) for m in words[:MAX_FOLDS]):
        return text
    return TICKED.sub(lambda m: m.group(0).replace("`", ""), text)


def folded(text: str) -> str:
    """The text with call operators on string expressions replaced by the command they name, and
    backtick escapes inside cmdlet words dropped (:func:`untick`)."""
    text = untick(text)
    if not QUICK.search(text):
        return text
    variables: dict[str, str] = {}
    for m in list(ASSIGN.finditer(text))[:MAX_FOLDS]:
        value = _value(m.group(2), variables)
        if value is not None:
            variables[m.group(1)] = value
    count = 0

    def call(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        value = _value(m.group(3), variables) if count <= MAX_FOLDS else None
        if value is None or "\n" in value:
            return m.group(0)
        if m.group(2) not in "&.":  # iex ('Remove-Item C:\Users' + ' -Recurse'): the code it runs
            return m.group(1) + value
        if not NAME.fullmatch(value):
            return m.group(0)
        return m.group(1) + (f'"{value}"' if " " in value else value)

    return CALL.sub(call, text)
