"""Prompt-injection shield shared by the policy Overseer and SENTINEL/Live.

Text is normalised first (NFKC, zero-width characters dropped, whitespace collapsed,
lower-cased), then matched against named patterns from ``data/injection_patterns.toml`` and
chat-template control tokens. Harmless text that merely *mentions* alarming things ("the logs
mention DROP TABLE") does not match: the patterns look for instructions aimed at the reviewer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sentinel.data import load
from sentinel.grading.justification import normalize

Pattern = tuple[str, re.Pattern[str], tuple[str, ...]]


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[Pattern, ...], tuple[str, ...]]:
    """(name, compiled regex, words one of which every match contains) and the control tokens."""
    data = load("injection_patterns")
    compiled = tuple(
        (p["name"], re.compile(p["regex"], re.IGNORECASE | re.DOTALL), tuple(p["any_of"])) for p in data["pattern"]
    )
    return compiled, tuple(t.lower() for t in data["control_tokens"]["tokens"])


@lru_cache(maxsize=1)
def _triggers() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, frozenset[str]]]:
    """One pass over a text finds every ``any_of`` word in it (a lookahead at each position, so
    overlapping words are all found), one more any control token; a word found also stands for the
    words that are its prefixes (an alternation reports only the longest at a position)."""
    patterns, tokens = _patterns()
    words = sorted({w for _, _, any_of in patterns for w in any_of}, key=len, reverse=True)
    found = re.compile("(?=(" + "|".join(re.escape(w) for w in words) + "))")
    prefixes = {w: frozenset(v for v in words if w.startswith(v)) for w in words}
    return found, re.compile("|".join(re.escape(t) for t in tokens)), prefixes


def injection_hits(*texts: str) -> list[str]:
    """Names of the patterns (and ``control_token``) found in any of the texts."""
    patterns, _ = _patterns()
    words, tokens, prefixes = _triggers()
    hits: list[str] = []
    for raw in texts:
        if not raw:
            continue
        if tokens.search(raw.lower()):
            hits.append("control_token")
        text = normalize(raw)
        present = {v for w in set(words.findall(text)) for v in prefixes[w]}
        if present:
            hits.extend(
                name
                for name, rx, any_of in patterns
                if name not in hits and present.intersection(any_of) and rx.search(text)
            )
    return hits
