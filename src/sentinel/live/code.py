"""Judge code in other languages: Python with the ``ast`` module (deleting calls on path
literals or on variables bound to paths — ``for p in Path('/x').rglob('*'): p.unlink()`` — shell
calls, fork loops, kills, SQL in string literals), other scripting languages
(``perl -e``, ``node -e`` …) by the ``[[script]]`` patterns, MongoDB shell JavaScript by the
``[[mongo]]`` patterns and Redis ``EVAL`` scripts by the commands they call.
"""

from __future__ import annotations

import ast
import codecs
import io
import posixpath
import re
import tokenize
from itertools import islice

from sentinel.live.context import Nested
from sentinel.live.feeds import Feed, decode
from sentinel.live.findings import Finding
from sentinel.live.libraries import library_calls
from sentinel.live.printed import decoded_literal
from sentinel.live.rules import limit, pattern, rules
from sentinel.live.specials import writes
from sentinel.live.sql import judge_sql, looks_like_sql

Judged = tuple[list[Finding], list[Nested]]
Bindings = dict[str, list[str]]  # a variable name → the paths it may hold
MAX_NODES = 5000
MAX_EXPANDED = 64
LITERAL = re.compile(r"([\"'])([^\"'\n]{0,200})\1")
# A literal list of at least two quoted paths (`[]string{"/data", "/var/lib/etcd"}`, `["/a", "/b"]`).
LISTED_PATHS = re.compile(
    r"[\[{(]\s*((?:([\"'])[/~][^\"'\n]{0,200}\2\s*,\s*)+([\"'])[/~][^\"'\n]{0,200}\3)\s*,?\s*[\]})]"
)
QUOTED = re.compile(r"([\"'])([^\"'\n]{4,4000})\1")
FOLDABLE = ("+", "__import__", "getattr", "chr", "join")  # what _Folder computes appears in the text
CODE_RUN = re.compile(r"\d{1,3}(?:\s*[,)]\s*(?:chr\s*\(|CHAR\s*\()?\s*\d{1,3}){3,400}")


def _call_name(func: ast.expr) -> str:
    """The last name of a call (``shutil.rmtree`` → ``rmtree``)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _strings(nodes: list[ast.expr]) -> list[str]:
    """The string literals among some argument nodes."""
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _is_path(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("/", "~", "."))


def _composed(node: ast.AST, bound: Bindings, depth: int = 0) -> str | None:
    """The one path an expression builds, when every part of it is known: a literal, the home
    directory, ``os.path.join(…)``, ``Path(…) / …``, ``expanduser(…)``, a name bound to one path
    (``os.path.join(os.path.expanduser('~'), '.cache', 'pip')`` is ``~/.cache/pip``)."""
    py = rules()["python"]
    if depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "~" if node.value in py["home_variables"] else node.value
    if isinstance(node, ast.Name):
        paths = bound.get(node.id, [])
        return paths[0] if len(paths) == 1 else None
    if isinstance(node, ast.Subscript):  # os.environ['HOME']
        return _composed(node.slice, bound, depth + 1) if _call_name(node.value) == "environ" else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        left, right = _composed(node.left, bound, depth + 1), _composed(node.right, bound, depth + 1)
        if left is None or right is None:
            return None
        return posixpath.join(left, right) if isinstance(node.op, ast.Div) else left + right
    if not isinstance(node, ast.Call):
        return None
    name = _call_name(node.func)
    if name in py["home_calls"]:
        return "~"
    parts = [_composed(a, bound, depth + 1) for a in node.args[:8]]
    if name == "joinpath" and isinstance(node.func, ast.Attribute):
        parts.insert(0, _composed(node.func.value, bound, depth + 1))
    if None in parts or not parts:
        return None
    if name in ("join", "joinpath"):
        return posixpath.join(*[p for p in parts if p is not None])
    if name in ("Path", "PurePath", "PosixPath", "expanduser", "abspath", "realpath", "getenv", "get"):
        return parts[0]
    return None


def _paths_in(node: ast.AST | None, bound: Bindings) -> list[str]:
    """Path literals in an expression, the home directory (``Path.home()``, ``os.environ['HOME']``),
    and the paths its names are bound to (``os.path.join('/etc', f)``, ``Path('/x') / name``, ``p``
    from ``for p in Path('/x').rglob('*')``)."""
    if node is None:
        return []
    whole = _composed(node, bound)
    if whole is not None and _is_path(whole):
        return [whole]
    out: list[str] = []
    py = rules()["python"]
    for n in islice(ast.walk(node), 64):
        if isinstance(n, ast.Constant) and _is_path(n.value):
            out.append(str(n.value))
        elif isinstance(n, ast.Constant) and n.value in py["home_variables"]:  # os.environ['HOME']
            out.append("~")
        elif isinstance(n, ast.Call) and _call_name(n.func) in py["home_calls"]:  # Path.home()
            out.append("~")
        elif isinstance(n, ast.Name) and n.id in bound:
            out.extend(bound[n.id])
    return out[:8]


def _target_names(target: ast.AST) -> list[str]:
    """The names a ``for`` target or an assignment binds (``root, dirs, files``)."""
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)][:8]


def bindings(tree: ast.AST) -> Bindings:
    """Names bound to paths: ``d = Path('/srv')`` binds ``d`` to ``/srv``; a loop or comprehension
    over a directory's entries (``for p in Path('/x').rglob('*')``, ``for f in os.listdir('/x')``,
    ``for root, _, files in os.walk('/x')``) binds its targets to ``/x/…`` (some files inside it);
    a loop over a list of literals binds them as they are. Two passes, so order does not matter."""
    bound: Bindings = {}
    for _ in range(2):
        for count, node in enumerate(ast.walk(tree)):
            if count > MAX_NODES:
                break
            if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                paths = _paths_in(node.iter, bound)
                if not isinstance(node.iter, (ast.List, ast.Tuple, ast.Set)):
                    paths = [p if p.endswith("/…") else f"{p.rstrip('/')}/…" for p in paths]
                targets = [node.target]
            elif isinstance(node, ast.Assign):
                paths, targets = _paths_in(node.value, bound), list(node.targets)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                paths, targets = _paths_in(node.context_expr, bound), [node.optional_vars]
            else:
                continue
            for target in targets:
                for name in _target_names(target):
                    if paths:
                        bound[name] = sorted(set(paths))[:4]
    return bound


def _int_arg(node: ast.Call) -> int | None:
    """The first argument as an integer literal (``os.kill(-1, 9)``), if it is one."""
    if not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub) and isinstance(arg.operand, ast.Constant):
        value = arg.operand.value
        return -value if isinstance(value, int) else None
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, int) else None


def _deletes(node: ast.Call, bound: Bindings) -> tuple[str, list[str]] | None:
    """(delete call name, target paths) of a deleting call: ``shutil.rmtree('/x')``,
    ``Path('/x').unlink()``, ``p.unlink()`` with ``p`` bound, or a delete function handed to another
    call (``map(os.remove, glob.glob('/x/*'))``, ``pool.map(shutil.rmtree, dirs)``)."""
    py = rules()["python"]
    kinds = (*py["recursive_delete_calls"], *py["delete_calls"])
    name = _call_name(node.func)
    if name in kinds:
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        first = node.args[0] if node.args else None
        return name, _paths_in(first, bound) + _paths_in(receiver, bound)
    for k, arg in enumerate(node.args[:4]):
        if isinstance(arg, (ast.Name, ast.Attribute)) and _call_name(arg) in kinds:
            return _call_name(arg), [p for other in node.args[k + 1 :] for p in _paths_in(other, bound)]
    return None


def _call(node: ast.Call, in_loop: bool, out: Judged, bound: Bindings) -> None:
    """One call: deletes, shell, kills, forks, file writes."""
    py = rules()["python"]
    findings, nested = out
    name = _call_name(node.func)
    evidence = ast.unparse(node)[:200]
    deleting = _deletes(node, bound)
    if deleting is not None:
        kind, paths = deleting
        paths = sorted(set(paths))[:4]
        if kind in py["recursive_delete_calls"]:
            nested += [Nested("argv", argv=("rm", "-rf", p)) for p in paths]
            if not paths:
                findings.append(Finding("code", "recursive delete of a computed path", "medium", "?", evidence))
        else:
            nested += [Nested("argv", argv=("rm", p)) for p in paths]
    elif name in py["exec_calls"] and node.args and isinstance(node.args[0], ast.Constant):
        if isinstance(node.args[0].value, str):  # exec('import os; os.system(…)')
            nested.append(Nested("python", node.args[0].value))
    elif (name in py["exec_calls"] or name in py["shell_calls"]) and node.args and (fed := _fed_code(node.args[0])):
        nested.append(Nested("fed", feed=fed, interpreter="python" if name in py["exec_calls"] else "shell"))
    elif name in py["shell_calls"] and node.args:
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            nested.append(Nested("shell", arg.value))
        elif isinstance(arg, (ast.List, ast.Tuple)) and (argv := _argv(arg.elts, bound)):
            nested.append(Nested("argv", argv=tuple(argv)))
    elif name in py["kill_calls"]:
        pid = _int_arg(node)
        severity = "catastrophic" if pid in (-1, 1) else "medium"
        findings.append(Finding("code", "process kill", severity, str(pid), evidence))
    elif name in py["fork_calls"] and in_loop:
        findings.append(Finding("code", "fork bomb", "catastrophic", name, evidence))
    elif name == "open" and any(ch in mode for mode in _strings(node.args[1:2]) for ch in "wa+"):
        findings += writes([(">", p) for p in _strings(node.args[:1])], evidence)
    elif name in py["chmod_calls"] and (changed := _chmod(node, bound)) is not None:
        nested.append(Nested("argv", argv=changed))  # os.chmod('/etc/shadow', 0o666) is chmod 666 /etc/shadow


def _chmod(node: ast.Call, bound: Bindings) -> tuple[str, ...] | None:
    """``os.chmod(PATH, MODE)`` / ``Path(PATH).chmod(MODE)`` as ``("chmod", "666", PATH)`` when the
    mode is an integer literal and the path is known."""
    modes = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
    if not modes or isinstance(modes[0], bool):
        return None
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    paths = _paths_in(node.args[0], bound) if len(node.args) > 1 else []
    if not paths and isinstance(receiver, ast.Call):  # Path('/root/.ssh/id_rsa').chmod(0o644)
        paths = _paths_in(receiver, bound)
    return ("chmod", f"{modes[0]:o}", paths[0]) if paths else None


def expanded_calls(tree: ast.AST) -> str:
    """Calls on names bound to an expression, written with that expression in place of the name
    (``b = s3.Bucket('x')`` then ``b.delete()`` is ``s3.Bucket('x').delete()``), one per line, so the
    ``[[library]]`` patterns see the whole chain; bindings of bindings are followed."""
    bound: dict[str, str] = {}
    out: list[str] = []
    for count, node in enumerate(ast.walk(tree)):
        if count > MAX_NODES or len(out) >= MAX_EXPANDED:
            break
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, (ast.Call, ast.Subscript, ast.Attribute)) and len(bound) < MAX_EXPANDED:
                bound[node.targets[0].id] = _with_bound(node.value, bound)
        elif isinstance(node, ast.Call) and _root(node.func) in bound:
            out.append(_with_bound(node, bound))
    return "\n".join(out)


def _root(node: ast.expr) -> str:
    """The name an attribute or subscript chain starts from (``b`` of ``b.objects.delete``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _with_bound(node: ast.expr, bound: dict[str, str]) -> str:
    """An expression's source with its root name replaced by what the name is bound to."""
    text = ast.unparse(node)[:300]
    root = _root(node)
    return bound[root] + text[len(root) :] if root in bound and text.startswith(root) else text


def _fed_code(arg: ast.expr) -> Feed | None:
    """What ``exec(…)``/``eval(…)``/``os.system(…)`` runs when it is not a plain literal: a
    download (an ``http(s)://`` literal inside: ``exec(requests.get(URL).text)``), or a decoded
    payload (``exec(base64.b64decode('…'))``: decoded and judged, or encoded when unreadable)."""
    decoders = rules()["python"]["decode_calls"]
    for n in islice(ast.walk(arg), 64):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith(("http://", "https://")):
            return Feed("remote", source=n.value[:200])
        if isinstance(n, ast.Call) and _call_name(n.func) == "decode" and _rot13(n):  # codecs.decode(x, 'rot13')
            rotated = codecs.decode(_strings(n.args[:1])[0], "rot13")
            return Feed("text", rotated, ast.unparse(n)[:200], decoded=True)
        if isinstance(n, ast.Call) and _call_name(n.func) in decoders:
            literal = next(iter(_strings(n.args[:1])), None) if n.args else None
            if isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Constant):
                literal = n.func.value.value if isinstance(n.func.value.value, str) else None  # '…'.decode()
            text = _decoded(_call_name(n.func), literal) if literal is not None else None
            evidence = ast.unparse(n)[:200]
            return Feed("encoded", source=evidence) if text is None else Feed("text", text, evidence, decoded=True)
    return None


def _rot13(call: ast.Call) -> bool:
    """Whether a ``decode`` call is ``codecs.decode(LITERAL, 'rot13')``."""
    names = [a.value for a in call.args[1:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return bool(_strings(call.args[:1])) and bool(names) and names[0].lower().replace("_", "") == "rot13"


def decoded_runs(text: str) -> list[Nested]:
    """What inline code runs when it runs a decoded literal (``system(pack("H*","…"))``,
    ``execSync(Buffer.from('…','base64'))``, ``system([114,109].pack("c*"))``, rot13): the decoded
    text, fed to a shell as a decoded payload (an unreadable one as an encoded payload)."""
    data = rules()["interpreters"]
    runs = data["decoded_runs"]
    if not pattern(runs["run_calls"]).search(text):
        return []
    decoders = {**data["inline_decoders"], "codes": runs["char_codes"], "rot13": runs["rot13"]}
    fed = decoded_literal(decoders, text, lambda kind: _candidates(kind, text), text[:200])
    return [Nested("fed", feed=fed, interpreter="shell")] if fed is not None else []


def _candidates(kind: str, text: str) -> list[str]:
    """The literals a decoder of this kind may be given: quoted strings, or runs of char codes."""
    if kind == "codes":
        return [m.group(0) for m in CODE_RUN.finditer(text)]
    return [m.group(2) for m in QUOTED.finditer(text)]


def _decoded(call: str, literal: str) -> str | None:
    """A literal decoded as the call named would (``b64decode``, ``unhexlify``, ``fromhex`` …),
    or None when that is not readable text."""
    if "b64" in call or "base64" in call or call in ("decodebytes", "decodestring"):
        return decode("base64", set(), literal)
    if "b32" in call:
        return decode("base32", set(), literal)
    if call in ("unhexlify", "fromhex", "b16decode", "a2b_hex"):
        return decode("xxd", {"-p"}, literal)
    return None


def _argv(elts: list[ast.expr], bound: Bindings) -> list[str]:
    """An argv list's words: literals, and a name bound to one path (``['rm', '-rf', d]``)."""
    out = []
    for e in elts[:256]:
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            out.append(e.value)
        elif isinstance(e, ast.Name) and len(bound.get(e.id, ())) == 1:
            out.append(bound[e.id][0])
    return out


def _without_comments(text: str) -> str:
    """Python source without its comments (read by the tokenizer, so a ``#`` in a string stays)."""
    if "#" not in text:
        return text
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type != tokenize.COMMENT]
        return tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        return text


class _Folder(ast.NodeTransformer):
    """Constant strings computed the way evasions compute them: ``'r' + 'm -rf /'``, a name bound
    once to a string (``a = 'rm -r'; os.system(a + b)``), ``__import__('o' + 's')`` and
    ``getattr(os, 'sys' + 'tem')``."""

    def __init__(self, constants: dict[str, str]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.constants:
            return ast.copy_location(ast.Constant(self.constants[node.id]), node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        left, right = node.left, node.right
        if isinstance(node.op, ast.Add) and isinstance(left, ast.Constant) and isinstance(right, ast.Constant):
            if (
                isinstance(left.value, str)
                and isinstance(right.value, str)
                and len(left.value) + len(right.value) < 4000
            ):
                return ast.copy_location(ast.Constant(left.value + right.value), node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        first = node.args[0] if node.args else None
        codes = _char_codes(node)
        if codes is not None:  # ''.join(map(chr, [114, 109])), chr(114)
            return ast.copy_location(ast.Constant(codes), node)
        if _call_name(node.func) == "__import__" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return ast.copy_location(ast.Name(first.value, ast.Load()), node)
        if _call_name(node.func) == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            if isinstance(node.args[1].value, str):
                return ast.copy_location(ast.Attribute(node.args[0], node.args[1].value, ast.Load()), node)
        return node


def _char_codes(node: ast.Call) -> str | None:
    """The text ``chr(N)``, ``''.join(map(chr, [N, …]))`` or ``''.join(['r', 'm', …])`` spells, or None."""
    name = _call_name(node.func)
    if name == "join" and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
        sep = node.func.value if isinstance(node.func, ast.Attribute) else None
        parts = _strings(node.args[0].elts)
        if isinstance(sep, ast.Constant) and isinstance(sep.value, str) and len(parts) == len(node.args[0].elts):
            return sep.value.join(parts) if sum(map(len, parts)) < 4000 else None
    ints = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
    if name == "chr" and len(ints) == 1 == len(node.args) and 0 <= ints[0] < 0x110000:
        return chr(ints[0])
    if name == "join" and len(node.args) == 1 and isinstance(node.args[0], ast.Call):
        inner = node.args[0]
        if _call_name(inner.func) == "map" and len(inner.args) == 2 and _call_name(inner.args[0]) == "chr":
            items = inner.args[1]
            if isinstance(items, (ast.List, ast.Tuple)):
                values = [e.value for e in items.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)]
                if len(values) == len(items.elts) and all(0 <= v < 0x110000 for v in values):
                    return "".join(chr(v) for v in values)
    return None


def _folded(tree: ast.Module) -> ast.Module:
    """The tree with evasive string arithmetic folded into constants (``_Folder``); names bound
    more than once keep their names."""
    assigned: dict[str, list[ast.expr]] = {}
    for node in islice(ast.walk(tree), MAX_NODES):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned.setdefault(node.targets[0].id, []).append(node.value)
    constants = {
        name: values[0].value
        for name, values in assigned.items()
        if len(values) == 1 and isinstance(values[0], ast.Constant) and isinstance(values[0].value, str)
    }
    try:
        return ast.fix_missing_locations(_Folder(constants).visit(tree))
    except RecursionError:
        return tree


def judge_python(text: str) -> Judged:
    """Findings and nested code of a Python snippet (patterns when it does not parse)."""
    try:
        tree = ast.parse(text[: limit("max_snippet_chars")])
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        cell = notebook_cell(text)
        if cell is None:
            return judge_script(text)
        source, commands = cell  # !rm -rf /home/jovyan in a notebook cell: a shell command
        findings, nested = judge_python(source) if source.strip() else ([], [])
        return findings, [*commands, *nested]
    if any(marker in text for marker in FOLDABLE):  # 'r' + 'm', chr(114), ''.join(['r', 'm'])
        tree = _folded(tree)
    text = _without_comments(text)  # "# never call r.flushall() here" calls nothing
    out: Judged = (library_calls(text), [])
    if "=" in text:  # bucket = s3.Bucket('x'); bucket.delete(): the call on what the name is bound to
        out[0].extend(library_calls(expanded_calls(tree)))
    loops = {id(n) for loop in ast.walk(tree) if isinstance(loop, (ast.While, ast.For)) for n in ast.walk(loop)}
    bound = bindings(tree) if "for" in text or "=" in text else {}
    printed = _printed_strings(tree) if looks_like_sql_anywhere(text) else set()
    for count, node in enumerate(ast.walk(tree)):
        if count > MAX_NODES:
            break
        if isinstance(node, ast.Call):
            _call(node, id(node) in loops, out, bound)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in printed:
            if looks_like_sql(node.value) and not _listed(node, tree):  # print('DROP TABLE users') runs nothing
                out[0].extend(judge_sql(node.value))
        elif isinstance(node, ast.JoinedStr) and id(node) not in printed:  # f"TRUNCATE {t} CASCADE"
            sql = "".join(str(v.value) if isinstance(v, ast.Constant) else "each_value" for v in node.values)
            if looks_like_sql(sql):
                out[0].extend(judge_sql(sql))
    return out


MAGIC_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:[A-Za-z_]\w*\s*=\s*)?(?:!!?|%(?P<magic>\w+)\b)[ \t]*(?P<rest>.*)$")


def notebook_cell(text: str) -> tuple[str, list[Nested]] | None:
    """A Jupyter/IPython cell as its Python (magic lines made ``pass``) and the commands its magics
    run: ``!cmd`` and ``files = !cmd`` lines and the ``[python.magics] shell_lines`` (``%sx cmd``)
    are shell, a cell under a ``shell_cells`` magic (``%%bash``) is one shell script and under an
    ``sql`` one (``%%sql``) SQL; other magics (``%%time``, ``%matplotlib inline``) run the Python
    around them. None when the text has no magic line (it is not a notebook cell)."""
    magics = rules()["python"]["magics"]
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    head, _, rest = lines[first].strip().partition(" ") if first < len(lines) else ("", "", "")
    if head.startswith("%%"):
        body = "\n".join(lines[first + 1 :])
        if head[2:] in magics["shell_cells"] and (head[2:] != "script" or rest.split()[:1] != ["python"]):
            return "", [Nested("shell", body)]
        if head[2:] in magics["sql"]:
            return "", [Nested("sql", body)]
        if head[2:] not in magics["python_cells"]:  # %%writefile, %%html, %%javascript: no Python runs
            return "", []
        lines, first = lines[first + 1 :], -1
    commands: list[Nested] = []
    out = []
    for line in lines:
        m = MAGIC_LINE.match(line) if line.lstrip()[:1] in ("!", "%") or "= !" in line or "=!" in line else None
        if m is None:
            out.append(line)
            continue
        magic, command = m.group("magic"), m.group("rest")
        if magic is None or magic in magics["shell_lines"]:
            commands.append(Nested("shell", command))
        elif magic in magics["sql"]:
            commands.append(Nested("sql", command))
        out.append(m.group("indent") + "pass")
    return ("\n".join(out), commands) if commands or first == -1 or out != lines else None


def looks_like_sql_anywhere(text: str) -> bool:
    """Whether any line of code may hold an SQL statement (a cheap gate before walking the tree)."""
    low = text.lower()
    return any(word in low for word in ("drop", "delete", "truncate", "update", "alter", "insert", "grant", "select"))


def _printed_strings(tree: ast.Module) -> set[int]:
    """The ids of the nodes inside calls that only print or log (their SQL text runs nothing)."""
    outputs = rules()["python"]["output_calls"]
    return {
        id(arg)
        for call in islice(ast.walk(tree), MAX_NODES)
        if isinstance(call, ast.Call) and _call_name(call.func) in outputs
        for arg in ast.walk(call)
    }


def _listed(node: ast.Constant, tree: ast.Module) -> bool:
    """Whether a string is one element of a list, tuple or set literal of several strings (a
    denylist of patterns, test data), not a statement handed to a database."""
    for parent in islice(ast.walk(tree), MAX_NODES):
        if isinstance(parent, (ast.List, ast.Tuple, ast.Set)) and node in parent.elts and len(parent.elts) > 1:
            return True
    return False


def judge_script(text: str) -> Judged:
    """Perl, Ruby, Node, PHP, Lua, Go, Rust … (and Python that does not parse) by the ``[[script]]``
    patterns: shell-outs (SQL when the string is SQL), argument vectors, deletes of path literals
    or of the home directory, fork loops."""
    text = text[: limit("max_snippet_chars")]
    findings: list[Finding] = library_calls(text)
    nested: list[Nested] = decoded_runs(text)
    for regex, kind in rules()["script_compiled"]:
        for m in list(regex.finditer(text))[:16]:
            groups = m.groupdict()
            path = groups.get("path") or groups.get("path2") or ("~" if groups.get("home") else None)
            path = path.replace("\\", "/") if path else path  # D:\\SqlData is D:/SqlData
            if kind == "shell" and groups.get("code"):
                code = groups["code"]
                nested.append(Nested("sql" if looks_like_sql(code) else "shell", code))  # $dbh->do("DROP …")
            elif kind == "sql" and groups.get("sql"):
                nested.append(Nested("sql", groups["sql"]))
            elif kind == "argv" and groups.get("prog"):
                args = LITERAL.findall(groups.get("args") or "")[:32]
                nested.append(Nested("argv", argv=(groups["prog"], *(a for _, a in args))))
            elif kind == "recursive_delete" and path:
                nested.append(Nested("argv", argv=("rm", "-rf", path)))
            elif kind == "recursive_delete_listed":  # for _, p := range []string{"/data", …} { os.RemoveAll(p) }
                lists = [m.group(1) for m in islice(LISTED_PATHS.finditer(text), 8)]
                listed = [item for items in lists for _, item in LITERAL.findall(items)][:16]
                nested += [Nested("argv", argv=("rm", "-rf", item)) for item in listed]
            elif kind == "delete" and path:
                nested.append(Nested("argv", argv=("rm", path)))
            elif kind == "chmod" and path and (mode := groups.get("mode") or groups.get("mode2")):
                nested.append(Nested("argv", argv=("chmod", mode.lower().lstrip("0o") or "0", path)))
            elif kind == "write" and path:
                findings += writes([(">", path)], m.group(0)[:200])
            elif kind == "fork_bomb":
                findings.append(Finding("code", "fork bomb", "catastrophic", "", m.group(0)[:120]))
    return findings, nested


JS_JOINED = re.compile(r"([\"'])([^\"'\n]{0,400})\1\s*\+\s*([\"'])([^\"'\n]{0,400})\3")
JS_INDEXED = re.compile(r"\[\s*([\"'])([A-Za-z_$][\w$]{0,63})\1\s*\]")


def js_folded(text: str) -> str:
    """JavaScript with string concatenation done and bracket access by a literal written as a
    property (``db['drop'+'Database']()`` is ``db.dropDatabase()``)."""
    if "+" not in text and "[" not in text:
        return text
    for _ in range(32):
        joined = JS_JOINED.sub(lambda m: m.group(1) + m.group(2) + m.group(4) + m.group(1), text)
        if joined == text:
            break
        text = joined
    return JS_INDEXED.sub(lambda m: "." + m.group(2), text)


def judge_mongo(text: str) -> Judged:
    """MongoDB shell JavaScript: the first (most severe) matching ``[[mongo]]`` pattern."""
    text = js_folded(text[: limit("max_snippet_chars")])
    for regex, rule in rules()["mongo_compiled"]:
        m = regex.search(text)
        if m:
            confined = rule.get("confined", False)  # deleteOne({_id: …}): one document, by key
            return [Finding("code", rule["what"], rule["severity"], m.group(0), text[:200], confined=confined)], []
    return [], []


def judge_redis_script(text: str) -> Judged:
    """A Redis ``EVAL`` script: each ``redis.call('CMD', …)`` judged like ``redis-cli CMD``."""
    text = text[: limit("max_snippet_chars")]
    data = rules()["redis"]
    calls = pattern(data["script_call"]).finditer(text)
    nested = [Nested("argv", argv=("redis-cli", m.group("cmd"))) for m in list(calls)[:16]]
    listing = pattern(data["script_listing"]).search(text)
    if listing is None or not pattern(data["script_delete"]).search(text):
        return [], nested
    every = listing.group("match").strip() in ("*", "")
    what = "every key deleted (a script over KEYS/SCAN)" if every else "keys deleted by a pattern (a script)"
    found = Finding("redis", what, "catastrophic" if every else "medium", listing.group("match"), text[:200])
    return [found], nested
