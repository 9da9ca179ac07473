"""One simple command against the ``[[rule]]`` table: program, positional words, flags, targets.

A command is first unwrapped (``sudo``, ``env``, ``timeout 60``, ``xargs -0`` … run the next word)
and spelled canonically (``docker-compose`` is ``docker compose``, ``/etc/init.d/mysql stop`` and
``rc-service mysql stop`` are ``service mysql stop``), then the first rule of its program whose
words, flags and substrings match decides what it is; the rule's severity is then raised by what
its targets are: a path (scope tables), a block device, a sensitive file, a production name, a data
or security service, or "everything listed" (``xargs`` fed by a listing, ``$(docker ps -q)``)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sentinel.live.findings import Finding, cap, worst
from sentinel.live.lexer import ITEMS
from sentinel.live.paths import is_block_device, is_credential, is_sensitive_file, path_class
from sentinel.live.rules import known_programs, members, pattern, rules
from sentinel.live.windows import is_switch

SPLIT_NAME = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class Parsed:
    """A command's words, lower-cased and sorted into positional words and flags."""

    program: str
    words: list[str]
    positional: list[str]
    flags: set[str]
    values: list[str]  # values of --flag=value (they name targets too: --context=prod)
    all_targets: bool = False  # its operands are "everything listed" (xargs, $(… ls …))
    roots: tuple[str, ...] = ()  # operands supplied from elsewhere (find roots through xargs)
    cwd: str | None = None
    mounts: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (container path, host path)
    upstream: tuple[str, ...] = ()  # words of the pipeline feeding an xargs (what it filtered out)
    exact: set[str] = field(default_factory=set)  # flags as written (-N is not -n)


@lru_cache(maxsize=2048)
def program_name(word: str) -> str:
    """``/usr/bin/rm`` → ``rm``; ``mkfs.ext4`` → ``mkfs``; ``kafka-topics.sh`` → ``kafka-topics``."""
    name = word.rsplit("/", 1)[-1].lower()
    if name.endswith(".exe"):
        name = name[:-4]
    if "." in name.strip("."):
        head = name.split(".", 1)[0]
        if head in known_programs() or re.fullmatch(r"python\d?", head):
            return head
    return name


@lru_cache(maxsize=256)
def globbed(word: str) -> tuple[str, ...]:
    """The programs with rules that a globbed command word can run (``/bin/r?`` → ``rm``), at most 4."""
    name = word.rsplit("/", 1)[-1].lower()
    if not any(ch in name for ch in "*?[") or not name.strip("*?"):
        return ()
    return tuple(p for p in sorted(rules()["by_program"]) if fnmatch.fnmatchcase(p, name))[:4]


def canonical(words: list[str]) -> list[str]:
    """A command in the spelling the rules know (``[aliases]``): ``docker-compose …`` → ``docker
    compose …``, ``invoke-rc.d``/``rc-service``/``initctl``/``sv`` → ``service``, an init script
    (``/etc/init.d/NAME ACTION``, ``/etc/rc.d/NAME``, ``/usr/local/etc/rc.d/NAME``) → ``service NAME
    ACTION``, an interpreter running a task script (``python manage.py``, ``php artisan``) → the script."""
    if not words:
        return words
    aliases = rules()["aliases"]
    replacement = aliases["programs"].get(program_name(words[0]))
    if replacement is not None:
        return [*replacement, *words[1:]]
    tasks = aliases["task_scripts"]
    if len(words) > 1 and program_name(words[0]) in tasks["runners"] and program_name(words[1]) in tasks["scripts"]:
        return words[1:]  # python manage.py flush → manage.py flush
    if len(words) > 2 and program_name(words[0]) in members("aliases", "module_runners"):
        return _module(words)  # python3 -m pytest -x → pytest -x
    if "/" in words[0]:
        m = pattern(aliases["init_script"]).match(words[0].lower())
        if m:
            return ["service", m.group("name"), *words[1:]]
    return words


def _module(words: list[str]) -> list[str]:
    """The module an interpreter runs as a program (``python3 -X dev -m pytest`` → ``pytest``), or
    the words unchanged when it runs none."""
    for i, w in enumerate(words[1:4], start=1):
        if w == "-m" and i + 1 < len(words):
            return words[i + 1 :]
        if w.startswith("-m") and len(w) > 2 and not w.startswith("--"):
            return [w[2:], *words[i + 1 :]]
        if not w.startswith("-") or w in ("-c", "--"):
            break
    return words


def skip_options(words: list[str], value_options: set[str], positionals: int = 0) -> list[str]:
    """Drop leading options (and the values of those that take one) and ``positionals`` words."""
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "-":
        w = words[i]
        i += 1
        if w == "--":
            break
        if w in value_options:
            i += 1
    return words[i + positionals :]


def _through_subcommand(head: str, words: list[str]) -> list[str] | None:
    """The command a subcommand wrapper runs (``uv run X``, ``bundle exec X``, ``ip netns exec NS
    X`` → ``X``), or None when this invocation of the program is not one that runs a command."""
    data = rules()["wrappers"]
    table = data["subcommands"].get(head)
    if not table:
        return None
    options = set(data["value_options"].get(head, []))
    rest = skip_options(words[1:], options)
    for sub, positionals in table.items():
        parts = sub.split()
        if [w.lower() for w in rest[: len(parts)]] == parts:
            inner = skip_options(rest[len(parts) :], options, positionals)
            return inner[1:] if inner[:1] == ["--"] else inner
    return None


def unwrap(words: list[str]) -> tuple[list[str], bool]:
    """Strip wrappers that run the next word as a command (``sudo``, ``nsenter -t 1 -m --``,
    ``npx``, ``uv run``, ``bundle exec`` …); whether ``xargs`` was one of them."""
    data = rules()["wrappers"]
    wrappers = members("wrappers", "programs")
    via_xargs = False
    while words:
        head = program_name(words[0])
        if head not in wrappers:
            inner = _through_subcommand(head, words) if head in data["subcommands"] else None
            if inner is None:
                break
            words = inner
            continue
        via_xargs |= head == "xargs"
        rest = words[1:]
        if head == "env":
            rest = [w for w in rest if "=" not in w or w.startswith("-")]
        words = skip_options(rest, set(data["value_options"].get(head, [])), data["skip_positionals"].get(head, 0))
    return words, via_xargs


def parse(words: list[str]) -> Parsed:
    """Positional words and flags (``-rf`` is ``-r`` and ``-f``; ``--force=true`` is ``--force``), of
    the command in its canonical spelling."""
    words = canonical(words)
    low = [w.lower() for w in words]
    positional, flags, values, exact = [], set(), [], set()
    options_done = False
    head = program_name(low[0])
    for w in words[1:]:
        if w[:1] == "/" and is_switch(head, w):  # rd /s /q: cmd.exe switches are flags
            flags.add(w.lower())
            continue
        if options_done or not w.startswith("-") or w == "-":
            positional.append(w.lower())
            continue
        if w == "--":
            options_done = True
            continue
        name, eq, value = w.partition("=")
        names = {name, name.lower()}  # -R is -R (and, for an all-caps evasion, -r)
        exact.add(name)
        if not name.startswith("--") and len(name) > 2 and not name[1:].isdigit():
            names.update(f"-{c}" for c in name[1:] + name[1:].lower())
            exact.update(f"-{c}" for c in name[1:])
        flags |= names
        if eq:
            values.append(value.lower())
    if head in members("resource_types", "programs"):
        positional = _resource_words(positional)
    return Parsed(head, low, positional, flags, values, exact=exact)


@lru_cache(maxsize=1)
def _resource_names() -> frozenset[str]:
    """Every resource-type spelling and name of ``[resource_types.names]``."""
    names = rules()["resource_types"]["names"]
    return frozenset(names) | frozenset(names.values())


def _resource_words(positional: list[str]) -> list[str]:
    """Kubernetes resource types as the rules name them: ``statefulset,pvc`` is ``statefulset pvc``,
    ``statefulsets.apps/kafka`` is ``statefulset kafka``, ``persistentvolumeclaims`` is ``pvc``."""
    names = rules()["resource_types"]["names"]
    known = _resource_names()
    out: list[str] = []
    for w in positional[:64]:
        if "=" in w or w.startswith(("/", ".", "-")):
            out.append(w)
            continue
        kind, slash, name = w.partition("/")
        kinds = [k.split(".", 1)[0] for k in kind.split(",")] if "," in kind or slash or "." in kind else [kind]
        if "," in kind or any(k in known for k in kinds):
            out.extend(names.get(k, k) for k in kinds if k)
        else:
            out.append(kind if not slash else w)
            continue
        if slash and name:
            out.append(name)
    return out + positional[64:]


def is_production(tokens: list[str]) -> bool:
    """Whether target names look like production (``prod-db``, ``payments``), not staging."""
    t = rules()["targets"]
    if any(tok in t["production_words"] for tok in tokens):
        return True
    parts = {p for tok in tokens for p in SPLIT_NAME.split(tok) if p}
    return bool(parts & set(t["production"])) and not (
        parts & set(t["nonproduction"]) and not parts & {"prod", "production"}
    )


@lru_cache(maxsize=1)
def _services() -> dict[str, frozenset[str]]:
    """Service names by kind (data, security, platform)."""
    return {kind: frozenset(names) for kind, names in rules()["services"].items()}


def service_kinds(tokens: list[str]) -> set[str]:
    """Kinds of the services named (``postgresql@14-main.service`` is a data service; a wildcard
    such as ``*sql*`` names every service it matches)."""
    kinds: set[str] = set()
    for tok in tokens:
        base = re.sub(r"\.service$", "", tok)
        if ("*" in base or "?" in base) and "/" not in base:
            kinds.update(_glob_kinds(base))
            continue
        names = {base, base.split("@", 1)[0], *SPLIT_NAME.split(base)}
        kinds.update(kind for kind, known in _services().items() if names & known)
    return kinds


@lru_cache(maxsize=256)
def _glob_kinds(glob: str) -> frozenset[str]:
    """The kinds of the services a wildcard (with at least two other characters) matches."""
    if len(glob.strip("*?")) < 2:
        return frozenset()
    return frozenset(kind for kind, known in _services().items() if any(fnmatch.fnmatchcase(n, glob) for n in known))


def verb_index(verbs: tuple[str, ...] | list[str], positional: list[str]) -> int | None:
    """Where a command's verb is among its first positional words: the word itself, ``VERB-…``
    (``delete-db-snapshot``) or ``…:VERB`` (``apps:destroy``); None when none is, or when a read verb
    (``list``, ``read`` …) comes first."""
    reads = _read_verbs()
    for i, w in enumerate(positional[:6]):
        if w in reads:
            return None
        if any(w == v or w.startswith(v + "-") or w.endswith(":" + v) for v in verbs):
            return i
    return None


@lru_cache(maxsize=1)
def _read_verbs() -> frozenset[str]:
    return frozenset(rules()["targets"]["read_verbs"])


@lru_cache(maxsize=1)
def _data_nouns() -> frozenset[str]:
    return frozenset(rules()["targets"]["data_nouns"])


def names_data(rule: dict[str, Any], p: Parsed) -> bool:
    """Whether the command's verb acts on a resource that holds data (``[targets] data_nouns``): a
    noun before the verb (or a part of one: ``autonomous-database``), a part of a compound verb
    (``delete-db-snapshot``), or the word right after the verb (``delete bucket NAME``)."""
    i = verb_index(rule["verbs"], p.positional)
    if i is None:
        return False
    nouns = _data_nouns()
    path = p.positional[: i + 1]
    parts = {part for w in path for part in SPLIT_NAME.split(w) if part} | set(path)
    return bool(parts & nouns) or (i + 1 < len(p.positional) and p.positional[i + 1] in nouns)


def _matches(rule: dict[str, Any], p: Parsed) -> bool:
    """Whether a rule's words, verbs, prefix, flags, substrings and last word fit the command."""
    if "verbs" in rule and verb_index(rule["verbs"], p.positional) is None:
        return False
    it = iter(p.positional)
    if not all(any(w == a for w in it) for a in rule.get("args", ())):
        return False
    if "one_of" in rule and not set(rule["one_of"]).intersection(p.positional):
        return False
    if "prefix" in rule and not any(w.startswith(rule["prefix"]) for w in p.positional):
        return False
    if not all(p.flags.intersection(group) for group in rule.get("flags", ())):
        return False
    if p.flags.intersection(rule.get("not_flags", ())):
        return False
    if "last" in rule and p.words[-1] not in rule["last"]:
        return False
    if "contains" not in rule and "regex" not in rule:
        return True
    joined = " ".join(p.words)
    if not all(c in joined for c in rule.get("contains", ())):
        return False
    return "regex" not in rule or bool(pattern(rule["regex"]).search(joined))


def targets(rule: dict[str, Any], p: Parsed) -> list[str]:
    """The operands a rule's target checks look at: its positional words beyond the rule's own
    (``after_first`` skips chmod's mode, ``last`` is rsync's destination), ``of=`` of dd, and
    operands supplied through xargs; ``key=value`` words other than ``of=`` are not targets."""
    words = list(p.positional)
    for a in (*rule.get("args", ()), *rule.get("one_of", ())):
        if a in words:
            words.remove(a)
    if rule.get("targets") == "after_first":
        words = words[1:]
    elif rule.get("targets") == "last":
        words = words[-1:]
    elif rule.get("targets") == "but_last":
        words = words[:-1]
    out = [w[3:] if w.startswith("of=") else w for w in words if "=" not in w or w.startswith("of=")]
    out = [item for w in out if w not in ("{}", ";", "+") for item in w.split(ITEMS)]  # a loop's items
    return out + list(p.roots)


def _host_path(path: str, mounts: tuple[tuple[str, str], ...]) -> str:
    """A path inside a container as the host path it is mounted from (``-v /:/host``)."""
    for inside, host in mounts:
        if path == inside or path.startswith(inside.rstrip("/") + "/"):
            rest = path[len(inside) :].lstrip("/")
            return host.rstrip("/") + "/" + rest
    return path


def rule_severity(rule: dict[str, Any], p: Parsed) -> tuple[str, str, bool]:
    """(severity, target, production) of a matched rule for this command."""
    ops = [_host_path(t, p.mounts) for t in targets(rule, p)]
    severity = rule["severity"]
    if "scope" in rule and ops:
        table = rules()["scope"][rule["scope"]]
        severity = worst(table[path_class(t, p.cwd)] for t in ops)
    raised = []
    if "device_severity" in rule and any(is_block_device(t) for t in ops):
        raised.append(rule["device_severity"])
    if "sensitive_severity" in rule and any(is_sensitive_file(t) for t in ops):
        raised.append(rule["sensitive_severity"])
    if "credential_severity" in rule and any(is_credential(t) for t in ops):
        raised.append(rule["credential_severity"])
    if "shell_severity" in rule and any(re.search(r"/(?:ba|z|da|k)?sh$", t) for t in ops):
        raised.append(rule["shell_severity"])
    production = is_production(p.positional + p.values)
    if production and "prod_severity" in rule:
        raised.append(rule["prod_severity"])
    if p.flags & {"--force", "-f"} and "forced_severity" in rule:
        raised.append(rule["forced_severity"])
    kinds = service_kinds(p.positional + [r for r in p.roots if "/" not in r])  # Get-Service *sql* | Stop-Service
    raised += [rule[f"{kind}_severity"] for kind in kinds if f"{kind}_severity" in rule]
    if p.all_targets and "all_severity" in rule:
        raised.append(rule["all_severity"])
    if "noun_severity" in rule and names_data(rule, p):
        raised.append(rule["noun_severity"])
    target = ops[-1] if ops else (p.positional[-1] if p.positional else p.program)
    return worst([severity, *raised]), target, production


def is_dry_run(p: Parsed) -> bool:
    """``--dry-run``, ``--check``, ``-WhatIf`` …: nothing changes. Flags count as written (``mkfs.ext4
    -N`` is an inode count, not the dry run ``-n``; ``--DRY-RUN`` is no flag), PowerShell's in any
    case."""
    if not p.flags:
        return False
    data = rules()["dry_run"]
    short = data["short"].get(p.program) or data["short"].get(p.words[0].rsplit("/", 1)[-1], ())
    return (
        bool(p.exact & members("dry_run", "flags"))
        or bool(p.exact.intersection(short))
        or (bool(p.flags & members("dry_run", "case_insensitive")))
    )


def classify(p: Parsed) -> Finding | None:
    """The finding of the first matching rule (a read-only program gives a low finding)."""
    evidence = " ".join(p.words)[:300]
    r = rules()
    own = r["by_program"].get(p.program, ())
    like = r["aliases"]["rules_of"].get(p.program)  # podman and nerdctl take docker's rules too
    for rule in (*own, *r["by_program"].get(like, ())) if like else own:
        if _matches(rule, p):
            severity, target, production = rule_severity(rule, p)
            if is_dry_run(p):
                return Finding("shell", f"{rule['what']} (dry run)", cap(severity, "low"), target, evidence, inert=True)
            if p.exact & members("dry_run", "help"):  # terraform destroy --help
                what = f"{rule['what']} (help requested)"
                return Finding("shell", what, cap(severity, "medium"), target, evidence, production, inert=True)
            inert = rule.get("inert", False) and severity == "low"
            return Finding("shell", rule["what"], severity, target, evidence, production, inert)
    target = p.positional[-1] if p.positional else p.program
    if p.program in members("readonly", "programs"):
        return Finding("shell", "read-only command", "low", target, evidence, inert=True)
    if p.program in members("readonly", "checks"):  # pytest, tox, ruff: builds, tests, linters
        return Finding("shell", "build, test or check", "low", target, evidence, inert=True)
    if is_dry_run(p):  # ansible-playbook --check, bash -n, nginx -t: no rule, and nothing changes
        return Finding("shell", "dry run or check", "low", target, evidence, inert=True)
    if p.program in known_programs() and _reads(p.positional):
        return Finding("shell", "read (by its subcommand)", "low", target, evidence, inert=True)
    return None


def _reads(positional: list[str]) -> bool:
    """Whether a command's subcommand is a read verb (``status``, ``ls``, ``get`` … among its first
    three positional words) with no acting verb before it (``DEL key get`` is no read)."""
    reads, acting = _read_verbs(), members("targets", "acting_verbs")
    for w in positional[:3]:
        if w in reads:
            return True
        if w in acting:
            return False
    return False
