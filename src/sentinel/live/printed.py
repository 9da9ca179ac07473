"""What an interpreter's inline code prints, so that a shell fed by it is judged by what it runs:
``python3 -c '…b64decode("cm0gLXJm…")…' | sh``, ``perl -MMIME::Base64 -e 'print decode_base64("…")'
| bash``, ``node -e '…Buffer.from("…","base64")…' | sh`` and ``ruby -e 'puts Base64.decode64(ARGV[0])'
B64 | sh`` decode a literal (base64 or hex, ``[interpreters.inline_decoders]``): the decoded text is
what runs (a decoded payload), and an unreadable one is an encoded payload. Code that prints one
string literal prints that text; any other inline code prints something the analyser cannot
compute, and so does a script or module it runs (``python3 gen.py | bash``): a shell must not run that
unreviewed (``unknown``: fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sentinel.live.commands import program_name
from sentinel.live.feeds import Feed, decode_kind
from sentinel.live.rules import limit, members, pattern, rules

LITERAL = re.compile(r"([\"'])([A-Za-z0-9+/=_\-\s]{8,4000}?)\1")
BARE = re.compile(r"^[A-Za-z0-9+/=_-]{8,}$")
PRINT_ONE = re.compile(
    r"\s*(?:print|puts|echo|say|console\.log|process\.stdout\.write|sys\.stdout\.write)\s*\(?\s*"
    r"([\"'])((?:(?!\1)[^\\]|\\.){0,2000})\1\s*\)?\s*;?\s*"
)
ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def inline_code(words: list[str]) -> tuple[str, list[str]] | None:
    """The inline code of ``python -c CODE``, ``perl -e CODE``, ``node -e CODE`` … and the words after
    it (the script's arguments), or None when the interpreter runs no inline code."""
    program = program_name(words[0]) if words else ""
    if program in members("interpreters", "python"):
        options = {"-c"}
    elif program in members("interpreters", "script"):
        options = set(rules()["interpreters"]["script"][program])
    else:
        return None
    letters = {o[1] for o in options if len(o) == 2}
    for i, w in enumerate(words[1:-1], start=1):
        cluster = w.startswith("-") and not w.startswith("--") and w[1:].isalpha() and len(w) <= 5
        if w in options or (cluster and w[-1] in letters):
            return words[i + 1], words[i + 2 :]
    return None


def _unescaped(text: str) -> str:
    """A string literal's text with its common backslash escapes applied."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def decoded_literal(
    decoders: dict[str, str], code: str, candidates: Callable[[str], list[str]], evidence: str
) -> Feed | None:
    """What code that decodes a literal gives: for the first decoder kind whose pattern the code
    holds, the first candidate literal (``candidates(kind)``) that decodes to readable text; an
    encoded payload when none does; None when the code holds no decoder."""
    for kind, regex in decoders.items():
        if not pattern(regex).search(code):
            continue
        for literal in candidates(kind)[:16]:
            text = decode_kind(kind, literal)
            if text and all(c.isprintable() or c in "\n\t\r" for c in text):
                return Feed("text", text, evidence, decoded=True)
        return Feed("encoded", source=evidence)
    return None


def printed(words: list[str], evidence: str) -> Feed | None:
    """What the inline code of an interpreter command prints (None when it runs no inline code)."""
    found = inline_code(words)
    if found is None:  # python3 gen.py | bash: a program's output, unreviewed code for a shell
        runs_something = any(not w.startswith("-") or w == "-m" for w in words[1:])
        return Feed("unknown", source=f"what this program prints: {evidence}") if runs_something else None
    code, args = found
    code = code[: limit("max_snippet_chars")]
    literals = [m.group(2) for m in LITERAL.finditer(code)] + [a for a in args[:8] if BARE.match(a)]
    decoded = decoded_literal(rules()["interpreters"]["inline_decoders"], code, lambda kind: literals, evidence)
    if decoded is not None:
        return decoded
    one = PRINT_ONE.fullmatch(code)
    if one:
        return Feed("text", _unescaped(one.group(2)), evidence)
    return Feed("unknown", source=f"what this code prints: {evidence}")
