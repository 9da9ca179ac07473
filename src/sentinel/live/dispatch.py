"""Judge a snippet in a language and everything nested inside it, depth- and budget-bounded.

The language judges (shell, SQL, Python, scripts, Mongo, Redis) return their findings and the
code they carry; this module follows the carried code one level deeper each time, and judges
what an interpreter is fed: downloaded code is catastrophic whatever it is, decoded payloads are
judged as what they decode to (and running an encoded payload is itself high).
"""

from __future__ import annotations

from sentinel.live.code import decoded_runs, judge_mongo, judge_python, judge_redis_script, judge_script
from sentinel.live.configs import config_commands
from sentinel.live.context import Context, Nested, deeper
from sentinel.live.findings import Finding, capped
from sentinel.live.shell import judge_argv, judge_shell
from sentinel.live.sql import judge_sql

Judged = tuple[list[Finding], list[Nested]]


def _once(lang: str, text: str, argv: tuple[str, ...], ctx: Context) -> Judged:
    """One level: the language's own findings and what it carries."""
    if lang in ("shell", "powershell"):  # PowerShell: its cradles, and the Unix names of its aliases
        findings, nested = judge_shell(text, ctx)
        if "iex" in text.lower() or "invoke-expression" in text.lower():  # iex (-join [char[]](…)), FromBase64String
            nested = [*decoded_runs(text), *nested]
        return findings, nested
    if lang == "argv":
        return judge_argv(argv, ctx)
    if lang == "sql":
        return list(judge_sql(text)), []
    if lang == "python":
        return judge_python(text)
    if lang == "script":
        return judge_script(text)
    if lang == "mongo":
        return judge_mongo(text)
    if lang == "redis":
        return judge_redis_script(text)
    if lang == "config":  # a CI job's script:, cloud-init's runcmd:, a Jenkinsfile's sh '…'
        return [], [Nested("shell", command) for command in config_commands(text)]
    return [], []


def _fed(n: Nested, ctx: Context) -> list[Finding]:
    """An interpreter running what it is fed."""
    feed = n.feed
    if feed is None:
        return []
    runner = n.interpreter or "shell"
    if feed.kind == "remote":
        return [Finding("shell", f"downloaded code run by {runner}", "catastrophic", feed.source[:120], feed.source)]
    if feed.kind == "encoded":
        return [Finding("shell", f"encoded payload run by {runner}", "high", feed.source[:120], feed.source)]
    if feed.kind == "unknown":  # fail closed: what was not analysed is not approved
        return [Finding("shell", f"input not analysed run by {runner}", "high", feed.source[:120], feed.source)]
    if feed.kind != "text":
        return []
    findings = judge(runner, feed.text, ctx)
    if feed.decoded:
        findings.append(Finding("shell", f"decoded payload run by {runner}", "high", feed.text[:120], feed.source))
    return findings


def judge(lang: str, text: str, ctx: Context, argv: tuple[str, ...] = ()) -> list[Finding]:
    """Findings for a snippet and, recursively, for the code nested in it."""
    findings, nested = _once(lang, text, argv, ctx)
    for n in nested:
        if any(f.severity == "catastrophic" for f in findings):  # nothing nested can make it worse
            break
        inner = deeper(ctx, n)
        if inner is None:  # fail closed: what was not analysed is not approved
            findings.append(Finding("shell", "more nested code than the analyser follows", "high", n.lang))
            break
        found = _fed(n, inner) if n.lang == "fed" else judge(n.lang, n.text, inner, n.argv)
        if n.ceiling:  # find /backups -name '*.dump' -mtime +35 -delete: retention, at most medium
            severity, _, why = n.ceiling.partition(":")
            found = capped(found, severity, why.strip())
        findings += found
    return findings
