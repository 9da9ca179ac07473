"""What ``tr`` and ``sed`` make of a known text, so that ``echo 'ez -es /' | tr a-z n-za-m | sh``
(rot13) or ``echo 'rX -rf /' | sed 's/X/m/' | sh`` is judged as what the shell runs. Only what can
be computed exactly and cheaply is computed: ``tr`` with literal sets (ranges, escapes, ``-d``,
``-s``), and ``sed`` scripts made only of ``s///`` and ``y///`` commands whose patterns have at most
one quantifier (no backtracking blow-up). Anything else is None: the text passes through unread,
as before. The same ``s///`` reader tells what an in-place edit writes (``sed -i``), and which
command a ``sed 's/^/rm -rf /'`` or an ``awk '{print "rm -rf " $1}'`` puts in front of every line
of a listing (``ls /srv | sed 's/^/rm -rf /' | sh``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

MAX_SET = 512
MAX_TEXT = 1000
MAX_EDITS = 64
ESCAPES = MappingProxyType({"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "/": "/"})
BRE_SPECIAL = MappingProxyType({"\\(": "(", "\\)": ")", "\\{": "{", "\\}": "}", "\\+": "+", "\\?": "?", "\\|": "|"})
QUANTIFIERS = re.compile(r"(?<!\\)[*+?{]")
AWK_PREFIX = re.compile(r'^\s*\{\s*print\s+"([^"\\]{1,200})"\s*,?\s*\$(?:\d+|NF)\s*;?\s*\}\s*$')


@dataclass(frozen=True, slots=True)
class Edit:
    """One ``s/PATTERN/REPLACEMENT/FLAGS`` (``kind`` ``s``) or ``y/SOURCE/DEST/`` (``kind`` ``y``)."""

    kind: str
    pattern: str
    replacement: str
    flags: str = ""


def _expand_set(spec: str) -> str | None:
    """A ``tr`` set as its characters (``a-z`` → ``abc…z``, ``\\n`` → newline); None when it uses
    what is not computed here (classes such as ``[:upper:]``, equivalence classes)."""
    if "[:" in spec or "[=" in spec:
        return None
    chars: list[str] = []
    i = 0
    while i < len(spec):
        c = spec[i]
        if c == "\\" and i + 1 < len(spec):
            c = ESCAPES.get(spec[i + 1], spec[i + 1])
            i += 1
        if i + 2 < len(spec) and spec[i + 1] == "-":
            end = spec[i + 2]
            if ord(end) < ord(c) or ord(end) - ord(c) > MAX_SET:
                return None
            chars.extend(chr(o) for o in range(ord(c), ord(end) + 1))
            i += 3
        else:
            chars.append(c)
            i += 1
        if len(chars) > MAX_SET:
            return None
    return "".join(chars)


def _squeeze(text: str, chars: str) -> str:
    """Runs of one of ``chars`` made one (``tr -s``)."""
    return re.sub("([" + re.escape(chars) + r"])\1+", r"\1", text) if chars else text


def tr(args: list[str], text: str) -> str | None:
    """``tr [-d] [-s] SET1 [SET2]`` applied to ``text`` (None when it cannot be computed)."""
    flags = {a for a in args if a.startswith("-") and len(a) > 1}
    sets = [a for a in args if a not in flags]
    if flags - {"-d", "-s", "-ds", "-sd", "--delete", "--squeeze-repeats"} or not 1 <= len(sets) <= 2:
        return None
    expanded = [_expand_set(s) for s in sets]
    if None in expanded or not expanded[0]:
        return None
    first, second = expanded[0] or "", (expanded[1] if len(expanded) > 1 else "") or ""
    delete, squeeze = any("d" in f for f in flags), any("s" in f for f in flags)
    if delete:
        text = "".join(ch for ch in text if ch not in first)
        return _squeeze(text, second) if squeeze else text
    if not second:
        return _squeeze(text, first) if squeeze else None
    second = second + second[-1] * max(0, len(first) - len(second))
    text = text.translate(str.maketrans(first, second[: len(first)]))
    return _squeeze(text, second) if squeeze else text


def _read_until(script: str, i: int, delimiter: str) -> tuple[str, int] | None:
    """The text up to the next unescaped ``delimiter`` (the escape kept) and the index after it."""
    out = []
    while i < len(script):
        c = script[i]
        if c == "\\" and i + 1 < len(script):
            nxt = script[i + 1]
            out.append(nxt if nxt == delimiter else c + nxt)
            i += 2
            continue
        if c == delimiter:
            return "".join(out), i + 1
        out.append(c)
        i += 1
    return None


def edits(script: str) -> list[Edit] | None:
    """The ``s`` and ``y`` commands of a sed script (the first ``MAX_EDITS`` of a longer one), or None
    when it holds anything else (an address, another command, an unterminated expression)."""
    out: list[Edit] = []
    i = 0
    while i < len(script) and len(out) < MAX_EDITS:
        c = script[i]
        if c in " \t\n;":
            i += 1
            continue
        if c not in "sy" or i + 1 >= len(script) or script[i + 1].isalnum() or script[i + 1] in " \\\n":
            return None
        delimiter = script[i + 1]
        first = _read_until(script, i + 2, delimiter)
        second = _read_until(script, first[1], delimiter) if first else None
        if first is None or second is None:
            return None
        j = second[1]
        while j < len(script) and script[j] not in "; \t\n}":
            j += 1
        out.append(Edit(c, first[0], second[0], script[second[1] : j]))
        i = j
    return out if i >= len(script) or len(out) == MAX_EDITS else None  # beyond the bound: the first ones


def _python_regex(pattern: str, extended: bool) -> str:
    """A sed pattern in Python's syntax (basic regular expressions swap escaped and bare operators)."""
    if extended:
        return pattern
    out = []
    i = 0
    while i < len(pattern):
        two = pattern[i : i + 2]
        if two in BRE_SPECIAL:
            out.append(BRE_SPECIAL[two])
            i += 2
        elif pattern[i] in "(){}+?|":
            out.append("\\" + pattern[i])
            i += 1
        else:
            out.append(two if pattern[i] == "\\" else pattern[i])
            i += 2 if pattern[i] == "\\" else 1
    return "".join(out)


def _replacement(text: str) -> str:
    """A sed replacement in Python's syntax (``&`` is the match, ``\\1`` a group, ``\\n`` a newline)."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(f"\\g<{nxt}>" if nxt.isdigit() else ESCAPES.get(nxt, nxt).replace("\\", "\\\\"))
            i += 2
            continue
        out.append("\\g<0>" if c == "&" else c.replace("\\", "\\\\"))
        i += 1
    return "".join(out)


def apply(edit: Edit, text: str, extended: bool) -> str | None:
    """One edit applied to a text (None when its pattern is too costly or not valid)."""
    if edit.kind == "y":
        if len(edit.pattern) != len(edit.replacement):
            return None
        return text.translate(str.maketrans(edit.pattern, edit.replacement))
    if len(QUANTIFIERS.findall(edit.pattern)) > 1 or set(edit.flags) - set("gIi0123456789"):
        return None
    try:
        regex = re.compile(_python_regex(edit.pattern, extended), re.IGNORECASE if "I" in edit.flags else 0)
        count = 0 if "g" in edit.flags else 1
        return regex.sub(_replacement(edit.replacement), text[:MAX_TEXT], count=count)
    except (re.error, IndexError):
        return None


def sed(args: list[str], text: str) -> str | None:
    """``sed [-E] [-e] SCRIPT`` applied to ``text`` (None when it cannot be computed: ``-n``,
    ``-i``, a script file, a command other than ``s``/``y``)."""
    extended = any(a in ("-E", "-r", "--regexp-extended") for a in args)
    if any(a.startswith(("-n", "-i", "-f", "-s", "-z", "--in-place", "--quiet", "--silent", "--file")) for a in args):
        return None
    scripts = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-e", "--expression")]
    rest = [
        a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in ("-e", "--expression"))
    ]
    if not scripts:
        scripts, rest = rest[:1], rest[1:]
    if not scripts or rest:  # no script, or input files: sed does not read what is piped in
        return None
    steps = edits("\n".join(scripts))
    if not steps or len(steps) >= MAX_EDITS:  # none, or more than are read: not computed
        return None
    for step in steps:
        result = apply(step, text, extended)
        if result is None:
            return None
        text = result
    return text


def transformed(program: str, args: list[str], text: str) -> str | None:
    """What ``tr``, ``sed`` or ``paste -s`` prints for a known input, or None when that is not computed."""
    if program == "tr":
        return tr(args, text)
    if program == "paste":
        return paste(args, text)
    return sed(args, text) if program == "sed" else None


def paste(args: list[str], text: str) -> str | None:
    """``paste -s [-d DELIM]`` (``-sd' '``): the input's lines joined by the delimiter (a tab by
    default); other uses of paste read files, which are not computed."""
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    if "s" not in flags:
        return None
    delim = "\t"
    for i, a in enumerate(args):
        if a.startswith("-") and "d" in a[1:]:
            rest = a[a.index("d", 1) + 1 :]
            delim = rest if rest else (args[i + 1] if i + 1 < len(args) else delim)
    return (delim[:1] or "").join(text.rstrip("\n").split("\n")) + "\n"


def command_prefix(program: str, args: list[str]) -> str | None:
    """The text a ``sed``/``awk`` stage puts in front of every line it is given (``s/^/rm -rf /``,
    ``{print "rm -rf " $1}``), or None when it does something else."""
    scripts = [a for a in args if not a.startswith("-")]
    if not scripts:
        return None
    if program == "awk":
        m = AWK_PREFIX.match(scripts[0])
        return None if m is None else m.group(1) if m.group(1).endswith(" ") else m.group(1) + " "
    steps = edits(scripts[0]) if program == "sed" else None
    if not steps or len(steps) != 1 or steps[0].kind != "s" or steps[0].pattern != "^":
        return None
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), steps[0].replacement)
