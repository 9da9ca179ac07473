"""Judge shell: every simple command of a snippet (pipelines, lists, loops, substitutions), with
the working directory that ``cd`` set, what its standard input is fed, what it writes, the code it
carries (returned as ``Nested`` for the dispatcher to judge one level deeper), and whether it runs a
script downloaded earlier in the snippet (``curl -o i.sh URL && bash i.sh``).
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from sentinel.live import settings
from sentinel.live.apis import http_call
from sentinel.live.carriers import carrier_for
from sentinel.live.classify import SHELL_PROGRAM, classify, is_dry_run
from sentinel.live.commands import ANY_PROGRAM, Parsed, canonical, globbed, is_production, parse, program_name, unwrap
from sentinel.live.context import Context, Nested
from sentinel.live.feeds import Feed, output_of, output_of_script, stdin_of
from sentinel.live.files import Files
from sentinel.live.findings import UNRECOGNISED, Finding, capped
from sentinel.live.functions import aliases, called, definitions, expanded
from sentinel.live.lexer import Command, lex
from sentinel.live.paths import is_kernel_trigger, path_class
from sentinel.live.powershell import folded
from sentinel.live.processes import killed_everything
from sentinel.live.rules import limit, members, pattern, rules
from sentinel.live.specials import (
    applied_manifest,
    copy_targets,
    emptied,
    git_push,
    prints_nothing,
    scale_to_zero,
    shapes,
    tee_targets,
    upstream_words,
    writes,
)
from sentinel.live.windows import posix_paths

Judged = tuple[list[Finding], list[Nested]]
GLOB = frozenset("*?[")


def _cd(words: list[str], cwd: str | None) -> str | None:
    """The working directory after ``cd DIR`` (unknown after ``cd -`` or a relative jump from an
    unknown place)."""
    target = words[1] if len(words) > 1 else "~"
    if target.startswith(("/", "~", "$")):
        return target
    return posixpath.join(cwd, target) if cwd else None


def _lists_many(script: str) -> bool:
    """Whether a substitution prints a list (``$(docker ps -q)``), not one value (``$(mktemp)``)
    nor what a filter selects (``$(docker ps -aq --filter label=ci-job=8812)``)."""
    feed = output_of_script(script)
    words = feed.source.split()
    program = program_name(words[0]) if words else ""
    subs = rules()["substitutions"]
    filters = subs["narrowed_by"].get(program, ())
    if any(w in filters or w.split("=", 1)[0] in filters for w in words[1:]):
        return False
    return feed.kind in ("listing", "unknown") and program not in subs["scalar_programs"]


def _own_words(words: list[str], nested: list[Nested]) -> list[str]:
    """A carrier's words without the argument vector it carries (``docker run --rm img rm -rf
    /x``: ``rm`` and ``-rf`` are the inner command's, not docker's)."""
    for n in nested:
        k = len(n.argv)
        if n.lang == "argv" and k and tuple(words[-k:]) == n.argv and k < len(words):
            return words[:-k]
    return words


def _names_production(p: Parsed, nested: list[Nested]) -> bool:
    """Whether a carrier's own words (its host, context, namespace, inventory pattern; not the code
    it carries) name production."""
    carried = {n.text.lower() for n in nested}
    return is_production([w for w in (*p.positional, *p.values) if w not in carried])


def _manifest(words: list[str], feed: Feed | None, files: Files | None) -> str | None:
    """The manifest text a ``kubectl … -f FILE`` (or ``-f -``) reads, when the snippet knows it: its
    input's text, or a file written above (``cat > sc.yaml <<EOF … EOF``)."""
    if "-f" not in words and "--filename" not in words:
        return None
    at = words.index("-f") if "-f" in words else words.index("--filename")
    name = words[at + 1] if at + 1 < len(words) else "-"
    if name in ("-", "/dev/stdin"):
        return feed.text if feed is not None and feed.kind == "text" else None
    return files.written.get(name.rsplit("/", 1)[-1]) if files is not None else None


def _moved(words: list[str]) -> list[tuple[str, str]]:
    """``mv SRC DST``: (DST, SRC) and (DST/name, SRC), so a later ``rm -rf DST`` is judged by what
    was moved there (``mv /var/lib/mysql /tmp/x && rm -rf /tmp/x``)."""
    if program_name(words[0]) != "mv":
        return []
    operands = [w for w in words[1:] if not w.startswith("-")]
    if len(operands) != 2:
        return []
    src, dst = operands[0].rstrip("/") or "/", operands[1].rstrip("/") or "/"
    return [(dst, src), (f"{dst}/{src.rsplit('/', 1)[-1]}", src)]


# A write there (`… | tee /tmp/review.sh`) changes nothing anyone relies on.
SCRATCH_WRITES = ("scratch",)


def _written_startup(cmd: Command) -> str:
    """The known text a command writes into a file that runs it later (``[redirects] startup_files``:
    shell startup files, cron tables, rc.local, git hooks), or nothing."""
    if not cmd.redirects:
        return ""
    startup = pattern(rules()["redirects"]["startup_files"])
    if not any(op in (">", ">>") and startup.search(target.lower()) for op, target in cmd.redirects):
        return ""
    out = output_of(cmd)
    return out.text if out.kind == "text" else ""


def _decoded_words(cmd: Command, offset: int, words: list[str]) -> list[str]:
    """The words with each argument that is a decoded substitution's output replaced by what it
    prints (``redis-cli $(echo LLAHSULF | rev)`` is ``redis-cli FLUSHALL``; split like an unquoted
    substitution). ``echo``/``printf`` outputs are already inlined by the lexer."""
    if not cmd.generated:
        return words
    decoded = {}
    for i, script in cmd.generated.items():
        if offset < i < len(cmd.words) and i not in cmd.procsubs:
            out = output_of_script(script)
            if out.kind == "text" and out.decoded and out.text.strip():
                decoded[i - offset] = out.text.split()[:64]
    if not decoded:
        return words
    return [w for k, word in enumerate(words) for w in decoded.get(k, [word])]


def _generated_command(cmd: Command, offset: int, words: list[str]) -> Feed | None:
    """What runs when a command's program word is a substitution's output (``$(…)`` or a variable
    holding one): that output with the other words after it, when it is text, downloaded, encoded
    or unknown code; None for a listing (``$(which python3) -V`` names a program)."""
    script = cmd.generated.get(offset)
    if script is None or offset in cmd.procsubs:
        return None
    out = output_of_script(script)
    if out.kind == "listing":
        return None
    if out.kind == "text":
        return replace(out, text=" ".join([out.text.strip(), *words[1:]])[: limit("max_decoded_chars")])
    return out


def judge_command(
    cmd: Command, ctx: Context, cwd: str | None, moves: tuple[tuple[str, str], ...] = (), files: Files | None = None
) -> Judged:
    """One simple command: its rule, its writes, its special shapes and the code it carries (its
    input read from a file the snippet wrote, when it did)."""
    evidence = " ".join(cmd.words)[:300]
    out = output_of(cmd) if any(is_kernel_trigger(t) for _, t in cmd.redirects) else None  # echo s > …sysrq
    findings = writes(cmd.redirects, evidence, out.text if out is not None and out.kind == "text" else None)
    if cmd.redirects and prints_nothing(cmd.words):  # : > /var/lib/redis/dump.rdb
        findings += emptied(cmd.redirects, cwd, evidence)
    if cmd.truncated:  # fail closed: words or commands beyond the lexer's bounds were not read
        findings.append(Finding("shell", "more words or commands than the analyser reads", "high", "", evidence))
    words, via_xargs = unwrap(cmd.words)
    if cmd.stdin is not None and words and program_name(words[0]) in members("interpreters", "objects", "consumers"):
        via_xargs = True  # Get-ChildItem … | Remove-Item: it acts on what it is piped, like xargs
    if not words:
        return findings, []
    offset = len(cmd.words) - len(words)
    if len(words) == 1 and " " in words[0].strip() and offset not in cmd.generated:  # a quoted command
        return findings, [Nested("shell", words[0], cwd=cwd)]
    if cmd.generated:
        run = _generated_command(cmd, offset, words)
        if run is not None:  # cmd=$(echo … | base64 -d); $cmd — the program is what the substitution prints
            return findings, [Nested("fed", feed=run, interpreter="shell", cwd=cwd)]
        words = _decoded_words(cmd, offset, words)
    if cmd.redirects and (startup := _written_startup(cmd)):  # echo 'rm -rf ~/*' >> ~/.bashrc: runs at login
        return findings, [Nested("shell", startup, cwd=cwd)]
    feed = stdin_of(cmd) or (ctx.stdin if cmd.stdin is None else None)
    if files is not None and feed is not None:
        feed = files.fed(feed)
    carrier = carrier_for(program_name(canonical(words)[0]))  # `python manage.py shell -c`: manage.py's
    spelled = parse(words) if carrier else None
    nested = carrier(words, spelled, cmd, offset, feed) if carrier and spelled else []
    if nested and spelled is not None and is_dry_run(spelled):  # bq query --dry_run '…': nothing it carries runs
        nested = []
    own = _own_words(words, nested)
    p = spelled if spelled is not None and own is words else parse(own)
    p.cwd, p.mounts = cwd, (*moves, *ctx.mounts) if moves else ctx.mounts
    p.on_production = ctx.production
    if nested and _names_production(p, nested):  # ssh deploy@prod-web-3 '…': what it runs is production
        nested = [replace(n, production=True) for n in nested]
    if via_xargs:
        p.upstream = upstream_words(cmd)
        if feed is not None and feed.roots:
            p.roots = feed.roots
        elif feed is not None and feed.kind == "text" and feed.text.split():  # echo ./dist | xargs rm -rf
            p.roots = tuple(feed.text.split()[:64])
        else:
            p.all_targets = True
    if any(i > offset and _lists_many(s) for i, s in cmd.generated.items() if i not in cmd.procsubs):
        p.all_targets = True
    everyone = killed_everything(cmd, words, offset, via_xargs)  # kill $(ps -e -o pid=)
    manifest = _manifest(own, feed, files)
    found = [
        finding
        for finding in (
            classify(p),
            git_push(p),
            http_call(p, words),
            scale_to_zero(p, words),
            settings.edited(p, own),
            applied_manifest(p, manifest),
        )
        if finding is not None
    ]
    if everyone is not None:
        found.append(everyone)
    if found and is_dry_run(p):  # kubectl scale --replicas=0 --dry-run=client: no judge sees a change
        found = [f if f.inert else capped([f], "low", "dry run", inert=True)[0] for f in found]
    written = tee_targets(p) + copy_targets(p)
    scratch = bool(written) and all(path_class(path, cwd) in SCRATCH_WRITES for _, path in written)
    if not found and carrier is None and not scratch:  # so that a read next to it is not taken for all the code does
        found.append(Finding("shell", UNRECOGNISED, "low", p.positional[-1] if p.positional else p.program))
    findings += found
    fed = stdin_of(cmd) if written and p.program == "tee" else None  # echo s | tee /proc/sysrq-trigger
    findings += writes(written, evidence, fed.text if fed is not None and fed.kind == "text" else None)
    return findings, nested


def judge_shell(text: str, ctx: Context) -> Judged:
    """Every command of a shell snippet, in order (``cd`` moves the working directory)."""
    text = posix_paths(folded(text[: limit("max_snippet_chars")]))  # C:\Users → C:/Users before the lexer
    findings, nested = shapes(text), []
    cwd = ctx.cwd
    files = Files.of(text)
    moves: tuple[tuple[str, str], ...] = ()
    functions = definitions(text) if "(" in text or "function" in text else {}
    defined: set[str] = set()
    known_aliases: dict[str, str] = {}
    calls: set[str] = set()
    for cmd in lex(text):
        nested += [Nested("shell", sub, cwd=cwd) for sub in cmd.subs]
        words, _ = unwrap(cmd.words)
        if words and program_name(words[0]) == "cd":
            cwd = _cd(words, cwd)
            continue
        if words and not GLOB.isdisjoint(words[0]):  # /bin/r? -rf /ho*: whichever program it matches
            programs = globbed(words[0])
            if programs == ANY_PROGRAM:  # /usr/bin/* -rf /home: any program at all (fail closed)
                findings.append(Finding("shell", "a program name any of many programs match", "high", words[0]))
            else:
                nested += [Nested("argv", argv=(program, *words[1:]), cwd=cwd) for program in programs]
        if words and program_name(words[0]) in ("alias", "hash", "ln", "cp", "install") and (named := aliases(words)):
            known_aliases.update(named)  # alias ll='rm -rf /home/deploy', hash -p /bin/rm tidy, ln -s /bin/rm x
        elif words and words[0] in known_aliases:
            nested.append(Nested("shell", expanded(known_aliases[words[0]], words[1:]), cwd=cwd))
        elif known_aliases and words and program_name(words[0]) in ("chmod", "chown"):
            copied = [known_aliases.get(w, w) for w in words]  # cp /bin/bash /tmp/.x; chmod u+s /tmp/.x
            if copied != words and any(SHELL_PROGRAM.search(w) for w in copied[1:]):
                nested.append(Nested("argv", argv=tuple(copied), cwd=cwd))
        if functions and words and words[0] in functions:  # wipe /var/lib/mysql, wipe() defined above
            if words == [words[0]] and words[0] not in defined:  # `wipe(){ … }` lexes as a bare `wipe` first
                defined.add(words[0])
            elif (body := called(functions[words[0]], words[1:])) not in calls:  # each distinct call once
                calls.add(body)
                nested.append(Nested("shell", body, cwd=cwd))
        f, n = judge_command(cmd, ctx, cwd, moves, files)
        if words:
            moves = (*_moved(words), *moves)[:16]
        ran = files.run(words) if files.downloads or files.written else None
        if ran is not None and ran[0] == "downloaded":  # curl -o i.sh URL && bash i.sh
            f.append(Finding("shell", "downloaded code run", "catastrophic", ran[1], " ".join(words)[:300]))
        elif ran is not None:  # cat > /tmp/x.go <<EOF … EOF; go run /tmp/x.go
            n.append(Nested(ran[0], ran[1], cwd=cwd))
        if files.written and (inlined := files.inlined(words)):  # … --lifecycle-configuration file://lc.json
            n.append(Nested("argv", argv=tuple(inlined), cwd=cwd))
        for target, content in files.record(cmd, words):  # echo 'PermitRootLogin yes' >> …/sshd_config
            if (weak := settings.written(target, content, " ".join(cmd.words)[:300])) is not None:
                f.append(weak)
        findings += f
        nested += n
        if any(x.severity == "catastrophic" for x in f):  # nothing later can make it worse
            break
    return findings, nested


def judge_argv(argv: tuple[str, ...], ctx: Context) -> Judged:
    """An argument vector (``kubectl exec … -- ARGV``, ``subprocess.run([...])``, a tool's list)."""
    return judge_command(Command(words=list(argv)), ctx, ctx.cwd)
