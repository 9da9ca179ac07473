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


def injection_hits(*texts: str) -> list[str]:
    """Names of the patterns (and ``control_token``) found in any of the texts."""
    patterns, tokens = _patterns()
    hits: list[str] = []
    for raw in texts:
        if not raw:
            continue
        low = raw.lower()
        if any(tok in low for tok in tokens):
            hits.append("control_token")
        text = normalize(raw)
        hits.extend(
            name
            for name, rx, any_of in patterns
            if name not in hits and any(word in text for word in any_of) and rx.search(text)
        )
    return hits
