"""Judge a structured tool call by the operation its name and arguments describe.

Agent frameworks and MCP servers expose operations as tools (``delete_collection {collection_name}``,
``update_service {cluster, service, desiredCount: 0}``, ``authorize_security_group_ingress {…
0.0.0.0/0 …}``) rather than as command strings. When no code argument, named operation or CLI
rebuild explains a call, the ``[[tool_operation]]`` entries of the rules file do: each names verbs
and nouns of the tool's name and/or a pattern over its arguments (as lower-cased JSON), with the
severity on production and off it. The first entry that matches wins.
"""

from __future__ import annotations

import json
from typing import Any

from sentinel.live.commands import is_nonproduction, is_production
from sentinel.live.findings import Finding, cap, worst
from sentinel.live.rules import pattern, rules


def _strings(value: Any, out: list[str], budget: list[int]) -> None:
    """The string values of the arguments, nested ones too (bounded)."""
    budget[0] -= 1
    if budget[0] < 0:
        return
    if isinstance(value, str):
        out.append(value.lower())
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out, budget)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out, budget)


def tool_operation(words: list[str], arguments: dict[str, Any], production: bool) -> list[Finding]:
    """The finding of the first ``[[tool_operation]]`` entry that fits the call (none if none does)."""
    names = set(words)
    text = json.dumps(arguments, default=str, sort_keys=True).lower()[:8000]
    for entry in rules()["tool_operation"]:
        if "verbs" in entry and not names & set(entry["verbs"]):
            continue
        if "nouns" in entry and not names & set(entry["nouns"]):
            continue
        if not set(entry.get("words", ())) <= names:
            continue
        if "args" in entry and not pattern(entry["args"]).search(text):
            continue
        values: list[str] = []
        _strings(arguments, values, [256])
        on_production = production or is_production(values)
        severity = worst([entry["severity"], entry.get("prod_severity", "low") if on_production else "low"])
        if "nonproduction_severity" in entry and not on_production and is_nonproduction(values):
            severity = cap(severity, entry["nonproduction_severity"])
        tool = "_".join(words)
        target = next((v for v in values if v), tool)[:120]
        return [Finding("tool_call", entry["what"], severity, target, f"{tool} {text[:200]}", on_production)]
    return []
