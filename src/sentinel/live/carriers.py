"""Commands that carry other code: ``bash -c``, ``ssh host '…'``, ``kubectl exec … --``,
``docker exec``/``run``, ``docker-compose exec``, ``ansible -m shell -a`` (and modules that amount
to a command: ``-m service -a 'state=stopped'``), ``salt cmd.run`` (and ``service.stop`` …), fleet
tools, ``find -exec`` and ``-delete``, ``fd -x``/``-X``, ``eval``, ``source``, ``powershell -Command`` and
``-EncodedCommand``, ``cmd /c``, SQL clients (``psql -c``, ``mysql -e``, ``sqlite3 db '…'``),
``redis-cli EVAL``, ``mongosh --eval``, ``python -c``, ``perl -e`` … and interpreters that run
their standard input. Each returns the ``Nested`` code it carries; the dispatcher judges it one
level deeper.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from collections.abc import Callable
from functools import lru_cache

from sentinel.live.awk import effects
from sentinel.live.commands import Parsed, option_value, program_name, skip_options
from sentinel.live.context import Nested
from sentinel.live.feeds import Feed, output_of_script
from sentinel.live.lexer import Command
from sentinel.live.rules import limit, pattern, rules
from sentinel.live.sql import looks_like_sql

Carrier = Callable[[list[str], Parsed, Command, int, Feed | None], list[Nested]]
# The ceiling of a delete that keeps recent copies of logs, backups or dumps.
RETENTION = "medium: retention of old copies"


@lru_cache(maxsize=1)
def _declared_programs() -> frozenset[str]:
    """Programs with a ``[[carrier]]`` entry."""
    return frozenset(name for entry in rules()["carrier"] for name in entry["programs"])


def _positional(words: list[str], value_options: set[str]) -> list[str]:
    """Original-case positional words of a command, skipping options and their values."""
    out: list[str] = []
    i = 1
    while i < len(words):
        w = words[i]
        if w == "--":
            return out + words[i + 1 :]
        if w.startswith("-") and w != "-":
            i += 2 if w in value_options else 1
            continue
        out.append(w)
        i += 1
    return out


def _fed(feed: Feed | None, interpreter: str) -> list[Nested]:
    """An interpreter running its input."""
    return [Nested("fed", feed=feed, interpreter=interpreter)] if feed is not None else []


def _generated(cmd: Command, index: int) -> str | None:
    """The substitution whose output a word is (``sh -c "$(curl …)"``), if any."""
    return cmd.generated.get(index) or cmd.procsubs.get(index)


def _code_word(words: list[str], cmd: Command, offset: int, i: int, lang: str, program: str = "") -> list[Nested]:
    """The inline code an interpreter is given as word ``i`` (``python -c CODE``, ``perl -e CODE``):
    the code itself, or, when the word is a substitution's output (``python3 -c "$(curl …)"``), what
    that substitution prints, run by the interpreter."""
    if i >= len(words):
        return []
    sub = _generated(cmd, offset + i)
    if sub is not None:
        return _fed(output_of_script(sub), lang)
    return [Nested(lang, words[i], interpreter=program)]


POSITIONAL = re.compile(r"\$(?:\{([0-9@*])\}|([0-9@*]))")


def _with_arguments(code: str, args: list[str]) -> str:
    """``sh -c CODE ARG0 ARG1 …``: CODE with ``$0``, ``$1`` … and ``$@``/``$*`` replaced by the
    arguments (quoted), as the shell it starts would read them."""
    if not args or "$" not in code:
        return code

    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name in "@*":
            return " ".join(shlex.quote(a) for a in args[1:])
        k = int(name)
        return shlex.quote(args[k]) if k < len(args) else ""

    return POSITIONAL.sub(value, code.replace('"$@"', "$@").replace('"$*"', "$*"))


def shell(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``sh -c CODE``, ``bash script``, ``bash <(curl …)``, ``… | bash -s``."""
    i, stdin_mode = 1, False
    while i < len(words):
        w = words[i]
        if w == "--":
            i += 1
            break
        if w == "-":  # bash - : the script is read from standard input
            return _fed(feed, "shell")
        if not w.startswith(("-", "+")) or w == "+":
            break
        if w == "-o" and words[i + 1 : i + 2] == ["noexec"]:
            return []  # bash -o noexec: commands are read, none is run
        if w in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 2
            continue
        if not w.startswith("--") and w.startswith("-") and "n" in w[1:]:
            return []  # bash -n: a syntax check, nothing runs (curl … | bash -n)
        if not w.startswith("--") and "c" in w[1:] and i + 1 < len(words):
            sub = _generated(cmd, offset + i + 1)
            if sub is not None:
                return _fed(output_of_script(sub), "shell")
            code = _with_arguments(words[i + 1], words[i + 2 :])
            if UNKNOWN_VALUE.fullmatch(code.strip()):  # sh -c '$X': a value this shell does not show
                return _fed(Feed("unknown", source=f"the value of {code.strip()[:80]}"), "shell")
            return [Nested("shell", code, stdin=feed)]
        stdin_mode |= not w.startswith("--") and "s" in w[1:]
        i += 1
    if i < len(words) and not stdin_mode and not (feed is not None and words[i].lower() in SENTENCE_WORDS):
        sub = _generated(cmd, offset + i)
        return _fed(output_of_script(sub), "shell") if sub is not None else []
    return _fed(feed, "shell")  # … | sudo bash (on the three web nodes): a sentence goes on after it


SENTENCE_WORDS = frozenset({"on", "in", "at", "across", "for", "to", "from", "and", "then", "so", "now"})


def python(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``python -c CODE``, ``python <(curl …)``, ``curl … | python``; ``-m module`` runs no code
    given here."""
    for i, w in enumerate(words[1:], start=1):
        if w.startswith("-") and not w.startswith("--") and "c" in w[1:]:
            return _code_word(words, cmd, offset, i + 1, "python")
        if w == "-":  # curl … | python3 - --flag: the program is its input
            return _fed(feed, "python")
        if w.startswith("-m") or w == "--":
            return []
        if not w.startswith("-"):
            sub = _generated(cmd, offset + i)
            return _fed(output_of_script(sub), "python") if sub is not None else []
    return _fed(feed, "python")


def script(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``perl -e``/``-ne``, ``ruby -e``, ``node -e``/``-p``, ``php -r``, ``deno eval`` …"""
    program = program_name(words[0])  # not p.program: `php artisan …` is parsed as `artisan …`
    if set(words[1:]) & set(rules()["interpreters"]["syntax_only"].get(program, ())):
        return []  # perl -c, ruby -c, php -l, node --check: compiled or linted, not run
    options = rules()["interpreters"]["script"][program]
    letters = {o[1] for o in options if len(o) == 2 and o.startswith("-")}
    for i, w in enumerate(words[1:], start=1):
        cluster = w.startswith("-") and not w.startswith("--") and w[1:].isalpha() and len(w) <= 5
        takes_code = w in options or (cluster and letters & set(w[1:]))
        if takes_code and i + 1 < len(words):
            return _code_word(words, cmd, offset, i + 1, "script", program)
        if w == "-":  # curl -s https://cpanmin.us | perl - App::cpanminus: the program is its input
            return _fed(feed, "script")
        if not w.startswith("-") and w not in options:
            sub = _generated(cmd, offset + i)
            return _fed(output_of_script(sub), "script") if sub is not None else []
    return _fed(feed, "script")


def awk(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``awk [-F SEP] [-v X=Y] 'PROGRAM' FILE…``: what the program runs and writes (``awk.py``), its
    input being its files or what its pipe is fed."""
    rest = skip_options(words[1:], set(rules()["carriers"]["awk_value_options"]))
    if any(w in ("-f", "--file") or w.startswith("--file=") for w in words[1:]) or not rest:
        return []
    producer = " ".join(shlex.quote(w) for w in cmd.stdin.words[:32]) if cmd.stdin is not None else ""
    return effects(rest[0], rest[1:9], producer)


def su(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``su -c CODE [user]``, ``su - postgres -c CODE``."""
    code = option_value(words, {"-c", "--command"})
    return [Nested("shell", code)] if code else _fed(feed, "shell")


def ssh(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``ssh [options] host CODE…``: the remote command (fed by ssh's own input)."""
    rest = skip_options(words[1:], set(rules()["carriers"]["ssh_value_options"]))
    return [Nested("shell", " ".join(rest[1:]), stdin=feed)] if len(rest) > 1 else []


def fleet(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``pssh -h hosts -i CODE``, ``pdsh -w hosts CODE``: every host runs it."""
    code = _positional(words, set(rules()["carriers"]["fleet_value_options"]))
    return [Nested("shell", " ".join(code))] if code else []


def kubectl(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``kubectl exec … -- ARGV`` (and ``kubectl debug … -- ARGV``)."""
    if not {"exec", "debug", "run"} & set(p.positional) or "--" not in words:
        return []
    argv = tuple(words[words.index("--") + 1 :])
    image = next((w.split("=", 1)[1] for w in words if w.startswith("--image=")), None)
    return [Nested("argv", argv=_with_entrypoint(image, argv) if "run" in p.positional else argv, stdin=feed)]


def _with_entrypoint(image: str | None, argv: tuple[str, ...]) -> tuple[str, ...]:
    """The command an image runs given these arguments: its entrypoint first when the image is one
    of a CLI (``--image=bitnami/kubectl -- delete ns production`` is ``kubectl delete ns production``)."""
    if not image or not argv:
        return argv
    name = image.rsplit("@", 1)[0].rsplit(":", 1)[0].lower()
    entrypoint = next(
        (cli for pattern_, cli in rules()["carriers"]["image_entrypoints"].items() if name.endswith(pattern_)), None
    )
    if entrypoint is None or program_name(argv[0]) == entrypoint:
        return argv
    return (entrypoint, *argv)


def _mounts(words: list[str]) -> tuple[tuple[str, str], ...]:
    """``-v HOST:CONTAINER`` bind mounts of ``docker run`` as (container path, host path); a named
    volume (``-v pgdata:/data``) is mounted from where Docker keeps its data."""
    out = []
    for i, w in enumerate(words[:-1]):
        if w in ("-v", "--volume"):
            host, _, inside = words[i + 1].partition(":")
            if host.startswith(("/", "~", "$")) and inside:
                out.append((inside.split(":", 1)[0], host))
            elif host and inside:
                out.append((inside.split(":", 1)[0], rules()["carriers"]["docker_volume_root"] + host))
    return tuple(out)


def _throwaway(options: list[str], mounts: tuple[tuple[str, str], ...]) -> bool:
    """Whether ``docker run`` options make a container removed on exit (``--rm``) that reaches nothing
    of the host's but its ``-v`` mounts (no privileges, devices, other mounts or host namespaces, not
    the host's root): what it deletes outside those mounts is its own throwaway filesystem."""
    access = rules()["carriers"]["docker_host_access"]
    if "--rm" not in options or any(host.rstrip("/") == "" for _, host in mounts):  # -v /:/host
        return False
    return not any(o.split("=", 1)[0] in access or o in access for o in options)


def docker(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``docker exec [opts] CONTAINER ARGV``, ``docker run [opts] IMAGE ARGV`` (host mounts
    mapped), ``docker compose exec|run SERVICE ARGV`` and ``docker-compose …`` (podman and nerdctl
    alike); global options (``--context prod``, ``-f compose.yml``) may come first."""
    c = rules()["carriers"]
    compose = program_name(words[0]).endswith("-compose")
    i = 1
    while i < len(words):
        w = words[i]
        if w in ("exec", "run"):
            kind = "compose" if compose else f"docker_{w}"
            rest = skip_options(words[i + 1 :], set(c[f"{kind}_value_options"]))
            if len(rest) < 2:
                return []
            mounts = _mounts(words[i + 1 :]) if w == "run" else ()
            if w == "run" and _throwaway(words[i + 1 : len(words) - len(rest)], mounts):
                mounts = (*mounts, ("/", rules()["paths"]["throwaway_root"]))
            argv = _with_entrypoint(rest[0], tuple(rest[1:])) if w == "run" else tuple(rest[1:])
            return [Nested("argv", argv=argv, stdin=feed, mounts=mounts)]
        if w == "compose":
            compose = True
        elif w.startswith("-"):
            i += 1 if w in c["docker_global_value_options"] or w in c["compose_value_options"] else 0
        elif w != "container":
            return []
        i += 1
    return []


def _module_commands(module: str, args: dict[str, str]) -> list[Nested]:
    """The commands an Ansible module or a Salt function amounts to (``[[module_command]]``):
    ``service`` with ``state=stopped`` is ``service NAME stop``, ``file`` with ``state=absent`` is
    ``rm -rf PATH`` …; ``{a|b}`` in a template is the first of those arguments given."""
    out = []
    for rule in rules()["module_command"]:
        if module not in rule["modules"]:
            continue
        given = (w.partition("=") for w in rule.get("when", ()))
        if "when" in rule and not any(args.get(k, "").lower() == v for k, _, v in given):
            continue
        argv = []
        for part in rule["command"].split():
            if part.startswith("{") and part.endswith("}"):
                value = next((args[k] for k in part[1:-1].split("|") if args.get(k)), None)
                if value is None:
                    break
                part = value
            argv.append(part)
        else:
            out.append(Nested("argv", argv=tuple(argv)))
    return out


def _key_values(words: list[str]) -> dict[str, str]:
    """``key=value`` words (keys lower-cased) and the other words as ``"1"``, ``"2"`` …"""
    out: dict[str, str] = {}
    plain = 0
    for w in words[:64]:
        key, eq, value = w.partition("=")
        if eq and key.isidentifier():
            out[key.lower()] = value.strip("'\"")
        else:
            plain += 1
            out[str(plain)] = w
    return out


def ansible(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``ansible HOSTS -m shell|command|raw -a CODE`` (``command`` when no module is named), and
    other modules by what they amount to (``-m service -a 'name=mysql state=stopped'``)."""
    module = (option_value(words, {"-m", "--module-name"}) or "command").lower()
    args = option_value(words, {"-a", "--args"})
    if args and module in rules()["carriers"]["ansible_shell_modules"]:
        return [Nested("shell", args)]
    if module in rules()["carriers"]["ansible_shell_modules"]:
        return []
    return _module_commands(module, _key_values((args or "").split()))


def salt(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``salt TARGET cmd.run CODE``, and other functions by what they amount to (``service.stop
    mysql``, ``file.remove /srv``)."""
    c = rules()["carriers"]
    pos = _positional(words, set(c["salt_value_options"]))  # -G, -L, -E … only say how to read the target
    if program_name(words[0]) != "salt-call":  # salt-call runs on this minion: there is no target
        pos = pos[1:]
    if len(pos) > 1 and pos[0] in c["salt_shell_functions"]:
        return [Nested("shell", " ".join(pos[1:]))]
    return _module_commands(pos[0].lower(), _key_values(pos[1:])) if pos else []


def typed_keys(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``tmux send-keys -t SESSION 'CMD' Enter`` and ``screen -S S -X stuff 'CMD\\n'`` type a
    command into a running session, which runs it: as SQL when it reads as SQL (a psql session), else
    as shell."""
    program = program_name(words[0])
    if program == "tmux" and {"send-keys", "send", "send-key"} & set(words):
        start = next(i for i, w in enumerate(words) if w in ("send-keys", "send", "send-key")) + 1
        keys = [w for w in skip_options(words[start:], {"-t", "-N", "-c"}) if w not in rules()["carriers"]["tmux_keys"]]
        text = " ".join(keys)
    elif program == "screen" and "stuff" in words:
        typed = words[words.index("stuff") + 1 :]
        text = typed[0].replace("\\n", "\n").replace("\\r", "\n") if typed else ""
    else:
        return []
    if not text.strip():
        return []
    return [Nested("sql" if looks_like_sql(text) else "shell", text)]  # 'DROP DATABASE app;' into a psql session


def parallel(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """GNU ``parallel [opts] CMD ::: ARGS`` runs CMD once per argument (``{}`` stands for it)."""
    c = rules()["carriers"]
    rest = skip_options(words[1:], set(c["parallel_value_options"]))
    end = next((i for i, w in enumerate(rest) if w in (":::", "::::", ":::+")), len(rest))
    command, args = rest[:end], rest[end + 1 :]
    if not command:
        return []
    item = args[0] if args else "{}"
    return [Nested("argv", argv=tuple(w.replace("{}", item) for w in command))]


def expect(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``expect -c 'spawn CMD; expect …; send …'``: what it spawns runs."""
    script = option_value(words, {"-c"})
    if not script:
        return []
    spawned = pattern(rules()["carriers"]["expect_spawn"]).findall(script)[:8]
    return [Nested("shell", command) for command in spawned]


def script_c(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``script -qec CMD LOGFILE`` runs CMD under a pseudo-terminal (recording it to LOGFILE)."""
    code = option_value(words, {"-c", "--command"})
    return [Nested("shell", code)] if code else []


def find(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``find ROOTS … -exec ARGV {} ;|+`` runs ARGV on what it finds (the roots stand for it);
    ``-delete`` deletes it (recursively unless a test such as ``-name`` narrows it down). Find reads
    its expression left to right: a test after the action (``find /var -delete -name '*.tmp'``)
    narrows nothing the action already did."""
    roots = []
    for w in words[1:]:
        if w.startswith(("-", "(", "!")):
            break
        roots.append(w)
    roots = roots or ["."]
    out = []
    for i, w in enumerate(words):
        if w in ("-exec", "-execdir", "-ok", "-okdir"):
            found, ceiling = _found(words[:i], roots), _ceiling(words[:i], roots)
            argv = []
            for a in words[i + 1 :]:
                if a in (";", "+", "\\;"):
                    break
                argv.extend([a.replace("{}", r) for r in found] if "{}" in a else [a])  # of={}, {}/main
            if argv:
                out.append(Nested("argv", argv=tuple(argv), ceiling=ceiling))
    if "-delete" in words:
        before = words[: words.index("-delete")]
        found, ceiling = _found(before, roots), _ceiling(before, roots)
        out.append(Nested("argv", argv=("rm", "-f" if _narrowing(before) else "-rf", *found), ceiling=ceiling))
    return out


def _ceiling(expression: list[str], roots: list[str]) -> str:
    """The ceiling of what find's action does after this expression: retention of old copies is
    at most medium."""
    return RETENTION if _retention(expression, roots) else ""


def _narrowing(expression: list[str]) -> bool:
    """Whether find's expression so far holds a test that narrows what it finds; after a top-level
    ``-o`` only the tests of the last alternative count (``find /var -name '*.log' -o -type f
    -delete`` deletes every file that is no log)."""
    if ("-o" in expression or "-or" in expression) and "(" not in expression and "\\(" not in expression:
        last = max(i for i, w in enumerate(expression) if w in ("-o", "-or"))
        expression = expression[last + 1 :]
    return any(w in ("-name", "-iname", "-path", "-regex", "-mtime", "-mmin", "-size", "-newer") for w in expression)


def _found(expression: list[str], roots: list[str]) -> list[str]:
    """What the roots stand for after find's expression so far: ``/dev/sd?`` for ``find /dev -name
    'sd?'``, some files inside them (``ROOT/…``) when a test narrows it, the roots themselves otherwise."""
    named = _named_only(expression)
    if named is not None and all(r.startswith("/dev") for r in roots):  # find /dev -name 'sd?': /dev/sd?
        return [f"{r.rstrip('/')}/{named}" for r in roots]
    if _narrowing(expression):  # it acts on some files *inside* the roots, not on the roots themselves
        return [f"{r.rstrip('/')}/…" for r in roots]
    return roots


def _retention(words: list[str], roots: list[str]) -> bool:
    """Whether a ``find`` keeps recent copies of logs, backups or dumps: narrowed by an age of at
    least ``[carriers.retention] min_days`` and about such files (``-mtime +35`` over ``/backups``)."""
    data = rules()["carriers"]["retention"]
    days = 0.0
    for i, w in enumerate(words[:-1]):
        per_day = data["age_options"].get(w)
        value = words[i + 1]
        if per_day and value.startswith("+") and value[1:].isdigit():
            days = max(days, int(value[1:]) / per_day)
    names = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-name", "-iname", "-path")]
    return _keeps_recent(days, [*roots, *names])


def _keeps_recent(days: float, names: list[str]) -> bool:
    """Whether deleting what is older than ``days`` under these roots and names is retention: at
    least ``[carriers.retention] min_days`` old, over logs, backups, dumps or archives."""
    data = rules()["carriers"]["retention"]
    kept = pattern(data["kept"], re.IGNORECASE)
    return days >= data["min_days"] and any(kept.search(x) for x in names)


def fd(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``fd PATTERN PATHS… -x|-X ARGV`` (``fdfind``) runs ARGV on what it finds, as ``find -exec``
    does: a placeholder (``{}``, ``{/}``, ``{.}`` …) or, without one, an appended operand stands for
    the found paths; the paths stand for them (some files inside them when a pattern other than
    match-all or an extension narrows the search)."""
    c = rules()["carriers"]["fd"]
    value_options = set(c["value_options"])
    head: list[str] = []
    command: list[str] = []
    i = 1
    while i < len(words):
        w = words[i]
        if w in c["exec_options"]:
            command = words[i + 1 :]
            break
        head.append(w)
        if w in value_options:
            head.append(words[i + 1] if i + 1 < len(words) else "")
            i += 1
        i += 1
    command = command[: next((k for k, a in enumerate(command) if a in (";", "\\;")), len(command))]
    if not command:
        return []
    positional = _positional(["fd", *head], value_options)
    pattern, roots = (positional[0], positional[1:]) if positional else (".", [])
    narrowed = pattern not in c["match_all"] or any(o in head for o in c["narrowing_options"])
    roots = [f"{r.rstrip('/')}/…" if narrowed else r for r in roots or ["."]]
    if any(PLACEHOLDER.search(a) for a in command):
        argv = [w for a in command for w in ([PLACEHOLDER.sub(r, a) for r in roots] if PLACEHOLDER.search(a) else [a])]
    else:
        argv = [*command, *roots]
    return [Nested("argv", argv=tuple(argv))]


PLACEHOLDER = re.compile(r"\{[/.]*\}")


def forfiles(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """Windows ``forfiles /p DIR [/s] [/m MASK] [/d -N] /c "CMD @path"`` runs CMD on each file it
    finds, as ``find -exec`` does: ``@path``/``@file`` stand for the files inside DIR (some of them
    when a mask or an age narrows it); an age of at least ``[carriers.retention] min_days`` over
    backups or logs is retention (at most medium)."""
    options = {w.lower(): words[i + 1] for i, w in enumerate(words[:-1]) if w[:1] in "/-" and len(w) == 2}
    command = options.get("/c") or options.get("-c")
    if not command:
        return []
    root = (options.get("/p") or options.get("-p") or ".").rstrip("/")
    mask, age = options.get("/m", "*"), options.get("/d", "")
    found = f"{root}/…" if mask not in ("*", "*.*") or age else root
    for name in ("@path", "@file", "@fname", "@relpath"):
        command = command.replace(f'"{name}"', found).replace(name, found)
    days = int(age[1:]) if age[:1] == "-" and age[1:].isdigit() else 0
    return [Nested("shell", command, ceiling=RETENTION if _keeps_recent(days, [root, mask]) else "")]


def _named_only(words: list[str]) -> str | None:
    """The one name pattern a ``find`` is narrowed by when nothing else narrows it (``-name 'sd?'``
    with ``-maxdepth``/``-type`` at most), so that the device files it finds under ``/dev`` can be
    named: None otherwise."""
    names = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-name", "-iname")]
    others = {"-path", "-regex", "-mtime", "-mmin", "-size", "-newer", "-user", "-perm", "-o", "-or", "!", "-not"}
    if len(names) != 1 or "/" in names[0] or others & set(words):
        return None
    return names[0]


def eval_(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``eval "$(curl …)"`` runs a substitution's output; ``eval 'CODE'`` runs CODE; ``eval "$CLEAN"``
    of a variable never assigned here runs code the analyser cannot see (fail closed)."""
    for i in range(1, len(words)):
        sub = _generated(cmd, offset + i)
        if sub is not None:
            return _fed(output_of_script(sub), "shell")
    if len(words) > 1 and all(UNKNOWN_VALUE.fullmatch(w) for w in words[1:]):
        return _fed(Feed("unknown", source=f"the value of {' '.join(words[1:])[:80]}"), "shell")
    return [Nested("shell", " ".join(words[1:]))] if len(words) > 1 else []


UNKNOWN_VALUE = re.compile(r"\$\{?!?[A-Za-z_]\w*(?:\[[^\]]*\])?\}?")


def later(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """Code that runs later: ``trap 'CODE' EXIT``, ``at now + 1 minute`` and ``batch`` (their input),
    ``crontab -`` or ``crontab FILE`` fed an entry (the command after its five schedule fields),
    ``watch CMD`` is a wrapper elsewhere."""
    program = program_name(words[0])
    if program == "trap":
        code = next((w for w in words[1:] if not w.startswith("-")), None)
        return [Nested("shell", code)] if code else []
    if program in ("at", "batch"):
        return _fed(feed, "shell")
    if program == "crontab" and feed is not None and feed.kind == "text":
        lines = [CRON_FIELDS.sub("", line) for line in feed.text.splitlines()[:64] if line.strip()[:1] not in ("", "#")]
        return [Nested("shell", "\n".join(lines))] if lines else []
    return []


CRON_FIELDS = re.compile(r"^\s*(?:@\w+|(?:\S+\s+){5})")


def git(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """Git settings whose value is a command (``[carriers.git] command_keys``): ``git -c
    core.sshCommand='rm -rf ~; ssh' fetch``, ``git config core.pager 'CMD'``; and aliases: ``git
    config alias.sync 'push --force origin main'`` is that git command, ``'!rm -rf ~'`` a shell one."""
    keys = set(rules()["carriers"]["git"]["command_keys"])
    out: list[Nested] = []
    for i, w in enumerate(words[1:-1], start=1):
        key, eq, value = words[i + 1].partition("=")
        if w == "-c" and eq and key.lower() in keys:
            out.append(Nested("shell", value.lstrip("!")))
    pos = [w for w in words[1:] if not w.startswith("-")]
    if len(pos) >= 3 and pos[0] == "config":
        key, value = pos[1].lower(), " ".join(pos[2:])
        if key.startswith("alias."):
            out.append(Nested("shell", value[1:] if value.startswith("!") else f"git {value}"))
        elif key in keys:
            out.append(Nested("shell", value.lstrip("!")))
    return out


def npm(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """A package script set to a command (``npm pkg set scripts.postinstall='rm -rf ~/'``, ``npm
    set-script NAME CMD``): the command runs on the next install or run."""
    pos = [w for w in words[1:] if not w.startswith("-")]
    if pos[:2] == ["pkg", "set"]:
        scripts = [w.partition("=") for w in pos[2:]]
        return [Nested("shell", value) for key, eq, value in scripts if eq and key.startswith("scripts.")]
    if pos[:1] == ["set-script"] and len(pos) >= 3:
        return [Nested("shell", " ".join(pos[2:]))]
    return []


def source(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``source <(curl …)`` / ``. <(…)`` runs what the substitution prints."""
    for i in range(1, len(words)):
        sub = _generated(cmd, offset + i)
        if sub is not None:
            return _fed(output_of_script(sub), "shell")
    return [] if len(words) > 1 else _fed(feed, "shell")


def sql_client(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``psql -c SQL``, ``mysql -e SQL``, ``sqlite3 DB SQL``, ``bq query SQL``, or SQL on stdin
    (``echo … | psql``, heredocs, here-strings)."""
    clients = rules()["sql_clients"]
    options = set(clients["options"].get(p.program, ()))
    code = option_value(words, options) if options else None
    if code is None and p.program in clients["positional"]:
        pos = _positional(words, {"-cmd", "-separator", "-init", "--format", "--project_id"})
        if p.program in clients["subcommand"] and pos[:1] != [clients["subcommand"][p.program]]:
            return []
        index = clients["positional"][p.program]
        if pos[:1] == [":memory:"]:  # sqlite3 :memory: "…": a database that ends with the command
            return []
        code = pos[index] if len(pos) > index else None
    if code is not None:
        return [Nested("sql", code)]
    return _fed(feed, "sql") if p.program in clients["stdin"]["programs"] else []


def archiver(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``pt-archiver --source …,t=TABLE --where COND`` deletes the rows it archives (``--purge``
    only deletes them) unless told not to: judged as ``DELETE FROM TABLE WHERE COND``."""
    if {"--no-delete", "--dry-run"} & set(words):
        return []
    source = option_value(words, {"--source"}) or ""
    where = option_value(words, {"--where"})
    table = next((part[2:] for part in source.split(",") if part.startswith("t=")), "")
    return [Nested("sql", f"DELETE FROM {table} WHERE {where}")] if table and where else []


def redis(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``redis-cli EVAL SCRIPT …`` and commands fed on stdin (one per line)."""
    pos = _positional(words, set(rules()["datastores"]["redis_value_options"]))
    if pos and pos[0].lower() in ("eval", "eval_ro") and len(pos) > 1:
        return [Nested("redis", pos[1])]
    if not pos and feed is not None and feed.kind == "text":
        return [Nested("argv", argv=("redis-cli", *line.split())) for line in feed.text.splitlines()[:32] if line]
    return []


def mongo(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``mongosh --eval JS`` / ``mongo DB --eval JS``, or JavaScript on stdin."""
    code = option_value(words, set(rules()["datastores"]["mongo_eval_options"]))
    return [Nested("mongo", code)] if code is not None else _fed(feed, "mongo")


def protocol(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``echo flush_all | nc cache 11211``, ``diskpart`` fed a script: each line of the input as a
    command of the program's pseudo-program (``[datastores.line_protocols]``)."""
    if feed is None or feed.kind != "text":
        return []
    pseudo = rules()["datastores"]["line_protocols"][p.program]
    lines = [line.split() for line in feed.text.replace(";", "\n").splitlines()[:32]]
    return [Nested("argv", argv=(pseudo, *line)) for line in lines if line]


def _encoded_command(value: str, evidence: str) -> Feed:
    """``powershell -EncodedCommand B64``: base64 of UTF-16LE text (an encoded payload when it is
    not readable)."""
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=False)
        text = raw.decode("utf-16-le")[: limit("max_decoded_chars")]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return Feed("encoded", source=evidence)
    return Feed("text", text, evidence, decoded=True) if text.isprintable() else Feed("encoded", source=evidence)


def powershell(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``powershell [-NoProfile …] -Command CODE…`` (a parameter is any prefix of its name, after
    ``-`` or ``/``), ``-EncodedCommand B64`` (decoded), a bare command line, or code on stdin
    (``-Command -``, ``… | powershell -``)."""
    ps = rules()["carriers"]["powershell"]

    def named(name: str, key: str) -> bool:
        return any(full.startswith(name) for full in ps[key])

    i = 1
    while i < len(words):
        w = words[i]
        name = w[1:].lower() if w[:1] in "-/" and len(w) > 1 else ""
        if not name:  # the rest of the line is the command
            rest = words[i:]
            return _fed(feed, "powershell") if rest == ["-"] else [Nested("powershell", " ".join(rest))]
        if named(name, "encoded"):
            value = words[i + 1] if i + 1 < len(words) else ""
            return [Nested("fed", feed=_encoded_command(value, " ".join(words)[:200]), interpreter="powershell")]
        if named(name, "code"):
            rest = words[i + 1 :]
            return _fed(feed, "powershell") if rest in ([], ["-"]) else [Nested("powershell", " ".join(rest))]
        if named(name, "file"):
            return []
        i += 2 if named(name, "value_options") else 1
    return _fed(feed, "powershell")


def cmd_exe(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """``cmd /c CODE…`` and ``cmd /k CODE…``: the rest of the line is a command."""
    for i, w in enumerate(words[1:], start=1):
        if w.lower() in ("/c", "/k", "/r"):
            return [Nested("shell", _cmd_expanded(" ".join(words[i + 1 :])))] if i + 1 < len(words) else []
    return []


CMD_SET = re.compile(r"(?i)\bset\s+\"?(\w+)=([^&|\"]*)")


def _cmd_expanded(code: str) -> str:
    """cmd.exe code with its caret escapes dropped and the variables it sets expanded (``set x=rd /s
    /q&& call %^x% D:\\Backups`` runs ``rd /s /q D:\\Backups``)."""
    code = code.replace("^", "")
    values = {m.group(1).lower(): m.group(2).strip() for m in list(CMD_SET.finditer(code))[:16]}
    if not values:
        return code
    return re.sub(r"%(\w+)%", lambda m: values.get(m.group(1).lower(), m.group(0)), code)


def declared(words: list[str], p: Parsed, cmd: Command, offset: int, feed: Feed | None) -> list[Nested]:
    """A ``[[carrier]]`` of the rules file: ``lxc exec c1 -- ARGV``, ``gcloud compute ssh h
    --command CODE``, ``heroku run CODE…``, ``rails runner RUBY`` — the first entry of the program
    whose subcommand words are present (``lang``: the language of the code, shell by default)."""
    for entry in rules()["carrier"]:
        if p.program not in entry["programs"] or not all(a in p.positional for a in entry["args"]):
            continue
        if entry.get("dashdash") and "--" in words:
            return [Nested("argv", argv=tuple(words[words.index("--") + 1 :]), stdin=feed)]
        lang = entry.get("lang", "shell")
        code = option_value(words, set(entry.get("options", ())))
        if code is not None:
            return [Nested(lang, code, stdin=feed)]
        if entry.get("rest"):
            after = _rest_after(words, entry["args"], set(entry.get("value_options", ())), entry.get("skip", 0))
            if entry.get("one_word"):  # knife ssh QUERY 'CMD' -x user: the command is one quoted word
                after = after[:1]
            if lang == "shell" and "skip" in entry:  # the words as the carrier passes them on
                return [Nested("argv", argv=tuple(after), stdin=feed)] if after else []
            return [Nested(lang, " ".join(after), stdin=feed)] if after else []
    return []


def _rest_after(words: list[str], args: list[str], value_options: set[str], skip: int) -> list[str]:
    """The words of the command a carrier runs: everything after its subcommand words and ``skip``
    more positional words (``nomad alloc exec ALLOC CMD…``, ``knife ssh QUERY CMD``), its own
    options (and their values) skipped on the way, the command's own words kept as written."""
    wanted = [a.lower() for a in args]
    i, seen = 1, 0
    while i < len(words):
        w = words[i]
        if w.startswith("-") and w != "-":
            i += 2 if w in value_options else 1
            continue
        if seen < len(wanted):
            seen += w.lower() == wanted[seen]
        elif skip:
            skip -= 1
        else:
            return words[i:]
        i += 1
    return []


def carrier_for(program: str) -> Carrier | None:
    """The carrier handler of a program, if it carries code."""
    return _carriers().get(program)


@lru_cache(maxsize=1)
def _carriers() -> dict[str, Carrier]:
    """Every program that carries code → its handler (built once from the rules file)."""
    r = rules()
    interp, carriers = r["interpreters"], r["carriers"]
    table: dict[str, Carrier] = {name: declared for name in _declared_programs()}
    table.update({name: protocol for name in r["datastores"]["line_protocols"]})
    table.update({name: mongo for name in r["datastores"]["mongo"]})
    table.update({name: redis for name in r["datastores"]["redis"]})
    table.update({name: sql_client for name in (*r["sql_clients"]["options"], *r["sql_clients"]["positional"])})
    table.update({name: fleet for name in carriers["fleet"]})
    table.update({name: script for name in interp["script"]})
    table.update({name: python for name in interp["python"]})
    table.update({name: shell for name in interp["shells"]})
    table.update(
        {
            "su": su,
            "runuser": su,
            "tmux": typed_keys,
            "parallel": parallel,
            "expect": expect,
            "script": script_c,
            "screen": typed_keys,
            "ssh": ssh,
            "pt-archiver": archiver,
            "kubectl": kubectl,
            "oc": kubectl,
            "docker": docker,
            "podman": docker,
            "nerdctl": docker,
            "docker-compose": docker,
            "ansible": ansible,
            "salt": salt,
            "salt-call": salt,
            "salt-ssh": salt,
            "find": find,
            "forfiles": forfiles,
            "fd": fd,
            "fdfind": fd,
            "awk": awk,
            "gawk": awk,
            "mawk": awk,
            "nawk": awk,
            "powershell": powershell,
            "pwsh": powershell,
            "cmd": cmd_exe,
            "eval": eval_,
            "trap": later,
            "at": later,
            "batch": later,
            "crontab": later,
            "git": git,
            "npm": npm,
            "source": source,
            ".": source,
        }
    )
    return table
