"""Judge SQL with sqlglot: DROP by what it drops, TRUNCATE, DELETE/UPDATE by their WHERE (none,
a tautology such as ``1=1``, ``true``, ``'a'='a'``, ``x = x`` or ``… OR 1=1``, a predicate, or a
key lookup), GRANT/REVOKE, ALTER … DROP, and statements sqlglot keeps as bare commands.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from sentinel.live.commands import is_production
from sentinel.live.findings import Finding
from sentinel.live.rules import limit, pattern, rules

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" notices are not errors here
Node = Any  # a sqlglot expression (its typing differs between sqlglot versions)
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def looks_like_sql(text: str) -> bool:
    """Whether a snippet starts like an SQL statement."""
    return bool(pattern(rules()["sql"]["start"]).match(text.lower()))


def _literal_value(e: Node) -> object:
    """A literal's Python value (numbers as floats), or ``e`` itself when it is not a literal."""
    if isinstance(e, exp.Boolean):
        return bool(e.this)
    if isinstance(e, exp.Literal):
        return float(e.this) if e.is_number else e.this
    return e


def _compare(kind: Any, a: Any, b: Any) -> bool | None:
    """The truth of ``a <kind> b`` for two comparable literal values."""
    try:
        return {
            exp.EQ: a == b,
            exp.NEQ: a != b,
            exp.GT: a > b,
            exp.GTE: a >= b,
            exp.LT: a < b,
            exp.LTE: a <= b,
        }[kind]
    except TypeError:
        return None


def truth(e: Node | None, depth: int = 0) -> bool | None:
    """Whether a condition is always true (True), always false (False) or depends on the row."""
    if e is None or depth > 32:
        return None
    if isinstance(e, exp.Paren):
        return truth(e.this, depth + 1)
    if isinstance(e, (exp.Boolean, exp.Literal)):
        value = _literal_value(e)
        return bool(value) if isinstance(value, (bool, float)) else None
    if isinstance(e, exp.Not):
        inner = truth(e.this, depth + 1)
        return None if inner is None else not inner
    if isinstance(e, (exp.Or, exp.And)):
        left, right = truth(e.left, depth + 1), truth(e.right, depth + 1)
        if isinstance(e, exp.Or):
            return True if True in (left, right) else False if left is right is False else None
        return False if False in (left, right) else True if left is right is True else None
    if isinstance(e, COMPARISONS):
        if e.left == e.right and not e.left.find(exp.Func):
            return isinstance(e, (exp.EQ, exp.GTE, exp.LTE))
        a, b = _literal_value(e.left), _literal_value(e.right)
        if isinstance(a, (bool, float, str)) and isinstance(b, (bool, float, str)):
            return _compare(type(e), a, b)
    if isinstance(e, exp.Like) and isinstance(e.expression, exp.Literal) and set(e.expression.this) <= {"%"}:
        return True
    return None


def targeted(e: Node | None, depth: int = 0) -> bool:
    """A WHERE that picks rows by key: ``id = 42``, ``id IN (…)``, possibly ANDed with more."""
    if depth > 32:
        return False
    if isinstance(e, exp.Paren):
        return targeted(e.this, depth + 1)
    if isinstance(e, exp.And):
        return targeted(e.left, depth + 1) or targeted(e.right, depth + 1)
    if isinstance(e, exp.Or):
        return targeted(e.left, depth + 1) and targeted(e.right, depth + 1)
    if isinstance(e, exp.EQ):
        sides = (e.left, e.right)
        return any(isinstance(s, exp.Column) for s in sides) and any(isinstance(s, exp.Literal) for s in sides)
    if isinstance(e, exp.In):
        return isinstance(e.this, exp.Column) and all(isinstance(v, exp.Literal) for v in e.expressions)
    return False


def _scoped(kind: str, where: Node | None) -> tuple[str, str]:
    """(what, severity) of a DELETE or UPDATE by its WHERE."""
    unscoped = "catastrophic" if kind == "DELETE" else "high"
    if where is None:
        return f"{kind} without WHERE", unscoped
    condition = where.this if isinstance(where, exp.Where) else where
    verdict = truth(condition)
    if verdict is True:
        return f"{kind} with an always-true WHERE", unscoped
    if verdict is False:
        return f"{kind} that matches no row", "low"
    if targeted(condition):
        return f"targeted {kind}", "low"
    return f"{kind} by predicate", "medium"


def _command(st: exp.Command) -> tuple[str, str]:
    """(what, severity) of a statement sqlglot kept as a bare command (``DROP KEYSPACE``)."""
    name = str(st.this).lower()
    rest = str(st.expression.this if isinstance(st.expression, exp.Literal) else st.expression or "").lower().split()
    if name == "drop" and rest:
        kind = rest[0]
        return f"DROP {kind.upper()}", rules()["sql"]["drop"].get(kind, "high")
    severity = rules()["sql"]["commands"].get(name, "low")
    if name == "grant" and rest and rest[0] == "all":
        severity = "high"
    return name.upper(), severity


def _statement(st: Node) -> tuple[str, str] | None:
    """(what, severity) of one parsed statement; None for statements that change nothing."""
    if isinstance(st, exp.Drop):
        kind = str(st.args.get("kind") or "object").lower()
        return f"DROP {kind.upper()}", rules()["sql"]["drop"].get(kind, "high")
    if isinstance(st, exp.TruncateTable):
        return "TRUNCATE", "catastrophic"
    if isinstance(st, exp.Delete):
        return _scoped("DELETE", st.args.get("where"))
    if isinstance(st, exp.Update):
        return _scoped("UPDATE", st.args.get("where"))
    if isinstance(st, exp.Grant):
        return "GRANT", "high"
    if isinstance(st, exp.Revoke):
        return "REVOKE", "medium"
    if isinstance(st, exp.Alter):
        drops = any(isinstance(a, exp.Drop) for a in st.args.get("actions") or [])
        return ("ALTER … DROP", "high") if drops else ("ALTER", "medium")
    if isinstance(st, exp.Command):
        return _command(st)
    if isinstance(st, exp.Column) and st.name.lower() in rules()["sql"]["commands"]:  # a bare SHUTDOWN
        return st.name.upper(), rules()["sql"]["commands"][st.name.lower()]
    if isinstance(st, (exp.Select, exp.Insert, exp.Create, exp.Merge, exp.Union)):
        return type(st).__name__.upper(), "low"
    return None


@lru_cache(maxsize=2048)
def judge_sql(text: str) -> tuple[Finding, ...]:
    """Findings for every statement of an SQL snippet (none when it does not parse)."""
    text = text[: limit("max_snippet_chars")]
    if not pattern(rules()["sql"]["changes"]).search(text):
        return (Finding("sql", "read or insert", "low", "", text[:200]),)
    try:
        statements = [s for s in sqlglot.parse(text) if s is not None]
    except Exception:  # noqa: BLE001 - not SQL after all (or a dialect sqlglot cannot read)
        return ()
    findings = []
    for st in statements[:64]:
        judged = _statement(st)
        if judged is None:
            continue
        what, severity = judged
        tables = sorted({t.name for t in st.find_all(exp.Table)})[:16]
        evidence = text[:200] if len(statements) == 1 else f"{what} …"
        target = ", ".join(tables) or what
        findings.append(Finding("sql", what, severity, target, evidence, is_production(tables)))
    return tuple(findings)
