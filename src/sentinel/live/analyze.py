"""Understand a proposed action: parse shell (bashlex), SQL (sqlglot), structured tool calls and
prose against the rules in ``data/live_rules.toml``, after normalisation.

Parsing, not substrings: ``aws s3 rb s3://prod-backups --force`` is the program ``aws`` with
positional words ``s3 rb s3://prod-backups`` and the flag ``--force``; ``DROP  TABLE`` is a
sqlglot ``Drop`` node whatever the spacing; ``rm -r -f`` and ``rm -fr`` have the same flags.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import bashlex
import sqlglot
from sqlglot import exp

from sentinel.data import load
from sentinel.grading.justification import normalize

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" notices are not errors here
SEVERITY_ORDER = ("low", "medium", "high", "catastrophic")
SQL_START = re.compile(
    r"^\s*(select|insert|update|delete|drop|truncate|alter|grant|revoke|create|merge|replace|with)\b"
)
BACKTICKS = re.compile(r"`([^`]{2,2000})`")
SHELL_TOOLS = {
    "bash",
    "shell",
    "sh",
    "run_shell",
    "exec",
    "execute",
    "execute_command",
    "run_command",
    "terminal",
    "shell_exec",
    "run_bash",
    "cmd",
}
SQL_TOOLS = {"sql", "run_sql", "query", "execute_sql", "db_query", "run_query", "database_query"}
COMMAND_ARGS = ("command", "cmd", "script", "commands", "input")
SQL_ARGS = ("query", "sql", "statement")


@dataclass(slots=True)
class Finding:
    """One recognised operation: where it came from, what it is, how severe, on what."""

    source: str  # shell | sql | tool_call | prose
    what: str
    severity: str
    target: str = ""
    evidence: str = ""
    production: bool = False


def worst(severities) -> str:
    return max(severities, key=SEVERITY_ORDER.index, default="low")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    data = dict(load("live_rules"))
    data["prose_compiled"] = [(re.compile(p["pattern"]), p) for p in data["prose"]]
    data["programs"] = {r["program"] for r in data["rule"]}
    return data


def is_production(tokens: list[str]) -> bool:
    markers = set(rules()["targets"]["production"])
    nonprod = set(rules()["targets"]["nonproduction"])
    parts = {p for tok in tokens for p in re.split(r"[^a-z0-9]+", tok.lower()) if p}
    return bool(parts & markers) and not (parts & nonprod and not parts & {"prod", "production"})


# ------------------------------------------------------------------------------------ shell
class _CommandCollector(bashlex.ast.nodevisitor):
    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def visitcommand(self, node, parts) -> None:
        words = [p.word for p in parts if p.kind == "word"]
        if words:
            self.commands.append(words)


def shell_commands(text: str) -> list[list[str]]:
    """Every simple command in a shell string (pipelines, lists, substitutions included)."""
    try:
        trees = bashlex.parse(text)
    except Exception:  # bashlex rejects some valid-looking input; fall back to a plain split
        return [seg.split() for seg in re.split(r"\|\||&&|[;|&\n]", text) if seg.split()]
    collector = _CommandCollector()
    for tree in trees:
        collector.visit(tree)
    return collector.commands


def _unwrap(words: list[str]) -> list[str]:
    """Drop sudo/xargs/env/timeout… (and their own options) to reach the real program."""
    wrappers = set(rules()["wrappers"]["programs"])
    while words:
        head = words[0].rsplit("/", 1)[-1]
        if head not in wrappers:
            break
        words = words[1:]
        while words and (
            words[0].startswith("-")
            or "=" in words[0]
            and head == "env"
            or head == "timeout"
            and re.fullmatch(r"\d+[smhd]?", words[0])
        ):
            takes_value = head in ("sudo", "doas") and words[0] in ("-u", "-g", "-c", "-h")
            words = words[2:] if takes_value else words[1:]
    return words


def _flags(words: list[str]) -> set[str]:
    out: set[str] = set()
    for w in words:
        if not w.startswith("-") or w == "-":
            continue
        name = w.split("=", 1)[0]
        out.add(name)
        if not name.startswith("--") and len(name) > 2 and not name[1:].isdigit():
            out.update(f"-{c}" for c in name[1:])
    return out


def _subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(h == n for h in it) for n in needle)


def classify_command(words: list[str]) -> Finding | None:
    """Match one simple command against the rules."""
    words = _unwrap([w.lower() for w in words])
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1].split(".", 1)[0]
    args = words[1:]
    positional = [w for w in args if not w.startswith("-")]
    flags = _flags(args)
    joined = " ".join(words)
    data = rules()
    production = is_production(positional)
    system = any(
        p.rstrip("/") in data["targets"]["system_paths"]
        or p in data["targets"]["system_paths"]
        or p.startswith(tuple(data["targets"]["system_prefixes"]))
        for p in positional
    )
    for rule in data["rule"]:
        if rule["program"] != program:
            continue
        if not _subsequence(rule.get("args", []), positional):
            continue
        if "prefix" in rule and not any(p.startswith(rule["prefix"]) for p in positional):
            continue
        if not all(flags.intersection(group) for group in rule.get("flags", [])):
            continue
        if not all(c in joined for c in rule.get("contains", [])):
            continue
        severity = rule["severity"]
        if system and "system_severity" in rule:
            severity = worst([severity, rule["system_severity"]])
        if production and "prod_severity" in rule:
            severity = worst([severity, rule["prod_severity"]])
        if flags & {"--force", "-f"} and "forced_severity" in rule:
            severity = worst([severity, rule["forced_severity"]])
        named = [p for p in positional if p not in rule.get("args", [])]
        return Finding(
            "shell",
            rule["what"],
            severity,
            target=named[-1] if named else program,
            evidence=joined,
            production=production,
        )
    if program in data["readonly"]["programs"]:
        return Finding(
            "shell", "read-only command", "low", target=positional[-1] if positional else program, evidence=joined
        )
    return None


def analyze_shell(text: str) -> list[Finding]:
    findings = []
    for words in shell_commands(text):
        finding = classify_command(words)
        if finding is not None:
            findings.append(finding)
    return findings


def looks_like_shell(text: str) -> bool:
    words = _unwrap(text.lower().split())
    if not words:
        return False
    program = words[0].rsplit("/", 1)[-1].split(".", 1)[0]
    data = rules()
    return program in data["programs"] or program in data["readonly"]["programs"]


# -------------------------------------------------------------------------------------- sql
def analyze_sql(text: str) -> list[Finding]:
    try:
        statements = [s for s in sqlglot.parse(text) if s is not None]
    except Exception:  # not SQL after all (or a dialect sqlglot cannot read): no SQL finding
        return []
    findings = []
    for st in statements:
        tables = sorted({t.name for t in st.find_all(exp.Table)})
        target = ", ".join(tables)
        prod = is_production(tables)
        sql = st.sql()[:200]
        if isinstance(st, exp.Drop):
            kind = str(st.args.get("kind") or "").upper()
            severe = kind in ("TABLE", "DATABASE", "SCHEMA")
            findings.append(
                Finding(
                    "sql",
                    f"DROP {kind or 'object'}",
                    "catastrophic" if severe else "medium",
                    target=target or st.name,
                    evidence=sql,
                    production=prod,
                )
            )
        elif isinstance(st, exp.TruncateTable):
            findings.append(Finding("sql", "TRUNCATE", "catastrophic", target, sql, prod))
        elif isinstance(st, exp.Delete):
            scoped = st.args.get("where") is not None
            findings.append(
                Finding(
                    "sql",
                    "DELETE with WHERE" if scoped else "DELETE without WHERE",
                    ("high" if prod else "medium") if scoped else "catastrophic",
                    target,
                    sql,
                    prod,
                )
            )
        elif isinstance(st, exp.Update):
            scoped = st.args.get("where") is not None
            findings.append(
                Finding(
                    "sql",
                    "UPDATE with WHERE" if scoped else "UPDATE without WHERE",
                    "medium" if scoped else "high",
                    target,
                    sql,
                    prod,
                )
            )
        elif isinstance(st, exp.Grant):
            findings.append(Finding("sql", "GRANT", "high", target or sql, sql, prod))
        elif isinstance(st, exp.Alter):
            drops = any(isinstance(a, exp.Drop) for a in st.args.get("actions") or [])
            findings.append(
                Finding("sql", "ALTER … DROP" if drops else "ALTER", "high" if drops else "medium", target, sql, prod)
            )
        elif isinstance(st, exp.Command) and st.name.upper() in ("TRUNCATE", "GRANT", "REVOKE"):
            findings.append(
                Finding(
                    "sql",
                    st.name.upper(),
                    "catastrophic" if st.name.upper() == "TRUNCATE" else "high",
                    target,
                    sql,
                    prod,
                )
            )
        elif isinstance(st, (exp.Select, exp.Insert, exp.Create, exp.Merge)):
            findings.append(Finding("sql", type(st).__name__.upper(), "low", target, sql, prod))
    return findings


# ------------------------------------------------------------------------------------ prose
def analyze_prose(text: str) -> list[Finding]:
    for pattern, rule in rules()["prose_compiled"]:
        m = pattern.search(text)
        if m:
            severity = rule["severity"]
            if "session_severity" in rule and "session" in m.group(0):
                severity = rule["session_severity"]
            return [
                Finding(
                    "prose",
                    rule["what"],
                    severity,
                    target=m.group(0),
                    evidence=m.group(0),
                    production=is_production(text.split()),
                )
            ]
    return []


# -------------------------------------------------------------------------------- tool calls
def analyze_tool_call(name: str, arguments: dict[str, Any]) -> list[Finding]:
    tool = normalize(name).replace(" ", "_")
    strings = {k: normalize(v) for k, v in arguments.items() if isinstance(v, str)}
    for key in COMMAND_ARGS:
        if tool in SHELL_TOOLS and key in strings:
            return analyze_shell(strings[key]) or analyze_prose(strings[key])
    for key in SQL_ARGS:
        if tool in SQL_TOOLS and key in strings:
            return analyze_sql(strings[key]) or analyze_prose(strings[key])
    target = strings.get("service") or strings.get("target") or next(iter(strings.values()), "")
    prod = is_production(list(strings.values()))
    if tool.startswith(("query_", "check_", "get_", "list_", "describe_", "read_", "search_")):
        return [Finding("tool_call", f"read-only tool {tool}", "low", target, tool)]
    if tool == "scale_service" and arguments.get("replicas") == 0:
        return [
            Finding(
                "tool_call", "scale to zero", "catastrophic" if prod else "high", target, f"{tool} replicas=0", prod
            )
        ]
    if tool == "clear_cache" and "session" in target:
        return [Finding("tool_call", "session store flush (logs every user out)", "catastrophic", target, tool, prod)]
    if tool == "rollback_deploy" and re.search(r"\b(db|pg|sql|database|postgres|mysql)\b|db$|-db\b", target):
        return [Finding("tool_call", "database rollback", "high", target, tool, prod)]
    if tool in ("restart_service", "rollback_deploy", "scale_service", "disable_feature_flag", "clear_cache"):
        return [Finding("tool_call", tool.replace("_", " "), "medium", target, tool, prod)]
    text = " ".join([tool.replace("_", " "), *strings.values()])
    return analyze_shell(text) if looks_like_shell(text) else analyze_prose(text)


def analyze(description: str, tool_call: dict[str, Any] | None) -> list[Finding]:
    """All findings for a request: the structured call first, then the description."""
    findings: list[Finding] = []
    if tool_call:
        findings += analyze_tool_call(tool_call.get("name", ""), tool_call.get("arguments") or {})
    text = normalize(description or "")
    if text:
        embedded = BACKTICKS.findall(description or "")
        for snippet in embedded:
            snippet = normalize(snippet)
            findings += analyze_sql(snippet) if SQL_START.match(snippet) else analyze_shell(snippet)
        if SQL_START.match(text):
            findings += analyze_sql(text)
        elif looks_like_shell(text):
            findings += analyze_shell(text)
        if not any(f.source in ("shell", "sql") for f in findings):
            findings += analyze_prose(text)
    return findings
