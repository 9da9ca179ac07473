"""Commands whose danger depends on more than words and flags: where output is written
(``>``, ``>>``, ``tee``), which branch a push rewrites or deletes, whether a service is scaled to
zero, and shapes seen on a whole snippet (fork bombs, PowerShell
download-and-execute).
"""

from __future__ import annotations

import re

from sentinel.live.classify import is_dry_run, protected
from sentinel.live.commands import Parsed, is_nonproduction, is_production, service_kinds
from sentinel.live.findings import Finding, cap
from sentinel.live.functions import spans
from sentinel.live.lexer import Command
from sentinel.live.paths import is_block_device, is_kernel_trigger, is_sensitive_file, path_class
from sentinel.live.rules import members, pattern, rules

QUOTED = re.compile(r"'[^']*'|\"(?:\\.|[^\"\\])*\"")


def writes(targets: list[tuple[str, str]], evidence: str, text: str | None = None) -> list[Finding]:
    """Findings for output written to ``(op, path)``: devices, kernel triggers, host files. ``text``,
    when known, is what is written (``echo s > /proc/sysrq-trigger`` only syncs the disks)."""
    sev = rules()["redirects"]
    out = []
    for op, path in targets:
        if op not in (">", ">>", "<>"):
            continue
        if is_block_device(path):
            out.append(Finding("shell", "raw write to a block device", sev["block_device"], path, evidence))
        elif is_kernel_trigger(path) and _sysrq_harmless(path, text):
            out.append(Finding("shell", "kernel asked to sync or dump state", "low", path, evidence, inert=True))
        elif is_kernel_trigger(path):
            out.append(Finding("shell", "kernel trigger written", sev["kernel_trigger"], path, evidence))
        elif is_sensitive_file(path):
            kind = "sensitive_append" if op == ">>" else "sensitive_overwrite"
            what = "appended to a host security file" if op == ">>" else "host file overwritten or emptied"
            out.append(Finding("shell", what, sev[kind], path, evidence))
        elif op == ">" and path.startswith(("/etc/", "/boot/", "/usr/")):
            out.append(Finding("shell", "system file overwritten", sev["system_overwrite"], path, evidence))
    return out


def _sysrq_harmless(path: str, text: str | None) -> bool:
    """Whether the letters written to the SysRq trigger only sync, report or set the log level
    (``[redirects] sysrq_harmless``: ``s``, ``w``, ``m`` …), not reboot, crash or kill (``b``, ``c``, ``i``)."""
    letters = (text or "").strip()
    return (
        path.endswith("sysrq-trigger") and bool(letters) and set(letters) <= set(rules()["redirects"]["sysrq_harmless"])
    )


def prints_nothing(words: list[str]) -> bool:
    """Whether a command's output is empty (``:``, ``true``, ``cat /dev/null``, ``echo -n``,
    ``printf ''``), so that ``CMD > FILE`` only empties FILE; no command at all (``> FILE``) too."""
    if not words:
        return True
    r = rules()["redirects"]
    program, rest = words[0].rsplit("/", 1)[-1], words[1:]
    if program in r["empty_producers"]:
        return True
    if program == "cat":
        return bool(rest) and all(w in r["empty_sources"] for w in rest)
    if program == "echo":
        return rest in (["-n"], ["-n", ""], ["-n", "-e"], ["-ne"], ["-en"])
    return program == "printf" and rest in ([""], ["%s", ""])


def emptied(targets: list[tuple[str, str]], cwd: str | None, evidence: str) -> list[Finding]:
    """Files emptied by a ``>`` redirect of nothing, judged like deleting them (``[scope.file]``)."""
    table = rules()["scope"]["file"]
    out = []
    for op, path in targets:
        if op == ">" and path and not path.startswith("/dev/"):
            severity = table[path_class(path, cwd)]
            out.append(Finding("shell", "file emptied (truncating redirect)", severity, path, evidence))
    return out


def tee_targets(p: Parsed) -> list[tuple[str, str]]:
    """``tee [-a] FILE…`` writes like ``>`` (``>>`` with ``-a``)."""
    if p.program != "tee":
        return []
    op = ">>" if p.flags & {"-a", "--append"} else ">"
    return [(op, path) for path in p.positional]


def copy_targets(p: Parsed) -> list[tuple[str, str]]:
    """``cp /dev/null FILE``, ``cp /dev/urandom /dev/sda``: a copy of nothing (or of noise) over a
    file writes it like ``>``."""
    r = rules()["redirects"]
    if p.program not in r["copy_programs"] or len(p.positional) < 2 or p.positional[0] not in r["empty_sources"]:
        return []
    return [(">", p.positional[-1])]


def upstream_words(cmd: Command) -> tuple[str, ...]:
    """The lower-cased words of the commands feeding ``cmd`` through pipes (at most 8 of them)."""
    out: list[str] = []
    producer = cmd.stdin
    for _ in range(8):
        if producer is None:
            break
        out += [w.lower() for w in producer.words[:32]]
        producer = producer.stdin
    return tuple(out)


def _filters_protected(upstream: tuple[str, ...]) -> bool:
    """Whether a listing was filtered to leave protected branches out (``grep -v main``, ``grep -vE
    'main|master'``, ``sed '/main/d'``): a filter's words name a protected branch."""
    names = {n for n in rules()["git"]["protected"] if "*" not in n}
    inverted = any(w.startswith("-") and "v" in w and not w.startswith("--") for w in upstream) or any(
        w.endswith("/d") or w.startswith("!") for w in upstream
    )
    named = any(part in names for w in upstream for part in re.split(r"[^a-z0-9_-]+", w))
    return inverted and named


UNNAMED_BRANCH = ("head", "@")  # git push --force origin HEAD: whichever branch is checked out


def git_push(p: Parsed) -> Finding | None:
    """Force pushes and deletions, judged by the branch: protected → catastrophic, unknown (not
    named, ``HEAD``) → medium (flag), one's own feature branch → low; a plain push straight to a
    protected branch → medium."""
    if p.program != "git" or "push" not in p.positional:
        return None
    found = _push(p)
    if found is not None and is_dry_run(p):  # git push --dry-run / -n: nothing is pushed
        what, severity = f"{found.what} (dry run)", cap(found.severity, "low")
        return Finding("shell", what, severity, found.target, found.evidence, inert=True)
    return found


def _push(p: Parsed) -> Finding | None:
    """The finding of a real ``git push`` (see :func:`git_push`)."""
    g = rules()["git"]
    after = p.positional[p.positional.index("push") + 1 :]
    specs = after[1:]
    evidence = " ".join(p.words)[:300]
    force = bool(p.flags & set(g["force_flags"])) or any(s.startswith("+") for s in specs)
    delete = bool(p.flags & set(g["delete_flags"])) or any(s.startswith(":") for s in specs)
    branches = [s.lstrip("+").split(":")[-1] for s in specs]
    hits = [b for b in branches if protected(b)]
    if "--mirror" in p.flags or (force and "--all" in p.flags):
        what = "every remote branch overwritten (--mirror, --force --all)"
        return Finding("shell", what, "catastrophic", after[0] if after else "", evidence)
    if (force or delete) and hits:
        what = "deletion of a protected branch" if delete else "force push to a protected branch"
        return Finding("shell", what, "catastrophic", hits[0], evidence, production=True)
    if not force and not delete and hits:  # git revert … && git push origin main: a human should see it
        return Finding("shell", "push to a protected branch", "medium", hits[0], evidence, production=True)
    if delete and p.all_targets and _filters_protected(p.upstream):
        return Finding("shell", "deletion of every listed branch (protected ones filtered out)", "medium", "", evidence)
    if delete and p.all_targets:
        what = "deletion of every listed branch (protected ones included)"
        return Finding("shell", what, "catastrophic", "branches", evidence, production=True)
    if force and (not branches or branches[0].lower() in UNNAMED_BRANCH):  # git push --force origin HEAD
        return Finding("shell", "force push (branch not named)", "medium", "current branch", evidence)
    if force or delete:
        what = "force push to a feature branch" if force else "deletion of a feature branch"
        return Finding("shell", what, "low", branches[0] if branches else "", evidence, confined=True)
    return None


def _zero(value: str, option: str) -> bool:
    """Whether an option's value (or a positional word) asks for zero of something."""
    data = rules()["scale"]
    if not pattern(data["zero_value"]).match(value):
        return False
    if option in data["pair_options"]:  # helm --set debug=0 is no scaling
        return bool(pattern(data["pair_key"]).search(value.split("=", 1)[0].lower()))
    return True


def scale_to_zero(p: Parsed, words: list[str]) -> Finding | None:
    """A service or fleet scaled to zero, by any of its spellings (``[scale]``): ``kubectl scale
    --replicas=0``, ``aws ecs update-service --desired-count 0``, ``docker service scale api=0``,
    ``heroku ps:scale web=0``, ``helm upgrade --set replicaCount=0``, ``kubectl patch … replicas: 0``."""
    data = rules()["scale"]
    if p.program not in members("scale", "programs") or not any("0" in w for w in words):
        return None
    zero = False
    options = set(data["options"])
    for i, w in enumerate(words[1:], start=1):
        name, eq, value = w.partition("=")
        if eq and name in options:
            zero |= _zero(value, name)
        elif w in options and i + 1 < len(words):
            zero |= _zero(words[i + 1], w)
    subs = set(data["subcommands"])
    at = next((i for i, w in enumerate(p.positional) if w in subs), None)
    if at is not None:
        zero |= any(_zero(w, "") for w in p.positional[at + 1 :])
    if not zero and "patch" in p.positional:
        zero = bool(pattern(data["patch"]).search(" ".join(p.words)))
    if not zero:
        return None
    names = p.positional + p.values
    severity = data["prod_severity"] if is_production(names) else data["severity"]
    if not is_production(names) and is_nonproduction(names) and not service_kinds(names):
        severity = data["nonproduction_severity"]
    target = p.positional[-1] if p.positional else p.program
    return Finding("shell", "scaled to zero (the service stops)", severity, target, " ".join(p.words)[:300])


def applied_manifest(p: Parsed, manifest: str | None) -> Finding | None:
    """A manifest ``kubectl apply|create|replace -f`` reads from its input or from a file the snippet
    wrote, judged by what it sets (``[[manifest]]``: a reclaim policy of Delete on a StorageClass or a
    PersistentVolume); the first entry that matches."""
    if not manifest or p.program not in members("resource_types", "programs"):
        return None
    if not {"apply", "create", "replace"} & set(p.positional[:2]):
        return None
    for entry in rules()["manifest"]:
        if pattern(entry["pattern"], re.IGNORECASE | re.MULTILINE).search(manifest[:4000]):
            what, evidence = entry["what"], " ".join(p.words)[:300]
            return Finding("shell", what, entry["severity"], p.positional[-1] if p.positional else "", evidence)
    return None


def _forks_itself(name: str, body: str) -> bool:
    """A function body that calls itself twice with a pipe or ``&`` between the calls
    (``:|:&``, ``f & f``), or that backgrounds a call of itself inside a loop."""
    calls = re.findall(rf"(?<![\w:.-]){name}(?![\w:.-])", body)
    background = re.search(r"(?<!&)&(?![&>])", body)
    if len(calls) >= 2 and ("|" in body or background):
        return True
    return bool(calls and background and re.search(r"\b(?:while|until|for)\b", body))


HEREDOC_BODY = re.compile(r"(<<-?\s*[\x27\"]?(\w+)[\x27\"]?[^\n]*\n)[\s\S]*?\n\s*\2[ \t]*(?=\n|$)")


def shapes(text: str) -> list[Finding]:
    """Fork bombs (shell functions, batch files, PowerShell loops) and PowerShell download-and-execute
    on the snippet (quoted text removed for the shell's)."""
    bare = QUOTED.sub("''", HEREDOC_BODY.sub("", text) if "<<" in text else text)  # a heredoc is data here
    out = []
    for f in spans(bare):
        if _forks_itself(re.escape(f.name), f.body):
            out.append(Finding("shell", "fork bomb", "catastrophic", f.name, bare[f.start : f.end][:120]))
    if "%0" in text or "$true" in text.lower():
        bomb = pattern(rules()["shapes"]["windows_fork_bomb"], re.IGNORECASE).search(text)
        if bomb:
            out.append(Finding("shell", "fork bomb (Windows)", "catastrophic", "%0", bomb.group(0)[:120]))
    low = bare.lower()
    if ("iex" in low or "invoke-expression" in low or "scriptblock" in low) and pattern(
        rules()["shapes"]["powershell_download_exec"]
    ).search(bare):
        out.append(Finding("shell", "downloaded code executed (PowerShell)", "catastrophic", "", text[:200]))
    return out
