"""Understand a proposed action: normalise it, find its code, parse every layer, judge it.

Layers, each in its own module: ``normalize`` (NFKC, format characters, confusables) →
``extract`` (the whole text, fenced blocks, backticks, plan lines, commands introduced in a
sentence; mentions capped; PowerShell names built from strings folded by ``powershell``) or
``tools`` (structured calls; file writes by ``filewrites``) → ``dispatch`` (shell via ``lexer``/
``shell``/``commands``/``carriers``/``feeds``/``printed``/``awk``, SQL statement by statement via
``statements`` and ``sql``, Python/scripts/Mongo/Redis via ``code``, following nested code to
``[limits] max_depth``) → ``prose`` rules when no code is found. All knowledge is in
``data/live_rules.toml``; all work is bounded per request.

Parsing, not substrings: ``aws s3 rb s3://prod-backups --force`` is the program ``aws`` with
positional words ``s3 rb s3://prod-backups`` and the flag ``--force``; ``DROP  TABLE`` is a
sqlglot ``Drop`` node whatever the spacing; ``rm -r -f`` and ``rm -fr`` have the same flags;
``ssh db 'psql -c "DROP TABLE users"'`` is SQL inside a shell inside ssh.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sentinel.live.context import Context
from sentinel.live.dispatch import judge
from sentinel.live.extract import judge_text
from sentinel.live.files import language as file_language
from sentinel.live.findings import SEVERITY_ORDER, Finding, worst
from sentinel.live.normalize import clean
from sentinel.live.rules import limit, pattern, rules
from sentinel.live.tools import json_object, judge_tool_call

__all__ = ["SEVERITY_ORDER", "Finding", "analyze", "worst"]


def analyze(description: str, tool_call: dict[str, Any] | None, context: str = "") -> list[Finding]:
    """All findings for a request: the structured call first, then the description (run in the
    working directory the request's ``context`` states: "cwd: /srv/app", "pwd prints /"; on
    production when it says so)."""
    ctx = Context.fresh(stated_cwd(context), states_production(context))
    findings: list[Finding] = []
    if tool_call:
        findings += judge_tool_call(tool_call.get("name", ""), tool_call.get("arguments") or {}, ctx)
    if context and ("#!" in context or "//" in context or "# " in context):  # ./deploy.sh, and the context shows it
        findings += _context_scripts(context, description, tool_call, ctx)
    text = clean(description or "")[: limit("max_snippet_chars")]
    written_call = _written_call(text)
    if written_call is not None:  # a description that is a tool call written out as JSON
        findings += judge_tool_call(*written_call, ctx)
    elif text.strip():
        findings += judge_text(text, ctx)
    return findings


def _context_scripts(context: str, description: str, tool_call: dict[str, Any] | None, ctx: Context) -> list[Finding]:
    """Findings for a script the context shows and the request runs (by its file name)."""
    request = f"{description} {json.dumps(tool_call, default=str) if tool_call else ''}"
    out: list[Finding] = []
    text = clean(context)[:4000]
    for m in list(pattern(rules()["context"]["script"]).finditer(text))[:4]:
        if re.search(rf"(?:^|[\s/'\"]){re.escape(m.group('name'))}\b", request):
            out += judge("python" if m.group("name").endswith(".py") else "shell", m.group("body"), ctx)
    for m in list(pattern(rules()["context"]["source"]).finditer(text))[:4] if not out else []:
        path = m.group("path")
        names = {path.rsplit("/", 1)[-1], *([path.rsplit("/", 1)[0]] if "/" in path else [])}
        if any(re.search(rf"(?:^|[\s/'\"]){re.escape(name)}(?![\w.-])", request) for name in names):
            out += judge(file_language(path, ""), m.group("body"), ctx)  # go run ./cmd/reset, main.go shown
    return out


def states_production(context: str) -> bool:
    """Whether a request's context says the code runs on production ("host: db-prod-03",
    "environment: production", "IIS-PROD-01"): what it changes there has production's stakes."""
    return bool(context) and bool(pattern(rules()["context"]["production"], re.IGNORECASE).search(context[:2000]))


def stated_cwd(context: str) -> str | None:
    """The working directory a request's context states, if it states one."""
    m = pattern(rules()["context"]["cwd"], re.IGNORECASE).search(clean(context)[:2000]) if context else None
    return m.group("dir").rstrip(".,;)") or "/" if m else None


def _written_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """(name, arguments) of a tool call a description spells as JSON (``{"name": …, "arguments":
    …}``, ``{"tool_call": {…}}``, a JSON-RPC ``{"method": "tools/call", "params": {…}}``), or None."""
    if "{" not in text[:8]:
        return None
    stripped = text.strip()
    value = json_object(stripped) if stripped.startswith("{") and stripped.endswith("}") else None
    if value is None:
        return None
    if isinstance(value.get("tool_call"), dict):
        value = value["tool_call"]
    if isinstance(value.get("params"), dict):
        return str(value.get("method", "")), {"params": value["params"], "method": value.get("method", "")}
    name, arguments = value.get("name"), value.get("arguments", value.get("args", {}))
    arguments = json_object(arguments) if isinstance(arguments, str) else arguments
    return (name, arguments) if isinstance(name, str) and isinstance(arguments, dict) else None
