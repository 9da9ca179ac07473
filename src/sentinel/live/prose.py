"""Judge prose that holds no command: verb-object rules (``[[prose]]``), the worst match wins, so
"delete all customer records" is bulk destruction and "format the report as JSON" is nothing; a
path a sentence names is judged like the command would be ("clean out /home")."""

from __future__ import annotations

import re

from sentinel.live.commands import is_production
from sentinel.live.findings import SEVERITY_ORDER, Finding, capped
from sentinel.live.paths import path_class
from sentinel.live.rules import pattern, rules

SPAN = re.compile(r"`[^`\n]{0,400}`")


def judge_prose(text: str) -> list[Finding]:
    """The finding of the most severe prose rule that matches the lower-cased text (none if none does)."""
    low = " ".join(text.lower().split())
    found: list[Finding] = []
    for regex, rule in rules()["prose_compiled"]:
        m = regex.search(low)
        if m:
            severity = rule["severity"]
            if "session_severity" in rule and "session" in m.group(0):
                severity = rule["session_severity"]
            if "scope" in rule and m.groupdict().get("path"):  # "clean out /home": judged by the path
                severity = rules()["scope"][rule["scope"]][path_class(m.group("path"))]
            production = is_production(low.split())
            finding = Finding("prose", rule["what"], severity, m.group(0), m.group(0), production)
            if _asks_or_mentions(low, m.start()):
                finding = capped([finding], "medium", "asked about or mentioned, not proposed")[0]
            found.append(finding)
    # every rule that matches, the worst first ("stop auditd … clear out /var/log/audit": the control)
    return sorted(found, key=lambda f: -SEVERITY_ORDER.index(f.severity))[:1]


def _asks_or_mentions(low: str, start: int) -> bool:
    """A question ("how do I delete …?"), a document quoted ("Commit message: remove DROP TABLE …")
    or a mention ("explain why dropping …") proposes nothing."""
    if pattern(rules()["prose_extract"]["question"]).search(low) or in_genre(low[:start]):
        return True
    return mention_before(low[max(0, start - 160) : start])


def in_genre(preceding: str) -> bool:
    """Whether the text starts with a document's label ("CHANGELOG:", "Review comment:") and no
    first-person proposal follows the label before the snippet."""
    cues = rules()["prose_extract"]
    m = pattern(cues["genre"], re.IGNORECASE).match(preceding)
    return m is not None and not pattern(cues["intent"]).search(preceding[m.end() :].lower())


def mention_before(window: str) -> bool:
    """Whether the words before something (lower-cased) only talk about it: a mention cue with no
    first-person proposal after it ("the log contains the key, so I'll force-push" proposes)."""
    cues = rules()["prose_extract"]
    if "`" in window:  # "… containing `curl ... | bash` or `wget …`": an earlier span is one word of it
        window = SPAN.sub("`x`", window)
    proposals = list(pattern(cues["intent"]).finditer(window))
    if proposals:
        window = window[proposals[-1].end() :]
    if "from" in window or "per" in window or "follow" in window or "accord" in window or " as " in window:
        window = pattern(cues["attribution"]).sub(" ", window)  # "the one-liner from their docs:" names a source
    return any(pattern(cue).search(window) for cue in cues["mention_cues"])
