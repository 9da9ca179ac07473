"""A simple command as the rules see it: unwrapped (``sudo``, ``env``, ``timeout 60``, ``xargs -0``
… run the next word), spelled canonically (``docker-compose`` is ``docker compose``,
``/etc/init.d/mysql stop`` and ``rc-service mysql stop`` are ``service mysql stop``, ``python -m
pytest`` is ``pytest``) and parsed into positional words and flags; what its names say (a
production target, a data, security or platform service). ``classify.py`` matches it against the
rules."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache

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
    on_production: bool = False  # run by a carrier that names production (ssh prod-web-3 '…')


@lru_cache(maxsize=2048)
def program_name(word: str) -> str:
    """``/usr/bin/rm`` → ``rm``; ``mkfs.ext4`` → ``mkfs``; ``kafka-topics.sh`` → ``kafka-topics``;
    ``r^d`` → ``rd`` (cmd.exe's caret escapes a letter as itself)."""
    name = word.rsplit("/", 1)[-1].lower()
    if "^" in name:
        name = name.replace("^", "")
    if "$" in name and (bare := re.sub(r"\$\{?\w+\}?", "", name)) in known_programs():
        return bare  # ipt${x}ables with x unset: iptables
    if name.endswith(".exe"):
        name = name[:-4]
    if "." in name.strip("."):
        head = name.split(".", 1)[0]
        if head in known_programs() or re.fullmatch(r"python\d?", head):
            return head
    return name


ANY_PROGRAM = ("*",)  # a globbed command word that can run any of many programs
MAX_GLOBBED = 4


@lru_cache(maxsize=256)
def globbed(word: str) -> tuple[str, ...]:
    """The programs with rules that a globbed command word can run (``/bin/r?`` → ``rm``), at most
    ``MAX_GLOBBED``; ``ANY_PROGRAM`` when it is made of wildcards only (``/usr/bin/*``) or matches
    more (``/bin/??``): which one runs is anyone's guess."""
    name = word.rsplit("/", 1)[-1].lower()
    if not any(ch in name for ch in "*?["):
        return ()
    if not name.strip("*?"):
        return ANY_PROGRAM
    candidates = sorted({*rules()["by_program"], *rules()["interpreters"]["shells"]})  # /???/b??h is bash
    matches = tuple(p for p in candidates if fnmatch.fnmatchcase(p, name))
    return ANY_PROGRAM if len(matches) > MAX_GLOBBED else matches


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


def option_value(words: list[str], options: set[str]) -> str | None:
    """The value of the first of ``options`` (``-c X``, ``-cX``, ``--command=X``, and a cluster of
    short flags ending with it: ``mysql -Nse X``, ``psql -Atc X``)."""
    letters = {o[1] for o in options if len(o) == 2 and o[0] == "-" and o[1] != "-"}
    for i, w in enumerate(words[1:], start=1):
        cluster = 2 < len(w) <= 6 and w[0] == "-" and w[1:].isalpha() and w[1] not in letters and w[-1] in letters
        if w in options or cluster:
            return words[i + 1] if i + 1 < len(words) else None
        for opt in options:
            if opt.startswith("--") and w.startswith(opt + "="):
                return w[len(opt) + 1 :]
            if len(opt) == 2 and not opt.startswith("--") and w.startswith(opt) and len(w) > 2 and w[1] != "-":
                return w[2:]
    return None


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
        if eq and name in members("dry_run", "flags") and value.lower() in members("dry_run", "off_values"):
            continue  # --dry-run=none: no dry run at all
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


def is_nonproduction(tokens: list[str]) -> bool:
    """Whether target names say staging, preview, dev, test … (``[targets] nonproduction``)."""
    parts = {p for tok in tokens for p in SPLIT_NAME.split(tok) if p}
    return bool(parts & set(rules()["targets"]["nonproduction"]))


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
