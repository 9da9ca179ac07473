"""Client-library calls that destroy data, found in Python and other scripting languages by the
``[[library]]`` patterns: ``r.flushall()`` from a code tool, boto3's
``Bucket('b').objects.all().delete()``, Django's ``Model.objects.all().delete()``, SQLAlchemy's
``metadata.drop_all()``, ActiveRecord's ``User.delete_all``. A command line is parsed; a library
call has no grammar of its own here, so its shape is matched (all patterns at once, bounded).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sentinel.live.findings import Finding
from sentinel.live.rules import rules

MAX_HITS = 16


@lru_cache(maxsize=1)
def _combined() -> tuple[re.Pattern[str], tuple[dict[str, Any], ...]]:
    """Every ``[[library]]`` pattern as one alternation (group ``l<i>`` is entry ``i``)."""
    entries = tuple(rules()["library"])
    joined = "|".join(f"(?P<l{i}>{e['pattern']})" for i, e in enumerate(entries))
    return re.compile(joined), entries


def library_calls(text: str) -> list[Finding]:
    """A finding for every destructive library call in a piece of code."""
    regex, entries = _combined()
    out = []
    for m in regex.finditer(text):
        entry = entries[int((m.lastgroup or "l0")[1:])]
        out.append(Finding("code", entry["what"], entry["severity"], m.group(0)[:80], m.group(0)[:200]))
        if len(out) >= MAX_HITS:
            break
    return out
