"""Judge a structured tool call: code arguments in the language the tool's name says (shell,
SQL, Python, JavaScript, Mongo, Redis), argument vectors, MCP-style calls named after a CLI
(``kubectl_delete`` → ``kubectl delete …``), tools named for their operation (``drop_table``),
SENTINEL's own environment tools, and read-only or search tools. Free-text arguments (messages,
file contents, ticket bodies, search queries) are never executed, so they are never judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sentinel.live.commands import is_production, program_name
from sentinel.live.context import Context
from sentinel.live.dispatch import judge
from sentinel.live.extract import judge_text
from sentinel.live.filewrites import file_write
from sentinel.live.findings import Finding, capped
from sentinel.live.normalize import CAMEL_BOUNDARY, clean
from sentinel.live.operations import tool_operation
from sentinel.live.rules import ambiguous_programs, known_programs, members, rules
from sentinel.live.sql import looks_like_sql

TEMPLATE = re.compile(r"\{([a-z_|]+)\}")
TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")
MISSING = "\x00"
TextJudge = Callable[[str, Context], list[Finding]]
POWERSHELL = ("powershell", "pwsh")
ENV_TOOLS = ("restart_service", "rollback_deploy", "scale_service", "disable_feature_flag", "clear_cache")


def name_words(name: str) -> list[str]:
    """``run_terminal_cmd`` → run, terminal, cmd; ``kubectlDelete`` → kubectl, delete."""
    return [w for w in re.split(r"[^a-z0-9]+", CAMEL_BOUNDARY.sub("_", clean(name)).lower()) if w]


def mcp_tool(name: str) -> str:
    """The tool an MCP client's qualified name calls: ``mcp__SERVER__TOOL`` (or ``mcp.SERVER.TOOL``)
    is TOOL, spelled after its server when the server is a CLI the tool leaves out
    (``mcp__redis__flushall`` → ``redis_flushall``, ``mcp__git__push`` → ``git_push``)."""
    parts = re.split(r"__|\.", name.strip())
    if len(parts) < 3 or parts[0].lower() != "mcp":
        return name
    server, tool = name_words(parts[1]), "_".join(parts[2:])
    words = name_words(tool)
    if server and server[0] in rules()["tools"]["cli_tools"] and words[:1] != server[:1]:
        return f"{server[0]}_{tool}"
    return tool


def language(words: list[str]) -> str:
    """The language a tool's code arguments are in, from the words of its name."""
    t = rules()["tools"]
    names = set(words)
    for lang, key in (
        ("mongo", "mongo_tool_words"),
        ("redis", "redis_tool_words"),
        ("sql", "sql_tool_words"),
        ("python", "python_tool_words"),
        ("script", "js_tool_words"),
    ):
        if names & set(t[key]):
            return lang
    return "shell"


def _named_language(arguments: dict[str, Any]) -> str | None:
    """The language an argument names (``{language: "python"}``), if any."""
    t = rules()["tools"]
    for key in t["language_args"]:
        value = arguments.get(key)
        if isinstance(value, str):
            return t["language_values"].get(value.strip().lower())
    return None


def _env_tool(tool: str, arguments: dict[str, Any]) -> list[Finding] | None:
    """SENTINEL's own incident tools (scale_service, clear_cache …), as the environment defines them."""
    strings = {k: clean(v).lower() for k, v in arguments.items() if isinstance(v, str)}
    target = strings.get("service") or strings.get("target") or next(iter(strings.values()), "")
    prod = is_production(list(strings.values()))
    if tool == "scale_service" and arguments.get("replicas") == 0:
        return [Finding("tool_call", "scale to zero", "catastrophic" if prod else "high", target, f"{tool} replicas=0")]
    if tool == "clear_cache" and "session" in target:
        return [Finding("tool_call", "session store flush (logs every user out)", "catastrophic", target, tool, prod)]
    if tool == "rollback_deploy" and re.search(r"\b(db|pg|sql|database|postgres|mysql)\b|db$|-db\b", target):
        return [Finding("tool_call", "database rollback", "high", target, tool, prod)]
    if tool in ENV_TOOLS:
        return [Finding("tool_call", tool.replace("_", " "), "medium", target, tool, prod)]
    return None


def _cli(words: list[str]) -> str | None:
    """The program a tool is named after (``kubectl``, ``git``, ``docker`` …), if any: its code
    arguments may leave the program out (``{"name": "kubectl", "arguments": {"args": ["delete",
    …]}}``)."""
    head = words[0] if words else ""
    shells = set(rules()["interpreters"]["shells"])
    if head in shells or head in ambiguous_programs() or head in members("readonly", "programs"):
        return None  # local_shell is a shell tool, not the `local` builtin
    return head if head in known_programs() else None


def _lacks(program: str, first: str) -> bool:
    """Whether code given to a tool named after ``program`` leaves the program out: its first word
    is neither that program nor another one (``ssh_exec {command: "rm -rf …"}`` runs ``rm``)."""
    name = program_name(first)
    return name != program and name not in known_programs()


def _command_lines(value: list[str]) -> bool:
    """Whether a list holds command lines, one per element (a script), rather than one argument
    vector: one element with a space (``arg: ["systemctl stop mongod && rm -rf …"]``), or two or more,
    each with a space, the first starting with a known program."""
    if len(value) == 1:
        return " " in value[0].strip()
    if len(value) < 2 or not all(" " in v.strip() for v in value):
        return False
    first = value[0].split()
    return bool(first) and program_name(first[0]) in known_programs()


def _code(lang: str, key: str, value: Any, ctx: Context, program: str | None = None) -> list[Finding] | None:
    """Findings for one code argument (None when the argument is not code); the program a tool is
    named after is put in front of an argument vector or a command line that lacks it."""
    t = rules()["tools"]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value) and key in t["code_args"]:
        if lang == "shell" and (key in t["line_list_args"] or _command_lines(value)):  # ["cd /srv", "rm -rf ./x"]
            return judge("shell", "\n".join(clean(v) for v in value[:256]), ctx)
        argv = tuple(clean(v) for v in value[:256])
        if program and _lacks(program, argv[0]):
            argv = (program, *argv)
        return judge("argv", "", ctx, argv[:256])
    if not isinstance(value, str) or not value.strip():
        return None
    text = clean(value)
    if program and lang == "shell" and key in t["code_args"] and _lacks(program, text.split()[0]):
        if program in POWERSHELL:  # powershell {script: "& ('Rem'+'ove-Item') …"}: read as such, its quotes kept
            return judge("powershell", text, ctx)
        text = f"{program} {text}"
    if key in t["sql_args"] or (key in t["query_args"] and lang == "sql"):
        return judge("sql", text, ctx)
    if key not in t["code_args"] and not (key in t["query_args"] and lang in ("mongo", "redis", "python")):
        return None
    if lang == "redis":
        return judge("argv", "", ctx, ("redis-cli", *text.split()[:256]))
    if lang in ("mongo", "python", "script"):
        return judge(lang, text, ctx)
    if lang == "sql":
        return judge("sql", text, ctx) or judge_text(text, ctx)
    return judge_text(text, ctx)


def unwrapped(name: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The call an envelope carries (``tools/call {name: execute_sql, arguments: {sql: …}}`` →
    ``execute_sql {sql: …}``), followed ``[tools] envelope_depth`` levels; the call itself when it
    is no envelope; None when envelopes nest deeper than that."""
    t = rules()["tools"]
    for _ in range(t["envelope_depth"]):
        inner = _carried(arguments, t)
        if inner is None:
            return name, arguments
        name, arguments = inner
    return None if _carried(arguments, t) is not None else (name, arguments)


def _carried(arguments: dict[str, Any], t: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(name, arguments) of the call an envelope's arguments hold, or None when they are no envelope."""
    keys = {k.lower(): k for k in arguments}
    if set(keys) == {"method", "params"} and isinstance(arguments[keys["params"]], dict):
        arguments, keys = arguments[keys["params"]], {k.lower(): k for k in arguments[keys["params"]]}
    name_key = next((keys[k] for k in t["envelope_names"] if k in keys and isinstance(arguments[keys[k]], str)), None)
    args_key = next((keys[k] for k in t["envelope_arguments"] if k in keys), None)
    if name_key is None or args_key is None:
        return None
    if set(keys) - {name_key.lower(), args_key.lower()} - set(t["envelope_extras"]):
        return None
    inner = arguments[args_key]
    inner = json_object(inner) if isinstance(inner, str) else inner
    return (arguments[name_key], inner) if isinstance(inner, dict) else None


def json_object(text: str) -> dict[str, Any] | None:
    """A JSON object given as text (a tool call's arguments), or None when the text is no object."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def judge_tool_call(name: str, arguments: dict[str, Any], ctx: Context) -> list[Finding]:
    """All findings for one structured tool call (the call an envelope carries, if it is one)."""
    t = rules()["tools"]
    call = unwrapped(name, arguments)
    if call is None:  # fail closed: what was not analysed is not approved
        return [Finding("tool_call", "more nested tool calls than the analyser follows", "high", name)]
    name, arguments = call
    steps = _steps(arguments) if len(arguments) <= 4 else None
    if steps is not None:  # run_steps {steps: [{tool: write_file, …}, {tool: execute_bash, …}]}
        return _judge_steps(steps, ctx)
    if "template" in arguments:
        arguments = _filled(arguments)
    words = name_words(mcp_tool(name))
    words[:1] = [t["cli_aliases"].get(w, w) for w in words[:1]]  # k8s_delete → kubectl delete
    tool = "_".join(words)
    env = _env_tool(tool, arguments)
    if env is not None:
        return env
    written = file_write(words, arguments)  # write_file {path: /etc/sudoers.d/x, content: …}
    if written is not None:
        return written
    lang = _named_language(arguments) or language(words)
    findings: list[Finding] = []
    code_seen = False
    program = _cli(words)
    typed = _typed(tool, arguments)
    if typed is not None:  # computer {action: type, text: "sudo rm -rf /\n"}: what a terminal would run
        return judge_text(typed, ctx)
    argv = _program_and_args(arguments) or _http_request(words, arguments) or _subcommand(program, arguments)
    if argv is not None:  # run_process {program: bash, args: ["-c", "r''m -rf ~"]}, http_request {url, …}
        return judge("argv", "", ctx, argv)
    if lang == "mongo" and (mongo_call := _mongo_operation(arguments)) is not None:  # {operation: deleteMany, …}
        return judge("mongo", mongo_call, ctx)
    body_is_code = bool(set(words) & set(t["body_code_words"]))  # ssh_run {host, body: "sudo systemctl stop …"}
    for key, value in _flattened(arguments):
        key = "command" if body_is_code and key.lower() == "body" else key
        judged = _code(lang, key.lower(), value, ctx, program)
        if judged is not None:
            code_seen = True
            findings += judged
    if code_seen and _asks_dry_run(arguments):  # bigquery.jobs.query {dryRun: true, query: "DELETE …"}
        return capped(findings, "low", "dry run", inert=True)
    if code_seen:
        return findings
    if tool in t["search_tools"] or tool.startswith(tuple(t["readonly_prefixes"])):
        return [Finding("tool_call", f"read-only tool {tool}", "low", tool, tool, inert=True)]
    operation = tool_command(words, arguments)
    if operation is not None:
        return judge(operation[0], operation[1], ctx)
    described = tool_operation(words, arguments, ctx.production)
    if described and not (words and words[0] in t["cli_tools"]):  # delete_collection {collection_name: …}
        return described
    operands = {k.lower(): clean(str(v)) for k, v in arguments.items() if isinstance(v, (str, int, float))}
    operands = {k: v for k, v in operands.items() if k not in t["text_args"]}
    if words and words[0] in t["cli_tools"]:  # git {subcommand: reset, flags: [--hard]}: its listed words too
        listed = [clean(x) for v in arguments.values() if isinstance(v, list) for x in v[:64] if isinstance(x, str)]
        return judge("argv", "", ctx, tuple([*_cli_command(words, operands), *listed][:256]))
    values = list(operands.values())
    return judge_text(" ".join([*words, *values])[:4000], ctx)


def _flattened(arguments: dict[str, Any]) -> list[tuple[str, Any]]:
    """The call's arguments with nested objects opened (``{payload: {lang: sh, script: …}}``,
    ``{queries: [{sql: …}, {sql: …}]}``), at most 64 pairs two levels down."""
    out: list[tuple[str, Any]] = []
    for key, value in list(arguments.items())[:32]:
        if isinstance(value, dict):
            out += list(value.items())[:16]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value[:16]):
            out += [pair for v in value[:16] for pair in list(v.items())[:8]]
        else:
            out.append((key, value))
    return out[:64]


def _dry_run_flag(key: str) -> str | None:
    """The dry-run flag an argument's key asks for (``dryRun``, ``dry_run`` → ``--dry-run``), or None."""
    flag: str | None = rules()["tools"]["dry_run_args"].get(re.sub(r"[^a-z]", "", key.lower()))
    return flag


def _asks_dry_run(arguments: dict[str, Any]) -> bool:
    """Whether a call asks for a dry run (``dryRun: true``, ``dry_run: "true"``)."""
    on = members("dry_run", "on_values")
    return any(_dry_run_flag(k) and (v is True or str(v).lower() in on) for k, v in arguments.items())


def _typed(tool: str, arguments: dict[str, Any]) -> str | None:
    """The text a computer-use tool types, or None for another tool or action."""
    t = rules()["tools"]
    head, _, action = tool.rpartition("_")  # computer.type {text: …}: the tool and its action in one name
    if tool not in t["typing_tools"] and not (head in t["typing_tools"] and action in t["typing_actions"]):
        return None
    text = next((arguments[k] for k in t["typing_args"] if isinstance(arguments.get(k), str)), None)
    return clean(text) if text else None


def _program_and_args(arguments: dict[str, Any]) -> tuple[str, ...] | None:
    """A call that names a program and its argument list (``{program: bash, args: [-c, …]}``)."""
    t = rules()["tools"]
    program = next((arguments[k] for k in t["program_args"] if isinstance(arguments.get(k), str)), None)
    args = _listed_args(arguments)
    if program is None or args is None:
        return None
    return tuple(clean(w) for w in (program, *args[:255]))


def _listed_args(arguments: dict[str, Any]) -> list[str] | None:
    """The argument list a call gives (``[tools] argv_args``: ``args``, ``argv`` …), when it is
    one of strings."""
    args = next((arguments[k] for k in rules()["tools"]["argv_args"] if isinstance(arguments.get(k), list)), None)
    return args if args is not None and all(isinstance(a, str) for a in args) else None


def _subcommand(program: str | None, arguments: dict[str, Any]) -> tuple[str, ...] | None:
    """A call to a tool named after a CLI that names the subcommand and lists the other words
    (``git {subcommand: push, args: [--force, origin, main]}`` → ``git push --force origin main``)."""
    t = rules()["tools"]
    sub = next((arguments[k] for k in t["subcommand_args"] if isinstance(arguments.get(k), str)), None)
    args = _listed_args(arguments)
    if program is None or sub is None or args is None:
        return None
    return tuple(clean(w) for w in (program, *sub.split()[:8], *args[:240]))


def _mongo_operation(arguments: dict[str, Any]) -> str | None:
    """The shell call a data-store tool's ``operation`` argument makes on its collection, with its
    filter (``{collection: orders, operation: deleteMany, filter: {}}`` → ``db.getCollection('orders')
    .deleteMany({})``); None when the call names no operation."""
    t = rules()["tools"]
    op = next((arguments[k] for k in t["operation_args"] if isinstance(arguments.get(k), str)), None)
    if op is None or not op.isidentifier():
        return None
    collection = next((str(arguments[k]) for k in t["collection_args"] if arguments.get(k)), "")
    found = next((arguments[k] for k in t["filter_args"] if k in arguments), None)
    given = found if isinstance(found, str) else json.dumps(found, default=str) if found is not None else ""
    return f"db.getCollection('{clean(collection)}').{op}({clean(given)[:4000]})"


def _http_request(words: list[str], arguments: dict[str, Any]) -> tuple[str, ...] | None:
    """An HTTP request tool's call as the curl command that makes it (``http_request {method: POST,
    url, body}`` → ``curl -X POST URL --data BODY``), when it names a URL."""
    t = rules()["tools"]
    url = next((arguments[k] for k in t["http_url_args"] if arguments.get(k)), None)
    if not isinstance(url, str) or not set(words) & set(t["http_tool_words"]):
        return None
    method = str(arguments.get("method") or ("POST" if arguments.get("body") or arguments.get("json") else "GET"))
    body = arguments.get("body", arguments.get("json", arguments.get("data")))
    text = body if isinstance(body, str) else json.dumps(body, default=str) if body is not None else None
    argv = ["curl", "-X", clean(method), clean(url)]
    return tuple([*argv, "--data", clean(text)[:4000]] if text is not None else argv)


def _steps(arguments: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
    """The calls of a multi-step call (``{steps: [{tool: …, …}, …]}``), or None when it is none."""
    t = rules()["tools"]
    for key in t["step_args"]:
        value = arguments.get(key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out = []
            for step in value[:16]:
                name = next((step[k] for k in t["step_name_args"] if isinstance(step.get(k), str)), "")
                inner = next((step[k] for k in t["step_arguments"] if step.get(k)), None)
                args = (
                    inner if isinstance(inner, dict) else {k: v for k, v in step.items() if k not in ("tool", "name")}
                )
                out.append((name, args))
            return out
    return None


def _judge_steps(steps: list[tuple[str, dict[str, Any]]], ctx: Context) -> list[Finding]:
    """Each step judged as a call; a file a step writes and a later step names is judged as the
    script it is (``write_file /tmp/tidy.sh`` then ``sh /tmp/tidy.sh``)."""
    findings: list[Finding] = []
    for i, (name, args) in enumerate(steps):
        findings += judge_tool_call(name, args, ctx) if name else []
        path, content = args.get("path") or args.get("file_path"), args.get("content") or args.get("text")
        if isinstance(path, str) and isinstance(content, str) and path.strip():
            later = json.dumps([a for _, a in steps[i + 1 :]], default=str)
            if path.strip() in later:
                findings += judge("shell", clean(content), ctx)
    return findings


def _filled(arguments: dict[str, Any]) -> dict[str, Any]:
    """A templated call (``{template: "{verb} TABLE {table}", params: {verb: DROP, …}}``) with its
    template filled in, as the code it runs (``{sql: "DROP TABLE invoices"}`` for a SQL tool)."""
    template, params = arguments.get("template"), arguments.get("params") or arguments.get("parameters")
    if not isinstance(template, str) or not isinstance(params, dict):
        return arguments
    filled = TEMPLATE_FIELD.sub(lambda m: str(params.get(m.group(1), m.group(0))), template)
    return {"sql": filled, "command": filled} if looks_like_sql(filled) else {"command": filled}


def _value(value: Any) -> str:
    """An argument as template text: strings cleaned, dicts and lists as JSON, booleans as words."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)[:2000]
    return str(value)


def tool_command(words: list[str], arguments: dict[str, Any]) -> tuple[str, str] | None:
    """(language, code) of a tool named for an operation (``[[tool_command]]``): ``delete_directory
    {path: /home/ubuntu}`` is ``rm -r /home/ubuntu``, ``mongodb_delete_many {collection: orders,
    filter: {}}`` is ``db.getCollection('orders').deleteMany({})``."""
    names = set(words)
    args = {k.lower(): v for k, v in list(arguments.items())[:32]}
    for entry in rules()["tool_command"]:
        if not (names & set(entry["verbs"]) and names & set(entry["nouns"])):
            continue
        given = {**entry.get("defaults", {}), **{k: _value(v) for k, v in args.items()}}

        def fill(m: re.Match[str], given: dict[str, str] = given) -> str:
            return next((given[k] for k in m.group(1).split("|") if given.get(k)), MISSING)

        code = TEMPLATE.sub(fill, entry["command"])
        if MISSING in code:  # an argument the command needs was not given
            continue
        flags = [flag for key, flag in entry.get("flag_args", {}).items() if args.get(key) is True]
        head, _, rest = code.partition(" ")
        return entry.get("lang", "shell"), " ".join([head, *flags, rest]).strip()
    return None


def _cli_command(words: list[str], operands: dict[str, str]) -> list[str]:
    """An MCP-style call named after a CLI rebuilt as that command (``kubectl_delete`` with
    ``resourceType=namespace, name=production`` → ``kubectl delete namespace production``)."""
    flag_args = rules()["tools"]["cli_flag_args"]
    operands = dict(operands)
    as_flags = [f"--{operands.pop(k).lower()}" for k in rules()["tools"]["value_flag_args"] if operands.get(k)]
    dry = {k: v for k, v in operands.items() if _dry_run_flag(k)}
    operands = {k: v for k, v in operands.items() if k not in dry}
    positional = [v for k, v in operands.items() if k not in flag_args and v not in ("True", "False")]
    options = [part for k, v in operands.items() if k in flag_args for part in (flag_args[k], v)]
    for key, value in dry.items():  # dryRun: "server" → --dry-run=server; "none" is no dry run
        flag = _dry_run_flag(key)
        if value.lower() not in members("dry_run", "off_values"):
            options.append(flag if value == "True" else f"{flag}={value}")
    options += [f"--{k.replace('_', '-')}" for k, v in operands.items() if v == "True"]  # force: true → --force
    program = "redis-cli" if words[0] == "redis" else words[0]
    return [program, *words[1:], *positional, *options, *as_flags]
