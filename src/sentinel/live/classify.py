"""Match a parsed command against the ``[[rule]]`` table and judge it: the first rule of its
program whose words, verbs, flags and substrings fit decides what it is; the rule's severity is then
raised by what its targets are (a path by the scope tables, a block device, a sensitive file, a
credential, a production name, a data, security or platform service, "everything listed", a
resource that holds data) and capped by a dry run. A command no rule knows may still be a read-only
program, a test runner, a dry run or a read by its subcommand (inert findings).
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from typing import Any

from sentinel.live.commands import SPLIT_NAME, Parsed, is_nonproduction, is_production, service_kinds
from sentinel.live.findings import Finding, cap, worst
from sentinel.live.lexer import ITEMS
from sentinel.live.paths import is_block_device, is_credential, is_sensitive_file, path_class
from sentinel.live.rules import known_programs, members, pattern, rules

SHELL_PROGRAM = re.compile(r"/(?:ba|z|da|k)?sh$")  # a shell's own path (setuid on it is a root shell)


def verb_index(verbs: tuple[str, ...] | list[str], positional: list[str]) -> int | None:
    """Where a command's verb is among its first positional words: the word itself, ``VERB-…``
    (``delete-db-snapshot``), ``…:VERB`` (``apps:destroy``) or an API action spelled as one word
    (``DeleteInstance``: the verb and a resource noun, ``[targets] api_action_noun``); None when none
    is, or when a read verb (``list``, ``read`` …) comes first."""
    reads = _read_verbs()
    api_noun = _api_noun()
    for i, w in enumerate(positional[:6]):
        if w in reads:
            return None
        if any(w == v or w.startswith(v + "-") or w.endswith(":" + v) for v in verbs):
            return i
        if any(w.startswith(v) and api_noun.match(w, len(v)) for v in verbs):  # DeleteInstance, StopDBInstances
            return i
        if _api_action(w):  # RestartDBInstance --DBInstanceId rm-1: the action is named, its operands follow
            return None
    return None


@lru_cache(maxsize=1)
def _api_noun() -> re.Pattern[str]:
    return pattern(rules()["targets"]["api_action_noun"])


@lru_cache(maxsize=1024)
def _api_action(word: str) -> bool:
    """Whether a word is an API action spelled as one word (``describeinstances``, ``restartdbinstance``)."""
    api_noun = _api_noun()
    verbs = _read_verbs() | members("targets", "acting_verbs") | {"describe", "terminate", "release", "modify"}
    return any(word.startswith(v) and len(word) > len(v) and api_noun.match(word, len(v)) for v in verbs)


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
    if "shell_severity" in rule and any(SHELL_PROGRAM.search(t) for t in ops):
        raised.append(rule["shell_severity"])
    if "empty_source_severity" in rule:  # rclone sync /tmp/empty remote:backups
        empty = pattern(rules()["redirects"]["empty_directory"])
        if any(empty.search(w) for w in p.positional[:-1]):
            raised.append(rule["empty_source_severity"])
    production = p.on_production or is_production(p.positional + p.values)
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
    judged = worst([severity, *raised])
    if "nonproduction_severity" in rule and not production and is_nonproduction(p.positional + p.values):
        judged = cap(judged, rule["nonproduction_severity"])
    return judged, target, production


def _confined(rule: dict[str, Any], p: Parsed) -> bool:
    """Whether a matched command changes only the working copy: a rule marked ``confined`` (a local
    branch deleted, a hard reset) whose targets are not protected branches, or a delete by path
    whose every target is scratch (``./build``, ``node_modules``)."""
    if rule.get("confined"):
        return not any(protected(t) for t in targets(rule, p))
    ops = [t for t in targets(rule, p) if t]
    return "scope" in rule and bool(ops) and all(path_class(t, p.cwd) == "scratch" for t in ops)


def protected(branch: str) -> bool:
    """A branch a force push or deletion must not touch (``main``, ``release/*`` …)."""
    name = branch.lower().removeprefix("refs/").removeprefix("heads/")
    return any(fnmatch.fnmatchcase(name, g) for g in rules()["git"]["protected"])


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
        or bool(p.flags.intersection(f.lower() for f in short if f.startswith("/")))  # Windows: robocopy /L
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
            return Finding("shell", rule["what"], severity, target, evidence, production, inert, _confined(rule, p))
    target = p.positional[-1] if p.positional else p.program
    if _prints_shell_setup(p):  # eval "$(pyenv init -)", source <(kubectl completion bash)
        return Finding("shell", "prints setup code for the calling shell", "low", target, evidence, inert=True)
    if p.program in members("readonly", "programs") or p.program.startswith(_reading_cmdlets()):
        return Finding("shell", "read-only command", "low", target, evidence, inert=True)
    if p.program in members("readonly", "checks"):  # pytest, tox, ruff: builds, tests, linters
        return Finding("shell", "build, test or check", "low", target, evidence, inert=True)
    if is_dry_run(p):  # ansible-playbook --check, bash -n, nginx -t: no rule, and nothing changes
        return Finding("shell", "dry run or check", "low", target, evidence, inert=True)
    if p.program in known_programs() and _reads(p.positional):
        return Finding("shell", "read (by its subcommand)", "low", target, evidence, inert=True)
    return None


@lru_cache(maxsize=1)
def _reading_cmdlets() -> tuple[str, ...]:
    """Prefixes of PowerShell cmdlets that only read or format (``[readonly] cmdlet_prefixes``)."""
    return tuple(rules()["readonly"]["cmdlet_prefixes"])


def _prints_shell_setup(p: Parsed) -> bool:
    """Whether a command prints setup code for the calling shell (``[shell_setup]``)."""
    setup = rules()["shell_setup"]
    words = setup["programs"].get(p.program)
    if words is not None:
        return not words or bool(set(p.positional[:2]) & set(words) or p.exact & set(words))
    head = p.positional[:1]
    return bool(head) and head[0] in setup["completion_words"] and p.program in known_programs()


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
