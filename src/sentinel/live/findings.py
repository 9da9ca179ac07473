"""What the analyser reports: one ``Finding`` per recognised operation, and severity arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITY_ORDER = ("low", "medium", "high", "catastrophic")
UNRECOGNISED = "command not recognised"  # a command no rule knows: it may change something


@dataclass(slots=True)
class Finding:
    """One recognised operation: where it came from, what it is, how severe, on what."""

    source: str  # shell | sql | code | tool_call | prose
    what: str
    severity: str
    target: str = ""
    evidence: str = ""
    production: bool = False
    inert: bool = False  # recognised as changing nothing: a read, a listing, a dry run, a check
    confined: bool = False  # changes only the agent's working copy: a local branch, build output, scratch


def worst(severities: Iterable[str]) -> str:
    """The most severe of several severities (``low`` when there are none)."""
    return max(severities, key=SEVERITY_ORDER.index, default="low")


def cap(severity: str, ceiling: str) -> str:
    """``severity`` lowered to at most ``ceiling`` (a dry run, a mere mention)."""
    return min(severity, ceiling, key=SEVERITY_ORDER.index)


def capped(findings: list[Finding], ceiling: str, why: str, inert: bool = False) -> list[Finding]:
    """The findings with their severity capped, saying why in ``what`` when it changed; ``inert``
    when what they found is not run at all (a mention)."""
    out = []
    for f in findings:
        lowered = cap(f.severity, ceiling)
        what = f.what if lowered == f.severity else f"{f.what} ({why})"
        out.append(Finding(f.source, what, lowered, f.target, f.evidence, f.production, f.inert or inert, f.confined))
    return out


def stakes_known(findings: list[Finding]) -> bool:
    """Whether the code of a request was read and every operation in it changes nothing (inert) or
    only what it names exactly (confined: a local feature branch, build output, a scratch path, one
    record by its key): a severity hint states the stakes of the target, and these targets have
    none beyond what was judged, so the hint raises them at most to medium."""
    code = [f for f in findings if f.source != "prose"]
    return bool(code) and all(f.inert or f.confined for f in code)


def changes_nothing(findings: list[Finding]) -> bool:
    """Whether the code of a request was read, and every operation in it was recognised as changing
    nothing (a read, a listing, a dry run, a syntax check, a test run). Prose around the code does
    not count: it only describes, and a read-only prose rule ("check …") proves nothing."""
    code = [f for f in findings if f.source != "prose"]
    return bool(code) and all(f.inert for f in code)
