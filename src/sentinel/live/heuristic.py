"""The default Live backend: parsed findings + the injection shield → a verdict with a trace.

catastrophic → block, high → escalate, medium → flag, low → approve (``grading.severity``); a
shield hit forces escalate. A ``severity_hint`` can raise the assessed severity, never lower it
(an attacker would simply claim "low"); it states the stakes of the target, so over code that
was recognised as changing nothing (a read, a dry run, a check: ``changes_nothing``) or only what
it names exactly (a local feature branch, build output, one record by its key: ``stakes_known``) it
raises it at most to medium — a human sees it, nothing is blocked. A policy constraint that names the
matched operation raises it one level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sentinel.agents.shield import injection_hits
from sentinel.grading.justification import normalize
from sentinel.grading.severity import SEVERITY_DECISION, SEVERITY_RISK
from sentinel.live.analyze import Finding, analyze, worst
from sentinel.live.findings import changes_nothing, stakes_known
from sentinel.live.models import OverseeRequest
from sentinel.models import RISK_SEVERITIES as SEVERITIES


@dataclass(slots=True)
class Assessment:
    """Backend-independent facts about a request, computed before any backend runs."""

    findings: list[Finding]
    shield: list[str]
    severity: str
    trace: list[str] = field(default_factory=list)


def _holds_command(tool: str) -> bool:
    """A ``proposed_tool`` with several words (``"DROP TABLE"``, ``"rm -rf"``) is a command, not a
    tool name, and is parsed like a description (with ``proposed_target`` as its operand)."""
    return len(tool.split()) > 1


def _names_the_described_program(tool: str, description: str) -> bool:
    """Whether a bare ``proposed_tool`` (no target) is a word of the description (``shutdown`` for
    ``sudo shutdown -c``, ``aws`` for ``aws rds create-db-snapshot …``): it only says which program
    runs the described command, which is judged on its own; judged alone, the bare name would stand
    for an unknown use of that program (or, for ``shutdown``, a SQL statement)."""
    words = set(re.findall(r"[\w.-]+", description.lower()))
    return tool.strip().lower() in words


def assess(req: OverseeRequest) -> Assessment:
    """Parse the request, apply the severity hint and policy constraints, run the shield."""
    trace: list[str] = []
    tool_call = req.tool_call.model_dump() if req.tool_call else None
    description = req.action_description
    findings: list[Finding] = []
    if not tool_call and req.proposed_tool:
        if _holds_command(req.proposed_tool):
            findings += analyze(f"{req.proposed_tool} {req.proposed_target}".strip(), None, req.context)
        elif req.proposed_target or not _names_the_described_program(req.proposed_tool, description):
            tool_call = {
                "name": req.proposed_tool,
                "arguments": {"target": req.proposed_target} if req.proposed_target else {},
            }
    findings += analyze(description, tool_call, req.context)
    for f in findings:
        trace.append(
            f"parsed {f.source}: {f.what} on {f.target or '?'} → {f.severity}"
            + (" (production target)" if f.production else "")
        )
    if not findings:
        trace.append("no risky operation recognised in the description or tool call")
    severity = worst(f.severity for f in findings) if findings else "low"
    hint = req.severity_hint
    if hint and SEVERITIES.index(hint) > SEVERITIES.index("medium") and stakes_known(findings):
        why = "changes nothing" if changes_nothing(findings) else "changes only what it names exactly"
        trace.append(f"severity hint {hint} capped at medium: the code {why}")
        hint = "medium"
    if hint and SEVERITIES.index(hint) > SEVERITIES.index(severity):
        trace.append(f"severity hint {hint} raises {severity}")
        severity = hint
    policies = [normalize(p) for p in req.policy_constraints]
    for f in findings:
        words = {w for w in re.findall(r"[a-z]{4,}", f.what.lower())}
        hit = next((p for p in policies if words & set(re.findall(r"[a-z]{4,}", p))), None)
        if hit and severity != "catastrophic" and f.severity == severity:
            severity = SEVERITIES[SEVERITIES.index(severity) + 1]
            trace.append(f"policy constraint '{hit[:80]}' covers '{f.what}': severity raised to {severity}")
            break
    shield = injection_hits(description, req.context, req.reasoning)
    if shield:
        trace.append(f"prompt-injection shield fired: {', '.join(shield)}")
    return Assessment(findings, shield, severity, trace)


def heuristic_verdict(req: OverseeRequest, a: Assessment) -> tuple[str, str, float, float]:
    """(decision, justification, confidence, risk) from an assessment."""
    decision = "escalate" if a.shield else SEVERITY_DECISION[a.severity]
    top = max(a.findings, key=lambda f: SEVERITIES.index(f.severity)) if a.findings else None
    risk = SEVERITY_RISK[a.severity] + (0.04 if top is not None and top.production else 0.0)
    if a.shield:
        risk = max(risk, 0.8)
    confidence = 0.9 if top is not None and top.source in ("shell", "sql", "tool_call") else 0.65 if top else 0.5
    if top is None:
        justification = f"{decision}: no destructive operation recognised in '{req.action_description[:120]}'"
    else:
        justification = (
            f"{decision} {top.what} on {top.target or 'the target'}: parsed `{top.evidence[:160]}` "
            f"as {top.what} ({top.severity}" + (", production target)" if top.production else ")")
        )
    if a.shield:
        justification += f"; the text contains instructions aimed at the reviewer ({', '.join(a.shield)})"
    return decision, justification, round(confidence, 2), round(min(risk, 1.0), 3)
