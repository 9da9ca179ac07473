"""Judge code in other languages: Python with the ``ast`` module (deleting calls on path
literals, shell calls, fork loops, kills, SQL in string literals), other scripting languages
(``perl -e``, ``node -e`` …) by the ``[[script]]`` patterns, MongoDB shell JavaScript by the
``[[mongo]]`` patterns and Redis ``EVAL`` scripts by the commands they call.
"""

from __future__ import annotations

import ast

from sentinel.live.context import Nested
from sentinel.live.findings import Finding
from sentinel.live.rules import limit, pattern, rules
from sentinel.live.specials import writes
from sentinel.live.sql import judge_sql, looks_like_sql

Judged = tuple[list[Finding], list[Nested]]
MAX_NODES = 5000


def _call_name(func: ast.expr) -> str:
    """The last name of a call (``shutil.rmtree`` → ``rmtree``)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _strings(nodes: list[ast.expr]) -> list[str]:
    """The string literals among some argument nodes."""
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _receiver_strings(func: ast.expr) -> list[str]:
    """String literals of the object a method is called on (``Path('/x').unlink()``)."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        return _strings(func.value.args)
    return []


def _int_arg(node: ast.Call) -> int | None:
    """The first argument as an integer literal (``os.kill(-1, 9)``), if it is one."""
    if not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub) and isinstance(arg.operand, ast.Constant):
        value = arg.operand.value
        return -value if isinstance(value, int) else None
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, int) else None


def _call(node: ast.Call, in_loop: bool, out: Judged) -> None:
    """One call: deletes, shell, kills, forks, file writes."""
    py = rules()["python"]
    findings, nested = out
    name = _call_name(node.func)
    inside_first = list(ast.walk(node.args[0]))[:64] if node.args else []  # os.path.join('/etc', f)
    literals = _strings([n for n in inside_first if isinstance(n, ast.Constant)]) + _receiver_strings(node.func)
    paths = [s for s in literals if s.startswith(("/", "~", "."))][:4]
    evidence = ast.unparse(node)[:200]
    if name in py["recursive_delete_calls"]:
        nested += [Nested("argv", argv=("rm", "-rf", p)) for p in paths]
        if not paths:
            findings.append(Finding("code", "recursive delete of a computed path", "medium", "?", evidence))
    elif name in py["delete_calls"]:
        nested += [Nested("argv", argv=("rm", p)) for p in paths]
    elif name in py["shell_calls"] and node.args:
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            nested.append(Nested("shell", arg.value))
        elif isinstance(arg, (ast.List, ast.Tuple)) and (argv := _strings(arg.elts)):
            nested.append(Nested("argv", argv=tuple(argv)))
    elif name in py["kill_calls"]:
        pid = _int_arg(node)
        severity = "catastrophic" if pid in (-1, 1) else "medium"
        findings.append(Finding("code", "process kill", severity, str(pid), evidence))
    elif name in py["fork_calls"] and in_loop:
        findings.append(Finding("code", "fork bomb", "catastrophic", name, evidence))
    elif name == "open" and any(ch in mode for mode in _strings(node.args[1:2]) for ch in "wa+"):
        findings += writes([(">", p) for p in _strings(node.args[:1])], evidence)


def judge_python(text: str) -> Judged:
    """Findings and nested code of a Python snippet (patterns when it does not parse)."""
    try:
        tree = ast.parse(text[: limit("max_snippet_chars")])
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return judge_script(text)
    out: Judged = ([], [])
    loops = {id(n) for loop in ast.walk(tree) if isinstance(loop, (ast.While, ast.For)) for n in ast.walk(loop)}
    for count, node in enumerate(ast.walk(tree)):
        if count > MAX_NODES:
            break
        if isinstance(node, ast.Call):
            _call(node, id(node) in loops, out)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and looks_like_sql(node.value):
            out[0].extend(judge_sql(node.value))
    return out


def judge_script(text: str) -> Judged:
    """Perl, Ruby, Node, PHP … (and Python that does not parse) by the ``[[script]]`` patterns."""
    text = text[: limit("max_snippet_chars")]
    findings: list[Finding] = []
    nested: list[Nested] = []
    for regex, kind in rules()["script_compiled"]:
        for m in list(regex.finditer(text))[:16]:
            groups = m.groupdict()
            if kind == "shell" and groups.get("code"):
                nested.append(Nested("shell", groups["code"]))
            elif kind == "recursive_delete" and groups.get("path"):
                nested.append(Nested("argv", argv=("rm", "-rf", groups["path"])))
            elif kind == "delete" and groups.get("path"):
                nested.append(Nested("argv", argv=("rm", groups["path"])))
            elif kind == "fork_bomb":
                findings.append(Finding("code", "fork bomb", "catastrophic", "", m.group(0)[:120]))
    return findings, nested


def judge_mongo(text: str) -> Judged:
    """MongoDB shell JavaScript: the first (most severe) matching ``[[mongo]]`` pattern."""
    text = text[: limit("max_snippet_chars")]
    for regex, rule in rules()["mongo_compiled"]:
        m = regex.search(text)
        if m:
            return [Finding("code", rule["what"], rule["severity"], m.group(0), text[:200])], []
    return [], []


def judge_redis_script(text: str) -> Judged:
    """A Redis ``EVAL`` script: each ``redis.call('CMD', …)`` judged like ``redis-cli CMD``."""
    calls = pattern(rules()["redis"]["script_call"]).finditer(text[: limit("max_snippet_chars")])
    return [], [Nested("argv", argv=("redis-cli", m.group("cmd"))) for m in list(calls)[:16]]
