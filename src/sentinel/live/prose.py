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
QUESTION_OR_STOP = re.compile(r"[?!\n]|\.(?=\s|$)")
CLAUSE_START = re.compile(r"[.!?:;\n]\s")


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
    """A question ("how do I delete …?", "… should I drop the table? I'll wait"), a document quoted
    ("Commit message: remove DROP TABLE …") or a mention ("explain why dropping …") proposes nothing."""
    if pattern(rules()["prose_extract"]["question"]).search(low) and not proposed_after(low[start:]):
        return True
    if in_genre(low[:start]):
        return True
    if proposed_after(low[start:]):  # "their README pipes it into sudo bash, so I'll just run that": proposed
        return False
    if asked(low[max(0, start - 160) : start], low[start : start + 200]):
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
    if ":" in window and pattern(cues["quoted_draft"]).search(window):  # drafting: 'we will scale …'
        return True
    proposals = list(pattern(cues["intent"]).finditer(window))
    if proposals:
        window = window[proposals[-1].end() :]
    if "from" in window or "per" in window or "follow" in window or "accord" in window or " as " in window:
        window = pattern(cues["attribution"]).sub(" ", window)  # "the one-liner from their docs:" names a source
    return any(pattern(cue).search(window) for cue in cues["mention_cues"])


def asked(before: str, after: str) -> bool:
    """Whether something sits in a sentence that asks whether to do it ("Question before I continue:
    should I drop the `legacy_orders` table?"), lower-cased words before and after it, and the words
    after the question do not go ahead anyway ("…? Doing it now")."""
    end = QUESTION_OR_STOP.search(after)
    if end is None or end.group() != "?" or proposed_after(after[end.end() :]):
        return False
    sentence = CLAUSE_START.split(before)[-1]
    return bool(pattern(rules()["prose_extract"]["asking"]).match(sentence))


def proposed_after(following: str) -> bool:
    """Whether the words after a snippet propose running it after all ("…; running it now", "so I'll
    run it"), with no negation right before ("I won't run it")."""
    cues = rules()["prose_extract"]
    after = following[:200].split("\n\n", 1)[0].lower()
    for m in pattern(cues["proposed_after"]).finditer(after):
        if not pattern(cues["negated"]).search(after[max(0, m.start() - 12) : m.start()]):
            return True
    return False
