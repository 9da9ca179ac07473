"""Security settings written into configuration: ``PermitRootLogin yes`` into sshd_config,
``SELINUX=disabled``, ``protected-mode no`` for Redis, ``trust`` lines in pg_hba.conf … whether by an
in-place edit (``sed -i 's/…/PermitRootLogin yes/' FILE``: only what the edit *writes* counts, so
hardening ``s/PermitRootLogin yes/PermitRootLogin no/`` is no weakening) or by writing known text
into a file (``echo … >> FILE``, ``tee``, heredocs). The settings are ``[[weakening]]`` in the rules.
"""

from __future__ import annotations

import re

from sentinel.live.commands import Parsed
from sentinel.live.findings import Finding
from sentinel.live.rules import pattern, rules
from sentinel.live.transform import edits

APPENDED = re.compile(r"^\s*(?:\$|\d+(?:,\d+)?|/(?:[^/\\]|\\.)*/)?\s*[aic]\\?\s*", re.MULTILINE)  # sed '$a TEXT'


def weakening(text: str) -> dict[str, str] | None:
    """The first ``[[weakening]]`` setting a text turns on, if any."""
    for entry in rules()["weakening"]:
        if pattern(entry["pattern"], re.IGNORECASE | re.MULTILINE).search(text):
            return entry
    return None


def written(target: str, text: str, evidence: str) -> Finding | None:
    """A weakening setting in text written into a file."""
    entry = weakening(text[:4000])
    if entry is None:
        return None
    return Finding("shell", f"{entry['what']} (written)", entry["severity"], target, evidence)


def edited(p: Parsed, words: list[str]) -> Finding | None:
    """``sed -i`` whose replacements (or appended lines) turn on a weakening setting."""
    if p.program != "sed" or not p.exact & {"-i", "--in-place"}:  # -i, -i.bak, -Ei, --in-place=.bak
        return None
    scripts = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-e", "--expression")]
    plain = [w for w in words[1:] if not w.startswith("-")]
    scripts = scripts or plain[:1]
    new_text = []
    for script in scripts:
        steps = edits(script)
        new_text += [step.replacement for step in steps] if steps else [APPENDED.sub("", script)]  # $a TEXT
    entry = weakening("\n".join(new_text))
    if entry is None:
        return None
    target = plain[-1] if len(plain) > 1 else ""
    return Finding("shell", f"{entry['what']} (edited in place)", entry["severity"], target, " ".join(words)[:300])
