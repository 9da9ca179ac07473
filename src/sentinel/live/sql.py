"""Judge SQL at the parser level: every statement of a snippet on its own (``statements.py``: split,
client lines dropped, parsed by sqlglot in the dialect that reads it), by its type and target —
``DROP`` by what it drops, ``TRUNCATE``, ``DELETE``/``UPDATE`` (and ClickHouse's ``ALTER TABLE …
DELETE|UPDATE`` mutations) by their WHERE (none, a tautology such as ``1=1``, ``true``, ``'a'='a'``,
``x = x``, ``… OR 1=1``, a key that is never null or never below zero, a predicate, or a key
lookup), statements that replace a table's contents (``CREATE OR REPLACE TABLE``, ``INSERT
OVERWRITE``), ``GRANT``/``REVOKE``, ``ALTER … DROP``, ``KILL`` — and what a statement runs inside
it: ``EXPLAIN ANALYZE`` (plain ``EXPLAIN`` runs nothing), dynamic SQL (``EXECUTE IMMEDIATE '…'``,
``EXEC('…')``, ``sp_executesql``), anonymous blocks (``DO $$ … $$``, ``BEGIN … END``), and
data-modifying CTEs. A statement no dialect parses is read by its leading keywords when it has a
statement's shape, so it is never silently approved.
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlglot import exp

from sentinel.live.commands import is_production
from sentinel.live.findings import SEVERITY_ORDER, Finding, capped
from sentinel.live.normalize import CAMEL_BOUNDARY
from sentinel.live.rules import limit, pattern, rules
from sentinel.live.statements import Node, Parser, split

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
MAX_DEPTH = 3  # dynamic SQL inside dynamic SQL …
Judged = tuple[str, str, str]  # (what, severity, target)


SQL_ARITHMETIC = re.compile(
    r"(?i)'\s*(?:\|\||\+)\s*N?'|\bconcat\s*\(|\b(?:n?char|chr)\s*\(\s*\d|\b0x[0-9a-f]{8}|\b(?:unhex|x)\s*\(?\s*'[0-9a-f]{8}"
)
UNHEX_CALL = re.compile(r"(?i)\bunhex\s*\(\s*'((?:[0-9a-f]{2}){4,2000})'\s*\)|\bx'((?:[0-9a-f]{2}){4,2000})'")
CHAR_CALL = re.compile(r"(?i)\b(?:char|chr|nchar)\s*\(\s*(\d{1,3})\s*\)")
HEX_LITERAL = re.compile(r"(?i)\b0x((?:[0-9a-f]{2}){4,2000})\b")
LITERAL_BODY = re.compile(r"N?'((?:[^']|'')*)'")
CONCAT_CALL = re.compile(r"(?i)\bconcat\s*\(\s*((?:N?'(?:[^']|'')*'\s*,\s*)*N?'(?:[^']|'')*')\s*\)")
JOINED_LITERALS = re.compile(r"N?'((?:[^']|''){0,2000})'\s*(?:\|\||\+)\s*N?'((?:[^']|''){0,2000})'")
SET_VARIABLE = re.compile(
    r"(?is)^\s*(?:set|declare)\s+(@\w+)(?:\s+n?(?:var)?char\s*(?:\(\s*(?:\d+|max)\s*\))?)?\s*:?=\s*N?'((?:[^']|'')*)'\s*;?\s*$"
)
RUN_VARIABLE = re.compile(
    r"(?is)^\s*(?:prepare\s+\w+\s+from|exec(?:ute)?\s+(?:sys\.)?sp_executesql|exec(?:ute)?\s*\(?|execute\s+immediate)\s*(@?\w+)\s*\)?\s*;?\s*$"
)


def _splits_keyword(text: str, start: int, end: int) -> bool:
    """Whether an empty comment at ``text[start:end]`` splits a statement keyword (``DR/**/OP``)."""
    left = re.search(r"[A-Za-z]+$", text[max(0, start - 12) : start])
    right = re.match(r"[A-Za-z]+", text[end : end + 12])
    if left is None or right is None:
        return False
    return (left.group(0) + right.group(0)).lower() in SPLIT_KEYWORDS


SPLIT_KEYWORDS = frozenset(
    {"drop", "delete", "truncate", "update", "alter", "grant", "revoke", "execute", "exec", "table", "database"}
)


def without_comments(text: str) -> str:
    """SQL with its comments made spaces (``DELETE/**/FROM/**/users`` is ``DELETE FROM users``; an
    empty comment inside a word joins it, ``DR/**/OP``, as a guard should read it);
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
            joins = not body and end >= 0 and _splits_keyword(text, i, end + 2)
            out.append(" " + body.lstrip("!0123456789") + " " if body.startswith("!") else "" if joins else " ")
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
    if isinstance(e, (exp.Like, exp.ILike)) and isinstance(e.expression, exp.Literal) and not e.expression.is_number:
        return _like(e)
    return _about_keys(e)


def _like(e: Node) -> bool | None:
    """``x LIKE '%'`` holds for every row; ``'a' LIKE 'a'`` (two literals) is decided here."""
    text = e.expression.this
    if text and set(text) <= {"%"}:
        return True
    if not isinstance(e.this, exp.Literal) or e.this.is_number:
        return None
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in text[:200])
    return re.fullmatch(regex, e.this.this, re.DOTALL | (re.IGNORECASE if isinstance(e, exp.ILike) else 0)) is not None


def _about_keys(e: Node) -> bool | None:
    """What a condition on a key column always is: a key is never null (``id IS NOT NULL`` is always
    true, ``id IS NULL`` never) and never below one (``id > 0``, ``id >= 1`` hold for every row)."""
    if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null):
        if isinstance(e.this, exp.Literal):
            return False
        return False if _is_key(e.this) else None
    if isinstance(e, (exp.GT, exp.GTE)) and _is_key(e.left) and isinstance(e.right, (exp.Literal, exp.Neg)):
        value = _number(e.right)
        if value is not None:
            return True if value <= 0 or (isinstance(e, exp.GTE) and value <= 1) else None
    return None


def _number(e: Node) -> float | None:
    """A numeric literal's value (``-1`` too), or None."""
    negative = isinstance(e, exp.Neg)
    if negative:
        e = e.this
    if isinstance(e, exp.Literal) and e.is_number:
        try:
            return -float(e.this) if negative else float(e.this)
        except ValueError:
            return None
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
    if not isinstance(column, exp.Column):
        return False
    name = CAMEL_BOUNDARY.sub("_", column.name).lower()  # AuditId is audit_id
    return bool(pattern(rules()["sql"]["key_column"]).search(name))


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


def _same_table(e: Node, table: str) -> bool:
    """``key IN (SELECT key FROM <the same table>)`` with no filter of its own: every row."""
    query = e.args.get("query") if isinstance(e, exp.In) else None
    query = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(query, exp.Select) or query.args.get("where") or query.args.get("limit") or not table:
        return False
    sources = [t.name.lower() for t in query.find_all(exp.Table)]
    return sources == [table.lower()]


def _scoped(kind: str, where: Node | None, table: str = "") -> tuple[str, str]:
    """(what, severity) of a DELETE or UPDATE by its WHERE."""
    unscoped = "catastrophic" if kind == "DELETE" else "high"
    if where is None:
        return f"{kind} without WHERE", unscoped
    condition = where.this if isinstance(where, exp.Where) else where
    verdict = True if _same_table(condition, table) else truth(condition)
    if verdict is True:
        return f"{kind} with an always-true WHERE", unscoped
    if verdict is False:
        return f"{kind} that matches no row", "low"
    if targeted(condition):
        return f"targeted {kind}", "low"
    return f"{kind} by predicate", "medium"


def _table_of(st: Node) -> str:
    """The name of the table a DELETE, UPDATE or ALTER acts on ("" when unknown)."""
    this = st.args.get("this")
    return this.name if isinstance(this, exp.Table) else ""


def _empty(query: Node | None) -> bool:
    """A query that returns no row (``WHERE 1 = 0``, ``LIMIT 0``): what a replaced table is left with."""
    if not isinstance(query, exp.Select):
        return False
    where, limit_ = query.args.get("where"), query.args.get("limit")
    if where is not None and truth(where.this) is False:
        return True
    return limit_ is not None and _number(limit_.expression) == 0


def _replaced(st: Node) -> tuple[str, str] | None:
    """A statement that replaces what a table, schema or database holds: ``CREATE OR REPLACE TABLE``
    (not a view, a function or a temporary table), ``INSERT OVERWRITE``; catastrophic when what
    replaces it is empty, or when a whole database or schema is replaced."""
    if isinstance(st, exp.Insert) and st.args.get("overwrite"):
        empty = _empty(st.expression)
        return "INSERT OVERWRITE (table contents replaced)", "catastrophic" if empty else "high"
    if not isinstance(st, exp.Create) or not st.args.get("replace"):
        return None
    kind = str(st.args.get("kind") or "").lower()
    severity = rules()["sql"]["replace"].get(kind)
    if severity is None or st.find(exp.TemporaryProperty) is not None:
        return None
    if _empty(st.expression):
        severity = "catastrophic"
    return f"CREATE OR REPLACE {kind.upper()} (existing data replaced)", severity


def _alter(st: Node) -> tuple[str, str]:
    """``ALTER``: a ClickHouse mutation (``ALTER TABLE t DELETE WHERE …``) by its WHERE, a drop of a
    column or a partition high, anything else medium."""
    actions = st.args.get("actions") or []
    for action in actions:
        if isinstance(action, exp.Delete):
            what, severity = _scoped("DELETE", action.args.get("where"), _table_of(st))
            return f"ALTER TABLE … {what}", severity
    if any(isinstance(a, (exp.Drop, exp.DropPartition)) for a in actions):
        return "ALTER … DROP", "high"
    return "ALTER", "medium"


def _statement(st: Node) -> tuple[str, str] | None:
    """(what, severity) of one parsed statement; None for statements that change nothing."""
    if isinstance(st, exp.Drop):
        kind = str(st.args.get("kind") or "object").lower()
        return f"DROP {kind.upper()}", rules()["sql"]["drop"].get(kind, "high")
    if isinstance(st, exp.TruncateTable):
        return "TRUNCATE", "catastrophic"
    if isinstance(st, exp.Delete):
        return _scoped("DELETE", st.args.get("where"), _table_of(st))
    if isinstance(st, exp.Update):
        return _scoped("UPDATE", st.args.get("where"), _table_of(st))
    if isinstance(st, exp.Grant):
        return "GRANT", "high"
    if isinstance(st, exp.Revoke):
        return "REVOKE", "medium"
    if isinstance(st, exp.Alter):
        return _alter(st)
    if isinstance(st, exp.Kill):
        return "KILL (a session or a query)", rules()["sql"]["commands"]["kill"]
    if isinstance(st, exp.Column) and st.name.lower() in rules()["sql"]["commands"]:  # a bare SHUTDOWN
        return st.name.upper(), rules()["sql"]["commands"][st.name.lower()]
    replaced = _replaced(st)
    if replaced is not None:
        return replaced
    if isinstance(st, (exp.Select, exp.Insert, exp.Create, exp.Merge, exp.Union, exp.Comment)):
        return type(st).__name__.upper(), "low"
    return None


def _inner_writes(st: Node) -> list[tuple[str, str, str]]:
    """Writes inside a statement that reads (a data-modifying CTE: ``WITH d AS (DELETE FROM t
    RETURNING *) SELECT …``), as (what, severity, table)."""
    if not isinstance(st, (exp.Select, exp.Union, exp.Insert, exp.Create, exp.Merge)):
        return []
    out = []
    for node in st.find_all(exp.Delete, exp.Update, exp.Drop, exp.TruncateTable):
        if node is st:
            continue
        judged = _statement(node)
        if judged is not None:
            out.append((*judged, _table_of(node)))
        if len(out) >= 8:
            break
    return out


def _condition(text: str, parser: Parser) -> Node | None:
    """A WHERE condition written as text (of a statement no dialect parsed whole)."""
    if not text.strip():
        return None
    node = parser.parse(f"SELECT 1 FROM t WHERE {text}")
    where = node.args.get("where") if isinstance(node, exp.Select) else None
    return where.this if where is not None else None


def _keywords(text: str, node: Node | None, parser: Parser) -> Judged | None:
    """A statement sqlglot kept as a bare command, or that no dialect parsed, read by its leading
    keywords when it has a statement's shape (``[sql] shapes``): a mutation, a DELETE or UPDATE
    (by its WHERE), a DROP (by what it drops), TRUNCATE, KILL, and the first word of a command
    (``VACUUM FULL``, ``SHUTDOWN``). None when it does not read as a statement at all."""
    sql = rules()["sql"]
    shapes = sql["shapes"]
    flat = " ".join(text.split())
    for kind in ("mutation", "delete", "update"):
        m = pattern(shapes[kind], re.IGNORECASE).match(flat)
        if m:
            verb = (m.groupdict().get("verb") or kind).upper()
            where = m.group("where")
            condition = _condition(where, parser) if where else None
            if where and condition is None:
                return f"{verb} by a predicate not parsed", "medium", m.group("table")
            what, severity = _scoped(verb, condition, m.group("table"))
            return ("ALTER TABLE … " if kind == "mutation" else "") + what, severity, m.group("table")
    m = pattern(shapes["drop"], re.IGNORECASE).match(flat)
    if m:
        kind = m.group("kind").lower()
        return f"DROP {kind.upper()}", sql["drop"].get(kind, "high"), m.group("name") or kind
    m = pattern(shapes["kill"], re.IGNORECASE).match(flat)
    if m:
        everything = m.group("where") and truth(_condition(m.group("where"), parser)) is True
        return "KILL (sessions or queries)", "high" if everything else sql["commands"]["kill"], ""
    if not isinstance(node, exp.Command):
        return None
    name = str(node.this).lower()
    rest = str(node.expression.this if isinstance(node.expression, exp.Literal) else node.expression or "").split()
    severity = sql["commands"].get(name, "low")
    if name == "grant" and rest and rest[0].lower() == "all":
        severity = "high"
    return name.upper(), severity, ""


def _wrapped(text: str) -> tuple[str, str] | None:
    """What a statement runs inside it: ``("run", SQL)`` for ``EXPLAIN ANALYZE``, dynamic SQL
    (``EXECUTE IMMEDIATE '…'``, ``EXEC('…')``, ``sp_executesql N'…'``) and anonymous blocks (``DO $$
    … $$``, ``BEGIN … END``); ``("plan", SQL)`` for a plain ``EXPLAIN``, which runs nothing."""
    shapes = rules()["sql"]["shapes"]
    m = pattern(shapes["explain"], re.IGNORECASE | re.DOTALL).match(text)
    if m:
        runs = pattern(shapes["explain_runs"], re.IGNORECASE).search(m.group("options") or "")
        return ("run" if runs else "plan"), m.group("inner")
    m = pattern(shapes["dynamic"], re.IGNORECASE | re.DOTALL).match(text)
    if m:
        return "run", m.group("inner").replace("''", "'")
    m = pattern(shapes["for_each"], re.IGNORECASE | re.DOTALL).match(text)
    if m:  # EXEC sp_MSforeachtable 'DELETE FROM ?': each table in turn
        return "run", re.sub(r"\[?\?\]?", "each_table", m.group("inner").replace("''", "'"))
    m = pattern(shapes["block"], re.IGNORECASE | re.DOTALL).match(text)
    if m:
        return "run", m.group("inner")
    m = pattern(shapes["begin"], re.IGNORECASE | re.DOTALL).match(text)
    if m and m.group("inner").strip():
        return "run", m.group("inner")
    return None


def _judge_piece(text: str, parser: Parser, depth: int, many: bool) -> list[Finding]:
    """Findings for one statement (and what it runs inside it)."""
    wrapped = _wrapped(text)
    if wrapped is not None and depth >= MAX_DEPTH:  # fail closed: SQL wrapped deeper than is followed
        return [Finding("sql", "more nested SQL than the analyser follows", "high", "", text[:200])]
    if wrapped is not None:
        how, inner = wrapped
        if how == "plan":
            return [Finding("sql", "EXPLAIN (a plan: nothing runs)", "low", "", text[:200], inert=True)]
        return [f for piece in split(inner) for f in _judge_piece(piece, parser, depth + 1, True)]
    node = parser.parse(text)
    judged: list[tuple[str, str, str]] = []
    if node is None or isinstance(node, exp.Command):
        found = _keywords(text, node, parser)
        if found is not None:
            judged.append(found)
    else:
        one = _statement(node)
        if one is not None:
            tables = sorted({t.name for t in node.find_all(exp.Table)})[:16]
            judged.append((*one, ", ".join(tables)))
        judged += _inner_writes(node)
    if not judged:
        return []
    what, severity, target = max(judged, key=lambda j: SEVERITY_ORDER.index(j[1]))
    reads = isinstance(node, (exp.Select, exp.Union)) and node.find(exp.Into) is None and severity == "low"
    evidence = f"{what} …" if many else text[:200]
    names = [n for n in re.split(r"[,\s]+", target) if n]
    by_key = what.startswith("targeted ") and severity == "low"  # DELETE … WHERE id = 77812: one record, named
    return [Finding("sql", what, severity, target or what, evidence, is_production(names), reads, by_key)]


@lru_cache(maxsize=2048)
def judge_sql(text: str) -> tuple[Finding, ...]:
    """Findings for every statement of an SQL snippet (none when it does not read as SQL)."""
    text = without_comments(text[: limit("max_snippet_chars")])
    sql = rules()["sql"]
    acts = pattern(sql["side_effects"]).search(text) if "_" in text else None
    if acts:  # SELECT pg_terminate_backend(pid) …: a query that does something
        return (Finding("sql", f"server function with side effects ({acts.group(0)})", "medium", "", text[:200]),)
    if not pattern(sql["changes"]).search(text):
        reads = bool(pattern(sql["reads"]).match(text)) and not pattern(sql["writes"]).search(text)
        return (Finding("sql", "read" if reads else "read or insert", "low", "", text[:200], inert=reads),)
    parser = Parser()
    pieces = _run_variables(split(folded_literals(text)))
    findings: list[Finding] = []
    for piece in pieces:
        findings += _judge_piece(piece, parser, 0, len(pieces) > 1)
    if _rolled_back(pieces):  # BEGIN; DELETE FROM carts; …; ROLLBACK: the rows are all still there
        findings = [f if f.what.startswith(UNDONE_NOT) else _undone(f) for f in findings]
    return tuple(findings)


UNDONE_NOT = ("DROP", "TRUNCATE", "ALTER", "CREATE", "GRANT", "REVOKE")  # DDL commits itself in some databases


def _undone(finding: Finding) -> Finding:
    """A finding of a statement whose effect a ROLLBACK undoes: low and inert."""
    return capped([finding], "low", "rolled back", inert=True)[0]


def _rolled_back(pieces: list[str]) -> bool:
    """Whether a snippet is one transaction that ends in ROLLBACK (BEGIN/START TRANSACTION … ROLLBACK)."""
    if len(pieces) < 3:
        return False
    first, last = pieces[0].strip().lower().rstrip(";"), pieces[-1].strip().lower().rstrip(";")
    return first in ("begin", "begin transaction", "start transaction", "begin work") and last in (
        "rollback",
        "rollback work",
        "rollback transaction",
        "abort",
    )


def folded_literals(text: str) -> str:
    """SQL with string arithmetic done: ``'DR' || 'OP TABLE x'``, ``'DR'+'OP …'``, ``CONCAT('DR',
    'OP …')``, ``CHAR(68)+CHAR(82)`` and a hex literal (``0x44524f50…``) become one literal, so the
    statement that runs it (``EXECUTE``, ``PREPARE … FROM``) is judged by what it runs."""
    if not SQL_ARITHMETIC.search(text):
        return text
    text = CHAR_CALL.sub(lambda m: "'" + chr(int(m.group(1))).replace("'", "''") + "'", text)
    text = HEX_LITERAL.sub(_hex_literal, text)
    text = UNHEX_CALL.sub(_hex_literal, text)  # MySQL UNHEX('44524F50…'), X'44524F50…'
    for _ in range(64):
        joined = CONCAT_CALL.sub(lambda m: "'" + "".join(LITERAL_BODY.findall(m.group(1))) + "'", text)
        joined = JOINED_LITERALS.sub(lambda m: "'" + m.group(1) + m.group(2) + "'", joined)
        if joined == text:
            break
        text = joined
    return text


def _hex_literal(m: re.Match[str]) -> str:
    """``0x44524f50`` (or ``UNHEX('44524f50')``, ``X'44524f50'``) as the quoted text it spells (left
    alone when it is no text)."""
    try:
        return "'" + bytes.fromhex(m.group(1) or m.group(2)).decode("utf-8").replace("'", "''") + "'"
    except ValueError:
        return m.group(0)


def _run_variables(pieces: list[str]) -> list[str]:
    """Statements with a variable that holds SQL run as that SQL: ``SET @q = '…'; PREPARE s FROM
    @q; EXECUTE s``, ``DECLARE @s NVARCHAR(200) = N'…'; EXEC sp_executesql @s``, ``EXEC(@s)``."""
    values: dict[str, str] = {}
    out = []
    for piece in pieces:
        m = SET_VARIABLE.match(piece)
        if m:
            values[m.group(1).lower()] = m.group(2).replace("''", "'")
        r = RUN_VARIABLE.match(piece)
        out.append(values.get(r.group(1).lower(), piece) if r else piece)
    return out
