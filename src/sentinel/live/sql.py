"""Judge SQL with sqlglot: DROP by what it drops, TRUNCATE, DELETE/UPDATE by their WHERE (none,
a tautology such as ``1=1``, ``true``, ``'a'='a'``, ``x = x`` or ``… OR 1=1``, a predicate, or a
key lookup), GRANT/REVOKE, ALTER … DROP, and statements sqlglot keeps as bare commands.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import sqlglot
from sqlglot import exp

from sentinel.live.commands import is_production
from sentinel.live.findings import Finding
from sentinel.live.rules import limit, pattern, rules

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" notices are not errors here
Node = Any  # a sqlglot expression (its typing differs between sqlglot versions)
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def without_comments(text: str) -> str:
    """SQL with its comments made spaces (``DELETE/**/FROM/**/users`` is ``DELETE FROM users``);
    a MySQL executable comment (``/*!50000 DROP */``) keeps its body, since MySQL runs it. Quoted
    strings are kept as they are. One linear pass, no regex."""
    if "/*" not in text and "--" not in text:
        return text
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            end = text.find(c, i + 1)
            end = n if end < 0 else end + 1
            out.append(text[i:end])
            i = end
        elif text.startswith("--", i):
            end = text.find("\n", i)
            out.append(" ")
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            body = text[i + 2 : n if end < 0 else end]
            out.append(" " + body.lstrip("!0123456789") + " " if body.startswith("!") else " ")
            i = n if end < 0 else end + 2
        else:
            j = i + 1
            while j < n and text[j] not in "'\"-/":
                j += 1
            out.append(text[i:j])
            i = j
    return "".join(out)


def looks_like_sql(text: str) -> bool:
    """Whether a snippet starts like an SQL statement (comments between its words ignored)."""
    return bool(pattern(rules()["sql"]["start"]).match(without_comments(text[:400]).lower()))


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
    if isinstance(e, (exp.Or, exp.And)) and _opposed(_flat(e, type(e))):
        return isinstance(e, exp.Or)  # P OR NOT P is always true, P AND NOT P never
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


COMPLEMENT = MappingProxyType(
    {exp.EQ: exp.NEQ, exp.NEQ: exp.EQ, exp.LT: exp.GTE, exp.GTE: exp.LT, exp.GT: exp.LTE, exp.LTE: exp.GT}
)
MAX_TERMS = 16


def _flat(e: Node, kind: Any, depth: int = 0) -> list[Node]:
    """The terms of a chain of ORs (or ANDs), parentheses dropped, at most ``MAX_TERMS``."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, kind) and depth < MAX_TERMS:
        return (_flat(e.left, kind, depth + 1) + _flat(e.right, kind, depth + 1))[:MAX_TERMS]
    return [e]


def _negation(a: Node, b: Node) -> bool:
    """Whether ``b`` is ``NOT a`` (``x IS NULL`` / ``x IS NOT NULL``, ``x < 5`` / ``x >= 5``)."""
    if isinstance(b, exp.Not) and b.this == a:
        return True
    kind = COMPLEMENT.get(type(a))
    return kind is not None and isinstance(b, kind) and a.left == b.left and a.right == b.right


def _opposed(terms: list[Node]) -> bool:
    """Whether two of the terms are each other's negation."""
    return any(_negation(a, b) or _negation(b, a) for i, a in enumerate(terms) for b in terms[i + 1 :])


def _is_key(column: Node) -> bool:
    """A column that names one row (``id``, ``order_id``, ``sku``, ``name``), per ``[sql] key_column``."""
    return isinstance(column, exp.Column) and bool(pattern(rules()["sql"]["key_column"]).search(column.name.lower()))


def targeted(e: Node | None, depth: int = 0) -> bool:
    """A WHERE that picks rows by key: ``id = 42``, ``id IN (…)``, possibly ANDed with more
    (``category = 'books'`` is a predicate over many rows, not a key)."""
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
        return any(_is_key(s) for s in sides) and any(isinstance(s, exp.Literal) for s in sides)
    if isinstance(e, exp.In):
        return _is_key(e.this) and all(isinstance(v, exp.Literal) for v in e.expressions)
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
    text = without_comments(text[: limit("max_snippet_chars")])
    sql = rules()["sql"]
    acts = pattern(sql["side_effects"]).search(text) if "_" in text else None
    if acts:  # SELECT pg_terminate_backend(pid) …: a query that does something
        return (Finding("sql", f"server function with side effects ({acts.group(0)})", "medium", "", text[:200]),)
    if not pattern(sql["changes"]).search(text):
        reads = bool(pattern(sql["reads"]).match(text)) and not pattern(sql["writes"]).search(text)
        return (Finding("sql", "read" if reads else "read or insert", "low", "", text[:200], inert=reads),)
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
        reads = isinstance(st, (exp.Select, exp.Union)) and st.find(exp.Into) is None
        findings.append(Finding("sql", what, severity, target, evidence, is_production(tables), reads))
    return tuple(findings)
