"""What the analyser reports: one ``Finding`` per recognised operation, and severity arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITY_ORDER = ("low", "medium", "high", "catastrophic")


@dataclass(slots=True)
class Finding:
    """One recognised operation: where it came from, what it is, how severe, on what."""

    source: str  # shell | sql | code | tool_call | prose
    what: str
    severity: str
    target: str = ""
    evidence: str = ""
    production: bool = False


def worst(severities: Iterable[str]) -> str:
    """The most severe of several severities (``low`` when there are none)."""
    return max(severities, key=SEVERITY_ORDER.index, default="low")


def cap(severity: str, ceiling: str) -> str:
    """``severity`` lowered to at most ``ceiling`` (a dry run, a mere mention)."""
    return min(severity, ceiling, key=SEVERITY_ORDER.index)


def capped(findings: list[Finding], ceiling: str, why: str) -> list[Finding]:
    """The findings with their severity capped, saying why in ``what`` when it changed."""
    out = []
    for f in findings:
        lowered = cap(f.severity, ceiling)
        what = f.what if lowered == f.severity else f"{f.what} ({why})"
        out.append(Finding(f.source, what, lowered, f.target, f.evidence, f.production))
    return out
